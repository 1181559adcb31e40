/**
 * A real S3-protocol server for tests: s3rver on a free loopback port, files in a temporary directory,
 * one bucket. It checks SigV4 signatures with its built-in account (access key `S3RVER`), so the
 * store's signing is exercised for real. `configFor(prefix)` is the S3 part of a Config for it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import type { S3Config } from '../../src/config.js';

export interface TestS3Server {
  endpoint: string;
  bucket: string;
  configFor(prefix: string, options?: { redirect?: boolean }): S3Config;
  /** The environment a `rundun` process needs to use this server. */
  env(prefix: string): Record<string, string>;
  close(): Promise<void>;
}

export const S3_TEST_BUCKET = 'rundun-test-media';

export async function startS3Server(): Promise<TestS3Server> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'rundun-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: S3_TEST_BUCKET }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket: S3_TEST_BUCKET,
    configFor: (prefix, options = {}) => ({
      bucket: S3_TEST_BUCKET,
      prefix,
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      sessionToken: undefined,
      redirect: options.redirect ?? false,
    }),
    env: (prefix) => ({
      RUNDUN_MEDIA_STORE: 's3',
      RUNDUN_S3_BUCKET: S3_TEST_BUCKET,
      RUNDUN_S3_PREFIX: prefix,
      RUNDUN_S3_ENDPOINT: endpoint,
      RUNDUN_S3_REGION: 'us-east-1',
      RUNDUN_S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    }),
    async close() {
      await server.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
