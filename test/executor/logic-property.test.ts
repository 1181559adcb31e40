/**
 * Property: for random templates with conditions and random answer sequences, the executor app's view
 * of which steps are shown and required (its own draft handling, web/executor/src/step-logic.ts) always
 * equals the server's (GET /x/runs/:id, the answer and skip routes, submit), during the run and after
 * a reload from the server's copy. The app's side runs its real modules: drafts become answers through
 * `evaluateStep` as Next does, and the server gets exactly what the app would send.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { OPERATORS_BY_STEP_TYPE } from '../../src/domain/condition-validation.js';
import type { Condition } from '../../src/domain/conditions.js';
import { parseTemplate } from '../../src/domain/template.js';
import {
  createEmptyDraft,
  evaluateStep,
  fingerprintDraft,
  readAnswer,
  type StepDraft,
} from '../../web/executor/src/answers.js';
import { mergeDrafts } from '../../web/executor/src/drafts.js';
import { evaluateDrafts, findUnfinishedSteps, listShownSteps } from '../../web/executor/src/step-logic.js';
import type { ServerAnswer, Step } from '../../web/executor/src/types.js';
import { testDatabaseKinds } from '../helpers/database.js';
import { asMedia, asProblem, createExecutorTestApp, makeJpeg, type ExecutorTestApp } from './helpers.js';

const TYPES = [
  'boolean',
  'choice',
  'multi_choice',
  'number',
  'rating',
  'text',
  'datetime',
  'photo',
  'instruction',
] as const;
const OPTIONS = ['o-a', 'o-b', 'o-c'];
const NUMBERS = ['0', '5', '7,5', '10', '12', ''];
const TEXTS = ['a', 'b', 'Ok', ''];
const DATES = ['2026-05-10', '2026-05-11', ''];

/** Hands out the seed numbers one by one (wrapping), so one drawn array decides a whole condition. */
function seedReader(seeds: readonly number[]) {
  let i = 0;
  return (n: number) => seeds[i++ % seeds.length]! % n;
}

interface DraftStep {
  id: string;
  type: (typeof TYPES)[number];
  required: boolean;
  options?: { id: string; label: string }[];
}

function buildLeaf(pick: (n: number) => number, earlier: DraftStep[], allowSkip: boolean): Condition {
  const ref = earlier[pick(earlier.length)]!;
  const ops = OPERATORS_BY_STEP_TYPE[ref.type].filter(
    (op) => op !== 'skipped' || (allowSkip && !ref.required),
  );
  const op = ops[pick(ops.length)]!;
  const scalar = (): boolean | number | string => {
    switch (ref.type) {
      case 'boolean':
        return pick(2) === 0;
      case 'choice':
      case 'multi_choice':
        return OPTIONS[pick(3)]!;
      case 'number':
        return [0, 5, 7.5, 10][pick(4)]!;
      case 'rating':
        return 1 + pick(5);
      case 'datetime':
        return DATES[pick(2)]!;
      default:
        return TEXTS[pick(3)]!;
    }
  };
  if (op === 'answered' || op === 'skipped') return { step: ref.id, [op]: true } as Condition;
  if (op === 'in') return { step: ref.id, in: [scalar(), scalar()] };
  return { step: ref.id, [op]: scalar() } as Condition;
}

function buildCondition(seeds: readonly number[], earlier: DraftStep[], allowSkip: boolean): Condition {
  const pick = seedReader(seeds);
  const leaf = () => buildLeaf(pick, earlier, allowSkip);
  switch (pick(5)) {
    case 3:
      return { all: [leaf(), leaf()] };
    case 4:
      return { any: [leaf(), { not: leaf() }] };
    default:
      return leaf();
  }
}

const stepSpec = fc.record({
  type: fc.constantFrom(...TYPES),
  required: fc.boolean(),
  photos: fc.constantFrom('none', 'optional', 'min1', 'conditional'),
  visibleIf: fc.boolean(),
  requiredIf: fc.boolean(),
  seeds: fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
});

const templateSpec = fc.record({
  allowSkip: fc.boolean(),
  steps: fc.array(stepSpec, { minLength: 2, maxLength: 7 }),
});
type TemplateSpec = typeof templateSpec extends fc.Arbitrary<infer T> ? T : never;

function buildTemplate(spec: TemplateSpec) {
  const steps: (DraftStep & Record<string, unknown>)[] = [];
  spec.steps.forEach((s, index) => {
    const step: DraftStep & Record<string, unknown> = {
      id: `s-${index}`,
      type: s.type,
      label: `Step ${index}`,
      required: s.required && s.type !== 'instruction',
    };
    if (s.type === 'choice' || s.type === 'multi_choice')
      step.options = OPTIONS.map((id) => ({ id, label: id.toUpperCase() }));
    if (s.type === 'datetime') step.mode = 'date';
    const own = [...steps, step];
    if (s.photos !== 'none' && s.type !== 'instruction')
      step.photos = {
        min: s.type === 'photo' || s.photos === 'min1' ? 1 : 0,
        max: 2,
        ...(s.photos === 'conditional'
          ? { required_if: buildCondition(s.seeds.slice(4), own, spec.allowSkip) }
          : {}),
      };
    if (steps.length > 0 && s.visibleIf) step.visible_if = buildCondition(s.seeds, steps, spec.allowSkip);
    if (steps.length > 0 && s.requiredIf)
      step.required_if = buildCondition(s.seeds.slice(2), steps, spec.allowSkip);
    steps.push(step);
  });
  return { name: 'Random logic', settings: { allow_skip: spec.allowSkip }, steps };
}

const action = fc.record({
  kind: fc.constantFrom('answer', 'answer', 'answer', 'skip', 'hidden', 'edit'),
  pick: fc.nat(),
  value: fc.nat(),
  photos: fc.nat({ max: 2 }),
});

/** The control's value a person could leave on a step of this type. */
function draftValueFor(step: Step, n: number): StepDraft['value'] {
  switch (step.type) {
    case 'boolean':
      return [true, false, null][n % 3]!;
    case 'choice':
      return [...OPTIONS, null][n % 4]!;
    case 'multi_choice':
      return [[], ['o-a'], ['o-b', 'o-c'], ['o-a', 'o-c']][n % 4]!;
    case 'number':
      return NUMBERS[n % NUMBERS.length]!;
    case 'rating':
      return n % 6 === 0 ? null : n % 6;
    case 'text':
      return TEXTS[n % TEXTS.length]!;
    case 'datetime':
      return DATES[n % DATES.length]!;
    default:
      return null;
  }
}

interface ServerView {
  hidden_steps: string[];
  required_steps: string[];
  photos_required: Record<string, number>;
  progress: { total: number; answered: number; skipped: number };
  answers: Record<string, ServerAnswer>;
}

/** The app's view of the drafts, in the server's terms. */
function appView(all: Step[], drafts: Record<string, StepDraft>) {
  const shown = listShownSteps(all, drafts);
  const states = evaluateDrafts(all, drafts);
  return {
    hidden_steps: all.filter((s) => !shown.some((v) => v.id === s.id)).map((s) => s.id),
    required_steps: shown.filter((s) => s.required).map((s) => s.id),
    photos_required: Object.fromEntries(
      states.filter((s) => s.photosRequiredByCondition).map((s) => [s.stepId, s.photosMin]),
    ),
    progress: {
      total: shown.length,
      answered: shown.filter((s) => drafts[s.id]?.status === 'answered').length,
      skipped: shown.filter((s) => drafts[s.id]?.status === 'skipped').length,
    },
  };
}

const pickOf = <T>(list: readonly T[], n: number): T | undefined => list[n % Math.max(1, list.length)];

for (const kind of testDatabaseKinds()) {
  describe(`conditional logic: the app and the server agree (property, ${kind})`, () => {
    let t: ExecutorTestApp;
    let jpeg: Buffer;
    before(async () => {
      // Hundreds of requests from one address in a few seconds: the rate limits are not under test here.
      const many = 1_000_000;
      t = await createExecutorTestApp(kind, {
        rateLimitPerMinute: many,
        executorRateLimitPerAddress: many,
        executorRateLimitPerRun: many,
      });
      jpeg = await makeJpeg(32, 24);
    });
    after(() => t.close());

    async function readServer(runId: string): Promise<ServerView> {
      const response = await t.x('GET', `/x/runs/${runId}`);
      assert.equal(response.statusCode, 200, response.body);
      return response.json<ServerView>();
    }

    function assertSameView(
      all: Step[],
      drafts: Record<string, StepDraft>,
      server: ServerView,
      when: string,
    ) {
      const { progress, ...rest } = appView(all, drafts);
      assert.deepEqual(
        rest,
        {
          hidden_steps: server.hidden_steps,
          required_steps: server.required_steps,
          photos_required: server.photos_required,
        },
        when,
      );
      assert.deepEqual(progress, server.progress, `${when}: progress`);
    }

    it('shows, requires and counts the same steps for random templates and answer sequences', async () => {
      await fc.assert(
        fc.asyncProperty(
          templateSpec,
          fc.array(action, { minLength: 1, maxLength: 8 }),
          async (spec, actions) => {
            const template = parseTemplate(buildTemplate(spec));
            const all = template.steps;
            const templateId = await t.createTemplate(buildTemplate(spec));
            const runId = await t.dispatch(templateId);
            await t.x('POST', `/x/runs/${runId}/start`, {});
            const drafts: Record<string, StepDraft> = Object.fromEntries(
              all.map((s) => [s.id, createEmptyDraft(s)]),
            );

            for (const [i, act] of actions.entries()) {
              const shown = listShownSteps(all, drafts);
              const when = `action ${i} (${act.kind})`;
              if (act.kind === 'hidden') {
                const hidden = pickOf(
                  all.filter((s) => !shown.some((v) => v.id === s.id)),
                  act.pick,
                );
                if (!hidden) continue;
                const refused = await t.x('PUT', `/x/runs/${runId}/steps/${hidden.id}`, { answer: null });
                assert.equal(refused.statusCode, 409, `${when}: ${hidden.id} is hidden for the app`);
                assert.equal(asProblem(refused).errors?.[0]?.rule, 'step_hidden');
                continue;
              }
              const target = pickOf(shown, act.pick)!;
              if (act.kind === 'edit') {
                // Changed on screen, then left by Back or Exit without Next: nothing is sent.
                drafts[target.id] = { ...drafts[target.id]!, value: draftValueFor(target, act.value) };
              } else if (act.kind === 'skip') {
                if (!spec.allowSkip || target.required) continue;
                const skipped = await t.x('POST', `/x/runs/${runId}/steps/${target.id}/skip`, {});
                assert.equal(skipped.statusCode, 200, `${when}: ${skipped.body}`);
                drafts[target.id] = { ...drafts[target.id]!, status: 'skipped', sent: null };
              } else {
                const photos =
                  target.photos && act.photos > 0
                    ? await Promise.all(
                        Array.from({ length: act.photos }, async () => ({
                          media_id: asMedia(await t.upload(runId, target.id, jpeg)).media_id,
                        })),
                      )
                    : [];
                const draft: StepDraft = {
                  ...drafts[target.id]!,
                  value: draftValueFor(target, act.value),
                  photos,
                };
                // As on screen: the step's required and photo minimum counted with what the control holds.
                const live = listShownSteps(all, { ...drafts, [target.id]: draft }, target.id).find(
                  (s) => s.id === target.id,
                )!;
                const evaluation = evaluateStep(live, draft, false);
                const value = readAnswer(live, draft.value);
                // Short of the photos a condition asks for: the app refuses, and so must the server.
                const shortOfPhotos =
                  evaluation.kind === 'invalid' &&
                  value.kind === 'ok' &&
                  photos.length < (live.photos?.min ?? 0);
                if (evaluation.kind === 'empty' || (evaluation.kind === 'invalid' && !shortOfPhotos))
                  continue;
                const body = {
                  answer: value.kind === 'ok' ? value.answer : null,
                  media_ids: photos.map((p) => p.media_id),
                };
                const response = await t.x('PUT', `/x/runs/${runId}/steps/${target.id}`, body);
                if (evaluation.kind === 'invalid') {
                  assert.equal(asProblem(response).errors?.[0]?.rule, 'min_photos', when);
                  assert.equal(
                    response.statusCode,
                    422,
                    `${when}: the app refused (${evaluation.message}); so must the server`,
                  );
                  continue;
                }
                assert.equal(
                  response.statusCode,
                  200,
                  `${when}: ${target.id} ${JSON.stringify(body)}: ${response.body}`,
                );
                drafts[target.id] = {
                  ...draft,
                  status: 'answered',
                  sent: fingerprintDraft(draft),
                  error: null,
                };
              }
              assertSameView(all, drafts, await readServer(runId), when);
            }

            const server = await readServer(runId);
            const reloaded = mergeDrafts(all, server.answers, {}, () => false);
            assertSameView(all, reloaded, server, 'after a reload from the server');

            const unfinished = findUnfinishedSteps(listShownSteps(all, drafts), drafts).map((s) => s.id);
            const submitted = await t.x('POST', `/x/runs/${runId}/submit`, {});
            if (unfinished.length === 0) assert.equal(submitted.statusCode, 200, submitted.body);
            else {
              assert.equal(
                submitted.statusCode,
                422,
                `the app holds back submit for ${unfinished.join(', ')}`,
              );
              assert.deepEqual(
                asProblem(submitted).errors!.map((e) => e.step_id),
                unfinished,
              );
            }
          },
        ),
        { numRuns: 25 },
      );
    });
  });
}
