import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildEnvelope, deliveryBody, withDeliveryAttempt } from '../../src/domain/events.js';

const envelope = buildEnvelope(
  {
    id: 'r-550e8400-e29b-41d4-a716-446655440000',
    templateId: 't-1',
    templateVersion: 3,
    identity: { mode: 'external', name: 'Ana "the cleaner" Ruiz', email: 'ana@example.com' },
    executorRef: 'booking-1',
    livemode: true,
  },
  {
    id: 'evt-0b6c1f9e-3f1d-4b8e-9a51-6a1f3c2d4e5f',
    type: 'step.completed',
    seq: 4,
    at: new Date('2026-11-23T10:00:00.000Z'),
    data: { step_id: 'odometer', answer: 'ünïcode \\ "quoted"', photos: [] },
  },
);

void describe('deliveryBody', () => {
  void it('gives the bytes of withDeliveryAttempt for an envelope as this version stores it', () => {
    for (const attempt of [1, 2, 12]) {
      const body = deliveryBody(JSON.stringify(envelope), attempt);
      assert.equal(body, JSON.stringify(withDeliveryAttempt(envelope, attempt)));
      assert.deepEqual(Object.keys(JSON.parse(body) as object).slice(0, 3), [
        'event_id',
        'delivery_attempt',
        'event',
      ]);
    }
  });

  void it('puts an envelope stored as jsonb (keys reordered, spaces) back in the documented order', () => {
    const { seq, data, identity, ...rest } = envelope;
    const reordered = JSON.stringify({ seq, data, identity, ...rest }, null, 1).replaceAll('\n', '');
    assert.equal(deliveryBody(reordered, 2), JSON.stringify(withDeliveryAttempt(envelope, 2)));
  });
});
