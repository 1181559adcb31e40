import { createSignatureBase, signWebhook, type StepCompletedEvent } from '@rundun/webhooks';
import { hmacSha256 } from '../src/hmac.js';

export const SECRET = 'whsec_test_0123456789abcdef';
export const WEBHOOK_URL = 'https://hooks.example.test/rundun?tenant=42';
export const RUN_ID = 'r-550e8400-e29b-41d4-a716-446655440000';
/** 2026-05-22T08:33:12Z */
export const NOW = 1779438792;

export function sampleEvent(overrides: Partial<StepCompletedEvent> = {}): StepCompletedEvent {
  return {
    event_id: 'evt-550e8400-e29b-41d4-a716-446655440000',
    delivery_attempt: 1,
    event: 'step.completed',
    run_id: RUN_ID,
    template_id: 't-a3f9bc00-e29b-41d4-a716-446655440000',
    template_v: 3,
    ts: '2026-05-22T08:33:12Z',
    identity: { mode: 'member', user_id: 'u-abc12300-e29b-41d4-a716-446655440000' },
    seq: 1,
    livemode: true,
    data: {
      executor_ref: 'job-1234',
      step_id: 's-dm01',
      step_label: 'Any pre-existing damage? ✓',
      step_type: 'boolean',
      answer: true,
      photos: [],
      geo: null,
      progress: { total: 6, answered: 3, skipped: 0 },
    },
    ...overrides,
  };
}

/** A delivery as Rundun sends it: the JSON body and the four signed headers. */
export function signedDelivery(
  options: { event?: unknown; body?: string; created?: number; url?: string; secret?: string } = {},
) {
  const body = options.body ?? JSON.stringify(options.event ?? sampleEvent());
  const headers = signWebhook({
    url: options.url ?? WEBHOOK_URL,
    body,
    secret: options.secret ?? SECRET,
    keyId: RUN_ID,
    created: options.created ?? NOW,
  });
  return { body, headers };
}

/**
 * Signs a request the way an arbitrary RFC 9421 signer could, with any label, components and parameters,
 * so tests can check that the verifier refuses well-signed requests that are not in Rundun's format.
 */
export function signVariant(options: {
  label?: string;
  components?: readonly string[];
  params?: ReadonlyMap<string, string | number>;
}): { body: string; headers: Record<string, string> } {
  const label = options.label ?? 'rundun';
  const { body, headers } = signedDelivery();
  const signed = { 'content-type': headers['content-type'], 'content-digest': headers['content-digest'] };
  const { base, signatureParams } = createSignatureBase({
    method: 'POST',
    url: WEBHOOK_URL,
    headers: signed,
    components: options.components ?? ['@method', '@target-uri', 'content-type', 'content-digest'],
    params:
      options.params ??
      new Map<string, string | number>([
        ['created', NOW],
        ['keyid', RUN_ID],
        ['alg', 'hmac-sha256'],
        ['tag', 'rundun-webhook'],
      ]),
  });
  return {
    body,
    headers: {
      ...signed,
      'signature-input': `${label}=${signatureParams}`,
      signature: `${label}=:${hmacSha256(SECRET, base).toString('base64')}:`,
    },
  };
}
