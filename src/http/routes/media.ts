/**
 * GET /media/runs/:run_id/:step_id/:file — media by capability URL only (see src/media/urls.ts). The
 * signature covers the path and its expiry; a missing, wrong or expired signature answers 403 without
 * looking anything up. `<media_id>.jpg|png` is the full-size image, `<media_id>.thumb.jpg` its thumbnail.
 * Browsers may keep a file privately until its URL expires (at most a day): the bytes never change.
 * Full-size files are streamed from the store; with S3 and `RUNDUN_S3_REDIRECT=true` the answer is
 * instead a 302 to a presigned URL of the object, valid for PRESIGNED_URL_SECONDS (never longer than
 * the signed URL itself), so the bytes do not pass through Rundun. Thumbnails come from the database.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { findMediaFile } from '../../db/media.js';
import { notFound } from '../../domain/errors.js';
import type { MediaStorage } from '../../media/storage.js';
import { mediaPath } from '../../media/urls.js';
import { sendProblem } from '../problems.js';
import { problems } from '../schemas.js';

const FILE_PATTERN = /^(med-[0-9a-f-]{36})(\.thumb)?\.(jpg|png)$/;
const MAX_CACHE_SECONDS = 24 * 3600;
export const PRESIGNED_URL_SECONDS = 300;

const image = { schema: Type.Unsafe({ format: 'binary' }) };

const mediaSchema = {
  tags: ['executor'],
  operationId: 'getMedia',
  summary: 'A stored image by its signed URL (as given in run documents and the executor API)',
  security: [],
  params: Type.Object({ run_id: Type.String(), step_id: Type.String(), file: Type.String() }),
  querystring: Type.Object({
    exp: Type.Optional(Type.String({ description: 'Expiry (unix seconds), part of the signed URL.' })),
    sig: Type.Optional(Type.String({ description: 'Signature, part of the signed URL.' })),
  }),
  response: {
    200: {
      description: 'The image.',
      content: { 'image/jpeg': image, 'image/png': image },
    },
    302: {
      description: 'With S3 and RUNDUN_S3_REDIRECT=true: to a presigned URL of the object.',
      headers: { Location: Type.String() },
    },
    ...problems(403, 404),
  },
};

export function registerMediaRoutes(instance: FastifyInstance, storage: MediaStorage): void {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const ctx = app.ctx;
  app.get('/media/runs/:run_id/:step_id/:file', { schema: mediaSchema }, async (request, reply) => {
    const path = request.url.split('?')[0]!;
    const { exp, sig } = request.query;
    const now = ctx.now();
    if (!ctx.mediaUrls.verify(path, exp, sig, now))
      return sendProblem(
        reply,
        'forbidden',
        'This media link is invalid or has expired. Ask for a fresh one.',
      );
    const { file } = request.params;
    const match = FILE_PATTERN.exec(file);
    const media = match ? await findMediaFile(ctx.db, match[1]!) : undefined;
    const variant = match?.[2] ? 'thumbnail' : 'full';
    if (!media || mediaPath(media, variant) !== path) throw notFound('Media');
    const secondsLeft = Number(exp) - Math.floor(now.getTime() / 1000);
    const maxAge = Math.max(0, Math.min(MAX_CACHE_SECONDS, secondsLeft));
    void reply
      .header('X-Content-Type-Options', 'nosniff')
      .header('Content-Security-Policy', "default-src 'none'")
      .header('Referrer-Policy', 'no-referrer');
    if (variant === 'thumbnail') {
      if (!media.thumbnail) throw notFound('Media');
      return reply
        .header('Content-Type', 'image/jpeg')
        .header('Cache-Control', `private, max-age=${maxAge}, immutable`)
        .send(Buffer.from(media.thumbnail));
    }
    if (storage.presignedUrl) {
      const url = await storage.presignedUrl(media.storageKey, Math.min(PRESIGNED_URL_SECONDS, secondsLeft));
      return reply.header('Cache-Control', 'no-store').redirect(url, 302);
    }
    const stored = await storage.open(media.storageKey);
    if (!stored) throw notFound('Media');
    return reply
      .header('Content-Type', media.contentType)
      .header('Content-Length', stored.bytes)
      .header('Cache-Control', `private, max-age=${maxAge}, immutable`)
      .send(stored.stream);
  });
}
