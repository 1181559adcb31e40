/** Draft merging, resume position and upload/refusal updates (src/drafts.ts): the phone's copy of a run. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEmptyDraft, fingerprintDraft, type StepDraft } from '../src/answers';
import {
  REVIEW,
  choosePosition,
  mergeDrafts,
  withRefusedAnswer,
  withRefusedUpload,
  withUploadedMedia,
} from '../src/drafts';
import type { ServerAnswer, Step } from '../src/types';

const steps: Step[] = [
  { id: 's1', type: 'boolean', label: 'One', required: true },
  { id: 's2', type: 'text', label: 'Two', required: false, photos: { min: 0, max: 3 } },
  { id: 's3', type: 'number', label: 'Three', required: true },
];
const server = (answer: unknown, media: ServerAnswer['media'] = []): ServerAnswer => ({
  status: 'answered',
  answer,
  media,
  geo: null,
  answered_at: '2026-12-02T09:00:00.000Z',
});
const med1 = {
  media_id: 'med-1',
  url: '/u',
  thumbnail_url: '/t',
  content_type: 'image/jpeg',
  width: 1600,
  height: 1200,
};
const sentDraft = (draft: StepDraft): StepDraft => ({
  ...draft,
  status: 'answered',
  sent: fingerprintDraft(draft),
});

describe('drafts', () => {
  it('keeps a local draft whose write is still queued, over what the server holds', () => {
    const mine = { ...createEmptyDraft(steps[0]!), value: false };
    const merged = mergeDrafts(steps, { s1: server(true) }, { s1: mine }, (id) => id === 's1');
    assert.equal(merged.s1!.value, false);
  });

  it('takes the server’s answer when nothing is queued (another tab or device answered since)', () => {
    const stale = sentDraft({ ...createEmptyDraft(steps[0]!), value: false });
    const merged = mergeDrafts(steps, { s1: server(true) }, { s1: stale }, () => false);
    assert.equal(merged.s1!.value, true);
    assert.equal(merged.s1!.status, 'answered');
  });

  it('keeps unsent typing but takes the server’s status, and forgets a status the server does not hold', () => {
    const typing = { ...sentDraft({ ...createEmptyDraft(steps[1]!), value: 'old' }), value: 'new, unsent' };
    const merged = mergeDrafts(
      steps,
      { s2: server('old') },
      { s2: typing, s3: sentDraft({ ...createEmptyDraft(steps[2]!), value: '4' }) },
      () => false,
    );
    assert.equal(merged.s2!.value, 'new, unsent');
    assert.equal(merged.s2!.status, 'answered');
    assert.equal(merged.s3!.status, null, 'the server never confirmed it');
    assert.equal(merged.s3!.value, '4', 'but what was typed stays');
  });

  it('resumes on the stored screen, else the first open step from the last one, else a required one, else the review', () => {
    const empty = mergeDrafts(steps, {}, {}, () => false);
    assert.equal(choosePosition(steps, empty, 's3', null), 's3');
    assert.equal(choosePosition(steps, empty, REVIEW, null), REVIEW);
    assert.equal(choosePosition(steps, empty, 'gone', 's2'), 's2');
    const answered = { ...empty, s3: { ...empty.s3!, status: 'answered' as const } };
    assert.equal(choosePosition(steps, answered, null, 's3'), 's1');
    const all = Object.fromEntries(
      steps.map((s) => [s.id, { ...empty[s.id]!, status: 'answered' as const }]),
    );
    assert.equal(choosePosition(steps, all, null, 's3'), REVIEW);
  });

  it('gives an uploaded photo its media id, and a step that was sent stays counted as sent', () => {
    const draft = sentDraft({
      ...createEmptyDraft(steps[1]!),
      value: 'x',
      photos: [{ ref: 'm1' }, { ref: 'm2' }],
    });
    const next = withUploadedMedia(draft, 'm1', med1);
    assert.deepEqual(next.photos[0], { ref: 'm1', media_id: 'med-1', url: '/u', thumbnail_url: '/t' });
    assert.equal(next.sent, fingerprintDraft(next));
    const unsent = { ...draft, sent: 'something else' };
    assert.equal(withUploadedMedia(unsent, 'm1', med1).sent, 'something else');
  });

  it('a refused upload drops that photo with the reason; a refused answer reopens the step', () => {
    const draft = sentDraft({
      ...createEmptyDraft(steps[1]!),
      value: 'x',
      photos: [{ ref: 'm1' }, { ref: 'm2' }],
    });
    const refused = withRefusedUpload(draft, 'm2', 'too large');
    assert.deepEqual(refused.photos, [{ ref: 'm1' }]);
    assert.match(refused.error!, /too large/);
    assert.equal(refused.refused, true);
    const reopened = withRefusedAnswer(draft, 'Hidden step');
    assert.equal(reopened.status, null);
    assert.equal(reopened.sent, null);
    assert.equal(reopened.value, 'x', 'what the person gave is kept to send again');
  });
});
