/** Shared setup for the executor API tests: an app with its own media directory, runs, uploads, events. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import sharp from 'sharp';
import type { Config } from '../../src/config.js';
import type { DatabaseKind } from '../../src/db/connect.js';
import { listRunEvents } from '../../src/db/events.js';
import { createUser } from '../../src/db/users.js';
import { createS3Storage } from '../../src/media/s3-storage.js';
import { createMediaStorage, readMedia } from '../../src/media/storage.js';
import { createTestApp, EVERY_STEP_TEMPLATE, type TestApp } from '../helpers/app.js';
import type { TestS3Server } from '../helpers/s3-server.js';

/** The media stores the executor tests run over. */
export const MEDIA_STORES = ['disk', 's3'] as const;
export type MediaStoreKind = (typeof MEDIA_STORES)[number];

export interface ExecutorTestApp extends TestApp {
  /** `<dataDir>/media`, where the disk store writes (and the S3 store must not). */
  mediaDir: string;
  mediaStore: MediaStoreKind;
  /**
   * Every key in the app's media store, sorted: files under `mediaDir` (a half-written temporary
   * file included), or the objects under the app's own prefix in the test S3 server.
   */
  storedKeys(): Promise<string[]>;
  /** The bytes stored under the key, as the store gives them back; undefined when there are none. */
  readStored(key: string): Promise<Buffer | undefined>;
  createTemplate(template?: object): Promise<string>;
  dispatch(templateId: string, body?: object): Promise<string>;
  /** `app.inject` as the executor app does it: JSON body, optional session cookie. */
  x(
    method: InjectOptions['method'],
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  upload(
    runId: string,
    stepId: string,
    bytes: Buffer,
    options?: { type?: string; requestId?: string; cookie?: string },
  ): Promise<LightMyRequestResponse>;
  /** Event types of the run, in seq order. */
  eventTypes(runId: string): Promise<string[]>;
  events(runId: string): Promise<{ type: string; seq: number; envelope: Record<string, unknown> }[]>;
  signIn(email: string, password: string): Promise<string>;
  addMember(email: string, password: string, orgId?: string): Promise<string>;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { pointer: string; rule: string; message: string; step_id?: string }[];
}

export interface MediaBody {
  media_id: string;
  url: string;
  thumbnail_url: string;
  content_type: string;
  width: number;
  height: number;
}

export interface Progress {
  total: number;
  answered: number;
  skipped: number;
}

export interface RunViewBody {
  run_id: string;
  status: string;
  expires_at: string | null;
  template: { name: string; settings: Record<string, unknown>; steps: { id: string }[] };
  identity: Record<string, unknown> | null;
  assigned: boolean;
  member: { user_id: string; email: string; name: string | null } | null;
  progress: Progress;
  last_step_id: string | null;
  answers: Record<string, { status: string; answer: unknown; media: MediaBody[]; geo: unknown }>;
}

/** The answer to a step write, submit or cancel. */
export interface WriteBody {
  run_id?: string;
  step_id?: string;
  status: string;
  progress: Progress;
  replayed: boolean;
  duration_seconds?: number | null;
}

export const asProblem = (response: LightMyRequestResponse) => response.json<ProblemBody>();
export const asView = (response: LightMyRequestResponse) => response.json<RunViewBody>();
export const asWrite = (response: LightMyRequestResponse) => response.json<WriteBody>();
export const asMedia = (response: LightMyRequestResponse) => response.json<MediaBody>();
/** The rule of the problem's first error. */
export const ruleOf = (response: LightMyRequestResponse) => asProblem(response).errors?.[0]?.rule;

export const WEBHOOK = { url: 'https://93.184.216.34/hooks/rundun', secret: 'whsec_0123456789abcdef' };

/**
 * With `s3`, media go to that S3-protocol server under a prefix of this app's own; otherwise to the
 * configured store (the disk under `<dataDir>/media` unless `config` says otherwise).
 */
export async function createExecutorTestApp(
  kind: DatabaseKind,
  config: Partial<Config> = {},
  options: { s3?: TestS3Server } = {},
): Promise<ExecutorTestApp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rundun-executor-'));
  const mediaDir = path.join(dataDir, 'media');
  const s3Prefix = `app-${path.basename(dataDir)}/`;
  const s3Storage = options.s3 ? createS3Storage(options.s3.configFor(s3Prefix)) : undefined;
  const t = await createTestApp(kind, {
    credits: 1000,
    config: { dataDir, ...config },
    ...(s3Storage ? { storage: s3Storage } : {}),
  });
  const storage = s3Storage ?? createMediaStorage(t.config);
  const x: ExecutorTestApp['x'] = (method, url, body, headers = {}) =>
    t.app.inject({
      method,
      url,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
  return {
    ...t,
    mediaDir,
    mediaStore: options.s3 ? 's3' : 'disk',
    storedKeys: () => (options.s3 ? options.s3.listKeys(s3Prefix) : Promise.resolve(filesUnder(mediaDir))),
    readStored: (key) => readMedia(storage, key),
    async close() {
      await t.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
    async createTemplate(template = EVERY_STEP_TEMPLATE) {
      const response = await t.api({ method: 'POST', url: '/v1/templates', payload: template });
      if (response.statusCode !== 201) throw new Error(response.body);
      return response.json<{ id: string }>().id;
    },
    async dispatch(templateId, body = {}) {
      const response = await t.api({
        method: 'POST',
        url: '/v1/runs',
        payload: { template_id: templateId, webhook: WEBHOOK, ...body },
      });
      if (response.statusCode !== 201) throw new Error(response.body);
      return response.json<{ run_id: string }>().run_id;
    },
    x,
    upload(runId, stepId, bytes, options = {}) {
      return t.app.inject({
        method: 'POST',
        url: `/x/runs/${runId}/steps/${stepId}/media`,
        headers: {
          'content-type': options.type ?? 'image/jpeg',
          ...(options.requestId ? { 'x-request-id': options.requestId } : {}),
          ...(options.cookie ? { cookie: options.cookie } : {}),
        },
        payload: bytes,
      });
    },
    async events(runId) {
      const envelopes = await listRunEvents(t.database.db, runId);
      return envelopes.map((envelope) => ({
        type: envelope.event,
        seq: envelope.seq,
        envelope,
      }));
    },
    async eventTypes(runId) {
      return (await listRunEvents(t.database.db, runId)).map((envelope) => envelope.event);
    },
    async signIn(email, password) {
      const response = await x('POST', '/x/auth/login', { email, password });
      if (response.statusCode !== 200) throw new Error(response.body);
      const cookie = response.cookies.find((c) => c.name === 'rundun_session');
      return `rundun_session=${cookie!.value}`;
    },
    async addMember(email, password, orgId = t.orgId) {
      const user = await createUser(t.database.db, {
        orgId,
        email,
        password,
        role: 'member',
        name: email.split('@')[0]!,
        cost: t.config.passwordScrypt,
      });
      return user.id;
    },
  };
}

/** Paths of the files under `root`, relative and with `/`, sorted; none when it does not exist. */
function filesUnder(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

/** A JPEG made by sharp: a gradient-free block of colour with a marker stripe, optionally EXIF-oriented. */
export async function makeJpeg(
  width = 640,
  height = 480,
  options: { orientation?: number } = {},
): Promise<Buffer> {
  let image = sharp({
    create: { width, height, channels: 3, background: { r: 200, g: 60, b: 40 } },
  }).composite([
    {
      input: {
        create: { width: Math.max(1, Math.floor(width / 4)), height, channels: 3, background: '#00ff00' },
      },
      left: 0,
      top: 0,
    },
  ]);
  image = image.jpeg({ quality: 90 });
  if (options.orientation) image = image.withMetadata({ orientation: options.orientation });
  return image.toBuffer();
}

export async function makePng(width = 600, height = 200): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .composite([
      {
        input: { create: { width: 300, height: 4, channels: 4, background: '#000000ff' } },
        left: 50,
        top: 100,
      },
    ])
    .png()
    .toBuffer();
}

/** Answers every step of EVERY_STEP_TEMPLATE (photos uploaded first); returns the media ids used. */
export async function answerEveryStep(t: ExecutorTestApp, runId: string, cookie?: string) {
  const headers: Record<string, string> = cookie ? { cookie } : {};
  const jpeg = await makeJpeg();
  const photo = (stepId: string) =>
    t.upload(runId, stepId, jpeg, cookie ? { cookie } : {}).then((r) => asMedia(r).media_id);
  const damage = await photo('s-dm02');
  const dashboard = await photo('s-ph01');
  const signature = (
    await t.upload(runId, 's-sg01', await makePng(), { type: 'image/png', ...(cookie ? { cookie } : {}) })
  ).json<{
    media_id: string;
  }>().media_id;
  const geo = { lat: 51.507, lng: -0.127, accuracy_m: 5 };
  const answers: Record<string, object> = {
    's-od01': { answer: 42150 },
    's-fu01': { answer: 'o-fu2' },
    's-dm01': { answer: true },
    's-dm02': { answer: ['o-dm1', 'o-dm3'], media_ids: [damage], geo },
    's-nt01': { answer: 'Scratch on rear left door' },
    's-rt01': { answer: 4 },
    's-ph01': { answer: null, media_ids: [dashboard] },
    's-bc01': { answer: 'VIN1234567890' },
    's-dt01': { answer: '2026-05-10' },
    's-in01': { answer: null },
    's-sg01': { answer: signature },
  };
  for (const [stepId, body] of Object.entries(answers)) {
    const response = await t.x(
      'PUT',
      `/x/runs/${runId}/steps/${stepId}`,
      { request_id: `req-${stepId}`, ...body },
      headers,
    );
    if (response.statusCode !== 200) throw new Error(`${stepId}: ${response.body}`);
  }
  return { damage, dashboard, signature };
}
