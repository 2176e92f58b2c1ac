/**
 * Per-sensor NATS identities: a real nats-server runs deploy/nats/nats-secure.conf (TLS, the users
 * deploy/nats/add-sensor made, certificates from deploy/nats/make-tls) and every client connects
 * the way the services do (common's natsAuthOptions). A sensor publishes its own flows, heartbeats
 * and bodies; it cannot publish as another sensor, subscribe to anything but its own replies, pull
 * from the streams, read a flow or a body back through the JetStream or object store API (only a
 * body's meta record, by name), or roll up or purge the store; the analyzer creates the topology
 * and ingests what the sensor sent, bodies byte-exact.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { connect, Empty, headers, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { createBodyStore } from '@honeyproxy/sensor';
import { natsAuthOptions } from '@honeyproxy/common';
import {
  createDatabase,
  createFlowStore,
  createIngest,
  ensureJetStream,
  migrateToLatest,
} from '@honeyproxy/analyzer';
import { createLogger } from '@honeyproxy/common';
import {
  BODIES_BUCKET,
  bodyChunkSubject,
  bodyMetaLookupSubject,
  bodyMetaSubject,
  FLOWS_STREAM,
  LIVE_SUBJECT,
  flowSubject,
  heartbeatSubject,
} from '@honeyproxy/protocol';
import {
  createCleanupList,
  createTempDatabase,
  sampleFlow,
  startNatsServer,
  waitUntil,
  type NatsServer,
} from '@honeyproxy/testkit';

const run = promisify(execFile);
const NATS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../deploy/nats');
const log = createLogger({ name: 'test', level: 'silent' });

/** HONEYPROXY_NATS_USER / _PASSWORD from a credentials file add-sensor wrote. */
async function credentials(dir: string, user: string): Promise<{ user: string; password: string }> {
  const env = Object.fromEntries(
    (await readFile(join(dir, 'credentials', `${user}.env`), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
  );
  const name = env['HONEYPROXY_NATS_USER'];
  const password = env['HONEYPROXY_NATS_PASSWORD'];
  assert.ok(name && password, `credentials of ${user}`);
  return { user: name, password };
}

/** Resolves with the error a subscription ends with (a permissions violation), or 'open'. */
async function subscriptionOutcome(nc: NatsConnection, subject: string): Promise<string> {
  const sub = nc.subscribe(subject);
  const ended = (async () => {
    try {
      for await (const m of sub) return `received ${m.subject}`;
      return 'closed';
    } catch (err) {
      return (err as Error).message;
    }
  })();
  await nc.flush();
  const outcome = await Promise.race([
    ended,
    new Promise<string>((r) => setTimeout(() => r('open'), 1500)),
  ]);
  sub.unsubscribe();
  return outcome;
}

describe('NATS identities from deploy/nats', { timeout: 120_000 }, () => {
  const cleanup = createCleanupList();
  let dir: string;
  let nats: NatsServer;
  let url: string;
  let caFile: string;

  const connectAs = async (who: string) => {
    const nc = await connect({
      servers: url,
      name: who,
      ...(await natsAuthOptions({ ...(await credentials(dir, who)), tlsCaFile: caFile })),
    });
    cleanup.add(() => nc.close());
    return nc;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hp-nats-auth-'));
    cleanup.add(() => rm(dir, { recursive: true, force: true }));
    // The shipped configs; only the store directory comes from the test (testkit's -sd).
    const base = await readFile(join(NATS_DIR, 'nats.conf'), 'utf8');
    assert.match(base, /^\s*store_dir: .*$/m);
    await writeFile(join(dir, 'nats.conf'), base.replace(/^\s*store_dir: .*$/m, ''));
    await copyFile(join(NATS_DIR, 'nats-secure.conf'), join(dir, 'nats-secure.conf'));
    await run(join(NATS_DIR, 'make-tls'), ['--dir', dir, '127.0.0.1', 'localhost']);
    const tls = await readFile(join(NATS_DIR, 'tls.conf'), 'utf8');
    await writeFile(join(dir, 'tls.conf'), tls.replaceAll('/etc/nats/tls', join(dir, 'tls')));
    caFile = join(dir, 'tls', 'ca.pem');
    for (const id of ['gw-a', 'gw-b']) {
      await run(join(NATS_DIR, 'add-sensor'), ['--dir', dir, id]);
    }
    nats = await startNatsServer({ args: ['-m', '0', '-c', join(dir, 'nats-secure.conf')] });
    cleanup.add(() => nats.close());
    url = `tls://127.0.0.1:${nats.port}`;
  });
  after(() => cleanup.run());

  it('refuses a connection without TLS or with a wrong password', async () => {
    await assert.rejects(
      connect({ servers: `nats://127.0.0.1:${nats.port}`, user: 'sensor-gw-a', pass: 'x' }),
    );
    await assert.rejects(
      connect({
        servers: url,
        ...(await natsAuthOptions({ user: 'sensor-gw-a', password: 'wrong', tlsCaFile: caFile })),
      }),
      /Authorization Violation/i,
    );
  });

  it('lets a sensor publish only its own flows, heartbeats and bodies, and read nothing', async () => {
    const analyzer = await connectAs('analyzer');
    await ensureJetStream(analyzer, log);
    const jsm = await jetstreamManager(analyzer);
    const heartbeats: string[] = [];
    analyzer.subscribe(heartbeatSubject('*'), {
      callback: (_e, m) => void heartbeats.push(m.subject),
    });
    await analyzer.flush();

    const a = await connectAs('sensor-gw-a');
    const js = jetstream(a, { timeout: 3000, checkAPI: false });

    // Its own flow, with a body in BODIES as the sensor uploads it (lookup, then put).
    const big = sampleFlow({ sensorId: 'gw-a', responseBody: new Uint8Array(300_000).fill(7) });
    const aStore = createBodyStore(a, js, 3000);
    for (const [sha, data] of big.refBodies) {
      assert.equal(await aStore.has(sha), false);
      await aStore.putBytes(sha, data);
      assert.equal(await aStore.has(sha), true);
    }
    const ack = await js.publish(flowSubject('gw-a'), JSON.stringify(big.flow), {
      msgID: big.flow.flowId,
    });
    assert.equal(ack.stream, FLOWS_STREAM);
    a.publish(heartbeatSubject('gw-a'), '{}');

    // As sensor B: refused, and nothing reaches the stream or the analyzer.
    const forged = sampleFlow({ sensorId: 'gw-b' });
    await assert.rejects(
      js.publish(flowSubject('gw-b'), JSON.stringify(forged.flow), { msgID: forged.flow.flowId }),
      /permission|timeout/i,
    );
    a.publish(heartbeatSubject('gw-b'), '{}');
    a.publish(LIVE_SUBJECT, '{}');
    await a.flush();
    await waitUntil(() => heartbeats.length >= 1, { what: 'own heartbeat heard' });
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(heartbeats, [heartbeatSubject('gw-a')]);
    const flows = await jsm.streams.info(FLOWS_STREAM);
    assert.equal(flows.state.messages, 1, 'only its own flow is in FLOWS');
    assert.equal(
      (await jsm.streams.getMessage(FLOWS_STREAM, { last_by_subj: flowSubject('gw-b') })) ?? null,
      null,
    );

    // Read nothing: no subscription but its own inbox, no pulling from the streams.
    for (const subject of [
      '>',
      flowSubject('gw-a'),
      flowSubject('gw-b'),
      'honeyproxy.flows.v1.*',
      heartbeatSubject('gw-b'),
      LIVE_SUBJECT,
      '_INBOX.>',
      '_INBOX.analyzer.>',
      '_INBOX.sensor-gw-b.>',
      '$O.BODIES.C.>',
      '$JS.API.>',
    ]) {
      const outcome = await subscriptionOutcome(a, subject);
      assert.match(outcome, /permissions violation/i, `subscribe ${subject}: ${outcome}`);
    }
    const aManager = await jetstreamManager(a, { checkAPI: false, timeout: 2000 });
    await assert.rejects(
      aManager.streams.getMessage(FLOWS_STREAM, { seq: 1 }),
      /permission|timeout/i,
    );
    await assert.rejects(aManager.streams.info(FLOWS_STREAM), /permission|timeout/i);
    await assert.rejects(
      aManager.consumers.add(FLOWS_STREAM, { durable_name: 'steal' }),
      /permission|timeout/i,
    );
    await assert.rejects(aManager.streams.purge(`OBJ_${BODIES_BUCKET}`), /permission|timeout/i);
    await assert.rejects(aManager.streams.delete(FLOWS_STREAM), /permission|timeout/i);

    // Nor read a flow back by sequence or subject through the direct API.
    await assert.rejects(
      aManager.direct.getMessage(FLOWS_STREAM, { seq: 1 }),
      /permission|timeout/i,
    );
    await assert.rejects(
      aManager.direct.getMessage(FLOWS_STREAM, { last_by_subj: flowSubject('gw-a') }),
      /permission|timeout/i,
    );
    assert.equal((await jsm.streams.info(FLOWS_STREAM)).state.messages, 1);

    // Nor read a body back — its own or one another sensor stored — through the object store, the
    // message or direct get APIs or a consumer, or list the bodies' names (stream info, watch).
    const b = await connectAs('sensor-gw-b');
    const secret = Buffer.alloc(200_000, 'a body only sensor gw-b captured. ');
    const secretSha = createHash('sha256').update(secret).digest('hex');
    await createBodyStore(b, jetstream(b, { timeout: 3000, checkAPI: false }), 3000).putBytes(
      secretSha,
      secret,
    );
    // The lookup by name is allowed (a name is the body's sha256: knowing it means having it) and
    // tells where the chunks are; reading them is not.
    const lookup = await a.request(bodyMetaLookupSubject(secretSha), Empty, { timeout: 3000 });
    const { nuid } = lookup.json<{ nuid: string }>();
    assert.ok(nuid);
    const bodies = await new Objm(js).open(BODIES_BUCKET, false);
    for (const name of [secretSha, ...big.refBodies.keys()]) {
      await assert.rejects(bodies.get(name), /permission|timeout/i, `object ${name}`);
    }
    await assert.rejects(bodies.list(), /permission|timeout/i);
    await assert.rejects(bodies.status(), /permission|timeout/i);
    const objStream = `OBJ_${BODIES_BUCKET}`;
    await assert.rejects(
      aManager.streams.info(objStream, { subjects_filter: '>' }),
      /permission|timeout/i,
    );
    for (const query of [
      { seq: 1 },
      { last_by_subj: bodyChunkSubject(nuid) },
      { seq: 1, next_by_subj: bodyChunkSubject(nuid) },
    ]) {
      await assert.rejects(aManager.streams.getMessage(objStream, query), /permission|timeout/i);
      await assert.rejects(aManager.direct.getMessage(objStream, query), /permission|timeout/i);
    }
    await assert.rejects(
      aManager.direct.getMessage(objStream, { last_by_subj: `$O.${BODIES_BUCKET}.C.>` }),
      /permission|timeout/i,
    );
    // The meta lookup subject with a query in its payload (a chunk by sequence): refused.
    for (const query of [{ seq: 1 }, { seq: 1, next_by_subj: bodyChunkSubject(nuid) }]) {
      const reply = await a.request(bodyMetaLookupSubject(secretSha), JSON.stringify(query), {
        timeout: 3000,
      });
      assert.equal(reply.data.length, 0, JSON.stringify(query));
      assert.equal(reply.headers?.code, 408);
    }
    await assert.rejects(
      a.request(`$JS.API.DIRECT.GET.${objStream}`, JSON.stringify({ seq: 1 }), { timeout: 2000 }),
      /permission|timeout/i,
    );
    await assert.rejects(
      aManager.consumers.add(objStream, { filter_subject: bodyChunkSubject(nuid) }),
      /permission|timeout/i,
    );
    await assert.rejects(
      (async () => {
        const c = await jetstream(a, { timeout: 2000, checkAPI: false }).consumers.get(objStream, {
          filter_subjects: bodyChunkSubject(nuid),
        });
        await c.next({ expires: 1000 });
      })(),
      /permission|timeout|consumer/i,
    );

    // Nor wipe or trim the store: a rollup is refused, purge and delete are not allowed.
    for (const [subject, rollup] of [
      [bodyMetaSubject(secretSha), 'all'],
      [bodyChunkSubject(nuid), 'sub'],
    ] as const) {
      const h = headers();
      h.set('Nats-Rollup', rollup);
      await assert.rejects(js.publish(subject, '{}', { headers: h }), /rollup not permitted/i);
    }
    await assert.rejects(aManager.streams.purge(objStream), /permission|timeout/i);
    await assert.rejects(aManager.streams.deleteMessage(objStream, 1), /permission|timeout/i);
    // The analyzer still reads every body byte-exact.
    const analyzerBodies = await new Objm(jetstream(analyzer)).open(BODIES_BUCKET);
    const stored = await analyzerBodies.getBlob(secretSha);
    assert.equal(
      createHash('sha256')
        .update(stored ?? new Uint8Array())
        .digest('hex'),
      secretSha,
    );

    // The analyzer ingests what the sensor sent, body included.
    const temp = await createTempDatabase('hp_perm');
    cleanup.add(() => temp.close());
    const db = createDatabase(temp.url, { max: 2 });
    cleanup.add(() => db.destroy());
    await migrateToLatest(db, log);
    const store = createFlowStore({ db, log });
    const ingest = createIngest({ nc: analyzer, store, log });
    cleanup.add(() => ingest.stop());
    await ingest.start();
    await waitUntil(() => ingest.stats.stored === 1, { what: 'flow stored by the analyzer' });
    const body = await store.body(big.flow.flowId, 'response');
    assert.equal(body?.data?.byteLength, 300_000);
    assert.deepEqual(
      [
        createHash('sha256')
          .update(body?.data ?? new Uint8Array())
          .digest('hex'),
      ],
      [...big.refBodies.keys()],
    );
    await waitUntil(async () => (await jsm.streams.info(FLOWS_STREAM)).state.messages === 0, {
      what: 'FLOWS drained',
    });
  });

  it('removes a sensor: its credentials stop working after a reload', async () => {
    const before = await credentials(dir, 'sensor-gw-b');
    await run(join(NATS_DIR, 'add-sensor'), ['--dir', dir, '--remove', 'gw-b']);
    await nats.stop();
    await nats.start();
    await assert.rejects(
      connect({ servers: url, ...(await natsAuthOptions({ ...before, tlsCaFile: caFile })) }),
      /Authorization Violation/i,
    );
    const list = await run(join(NATS_DIR, 'add-sensor'), ['--dir', dir, '--list']);
    assert.deepEqual(list.stdout.trim().split('\n').sort(), ['analyzer', 'sensor-gw-a']);
  });
});
