/**
 * The template editor: template settings, the steps (add, duplicate, delete, reorder), the selected
 * step's settings and the live phone preview. Save sends the whole document (POST for a new template,
 * PUT for a new version); the server's rules run as you type (validateDraft) and its 422 `errors[]`
 * land on the same step and field. Leaving with unsaved changes asks first. An old version opens
 * read-only, with Restore as new version.
 */
import './editor.css';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, api, describeError, withQuery } from '../../../../../shared/api-client';
import { Field, FormError, SelectField } from '../../../../../shared/forms';
import { STEP_TYPES, type StepType } from '../../../../../../src/domain/template';
import { Link, navigate, setLeaveGuard } from '../../../router';
import type { TemplateBody } from '../../../wire';
import { downloadTemplate } from './import-export';
import { ImportJson } from './import-json';
import { PhonePreview } from './phone-preview';
import { StepEditor } from './step-editor';
import { StepList } from './step-list';
import {
  createStep,
  duplicateStep,
  groupErrors,
  moveStep,
  STEP_TYPE_LABELS,
  toDraft,
  toTemplateInput,
  validateDraft,
  type TemplateDraft,
} from './template-draft';

export const BLANK_TEMPLATE: TemplateDraft = {
  name: '',
  settings: { allow_skip: false, identity: 'anonymous', geo: 'off' },
  steps: [],
};

function useLeaveGuard(dirty: boolean) {
  useEffect(() => {
    if (!dirty) return;
    const beforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      event.returnValue = '';
    };
    const mayLeave = () => window.confirm('You have unsaved changes. Leave without saving?');
    // In-app links and Back / Forward navigate without unloading: ask before following one.
    const click = (event: MouseEvent) => {
      const link = (event.target as Element | null)?.closest?.('a[href]');
      if (!link || link.getAttribute('download') !== null) return;
      if (!mayLeave()) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    };
    window.addEventListener('beforeunload', beforeUnload);
    document.addEventListener('click', click, true);
    setLeaveGuard(mayLeave);
    return () => {
      window.removeEventListener('beforeunload', beforeUnload);
      document.removeEventListener('click', click, true);
      setLeaveGuard(undefined);
    };
  }, [dirty]);
}

interface Props {
  /** The saved template (undefined for a new one). */
  saved: TemplateBody | undefined;
  /** Starting document: the saved version, a duplicate's copy or blank. */
  initial: TemplateDraft;
  /** An old version shown read-only. */
  readOnlyVersion?: number | undefined;
  onSaved: (template: TemplateBody) => void;
}

export function TemplateEditor({ saved, initial, readOnlyVersion, onSaved }: Props) {
  const readOnly = readOnlyVersion !== undefined || Boolean(saved?.archived_at);
  const [draft, setDraft] = useState<TemplateDraft>(initial);
  const [baseline, setBaseline] = useState(() => JSON.stringify(initial));
  const [selectedId, setSelectedId] = useState<string | null>(initial.steps[0]?.id ?? null);
  const [newType, setNewType] = useState<StepType>('boolean');
  const [serverErrors, setServerErrors] = useState<{ pointer: string; message: string }[] | null>(null);
  const [message, setMessage] = useState<string | undefined>();
  const [status, setStatus] = useState<string>('');
  const [busy, setBusy] = useState(false);
  const dirty = !readOnly && JSON.stringify(draft) !== baseline;
  useLeaveGuard(dirty);

  const typedErrors = useMemo(() => validateDraft(toTemplateInput(draft)), [draft]);
  // The API's errors stand until the next edit; after that the typed rules speak.
  const errors = serverErrors ?? typedErrors;
  const grouped = groupErrors(errors);
  const invalidIndexes = new Set(grouped.steps.keys());
  const selectedIndex = draft.steps.findIndex((s) => s.id === selectedId);
  const selected = draft.steps[selectedIndex];

  const edit = (next: TemplateDraft) => {
    setDraft(next);
    setServerErrors(null);
    setStatus('');
  };
  const setSteps = (steps: TemplateDraft['steps']) => edit({ ...draft, steps });

  const save = async () => {
    setMessage(undefined);
    if (typedErrors.length) {
      setMessage(
        `Fix ${typedErrors.length === 1 ? 'the error' : `the ${typedErrors.length} errors`} marked below before saving.`,
      );
      return;
    }
    setBusy(true);
    try {
      const body = toTemplateInput(draft);
      const result = saved
        ? await api.put<TemplateBody>(`/v1/templates/${encodeURIComponent(saved.id)}`, body)
        : await api.post<TemplateBody>('/v1/templates', body);
      const next = toDraft(result);
      setDraft(next);
      setBaseline(JSON.stringify(next));
      setStatus(`Saved as version ${result.version}.`);
      onSaved(result);
    } catch (error) {
      if (error instanceof ApiError && error.status === 422 && error.problem.errors?.length) {
        setServerErrors(error.problem.errors);
        setMessage('The server refused the template; the errors are marked at their fields.');
      } else setMessage(describeError(error));
    } finally {
      setBusy(false);
    }
  };

  const importDraft = (imported: TemplateDraft) => {
    edit(imported);
    setSelectedId(imported.steps[0]?.id ?? null);
    setMessage(undefined);
    setStatus('Imported. Save to keep it.');
  };

  const addStep = () => {
    const step = createStep(newType, draft.steps);
    const at = selectedIndex >= 0 ? selectedIndex + 1 : draft.steps.length;
    setSteps([...draft.steps.slice(0, at), step, ...draft.steps.slice(at)]);
    setSelectedId(step.id);
    requestAnimationFrame(() =>
      document.querySelector<HTMLInputElement>('.step-editor input[type="text"]')?.focus(),
    );
  };

  const settings = draft.settings;
  return (
    <div class="template-editor">
      <div class="editor-toolbar">
        {readOnly ? null : (
          <button
            type="button"
            class="button primary"
            disabled={busy}
            aria-busy={busy || undefined}
            onClick={() => void save()}
          >
            Save
          </button>
        )}
        <button type="button" class="button" onClick={() => downloadTemplate(toTemplateInput(draft))}>
          Export JSON
        </button>
        {readOnly ? null : <ImportJson onImport={importDraft} />}
        {saved ? (
          <>
            <Link class="button" href={`/app/templates/${saved.id}/history`}>
              Versions
            </Link>
            <Link class="button" href={withQuery('/app/runs/new', { template: saved.id })}>
              Dispatch run
            </Link>
          </>
        ) : null}
        <span class="muted" role="status">
          {[dirty ? 'Unsaved changes.' : '', status].filter(Boolean).join(' ')}
        </span>
      </div>
      <FormError message={message} />
      <fieldset class="template-settings" disabled={readOnly}>
        <legend>Template</legend>
        <div class="field-row">
          <Field
            label="Name"
            value={draft.name}
            onValue={(name) => edit({ ...draft, name })}
            error={grouped.template.name}
          />
          <Field
            label="Description"
            value={draft.description ?? ''}
            onValue={(v) => {
              const { description: _d, ...rest } = draft;
              edit(v ? { ...rest, description: v } : rest);
            }}
            error={grouped.template.description}
          />
        </div>
        <div class="field-row">
          <label class="checkbox">
            <input
              type="checkbox"
              checked={settings.allow_skip}
              onChange={(e) =>
                edit({ ...draft, settings: { ...settings, allow_skip: e.currentTarget.checked } })
              }
            />{' '}
            Allow skipping optional steps
          </label>
          <SelectField
            label="Identity"
            value={settings.identity}
            onValue={(v) =>
              edit({ ...draft, settings: { ...settings, identity: v as typeof settings.identity } })
            }
            options={[
              { value: 'anonymous', label: 'Anonymous (name optional)' },
              { value: 'external', label: 'Name required' },
              { value: 'member', label: 'Org member (sign in)' },
            ]}
          />
          <SelectField
            label="Location"
            value={settings.geo}
            onValue={(v) => edit({ ...draft, settings: { ...settings, geo: v as typeof settings.geo } })}
            options={[
              { value: 'off', label: 'Off' },
              { value: 'per_step', label: 'With each answer' },
            ]}
          />
        </div>
        {grouped.template.steps ? <p class="field-error">{grouped.template.steps}</p> : null}
        {grouped.template.settings ? <p class="field-error">{grouped.template.settings}</p> : null}
      </fieldset>
      <div class="editor-columns">
        <div class="editor-steps">
          <h2>Steps</h2>
          <StepList
            steps={draft.steps}
            selectedId={selectedId}
            invalidIndexes={invalidIndexes}
            readOnly={readOnly}
            onSelect={setSelectedId}
            onMove={(from, to) => setSteps(moveStep(draft.steps, from, to))}
            onDuplicate={(index) => {
              const steps = duplicateStep(draft.steps, index);
              setSteps(steps);
              setSelectedId(steps[index + 1]!.id);
            }}
            onDelete={(index) => {
              const steps = draft.steps.filter((_, i) => i !== index);
              setSteps(steps);
              setSelectedId(steps[Math.min(index, steps.length - 1)]?.id ?? null);
            }}
          />
          {readOnly ? null : (
            <div class="add-step">
              <SelectField
                label="New step type"
                value={newType}
                onValue={(v) => setNewType(v as StepType)}
                options={STEP_TYPES.map((type) => ({ value: type, label: STEP_TYPE_LABELS[type] }))}
              />
              <button type="button" class="button" onClick={addStep}>
                Add step
              </button>
            </div>
          )}
        </div>
        <div class="editor-step">
          {selected ? (
            <StepEditor
              key={selected.id}
              step={selected}
              index={selectedIndex}
              steps={draft.steps}
              allowSkip={settings.allow_skip}
              errors={grouped.steps.get(selectedIndex) ?? {}}
              readOnly={readOnly}
              onChange={(step) => setSteps(draft.steps.map((s, i) => (i === selectedIndex ? step : s)))}
            />
          ) : (
            <p class="muted">No step selected. Add a step to begin.</p>
          )}
        </div>
        <PhonePreview template={draft} selectedId={selectedId} onSelect={setSelectedId} />
      </div>
    </div>
  );
}

/** After the first save of a new template, its page is the template's own. */
export function goToTemplate(template: TemplateBody): void {
  navigate(`/app/templates/${template.id}`, { replace: true });
}
