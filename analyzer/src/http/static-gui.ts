/**
 * Serves the built Lit GUI (web/build) at `/`, behind the same authentication as the API. Page
 * routes the GUI handles itself (deep links) get index.html; API paths and non-HTML requests get the
 * JSON 404. When the build is missing, `/` says so in plain text instead of failing obscurely.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import { NOT_FOUND_BODY } from './errors.js';

function wantsPage(req: FastifyRequest): boolean {
  return (
    (req.method === 'GET' || req.method === 'HEAD') &&
    !req.url.startsWith('/api/') &&
    (req.headers.accept ?? '').includes('text/html')
  );
}

export async function installStaticGui(app: FastifyInstance, webRoot: string): Promise<void> {
  const built = existsSync(join(webRoot, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, {
      root: webRoot,
      prefix: '/',
      index: ['index.html'],
      dotfiles: 'ignore',
      // Hashed asset names could be cached forever, but the GUI is small: always revalidate.
      cacheControl: false,
      setHeaders: (res) => void res.header('cache-control', 'no-cache'),
    });
  } else {
    app.get('/', (_req, reply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send(
          `The HoneyProxy web GUI is not built: ${join(webRoot, 'index.html')} is missing.\nBuild it with "npm run build" (or set --web-root). The API is available under /api/.\n`,
        ),
    );
  }
  app.setNotFoundHandler((req: FastifyRequest, reply: FastifyReply) => {
    if (built && wantsPage(req)) return reply.sendFile('index.html');
    return reply.code(404).type('application/json; charset=utf-8').send(NOT_FOUND_BODY);
  });
}
