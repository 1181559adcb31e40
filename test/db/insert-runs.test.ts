import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readCreditBalance } from '../../src/db/credits.js';
import { insertRunsTakingCredits, type NewRun } from '../../src/db/insert-runs.js';
import { createOrg } from '../../src/db/orgs.js';
import { archiveTemplate, createTemplate } from '../../src/db/templates.js';
import { newId } from '../../src/domain/ids.js';
import { parseTemplate } from '../../src/domain/template.js';
import { EVERY_STEP_TEMPLATE } from '../helpers/app.js';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../helpers/database.js';

const NOW = new Date('2026-11-23T10:00:00.000Z');

for (const kind of testDatabaseKinds()) {
  describe(`insertRunsTakingCredits on ${kind}`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await createTestDatabase(kind);
    });
    after(() => database.close());

    async function orgWithTemplate(credits: number) {
      const org = await createOrg(database.db, `Org with ${credits}`, credits);
      const template = await createTemplate(database.db, org.id, parseTemplate(EVERY_STEP_TEMPLATE), NOW);
      return { orgId: org.id, templateId: template.id };
    }

    function newRun(orgId: string, templateId: string, executorRef: string): NewRun {
      return {
        id: newId('r'),
        livemode: true,
        orgId,
        templateId,
        executorRef,
        assignedTo: null,
        webhook: {
          url: 'https://93.184.216.34/hook',
          secret: 'whsec_0123456789abcdef',
          events: ['run.completed', 'run.expired'],
        },
        expiresAt: new Date(NOW.getTime() + 3600_000),
        now: NOW,
      };
    }

    const runsOf = (orgId: string) =>
      database.db
        .selectFrom('runs')
        .select(['id', 'executor_ref', 'webhook_events', 'template_version', 'expires_at'])
        .where('org_id', '=', orgId)
        .orderBy('executor_ref')
        .execute();
    const ledgerOf = (orgId: string) =>
      database.db
        .selectFrom('credit_ledger')
        .select(['run_id', 'amount'])
        .where('org_id', '=', orgId)
        .where('reason', '=', 'dispatch')
        .execute();

    it("inserts each org's runs up to the credits of one bucket and leaves the others out", async () => {
      const rich = await orgWithTemplate(1600); // 100 per bucket
      const poor = await orgWithTemplate(2); // buckets 0 and 1 hold one each
      const archived = await createTemplate(database.db, rich.orgId, parseTemplate(EVERY_STEP_TEMPLATE), NOW);
      await archiveTemplate(database.db, rich.orgId, archived.id, NOW);
      const richRuns = Array.from({ length: 5 }, (_, i) => newRun(rich.orgId, rich.templateId, `rich-${i}`));
      const poorRuns = Array.from({ length: 3 }, (_, i) => newRun(poor.orgId, poor.templateId, `poor-${i}`));
      const refused = [
        newRun(rich.orgId, archived.id, 'archived'),
        newRun(rich.orgId, 't-unknown', 'unknown'),
        newRun(rich.orgId, poor.templateId, 'other-org-template'),
      ];
      const batch = [richRuns[0]!, ...refused, ...poorRuns, ...richRuns.slice(1)];

      const inserted = await insertRunsTakingCredits(database.db, batch);

      const ids = new Set(inserted.map((row) => row.id));
      assert.deepEqual(
        richRuns.map((run) => ids.has(run.id)),
        [true, true, true, true, true],
      );
      assert.deepEqual(
        poorRuns.map((run) => ids.has(run.id)),
        [true, false, false],
        'one bucket holds one credit: the first of the org’s runs gets it',
      );
      assert.ok(refused.every((run) => !ids.has(run.id)));
      assert.equal(inserted.length, 6);
      for (const row of inserted) assert.equal(row.expires_at?.getTime(), NOW.getTime() + 3600_000);

      const stored = await runsOf(rich.orgId);
      assert.deepEqual(
        stored.map((row) => row.executor_ref),
        ['rich-0', 'rich-1', 'rich-2', 'rich-3', 'rich-4'],
      );
      assert.deepEqual(stored[0]!.webhook_events, ['run.completed', 'run.expired']);
      assert.equal(stored[0]!.template_version, 1);
      assert.equal(await readCreditBalance(database.db, rich.orgId), 1595);
      assert.equal(await readCreditBalance(database.db, poor.orgId), 1);
      assert.deepEqual(
        (await ledgerOf(rich.orgId)).map((row) => row.amount),
        [-1, -1, -1, -1, -1],
      );
      assert.deepEqual(
        (await ledgerOf(poor.orgId)).map((row) => row.run_id),
        [poorRuns[0]!.id],
      );
    });

    it('inserts nothing and takes nothing for an org with no credits', async () => {
      const broke = await orgWithTemplate(0);
      const inserted = await insertRunsTakingCredits(database.db, [
        newRun(broke.orgId, broke.templateId, 'a'),
        newRun(broke.orgId, broke.templateId, 'b'),
      ]);
      assert.deepEqual(inserted, []);
      assert.deepEqual(await runsOf(broke.orgId), []);
      assert.deepEqual(await ledgerOf(broke.orgId), []);
    });
  });
}
