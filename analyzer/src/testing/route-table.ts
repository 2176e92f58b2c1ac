/**
 * Every (method, path) a fastify instance serves, read from `printRoutes` — so a test can prove a
 * rule (e.g. authentication) for routes added after the test was written. Path parameters are
 * replaced by the sample values given.
 */
import type { FastifyInstance } from 'fastify';

export interface RouteEntry {
  method: string;
  url: string;
}

export function routeTable(
  app: FastifyInstance,
  params: Record<string, string> = {},
): RouteEntry[] {
  const stack: string[] = [];
  const routes: RouteEntry[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[└├]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = (m[1] ?? '').length / 4;
    stack.length = depth;
    stack.push(m[2] ?? '');
    if (!m[3]) continue;
    const path = stack
      .join('')
      .replace(/\/\/+/g, '/')
      .replace(/:(\w+)/g, (_, name: string) => params[name] ?? 'x')
      .replace(/\*/g, 'x');
    for (const method of m[3].split(',').map((s) => s.trim()))
      routes.push({ method, url: path.startsWith('/') ? path : `/${path}` });
  }
  return routes;
}
