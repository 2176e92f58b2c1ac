/**
 * Creates the FLOWS stream, BODIES object store and ingest consumer in the bench's private NATS,
 * exactly as the analyzer does (its own ensureJetStream), then checks that the stream cannot fill
 * up during the run: no consumer drains it while the bench runs, so any limit would throttle the
 * sensor and make it look slower (or lose flows) for a reason that has nothing to do with it.
 *   node bench/setup-jetstream.mjs nats://127.0.0.1:PORT
 */
import process from 'node:process';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { ensureJetStream } from '@honeyproxy/analyzer';
import { createLogger } from '@honeyproxy/common';
import { FLOWS_STREAM } from '@honeyproxy/protocol';

const url = process.argv[2];
if (!url) {
  process.stderr.write('usage: node bench/setup-jetstream.mjs NATS_URL\n');
  process.exit(2);
}

const nc = await connect({ servers: url, name: 'honeyproxy-bench-setup' });
try {
  await ensureJetStream(nc, createLogger({ name: 'bench', level: 'warn' }));
  const jsm = await jetstreamManager(nc);
  const { config: c } = await jsm.streams.info(FLOWS_STREAM);
  const account = await jsm.getAccountInfo();
  // -1 means unlimited; the account's storage limit (0 or -1: none) bounds the stream too
  const limits = {
    max_msgs: c.max_msgs,
    max_bytes: c.max_bytes,
    max_age: c.max_age,
    max_msgs_per_subject: c.max_msgs_per_subject,
    account_max_storage: account.limits.max_storage,
  };
  const bounded =
    [c.max_msgs, c.max_bytes, c.max_msgs_per_subject].some((v) => v > 0) || c.max_age > 0;
  const accountBounded =
    account.limits.max_storage > 0 && account.limits.max_storage < 20 * 1024 ** 3;
  process.stdout.write(
    `FLOWS stream: retention=${c.retention} discard=${c.discard} storage=${c.storage} ` +
      `limits=${JSON.stringify(limits)}\n`,
  );
  if (bounded || accountBounded) {
    process.stderr.write(
      'FLOWS stream has a limit that the bench could reach (discard=new would then refuse flows)\n',
    );
    process.exitCode = 1;
  }
} finally {
  await nc.drain();
}
