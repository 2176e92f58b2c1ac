/**
 * Transparent capture on a real (namespace) network: a client host with no proxy settings → a
 * gateway with the deploy script's REDIRECT rules and the sensor process → a server host with an
 * HTTP and HTTPS origin; flows go over NATS (relayed into the gateway namespace) to an analyzer
 * process and PostgreSQL, and are checked through the API. Proves that the upstream is the
 * connection's original destination (never the Host header or SNI), that names are recorded and
 * mismatches flagged, that TLS failures and containment refusals become flows, and IPv6.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FlowRecord, FlowSummary } from '@honeyproxy/protocol';
import {
  canCreateNamespaces,
  createCleanupList,
  createTempDatabase,
  createTopology,
  NETNS_ORIGIN_TEXT,
  relayIntoNamespace,
  runGatewayScript,
  startNatsServer,
  startNetnsOrigin,
  TOPOLOGY_NETWORKS,
  type ExecResult,
  type NetnsOrigin,
  type NetnsProcess,
  type OriginEcho,
  type Topology,
} from '@honeyproxy/testkit';
import type { ApiClient } from './testing/api-client.js';
import { BINS } from './testing/service-process.js';
import { startAnalyzer, tempDir } from './testing/service-stacks.js';

const probe = await canCreateNamespaces();
const skip = probe.ok
  ? false
  : `SKIPPED — this machine cannot create network namespaces (${probe.reason}): the transparent-mode end-to-end tests did NOT run`;

const SENSOR_PORT = 8080;
const SENSOR_ID = 'transparent-e2e';
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const caseId = () => randomBytes(6).toString('hex');

describe(
  'transparent capture through a namespace gateway: client → REDIRECT → sensor → server, flows in PostgreSQL',
  { skip, timeout: 180_000 },
  () => {
    const cleanup = createCleanupList();
    let topo: Topology;
    let origin: NetnsOrigin;
    /** Listens on the gateway's own ports 80/443: anything the sensor wrongly connects to there shows. */
    let trap: NetnsOrigin;
    let sensor: NetnsProcess;
    let api: ApiClient;
    let sensorCa: string;

    before(async () => {
      topo = await createTopology();
      cleanup.add(() => topo.close());
      const A = topo.addresses;
      // The gateway's resolver (its own /etc/hosts): origin.test is the server; elsewhere.test is
      // the server's other address, where a Host-following proxy would wrongly connect.
      await topo.setHosts(topo.gateway, {
        'origin.test': [A.server.ipv4, A.server.ipv6],
        'elsewhere.test': [A.serverAlias.ipv4, A.serverAlias.ipv6],
      });
      origin = await startNetnsOrigin(topo, { names: ['origin.test'] });
      cleanup.add(() => origin.close());
      trap = await startNetnsOrigin(topo, { ns: topo.gateway, names: ['gateway.test'] });
      cleanup.add(() => trap.close());

      const dir = await tempDir(cleanup, 'hp-transparent-');
      const [nats, db] = await Promise.all([
        startNatsServer(),
        createTempDatabase('hp_transparent'),
      ]);
      cleanup.add(() => nats.close());
      cleanup.add(() => db.close());
      const analyzer = await startAnalyzer(cleanup, {
        natsUrl: nats.url,
        databaseUrl: db.url,
        dataDir: join(dir, 'analyzer'),
      });
      api = analyzer.api;
      const relay = await relayIntoNamespace(topo, topo.gateway, {
        host: '127.0.0.1',
        port: nats.port,
      });
      cleanup.add(() => relay.close());

      const install = await runGatewayScript(topo, [
        'install',
        '-i',
        topo.interfaces.gatewayClientSide,
        '--sensor-port',
        String(SENSOR_PORT),
      ]);
      assert.equal(install.code, 0, `gateway script: ${install.stderr}${install.stdout}`);

      const sensorDir = join(dir, 'sensor');
      sensor = topo.spawn(topo.gateway, [process.execPath, '--enable-source-maps', BINS.sensor], {
        name: 'sensor',
        env: {
          HONEYPROXY_PROXY_PORT: String(SENSOR_PORT),
          HONEYPROXY_DATA_DIR: sensorDir,
          HONEYPROXY_NATS_URL: `nats://${relay.host}:${relay.port}`,
          HONEYPROXY_SENSOR_ID: SENSOR_ID,
          // the lab's "internet" is the server link; the client link (the gateway's own) stays shut
          HONEYPROXY_ALLOW_DESTINATIONS: `${TOPOLOGY_NETWORKS.serverLink.ipv4},${TOPOLOGY_NETWORKS.serverLink.ipv6}`,
          NODE_EXTRA_CA_CERTS: origin.caFile,
        },
      });
      cleanup.add(() => sensor.stop());
      await sensor.waitForLog((l) => l.msg === 'sensor started', 'sensor started', 60_000);
      await sensor.waitForLog((l) => l.msg === 'connected to NATS', 'sensor NATS', 30_000);
      sensorCa = join(sensorDir, 'ca', 'ca.pem');
      await readFile(sensorCa, 'utf8');
    });
    after(() => cleanup.run());

    /** curl on the client host: no proxy settings, nothing but the URL and `args`. */
    const curl = async (args: string[]): Promise<ExecResult> =>
      topo.exec(topo.client, ['curl', '-sS', '--max-time', '15', '--noproxy', '*', ...args]);
    const curlOk = async (args: string[]): Promise<string> => {
      const r = await curl(args);
      assert.equal(r.code, 0, `curl ${args.join(' ')}: ${r.stderr}\n${sensor.describe()}`);
      return r.stdout;
    };
    const flowWhere = (match: (f: FlowSummary) => boolean, what: string): Promise<FlowRecord> =>
      api.waitForFlow(match, what, 30_000);
    /** The origin's requests of one test case (its query string). */
    const originSaw = (id: string) => origin.requests().filter((r) => r.url.includes(id));

    it('captures plain HTTP to the server’s address: original destination, Host, body, client address', async () => {
      const { server, client, gatewayServerSide } = topo.addresses;
      const id = caseId();
      const url = `http://${server.ipv4}/echo?case=${id}`;
      const body = await curlOk([url]);
      const echo = JSON.parse(body) as OriginEcho;
      assert.deepEqual(echo.local, { ip: server.ipv4, port: 80 }, 'the real server answered');
      assert.equal(echo.remote.ip, gatewayServerSide.ipv4, 'through the sensor on the gateway');

      const flow = await flowWhere((f) => f.url.includes(id), url);
      assert.equal(flow.mode, 'transparent');
      assert.equal(flow.sensorId, SENSOR_ID);
      assert.equal(flow.request.url, url);
      assert.equal(flow.client.ip, client.ipv4);
      assert.equal(flow.server.ip, server.ipv4);
      assert.equal(flow.server.port, 80);
      assert.equal(flow.server.host, server.ipv4);
      assert.notEqual(flow.server.hostMismatch, true, 'an address as Host is no mismatch');
      assert.equal(flow.tls, undefined);
      assert.deepEqual(
        flow.request.headers.filter(([n]) => n.toLowerCase() === 'host'),
        [['Host', server.ipv4]],
      );
      assert.equal(flow.response?.status, 200);
      assert.equal(flow.response?.body?.sha256, sha256(Buffer.from(body)));
      assert.equal((await api.body(flow.flowId, 'response')).toString(), body);
      assert.equal(flow.error, undefined);
      assert.equal(originSaw(id).length, 1, 'exactly one request reached the origin');
    });

    it('captures HTTPS by name (curl --resolve): SNI and Host recorded, the origin gets the same SNI', async () => {
      const { server, client } = topo.addresses;
      const id = caseId();
      const url = `https://origin.test/text?case=${id}`;
      const text = await curlOk([
        '--cacert',
        sensorCa,
        '--resolve',
        `origin.test:443:${server.ipv4}`,
        url,
      ]);
      assert.equal(text, NETNS_ORIGIN_TEXT);

      const flow = await flowWhere((f) => f.url.includes(id), url);
      assert.equal(flow.mode, 'transparent');
      assert.equal(flow.request.url, url);
      assert.equal(flow.server.ip, server.ipv4);
      assert.equal(flow.server.port, 443);
      assert.equal(flow.server.sni, 'origin.test');
      assert.equal(flow.server.host, 'origin.test');
      assert.equal(
        flow.server.hostMismatch,
        false,
        'origin.test resolves to the address connected',
      );
      assert.equal(flow.client.ip, client.ipv4);
      assert.match(flow.tls?.version ?? '', /^TLSv1\.[23]$/);
      assert.equal(flow.tls?.upstream?.authorized, true, flow.tls?.upstream?.authorizationError);
      assert.equal(flow.response?.status, 200);
      assert.equal((await api.body(flow.flowId, 'response')).toString(), NETNS_ORIGIN_TEXT);
      const seen = originSaw(id);
      assert.equal(seen.length, 1);
      assert.equal(seen[0]?.servername, 'origin.test', 'the sensor passed the SNI on');
      assert.equal(seen[0]?.local.ip, server.ipv4);
    });

    it('answers TLS without SNI with a certificate for the destination address', async () => {
      const { server } = topo.addresses;
      const id = caseId();
      const url = `https://${server.ipv4}/echo?case=${id}`;
      const echo = JSON.parse(await curlOk(['--cacert', sensorCa, url])) as OriginEcho;
      assert.deepEqual(echo.local, { ip: server.ipv4, port: 443 });
      const flow = await flowWhere((f) => f.url.includes(id), url);
      assert.equal(flow.server.ip, server.ipv4);
      assert.equal(flow.server.sni, undefined, 'curl sends no SNI for an address');
      assert.equal(flow.response?.status, 200);
    });

    it('goes to the original destination when the Host header names another server, and flags the mismatch', async () => {
      const { server, serverAlias } = topo.addresses;
      const id = caseId();
      const url = `http://${server.ipv4}/echo?case=${id}`;
      const echo = JSON.parse(await curlOk(['-H', 'Host: elsewhere.test', url])) as OriginEcho;
      assert.deepEqual(echo.local, { ip: server.ipv4, port: 80 }, 'not elsewhere.test’s address');

      const flow = await flowWhere((f) => f.url.includes(id), 'spoofed Host');
      assert.equal(flow.server.ip, server.ipv4);
      assert.equal(flow.server.port, 80);
      assert.equal(flow.server.host, 'elsewhere.test');
      assert.equal(flow.server.hostMismatch, true);
      assert.equal(flow.request.url, `http://elsewhere.test/echo?case=${id}`);

      // the same over TLS: SNI and Host say elsewhere.test, the connection went to the server
      const tlsId = caseId();
      const tlsEcho = JSON.parse(
        await curlOk([
          '--cacert',
          sensorCa,
          '--resolve',
          `elsewhere.test:443:${server.ipv4}`,
          `https://elsewhere.test/echo?case=${tlsId}`,
        ]),
      ) as OriginEcho;
      assert.deepEqual(tlsEcho.local, { ip: server.ipv4, port: 443 });
      assert.equal(tlsEcho.servername, 'elsewhere.test');
      const tlsFlow = await flowWhere((f) => f.url.includes(tlsId), 'spoofed SNI');
      assert.equal(tlsFlow.server.ip, server.ipv4);
      assert.equal(tlsFlow.server.sni, 'elsewhere.test');
      assert.equal(tlsFlow.server.hostMismatch, true);
      assert.ok(
        !origin.connections().some((c) => c.local.ip === serverAlias.ipv4),
        'nothing ever connected to the address the spoofed name resolves to',
      );
    });

    it('records a client that does not trust the CA as a TLS failure with its SNI and address', async () => {
      const { server, client } = topo.addresses;
      const name = `untrusted-${caseId()}.test`;
      const localPort = 20_000 + Math.floor(Math.random() * 20_000);
      const r = await curl([
        '--resolve',
        `${name}:443:${server.ipv4}`,
        '--local-port',
        String(localPort),
        `https://${name}/text`,
      ]);
      assert.equal(r.code, 60, `curl refuses the sensor's certificate: ${r.stderr}`);

      const flow = await flowWhere((f) => f.url.includes(name) || f.host.includes(name), name);
      assert.equal(flow.error?.kind, 'tls-failure');
      assert.equal(flow.server.sni, name);
      assert.equal(flow.server.ip, server.ipv4);
      assert.equal(flow.server.port, 443);
      assert.deepEqual(flow.client, { ip: client.ipv4, port: localPort });
      assert.equal(flow.response, undefined);
      assert.equal(flow.mode, 'transparent');
    });

    it('captures IPv6 through the same rules (HTTP and HTTPS by name)', async () => {
      const { server, client } = topo.addresses;
      const id = caseId();
      const url = `http://[${server.ipv6}]/echo?case=${id}`;
      const echo = JSON.parse(await curlOk(['-H', 'Host: origin.test', url])) as OriginEcho;
      assert.deepEqual(echo.local, { ip: server.ipv6, port: 80 });
      const flow = await flowWhere((f) => f.url.includes(id), url);
      assert.equal(flow.mode, 'transparent');
      assert.equal(flow.client.ip, client.ipv6);
      assert.equal(flow.server.ip, server.ipv6);
      assert.equal(flow.server.port, 80);
      assert.equal(flow.server.host, 'origin.test');
      assert.equal(flow.server.hostMismatch, false, 'origin.test has the IPv6 address too');
      assert.equal(flow.response?.status, 200);

      const tlsId = caseId();
      const text = await curlOk([
        '--cacert',
        sensorCa,
        '--resolve',
        `origin.test:443:[${server.ipv6}]`,
        `https://origin.test/text?case=${tlsId}`,
      ]);
      assert.equal(text, NETNS_ORIGIN_TEXT);
      const tlsFlow = await flowWhere((f) => f.url.includes(tlsId), 'IPv6 HTTPS');
      assert.equal(tlsFlow.server.ip, server.ipv6);
      assert.equal(tlsFlow.server.port, 443);
      assert.equal(tlsFlow.server.sni, 'origin.test');
      assert.equal(tlsFlow.server.hostMismatch, false);
      assert.equal(tlsFlow.client.ip, client.ipv6);
      assert.equal(originSaw(tlsId)[0]?.local.ip, server.ipv6);
    });

    it('captures a request to an IPv6 literal URL (Host: [address], no port)', async () => {
      const { server, client } = topo.addresses;
      const id = caseId();
      const url = `http://[${server.ipv6}]/echo?case=${id}`;
      const echo = JSON.parse(await curlOk([url])) as OriginEcho;
      assert.deepEqual(echo.local, { ip: server.ipv6, port: 80 });
      assert.deepEqual(
        echo.rawHeaders.slice(0, 2),
        ['Host', `[${server.ipv6}]`],
        'the Host header reaches the server as sent',
      );
      const flow = await flowWhere((f) => f.url.includes(id), url);
      assert.equal(flow.mode, 'transparent');
      assert.equal(flow.request.url, url);
      assert.equal(flow.client.ip, client.ipv6);
      assert.equal(flow.server.ip, server.ipv6);
      assert.equal(flow.server.port, 80);
      assert.equal(flow.response?.status, 200);
      assert.equal(flow.error, undefined);
    });

    it('refuses the gateway’s own address and the sensor’s port, records them as blocked, connects nothing', async () => {
      const { gatewayClientSide: gw } = topo.addresses;
      const before = trap.connections().length;
      const { client } = topo.addresses;
      const cases = [
        {
          what: 'the gateway’s own address, port 80 (redirected)',
          args: [`http://${gw.ipv4}/echo?case=${caseId()}`],
          ip: gw.ipv4,
          port: 80,
          code: 'sensor-address',
        },
        {
          what: 'the sensor’s port, asked directly (not redirected)',
          args: [`http://${gw.ipv4}:${SENSOR_PORT}/echo?case=${caseId()}`],
          ip: gw.ipv4,
          port: SENSOR_PORT,
          code: 'sensor-itself',
        },
        {
          what: 'the sensor’s port, through the sensor as an explicit proxy',
          args: [
            '-x',
            `http://${gw.ipv4}:${SENSOR_PORT}`,
            `http://${gw.ipv4}:${SENSOR_PORT}/echo?case=${caseId()}`,
          ],
          ip: gw.ipv4,
          port: SENSOR_PORT,
          code: 'sensor-itself',
        },
        {
          what: 'a private address the lab did not open (10.0.0.0/8)',
          args: ['--connect-timeout', '5', `http://10.20.30.40/echo?case=${caseId()}`],
          ip: '10.20.30.40',
          port: 80,
          code: 'private',
        },
        {
          what: 'the gateway’s own IPv6 address (redirected)',
          args: [`http://[${gw.ipv6}]/echo?case=${caseId()}`],
          ip: gw.ipv6,
          port: 80,
          code: 'sensor-address',
        },
      ];
      for (const c of cases) {
        const r = await curl(['-o', '/dev/null', '-w', '%{http_code}', ...c.args]);
        assert.equal(r.stdout, '403', `${c.what}: refused by the sensor (${r.stdout} ${r.stderr})`);
        const id = /case=([0-9a-f]+)/.exec(c.args.join(' '))?.[1] ?? '-';
        const flow = await flowWhere((f) => f.url.includes(id), c.what);
        assert.equal(flow.error?.kind, 'blocked', `${c.what}: ${JSON.stringify(flow.error)}`);
        assert.equal(flow.error?.code, c.code, c.what);
        assert.equal(flow.server.ip, c.ip, c.what);
        assert.equal(flow.server.port, c.port, c.what);
        assert.equal(flow.client.ip, c.ip.includes(':') ? client.ipv6 : client.ipv4, c.what);
      }
      assert.equal(
        trap.connections().length,
        before,
        'nothing connected to the gateway’s own ports',
      );
      const ids = cases.map((c) => /case=([0-9a-f]+)/.exec(c.args.join(' '))?.[1] ?? '-');
      assert.deepEqual(
        origin.requests().filter((r) => ids.some((id) => r.url.includes(id))),
        [],
        'and nothing reached the server',
      );
    });

    it('left the sensor’s own outgoing connections alone: the origin saw them from the gateway', () => {
      const { gatewayServerSide } = topo.addresses;
      const from = new Set(origin.connections().map((c) => c.remote.ip));
      assert.ok(from.size > 0);
      for (const ip of from) {
        assert.ok(
          ip === gatewayServerSide.ipv4 || ip === gatewayServerSide.ipv6,
          `every connection came from the gateway (the sensor), not ${ip}`,
        );
      }
    });
  },
);
