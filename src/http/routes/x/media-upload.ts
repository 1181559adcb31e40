/**
 * POST /x/runs/:run_id/steps/:step_id/media — the raw image as the body (image/jpeg, or image/png for
 * signatures and screenshots), at most 15 MB. The image is checked, turned upright and stripped of its
 * metadata, stored, and recorded; the answer names it by `media_id`. `X-Request-Id` makes a retried
 * upload return the media the first attempt made.
 *
 * Order, cheapest first, so a refused upload costs little:
 *  1. before the body is read (`onRequest`): the run's upload rate limit (`uploadRateLimitPerRun` a
 *     minute), Content-Length (required, ≤ 15 MB: 411/413), then the run (no lock): found, not expired,
 *     in progress, this person's; a replayed X-Request-Id answers here; the step takes this type and
 *     still has room for another upload;
 *  2. the body is buffered; its first bytes must be a JPEG or PNG of the declared type (src/media/images.ts);
 *  3. decode once and re-encode (slow, a turn of the image work, no transaction open);
 *  4. store the file, then record the row on the locked run, re-checking. A refused or duplicate record
 *     removes the file.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { addMedia, assertStepHasRoom, assertUploadAllowed } from '../../../db/executor-add-media.js';
import { runExpired } from '../../../db/executor-write.js';
import { readRunExpiringIfDue } from '../../../db/expire-run.js';
import { findMediaByRequestId } from '../../../db/media.js';
import { DomainError, notFound } from '../../../domain/errors.js';
import { newId } from '../../../domain/ids.js';
import {
  processUpload,
  setImageConcurrency,
  UPLOAD_CONTENT_TYPES,
  type UploadContentType,
} from '../../../media/images.js';
import { mediaStorageKey, type MediaStorage } from '../../../media/storage.js';
import { sendProblem } from '../../problems.js';
import { MINUTE_MS, RateLimiter, rateLimited } from '../../rate-limiter.js';
import { problems } from '../../schemas.js';
import { mediaTypeOf } from './guard.js';
import { toMediaView } from './run-view.js';
import { MediaViewSchema, StepParamsSchema } from './reply-schemas.js';
import type { StepParams } from './schemas.js';
import type { User } from '../../../db/users.js';
import { findRequestUser } from './session.js';

export const MEDIA_BODY_LIMIT_BYTES = 15 * 1024 * 1024;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

function readRequestId(header: string | string[] | undefined): string | null {
  if (header === undefined) return null;
  if (typeof header !== 'string' || !REQUEST_ID.test(header))
    throw new DomainError(
      'invalid_request',
      'X-Request-Id must be 1 to 100 characters of A-Z a-z 0-9 . _ : -',
      [{ pointer: '/headers/x-request-id', rule: 'pattern', message: 'invalid request id' }],
    );
  return header;
}

/** The session's user as step 1 read it, for the handler. */
const users = new WeakMap<FastifyRequest, User | null>();

function declaredLength(request: FastifyRequest): number | undefined {
  const header = request.headers['content-length'];
  return header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined;
}

/** Step 1 above: everything that can refuse the upload before its body is read. */
async function checkBeforeBody(request: FastifyRequest, reply: FastifyReply, uploads: RateLimiter) {
  const ctx = request.server.ctx;
  const { run_id: runId, step_id: stepId } = request.params as StepParams;
  const wait = uploads.hit(runId, ctx.now().getTime());
  if (wait > 0) throw rateLimited('Too many uploads for this checklist; wait and retry.', wait);
  const length = declaredLength(request);
  if (length === undefined)
    return sendProblem(reply, 'invalid_request', 'Send the image with a Content-Length.', undefined, 411);
  if (length > MEDIA_BODY_LIMIT_BYTES)
    return sendProblem(
      reply,
      'payload_too_large',
      'The image is larger than the 15 MB this endpoint accepts.',
    );
  const requestId = readRequestId(request.headers['x-request-id']);
  const user = await findRequestUser(request);
  users.set(request, user);
  const row = await readRunExpiringIfDue(ctx.db, runId, ctx.now());
  if (!row) throw notFound('Run');
  if (row.status === 'expired') throw runExpired();
  const earlier = requestId ? await findMediaByRequestId(ctx.db, runId, requestId) : undefined;
  if (earlier) return reply.code(201).header('Idempotent-Replayed', 'true').send(toMediaView(ctx, earlier));
  const step = await assertUploadAllowed(ctx.db, row, stepId, mediaTypeOf(request), user?.id ?? null);
  await assertStepHasRoom(ctx.db, row, step);
}

/**
 * The raw image bytes. No `type`: the body arrives as a Buffer, which a JSON Schema `string` would
 * refuse; `format` applies to strings only, so the schema documents the body and checks nothing.
 */
const ImageBody = Type.Unsafe<Buffer>({
  format: 'binary',
  description: 'The image file itself (JPEG or PNG), at most 15 MB, with its Content-Length.',
});

const UploadHeaders = Type.Object({
  'x-request-id': Type.Optional(
    Type.String({
      pattern: REQUEST_ID.source,
      description: 'Client-made id of the upload: a retry with the same id answers the media it made.',
    }),
  ),
});

export function registerMediaUploadRoute(instance: FastifyInstance, storage: MediaStorage): void {
  const x = instance.withTypeProvider<TypeBoxTypeProvider>();
  const ctx = x.ctx;
  const uploads = new RateLimiter(ctx.config.uploadRateLimitPerRun, MINUTE_MS);
  setImageConcurrency(ctx.config.imageConcurrency);
  x.addContentTypeParser(
    [...UPLOAD_CONTENT_TYPES],
    { parseAs: 'buffer', bodyLimit: MEDIA_BODY_LIMIT_BYTES },
    (_request, body, done) => done(null, body),
  );

  x.post(
    '/runs/:run_id/steps/:step_id/media',
    {
      bodyLimit: MEDIA_BODY_LIMIT_BYTES,
      config: { bodyTypes: UPLOAD_CONTENT_TYPES },
      onRequest: (request, reply) => checkBeforeBody(request, reply, uploads),
      schema: {
        tags: ['executor'],
        operationId: 'uploadMedia',
        summary: 'Upload a photo (image/jpeg or image/png) or a signature (image/png), ≤ 15 MB',
        security: [],
        consumes: [...UPLOAD_CONTENT_TYPES],
        params: StepParamsSchema,
        headers: UploadHeaders,
        body: ImageBody,
        response: {
          201: MediaViewSchema,
          ...problems(400, 403, 404, 409, 410, 411, 413, 415, 422, 429),
        },
      },
    },
    async (request, reply) => {
      const { run_id: runId, step_id: stepId } = request.params;
      const contentType = mediaTypeOf(request) as UploadContentType;
      const requestId = readRequestId(request.headers['x-request-id']);
      const user = users.get(request) ?? null;
      const image = await processUpload(request.body, contentType);
      const mediaId = newId('med');
      const storageKey = mediaStorageKey({ id: mediaId, runId, stepId, contentType });
      await storage.put(storageKey, image.bytes, contentType);
      const recorded = await addMedia(ctx.db, {
        runId,
        stepId,
        mediaId,
        requestId,
        storageKey,
        contentType,
        bytes: image.bytes.length,
        width: image.width,
        height: image.height,
        thumbnail: image.thumbnail,
        thumbnailWidth: image.thumbnailWidth,
        thumbnailHeight: image.thumbnailHeight,
        sessionUserId: user?.id ?? null,
        now: ctx.now(),
      }).catch(async (error: unknown) => {
        await storage.delete(storageKey);
        throw error;
      });
      if (recorded.replayed) {
        await storage.delete(storageKey);
        void reply.header('Idempotent-Replayed', 'true');
      }
      return reply.code(201).send(toMediaView(ctx, recorded.media));
    },
  );
}
