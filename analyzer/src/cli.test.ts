/** The honeyproxy-analyzer command: user administration, migrate, and a full serve run. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { flowSubject } from '@honeyproxy/protocol';
import { freePort, sampleFlow, startNatsServer, TEST_PG_URL, waitUntil } from '@honeyproxy/testkit';
import { verifyPassword } from './users/password-hash.js';
import { deferrer } from './testing/defer.js';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    input: input ?? '',
    encoding: 'utf8',
    env: { ...process.env, HONEYPROXY_LOG_LEVEL: 'warn' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function dropDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
}

function databaseUrl(name: string): string {
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

describe('honeyproxy-analyzer command', { timeout: 60_000 }, () => {
  it('adds, lists and removes users in a 0600 file of scrypt hashes', async (t) => {
    const defer = deferrer(t);
    const dir = await mkdtemp(join(tmpdir(), 'hp-cli-'));
    defer(() => rm(dir, { recursive: true, force: true }));
    const common = ['--data-dir', dir];
    assert.equal(
      run(['user', 'add', 'alice', '--role', 'admin', '--password', 'alice-password', ...common])
        .status,
      0,
    );
    assert.equal(run(['user', 'add', 'bob', ...common], 'bob-password\n').status, 0);
    const generated = run(['user', 'add', 'carol', ...common]);
    assert.equal(generated.status, 0);
    const carolPassword = /password \(shown only now\): (\S+)/.exec(generated.stdout)?.[1];
    assert.ok(carolPassword);
    assert.equal(
      run(['user', 'list', ...common]).stdout,
      'alice\tadmin\nbob\tviewer\ncarol\tviewer\n',
    );

    const file = join(dir, 'users.json');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const records = JSON.parse(await readFile(file, 'utf8')) as { name: string; hash: string }[];
    const hash = (name: string) => records.find((r) => r.name === name)!.hash;
    assert.equal(await verifyPassword('bob-password', hash('bob')), true);
    assert.equal(await verifyPassword('bob-passwore', hash('bob')), false);
    assert.equal(await verifyPassword(carolPassword, hash('carol')), true);

    assert.equal(
      run(['user', 'add', 'alice', '--password', 'another-password', ...common]).status,
      1,
    );
    assert.equal(
      run(['user', 'add', 'dave', '--role', 'root', '--password', 'dave-password', ...common])
        .status,
      2,
    );
    assert.equal(run(['user', 'remove', 'bob', ...common]).status, 0);
    assert.equal(run(['user', 'remove', 'bob', ...common]).status, 1);
    assert.equal(run(['user', 'list', ...common]).stdout, 'alice\tadmin\ncarol\tviewer\n');
  });

  it('creates the database and applies migrations with "migrate"', (t) => {
    const name = `hp_cli_${randomBytes(5).toString('hex')}`;
    deferrer(t)(() => dropDatabase(name));
    const first = run(['migrate', '--database-url', databaseUrl(name)]);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /applied: 0001_initial/);
    assert.match(run(['migrate', '--database-url', databaseUrl(name)]).stdout, /up to date/);
  });

  it('serves: migrates, ingests from NATS, answers the API, and shuts down cleanly on SIGTERM', async (t) => {
    const defer = deferrer(t);
    const dir = await mkdtemp(join(tmpdir(), 'hp-serve-'));
    defer(() => rm(dir, { recursive: true, force: true }));
    const nats = await startNatsServer();
    defer(() => nats.close());
    const name = `hp_serve_${randomBytes(5).toString('hex')}`;
    defer(() => dropDatabase(name));
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        MAIN,
        '--data-dir',
        dir,
        '--http-host',
        '127.0.0.1',
        '--http-port',
        String(port),
        '--nats-url',
        nats.url,
        '--database-url',
        databaseUrl(name),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    defer(() => child.exitCode === null && child.kill('SIGKILL'));
    let logs = '';
    child.stdout.on('data', (c: Buffer) => (logs += c.toString()));
    child.stderr.on('data', (c: Buffer) => (logs += c.toString()));
    await waitUntil(() => logs.includes('ingesting flows'), {
      what: 'ingest running',
      timeoutMs: 30_000,
    });

    const password = /"initialPassword":"([^"]+)"/.exec(logs)?.[1];
    assert.ok(password, 'the generated admin password is logged once');
    const base = `http://127.0.0.1:${port}`;
    const auth = { authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` };
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.deepEqual(await (await fetch(`${base}/api/me`, { headers: auth })).json(), {
      user: 'admin',
      role: 'admin',
    });

    const nc = await connect({ servers: nats.url });
    defer(() => nc.close());
    const sample = sampleFlow();
    await jetstream(nc).publish(flowSubject(sample.flow.sensorId), JSON.stringify(sample.flow), {
      msgID: sample.flow.flowId,
    });
    await waitUntil(
      async () =>
        (await fetch(`${base}/api/flows/${sample.flow.flowId}`, { headers: auth })).status === 200,
      { what: 'flow served by the API' },
    );

    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(logs, /shutting down/);
    assert.doesNotMatch(logs, /close step failed/);
  });
});
