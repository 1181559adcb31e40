/** Builds the app on a fresh test database with one org and key, for `app.inject` tests. */
import { deepStrictEqual } from 'node:assert/strict';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyRequest,
  InjectOptions,
  LightMyRequestResponse,
} from 'fastify';
import { createConfig, type Config } from '../../src/config.js';
import type { DatabaseKind } from '../../src/db/connect.js';
import { createApiKey } from '../../src/db/api-keys.js';
import { createOrg } from '../../src/db/orgs.js';
import { createApp } from '../../src/http/app.js';
import type { MediaStorage } from '../../src/media/storage.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { TEST_KEYRING } from './keyring.js';

export interface TestApp {
  app: FastifyInstance;
  database: TestDatabase;
  config: Config;
  orgId: string;
  apiKey: string;
  /** The test clock: `clock.now` is what the app sees; move it with `clock.advance(ms)`. */
  clock: { now: Date; advance(ms: number): void };
  /** `app.inject` with the org's key (unless `headers.authorization` is given). */
  api(options: InjectOptions & { url: string }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export const TEST_SECRET = 'test-instance-secret-0123456789abcdef';

/**
 * Password hashes in tests cost N = 2^10 instead of the default 2^17 (128 MiB, ~0.3 s each), so the
 * suite does not spend minutes hashing; test/accounts/password-hashing.test.ts checks the default.
 */
export const TEST_SCRYPT_COST = Object.freeze({ ln: 10, r: 8, p: 1 });

export async function createTestApp(
  kind: DatabaseKind,
  options: {
    credits?: number;
    config?: Partial<Config>;
    loggerInstance?: FastifyBaseLogger;
    /** Where the app stores media; default: the configured store (disk under `<dataDir>/media`). */
    storage?: MediaStorage;
  } = {},
): Promise<TestApp> {
  const database = await createTestDatabase(kind);
  const config = createConfig({
    webhookAllowInsecure: true,
    retryScheduleMs: [200, 400, 800, 1600, 3200],
    passwordScrypt: TEST_SCRYPT_COST,
    ...options.config,
  });
  const clock = {
    now: new Date(),
    advance(ms: number) {
      clock.now = new Date(clock.now.getTime() + ms);
    },
  };
  const app = await createApp({
    config,
    database,
    secret: TEST_SECRET,
    keyring: TEST_KEYRING,
    now: () => clock.now,
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : {}),
    ...(options.storage ? { storage: options.storage } : {}),
  });
  failRepliesTheirSchemaChanged(app);
  const org = await createOrg(database.db, 'Test org', options.credits ?? 100);
  const { key } = await createApiKey(database.db, org.id, 'test');
  return {
    app,
    database,
    config,
    orgId: org.id,
    apiKey: key,
    clock,
    api: (request) =>
      app.inject({
        ...request,
        headers: { authorization: `Bearer ${key}`, ...request.headers },
      } as InjectOptions),
    async close() {
      await app.close();
      await database.close();
    },
  };
}

/**
 * Replies are serialized by their route's response schema, which writes only the properties it
 * declares: in tests, a reply whose serialized body differs from what the handler returned (a field
 * dropped, a default added) fails the request (500), with the difference on stderr.
 */
function failRepliesTheirSchemaChanged(app: FastifyInstance): void {
  const returned = new WeakMap<FastifyRequest, string>();
  app.addHook('preSerialization', async (request, _reply, payload) => {
    returned.set(request, JSON.stringify(payload));
    return payload;
  });
  app.addHook('onSend', async (request, _reply, payload) => {
    const before = returned.get(request);
    if (before === undefined || typeof payload !== 'string') return payload;
    try {
      deepStrictEqual(JSON.parse(payload), JSON.parse(before));
    } catch (error) {
      console.error(`${request.method} ${request.url}: the response schema changed the reply`, error);
      throw error;
    }
    return payload;
  });
}

/** A template using every step type, as the executor app and the webhook tests exercise them. */
export const EVERY_STEP_TEMPLATE = {
  name: 'Vehicle return inspection',
  settings: { allow_skip: true, identity: 'anonymous', geo: 'per_step' },
  steps: [
    { id: 's-od01', type: 'number', label: 'Odometer reading', required: true, min: 0, unit: 'km' },
    {
      id: 's-fu01',
      type: 'choice',
      label: 'Fuel level',
      required: true,
      options: [
        { id: 'o-fu1', label: 'Empty' },
        { id: 'o-fu2', label: 'Half' },
        { id: 'o-fu3', label: 'Full' },
      ],
    },
    { id: 's-dm01', type: 'boolean', label: 'Any pre-existing damage?', required: true },
    {
      id: 's-dm02',
      type: 'multi_choice',
      label: 'Damage type',
      options: [
        { id: 'o-dm1', label: 'Scratch' },
        { id: 'o-dm2', label: 'Dent' },
        { id: 'o-dm3', label: 'Crack' },
      ],
      photos: { min: 1, max: 5 },
    },
    { id: 's-nt01', type: 'text', label: 'Additional notes', required: false, multiline: true },
    { id: 's-rt01', type: 'rating', label: 'Cleanliness', required: true, max: 5 },
    { id: 's-ph01', type: 'photo', label: 'Dashboard photo', required: true },
    { id: 's-bc01', type: 'barcode', label: 'VIN', required: true },
    { id: 's-dt01', type: 'datetime', label: 'Return date', required: true, mode: 'date' },
    { id: 's-in01', type: 'instruction', label: 'Hand the keys to the desk', required: true },
    { id: 's-sg01', type: 'signature', label: 'Customer signature', required: true },
  ],
};
