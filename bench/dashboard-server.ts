/**
 * The process under load for bench/dashboard.ts: the real app (from the build, as `npm start` runs it,
 * no worker) on a scratch PostgreSQL database seeded by dashboard-seed.ts, and beside it on the same
 * database a bare Fastify server whose routes run only the indexed SELECT of the rows each list shows.
 * Prints one JSON line with the URLs and credentials, then serves until its stdin closes.
 */
import Fastify from 'fastify';
import { sql } from 'kysely';
import { EVERY_STEP_TEMPLATE } from '../test/helpers/app.js';
import { createTestDatabase } from '../test/helpers/database.js';
import { TEST_KEYRING } from '../test/helpers/keyring.js';
import { seedDashboardData } from './dashboard-seed.js';

function fromBuild<T>(path: string): Promise<T> {
  return import(new URL(`../dist/${path}`, import.meta.url).href) as Promise<T>;
}
const { createConfig } = await fromBuild<typeof import('../src/config.js')>('config.js');
const { openDatabase } = await fromBuild<typeof import('../src/db/connect.js')>('db/connect.js');
const { createApiKey } = await fromBuild<typeof import('../src/db/api-keys.js')>('db/api-keys.js');
const { createOrg } = await fromBuild<typeof import('../src/db/orgs.js')>('db/orgs.js');
const { createUser } = await fromBuild<typeof import('../src/db/users.js')>('db/users.js');
const { createApp } = await fromBuild<typeof import('../src/http/app.js')>('http/app.js');

export const OWNER = { email: 'bench@rundun.test', password: 'bench-owner-password' };

const scratch = await createTestDatabase('postgres');
const database = await openDatabase({ databaseUrl: scratch.url });
const config = createConfig({ rateLimitPerMinute: 10_000_000, port: 0 });
const app = await createApp({
  config,
  database,
  secret: 'bench-secret-0123456789abcdef0123456789',
  keyring: TEST_KEYRING,
});
const org = await createOrg(database.db, 'Bench', 1000);
await createUser(database.db, { orgId: org.id, ...OWNER, role: 'owner' });
const { key } = await createApiKey(database.db, org.id);
const template = await app.inject({
  method: 'POST',
  url: '/v1/templates',
  headers: { authorization: `Bearer ${key}` },
  payload: EVERY_STEP_TEMPLATE,
});
const templateId = template.json<{ id: string }>().id;
const seedStart = performance.now();
await seedDashboardData(database.db, { orgId: org.id, templateId, now: new Date() });
const seedMs = Math.round(performance.now() - seedStart);
const apiUrl = await app.listen({ port: 0, host: '127.0.0.1' });

// The same rows each list shows, by the same index, with nothing else: no auth, no mapping.
const baseline = Fastify({ logger: false });
baseline.get('/baseline/runs', async () => {
  const { rows } = await sql`
    select id, status, template_id, template_version, executor_ref, assigned_to, created_at, expires_at, finished_at
      from runs where org_id = ${org.id} order by created_at desc, id desc limit 51`.execute(database.db);
  return { data: rows };
});
baseline.get('/baseline/deliveries', async () => {
  const { rows } = await sql`
    select d.id, d.event_id, d.run_id, d.seq, d.url, d.status, d.attempt_count, d.next_attempt_at,
           d.last_error, d.last_response_status, d.created_at, d.updated_at
      from deliveries d
     where d.org_id = ${org.id} and d.livemode order by d.created_at desc, d.id desc limit 51`.execute(
    database.db,
  );
  return { data: rows };
});
const baselineUrl = await baseline.listen({ port: 0, host: '127.0.0.1' });

process.stdout.write(
  `${JSON.stringify({ apiUrl, baselineUrl, apiKey: key, templateId, databaseUrl: scratch.url, seedMs, ...OWNER })}\n`,
);
process.stdin.resume();
process.stdin.on('end', () => {
  void (async () => {
    await app.close();
    await baseline.close();
    await database.close();
    await scratch.close();
    process.exit(0);
  })();
});
