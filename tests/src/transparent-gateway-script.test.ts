/**
 * The operator's gateway script (deploy/gateway/honeyproxy-gateway) on a real kernel, inside the
 * gateway namespace of a client → gateway → server topology: its REDIRECT rules really send the
 * client's port 80/443 connections (IPv4 and IPv6) to the sensor's port on the gateway, leave
 * other ports and the gateway's own traffic alone, install idempotently, remove without a trace,
 * print without changing anything in a dry run, and refuse bad arguments. No sensor here: a
 * stand-in listener on the sensor's port tells where connections arrived.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  canCreateNamespaces,
  createTopology,
  natRules,
  runGatewayScript,
  startNetnsOrigin,
  type NetnsOrigin,
  type OriginEcho,
  type Topology,
} from '@honeyproxy/testkit';

const probe = await canCreateNamespaces();
const skip = probe.ok
  ? false
  : `SKIPPED — this machine cannot create network namespaces (${probe.reason}): the transparent-mode gateway tests did NOT run`;

const SENSOR_PORT = 8080;

describe(
  'gateway script: REDIRECT rules in a real network namespace',
  { skip, timeout: 120_000 },
  () => {
    let topo: Topology;
    let server: NetnsOrigin;
    /** Stands in for the sensor: listens on the gateway's port 8080 (and 8443, unused). */
    let standIn: NetnsOrigin;
    before(async () => {
      topo = await createTopology();
      server = await startNetnsOrigin(topo);
      standIn = await startNetnsOrigin(topo, {
        ns: topo.gateway,
        httpPort: SENSOR_PORT,
        httpsPort: 8443,
      });
    });
    after(async () => {
      await server?.close();
      await standIn?.close();
      await topo?.close();
    });

    /** curl from the client, answering the echo the listener that got the connection sent back. */
    const echoFrom = async (url: string, extra: string[] = []): Promise<OriginEcho> => {
      const out = await topo.run(topo.client, ['curl', '-sS', '--max-time', '10', ...extra, url]);
      return JSON.parse(out) as OriginEcho;
    };
    const install = async (...args: string[]) => {
      const r = await runGatewayScript(topo, [
        'install',
        '-i',
        topo.interfaces.gatewayClientSide,
        ...args,
      ]);
      assert.equal(r.code, 0, `install failed: ${r.stderr}${r.stdout}`);
      return r;
    };
    const remove = async () => {
      const r = await runGatewayScript(topo, ['remove']);
      assert.equal(r.code, 0, `remove failed: ${r.stderr}${r.stdout}`);
    };

    it('routes client → server through the gateway with no rules (IPv4 and IPv6)', async () => {
      const { server: s, client: c } = topo.addresses;
      const v4 = await echoFrom(`http://${s.ipv4}/echo`);
      assert.deepEqual([v4.local, v4.remote.ip], [{ ip: s.ipv4, port: 80 }, c.ipv4]);
      const v6 = await echoFrom(`http://[${s.ipv6}]/echo`);
      assert.deepEqual([v6.local, v6.remote.ip], [{ ip: s.ipv6, port: 80 }, c.ipv6]);
    });

    it('redirects the client’s port 80 and 443 to the sensor port, IPv4 and IPv6, and nothing else', async () => {
      const { server: s, client: c, gatewayClientSide: gw } = topo.addresses;
      await install();
      try {
        const v4 = await echoFrom(`http://${s.ipv4}/echo`);
        assert.deepEqual(
          v4.local,
          { ip: gw.ipv4, port: SENSOR_PORT },
          'arrived at the sensor port',
        );
        assert.equal(v4.remote.ip, c.ipv4, 'from the honeypot’s own address');
        const v6 = await echoFrom(`http://[${s.ipv6}]/echo`);
        assert.equal(v6.local.port, SENSOR_PORT);
        assert.equal(v6.remote.ip, c.ipv6);
        // port 443 goes to the same single port (plain HTTP here: the stand-in speaks no TLS there)
        const tls443 = await echoFrom(`http://${s.ipv4}:443/echo`);
        assert.equal(tls443.local.port, SENSOR_PORT);
        // a port not in the list passes through to the server untouched
        const other = await topo.exec(topo.client, [
          'curl',
          '-sS',
          '--max-time',
          '5',
          `http://${s.ipv4}:8081/echo`,
        ]);
        assert.notEqual(
          other.code,
          0,
          'nothing listens on the server’s 8081: refused, not redirected',
        );
        assert.match(other.stderr, /refused|Failed to connect/i);
        // the gateway's own outgoing connections are never redirected (PREROUTING only)
        const own = await topo.run(topo.gateway, [
          'curl',
          '-sS',
          '--max-time',
          '5',
          `http://${s.ipv4}/echo`,
        ]);
        assert.deepEqual((JSON.parse(own) as OriginEcho).local, { ip: s.ipv4, port: 80 });
      } finally {
        await remove();
      }
    });

    it('redirects extra ports to the same sensor port, and --ports replaces the defaults', async () => {
      const { server: s } = topo.addresses;
      await install('--ports', '80', '--extra-ports', '8000-8010,8081');
      try {
        for (const port of [80, 8005, 8081]) {
          assert.equal(
            (await echoFrom(`http://${s.ipv4}:${port}/echo`)).local.port,
            SENSOR_PORT,
            `port ${port}`,
          );
        }
        const direct443 = await topo.exec(topo.client, [
          'curl',
          '-sS',
          '--max-time',
          '5',
          '-k',
          `https://${s.ipv4}/echo`,
        ]);
        assert.equal(direct443.code, 0, direct443.stderr);
        assert.equal(
          (JSON.parse(direct443.stdout) as OriginEcho).local.port,
          443,
          '443 not listed: direct',
        );
      } finally {
        await remove();
      }
    });

    it('installed twice leaves one copy of every rule; remove leaves the NAT table as it was', async () => {
      const before = await natRules(topo);
      await install();
      const once = await natRules(topo);
      await install();
      const twice = await natRules(topo);
      assert.deepEqual(twice, once, 'a second install changes nothing');
      for (const family of ['ipv4', 'ipv6'] as const) {
        const lines = twice[family].split('\n');
        assert.equal(
          lines.filter((l) => l.includes('-j HONEYPROXY')).length,
          1,
          `${family}: one jump`,
        );
        assert.equal(
          lines.filter((l) => l.includes('--dport 80 ')).length,
          1,
          `${family}: one port-80 rule`,
        );
        assert.equal(
          lines.filter((l) => l.includes('--dport 443 ')).length,
          1,
          `${family}: one port-443 rule`,
        );
        assert.ok(lines.includes('-N HONEYPROXY'), `${family}: the chain`);
      }
      await remove();
      assert.deepEqual(await natRules(topo), before, 'no rule and no chain left behind');
      await remove(); // removing again is fine
      assert.deepEqual(await natRules(topo), before);
    });

    it('moves the jump when installed for another interface, keeping one per interface', async () => {
      const { gatewayClientSide: c, gatewayServerSide: s } = topo.interfaces;
      await install();
      const r = await runGatewayScript(topo, ['install', '-i', `${s},${c}`]);
      assert.equal(r.code, 0, r.stderr);
      let rules = await natRules(topo);
      assert.deepEqual(
        rules.ipv4
          .split('\n')
          .filter((l) => l.includes('-j HONEYPROXY'))
          .map((l) => /-i (\S+)/.exec(l)?.[1])
          .sort(),
        [c, s].sort(),
      );
      assert.equal((await runGatewayScript(topo, ['install', '-i', s])).code, 0);
      rules = await natRules(topo);
      assert.deepEqual(
        rules.ipv6
          .split('\n')
          .filter((l) => l.includes('-j HONEYPROXY'))
          .map((l) => /-i (\S+)/.exec(l)?.[1]),
        [s],
        'the stale jump is gone',
      );
      await remove();
    });

    it('status tells installed from not installed, with forwarding and the sensor port', async () => {
      await remove();
      const absent = await runGatewayScript(topo, ['status']);
      assert.equal(absent.code, 3, absent.stdout);
      assert.match(
        absent.stdout,
        /IPv4 \(iptables, nf_tables backend\); net\.ipv4\.ip_forward = 1/,
      );
      assert.match(absent.stdout, /not installed: no chain HONEYPROXY/);
      await install();
      try {
        const present = await runGatewayScript(topo, ['status']);
        assert.equal(present.code, 0, present.stdout + present.stderr);
        assert.match(
          present.stdout,
          new RegExp(`-i ${topo.interfaces.gatewayClientSide} .*-j HONEYPROXY`),
        );
        assert.match(present.stdout, /net\.ipv6\.conf\.all\.forwarding = 1/);
        assert.match(present.stdout, /REDIRECT .*tcp dpt:443 .*redir ports 8080/);
        assert.match(present.stdout, /sensor port 8080: listening on /);
      } finally {
        await remove();
      }
    });

    it('turns IP forwarding on when installing, and says so', async () => {
      await topo.run(topo.gateway, [
        'sysctl',
        '-qw',
        'net.ipv4.ip_forward=0',
        'net.ipv6.conf.all.forwarding=0',
      ]);
      try {
        const r = await install();
        assert.match(r.stdout, /turned on net\.ipv4\.ip_forward/);
        assert.match(r.stdout, /turned on net\.ipv6\.conf\.all\.forwarding/);
        const now = await topo.run(topo.gateway, [
          'sysctl',
          '-n',
          'net.ipv4.ip_forward',
          'net.ipv6.conf.all.forwarding',
        ]);
        assert.deepEqual(now.trim().split('\n'), ['1', '1']);
      } finally {
        await remove();
        await topo.run(topo.gateway, [
          'sysctl',
          '-qw',
          'net.ipv4.ip_forward=1',
          'net.ipv6.conf.all.forwarding=1',
        ]);
      }
    });

    it('--dry-run prints the rules for both families and changes nothing', async () => {
      const before = await natRules(topo);
      const r = await runGatewayScript(topo, [
        '--dry-run',
        'install',
        '-i',
        topo.interfaces.gatewayClientSide,
        '--extra-ports',
        '8443',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /# IPv4: iptables-restore -w 5 --noflush/);
      assert.match(r.stdout, /# IPv6: ip6tables-restore -w 5 --noflush/);
      assert.match(
        r.stdout,
        /-A HONEYPROXY -p tcp -m tcp --dport 8443 .*-j REDIRECT --to-ports 8080/,
      );
      assert.match(
        r.stdout,
        new RegExp(
          `-I PREROUTING 1 -i ${topo.interfaces.gatewayClientSide} -p tcp .*-j HONEYPROXY`,
        ),
      );
      assert.deepEqual(await natRules(topo), before, 'dry-run install changed nothing');

      await install();
      const installed = await natRules(topo);
      const dryRemove = await runGatewayScript(topo, ['--dry-run', 'remove']);
      assert.equal(dryRemove.code, 0, dryRemove.stderr);
      assert.match(dryRemove.stdout, /-D PREROUTING -i \S+ -p tcp .*-j HONEYPROXY/);
      assert.match(dryRemove.stdout, /-X HONEYPROXY/);
      assert.deepEqual(await natRules(topo), installed, 'dry-run remove changed nothing');
      await remove();
    });

    it('refuses bad arguments with exit 2 and a message naming them, changing nothing', async () => {
      const before = await natRules(topo);
      const iface = topo.interfaces.gatewayClientSide;
      const cases: [string[], RegExp][] = [
        [['install'], /needs the honeypot-facing interface/],
        [['install', '-i', 'no-such-if0'], /no interface 'no-such-if0'/],
        [['install', '-i', 'bad/name'], /bad interface name 'bad\/name'/],
        [['install', '-i', iface, '--ports', '80,70000'], /bad port '70000'/],
        [['install', '-i', iface, '--extra-ports', '90-80'], /bad port range '90-80'/],
        [['install', '-i', iface, '--sensor-port', '0'], /bad --sensor-port '0'/],
        [['install', '-i', iface, '--family', 'ipx'], /bad --family 'ipx'/],
        [['install', '-i', iface, '--chain', 'PREROUTING'], /built-in chain/],
        [['install', '-i', iface, '--bogus'], /unknown option --bogus/],
        [['frobnicate'], /unknown command frobnicate/],
        [[], /no command given/],
      ];
      for (const [args, message] of cases) {
        const r = await runGatewayScript(topo, args);
        assert.equal(r.code, 2, `${args.join(' ')} → exit ${r.code}: ${r.stderr}`);
        assert.match(r.stderr, message, args.join(' '));
      }
      const envBad = await runGatewayScript(topo, ['install', '-i', iface], {
        HONEYPROXY_PROXY_PORT: 'x',
      });
      assert.equal(envBad.code, 2);
      assert.match(envBad.stderr, /bad --sensor-port 'x'/);
      assert.deepEqual(await natRules(topo), before);
    });

    it('takes its settings from variables (the systemd unit’s environment file)', async () => {
      const r = await runGatewayScript(topo, ['install'], {
        HONEYPROXY_GATEWAY_INTERFACES: topo.interfaces.gatewayClientSide,
        HONEYPROXY_GATEWAY_EXTRA_PORTS: '8081',
        HONEYPROXY_PROXY_PORT: String(SENSOR_PORT),
        HONEYPROXY_GATEWAY_FAMILY: 'ipv4',
      });
      assert.equal(r.code, 0, r.stderr);
      try {
        const rules = await natRules(topo);
        assert.match(rules.ipv4, /--dport 8081 .*--to-ports 8080/);
        assert.doesNotMatch(rules.ipv6, /HONEYPROXY/, 'ipv4 only');
        assert.equal(
          (await echoFrom(`http://${topo.addresses.server.ipv4}:8081/echo`)).local.port,
          SENSOR_PORT,
        );
      } finally {
        await remove();
      }
    });
  },
);
