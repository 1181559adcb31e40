import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  contentDigest,
  verifyWebhook,
  WebhookVerificationError,
  type VerifyWebhookOptions,
} from '@rundun/webhooks';
import { NOW, RUN_ID, SECRET, WEBHOOK_URL, sampleEvent, signVariant, signedDelivery } from './fixtures.js';

type Code = WebhookVerificationError['code'];

function verify(overrides: Partial<VerifyWebhookOptions> & Pick<VerifyWebhookOptions, 'headers' | 'body'>) {
  return verifyWebhook({ url: WEBHOOK_URL, secret: SECRET, now: NOW, ...overrides });
}

function assertRefused(code: Code, options: Parameters<typeof verify>[0]): void {
  assert.throws(
    () => verify(options),
    (error: unknown) => {
      assert.ok(
        error instanceof WebhookVerificationError,
        `expected WebhookVerificationError, got ${String(error)}`,
      );
      assert.equal(error.code, code, error.message);
      assert.equal(error.name, 'WebhookVerificationError');
      return true;
    },
  );
}

const PARAMS: ReadonlyArray<readonly [string, string | number]> = [
  ['created', NOW],
  ['keyid', RUN_ID],
  ['alg', 'hmac-sha256'],
  ['tag', 'rundun-webhook'],
];

void describe('verifyWebhook accepts genuine deliveries', () => {
  void it('returns the parsed, typed event after a sign → verify round trip', () => {
    const { body, headers } = signedDelivery();
    const event = verify({ headers, body });
    assert.deepEqual(event, sampleEvent());
    assert.equal(event.event, 'step.completed');
    if (event.event === 'step.completed') assert.equal(event.data.executor_ref, 'job-1234');
  });

  void it('accepts the body as bytes, and headers as fetch Headers or a record with any case and arrays', () => {
    const { body, headers } = signedDelivery();
    const bytes = Buffer.from(body, 'utf8');
    assert.equal(verify({ headers: new Headers(headers), body: bytes }).seq, 1);
    const nodeStyle = {
      'Content-Type': headers['content-type'],
      'CONTENT-DIGEST': [headers['content-digest']],
      'signature-input': headers['signature-input'],
      signature: headers.signature,
      host: 'internal:8080',
    };
    assert.equal(verify({ headers: nodeStyle, body: new Uint8Array(bytes) }).seq, 1);
  });

  void it('accepts a created time exactly at the tolerance, in both directions', () => {
    const { body, headers } = signedDelivery();
    assert.doesNotThrow(() => verify({ headers, body, now: NOW + 300 }));
    assert.doesNotThrow(() => verify({ headers, body, now: NOW - 300 }));
  });

  void it('ignores other signatures beside the rundun one', () => {
    const { body, headers } = signedDelivery();
    const withOthers = {
      ...headers,
      'signature-input': `proxy=("@authority");created=1, ${headers['signature-input']}`,
      signature: `proxy=:AAAA:, ${headers.signature}`,
    };
    assert.equal(verify({ headers: withOthers, body }).run_id, RUN_ID);
  });

  void it('accepts a signature without the optional alg parameter', () => {
    const { body, headers } = signVariant({ params: new Map(PARAMS.filter(([name]) => name !== 'alg')) });
    assert.equal(verify({ headers, body }).run_id, RUN_ID);
  });
});

void describe('verifyWebhook refuses', () => {
  const { body, headers } = signedDelivery();

  void it('a tampered body (digest_mismatch)', () => {
    assertRefused('digest_mismatch', { headers, body: body.replace('"answer":true', '"answer":false') });
  });

  void it('a tampered body with a recomputed Content-Digest (signature_mismatch)', () => {
    const tampered = body.replace('"answer":true', '"answer":false');
    assertRefused('signature_mismatch', {
      headers: { ...headers, 'content-digest': contentDigest(tampered) },
      body: tampered,
    });
  });

  void it('a re-serialized body, even when semantically equal (digest_mismatch)', () => {
    assertRefused('digest_mismatch', { headers, body: JSON.stringify(JSON.parse(body), null, 2) });
  });

  void it('the wrong secret (signature_mismatch)', () => {
    assertRefused('signature_mismatch', { headers, body, secret: `${SECRET}x` });
  });

  void it('another URL, such as the internal one behind a proxy (signature_mismatch)', () => {
    assertRefused('signature_mismatch', { headers, body, url: 'http://127.0.0.1:8080/rundun?tenant=42' });
    assertRefused('signature_mismatch', {
      headers,
      body,
      url: 'https://hooks.example.test/rundun?tenant=43',
    });
  });

  void it('another method (signature_mismatch)', () => {
    assertRefused('signature_mismatch', { headers, body, method: 'PUT' });
  });

  void it('a changed Content-Type (signature_mismatch)', () => {
    assertRefused('signature_mismatch', { headers: { ...headers, 'content-type': 'text/plain' }, body });
  });

  void it('a stale created time (stale_signature)', () => {
    assertRefused('stale_signature', { headers, body, now: NOW + 301 });
    assertRefused('stale_signature', { headers, body, now: NOW + 61, toleranceSeconds: 60 });
  });

  void it('a created time too far in the future (future_signature)', () => {
    assertRefused('future_signature', { headers, body, now: NOW - 301 });
  });

  void it('an expires parameter that has passed (stale_signature)', () => {
    const expiring = signVariant({ params: new Map([...PARAMS, ['expires', NOW + 10]]) });
    assert.doesNotThrow(() => verify({ ...expiring, now: NOW + 10 }));
    assertRefused('stale_signature', { ...expiring, now: NOW + 11 });
  });

  for (const name of ['content-type', 'content-digest', 'signature-input', 'signature'] as const) {
    void it(`a request without ${name} (missing_header)`, () => {
      const { [name]: _removed, ...rest } = headers;
      assertRefused('missing_header', { headers: rest, body });
      assertRefused('missing_header', { headers: { ...rest, [name]: '' }, body });
    });
  }

  void it('components missing, reordered, added or parameterized, even when correctly signed (unexpected_components)', () => {
    const variants = [
      ['@method', '@target-uri', 'content-digest'],
      ['@target-uri', '@method', 'content-type', 'content-digest'],
      ['@method', '@target-uri', 'content-type', 'content-digest', '@authority'],
    ];
    for (const components of variants) assertRefused('unexpected_components', signVariant({ components }));
    const withParam = headers['signature-input'].replace('"content-digest")', '"content-digest";sf)');
    assertRefused('unexpected_components', { headers: { ...headers, 'signature-input': withParam }, body });
  });

  void it('a signature under another label (label_not_found)', () => {
    assertRefused('label_not_found', signVariant({ label: 'sig1' }));
    assertRefused('label_not_found', {
      headers: { ...headers, signature: headers.signature.replace('rundun=', 'sig1=') },
      body,
    });
  });

  void it('a wrong or missing tag, even when correctly signed (unexpected_tag)', () => {
    const wrongTag = new Map<string, string | number>(
      PARAMS.map(([k, v]) => [k, k === 'tag' ? 'webhook' : v]),
    );
    assertRefused('unexpected_tag', signVariant({ params: wrongTag }));
    assertRefused('unexpected_tag', signVariant({ params: new Map(PARAMS.filter(([k]) => k !== 'tag')) }));
    const tokenTag = headers['signature-input'].replace('tag="rundun-webhook"', 'tag=rundun-webhook');
    assertRefused('unexpected_tag', { headers: { ...headers, 'signature-input': tokenTag }, body });
  });

  void it('another algorithm (unsupported_algorithm)', () => {
    const rsa = new Map<string, string | number>(
      PARAMS.map(([k, v]) => [k, k === 'alg' ? 'rsa-pss-sha512' : v]),
    );
    assertRefused('unsupported_algorithm', signVariant({ params: rsa }));
  });

  void it('an unparseable Signature-Input, or one without an integer created (malformed_signature_input)', () => {
    const malformed = (value: string) => ({ headers: { ...headers, 'signature-input': value }, body });
    assertRefused('malformed_signature_input', malformed('rundun=("@method" "@target-uri"'));
    assertRefused('malformed_signature_input', malformed('rundun="@method"'));
    assertRefused(
      'malformed_signature_input',
      signVariant({ params: new Map(PARAMS.filter(([k]) => k !== 'created')) }),
    );
    assertRefused(
      'malformed_signature_input',
      malformed(headers['signature-input'].replace(/created=\d+/, 'created=1.5')),
    );
  });

  void it('a Signature that is not a byte sequence (malformed_signature) or has the wrong length (signature_mismatch)', () => {
    assertRefused('malformed_signature', { headers: { ...headers, signature: 'rundun="abc"' }, body });
    assertRefused('malformed_signature', { headers: { ...headers, signature: 'rundun=:abc' }, body });
    assertRefused('signature_mismatch', { headers: { ...headers, signature: 'rundun=:AAAA:' }, body });
  });

  void it('a Content-Digest without a sha-256 byte sequence (malformed_content_digest)', () => {
    const sha512Only =
      'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:';
    assertRefused('malformed_content_digest', {
      headers: { ...headers, 'content-digest': sha512Only },
      body,
    });
    assertRefused('malformed_content_digest', { headers: { ...headers, 'content-digest': 'sha-256' }, body });
  });

  void it('a correctly signed body that is not a JSON event (malformed_body)', () => {
    for (const event of ['not json', [1, 2], { no: 'event' }]) {
      const delivery =
        typeof event === 'string' ? signedDelivery({ body: event }) : signedDelivery({ event });
      assertRefused('malformed_body', delivery);
    }
  });

  void it('options that are programming errors, with a TypeError', () => {
    assert.throws(() => verify({ headers, body, now: Date.now() }), TypeError);
    assert.throws(() => verify({ headers, body, secret: '' }), TypeError);
    assert.throws(() => verify({ headers, body, toleranceSeconds: -1 }), TypeError);
  });
});
