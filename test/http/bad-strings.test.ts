/**
 * A U+0000 or a lone surrogate anywhere in a request is bad input: 400 naming the field, nothing
 * written, and the log keeps no secret (it used to be a 500 logging the failing SQL's parameters).
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createConfig } from '../../src/config.js';
import { findBadString } from '../../src/http/bad-strings.js';
import { createLogger } from '../../src/http/server.js';
import { createTestApp, EVERY_STEP_TEMPLATE, type TestApp } from '../helpers/app.js';
import { testDatabaseKinds } from '../helpers/database.js';

const SECRET = 'whsec_do-not-log-0123456789';
const WEBHOOK = { url: 'https://93.184.216.34/hooks/rundun', secret: SECRET, events: ['run.completed'] };
const NUL = '\u0000';
const LONE = '\ud83d';

/** Every string-valued JSON pointer of a value, object keys included as `{ key }` entries. */
function stringPointers(value: unknown, pointer = ''): string[] {
  if (typeof value === 'string') return [pointer];
  if (Array.isArray(value)) return value.flatMap((item, i) => stringPointers(item, `${pointer}/${i}`));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([key, item]) => stringPointers(item, `${pointer}/${key}`));
  return [];
}

/** A deep copy of `value` with `bad` inserted in the middle of the string at `pointer`. */
function spoil(value: unknown, pointer: string, bad: string): unknown {
  const copy = structuredClone(value) as Record<string, unknown>;
  const parts = pointer.split('/').slice(1);
  let node = copy;
  for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>;
  const last = parts.at(-1)!;
  const text = node[last] as string;
  node[last] = text.slice(0, 1) + bad + text.slice(1);
  return copy;
}

function captureLog() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { lines, logger: createLogger(createConfig({ logLevel: 'debug' }), stream) };
}

describe('findBadString', () => {
  it('finds a NUL or a lone surrogate in values and keys, and passes surrogate pairs', () => {
    assert.deepEqual(findBadString({ a: [{ b: `x${NUL}` }] }), { pointer: '/a/0/b', rule: 'nul_character' });
    assert.deepEqual(findBadString({ a: `x${LONE}y` }), { pointer: '/a', rule: 'lone_surrogate' });
    assert.deepEqual(findBadString({ a: '\udc00' }), { pointer: '/a', rule: 'lone_surrogate' });
    assert.equal(findBadString({ a: 'emoji 😀 and ü', b: [1, null, true] }), undefined);
    assert.deepEqual(findBadString({ [`k${NUL}`]: 1 }), { pointer: '/k\\u0000', rule: 'nul_character' });
  });
});

for (const kind of testDatabaseKinds()) {
  describe(`bad strings on ${kind}`, () => {
    let t: TestApp;
    let log: ReturnType<typeof captureLog>;
    let templateId: string;
    let runId: string;
    before(async () => {
      log = captureLog();
      t = await createTestApp(kind, { credits: 100, loggerInstance: log.logger });
      templateId = (
        await t.api({ method: 'POST', url: '/v1/templates', payload: EVERY_STEP_TEMPLATE })
      ).json<{
        id: string;
      }>().id;
      const dispatched = await t.api({
        method: 'POST',
        url: '/v1/runs',
        payload: { template_id: templateId, webhook: WEBHOOK },
      });
      runId = dispatched.json<{ run_id: string }>().run_id;
    });
    after(() => t.close());

    const counts = async () => {
      const tables = [
        'templates',
        'template_versions',
        'runs',
        'events',
        'answers',
        'credit_ledger',
      ] as const;
      const result: Record<string, number> = {};
      for (const table of tables)
        result[table] = Number(
          (
            await t.database.db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      return result;
    };

    async function assertRefusedEverywhere(
      label: string,
      body: object,
      send: (payload: unknown) => Promise<{ statusCode: number; body: string }>,
    ) {
      const before = await counts();
      const pointers = stringPointers(body);
      assert.ok(pointers.length > 0);
      for (const pointer of pointers)
        for (const bad of [NUL, LONE]) {
          const response = await send(spoil(body, pointer, bad));
          assert.equal(response.statusCode, 400, `${label} ${pointer}: ${response.body}`);
          const problem = JSON.parse(response.body) as {
            detail: string;
            request_id: string;
            errors: { in: string; pointer: string; rule: string }[];
          };
          assert.deepEqual(problem.errors.length, 1);
          assert.equal(problem.errors[0]!.pointer, pointer);
          assert.equal(problem.errors[0]!.in, 'body');
          assert.equal(problem.errors[0]!.rule, bad === NUL ? 'nul_character' : 'lone_surrogate');
          assert.ok(problem.detail.includes(pointer), problem.detail);
          assert.ok(problem.request_id);
        }
      assert.deepEqual(await counts(), before, `${label}: nothing is written`);
    }

    it('refuses a bad string in every field of a dispatch', async () => {
      const body = {
        template_id: templateId,
        webhook: WEBHOOK,
        executor_ref: 'booking-1',
        assign_to: 'a@b.example',
      };
      await assertRefusedEverywhere('dispatch', body, (payload) =>
        t.api({ method: 'POST', url: '/v1/runs', payload: payload as object }),
      );
    });

    it('refuses a bad string in every field of a template, created or versioned', async () => {
      const template = { ...EVERY_STEP_TEMPLATE, description: 'Check the car' };
      await assertRefusedEverywhere('create template', template, (payload) =>
        t.api({ method: 'POST', url: '/v1/templates', payload: payload as object }),
      );
      await assertRefusedEverywhere('new version', template, (payload) =>
        t.api({ method: 'PUT', url: `/v1/templates/${templateId}`, payload: payload as object }),
      );
    });

    const x = (method: 'POST' | 'PUT', url: string, payload: unknown) =>
      t.app.inject({
        method,
        url,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(payload),
      });

    it('refuses a bad string in every field of a start and of an answer', async () => {
      const identity = {
        mode: 'external',
        name: 'Ana',
        email: 'ana@example.com',
        phone: '+351 900',
        user_id: 'u-1',
      };
      await assertRefusedEverywhere('start', { identity }, (payload) =>
        x('POST', `/x/runs/${runId}/start`, payload),
      );
      assert.equal((await x('POST', `/x/runs/${runId}/start`, {})).statusCode, 200);
      const answer = { answer: 'Some notes', media_ids: ['m-1'], request_id: 'write-1' };
      await assertRefusedEverywhere('answer', answer, (payload) =>
        x('PUT', `/x/runs/${runId}/steps/s-nt01`, payload),
      );
      await assertRefusedEverywhere('answer', { answer: { nested: ['text'] } }, (payload) =>
        x('PUT', `/x/runs/${runId}/steps/s-nt01`, payload),
      );
    });

    it('refuses a bad string in a query parameter, naming it', async () => {
      const response = await t.api({ method: 'GET', url: '/v1/runs?executor_ref=a%00b' });
      assert.equal(response.statusCode, 400, response.body);
      const problem = response.json<{ errors: { in: string; pointer: string }[]; detail: string }>();
      assert.deepEqual(problem.errors[0], { ...problem.errors[0], in: 'query', pointer: '/executor_ref' });
      assert.match(problem.detail, /Query parameter executor_ref contains a NUL character/);
      const surrogate = await t.api({ method: 'GET', url: '/v1/runs?executor_ref=%ED%A0%BD' });
      // %ED%A0%BD is no UTF-8 (a surrogate's encoding): it decodes to U+FFFD or is refused, never stored.
      assert.notEqual(surrogate.statusCode, 500);
    });

    it('logs no webhook secret and no SQL parameters for any of these', () => {
      const text = log.lines.join('');
      assert.ok(!text.includes(SECRET), 'the webhook secret is not logged');
      assert.ok(!text.includes('"params"') && !text.includes('"parameters"'), 'no SQL parameters are logged');
      assert.ok(!/"level":50/.test(text), 'no request failed with a 500');
    });
  });
}
