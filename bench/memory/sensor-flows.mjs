/**
 * The sensor's side of the memory bench: a private nats-server with the analyzer's topology,
 * and, after a phase, the flows the sensor published there (every request one flow; each
 * download's flow with its len / capturedLen / truncated).
 */
import { once } from 'node:events';
import { join } from 'node:path';
import { freePort, start, waitFor } from './processes.mjs';

export async function startNats(root, dir) {
  const port = await freePort();
  const nats = start('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir]);
  await waitFor('nats-server', () => nats.output().includes('Server is ready'));
  const url = `nats://127.0.0.1:${port}`;
  const setup = start('node', [join(root, 'bench/setup-jetstream.mjs'), url]);
  const [code] = await once(setup, 'exit');
  if (code !== 0) throw new Error(`setup-jetstream failed: ${setup.output()}`);
  return { nats, url };
}

/** The sensor's flows in FLOWS: count, and the download flows' response bodies. */
export async function sensorFlows(natsUrl, sensorId) {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstream, jetstreamManager } = await import('@nats-io/jetstream');
  const { FLOW_SUBJECT_PREFIX, FLOWS_STREAM, INGEST_CONSUMER, flowMessageCodec } =
    await import('@honeyproxy/protocol');
  const nc = await connect({ servers: natsUrl, name: 'honeyproxy-memory-bench' });
  try {
    const subject = `${FLOW_SUBJECT_PREFIX}${sensorId}`;
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(FLOWS_STREAM, { subjects_filter: subject });
    const count = info.state.subjects?.[subject] ?? 0;
    if (count === 0) return { count, small: 0, downloads: [] };
    // the stream holds only this run's flows (its own nats-server), read once through the
    // analyzer's durable consumer like bench/audit-flows.mjs does (Debian's nats-server is 2.9)
    const total = info.state.messages;
    const consumer = await jetstream(nc).consumers.get(FLOWS_STREAM, INGEST_CONSUMER);
    const downloads = [];
    let small = 0;
    let seen = 0;
    let done = false;
    const messages = await consumer.consume({ max_messages: 1000 });
    for await (const m of messages) {
      m.ack();
      if (++seen >= total || m.info.pending === 0) done = true;
      if (m.subject !== subject) {
        if (done) break;
        continue;
      }
      const flow = flowMessageCodec.decodeJson(m.data);
      if (flow.request.url.includes('/big?')) {
        const b = flow.response?.body;
        downloads.push({
          url: flow.request.url,
          status: flow.response?.status,
          len: b?.len,
          capturedLen: b?.capturedLen,
          truncated: b?.truncated,
          error: flow.error?.kind,
        });
      } else if (flow.response?.status === 200 && flow.response.body?.len === 1024) small++;
      if (done) break;
    }
    await messages.close();
    return { count, small, downloads };
  } finally {
    await nc.close();
  }
}
