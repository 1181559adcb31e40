/**
 * Where full-size media live, by key (`runs/<run_id>/<step_id>/<media_id>.<ext>`): the local-disk store
 * under `<dataDir>/media` (the default, one process or a shared volume), or an S3-compatible bucket
 * (src/media/s3-storage.ts) when several API processes serve the same media. Both are private: media
 * are reached only through Rundun's signed URLs (src/media/urls.ts). Thumbnails are small and live in
 * the database beside their media row.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Config } from '../config.js';
import { assertMediaKey } from './media-keys.js';
import { createS3Storage } from './s3-storage.js';

/** Bytes to store without holding them in memory: a stream of known length. */
export interface MediaStream {
  stream: Readable;
  bytes: number;
}

export interface MediaStorage {
  readonly kind: 'disk' | 's3';
  /** Stores the bytes under the key, replacing what was there. */
  put(key: string, body: Buffer | MediaStream, contentType: string): Promise<void>;
  /** The stored bytes as a stream and their length, or undefined when there are none. */
  open(key: string): Promise<MediaStream | undefined>;
  /** The stored length in bytes, or undefined when there is nothing under the key. */
  size(key: string): Promise<number | undefined>;
  /** Removes the key; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
  /**
   * A URL of the object in the store itself, valid for `expiresInSeconds`, when the store serves
   * presigned URLs (S3 with `RUNDUN_S3_REDIRECT`); undefined otherwise.
   */
  presignedUrl?(key: string, expiresInSeconds: number): Promise<string>;
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Files under `root`, written to a temporary name and renamed, so a reader never sees half a file. */
export function createDiskStorage(root: string): MediaStorage {
  const fileFor = (key: string) => {
    assertMediaKey(key);
    return path.join(root, ...key.split('/'));
  };
  return {
    kind: 'disk',
    async put(key, body) {
      const file = fileFor(key);
      await fs.mkdir(path.dirname(file), { recursive: true });
      const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        if (Buffer.isBuffer(body)) await fs.writeFile(temporary, body);
        else await pipeline(body.stream, createWriteStream(temporary));
        await fs.rename(temporary, file);
      } catch (error) {
        await fs.rm(temporary, { force: true });
        throw error;
      }
    },
    async open(key) {
      const file = fileFor(key);
      let handle: fs.FileHandle;
      try {
        handle = await fs.open(file);
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
      try {
        const { size } = await handle.stat();
        return { stream: handle.createReadStream(), bytes: size };
      } catch (error) {
        await handle.close();
        throw error;
      }
    },
    async size(key) {
      try {
        return (await fs.stat(fileFor(key))).size;
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async delete(key) {
      try {
        await fs.unlink(fileFor(key));
      } catch (error) {
        if (!isMissing(error)) throw error;
      }
    },
  };
}

/** The configured store: S3 when `RUNDUN_MEDIA_STORE=s3`, else local disk under `<dataDir>/media`. */
export function createMediaStorage(config: Pick<Config, 'dataDir' | 'mediaStore' | 's3'>): MediaStorage {
  if (config.mediaStore === 's3') {
    if (!config.s3) throw new Error('RUNDUN_MEDIA_STORE=s3 needs the S3 settings');
    return createS3Storage(config.s3);
  }
  return createDiskStorage(path.join(config.dataDir, 'media'));
}

/** Reads a whole stored file (small files: tests, the migration's check). */
export async function readMedia(storage: MediaStorage, key: string): Promise<Buffer | undefined> {
  const file = await storage.open(key);
  if (!file) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of file.stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function mediaStorageKey(media: {
  id: string;
  runId: string;
  stepId: string;
  contentType: string;
}): string {
  const ext = media.contentType === 'image/png' ? 'png' : 'jpg';
  return `runs/${media.runId}/${media.stepId}/${media.id}.${ext}`;
}
