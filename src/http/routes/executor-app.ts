/**
 * Serves the built executor app (web/executor/dist, `npm run build:web`):
 *  - GET /r/:run_id → index.html, `Cache-Control: no-cache`, with the run's status as the HTTP status:
 *    200, 404 for an unknown run, 410 for an expired one (reading it expires a due run, once) — the app
 *    then renders the matching page. Run ids are checked by pattern before the database is touched.
 *  - A link altered on its way: an upper-case id or a trailing `/` is redirected (301) to the link
 *    itself; anything else under /r/ that is no file (a cut id, extra segments) gets index.html with
 *    404, so the person sees the app's own "Checklist not found" page rather than a bare error.
 *  - GET /r/assets/<file> → Vite's content-hashed files, cached for a year (`immutable`).
 *  - other files at the dist root (icons, manifest) → `no-cache`.
 * Text files go out brotli- or gzip-compressed when the client accepts it: a `.br`/`.gz` file beside
 * the original is used when the build made one, else the file is compressed once and kept in memory.
 * Without a build, /r answers 503 saying to run `npm run build:web`.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readRunExpiringIfDue } from '../../db/expire-run.js';
import { RUN_ID_PATTERN } from './x/guard.js';

export const DEFAULT_EXECUTOR_DIST = fileURLToPath(new URL('../../../web/executor/dist', import.meta.url));
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const IMMUTABLE = 'public, max-age=31536000, immutable';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set([
  '.html',
  '.js',
  '.mjs',
  '.css',
  '.json',
  '.map',
  '.webmanifest',
  '.svg',
  '.txt',
]);

const APP_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  // The link is the run's capability: never leak it to another site.
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Permissions-Policy': 'geolocation=(self), camera=(self)',
};

type Encoding = 'br' | 'gzip' | 'identity';
const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

function chooseEncoding(request: FastifyRequest): Encoding {
  const accepted = String(request.headers['accept-encoding'] ?? '');
  if (/\bbr\b/.test(accepted)) return 'br';
  if (/\bgzip\b/.test(accepted)) return 'gzip';
  return 'identity';
}

interface FileBody {
  bytes: Buffer;
  etag: string;
}

export function createFileServer(distDir: string) {
  const cache = new Map<string, FileBody>();

  async function readVariant(file: string, encoding: Encoding): Promise<FileBody | undefined> {
    const stat = await fs.stat(file).catch(() => undefined);
    if (!stat?.isFile()) return undefined;
    const key = `${file}|${stat.mtimeMs}|${stat.size}|${encoding}`;
    const cached = cache.get(key);
    if (cached) return cached;
    const original = await fs.readFile(file);
    const etag = `"${createHash('sha1').update(original).digest('base64url').slice(0, 16)}-${encoding}"`;
    let bytes = original;
    if (encoding !== 'identity') {
      const sibling = await fs.readFile(`${file}.${encoding === 'br' ? 'br' : 'gz'}`).catch(() => undefined);
      bytes = sibling ?? (encoding === 'br' ? await brotli(original) : await gzip(original, { level: 9 }));
    }
    const body = { bytes, etag };
    cache.set(key, body);
    return body;
  }

  return async function sendFile(
    request: FastifyRequest,
    reply: FastifyReply,
    relative: string,
    options: { cacheControl: string; status?: number; headers?: Record<string, string> },
  ): Promise<boolean> {
    const file = path.join(distDir, relative);
    const ext = path.extname(file).toLowerCase();
    const encoding = COMPRESSIBLE.has(ext) ? chooseEncoding(request) : 'identity';
    const body = await readVariant(file, encoding);
    if (!body) return false;
    void reply
      .headers({
        ...options.headers,
        'Cache-Control': options.cacheControl,
        ETag: body.etag,
        Vary: 'Accept-Encoding',
      })
      .type(TYPES[ext] ?? 'application/octet-stream');
    const status = options.status ?? 200;
    if (status === 200 && request.headers['if-none-match'] === body.etag) {
      await reply.code(304).send();
      return true;
    }
    if (encoding !== 'identity') void reply.header('Content-Encoding', encoding);
    await reply.code(status).send(body.bytes);
    return true;
  };
}

function sendNotBuilt(reply: FastifyReply) {
  return reply
    .code(503)
    .type('text/plain; charset=utf-8')
    .header('Cache-Control', 'no-store')
    .send('The executor app is not built. Run `npm run build:web` and reload this page.\n');
}

export function registerExecutorApp(app: FastifyInstance, options: { distDir?: string } = {}): void {
  const ctx = app.ctx;
  const sendFile = createFileServer(options.distDir ?? DEFAULT_EXECUTOR_DIST);
  const notFound = (reply: FastifyReply) =>
    reply.code(404).type('text/plain; charset=utf-8').send('Not found.\n');
  /** The app's own "Checklist not found" page, for a link that was cut or altered. */
  const sendAppNotFound = async (request: FastifyRequest, reply: FastifyReply) => {
    const sent = await sendFile(request, reply, 'index.html', {
      cacheControl: 'no-cache',
      status: 404,
      headers: APP_HEADERS,
    });
    return sent ? reply : sendNotBuilt(reply);
  };
  /** `/r/R-ABC…` or `/r/r-abc…/`: the same link, written differently. */
  const redirectToCanonical = (name: string, reply: FastifyReply) => {
    const id = name.toLowerCase();
    return RUN_ID_PATTERN.test(id) ? reply.redirect(`/r/${id}`, 301) : null;
  };

  app.get('/r/:name', { schema: { hide: true } }, async (request, reply) => {
    const { name } = request.params as { name: string };
    if (RUN_ID_PATTERN.test(name)) {
      const row = await readRunExpiringIfDue(ctx.db, name, ctx.now());
      const status = !row ? 404 : row.status === 'expired' ? 410 : 200;
      const sent = await sendFile(request, reply, 'index.html', {
        cacheControl: 'no-cache',
        status,
        headers: APP_HEADERS,
      });
      return sent ? reply : sendNotBuilt(reply);
    }
    const canonical = redirectToCanonical(name, reply);
    if (canonical) return canonical;
    if (!FILE_NAME.test(name) || name === 'index.html') return sendAppNotFound(request, reply);
    return (await sendFile(request, reply, name, { cacheControl: 'no-cache' }))
      ? reply
      : sendAppNotFound(request, reply);
  });

  // A trailing slash, extra segments: the redirect for the run's own link, else the app's 404 page.
  app.get('/r/*', { schema: { hide: true } }, async (request, reply) => {
    const rest = (request.params as { '*': string })['*'];
    const first = rest.split('/')[0] ?? '';
    if (rest === `${first}/`) {
      const canonical = redirectToCanonical(first, reply);
      if (canonical) return canonical;
    }
    return sendAppNotFound(request, reply);
  });

  app.get('/r/assets/:file', { schema: { hide: true } }, async (request, reply) => {
    const { file } = request.params as { file: string };
    if (!FILE_NAME.test(file)) return notFound(reply);
    return (await sendFile(request, reply, `assets/${file}`, { cacheControl: IMMUTABLE }))
      ? reply
      : notFound(reply);
  });
}
