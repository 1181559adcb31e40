/** Export a template as the JSON the API takes (a download) and read an imported file or pasted text. */
import { fillMissingIds, placeError, toDraft, validateDraft, type TemplateDraft } from './template-draft';

export function exportFileName(name: string): string {
  const slug =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'template';
  return `${slug}.json`;
}

export function downloadTemplate(draft: TemplateDraft): void {
  const blob = new Blob([`${JSON.stringify(draft, null, 2)}\n`], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = exportFileName(draft.name);
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Why an import was refused: a sentence, and the server's rules each template-shaped JSON broke. */
export interface ImportRefusal {
  error: string;
  /** Each rule broken, where: `Step 2 “Fuel level”` or `Template`. */
  problems: { where: string; message: string }[];
}

const TEMPLATE_SHAPE = 'a template is an object with "name", "settings" and a "steps" list';

function describeJsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'string' ? 'a string' : `a ${typeof value}`;
}

/** Which part an error is in, for people: `Step 2 “Fuel level”` or `Template` (the message names the field). */
function describePlace(draft: TemplateDraft, pointer: string): string {
  const { stepIndex } = placeError({ pointer });
  if (stepIndex === null) return 'Template';
  const label = (draft.steps[stepIndex] as { label?: unknown } | undefined)?.label;
  return `Step ${stepIndex + 1}${typeof label === 'string' && label ? ` “${label}”` : ''}`;
}

/**
 * The text as a draft (steps and options without ids given one), or why it was refused: not JSON,
 * JSON that is not a template object, or a template the server would refuse (by the server's own
 * rules, src/domain/template.ts). A refused import must leave the editor as it was.
 */
export function readImport(text: string): { draft: TemplateDraft } | ImportRefusal {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { error: `This is not JSON: ${(error as Error).message}`, problems: [] };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return {
      error: `This JSON is ${describeJsonKind(parsed)}, not a template: ${TEMPLATE_SHAPE}.`,
      problems: [],
    };
  if (!Array.isArray((parsed as { steps?: unknown }).steps))
    return {
      error: `This JSON has no "steps" list, so it is not a template: ${TEMPLATE_SHAPE}.`,
      problems: [],
    };
  const draft = toDraft(parsed as Record<string, unknown>);
  if (!draft.settings) draft.settings = { allow_skip: false, identity: 'anonymous', geo: 'off' };
  fillMissingIds(draft);
  const errors = validateDraft(draft);
  if (errors.length)
    return {
      error: `Not imported: the template breaks ${errors.length === 1 ? 'a rule' : `${errors.length} rules`} the server checks.`,
      // The server's message opens with the step's id, which may be one just drawn; the place names the step.
      problems: errors.map((e) => ({
        where: describePlace(draft, e.pointer),
        message: e.step_id ? e.message.replace(`Step ${e.step_id}: `, '') : e.message,
      })),
    };
  return { draft };
}
