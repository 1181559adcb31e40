/**
 * A real S3-protocol server for tests: s3rver on a free loopback port, files in a temporary directory,
 * one bucket. It speaks the protocol for real (paths, headers, status codes, error XML, ListObjectsV2)
 * but does not check SigV4 signatures: s3rver 3.7 requires a known access key (its built-in `S3RVER`
 * account), a well-formed Authorization header and a date within 15 minutes, then accepts any
 * signature and any payload hash. The signing is checked instead against AWS's published examples
 * (test/media/s3-storage.test.ts). `configFor(prefix)` is the S3 part of a Config for it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AwsV4Signer } from 'aws4fetch';
import S3rver from 's3rver';
import { request } from 'undici';
import type { S3Config } from '../../src/config.js';

export interface TestS3Server {
  endpoint: string;
  bucket: string;
  configFor(prefix: string, options?: { redirect?: boolean }): S3Config;
  /** The environment a `rundun` process needs to use this server. */
  env(prefix: string): Record<string, string>;
  /** Every object key in the bucket under the prefix (without it), sorted, read with ListObjectsV2. */
  listKeys(prefix: string): Promise<string[]>;
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
    listKeys: (prefix) => listKeys(endpoint, prefix),
    async close() {
      await server.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}

async function listKeys(endpoint: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const url = new URL(`${endpoint}/${S3_TEST_BUCKET}`);
    url.searchParams.set('list-type', '2');
    url.searchParams.set('prefix', prefix);
    if (token) url.searchParams.set('continuation-token', token);
    const signed = await new AwsV4Signer({
      method: 'GET',
      url: url.href,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      service: 's3',
      region: 'us-east-1',
    }).sign();
    const response = await request(signed.url, { headers: Object.fromEntries(signed.headers) });
    const xml = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`ListObjectsV2 answered ${response.statusCode}: ${xml}`);
    for (const [, key] of xml.matchAll(/<Key>([^<]*)<\/Key>/g))
      keys.push(unescapeXml(key!).slice(prefix.length));
    token = /<IsTruncated>true<\/IsTruncated>/.test(xml)
      ? unescapeXml(/<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(xml)?.[1] ?? '')
      : undefined;
  } while (token);
  return keys.sort();
}

const unescapeXml = (text: string) =>
  text.replace(/&(lt|gt|quot|apos|amp);/g, (_, name: string) => XML_ENTITIES[name]!);
const XML_ENTITIES: Record<string, string> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };
