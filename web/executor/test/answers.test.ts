/** Draft ⇄ API answer per step type (src/answers.ts): what the phone sends for what the person did. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createDraftFromServer,
  createEmptyDraft,
  evaluateStep,
  fingerprintDraft,
  formatAnswer,
  readAnswer,
} from '../src/answers';
import type { Step } from '../src/types';

const step = (extra: Partial<Step> & Pick<Step, 'type'>): Step => ({
  id: 's',
  label: 'L',
  required: false,
  ...extra,
});

describe('answer mapping', () => {
  it('reads numbers with a decimal comma, checks integer and range', () => {
    const n = step({ type: 'number', min: 0, max: 100 });
    assert.deepEqual(readAnswer(n, ' 3,5 '), { kind: 'ok', answer: 3.5 });
    assert.equal(readAnswer(n, '').kind, 'empty');
    assert.equal(readAnswer(n, '12abc').kind, 'invalid');
    assert.equal(readAnswer({ ...n, integer: true }, '2.5').kind, 'invalid');
    assert.equal(readAnswer(n, '101').kind, 'invalid');
  });

  it('sends a date as YYYY-MM-DD and a date and time as UTC with Z', () => {
    assert.deepEqual(readAnswer(step({ type: 'datetime', mode: 'date' }), '2026-05-10'), {
      kind: 'ok',
      answer: '2026-05-10',
    });
    const local = '2026-05-10T14:00';
    const expected = new Date(local).toISOString().replace(/\.\d{3}Z$/, 'Z');
    assert.deepEqual(readAnswer(step({ type: 'datetime', mode: 'datetime' }), local), {
      kind: 'ok',
      answer: expected,
    });
  });

  it('sends multi_choice ids in the options’ order and checks the counts', () => {
    const m = step({
      type: 'multi_choice',
      options: [
        { id: 'a', label: 'A' },
        { id: 'b', label: 'B' },
        { id: 'c', label: 'C' },
      ],
      max_selected: 2,
    });
    assert.deepEqual(readAnswer(m, ['c', 'a']), { kind: 'ok', answer: ['a', 'c'] });
    assert.equal(readAnswer(m, ['a', 'b', 'c']).kind, 'invalid');
    assert.equal(readAnswer(m, []).kind, 'empty');
  });

  it('counts photos: a required photo step, a photo minimum, and photos without an answer', () => {
    const photo = step({ type: 'photo', required: true, photos: { min: 2, max: 3 } });
    const none = createEmptyDraft(photo);
    assert.deepEqual(evaluateStep(photo, none, false), {
      kind: 'invalid',
      message: 'Take at least 2 photos.',
    });
    const one = { ...none, photos: [{ ref: 'p1' }] };
    assert.match(
      (evaluateStep(photo, one, false) as { message: string }).message,
      /at least 2 photos \(1 added\)/,
    );
    const overlay = step({ type: 'boolean', photos: { min: 0, max: 3 } });
    assert.equal(
      evaluateStep(overlay, { ...createEmptyDraft(overlay), photos: [{ ref: 'p' }] }, false).kind,
      'invalid',
    );
    assert.equal(evaluateStep(overlay, createEmptyDraft(overlay), false).kind, 'empty');
    const optionalPhotos = step({ type: 'photo', photos: { min: 0, max: 3 } });
    assert.deepEqual(
      evaluateStep(optionalPhotos, { ...createEmptyDraft(optionalPhotos), photos: [{ ref: 'p' }] }, false),
      {
        kind: 'ok',
        answer: null,
      },
    );
  });

  it('rebuilds a signature from the server’s URL answer, and the draft counts as already sent', () => {
    const sig = step({ type: 'signature', required: true });
    const draft = createDraftFromServer(sig, {
      status: 'answered',
      answer: '/media/runs/r/s/med-1.png?exp=1',
      media: [
        {
          media_id: 'med-1',
          url: '/media/runs/r/s/med-1.png?exp=1',
          thumbnail_url: '/t',
          content_type: 'image/png',
          width: 600,
          height: 200,
        },
      ],
      geo: null,
      answered_at: '2026-12-02T09:00:00.000Z',
    });
    assert.equal(draft.signature?.media_id, 'med-1');
    assert.deepEqual(draft.photos, []);
    assert.equal(draft.sent, fingerprintDraft(draft));
    assert.equal(formatAnswer(sig, draft), 'Signed');
  });

  it('an unsaved sketch on the pad is not part of the answer’s fingerprint', () => {
    const sig = step({ type: 'signature' });
    const draft = createEmptyDraft(sig);
    assert.equal(
      fingerprintDraft({ ...draft, sketch: { strokes: [{}], typed: 'Al' } }),
      fingerprintDraft(draft),
    );
  });
});
