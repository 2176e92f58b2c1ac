/**
 * The page's side of the highlight worker: one worker, jobs with a wall-clock limit. A job that
 * runs over its limit terminates the worker (the only way to stop a runaway regex) and the next
 * job starts a fresh one. Callers get a rejected promise and fall back to plain text.
 */
import type { Digests } from '../detail/model/digests.js';
import type { Token } from './code-tokens.js';
import type { CodeLanguage, WorkerRequest, WorkerResponse } from './highlight-protocol.js';
import { trustedWorkerUrl } from '../util/trusted-types.js';

export const WORKER_URL = '/highlight-worker.js';
export const JOB_TIMEOUT_MS = 15_000;

export class WorkerJobError extends Error {
  override readonly name = 'WorkerJobError';
}

interface Pending {
  resolve(value: WorkerResponse): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, Pending>();

function failAll(message: string): void {
  for (const [, job] of pending) {
    clearTimeout(job.timer);
    job.reject(new WorkerJobError(message));
  }
  pending.clear();
}

function getWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(trustedWorkerUrl(WORKER_URL), { type: 'module', name: 'highlight' });
  w.addEventListener('message', (event: MessageEvent<WorkerResponse>) => {
    const job = pending.get(event.data.id);
    if (!job) return;
    pending.delete(event.data.id);
    clearTimeout(job.timer);
    if (event.data.op === 'error') job.reject(new WorkerJobError(event.data.message));
    else job.resolve(event.data);
  });
  w.addEventListener('error', () => {
    w.terminate();
    if (worker === w) worker = null;
    failAll('the highlight worker failed');
  });
  worker = w;
  return w;
}

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

function run(request: WithoutId<WorkerRequest>, timeoutMs: number): Promise<WorkerResponse> {
  const id = nextId++;
  const w = getWorker();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      // Kill the stuck worker; the jobs queued behind this one fail too and may be retried.
      w.terminate();
      if (worker === w) worker = null;
      pending.delete(id);
      reject(new WorkerJobError(`gave up after ${timeoutMs / 1000} s`));
      failAll('the highlight worker was restarted');
    }, timeoutMs);
    pending.set(id, { resolve, reject, timer });
    w.postMessage({ ...request, id });
  });
}

export async function highlight(
  language: CodeLanguage,
  text: string,
  format: boolean,
  timeoutMs = JOB_TIMEOUT_MS,
): Promise<Token[]> {
  const response = await run({ op: 'highlight', language, text, format }, timeoutMs);
  if (response.op !== 'highlight') throw new WorkerJobError('unexpected answer');
  return response.tokens;
}

export async function digestInWorker(
  bytes: Uint8Array,
  timeoutMs = JOB_TIMEOUT_MS,
): Promise<Digests> {
  const response = await run({ op: 'digest', bytes }, timeoutMs);
  if (response.op !== 'digest') throw new WorkerJobError('unexpected answer');
  return response.digests;
}
