import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerExecutorApp } from '../../src/http/routes/executor-app.js';
import { testDatabaseKinds } from '../helpers/database.js';
import { createExecutorTestApp, type ExecutorTestApp } from './helpers.js';

const INDEX =
  '<!doctype html><html><head><script type="module" src="/r/assets/index-AbC123.js"></script></head><body></body></html>';
const SCRIPT = `console.log(${JSON.stringify('executor '.repeat(400))});`;

async function serveDist(t: ExecutorTestApp, distDir: string): Promise<FastifyInstance> {
  const app = Fastify();
  app.decorate('ctx', t.app.ctx);
  registerExecutorApp(app, { distDir });
  await app.ready();
  return app;
}

for (const kind of testDatabaseKinds()) {
  describe(`executor app serving on ${kind}`, () => {
    let t: ExecutorTestApp;
    let distDir: string;
    let web: FastifyInstance;
    let templateId: string;
    before(async () => {
      t = await createExecutorTestApp(kind);
      templateId = await t.createTemplate({ name: 'App', steps: [{ type: 'boolean', label: 'Ok?' }] });
      distDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rundun-dist-'));
      fs.mkdirSync(path.join(distDir, 'assets'));
      fs.writeFileSync(path.join(distDir, 'index.html'), INDEX);
      fs.writeFileSync(path.join(distDir, 'assets', 'index-AbC123.js'), SCRIPT);
      fs.writeFileSync(path.join(distDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
      web = await serveDist(t, distDir);
    });
    after(async () => {
      await web.close();
      await t.close();
      fs.rmSync(distDir, { recursive: true, force: true });
    });

    it('serves index.html for a run link, never cached stale, with a no-referrer policy', async () => {
      const runId = await t.dispatch(templateId);
      const response = await web.inject({ method: 'GET', url: `/r/${runId}` });
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(response.headers['cache-control'], 'no-cache');
      assert.equal(response.headers['referrer-policy'], 'no-referrer');
      assert.match(String(response.headers['content-security-policy']), /script-src 'self'/);
      assert.equal(response.body, INDEX);
      const etag = String(response.headers.etag);
      const revalidated = await web.inject({
        method: 'GET',
        url: `/r/${runId}`,
        headers: { 'if-none-match': etag },
      });
      assert.equal(revalidated.statusCode, 304);
    });

    it('answers the app page with 404 for an unknown run and 410 for an expired one (firing run.expired once)', async () => {
      const unknown = await web.inject({ method: 'GET', url: '/r/r-00000000-0000-4000-8000-000000000000' });
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.body, INDEX);
      const runId = await t.dispatch(templateId, { expires_in_hours: 1 });
      t.clock.advance(3600_000);
      assert.equal((await web.inject({ method: 'GET', url: `/r/${runId}` })).statusCode, 410);
      assert.equal((await web.inject({ method: 'GET', url: `/r/${runId}` })).statusCode, 410);
      assert.deepEqual(await t.eventTypes(runId), ['run.expired']);
    });

    it('checks the run id pattern before touching the database', async () => {
      for (const url of [
        '/r/r-123',
        '/r/..%2f..%2fetc%2fpasswd',
        '/r/index.html',
        '/r/assets/..%2findex.html',
      ]) {
        assert.equal((await web.inject({ method: 'GET', url })).statusCode, 404, url);
      }
    });

    it('answers a cut or altered link with the app page (404) or a redirect to the link itself', async () => {
      const runId = await t.dispatch(templateId);
      for (const url of [`/r/${runId.toUpperCase()}`, `/r/${runId}/`, `/r/${runId.toUpperCase()}/`]) {
        const response = await web.inject({ method: 'GET', url });
        assert.equal(response.statusCode, 301, url);
        assert.equal(response.headers.location, `/r/${runId}`, url);
      }
      for (const url of [`/r/${runId.slice(0, 26)}`, `/r/${runId}/extra`, '/r/', '/r/r-123/']) {
        const response = await web.inject({ method: 'GET', url });
        assert.equal(response.statusCode, 404, url);
        assert.equal(response.body, INDEX, url);
        assert.equal(response.headers['cache-control'], 'no-cache', url);
      }
    });

    it('serves hashed assets for a year, compressed with brotli or gzip when accepted', async () => {
      const plain = await web.inject({ method: 'GET', url: '/r/assets/index-AbC123.js' });
      assert.equal(plain.statusCode, 200);
      assert.equal(plain.headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.equal(plain.headers['content-type'], 'text/javascript; charset=utf-8');
      assert.equal(plain.body, SCRIPT);
      const br = await web.inject({
        method: 'GET',
        url: '/r/assets/index-AbC123.js',
        headers: { 'accept-encoding': 'gzip, deflate, br' },
      });
      assert.equal(br.headers['content-encoding'], 'br');
      assert.equal(br.headers.vary, 'Accept-Encoding');
      assert.equal(zlib.brotliDecompressSync(br.rawPayload).toString(), SCRIPT);
      assert.ok(br.rawPayload.length < SCRIPT.length / 5);
      const gz = await web.inject({
        method: 'GET',
        url: '/r/assets/index-AbC123.js',
        headers: { 'accept-encoding': 'gzip' },
      });
      assert.equal(zlib.gunzipSync(gz.rawPayload).toString(), SCRIPT);
      assert.equal((await web.inject({ method: 'GET', url: '/r/assets/missing.js' })).statusCode, 404);
      const icon = await web.inject({ method: 'GET', url: '/r/favicon.svg' });
      assert.equal(icon.statusCode, 200);
      assert.equal(icon.headers['content-type'], 'image/svg+xml');
    });

    it('answers 503 saying to run npm run build:web when the app is not built', async () => {
      const bare = await serveDist(t, path.join(distDir, 'missing'));
      try {
        const runId = await t.dispatch(templateId);
        const response = await bare.inject({ method: 'GET', url: `/r/${runId}` });
        assert.equal(response.statusCode, 503);
        assert.match(response.body, /npm run build:web/);
      } finally {
        await bare.close();
      }
    });
  });
}
