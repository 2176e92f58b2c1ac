/**
 * The honeyproxy-sensor command end to end: started as a process against a real nats-server, it
 * captures curl's traffic, publishes the flow and heartbeats, writes the HAR file, and stops
 * cleanly on SIGTERM.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { FLOWS_STREAM, heartbeatSubject, sensorHeartbeatCodec } from '@honeyproxy/protocol';
import { curl, startCaptureOrigin, startNatsServer, waitUntil } from '@honeyproxy/testkit';
import { createAnalyzerStreams } from './testing/analyzer-streams.js';
import { harProblems } from './testing/har-check.js';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));

describe('honeyproxy-sensor command', { timeout: 60_000 }, () => {
  it('prints its settings for --help and refuses a bad port by name', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, [MAIN, ...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        child.on('exit', (code) => resolve({ code, out }));
      });
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /--proxy-port/);
    const bad = await run(['--proxy-port', 'eighty']);
    assert.equal(bad.code, 2);
    assert.match(bad.out, /--proxy-port="eighty"/);
  });

  it('captures, publishes, writes HAR and shuts down gracefully', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'hp-main-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const nats = await startNatsServer();
    t.after(() => nats.close());
    const nc = await connect({ servers: nats.url });
    t.after(() => nc.close());
    await createAnalyzerStreams(nc);
    const origin = await startCaptureOrigin();
    t.after(() => origin.close());
    const heartbeats = nc.subscribe(heartbeatSubject('e2e'), { max: 1 });

    const har = join(dir, 'flows.har');
    const child = spawn(
      process.execPath,
      [
        MAIN,
        '--proxy-port',
        '0',
        '--data-dir',
        dir,
        '--nats-url',
        nats.url,
        '--sensor-id',
        'e2e',
        '--write',
        har,
        // the test origin is on loopback, which containment refuses by default
        '--allow-destinations',
        '127.0.0.0/8,::1/128',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    t.after(() => void child.kill('SIGKILL'));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    const started = await new Promise<{ port: number; caPath: string }>((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        const entry = JSON.parse(line) as { msg?: string; port?: number; caPath?: string };
        if (entry.msg === 'sensor started')
          resolve({ port: entry.port ?? 0, caPath: entry.caPath ?? '' });
      });
      void exited.then(() => reject(new Error('sensor exited before starting')));
    });
    assert.equal(started.caPath, join(dir, 'ca', 'ca.pem'));

    const result = await curl([
      '-x',
      `http://127.0.0.1:${started.port}`,
      '--cacert',
      started.caPath,
      `${origin.httpsUrl}/binary`,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const jsm = await jetstreamManager(nc);
    await waitUntil(async () => (await jsm.streams.info(FLOWS_STREAM)).state.messages === 1, {
      what: 'flow in FLOWS',
      timeoutMs: 15_000,
    });
    for await (const msg of heartbeats) {
      const beat = sensorHeartbeatCodec.decodeJson(msg.data);
      assert.equal(beat.caPem, await readFile(started.caPath, 'utf8'));
    }

    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    const doc: unknown = JSON.parse(await readFile(har, 'utf8'));
    assert.deepEqual(harProblems(doc), []);
    assert.equal((doc as { log: { entries: unknown[] } }).log.entries.length, 1);
  });
});
