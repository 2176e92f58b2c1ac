/**
 * The operator's gateway script (deploy/gateway/honeyproxy-gateway) as tests run it: inside a
 * topology's gateway namespace, where its iptables rules and sysctls stay private to the test.
 */
import { fileURLToPath } from 'node:url';
import type { ExecResult, Topology } from './netns-topology.js';

export const GATEWAY_SCRIPT = fileURLToPath(
  new URL('../../deploy/gateway/honeyproxy-gateway', import.meta.url),
);

/** Runs the script with `args` in the topology's gateway namespace (`env` adds variables). */
export function runGatewayScript(
  topology: Topology,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<ExecResult> {
  return topology.exec(topology.gateway, ['bash', GATEWAY_SCRIPT, ...args], { env });
}

/** `iptables -t nat -S` and `ip6tables -t nat -S` in the gateway: the whole NAT state to compare. */
export async function natRules(topology: Topology): Promise<{ ipv4: string; ipv6: string }> {
  const [ipv4, ipv6] = await Promise.all(
    ['iptables', 'ip6tables'].map((bin) =>
      topology.run(topology.gateway, [bin, '-w', '5', '-t', 'nat', '-S']),
    ),
  );
  return { ipv4: ipv4 ?? '', ipv6: ipv6 ?? '' };
}
