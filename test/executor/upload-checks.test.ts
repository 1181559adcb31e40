/**
 * Uploads are checked before the work: the run, the step and its room before the body is read, the
 * bytes' type before any decoder sees them, one decode per upload, a cap on image work at once.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { UPLOAD_RETAKE_ALLOWANCE } from '../../src/domain/answers.js';
import { imageDecodes, sniffImageType } from '../../src/media/images.js';
import { Semaphore } from '../../src/media/semaphore.js';
import { testDatabaseKinds } from '../helpers/database.js';
import { asProblem, createExecutorTestApp, makeJpeg, ruleOf, type ExecutorTestApp } from './helpers.js';

const TEMPLATE = {
  name: 'Uploads',
  steps: [
    { id: 's-ph', type: 'photo', label: 'Photo', photos: { min: 1, max: 1 } },
    { id: 's-yes', type: 'boolean', label: 'Yes?' },
  ],
};

const SVG = Buffer.from(
  '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="20000" height="20000"><rect width="100%" height="100%"/></svg>',
);

/** Sends only the request head of an upload and returns the status line the server answers with. */
function statusBeforeBody(port: number, path: string, length: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/jpeg\r\nContent-Length: ${length}\r\n\r\n`,
      );
    });
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (text.includes('\r\n')) {
        socket.destroy();
        resolve(text.split('\r\n')[0]!);
      }
    });
    socket.on('error', reject);
    socket.setTimeout(5_000, () => reject(new Error('no answer before the body was sent')));
  });
}

for (const kind of testDatabaseKinds()) {
  describe(`upload checks on ${kind}`, () => {
    let t: ExecutorTestApp;
    let runId: string;
    let port: number;
    before(async () => {
      t = await createExecutorTestApp(kind, { uploadRateLimitPerRun: 20 });
      runId = await t.dispatch(await t.createTemplate(TEMPLATE));
      await t.x('POST', `/x/runs/${runId}/start`, {});
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      port = (t.app.server.address() as net.AddressInfo).port;
    });
    after(() => t.close());

    it('refuses SVG and TIFF bodies from their bytes, before any decode', async () => {
      const tiff = await sharp(await makeJpeg(40, 40))
        .tiff()
        .toBuffer();
      const decodes = imageDecodes;
      for (const [bytes, what] of [
        [SVG, /SVG/],
        [tiff, /TIFF/],
      ] as const) {
        const response = await t.upload(runId, 's-ph', bytes, { type: 'image/jpeg' });
        assert.equal(response.statusCode, 415);
        assert.match(asProblem(response).detail, what);
      }
      assert.equal(imageDecodes, decodes, 'nothing was decoded');
    });

    it('decodes an accepted upload once', async () => {
      const decodes = imageDecodes;
      const response = await t.upload(runId, 's-ph', await makeJpeg(320, 240));
      assert.equal(response.statusCode, 201, response.body);
      assert.equal(imageDecodes, decodes + 1);
    });

    it('answers a full step, a finished run and an oversized length before the body is sent', async () => {
      const path = `/x/runs/${runId}/steps/s-ph/media`;
      // s-ph holds its one photo plus the retake allowance; one is there already.
      for (let i = 1; i < 1 + UPLOAD_RETAKE_ALLOWANCE; i++)
        await t.upload(runId, 's-ph', await makeJpeg(64, 48));
      assert.equal(ruleOf(await t.upload(runId, 's-ph', await makeJpeg(64, 48))), 'max_uploads');
      assert.match(await statusBeforeBody(port, path, 5_000_000), / 409 /);
      assert.match(await statusBeforeBody(port, path, 16 * 1024 * 1024), / 413 /);
      assert.match(await statusBeforeBody(port, `/x/runs/${runId}/steps/s-yes/media`, 1000), / 422 /);
      const finished = await t.dispatch(await t.createTemplate(TEMPLATE));
      await t.x('POST', `/x/runs/${finished}/start`, {});
      assert.equal((await t.x('POST', `/x/runs/${finished}/submit`, {})).statusCode, 200);
      assert.match(await statusBeforeBody(port, `/x/runs/${finished}/steps/s-ph/media`, 1000), / 409 /);
    });

    it('limits uploads per run with 429 and Retry-After', async () => {
      const other = await t.dispatch(await t.createTemplate(TEMPLATE));
      const statuses: number[] = [];
      for (let i = 0; i < 22; i++) statuses.push((await t.upload(other, 's-ph', SVG)).statusCode);
      // The run was never started: 409 within the limit, 429 after it.
      assert.deepEqual(statuses, [...Array<number>(20).fill(409), 429, 429]);
      assert.ok(Number((await t.upload(other, 's-ph', SVG)).headers['retry-after']) >= 1);
    });
  });
}

describe('image type sniffing and the image work cap', () => {
  it('names JPEG and PNG by their signatures and everything else by what it is', async () => {
    assert.equal(sniffImageType(await makeJpeg(8, 8)), 'image/jpeg');
    assert.equal(
      sniffImageType(
        await sharp(await makeJpeg(8, 8))
          .png()
          .toBuffer(),
      ),
      'image/png',
    );
    assert.match(
      sniffImageType(
        await sharp(await makeJpeg(8, 8))
          .gif()
          .toBuffer(),
      ),
      /GIF/,
    );
    assert.match(
      sniffImageType(
        await sharp(await makeJpeg(8, 8))
          .webp()
          .toBuffer(),
      ),
      /WebP/,
    );
    assert.match(sniffImageType(SVG), /SVG/);
    assert.match(sniffImageType(Buffer.from('  <svg/>')), /SVG/);
    assert.match(sniffImageType(Buffer.alloc(0)), /not a JPEG or PNG/);
  });

  it('runs at most its limit of tasks at once', async () => {
    const semaphore = new Semaphore(2);
    let active = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 8 }, () =>
        semaphore.run(async () => {
          most = Math.max(most, ++active);
          await new Promise((resolve) => setTimeout(resolve, 5));
          active--;
        }),
      ),
    );
    assert.equal(most, 2);
  });
});
