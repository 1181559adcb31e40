/**
 * Passwords and sessions, attacked: the production scrypt cost (checked once at its real cost), old
 * hashes verified by their own parameters and upgraded at sign-in, unknown emails costing the same
 * derivation as known ones, a crafted hash refused unverified, growing sign-in delays per email and
 * per address that a parallel burst cannot slip past, and the `__Host-` cookie under https.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it, mock } from 'node:test';
import { createConfig } from '../../src/config.js';
import { createUser } from '../../src/db/users.js';
import {
  DEFAULT_SCRYPT_COST,
  hashPassword,
  needsRehash,
  parsePasswordHash,
  verifyPassword,
} from '../../src/domain/passwords.js';
import { SIGN_IN_RULES, signInDelayMs } from '../../src/http/sign-in-throttle.js';
import { createTestApp, TEST_SCRYPT_COST, type TestApp } from '../helpers/app.js';
import { testDatabaseKinds } from '../helpers/database.js';

const PASSWORD = 'correct horse battery';

describe('password hashes', () => {
  it('hashes at N = 2^17, r = 8, p = 1 by default, with the parameters in the string', async () => {
    assert.deepEqual(createConfig().passwordScrypt, { ln: 17, r: 8, p: 1 });
    // The one derivation at the production cost in the suite (~128 MiB, ~0.3 s).
    const stored = await hashPassword(PASSWORD);
    assert.match(stored, /^\$scrypt\$ln=17,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{86}$/);
    assert.deepEqual(parsePasswordHash(stored)?.cost, DEFAULT_SCRYPT_COST);
    assert.equal(needsRehash(stored), false);
    assert.equal(await verifyPassword(PASSWORD, stored), true);
  });

  it('verifies a hash with the parameters it names, not the current ones', async () => {
    const cheap = await hashPassword(PASSWORD, { ln: 11, r: 4, p: 2 });
    assert.match(cheap, /^\$scrypt\$ln=11,r=4,p=2\$/);
    assert.equal(await verifyPassword(PASSWORD, cheap), true);
    assert.equal(await verifyPassword('wrong', cheap), false);
    assert.equal(needsRehash(cheap, TEST_SCRYPT_COST), true);
  });

  it('verifies the first format, scrypt$16384$8$1$salt$key, by its own parameters', async () => {
    const salt = crypto.randomBytes(16);
    const key = crypto.scryptSync(PASSWORD, salt, 64, { N: 16384, r: 8, p: 1 });
    const legacy = `scrypt$16384$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
    assert.equal(await verifyPassword(PASSWORD, legacy), true);
    assert.equal(await verifyPassword('wrong', legacy), false);
    assert.equal(needsRehash(legacy), true);
  });

  it('refuses a stored hash asking for absurd parameters without deriving anything', async () => {
    const spy = mock.method(crypto, 'scrypt');
    try {
      const salt = Buffer.alloc(16).toString('base64');
      const key = Buffer.alloc(64).toString('base64');
      for (const stored of [
        `$scrypt$ln=30,r=8,p=1$${salt}$${key}`,
        `$scrypt$ln=17,r=32,p=16$${salt}$${key}`,
        `scrypt$1000$8$1$${salt}$${key}`,
        `$scrypt$ln=17,r=8,p=1$${salt}`,
        'plain text',
      ]) {
        assert.equal(await verifyPassword('anything', stored), false, stored);
      }
      assert.equal(spy.mock.callCount(), 0);
    } finally {
      spy.mock.restore();
    }
  });

  it('computes the growing delays', () => {
    const email = SIGN_IN_RULES.email;
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6].map((n) => signInDelayMs(email, n)),
      [0, 0, 0, 2000, 4000, 8000, 16000],
    );
    assert.equal(signInDelayMs(email, 40), email.maxMs);
    assert.equal(signInDelayMs(SIGN_IN_RULES.ip, SIGN_IN_RULES.ip.free + 1), 2000);
  });
});

for (const kind of testDatabaseKinds()) {
  describe(`passwords and sessions on ${kind}`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(kind);
    });
    after(() => t.close());

    const signIn = (email: string, password: string, ip = '10.1.0.1', app = t.app) =>
      app.inject({
        method: 'POST',
        url: '/v1/auth/sign-in',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ email, password }),
        remoteAddress: ip,
      });
    const storedHash = async (email: string) =>
      (
        await t.database.db
          .selectFrom('users')
          .select('password_hash')
          .where('email', '=', email)
          .executeTakeFirstOrThrow()
      ).password_hash;

    it('upgrades a first-format hash at sign-in, and the new hash signs in', async () => {
      await createUser(t.database.db, {
        orgId: t.orgId,
        email: 'old@example.test',
        password: PASSWORD,
        role: 'member',
        cost: TEST_SCRYPT_COST,
      });
      const salt = crypto.randomBytes(16);
      const key = crypto.scryptSync(PASSWORD, salt, 64, { N: 16384, r: 8, p: 1 });
      const legacy = `scrypt$16384$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
      await t.database.db
        .updateTable('users')
        .set({ password_hash: legacy })
        .where('email', '=', 'old@example.test')
        .execute();
      assert.equal((await signIn('old@example.test', 'wrong password', '10.1.1.1')).statusCode, 401);
      assert.equal(await storedHash('old@example.test'), legacy, 'a wrong password changes nothing');
      assert.equal((await signIn('old@example.test', PASSWORD, '10.1.1.1')).statusCode, 200);
      const upgraded = await storedHash('old@example.test');
      assert.match(upgraded, /^\$scrypt\$ln=10,r=8,p=1\$/);
      assert.equal(await verifyPassword(PASSWORD, upgraded), true);
      assert.equal((await signIn('old@example.test', PASSWORD, '10.1.1.1')).statusCode, 200);
      assert.equal(await storedHash('old@example.test'), upgraded, 'a current hash is kept');
    });

    it('costs an unknown email the same scrypt derivation as a known one', async () => {
      await createUser(t.database.db, {
        orgId: t.orgId,
        email: 'known@example.test',
        password: PASSWORD,
        role: 'member',
        cost: TEST_SCRYPT_COST,
      });
      const spy = mock.method(crypto, 'scrypt');
      try {
        const derivations = async (email: string) => {
          spy.mock.resetCalls();
          assert.equal((await signIn(email, 'not the password', '10.2.0.1')).statusCode, 401);
          return spy.mock.calls.map((call) => {
            const [, salt, length, options] = call.arguments as unknown as [
              string,
              Buffer,
              number,
              crypto.ScryptOptions,
            ];
            return { saltBytes: salt.length, length, N: options.N, r: options.r, p: options.p };
          });
        };
        const known = await derivations('known@example.test');
        const unknown = await derivations('nobody-here@example.test');
        assert.equal(known.length, 1);
        assert.deepEqual(unknown, known);
        assert.deepEqual(known[0], { saltBytes: 16, length: 64, N: 2 ** 10, r: 8, p: 1 });
      } finally {
        spy.mock.restore();
      }
    });

    it('makes each failure of one email wait longer, from any address, and a right password ends it', async () => {
      await createUser(t.database.db, {
        orgId: t.orgId,
        email: 'target@example.test',
        password: PASSWORD,
        role: 'member',
        cost: TEST_SCRYPT_COST,
      });
      let ip = 0;
      const attempt = (password: string) => signIn('target@example.test', password, `10.3.0.${++ip}`);
      const rule = SIGN_IN_RULES.email;
      for (let i = 0; i < rule.free; i++) assert.equal((await attempt('guess')).statusCode, 401);
      const waits: number[] = [];
      for (let failures = rule.free; failures < rule.free + 4; failures++) {
        const blocked = await attempt(PASSWORD);
        assert.equal(blocked.statusCode, 429, 'even the right password waits');
        assert.equal(blocked.cookies.length, 0);
        waits.push(Number(blocked.headers['retry-after']));
        t.clock.advance(signInDelayMs(rule, failures) - 1000);
        assert.equal((await attempt('guess')).statusCode, 429, 'not a second early');
        t.clock.advance(1000);
        assert.equal((await attempt('guess')).statusCode, 401);
      }
      assert.deepEqual(waits, [2, 4, 8, 16]);
      t.clock.advance(signInDelayMs(rule, rule.free + 4));
      assert.equal((await attempt(PASSWORD)).statusCode, 200);
      for (let i = 0; i < rule.free; i++)
        assert.equal((await attempt('guess')).statusCode, 401, 'streak ended');
      t.clock.advance(rule.forgetMs);
    });

    it('counts a parallel burst one by one: it cannot slip past the delays', async () => {
      await createUser(t.database.db, {
        orgId: t.orgId,
        email: 'burst@example.test',
        password: PASSWORD,
        role: 'member',
        cost: TEST_SCRYPT_COST,
      });
      const statuses = await Promise.all(
        Array.from({ length: 12 }, (_, i) => signIn('burst@example.test', `guess ${i}`, `10.4.0.${i + 1}`)),
      );
      const counts = statuses.reduce<Record<number, number>>((acc, r) => {
        acc[r.statusCode] = (acc[r.statusCode] ?? 0) + 1;
        return acc;
      }, {});
      assert.deepEqual(counts, { 401: SIGN_IN_RULES.email.free, 429: 12 - SIGN_IN_RULES.email.free });
    });

    it('makes failures from one address across many emails wait longer, other addresses unaffected', async () => {
      const rule = SIGN_IN_RULES.ip;
      const ip = '10.5.5.5';
      for (let i = 0; i < rule.free; i++)
        assert.equal((await signIn(`spray${i}@example.test`, 'x', ip)).statusCode, 401);
      const first = await signIn('spray-a@example.test', 'x', ip);
      assert.equal(first.statusCode, 429);
      assert.equal(first.headers['retry-after'], '1');
      t.clock.advance(signInDelayMs(rule, rule.free));
      assert.equal((await signIn('spray-b@example.test', 'x', ip)).statusCode, 401);
      const second = await signIn('spray-c@example.test', 'x', ip);
      assert.equal(second.headers['retry-after'], '2');
      assert.equal((await signIn('spray-c@example.test', 'x', '10.5.5.6')).statusCode, 401);
      t.clock.advance(rule.forgetMs + 1000);
      assert.equal(
        (await signIn('spray-d@example.test', 'x', ip)).statusCode,
        401,
        'forgotten after an hour',
      );
    });

    it('names the cookie __Host-rundun_session under https and reads only that name', async () => {
      const secure = await createTestApp(kind, { config: { publicUrl: 'https://rundun.example.com' } });
      try {
        await createUser(secure.database.db, {
          orgId: secure.orgId,
          email: 'host@example.test',
          password: PASSWORD,
          role: 'owner',
          cost: TEST_SCRYPT_COST,
        });
        const response = await signIn('host@example.test', PASSWORD, '10.6.0.1', secure.app);
        assert.equal(response.statusCode, 200, response.body);
        assert.deepEqual(
          response.cookies.map((c) => c.name),
          ['__Host-rundun_session'],
        );
        const cookie = response.cookies[0]!;
        assert.equal(cookie.secure, true);
        assert.equal(cookie.path, '/');
        assert.equal(cookie.domain, undefined);
        assert.equal(cookie.httpOnly, true);
        const get = (header: string) =>
          secure.app.inject({ method: 'GET', url: '/v1/auth/session', headers: { cookie: header } });
        assert.equal((await get(`__Host-rundun_session=${cookie.value}`)).statusCode, 200);
        assert.equal(
          (await get(`rundun_session=${cookie.value}`)).statusCode,
          401,
          'a cookie without the prefix (which a sibling subdomain could plant) is not read',
        );
        const local = await createUserAndSignIn(t);
        assert.deepEqual(local, ['rundun_session'], 'plain http keeps the unprefixed name');
      } finally {
        await secure.close();
      }
    });
  });
}

async function createUserAndSignIn(t: TestApp): Promise<string[]> {
  await createUser(t.database.db, {
    orgId: t.orgId,
    email: 'local@example.test',
    password: PASSWORD,
    role: 'member',
    cost: TEST_SCRYPT_COST,
  });
  const response = await t.app.inject({
    method: 'POST',
    url: '/v1/auth/sign-in',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ email: 'local@example.test', password: PASSWORD }),
    remoteAddress: '10.7.0.1',
  });
  assert.equal(response.statusCode, 200, response.body);
  return response.cookies.map((c) => c.name);
}
