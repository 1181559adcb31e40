import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { request } from 'undici';
import { createS3Storage, S3RequestError } from '../../src/media/s3-storage.js';
import { readMedia } from '../../src/media/storage.js';
import { asMedia, createExecutorTestApp, makeJpeg, type ExecutorTestApp } from '../executor/helpers.js';
import { startS3Server, type TestS3Server } from '../helpers/s3-server.js';

const relative = (url: string) => url.replace(/^https?:\/\/[^/]+/, '');
const TEMPLATE = { name: 'S3 media', steps: [{ id: 's-ph', type: 'photo', label: 'Photos' }] };

describe('S3 media storage against a real S3-protocol server', () => {
  let s3: TestS3Server;
  before(async () => {
    s3 = await startS3Server();
  });
  after(() => s3.close());

  it('puts buffers and streams, reads them back, sizes and deletes them, under its prefix', async () => {
    const store = createS3Storage(s3.configFor('tenant-a/'));
    const root = createS3Storage(s3.configFor(''));
    const bytes = Buffer.from('a photo, as far as S3 can tell');
    await store.put('runs/r-1/s-1/med-1.jpg', bytes, 'image/jpeg');
    assert.deepEqual(await readMedia(store, 'runs/r-1/s-1/med-1.jpg'), bytes);
    assert.equal(await store.size('runs/r-1/s-1/med-1.jpg'), bytes.length);
    assert.deepEqual(
      await readMedia(root, 'tenant-a/runs/r-1/s-1/med-1.jpg'),
      bytes,
      'keys carry the prefix',
    );
    assert.equal(await root.size('runs/r-1/s-1/med-1.jpg'), undefined);

    const streamed = Buffer.alloc(300_000, 7);
    await store.put(
      'runs/r-1/s-1/med-2.png',
      { stream: Readable.from([streamed]), bytes: streamed.length },
      'image/png',
    );
    const opened = await store.open('runs/r-1/s-1/med-2.png');
    assert.equal(opened?.bytes, streamed.length);
    opened?.stream.destroy();
    assert.deepEqual(await readMedia(store, 'runs/r-1/s-1/med-2.png'), streamed);

    await store.delete('runs/r-1/s-1/med-1.jpg');
    assert.equal(await store.open('runs/r-1/s-1/med-1.jpg'), undefined);
    await store.delete('runs/r-1/s-1/med-1.jpg');
    await assert.rejects(store.open('../escape.jpg'), /Invalid media storage key/);
  });

  it('fails with the S3 error code when the store refuses', async () => {
    const store = createS3Storage({ ...s3.configFor(''), bucket: 'no-such-bucket' });
    await assert.rejects(store.put('runs/r/s/m.jpg', Buffer.from('x'), 'image/jpeg'), (error) => {
      assert.ok(error instanceof S3RequestError);
      assert.equal(error.status, 404);
      assert.equal(error.code, 'NoSuchBucket');
      return true;
    });
  });

  // s3rver does not check SigV4 signatures, so the signing is checked against AWS's own published
  // example of a presigned URL (S3 API reference, "Authenticating Requests: Using Query Parameters").
  it('presigns URLs exactly as AWS documents them, virtual-hosted style', async () => {
    const store = createS3Storage(
      {
        bucket: 'examplebucket',
        prefix: '',
        endpoint: 'https://s3.amazonaws.com',
        region: 'us-east-1',
        forcePathStyle: false,
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        sessionToken: undefined,
        redirect: true,
      },
      () => new Date('2013-05-24T00:00:00Z'),
    );
    const url = new URL(await store.presignedUrl!('test.txt', 86400));
    assert.equal(`${url.origin}${url.pathname}`, 'https://examplebucket.s3.amazonaws.com/test.txt');
    assert.equal(
      url.searchParams.get('X-Amz-Credential'),
      'AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request',
    );
    assert.equal(url.searchParams.get('X-Amz-SignedHeaders'), 'host');
    assert.equal(
      url.searchParams.get('X-Amz-Signature'),
      'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
    );
  });

  describe('through the app', () => {
    let t: ExecutorTestApp;
    let redirecting: ExecutorTestApp;
    before(async () => {
      t = await createExecutorTestApp('pglite', { mediaStore: 's3', s3: s3.configFor('app/') });
      redirecting = await createExecutorTestApp('pglite', {
        mediaStore: 's3',
        s3: s3.configFor('redirect/', { redirect: true }),
      });
    });
    after(async () => {
      await t.close();
      await redirecting.close();
    });

    it('stores uploads in the bucket, not on disk, and serves them through the signed URLs', async () => {
      const run = await t.dispatch(await t.createTemplate(TEMPLATE));
      await t.x('POST', `/x/runs/${run}/start`, {});
      const upload = await t.upload(run, 's-ph', await makeJpeg(320, 200), { requestId: 'up-1' });
      assert.equal(upload.statusCode, 201, upload.body);
      const media = asMedia(upload);
      const again = await t.upload(run, 's-ph', await makeJpeg(320, 200), { requestId: 'up-1' });
      assert.equal(asMedia(again).media_id, media.media_id);
      assert.equal(fs.existsSync(t.mediaDir), false, 'nothing is written to the local disk');

      const bucket = createS3Storage(s3.configFor('app/'));
      const key = `runs/${run}/s-ph/${media.media_id}.jpg`;
      const stored = await readMedia(bucket, key);
      assert.ok(stored, 'the full image is in the bucket under the prefix');
      const full = await t.app.inject({ method: 'GET', url: relative(media.url) });
      assert.equal(full.statusCode, 200);
      assert.equal(full.headers['content-type'], 'image/jpeg');
      assert.equal(Number(full.headers['content-length']), stored.length);
      assert.deepEqual(full.rawPayload, stored);
      assert.deepEqual([(await sharp(full.rawPayload).metadata()).width], [320]);
      const thumb = await t.app.inject({ method: 'GET', url: relative(media.thumbnail_url) });
      assert.equal(thumb.statusCode, 200);

      await bucket.delete(key);
      assert.equal((await t.app.inject({ method: 'GET', url: relative(media.url) })).statusCode, 404);
    });

    it('answers a signed URL with a redirect to a short-lived presigned URL when configured', async () => {
      const app = redirecting;
      const run = await app.dispatch(await app.createTemplate(TEMPLATE));
      await app.x('POST', `/x/runs/${run}/start`, {});
      const media = asMedia(await app.upload(run, 's-ph', await makeJpeg(64, 64)));
      const forbidden = await app.app.inject({ method: 'GET', url: new URL(media.url).pathname });
      assert.equal(forbidden.statusCode, 403, 'the signed URL is still required');
      const response = await app.app.inject({ method: 'GET', url: relative(media.url) });
      assert.equal(response.statusCode, 302);
      assert.equal(response.headers['cache-control'], 'no-store');
      const location = new URL(String(response.headers.location));
      assert.equal(location.origin, s3.endpoint);
      assert.ok(Number(location.searchParams.get('X-Amz-Expires')) <= 300);
      const fetched = await request(location);
      assert.equal(fetched.statusCode, 200);
      assert.equal(fetched.headers['content-type'], 'image/jpeg');
      const bytes = Buffer.from(await fetched.body.arrayBuffer());
      assert.equal((await sharp(bytes).metadata()).width, 64);
    });
  });
});
