/** Captured flows made up for sink tests (built by the same code path as real ones). */
import { newFlowId } from '../flow-id.js';
import { assembleFlow } from '../flow-draft.js';
import type { CapturedFlow } from '../flow-sink.js';

export function sampleFlow(
  options: { responseBody?: Buffer; requestBody?: Buffer; sensorId?: string; url?: string } = {},
): Promise<CapturedFlow> {
  const now = Date.now();
  const raw = (bytes: Buffer | undefined) =>
    bytes ? { bytes, len: bytes.length, truncated: false } : null;
  return Promise.resolve(
    assembleFlow({
      flowId: newFlowId(),
      sensorId: options.sensorId ?? 'test-sensor',
      mode: 'explicit',
      ts: { start: now, requestEnd: now + 1, responseStart: now + 2.5, end: now + 3.25 },
      client: { ip: '10.0.0.5', port: 40000 },
      server: { ip: '192.0.2.10', port: 80, host: 'malware.example' },
      request: {
        method: options.requestBody ? 'POST' : 'GET',
        url: options.url ?? 'http://malware.example/payload.bin?x=1',
        httpVersion: '1.1',
        headers: [
          ['Host', 'malware.example'],
          ['User-Agent', 'bot/1.0'],
        ],
        body: raw(options.requestBody),
      },
      response: {
        status: 200,
        reason: 'OK',
        httpVersion: '1.1',
        headers: [['Content-Type', 'application/octet-stream']],
        body: raw(options.responseBody),
      },
      anomalies: [],
    }),
  );
}
