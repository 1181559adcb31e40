/** Export a template as the JSON the API takes (a download) and read an imported file or pasted text. */
import { fillMissingIds, toDraft, type TemplateDraft } from './template-draft';

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

/** The text as a draft (steps and options without ids given one), or a message saying why it is not JSON of a template object. */
export function readImport(text: string): { draft: TemplateDraft } | { error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { error: `This is not JSON: ${(error as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { error: 'The JSON must be a template object with name and steps.' };
  const draft = toDraft(parsed as Record<string, unknown>);
  if (!draft.settings) draft.settings = { allow_skip: false, identity: 'anonymous', geo: 'off' };
  if (!Array.isArray(draft.steps)) draft.steps = [];
  return { draft: fillMissingIds(draft) };
}
