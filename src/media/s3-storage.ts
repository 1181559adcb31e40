/**
 * Media in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, R2, …), reached with plain signed HTTP:
 * aws4fetch's SigV4 signer (one 96 KB file, no dependencies) and undici, which the worker already uses.
 * The AWS SDK v3 S3 client would add 23 MB and 38 packages, ~130–190 ms to the start of every process,
 * and announces that its releases from January 2027 need Node 22 (docs/operations.md, "Object storage").
 *
 * - `put` sends the bytes in one PUT with their length; a buffer is signed with its SHA-256 (S3
 *   refuses a body that does not match), a stream is sent as it is read, unsigned-payload.
 * - `open` streams the object back; 404 is "not there".
 * - Nothing is made public: objects carry no ACL, and `presignedUrl` signs a GET valid for a few minutes.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { AwsV4Signer } from 'aws4fetch';
import { Agent, request, type Dispatcher } from 'undici';
import type { S3Config } from '../config.js';
import { assertMediaKey } from './media-keys.js';
import type { MediaStorage } from './storage.js';

const S3_TIMEOUT_MS = 30_000;
const S3_CONNECTIONS = 32;
/** How much of an S3 error body is kept for the message (it is XML naming the code). */
const ERROR_BODY_BYTES = 2048;

export class S3RequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    operation: string,
  ) {
    super(`S3 ${operation} answered ${status}${code ? ` ${code}` : ''}`);
    this.name = 'S3RequestError';
  }
}

/** `now` is for tests that check signatures against AWS's published examples. */
export function createS3Storage(config: S3Config, now: () => Date = () => new Date()): MediaStorage {
  const dispatcher = new Agent({
    connections: S3_CONNECTIONS,
    headersTimeout: S3_TIMEOUT_MS,
    bodyTimeout: S3_TIMEOUT_MS,
  });
  const objectUrl = (key: string) => {
    assertMediaKey(key);
    const path = `${config.prefix}${key}`.split('/').map(encodeURIComponent).join('/');
    if (config.forcePathStyle) return `${config.endpoint}/${encodeURIComponent(config.bucket)}/${path}`;
    const base = new URL(config.endpoint);
    return `${base.protocol}//${config.bucket}.${base.host}/${path}`;
  };
  const signer = (init: { method: string; url: string; headers?: Record<string, string>; query?: boolean }) =>
    new AwsV4Signer({
      method: init.method,
      url: init.url,
      headers: init.headers ?? {},
      accessKeyId: config.accessKeyId,
      secretAccessKey: config.secretAccessKey,
      ...(config.sessionToken ? { sessionToken: config.sessionToken } : {}),
      service: 's3',
      region: config.region,
      datetime: now()
        .toISOString()
        .replace(/[:-]|\.\d{3}/g, ''),
      ...(init.query ? { signQuery: true } : {}),
    });

  async function send(
    operation: string,
    method: 'GET' | 'HEAD' | 'PUT' | 'DELETE',
    key: string,
    headers: Record<string, string>,
    body?: Buffer | Readable,
  ): Promise<Dispatcher.ResponseData> {
    const signed = await signer({ method, url: objectUrl(key), headers }).sign();
    const response = await request(signed.url, {
      method,
      headers: Object.fromEntries(signed.headers),
      ...(body ? { body } : {}),
      dispatcher,
    });
    if (response.statusCode < 300 || (response.statusCode === 404 && method !== 'PUT')) return response;
    throw new S3RequestError(response.statusCode, await errorCodeOf(response), operation);
  }

  return {
    kind: 's3',
    async put(key, body, contentType) {
      const buffered = Buffer.isBuffer(body);
      const headers = {
        'content-type': contentType,
        'content-length': String(buffered ? body.length : body.bytes),
        'x-amz-content-sha256': buffered
          ? createHash('sha256').update(body).digest('hex')
          : 'UNSIGNED-PAYLOAD',
      };
      const response = await send('PutObject', 'PUT', key, headers, buffered ? body : body.stream);
      await response.body.dump();
    },
    async open(key) {
      const response = await send('GetObject', 'GET', key, {});
      if (response.statusCode === 404) {
        await response.body.dump();
        return undefined;
      }
      const length = Number(response.headers['content-length']);
      return { stream: response.body, bytes: length };
    },
    async size(key) {
      const response = await send('HeadObject', 'HEAD', key, {});
      await response.body.dump();
      return response.statusCode === 404 ? undefined : Number(response.headers['content-length']);
    },
    async delete(key) {
      const response = await send('DeleteObject', 'DELETE', key, {});
      await response.body.dump();
    },
    ...(config.redirect
      ? {
          async presignedUrl(key: string, expiresInSeconds: number) {
            const url = new URL(objectUrl(key));
            url.searchParams.set('X-Amz-Expires', String(Math.max(1, Math.floor(expiresInSeconds))));
            const signed = await signer({ method: 'GET', url: url.href, query: true }).sign();
            return signed.url.href;
          },
        }
      : {}),
  };
}

async function errorCodeOf(response: Dispatcher.ResponseData): Promise<string | undefined> {
  let text = '';
  for await (const chunk of response.body) {
    text += (chunk as Buffer).toString('utf8');
    if (text.length >= ERROR_BODY_BYTES) break;
  }
  await response.body.dump().catch(() => {});
  return /<Code>([^<]{1,100})<\/Code>/.exec(text)?.[1];
}
