/**
 * Media are reachable only through capability URLs: `/media/runs/<run>/<step>/<media>.<ext>?exp=<unix s>&sig=<mac>`
 * where mac = base64url(HMAC-SHA256(instance secret, "<path>\n<exp>")). Nothing is public by a guessable path,
 * and every URL expires (default 7 days); `GET /v1/runs/:id` always mints fresh ones.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface MediaUrlSigner {
  /** An absolute URL for the media file. */
  urlFor(
    media: { id: string; runId: string; stepId: string; contentType: string },
    variant?: 'full' | 'thumbnail',
  ): string;
  /** True when `sig` is valid for `path` and `exp` has not passed. */
  verify(path: string, exp: string | undefined, sig: string | undefined, now: Date): boolean;
}

export function mediaPath(
  media: { id: string; runId: string; stepId: string; contentType: string },
  variant: 'full' | 'thumbnail' = 'full',
): string {
  const ext = variant === 'thumbnail' || media.contentType === 'image/jpeg' ? 'jpg' : 'png';
  const name = variant === 'thumbnail' ? `${media.id}.thumb.${ext}` : `${media.id}.${ext}`;
  return `/media/runs/${media.runId}/${media.stepId}/${name}`;
}

export function createMediaUrlSigner(options: {
  publicUrl: string;
  secret: string;
  ttlSeconds: number;
  now?: () => Date;
}): MediaUrlSigner {
  const mac = (path: string, exp: string) =>
    createHmac('sha256', options.secret).update(`${path}\n${exp}`).digest('base64url');
  const now = options.now ?? (() => new Date());
  return {
    urlFor(media, variant = 'full') {
      const path = mediaPath(media, variant);
      const exp = String(Math.floor(now().getTime() / 1000) + options.ttlSeconds);
      return `${options.publicUrl}${path}?exp=${exp}&sig=${mac(path, exp)}`;
    },
    verify(path, exp, sig, at) {
      if (!exp || !sig || !/^\d+$/.test(exp) || Number(exp) * 1000 < at.getTime()) return false;
      const expected = Buffer.from(mac(path, exp));
      const given = Buffer.from(sig);
      return expected.length === given.length && timingSafeEqual(expected, given);
    },
  };
}
