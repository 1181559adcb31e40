/**
 * The process under load for bench/dispatch.ts: the real app (POST /v1/runs) and, beside it on the same
 * database, the baseline — a bare Fastify route doing one INSERT of the request body. Prints one JSON
 * line with the URLs, then serves until its stdin closes.
 *
 * The app and its database layer are loaded from the build (dist/, as `npm start` runs them), not from
 * the TypeScript sources: tsx wraps every closure it compiles, which the production server does not pay.
 */
import Fastify from 'fastify';
import { sql } from 'kysely';
import { EVERY_STEP_TEMPLATE } from '../test/helpers/app.js';
import { createTestDatabase } from '../test/helpers/database.js';
import { TEST_KEYRING } from '../test/helpers/keyring.js';

/** A module of the build, typed as its source. */
function fromBuild<T>(path: string): Promise<T> {
  return import(new URL(`../dist/${path}`, import.meta.url).href) as Promise<T>;
}
const { createConfig } = await fromBuild<typeof import('../src/config.js')>('config.js');
const { openDatabase } = await fromBuild<typeof import('../src/db/connect.js')>('db/connect.js');
const { migrateToLatest } = await fromBuild<typeof import('../src/db/migrate.js')>('db/migrate.js');
const { createApiKey } = await fromBuild<typeof import('../src/db/api-keys.js')>('db/api-keys.js');
const { createOrg } = await fromBuild<typeof import('../src/db/orgs.js')>('db/orgs.js');
const { createApp } = await fromBuild<typeof import('../src/http/app.js')>('http/app.js');

const kind = process.argv[2] === 'postgres' ? 'postgres' : 'pglite';
// PostgreSQL: a scratch database from the test helper (dropped at the end), opened through the build.
// PGlite: a fresh in-memory one, migrated by the build.
const scratch = kind === 'postgres' ? await createTestDatabase('postgres') : undefined;
const database = await openDatabase({ databaseUrl: scratch?.url });
if (!scratch) await migrateToLatest(database.db);
await sql`create table bench_baseline (id bigserial primary key, body jsonb not null, created_at timestamptz not null default now())`.execute(
  database.db,
);

const config = createConfig({ rateLimitPerMinute: 10_000_000, port: 0 });
const app = await createApp({
  config,
  database,
  secret: 'bench-secret-0123456789abcdef0123456789',
  keyring: TEST_KEYRING,
});
const org = await createOrg(database.db, 'Bench', 10_000_000);
const { key } = await createApiKey(database.db, org.id);
const template = await app.inject({
  method: 'POST',
  url: '/v1/templates',
  headers: { authorization: `Bearer ${key}` },
  payload: EVERY_STEP_TEMPLATE,
});
const apiUrl = await app.listen({ port: 0, host: '127.0.0.1' });

const baseline = Fastify({ logger: false });
baseline.post('/baseline', async (request, reply) => {
  await sql`insert into bench_baseline (body) values (${JSON.stringify(request.body)}::jsonb)`.execute(
    database.db,
  );
  return reply.code(201).send({ ok: true });
});
const baselineUrl = await baseline.listen({ port: 0, host: '127.0.0.1' });

process.stdout.write(
  `${JSON.stringify({ apiUrl, baselineUrl, apiKey: key, templateId: template.json<{ id: string }>().id })}\n`,
);
process.stdin.resume();
process.stdin.on('end', () => {
  void (async () => {
    await app.close();
    await baseline.close();
    await database.close();
    await scratch?.close();
    process.exit(0);
  })();
});
