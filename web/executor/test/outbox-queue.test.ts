/** The outbox's pure rules (src/outbox-queue.ts): replacement, answer bodies, what a failure leads to. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, NetworkError } from '../src/api';
import {
  BROKEN_SEND_ATTEMPTS,
  buildAnswerBody,
  classifyFailure,
  describeBrokenSend,
  replaceQueuedWrites,
  type OutboxOp,
} from '../src/outbox-queue';

const media = (step: string, id: string): OutboxOp => ({ kind: 'media', request_id: id, step_id: step });
const answer = (step: string, id: string, extra: Partial<OutboxOp> = {}): OutboxOp => ({
  kind: 'answer',
  request_id: id,
  step_id: step,
  answer: true,
  answer_media_ref: null,
  photos: [],
  geo: null,
  ...extra,
});
const skip = (step: string, id: string): OutboxOp => ({ kind: 'skip', request_id: id, step_id: step });
const uploaded = (id: string) => ({
  media_id: id,
  url: `/m/${id}`,
  thumbnail_url: `/t/${id}`,
  content_type: 'image/jpeg',
  width: 1600,
  height: 1200,
});

describe('outbox queue rules', () => {
  it('a newer answer replaces the queued writes of its step, never photos, a write in flight, or one another step’s write followed', () => {
    const ops = [media('a', 'm1'), answer('a', 'r1'), answer('a', 'r2')];
    assert.deepEqual(
      replaceQueuedWrites(ops, 'a', null).map((op) => op.request_id),
      ['m1'],
    );
    assert.deepEqual(
      replaceQueuedWrites(ops, 'a', 'r1').map((op) => op.request_id),
      ['m1', 'r1'],
      'the one in flight stays',
    );
    // r1 was the answer when b was given (b may be shown only for it): the server sees both, in order.
    const interleaved = [answer('a', 'r1'), skip('b', 'r2'), answer('a', 'r3')];
    assert.deepEqual(
      replaceQueuedWrites(interleaved, 'a', null).map((op) => op.request_id),
      ['r1', 'r2'],
    );
    assert.deepEqual(
      replaceQueuedWrites(interleaved, 'b', null).map((op) => op.request_id),
      ['r1', 'r2', 'r3'],
    );
  });

  it('an answer body names the uploaded media ids, in order, and the signature as the answer', () => {
    const op = answer('a', 'r1', {
      photos: [{ ref: 'm1' }, { media_id: 'med-known' }, { ref: 'm2' }],
      answer: null,
      answer_media_ref: 'sig',
      geo: { lat: 1, lng: 2, accuracy_m: 3 },
    }) as Extract<OutboxOp, { kind: 'answer' }>;
    const { body, missing } = buildAnswerBody(op, {
      m1: uploaded('med-1'),
      m2: uploaded('med-2'),
      sig: uploaded('med-sig'),
    });
    assert.deepEqual(missing, []);
    assert.deepEqual(body, {
      answer: 'med-sig',
      media_ids: ['med-1', 'med-known', 'med-2'],
      geo: { lat: 1, lng: 2, accuracy_m: 3 },
      request_id: 'r1',
    });
  });

  it('an answer whose photo was never uploaded is not sendable: the photo is never silently dropped', () => {
    const op = answer('a', 'r1', { photos: [{ ref: 'm1' }, { ref: 'gone' }], answer_media_ref: 'sig' });
    const { missing } = buildAnswerBody(op as Extract<OutboxOp, { kind: 'answer' }>, { m1: uploaded('x') });
    assert.deepEqual(missing, ['gone', 'sig']);
  });

  it('retries what the network or the server may still take, stops at a final no, gives up on a broken write', () => {
    assert.equal(classifyFailure(new NetworkError(), 50), 'retry');
    for (const status of [500, 503, 408, 429])
      assert.equal(classifyFailure(new ApiError(status, {}), 9), 'retry');
    for (const status of [400, 404, 409, 410, 422])
      assert.equal(classifyFailure(new ApiError(status, {}), 1), 'refused');
    const bug = new TypeError('op.photos is not iterable');
    for (let attempt = 1; attempt < BROKEN_SEND_ATTEMPTS; attempt++)
      assert.equal(classifyFailure(bug, attempt), 'retry');
    assert.equal(classifyFailure(bug, BROKEN_SEND_ATTEMPTS), 'broken');
    assert.match(describeBrokenSend(bug), /TypeError: op\.photos is not iterable.*tap Next again/);
  });
});
