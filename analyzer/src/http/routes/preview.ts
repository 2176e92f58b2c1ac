/**
 * The inert HTML preview: `GET /api/flows/:id/:side/preview` serves a captured body as a document
 * for the GUI's `<iframe sandbox="">`, with its lock-down CSP as a response header (PREVIEW_CSP) so
 * it is in force before the first byte is parsed — a `<meta>` CSP in a srcdoc raced Chromium's
 * preload scanner. The body is content-decoded (bounded; the raw bytes when it cannot be decoded),
 * decoded as text in the charset the GUI detected (`?charset=`), every `http-equiv` renamed (a meta
 * refresh would navigate the frame to the attacker's server; CSP does not govern navigation) and
 * sent as UTF-8, so no in-document charset declaration can change how it is read.
 */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { FlowId, headerValue } from '@honeyproxy/protocol';
import type { FlowStore } from '../../store/flow-store.js';
import { HttpError } from '../errors.js';
import { decodeBody, UndecodableBodyError } from '../decode-body.js';
import { PREVIEW_HEADERS } from '../security-headers.js';

export interface PreviewRoutesOptions {
  store: FlowStore;
  decodedBodyLimit: number;
}

/** The TextDecoder encoding for a label, or undefined when TextDecoder does not know it. */
function encodingOf(label: string | undefined): string | undefined {
  if (!label) return undefined;
  try {
    return new TextDecoder(label.trim().toLowerCase()).encoding;
  } catch {
    return undefined;
  }
}

/** The captured document made inert where CSP cannot help: no `http-equiv` (refresh) survives. */
export function neutraliseHtml(text: string): string {
  return text.replace(/http-equiv/gi, 'data-hp-neutralised-http-equiv');
}

export const previewRoutes: FastifyPluginCallbackTypebox<PreviewRoutesOptions> = (
  app,
  { store, decodedBodyLimit },
  done,
) => {
  app.get(
    '/api/flows/:id/:side/preview',
    {
      schema: {
        params: Type.Object({
          id: FlowId,
          side: Type.Union([Type.Literal('request'), Type.Literal('response')]),
        }),
        querystring: Type.Object({
          charset: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,40}$' })),
        }),
      },
    },
    async (req, reply) => {
      const { id, side } = req.params;
      const body = await store.body(id, side);
      if (!body) throw new HttpError(404, `no ${side} body for this flow`);
      if (!body.data) throw new HttpError(404, `the ${side} body's bytes are not stored`);
      let bytes = Buffer.from(body.data.buffer, body.data.byteOffset, body.data.byteLength);
      try {
        bytes = await decodeBody(bytes, body.headers, decodedBodyLimit);
      } catch (err) {
        // the GUI previews the raw bytes then too (and says so)
        if (!(err instanceof UndecodableBodyError)) throw err;
      }
      const asked = req.query.charset;
      const encoding = encodingOf(asked);
      if (asked !== undefined && encoding === undefined)
        throw new HttpError(400, 'charset: not an encoding this server can decode');
      const declared = /;\s*charset\s*=\s*"?([\w.:-]{1,40})"?/i.exec(
        headerValue(body.headers, 'content-type') ?? '',
      )?.[1];
      const text = new TextDecoder(encoding ?? encodingOf(declared) ?? 'utf-8').decode(bytes);
      return reply
        .headers(PREVIEW_HEADERS)
        .header('content-type', 'text/html; charset=utf-8')
        .send(Buffer.from(neutraliseHtml(text), 'utf8'));
    },
  );
  done();
};
