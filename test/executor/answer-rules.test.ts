import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isValidDateAnswer, validateAnswer } from '../../src/domain/answers.js';
import { DomainError } from '../../src/domain/errors.js';
import { assertMayWrite, isSameIdentity, resolveIdentity } from '../../src/domain/identity.js';
import { listMissingSteps } from '../../src/domain/run-logic.js';
import { parseTemplate } from '../../src/domain/template.js';
import { EVERY_STEP_TEMPLATE } from '../helpers/app.js';

const template = parseTemplate(EVERY_STEP_TEMPLATE);
const step = (id: string) => template.steps.find((s) => s.id === id)!;
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof DomainError);
    return error.code;
  }
  return 'ok';
};

describe('answer rules (pure)', () => {
  it('accepts real calendar dates and zoned date-times only', () => {
    assert.equal(isValidDateAnswer('2024-02-29', 'date'), true);
    assert.equal(isValidDateAnswer('2023-02-29', 'date'), false);
    assert.equal(isValidDateAnswer('2026-13-01', 'date'), false);
    assert.equal(isValidDateAnswer('2026-05-10T14:00:00.123Z', 'datetime'), true);
    assert.equal(isValidDateAnswer('2026-05-10T24:00:00Z', 'datetime'), false);
    assert.equal(isValidDateAnswer('2026-05-10 14:00Z', 'datetime'), false);
  });

  it('returns the stored shape: the signature id taken out of the photos, geo kept when asked for', () => {
    const media = [{ id: 'med-sig', stepId: 's-sg01', contentType: 'image/png' }];
    const valid = validateAnswer(
      template,
      step('s-sg01'),
      {
        answer: 'med-sig',
        mediaIds: ['med-sig'],
        geo: { lat: 1, lng: 2, accuracy_m: 3 },
      },
      media,
    );
    assert.deepEqual(valid, { answer: 'med-sig', mediaIds: [], geo: { lat: 1, lng: 2, accuracy_m: 3 } });
  });

  it('lists the required steps without an answer, skipped ones included', () => {
    const missing = listMissingSteps(template, [
      { stepId: 's-od01', status: 'answered' },
      { stepId: 's-fu01', status: 'skipped' },
    ]);
    assert.equal(missing[0]!.step_id, 's-fu01');
    assert.equal(missing.length, 8);
  });
});

describe('identity rules (pure)', () => {
  const anonymous = { identity: 'anonymous' as const };
  const nobody = { sessionUserId: null, isMember: false, assignedTo: null };

  it('makes an anonymous executor external when they give a name, and trims it', () => {
    assert.deepEqual(resolveIdentity(anonymous, undefined, nobody), { mode: 'anonymous' });
    assert.deepEqual(resolveIdentity(anonymous, { name: '  Ann ' }, nobody), {
      mode: 'external',
      name: 'Ann',
    });
    assert.equal(
      codeOf(() => resolveIdentity(anonymous, { mode: 'external' }, nobody)),
      'invalid_request',
    );
  });

  it('lets a signed-in member identify as a member on any template, and only the assignee on assigned runs', () => {
    const member = { sessionUserId: 'u-1', isMember: true, assignedTo: null };
    assert.deepEqual(resolveIdentity(anonymous, { mode: 'member' }, member), {
      mode: 'member',
      user_id: 'u-1',
    });
    assert.equal(
      codeOf(() => resolveIdentity(anonymous, { mode: 'member' }, nobody)),
      'unauthorized',
    );
    assert.equal(
      codeOf(() => resolveIdentity(anonymous, {}, { ...member, assignedTo: 'u-2' })),
      'forbidden',
    );
    assert.deepEqual(resolveIdentity(anonymous, {}, { ...member, assignedTo: 'u-1' }), {
      mode: 'member',
      user_id: 'u-1',
    });
  });

  it('guards writes to member runs and compares identities field by field', () => {
    assert.equal(
      codeOf(() => assertMayWrite({ assignedTo: null, identity: { mode: 'member', user_id: 'u-1' } }, null)),
      'forbidden',
    );
    assert.equal(
      codeOf(() => assertMayWrite({ assignedTo: null, identity: { mode: 'anonymous' } }, null)),
      'ok',
    );
    assert.equal(
      isSameIdentity(
        { mode: 'external', name: 'A', email: 'a@b.c' },
        { mode: 'external', email: 'a@b.c', name: 'A' },
      ),
      true,
    );
    assert.equal(isSameIdentity({ mode: 'external', name: 'A' }, { mode: 'external', name: 'B' }), false);
  });
});
