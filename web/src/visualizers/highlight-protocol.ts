/**
 * Messages between the page and the highlight worker.
 */
import type { Digests } from '../detail/model/digests.js';
import type { Token } from './code-tokens.js';

export type CodeLanguage = 'javascript' | 'css' | 'json' | 'xml';

export type WorkerRequest =
  | { id: number; op: 'highlight'; language: CodeLanguage; text: string; format: boolean }
  | { id: number; op: 'digest'; bytes: Uint8Array };

export type WorkerResponse =
  | { id: number; op: 'highlight'; tokens: Token[]; formatted: boolean }
  | { id: number; op: 'digest'; digests: Digests }
  | { id: number; op: 'error'; message: string };
