/**
 * Photos and signatures through the executor API, on every media store (the disk, and S3 through a
 * real S3-protocol server) and every database: what is stored is what the signed URLs give back, and
 * a refused upload leaves nothing stored.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { UPLOAD_RETAKE_ALLOWANCE } from '../../src/domain/answers.js';
import { testDatabaseKinds } from '../helpers/database.js';
import { startS3Server, type TestS3Server } from '../helpers/s3-server.js';
import {
  createExecutorTestApp,
  makeJpeg,
  makePng,
  MEDIA_STORES,
  type ExecutorTestApp,
  type MediaBody,
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
const keyOf = (runId: string, stepId: string, media: MediaBody) =>
  `runs/${runId}/${stepId}/${media.media_id}.${media.content_type === 'image/png' ? 'png' : 'jpg'}`;

for (const store of MEDIA_STORES)
  for (const kind of testDatabaseKinds()) {
    describe(`executor media on ${kind} with the ${store} store`, () => {
      let s3: TestS3Server | undefined;
      let t: ExecutorTestApp;
      let templateId: string;
      let runId: string;
      before(async () => {
        if (store === 's3') s3 = await startS3Server();
        t = await createExecutorTestApp(kind, {}, s3 ? { s3 } : {});
        templateId = await t.createTemplate(TEMPLATE);
        runId = await t.dispatch(templateId);
        await t.x('POST', `/x/runs/${runId}/start`, {});
      });
      after(async () => {
        await t.close();
        await s3?.close();
      });

      const fetchMedia = (url: string) => t.app.inject({ method: 'GET', url: relative(url) });
      /** Reads the full image back through its signed URL and checks it is the stored object, byte for byte. */
      async function assertServedAsStored(run: string, stepId: string, media: MediaBody): Promise<Buffer> {
        const key = keyOf(run, stepId, media);
        const stored = await t.readStored(key);
        assert.ok(stored, `${key} is in the ${store} store`);
        const full = await fetchMedia(media.url);
        assert.equal(full.statusCode, 200, full.body);
        assert.equal(full.headers['content-type'], media.content_type);
        assert.equal(Number(full.headers['content-length']), stored.length);
        assert.ok(full.rawPayload.equals(stored), 'the signed URL serves the stored bytes');
        return full.rawPayload;
      }
      /** Runs `refuse` and checks the store holds the same keys, and the database the same media rows, after. */
      async function assertStoresNothing(refuse: () => Promise<void>): Promise<void> {
        const keys = await t.storedKeys();
        const rows = await t.database.db.selectFrom('media').select('id').execute();
        await refuse();
        assert.deepEqual(await t.storedKeys(), keys, 'nothing was stored');
        assert.equal((await t.database.db.selectFrom('media').select('id').execute()).length, rows.length);
      }

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
        assert.deepEqual(await t.storedKeys(), [keyOf(runId, 's-ph', body)], 'one object, under its key');
        if (store === 's3') assert.equal(fs.existsSync(t.mediaDir), false, 'nothing is written to the disk');
        const served = await assertServedAsStored(runId, 's-ph', body);
        const full = await fetchMedia(body.url);
        assert.match(String(full.headers['cache-control']), /^private, max-age=\d+/);
        const stored = await sharp(served).metadata();
        assert.deepEqual([stored.width, stored.height], [100, 200]);
        assert.equal(stored.orientation, undefined);
        assert.equal(stored.exif, undefined, 'no EXIF (and so no GPS) is kept');
        // The top-left corner of the upright image is the original's bottom-left: the green stripe now runs along the top.
        const { data } = await sharp(served)
          .extract({ left: 50, top: 5, width: 1, height: 1 })
          .raw()
          .toBuffer({ resolveWithObject: true });
        assert.ok(data[1]! > 180 && data[0]! < 80, `expected green at the top, got ${[...data].join(',')}`);
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
        const full = await sharp(await assertServedAsStored(run, 's-ph', body)).metadata();
        assert.deepEqual([full.width, full.height], [3000, 4000], 'the full image keeps its size');
        const thumb = await fetchMedia(body.thumbnail_url);
        assert.equal(thumb.statusCode, 200);
        assert.equal(thumb.headers['content-type'], 'image/jpeg');
        const meta = await sharp(thumb.rawPayload).metadata();
        assert.equal(meta.format, 'jpeg');
        assert.deepEqual([meta.width, meta.height], [180, 240]);
        assert.ok(thumb.rawPayload.length <= 30_000, `thumbnail is ${thumb.rawPayload.length} bytes`);
      });

      it('takes a signature as PNG only and keeps it a PNG, with a JPEG thumbnail on white', async () => {
        await assertStoresNothing(async () => {
          const jpeg = await t.upload(runId, 's-sig', await makeJpeg(100, 50));
          assert.equal(jpeg.statusCode, 415);
        });
        const response = await t.upload(runId, 's-sig', await makePng(), { type: 'image/png' });
        assert.equal(response.statusCode, 201, response.body);
        const served = await assertServedAsStored(runId, 's-sig', asMedia(response));
        assert.equal((await sharp(served).metadata()).format, 'png');
        const thumb = await fetchMedia(asMedia(response).thumbnail_url);
        const pixel = await sharp(thumb.rawPayload)
          .extract({ left: 0, top: 0, width: 1, height: 1 })
          .raw()
          .toBuffer();
        assert.ok(pixel[0]! > 240 && pixel[1]! > 240, 'transparent areas become white, not black');
      });

      it('gives a completed run photo and signature URLs, in its document and run.completed, that read back what was stored', async () => {
        const run = await t.dispatch(templateId);
        await t.x('POST', `/x/runs/${run}/start`, {});
        const photo = asMedia(await t.upload(run, 's-ph', await makeJpeg(240, 180)));
        const signature = asMedia(await t.upload(run, 's-sig', await makePng(), { type: 'image/png' }));
        for (const [stepId, body] of [
          ['s-ph', { answer: null, media_ids: [photo.media_id] }],
          ['s-sig', { answer: signature.media_id }],
          ['s-yes', { answer: true }],
        ] as const) {
          const put = await t.x('PUT', `/x/runs/${run}/steps/${stepId}`, body);
          assert.equal(put.statusCode, 200, put.body);
        }
        assert.equal((await t.x('POST', `/x/runs/${run}/submit`, {})).statusCode, 200);
        type Answers = Record<
          string,
          { answer: unknown; photos: { url: string; thumbnail_url?: string | null }[] }
        >;
        const document = await t.api({ method: 'GET', url: `/v1/runs/${run}` });
        assert.equal(document.statusCode, 200, document.body);
        const events = await t.events(run);
        const completed = events.at(-1)!;
        assert.equal(completed.type, 'run.completed');
        const storedPhoto = await t.readStored(keyOf(run, 's-ph', photo));
        const storedSignature = await t.readStored(keyOf(run, 's-sig', signature));
        for (const answers of [
          document.json<{ answers: Answers }>().answers,
          (completed.envelope.data as { answers: Answers }).answers,
        ]) {
          const [listed] = answers['s-ph']!.photos;
          const full = await fetchMedia(listed!.url);
          assert.equal(full.statusCode, 200);
          assert.ok(
            storedPhoto && full.rawPayload.equals(storedPhoto),
            'the photo URL gives the stored bytes',
          );
          const signed = await fetchMedia(String(answers['s-sig']!.answer));
          assert.equal(signed.statusCode, 200);
          assert.ok(
            storedSignature && signed.rawPayload.equals(storedSignature),
            'so does the signature URL',
          );
        }
        const [listed] = document.json<{ answers: Answers }>().answers['s-ph']!.photos;
        const thumb = await fetchMedia(listed!.thumbnail_url!);
        assert.equal(thumb.statusCode, 200);
        const { width, height } = await sharp(thumb.rawPayload).metadata();
        assert.deepEqual([width, height], [240, 180]);
        const stepCompleted = events.find(
          (e) => e.type === 'step.completed' && (e.envelope.data as { step_id: string }).step_id === 's-ph',
        );
        const [preview] = (stepCompleted!.envelope.data as { photos: { preview: string }[] }).photos;
        assert.equal(preview!.preview, `data:image/jpeg;base64,${thumb.rawPayload.toString('base64')}`);
      });

      it('refuses bodies over 15 MB with 413 and stores nothing', async () => {
        await assertStoresNothing(async () => {
          const response = await t.upload(runId, 's-ph', Buffer.alloc(15 * 1024 * 1024 + 1));
          assert.equal(response.statusCode, 413);
          assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
        });
      });

      it('refuses other content types with 415, HEIC with a message saying to send JPEG, and stores nothing', async () => {
        await assertStoresNothing(async () => {
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
      });

      it('refuses bytes that are not the image they claim to be, and stores nothing', async () => {
        await assertStoresNothing(async () => {
          const garbage = await t.upload(runId, 's-ph', Buffer.from('definitely not a jpeg'));
          assert.equal(garbage.statusCode, 415);
          const pngAsJpeg = await t.upload(runId, 's-ph', await makePng());
          assert.equal(pngAsJpeg.statusCode, 415);
          assert.match(asProblem(pngAsJpeg).detail, /png/);
        });
      });

      it('returns the same media for a retried X-Request-Id and stores it once, retries at once included', async () => {
        const run = await t.dispatch(templateId);
        await t.x('POST', `/x/runs/${run}/start`, {});
        const bytes = await makeJpeg(120, 90);
        const first = await t.upload(run, 's-ph', bytes, { requestId: 'up-1' });
        const second = await t.upload(run, 's-ph', bytes, { requestId: 'up-1' });
        assert.equal(first.statusCode, 201);
        assert.equal(second.statusCode, 201);
        assert.equal(second.headers['idempotent-replayed'], 'true');
        assert.equal(asMedia(second).media_id, asMedia(first).media_id);
        // Sent together, both pass the first look-up and store a file; the one recorded second removes its own.
        const together = await Promise.all(
          [1, 2, 3].map(() => t.upload(run, 's-ph', bytes, { requestId: 'up-2' })),
        );
        assert.deepEqual(
          together.map((r) => r.statusCode),
          [201, 201, 201],
        );
        assert.equal(new Set(together.map((r) => asMedia(r).media_id)).size, 1);
        const rows = await t.database.db.selectFrom('media').select('id').where('run_id', '=', run).execute();
        assert.equal(rows.length, 2);
        const keys = (await t.storedKeys()).filter((key) => key.startsWith(`runs/${run}/`));
        assert.deepEqual(
          keys,
          [keyOf(run, 's-ph', asMedia(first)), keyOf(run, 's-ph', asMedia(together[0]!))].sort(),
        );
        await assertServedAsStored(run, 's-ph', asMedia(together[0]!));
      });

      it('refuses uploads to steps without photos, to unstarted runs, and beyond the per-step allowance, storing nothing', async () => {
        await assertStoresNothing(async () => {
          const noPhotos = await t.upload(runId, 's-yes', await makeJpeg(10, 10));
          assert.equal(noPhotos.statusCode, 422);
          assert.equal(ruleOf(noPhotos), 'photos_not_allowed');
          const pending = await t.dispatch(templateId);
          assert.equal((await t.upload(pending, 's-ph', await makeJpeg(10, 10))).statusCode, 409);
        });
        const run = await t.dispatch(templateId);
        await t.x('POST', `/x/runs/${run}/start`, {});
        const small = await makeJpeg(16, 16);
        const room = 1 + UPLOAD_RETAKE_ALLOWANCE;
        for (let i = 0; i < room; i++) assert.equal((await t.upload(run, 's-ph', small)).statusCode, 201);
        await assertStoresNothing(async () => {
          const over = await t.upload(run, 's-ph', small);
          assert.equal(over.statusCode, 409);
          assert.equal(ruleOf(over), 'max_uploads');
        });
      });

      it('keeps only the uploads the step has room for when they arrive at once', async () => {
        const run = await t.dispatch(templateId);
        await t.x('POST', `/x/runs/${run}/start`, {});
        const room = 1 + UPLOAD_RETAKE_ALLOWANCE;
        const small = await makeJpeg(16, 16);
        const responses = await Promise.all(
          Array.from({ length: room + 4 }, () => t.upload(run, 's-ph', small)),
        );
        const accepted = responses.filter((r) => r.statusCode === 201).map(asMedia);
        assert.equal(accepted.length, room, responses.map((r) => r.statusCode).join(','));
        for (const refused of responses.filter((r) => r.statusCode !== 201))
          assert.equal(ruleOf(refused), 'max_uploads');
        // Those refused on the locked run after their file was stored removed it.
        assert.deepEqual(
          (await t.storedKeys()).filter((key) => key.startsWith(`runs/${run}/`)),
          accepted.map((media) => keyOf(run, 's-ph', media)).sort(),
        );
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
        await assertServedAsStored(runId, 's-ph', body);
        t.clock.advance(8 * 24 * 3600_000);
        assert.equal((await fetchMedia(body.url)).statusCode, 403, 'media URLs expire (7 days by default)');
        t.clock.advance(-8 * 24 * 3600_000);
      });
    });
  }
