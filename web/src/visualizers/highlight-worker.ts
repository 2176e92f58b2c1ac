/**
 * Web Worker that pretty-prints and highlights captured code off the main thread (a 5 MB
 * minified script must not freeze the tab), and hashes large bodies. highlight.js core with only
 * the grammars we show (JavaScript, CSS, JSON, XML/HTML), js-beautify for formatting. The page
 * kills this worker when a job runs too long (highlight-client.ts), which is also the answer to
 * grammar ReDoS. Bundled to /highlight-worker.js; loaded under the GUI CSP (worker-src 'self').
 */
import hljs from 'highlight.js/lib/core';
import javascript from 'highlight.js/lib/languages/javascript';
import css from 'highlight.js/lib/languages/css';
import json from 'highlight.js/lib/languages/json';
import xml from 'highlight.js/lib/languages/xml';
import beautify from 'js-beautify';
import { tokensFromHighlightHtml } from './code-tokens.js';
import { digests } from '../detail/model/digests.js';
import type { WorkerRequest, WorkerResponse } from './highlight-protocol.js';

hljs.registerLanguage('javascript', javascript);
hljs.registerLanguage('css', css);
hljs.registerLanguage('json', json);
hljs.registerLanguage('xml', xml);

function pretty(language: string, text: string): string {
  const options = {
    indent_size: 2,
    wrap_line_length: 0,
    preserve_newlines: true,
    max_preserve_newlines: 2,
  };
  switch (language) {
    case 'javascript':
    case 'json':
      return beautify.js(text, options);
    case 'css':
      return beautify.css(text, options);
    case 'xml':
      return beautify.html(text, {
        ...options,
        unformatted: [],
        content_unformatted: ['pre', 'textarea', 'script', 'style'],
      });
    default:
      return text;
  }
}

function answer(request: WorkerRequest): WorkerResponse {
  if (request.op === 'digest')
    return { id: request.id, op: 'digest', digests: digests(request.bytes) };
  const text = request.format ? pretty(request.language, request.text) : request.text;
  const markup = hljs.highlight(text, { language: request.language, ignoreIllegals: true }).value;
  return {
    id: request.id,
    op: 'highlight',
    tokens: tokensFromHighlightHtml(markup),
    formatted: request.format,
  };
}

self.addEventListener('message', (event: MessageEvent<WorkerRequest>) => {
  let response: WorkerResponse;
  try {
    response = answer(event.data);
  } catch (err) {
    response = {
      id: event.data.id,
      op: 'error',
      message: err instanceof Error ? err.message : String(err),
    };
  }
  // The DOM lib types `self` as Window; in a worker postMessage takes no target origin.
  (self as unknown as { postMessage(message: WorkerResponse): void }).postMessage(response);
});
