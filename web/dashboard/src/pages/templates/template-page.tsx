/**
 * One template in the editor (`?version=N` opens an old version read-only, with Restore as new version),
 * and /app/templates/new for a blank one (or `?copy=<id>`, a duplicate of another).
 */
import { useState } from 'preact/hooks';
import { api, describeError } from '../../../../shared/api-client';
import { Link, navigate, useLocation } from '../../router';
import type { TemplateBody } from '../../wire';
import { formatDateTime } from '../../ui/format';
import { Loaded } from '../../ui/states';
import { useApi } from '../../ui/use-api';
import { BLANK_TEMPLATE, goToTemplate, TemplateEditor } from './editor/template-editor';
import { toDraft } from './editor/template-draft';

export function TemplatePage({ id }: { id: string }) {
  const { query } = useLocation();
  const current = useApi<TemplateBody>(`/v1/templates/${encodeURIComponent(id)}`);
  const wanted = query.get('version');
  const versioned = useApi<TemplateBody>(
    wanted ? `/v1/templates/${encodeURIComponent(id)}/versions/${encodeURIComponent(wanted)}` : null,
  );
  const [error, setError] = useState<string | undefined>();
  const restore = async (old: TemplateBody) => {
    try {
      await api.put<TemplateBody>(`/v1/templates/${encodeURIComponent(id)}`, toDraft(old));
      current.reload();
      navigate(`/app/templates/${id}`);
    } catch (e) {
      setError(describeError(e));
    }
  };
  return (
    <section>
      <p class="crumbs">
        <Link href="/app/templates">Templates</Link>
      </p>
      <Loaded state={current} what="the template">
        {(latest) => {
          const old = wanted && Number(wanted) !== latest.version ? versioned.data : undefined;
          if (wanted && Number(wanted) !== latest.version && !old)
            return (
              <Loaded state={versioned} what="the version">
                {() => null}
              </Loaded>
            );
          const shown = old ?? latest;
          return (
            <>
              <div class="page-head">
                <h1>{shown.name}</h1>
              </div>
              <p class="muted">
                <code>{latest.id}</code> ·{' '}
                {old
                  ? `version ${old.version} of ${latest.version} (read-only)`
                  : `version ${latest.version}`}{' '}
                · updated {formatDateTime(latest.updated_at)}
                {latest.archived_at ? ' · archived (read-only)' : ''}
              </p>
              {old ? (
                <p class="notice">
                  This is an old version. <Link href={`/app/templates/${id}`}>Open the current version</Link>{' '}
                  {latest.archived_at ? null : (
                    <button type="button" class="button small" onClick={() => void restore(old)}>
                      Restore as new version
                    </button>
                  )}
                </p>
              ) : null}
              {error ? (
                <p role="alert" class="form-error">
                  {error}
                </p>
              ) : null}
              <TemplateEditor
                key={`${shown.id}@${old?.version ?? 'current'}`}
                saved={latest}
                initial={toDraft(shown)}
                readOnlyVersion={old?.version}
                onSaved={() => current.reload()}
              />
            </>
          );
        }}
      </Loaded>
    </section>
  );
}

export function NewTemplatePage() {
  const { query } = useLocation();
  const copyOf = query.get('copy');
  const source = useApi<TemplateBody>(copyOf ? `/v1/templates/${encodeURIComponent(copyOf)}` : null);
  const editor = (initial: typeof BLANK_TEMPLATE) => (
    <TemplateEditor saved={undefined} initial={initial} onSaved={goToTemplate} />
  );
  return (
    <section>
      <p class="crumbs">
        <Link href="/app/templates">Templates</Link>
      </p>
      <h1>{copyOf ? 'Duplicate template' : 'New template'}</h1>
      {copyOf ? (
        <Loaded state={source} what="the template to copy">
          {(t) => {
            const draft = toDraft(t);
            return editor({ ...draft, name: `${draft.name} (copy)` });
          }}
        </Loaded>
      ) : (
        editor(BLANK_TEMPLATE)
      )}
    </section>
  );
}
