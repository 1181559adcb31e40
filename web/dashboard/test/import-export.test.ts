/** The editor's import (src/pages/templates/editor/import-export.ts): what it takes and what it refuses. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readImport } from '../src/pages/templates/editor/import-export';

const refusal = (text: string) => {
  const read = readImport(text);
  assert.ok('error' in read, `refused: ${text}`);
  return read;
};

describe('template import', () => {
  it('refuses text that is not JSON', () => {
    assert.match(refusal('{ name: oops').error, /^This is not JSON: /);
  });

  it('refuses JSON that is not a template object: a list, a number, null, no steps list', () => {
    assert.match(refusal('[{"name":"x","steps":[]}]').error, /^This JSON is a list, not a template/);
    assert.match(refusal('42').error, /^This JSON is a number, not a template/);
    assert.match(refusal('null').error, /^This JSON is null, not a template/);
    assert.match(refusal('{"name":"No steps"}').error, /has no "steps" list/);
    assert.match(refusal('{"name":"Odd","steps":{}}').error, /has no "steps" list/);
  });

  it("refuses a template the server's rules refuse, naming each step and field", () => {
    const read = refusal(
      JSON.stringify({
        name: '',
        steps: [
          { type: 'text', label: 'Notes' },
          { type: 'choice', label: 'Fuel level', options: [] },
        ],
      }),
    );
    assert.match(read.error, /^Not imported: the template breaks 2 rules the server checks\.$/);
    assert.deepEqual(
      read.problems.map((p) => p.where),
      ['Template', 'Step 2 “Fuel level”'],
    );
    assert.match(read.problems[0]!.message, /^name /);
    assert.match(
      read.problems[1]!.message,
      /^options /,
      'the message names the field, not the drawn step id',
    );
  });

  it('takes a valid template, drops server fields and gives steps and options without ids ids', () => {
    const read = readImport(
      JSON.stringify({
        id: 'tpl_1',
        version: 3,
        name: 'Pasted',
        steps: [{ type: 'choice', label: 'Pick', options: [{ label: 'A' }] }],
      }),
    );
    assert.ok('draft' in read);
    assert.equal(read.draft.name, 'Pasted');
    assert.equal('id' in read.draft, false);
    assert.equal('version' in read.draft, false);
    assert.deepEqual(read.draft.settings, { allow_skip: false, identity: 'anonymous', geo: 'off' });
    assert.match(read.draft.steps[0]!.id, /^s-/);
    assert.match(read.draft.steps[0]!.options![0]!.id, /^o-/);
  });
});
