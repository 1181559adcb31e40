import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runMaintenance } from '../../src/delivery/maintenance.js';
import { createTestApp } from '../helpers/app.js';
import { testDatabaseKinds } from '../helpers/database.js';
import { createDashboardClient, PASSWORD, signUp } from './helpers.js';

const DAY_MS = 86_400_000;
const retention = { secretWipeGraceDays: 7, deliveryLogRetentionDays: 30 };

for (const kind of testDatabaseKinds()) {
  describe(`account housekeeping (${kind})`, () => {
    it('deletes expired sessions and old sign-in failures in the maintenance pass, and nothing live', async () => {
      const t = await createTestApp(kind);
      try {
        const owner = createDashboardClient(t.app);
        await signUp(owner, 'olga@example.com');
        const wrong = await createDashboardClient(t.app).request('POST', '/v1/auth/sign-in', {
          email: 'olga@example.com',
          password: `${PASSWORD}!`,
        });
        assert.equal(wrong.statusCode, 401);
        const count = async () => ({
          sessions: (await t.database.db.selectFrom('sessions').select('token_hash').execute()).length,
          failures: (await t.database.db.selectFrom('sign_in_failures').select('key').execute()).length,
        });
        assert.deepEqual(await count(), { sessions: 1, failures: 2 }, 'one per email and one per address');

        const now = await runMaintenance(t.database.db, retention, new Date());
        assert.deepEqual([now.sessionsDeleted, now.signInFailuresDeleted], [0, 0]);
        assert.equal((await owner.request('GET', '/v1/auth/session')).statusCode, 200);

        const later = await runMaintenance(t.database.db, retention, new Date(Date.now() + 31 * DAY_MS));
        assert.deepEqual([later.sessionsDeleted, later.signInFailuresDeleted], [1, 2]);
        assert.deepEqual(await count(), { sessions: 0, failures: 0 });
      } finally {
        await t.close();
      }
    });
  });
}
