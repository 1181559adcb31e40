/**
 * An independent implementation of RFC 9421 (the `http-message-signatures` npm package, HMAC verifier and
 * signer) must agree with ours in both directions.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSigner, createVerifier, httpbis } from 'http-message-signatures';
import { contentDigest, signWebhook, verifyWebhook } from '@rundun/webhooks';
import { RUN_ID, SECRET, WEBHOOK_URL, sampleEvent } from './fixtures.js';

const COMPONENTS = ['@method', '@target-uri', 'content-type', 'content-digest'];

function verifyWithPackage(secret: string, headers: Record<string, string>): Promise<boolean | null> {
  return httpbis.verifyMessage(
    {
      keyLookup: (params) =>
        Promise.resolve(
          params.keyid === RUN_ID
            ? {
                id: RUN_ID,
                algs: ['hmac-sha256'],
                verify: createVerifier(Buffer.from(secret, 'utf8'), 'hmac-sha256'),
              }
            : null,
        ),
      requiredFields: COMPONENTS,
      requiredParams: ['created', 'keyid', 'alg', 'tag'],
      maxAge: 300,
    },
    { method: 'POST', url: WEBHOOK_URL, headers },
  );
}

void describe('cross-check with the http-message-signatures package', () => {
  void it('verifies a signWebhook signature with its HMAC verifier', async () => {
    const body = JSON.stringify(sampleEvent());
    const headers = signWebhook({ url: WEBHOOK_URL, body, secret: SECRET, keyId: RUN_ID });
    assert.equal(await verifyWithPackage(SECRET, { ...headers }), true);
    assert.equal(await verifyWithPackage(`${SECRET}x`, { ...headers }), false);
  });

  void it('has verifyWebhook accept a signature made by its signer in Rundun format', async () => {
    const body = JSON.stringify(sampleEvent());
    const created = Math.floor(Date.now() / 1000);
    const signed = await httpbis.signMessage(
      {
        key: createSigner(Buffer.from(SECRET, 'utf8'), 'hmac-sha256', RUN_ID),
        name: 'rundun',
        fields: COMPONENTS,
        params: ['created', 'keyid', 'alg', 'tag'],
        paramValues: { created: new Date(created * 1000), tag: 'rundun-webhook' },
      },
      {
        method: 'POST',
        url: WEBHOOK_URL,
        headers: { 'content-type': 'application/json', 'content-digest': contentDigest(body) },
      },
    );
    const headers = signed.headers as Record<string, string>;
    const ours = signWebhook({ url: WEBHOOK_URL, body, secret: SECRET, keyId: RUN_ID, created });
    assert.equal(headers['Signature-Input'], ours['signature-input']);
    assert.equal(headers['Signature'], ours.signature);
    const event = verifyWebhook({ url: WEBHOOK_URL, headers, body, secret: SECRET, now: created });
    assert.deepEqual(event, sampleEvent());
  });
});
