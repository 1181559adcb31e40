import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { testDatabaseKinds } from '../helpers/database.js';
import {
  createExecutorTestApp,
  makeJpeg,
  makePng,
  type ExecutorTestApp,
  asProblem,
  asMedia,
  ruleOf,
} from './helpers.js';

const TEMPLATE = {
  name: 'Media',
  steps: [
    { id: 's-ph', type: 'photo', label: 'Photos', photos: { min: 1, max: 1 } },
    { id: 's-sig', type: 'signature', label: 'Sign' },
    { id: 's-yes', type: 'boolean', label: 'Yes?' },
  ],
};

const relative = (url: string) => url.replace(/^https?:\/\/[^/]+/, '');

for (const kind of testDatabaseKinds()) {
  describe(`executor media on ${kind}`, () => {
    let t: ExecutorTestApp;
    let templateId: string;
    let runId: string;
    before(async () => {
      t = await createExecutorTestApp(kind);
      templateId = await t.createTemplate(TEMPLATE);
      runId = await t.dispatch(templateId);
      await t.x('POST', `/x/runs/${runId}/start`, {});
    });
    after(() => t.close());

    const fetchMedia = (url: string) => t.app.inject({ method: 'GET', url: relative(url) });

    it('turns a JPEG upright by its EXIF orientation and strips its metadata, GPS included', async () => {
      const rotated = await sharp(await makeJpeg(200, 100))
        .withMetadata({ orientation: 6 })
        .withExif({ IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1' } })
        .jpeg()
        .toBuffer();
      const original = await sharp(rotated).metadata();
      assert.equal(original.orientation, 6);
      assert.ok(original.exif && original.exif.length > 100, 'the upload carries EXIF');
      const response = await t.upload(runId, 's-ph', rotated);
      assert.equal(response.statusCode, 201, response.body);
      const body = asMedia(response);
      assert.match(body.media_id, /^med-[0-9a-f-]{36}$/);
      assert.deepEqual([body.width, body.height], [100, 200]);
      const full = await fetchMedia(body.url);
      assert.equal(full.statusCode, 200);
      assert.equal(full.headers['content-type'], 'image/jpeg');
      assert.match(String(full.headers['cache-control']), /^private, max-age=\d+/);
      const stored = await sharp(full.rawPayload).metadata();
      assert.deepEqual([stored.width, stored.height], [100, 200]);
      assert.equal(stored.orientation, undefined);
      assert.equal(stored.exif, undefined, 'no EXIF (and so no GPS) is kept');
      // The top-left corner of the upright image is the original's bottom-left: the green stripe now runs along the top.
      const { data } = await sharp(full.rawPayload)
        .extract({ left: 50, top: 5, width: 1, height: 1 })
        .raw()
        .toBuffer({ resolveWithObject: true });
      assert.ok(data[1]! > 180 && data[0]! < 80, `expected green at the top, got ${[...data].join(',')}`);
      const file = path.join(t.mediaDir, 'runs', runId, 's-ph', `${body.media_id}.jpg`);
      assert.ok(fs.existsSync(file), 'the full image is stored on disk under <dataDir>/media');
    });

    it('makes a JPEG thumbnail that fits inside 320×240 and stays near 25 KB even for noisy photos', async () => {
      const noisy = await sharp({
        create: {
          width: 3000,
          height: 4000,
          channels: 3,
          background: '#808080',
          noise: { type: 'gaussian', mean: 128, sigma: 40 },
        },
      })
        .jpeg({ quality: 85 })
        .toBuffer();
      const run = await t.dispatch(templateId);
      await t.x('POST', `/x/runs/${run}/start`, {});
      const body = asMedia(await t.upload(run, 's-ph', noisy));
      const thumb = await fetchMedia(body.thumbnail_url);
      assert.equal(thumb.statusCode, 200);
      assert.equal(thumb.headers['content-type'], 'image/jpeg');
      const meta = await sharp(thumb.rawPayload).metadata();
      assert.equal(meta.format, 'jpeg');
      assert.deepEqual([meta.width, meta.height], [180, 240]);
      assert.ok(thumb.rawPayload.length <= 30_000, `thumbnail is ${thumb.rawPayload.length} bytes`);
    });

    it('takes a signature as PNG only and keeps it a PNG, with a JPEG thumbnail on white', async () => {
      const jpeg = await t.upload(runId, 's-sig', await makeJpeg(100, 50));
      assert.equal(jpeg.statusCode, 415);
      const response = await t.upload(runId, 's-sig', await makePng(), { type: 'image/png' });
      assert.equal(response.statusCode, 201, response.body);
      const full = await fetchMedia(asMedia(response).url);
      assert.equal(full.headers['content-type'], 'image/png');
      assert.equal((await sharp(full.rawPayload).metadata()).format, 'png');
      const thumb = await fetchMedia(asMedia(response).thumbnail_url);
      const pixel = await sharp(thumb.rawPayload)
        .extract({ left: 0, top: 0, width: 1, height: 1 })
        .raw()
        .toBuffer();
      assert.ok(pixel[0]! > 240 && pixel[1]! > 240, 'transparent areas become white, not black');
    });

    it('refuses bodies over 15 MB with 413', async () => {
      const response = await t.upload(runId, 's-ph', Buffer.alloc(15 * 1024 * 1024 + 1));
      assert.equal(response.statusCode, 413);
      assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    });

    it('refuses other content types with 415, HEIC with a message saying to send JPEG', async () => {
      const text = await t.upload(runId, 's-ph', Buffer.from('hello'), { type: 'text/plain' });
      assert.equal(text.statusCode, 415);
      assert.match(asProblem(text).detail, /image\/jpeg or image\/png/);
      const heic = await t.upload(runId, 's-ph', Buffer.from('ftypheic'), { type: 'image/heic' });
      assert.equal(heic.statusCode, 415);
      assert.match(asProblem(heic).detail, /HEIC.*JPEG/);
      assert.equal(
        (await t.upload(runId, 's-ph', Buffer.from('GIF89a'), { type: 'image/gif' })).statusCode,
        415,
      );
    });

    it('refuses bytes that are not the image they claim to be', async () => {
      const garbage = await t.upload(runId, 's-ph', Buffer.from('definitely not a jpeg'));
      assert.equal(garbage.statusCode, 415);
      const pngAsJpeg = await t.upload(runId, 's-ph', await makePng());
      assert.equal(pngAsJpeg.statusCode, 415);
      assert.match(asProblem(pngAsJpeg).detail, /png/);
    });

    it('returns the same media for a retried X-Request-Id and stores it once', async () => {
      const run = await t.dispatch(templateId);
      await t.x('POST', `/x/runs/${run}/start`, {});
      const bytes = await makeJpeg(120, 90);
      const first = await t.upload(run, 's-ph', bytes, { requestId: 'up-1' });
      const second = await t.upload(run, 's-ph', bytes, { requestId: 'up-1' });
      assert.equal(first.statusCode, 201);
      assert.equal(second.statusCode, 201);
      assert.equal(second.headers['idempotent-replayed'], 'true');
      assert.equal(asMedia(second).media_id, asMedia(first).media_id);
      const rows = await t.database.db.selectFrom('media').select('id').where('run_id', '=', run).execute();
      assert.equal(rows.length, 1);
      assert.equal(fs.readdirSync(path.join(t.mediaDir, 'runs', run, 's-ph')).length, 1);
    });

    it('refuses uploads to steps without photos, to unstarted runs, and beyond the per-step allowance', async () => {
      const noPhotos = await t.upload(runId, 's-yes', await makeJpeg(10, 10));
      assert.equal(noPhotos.statusCode, 422);
      assert.equal(ruleOf(noPhotos), 'photos_not_allowed');
      const pending = await t.dispatch(templateId);
      assert.equal((await t.upload(pending, 's-ph', await makeJpeg(10, 10))).statusCode, 409);
      const run = await t.dispatch(templateId);
      await t.x('POST', `/x/runs/${run}/start`, {});
      const small = await makeJpeg(16, 16);
      for (let i = 0; i < 11; i++) assert.equal((await t.upload(run, 's-ph', small)).statusCode, 201);
      const over = await t.upload(run, 's-ph', small);
      assert.equal(over.statusCode, 409);
      assert.equal(ruleOf(over), 'max_uploads');
    });

    it('serves media only with a valid, unexpired signature', async () => {
      const body = asMedia(await t.upload(runId, 's-ph', await makeJpeg(50, 50)));
      const url = new URL(body.url);
      const bad = await t.app.inject({
        method: 'GET',
        url: `${url.pathname}?exp=${url.searchParams.get('exp')}&sig=AAAA`,
      });
      assert.equal(bad.statusCode, 403);
      assert.equal(bad.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal((await t.app.inject({ method: 'GET', url: url.pathname })).statusCode, 403);
      const later = Number(url.searchParams.get('exp')) + 1;
      assert.equal(
        (
          await t.app.inject({
            method: 'GET',
            url: `${url.pathname}?exp=${later}&${url.search.split('&')[1]}`,
          })
        ).statusCode,
        403,
      );
      const thumbPath = new URL(body.thumbnail_url).pathname;
      assert.equal(
        (await t.app.inject({ method: 'GET', url: `${thumbPath}${url.search}` })).statusCode,
        403,
        'a signature is for one path',
      );
      assert.equal((await fetchMedia(body.url)).statusCode, 200);
      t.clock.advance(8 * 24 * 3600_000);
      assert.equal((await fetchMedia(body.url)).statusCode, 403, 'media URLs expire (7 days by default)');
      t.clock.advance(-8 * 24 * 3600_000);
    });
  });
}
