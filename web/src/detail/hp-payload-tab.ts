/**
 * Payload tab: what the client sent as data — the query string, a url-encoded form, multipart
 * parts (field, file name, type as declared and as sniffed, size, SHA-256, download), a JSON body
 * as a tree — and a JSON response as a tree too. Every name and value is bound as text.
 */
import { LitElement, css, html, nothing, type TemplateResult } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { headerValue, type FlowRecord } from '@honeyproxy/protocol';
import type { BodySide } from '../api/paths.js';
import { shared } from '../styles/shared.js';
import { formatBytes, formatSize } from '../util/format.js';
import { mediaType } from '../visualizers/parse/body-kind.js';
import { decodeText } from '../visualizers/parse/charset.js';
import { sniff } from '../visualizers/parse/sniff.js';
import { digestInWorker } from '../visualizers/highlight-client.js';
import { bodyGate } from './body-gate.js';
import type { BodySource } from '../state/body-source.js';
import { detailStyles } from './detail-styles.js';
import { parseFormFields } from './model/form-fields.js';
import { multipartBoundary, parseMultipart, type MultipartPart } from './model/multipart.js';
import { urlParts } from './model/url-parts.js';
import './hp-copy-button.js';
import './hp-json-tree.js';

const JSON_PARSE_MAX = 8 * 1024 * 1024;

/** A download name from an attacker's file name: no paths, no control or odd characters. */
export function safeFileName(name: string | null, index: number): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const clean = base
    .replace(/[^\w.\- ]+/g, '_')
    .replace(/^\.+/, '')
    .slice(0, 80);
  return `part-${index + 1}${clean ? `-${clean}` : ''}.bin`;
}

@customElement('hp-payload-tab')
export class HpPayloadTab extends LitElement {
  static override styles = [
    shared,
    detailStyles,
    css`
      td.name {
        width: 32%;
        font-family: var(--hp-mono);
        font-size: var(--hp-mono-size);
        color: var(--hp-muted);
      }
      td.value {
        font-family: var(--hp-mono);
        font-size: var(--hp-mono-size);
      }
    `,
  ];

  @property({ attribute: false }) accessor flow: FlowRecord | null = null;
  @property({ attribute: false }) accessor source: BodySource | null = null;
  @property({ attribute: false }) accessor rev = 0;
  @state() accessor partHashes: ReadonlyMap<string, string> = new Map();
  #blobUrls: string[] = [];
  #hashing = new WeakSet<Uint8Array>();

  override disconnectedCallback(): void {
    this.revokeBlobs();
    super.disconnectedCallback();
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('flow')) {
      this.revokeBlobs();
      this.partHashes = new Map();
    }
  }

  private revokeBlobs(): void {
    for (const url of this.#blobUrls) URL.revokeObjectURL(url);
    this.#blobUrls = [];
  }

  override render() {
    const flow = this.flow;
    const source = this.source;
    if (!flow || !source) return nothing;
    const query = urlParts(flow.request.url)?.query ?? '';
    const requestType = headerValue(flow.request.headers, 'content-type');
    const responseType = flow.response
      ? headerValue(flow.response.headers, 'content-type')
      : undefined;
    const responseJson =
      /json/.test(mediaType(responseType)) && (flow.response?.body?.len ?? 0) > 0;
    return html`
      <section>
        <h3>
          Query string
          ${query ? html`<span class="badge">${parseFormFields(query).length}</span><span class="spacer"></span><hp-copy-button label="Copy query string" .value=${query}></hp-copy-button>` : nothing}
        </h3>
        ${query ? this.fields(parseFormFields(query)) : html`<p class="empty">The URL has no query string.</p>`}
      </section>
      <section>
        <h3>
          Request body
          ${requestType ? html`<span class="badge mono">${mediaType(requestType)}</span>` : nothing}
        </h3>
        ${this.body('request', requestType)}
      </section>
      ${
        responseJson
          ? html`<section>
              <h3>Response JSON</h3>
              ${this.body('response', responseType)}
            </section>`
          : nothing
      }
    `;
  }

  private body(side: BodySide, contentType: string | undefined): TemplateResult {
    const source = this.source;
    if (!source) return html``;
    const load = source.get(side, 'decoded');
    const gate = bodyGate(load, source, side, 'decoded', 'parse it');
    if (gate || load.state !== 'ready') return gate ?? html``;
    const type = mediaType(contentType);
    const boundary = multipartBoundary(contentType);
    if (boundary) return this.multipart(load.bytes, boundary);
    if (type === 'application/x-www-form-urlencoded') {
      const { text } = decodeText(load.bytes, contentType, load.complete);
      return this.fields(parseFormFields(text));
    }
    const looksJson = /json/.test(type) || sniff(load.bytes).kind === 'json';
    if (looksJson && load.bytes.length <= JSON_PARSE_MAX) {
      const { text } = decodeText(load.bytes, contentType, load.complete);
      try {
        return html`<hp-json-tree .value=${JSON.parse(text) as unknown}></hp-json-tree>`;
      } catch (err) {
        return html`<div class="notice">
          Declared or looks like JSON but does not parse:
          ${err instanceof Error ? err.message : String(err)}
        </div>`;
      }
    }
    return html`<p class="muted">
      ${formatSize(load.bytes.length)} of ${type || 'undeclared'} data — not a form, multipart or
      JSON body; see Preview and Raw.
    </p>`;
  }

  private fields(pairs: [string, string][]): TemplateResult {
    if (pairs.length === 0) return html`<p class="empty">No fields.</p>`;
    return html`<table class="grid">
      <thead>
        <tr>
          <th>Name</th>
          <th>Value</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        ${pairs.map(
          ([name, value]) =>
            html`<tr>
              <td class="name">${name}</td>
              <td class="value">${value}</td>
              <td class="num">
                <hp-copy-button label="Copy ${name}" .value=${value}></hp-copy-button>
              </td>
            </tr>`,
        )}
      </tbody>
    </table>`;
  }

  private multipart(body: Uint8Array, boundary: string): TemplateResult {
    const parts = parseMultipart(body, boundary);
    if (parts.length === 0)
      return html`<div class="notice">
        Multipart body without parts for boundary <span class="mono">${boundary}</span>.
      </div>`;
    this.hashParts(body, parts);
    return html`<table class="grid">
      <thead>
        <tr>
          <th>Field</th>
          <th>File name</th>
          <th>Type</th>
          <th class="num">Size</th>
          <th>SHA-256</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        ${parts.map((part, i) => {
          const bytes = body.subarray(part.start, part.end);
          const sniffed = sniff(bytes);
          const hash = this.partHashes.get(`${part.start}:${part.end}`);
          const preview =
            part.filename === null && bytes.length <= 200 ? new TextDecoder().decode(bytes) : null;
          return html`<tr>
            <td class="mono">${part.name ?? '—'}</td>
            <td class="mono">
              ${part.filename ?? (preview !== null ? html`<span class="muted">value:</span> ${preview}` : '—')}
            </td>
            <td>
              <span class="mono">${part.contentType ?? '—'}</span>
              ${sniffed.strong ? html`<br /><span class="badge ${part.contentType && mediaType(part.contentType) !== sniffed.mime ? 'warn' : ''}">is ${sniffed.label}</span>` : nothing}
            </td>
            <td class="num" title=${formatBytes(bytes.length)}>${formatSize(bytes.length)}</td>
            <td class="mono">
              ${hash ? html`${hash.slice(0, 16)}… <hp-copy-button label="Copy SHA-256 of part ${i + 1}" .value=${hash}></hp-copy-button>` : '…'}
            </td>
            <td>
              <a href=${this.blobUrl(bytes)} download=${safeFileName(part.filename, i)}>Download</a>
            </td>
          </tr>`;
        })}
      </tbody>
    </table>`;
  }

  private blobUrl(bytes: Uint8Array): string {
    const url = URL.createObjectURL(
      new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }),
    );
    this.#blobUrls.push(url);
    return url;
  }

  private hashParts(body: Uint8Array, parts: MultipartPart[]): void {
    if (this.#hashing.has(body)) return;
    this.#hashing.add(body);
    void (async () => {
      const hashes = new Map<string, string>();
      for (const part of parts.slice(0, 100)) {
        try {
          const d = await digestInWorker(body.slice(part.start, part.end));
          hashes.set(`${part.start}:${part.end}`, d.sha256);
        } catch {
          // a failed hash leaves "…" in its cell; the part is still listed and downloadable
        }
      }
      this.partHashes = hashes;
    })();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hp-payload-tab': HpPayloadTab;
  }
}
