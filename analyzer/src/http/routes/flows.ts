/**
 * Flow routes: the newest-first list (keyset pages), one flow's record, and its captured bodies as
 * downloads — raw bytes by default, content-decoded with `?decoded=1` (bounded; see decode-body).
 * Bodies are never rendered here: they leave as attachments with a sandbox CSP.
 */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  FILTER_MAX_LENGTH,
  FLOW_PAGE_MAX,
  FLOW_SORT_KEYS,
  FilterSyntaxError,
  FlowId,
  FlowPage,
  FlowRecord,
  RelatedFlows,
  parseFilter,
  type FilterNode,
} from '@honeyproxy/protocol';
import { isInvalidRegex } from '../../db/pg-errors.js';
import { FilterTimeoutError, type FlowStore } from '../../store/flow-store.js';
import { InvalidCursorError } from '../../store/cursor.js';
import { ApiErrorBody, HttpError } from '../errors.js';
import { decodeBody, UndecodableBodyError } from '../decode-body.js';
import { RAW_BODY_HEADERS } from '../security-headers.js';

export interface FlowRoutesOptions {
  store: FlowStore;
  decodedBodyLimit: number;
}

const IdParams = Type.Object({ id: FlowId });

function anchorOf(
  after: string | undefined,
  before: string | undefined,
): { direction: 'after' | 'before'; id: string } | undefined {
  if (after !== undefined && before !== undefined)
    throw new HttpError(400, 'give at most one of after and before');
  if (after !== undefined) return { direction: 'after', id: after };
  if (before !== undefined) return { direction: 'before', id: before };
  return undefined;
}

function parseFilterParam(q: string | undefined): FilterNode | null {
  try {
    return parseFilter(q ?? '');
  } catch (err) {
    if (err instanceof FilterSyntaxError)
      throw new HttpError(400, `filter: ${err.message} (at ${err.position})`, 'bad_filter');
    throw err;
  }
}
const DEFAULT_PAGE = 100;

/** Up to 100 lower-case or upper-case UUIDs, comma-separated. */
const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const FLOW_IDS_PATTERN = `^${UUID}(,${UUID}){0,99}$`;

export const flowRoutes: FastifyPluginCallbackTypebox<FlowRoutesOptions> = (
  app,
  { store, decodedBodyLimit },
  done,
) => {
  app.get(
    '/api/flows',
    {
      schema: {
        querystring: Type.Object({
          // Optional rather than `default`: the TypeBox validator converts types but fills no defaults.
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: FLOW_PAGE_MAX })),
          cursor: Type.Optional(Type.String({ maxLength: 1024 })),
          /** The page after / before this flow (instead of a cursor). */
          after: Type.Optional(FlowId),
          before: Type.Optional(FlowId),
          sort: Type.Optional(Type.Union(FLOW_SORT_KEYS.map((k) => Type.Literal(k)))),
          dir: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
          /** Filter expression (protocol/src/filter-expression.ts). */
          q: Type.Optional(Type.String({ maxLength: FILTER_MAX_LENGTH })),
          /**
           * Comma-separated flow ids (at most FLOW_IDS_MAX): only these, so the GUI can ask which
           * live flows match an expression only the server answers (header/body operators).
           */
          ids: Type.Optional(Type.String({ pattern: FLOW_IDS_PATTERN })),
        }),
        response: { 200: FlowPage, 400: ApiErrorBody, 503: ApiErrorBody },
      },
    },
    async (req) => {
      const filter = parseFilterParam(req.query.q);
      try {
        return await store.list({
          limit: req.query.limit ?? DEFAULT_PAGE,
          cursor: req.query.cursor,
          anchor: anchorOf(req.query.after, req.query.before),
          sort: req.query.sort,
          dir: req.query.dir,
          filter,
          ids: req.query.ids?.split(','),
        });
      } catch (err) {
        if (err instanceof InvalidCursorError) throw new HttpError(400, err.message);
        if (err instanceof FilterTimeoutError)
          throw new HttpError(503, err.message, 'filter_timeout');
        if (isInvalidRegex(err))
          throw new HttpError(400, 'a regular expression in the filter is not valid in PostgreSQL');
        throw err;
      }
    },
  );

  app.get(
    '/api/flows/:id/related',
    {
      schema: {
        params: IdParams,
        querystring: Type.Object({
          kind: Type.Union([Type.Literal('earlier-content'), Type.Literal('redirect-target')]),
        }),
        response: { 200: RelatedFlows, 404: ApiErrorBody },
      },
    },
    async (req) => {
      const flows = await store.related(req.params.id, req.query.kind);
      if (flows === undefined) throw new HttpError(404, 'no flow with this id');
      return { flows };
    },
  );

  app.get(
    '/api/flows/:id',
    { schema: { params: IdParams, response: { 200: FlowRecord, 404: ApiErrorBody } } },
    async (req) => {
      const record = await store.get(req.params.id);
      if (!record) throw new HttpError(404, 'no flow with this id');
      return record;
    },
  );

  app.get(
    '/api/flows/:id/:side/body',
    {
      schema: {
        params: Type.Object({
          id: FlowId,
          side: Type.Union([Type.Literal('request'), Type.Literal('response')]),
        }),
        querystring: Type.Object({ decoded: Type.Optional(Type.Boolean()) }),
      },
    },
    async (req, reply) => {
      const { id, side } = req.params;
      const body = await store.body(id, side);
      if (!body) throw new HttpError(404, `no ${side} body for this flow`);
      if (!body.data) throw new HttpError(404, `the ${side} body's bytes are not stored`);
      let bytes = Buffer.from(body.data.buffer, body.data.byteOffset, body.data.byteLength);
      if (req.query.decoded) {
        try {
          bytes = await decodeBody(bytes, body.headers, decodedBodyLimit);
        } catch (err) {
          if (err instanceof UndecodableBodyError)
            throw new HttpError(422, err.message, 'undecodable_body');
          throw err;
        }
      }
      // The file name is built from the validated id only: no captured text reaches a header.
      const name = `${id}-${side}${req.query.decoded ? '-decoded' : ''}.bin`;
      return reply
        .headers(RAW_BODY_HEADERS)
        .header('content-disposition', `attachment; filename="${name}"`)
        .header('x-honeyproxy-body-truncated', String(body.meta.truncated))
        .send(bytes);
    },
  );
  done();
};
