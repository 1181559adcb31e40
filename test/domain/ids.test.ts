import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isId, newId, newOptionId, newStepId } from '../../src/domain/ids.js';
import { OPTION_ID_PATTERN, parseTemplate, STEP_ID_PATTERN } from '../../src/domain/template.js';

describe('ids', () => {
  it('draws record ids as prefix and UUIDv4', () => {
    const id = newId('t');
    assert.ok(isId('t', id), id);
    assert.notEqual(newId('t'), id);
  });

  it('draws step and option ids that match the template patterns and are not taken', () => {
    const taken = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const step = newStepId(taken);
      assert.match(step, /^s-[0-9a-f]{10}$/);
      assert.match(step, new RegExp(STEP_ID_PATTERN));
      assert.ok(!taken.has(step));
      taken.add(step);
      assert.match(newOptionId(taken), new RegExp(OPTION_ID_PATTERN));
    }
  });

  it('gives a step sent without an id the same kind of id the editor draws', () => {
    const template = parseTemplate({
      name: 'Ids',
      steps: [{ type: 'choice', label: 'Pick', options: [{ label: 'A' }, { label: 'B' }] }],
    });
    assert.match(template.steps[0]!.id, /^s-[0-9a-f]{10}$/);
    for (const option of template.steps[0]!.options!) assert.match(option.id, /^o-[0-9a-f]{10}$/);
  });
});
