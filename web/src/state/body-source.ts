/**
 * The open flow's bodies, loaded on demand and shared by every tab: per side, the raw captured
 * bytes and the content-decoded bytes (the analyzer removes gzip/br/…; when it cannot, the raw
 * bytes stand in and `undecodable` says so). Bodies up to AUTO_LOAD_MAX load as soon as a tab asks;
 * bigger ones wait for the analyst's click, so opening a flow never pulls 64 MiB by surprise.
 * Everything in flight is aborted when the pane moves to another flow.
 */
import { headerValue, type FlowRecord } from '@honeyproxy/protocol';
import type { ApiClient } from '../api/api-client.js';
import { BodyNotDecodableError } from '../api/api-error.js';
import type { BodySide } from '../api/paths.js';

export type DetailApi = Pick<ApiClient, 'getFlow' | 'getBody'>;
export type BodyVariant = 'raw' | 'decoded';

/** Bodies at most this large load without asking. */
export const AUTO_LOAD_MAX = 4 * 1024 * 1024;
/** Never more than this is held in the tab (the sensor's default body limit). */
export const LOAD_MAX = 64 * 1024 * 1024;

export type BodyLoad =
  | { state: 'none' }
  | { state: 'idle'; size: number }
  | { state: 'loading' }
  | { state: 'ready'; bytes: Uint8Array; complete: boolean; undecodable: boolean }
  | { state: 'error'; message: string };

export class BodySource {
  readonly flow: FlowRecord;
  readonly #api: DetailApi;
  readonly #onChange: () => void;
  readonly #abort = new AbortController();
  readonly #loads = new Map<string, BodyLoad>();

  constructor(api: DetailApi, flow: FlowRecord, onChange: () => void) {
    this.#api = api;
    this.flow = flow;
    this.#onChange = onChange;
  }

  /** Content-Encoding of a side ('' when none: then decoded and raw are the same bytes). */
  encoding(side: BodySide): string {
    const message = this.flow[side];
    return message ? (headerValue(message.headers, 'content-encoding') ?? '').trim() : '';
  }

  #key(side: BodySide, variant: BodyVariant): string {
    return `${side}:${variant === 'decoded' && this.encoding(side) !== '' ? 'decoded' : 'raw'}`;
  }

  /** The load state; starts loading when the body is small enough (or `force`). */
  get(side: BodySide, variant: BodyVariant, force = false): BodyLoad {
    const meta = this.flow[side]?.body;
    if (!meta || meta.capturedLen === 0) return { state: 'none' };
    const key = this.#key(side, variant);
    const known = this.#loads.get(key);
    if (known && known.state !== 'idle') return known;
    if (!force && meta.capturedLen > AUTO_LOAD_MAX) {
      const idle: BodyLoad = { state: 'idle', size: meta.capturedLen };
      this.#loads.set(key, idle);
      return idle;
    }
    const loading: BodyLoad = { state: 'loading' };
    this.#loads.set(key, loading);
    void this.#load(side, key.endsWith(':decoded'), key);
    return loading;
  }

  /** Starts loading regardless of size (the analyst clicked "load"). */
  load(side: BodySide, variant: BodyVariant): void {
    this.get(side, variant, true);
    this.#onChange();
  }

  async #load(side: BodySide, decoded: boolean, key: string): Promise<void> {
    const signal = this.#abort.signal;
    const read = (asDecoded: boolean) =>
      this.#api.getBody(this.flow.flowId, side, { decoded: asDecoded, maxBytes: LOAD_MAX, signal });
    let result: BodyLoad;
    try {
      try {
        const body = await read(decoded);
        result = { state: 'ready', bytes: body.bytes, complete: body.complete, undecodable: false };
      } catch (err) {
        if (!(decoded && err instanceof BodyNotDecodableError)) throw err;
        const body = await read(false);
        result = { state: 'ready', bytes: body.bytes, complete: body.complete, undecodable: true };
      }
    } catch (err) {
      if (signal.aborted) return;
      result = { state: 'error', message: err instanceof Error ? err.message : String(err) };
    }
    if (signal.aborted) return;
    this.#loads.set(key, result);
    this.#onChange();
  }

  dispose(): void {
    this.#abort.abort();
  }
}
