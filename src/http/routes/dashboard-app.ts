/**
 * Serves the built dashboard (web/dashboard/dist, `npm run build:web`) at /app:
 *  - GET /app and every GET /app/<path> (deep links such as /app/runs/r-…) → index.html, `no-cache`;
 *    the app's router draws the page;
 *  - GET /app/assets/<file> → Vite's content-hashed files, cached for a year (`immutable`).
 * The same Content-Security-Policy as the executor app: scripts only from this origin, no framing.
 * Without a build, /app answers 503 saying to run `npm run build:web`.
 */
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createFileServer } from './executor-app.js';

export const DEFAULT_DASHBOARD_DIST = fileURLToPath(new URL('../../../web/dashboard/dist', import.meta.url));
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const IMMUTABLE = 'public, max-age=31536000, immutable';

const APP_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
};

export function registerDashboardApp(app: FastifyInstance, options: { distDir?: string } = {}): void {
  const sendFile = createFileServer(options.distDir ?? DEFAULT_DASHBOARD_DIST);

  async function sendIndex(request: FastifyRequest, reply: FastifyReply) {
    const sent = await sendFile(request, reply, 'index.html', {
      cacheControl: 'no-cache',
      headers: APP_HEADERS,
    });
    if (sent) return reply;
    return reply
      .code(503)
      .type('text/plain; charset=utf-8')
      .header('Cache-Control', 'no-store')
      .send('The dashboard is not built. Run `npm run build:web` and reload this page.\n');
  }

  app.get('/app', { schema: { hide: true } }, sendIndex);
  app.get('/app/*', { schema: { hide: true } }, sendIndex);
  app.get('/app/assets/:file', { schema: { hide: true } }, async (request, reply) => {
    const { file } = request.params as { file: string };
    const sent =
      FILE_NAME.test(file) && (await sendFile(request, reply, `assets/${file}`, { cacheControl: IMMUTABLE }));
    return sent ? reply : reply.code(404).type('text/plain; charset=utf-8').send('Not found.\n');
  });
}
