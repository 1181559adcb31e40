/**
 * Where full-size media live, by key (`runs/<run_id>/<step_id>/<media_id>.<ext>`). The local-disk store
 * under `<dataDir>/media` is the default; an S3-compatible store can implement the same three calls.
 * Thumbnails are small and live in the database beside their media row.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';

export interface MediaStorage {
  /** Stores the bytes under the key, replacing what was there. */
  put(key: string, bytes: Buffer, contentType: string): Promise<void>;
  /** The bytes under the key, or undefined when there are none. */
  get(key: string): Promise<Buffer | undefined>;
  /** Removes the key; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
}

const KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

function assertKey(key: string): void {
  if (!KEY_PATTERN.test(key) || key.split('/').some((part) => part === '..' || part === '.'))
    throw new Error(`Invalid media storage key: ${JSON.stringify(key)}`);
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Files under `root`, written to a temporary name and renamed, so a reader never sees half a file. */
export function createDiskStorage(root: string): MediaStorage {
  const fileFor = (key: string) => {
    assertKey(key);
    return path.join(root, ...key.split('/'));
  };
  return {
    async put(key, bytes) {
      const file = fileFor(key);
      await fs.mkdir(path.dirname(file), { recursive: true });
      const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
      await fs.writeFile(temporary, bytes);
      await fs.rename(temporary, file);
    },
    async get(key) {
      try {
        return await fs.readFile(fileFor(key));
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

/** The configured store: local disk under `<dataDir>/media`. */
export function createMediaStorage(config: Pick<Config, 'dataDir'>): MediaStorage {
  return createDiskStorage(path.join(config.dataDir, 'media'));
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
