/**
 * Secrets at rest on the database: webhook secrets and the media signing secret are stored encrypted,
 * rows from before encryption migrate, and a final run's secret is wiped once its deliveries are done.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { ensureInstanceSecret } from '../../src/db/instance-settings.js';
import { findRunRow } from '../../src/db/runs.js';
import { sealStoredSecrets } from '../../src/db/webhook-secrets.js';
import { runMaintenance } from '../../src/delivery/maintenance.js';
import { createKeyring, webhookSecretContext } from '../../src/secrets/keyring.js';
import {
  appendEvent,
  createTemplate,
  dispatchRun,
  SAMPLE_DATA,
  WEBHOOK_SECRET,
} from '../delivery/helpers/runs.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDatabaseKinds } from '../helpers/database.js';
import { TEST_KEYRING } from '../helpers/keyring.js';

const DAY_MS = 86_400_000;

for (const kind of testDatabaseKinds()) {
  describe(`secrets at rest on ${kind}`, () => {
    let t: TestApp;
    let templateId: string;
    before(async () => {
      t = await createTestApp(kind);
      templateId = await createTemplate(t);
    });
    after(() => t.close());

    const storedSecret = async (runId: string) => (await findRunRow(t.database.db, runId))!.webhook_secret;

    it('stores no plaintext webhook secret', async () => {
      const runId = await dispatchRun(t, templateId, { url: 'http://127.0.0.1:9/hook' });
      const stored = await storedSecret(runId);
      assert.match(stored!, /^enc1:test:/);
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from runs where webhook_secret like ${`%${WEBHOOK_SECRET}%`}`.execute(
        t.database.db,
      );
      assert.equal(rows[0]!.n, 0, 'no row holds the secret in clear');
      assert.equal(TEST_KEYRING.decrypt(stored!, webhookSecretContext(runId)), WEBHOOK_SECRET);
    });

    it('encrypts secrets stored in clear, and re-encrypts under a new current key', async () => {
      const runId = await dispatchRun(t, templateId, { url: 'http://127.0.0.1:9/hook' });
      await t.database.db
        .updateTable('runs')
        .set({ webhook_secret: 'whsec_legacy-plain' })
        .where('id', '=', runId)
        .execute();
      assert.ok((await sealStoredSecrets(t.database.db, TEST_KEYRING)) >= 1);
      const sealed = await storedSecret(runId);
      assert.equal(TEST_KEYRING.decrypt(sealed!, webhookSecretContext(runId)), 'whsec_legacy-plain');
      assert.equal(await sealStoredSecrets(t.database.db, TEST_KEYRING), 0, 'nothing left to do');

      const rotated = createKeyring([
        { id: 'next', key: Buffer.alloc(32, 8) },
        { id: 'test', key: Buffer.alloc(32, 7) },
      ]);
      assert.ok((await sealStoredSecrets(t.database.db, rotated)) >= 2);
      const resealed = await storedSecret(runId);
      assert.match(resealed!, /^enc1:next:/);
      assert.equal(rotated.decrypt(resealed!, webhookSecretContext(runId)), 'whsec_legacy-plain');
      const back = createKeyring([
        { id: 'test', key: Buffer.alloc(32, 7) },
        { id: 'next', key: Buffer.alloc(32, 8) },
      ]);
      await sealStoredSecrets(t.database.db, back);
    });

    it('keeps the media signing secret encrypted, migrating one stored in clear', async () => {
      await t.database.db.deleteFrom('instance_settings').where('key', '=', 'signing_secret').execute();
      await t.database.db
        .insertInto('instance_settings')
        .values({ key: 'signing_secret', value: 'plain-signing-secret' })
        .execute();
      assert.equal(await ensureInstanceSecret(t.database.db, TEST_KEYRING), 'plain-signing-secret');
      const row = await t.database.db
        .selectFrom('instance_settings')
        .select('value')
        .where('key', '=', 'signing_secret')
        .executeTakeFirstOrThrow();
      assert.match(row.value, /^enc1:test:/);
      assert.equal(await ensureInstanceSecret(t.database.db, TEST_KEYRING), 'plain-signing-secret');
    });

    it('wipes a final run’s secret after its deliveries are done and the grace has passed', async () => {
      const url = 'http://127.0.0.1:9/hook';
      const done = await dispatchRun(t, templateId, { url });
      const waiting = await dispatchRun(t, templateId, { url });
      const open = await dispatchRun(t, templateId, { url });
      const finishedAt = new Date(Date.now() - 10 * DAY_MS);
      for (const runId of [done, waiting])
        await t.database.db
          .updateTable('runs')
          .set({ status: 'completed', finished_at: finishedAt })
          .where('id', '=', runId)
          .execute();
      // `waiting` still has a delivery to attempt.
      await appendEvent(t.database, waiting, 'step.completed', SAMPLE_DATA['step.completed']);
      const config = { secretWipeGraceDays: 7, deliveryLogRetentionDays: 30 };
      const early = await runMaintenance(t.database.db, { ...config, secretWipeGraceDays: 11 }, new Date());
      assert.equal(early.secretsWiped, 0, 'not within the grace period');
      const result = await runMaintenance(t.database.db, config, new Date());
      assert.equal(result.secretsWiped, 1);
      assert.equal(await storedSecret(done), null);
      assert.notEqual(await storedSecret(waiting), null, 'a delivery is still to be attempted');
      assert.notEqual(await storedSecret(open), null, 'the run is not final');
    });
  });
}
