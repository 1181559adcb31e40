/**
 * Templates: name, current version, last change, runs, with an archived filter; New template,
 * Duplicate and Archive (runs already sent keep their snapshot and are not affected).
 */
import { useState } from 'preact/hooks';
import { api, describeError } from '../../../../shared/api-client';
import { Link, setQuery, useLocation } from '../../router';
import type { Page, TemplateBody } from '../../wire';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { formatDateTime } from '../../ui/format';
import { Empty, Loaded } from '../../ui/states';
import { useApi } from '../../ui/use-api';

type ListedTemplate = TemplateBody & { runs_count: number };

export function TemplatesPage() {
  const { query } = useLocation();
  const showArchived = query.get('archived') === '1';
  const templates = useApi<Page<ListedTemplate>>(
    `/v1/templates?limit=200${showArchived ? '&include_archived=true' : ''}`,
  );
  const [archiving, setArchiving] = useState<ListedTemplate | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const archive = async (template: ListedTemplate) => {
    setBusy(true);
    try {
      await api.delete(`/v1/templates/${encodeURIComponent(template.id)}`);
      setArchiving(null);
      templates.reload();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section>
      <div class="page-head">
        <h1>Templates</h1>
        <Link class="button primary" href="/app/templates/new">
          New template
        </Link>
      </div>
      <label class="checkbox">
        <input
          type="checkbox"
          checked={showArchived}
          onChange={(e) =>
            setQuery({ archived: e.currentTarget.checked ? '1' : undefined }, { replace: true })
          }
        />{' '}
        Show archived
      </label>
      {error ? (
        <p role="alert" class="form-error">
          {error}
        </p>
      ) : null}
      <Loaded state={templates} what="templates">
        {({ data }) =>
          data.length === 0 ? (
            <Empty title="No templates yet">
              <p>
                Choose <strong>New template</strong> to build one, or import one with{' '}
                <code>POST /v1/templates</code>.
              </p>
            </Empty>
          ) : (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col" class="num">
                      Version
                    </th>
                    <th scope="col" class="num">
                      Steps
                    </th>
                    <th scope="col" class="num">
                      Runs
                    </th>
                    <th scope="col">Last change</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {data.map((template) => (
                    <tr key={template.id}>
                      <td>
                        <Link href={`/app/templates/${template.id}`}>{template.name}</Link>
                        {template.archived_at && <span class="badge"> Archived</span>}
                      </td>
                      <td class="num">{template.version}</td>
                      <td class="num">{template.steps.length}</td>
                      <td class="num">{template.runs_count}</td>
                      <td>{formatDateTime(template.updated_at)}</td>
                      <td class="actions-cell">
                        <Link
                          class="button small"
                          href={`/app/templates/new?copy=${template.id}`}
                          aria-label={`Duplicate ${template.name}`}
                        >
                          Duplicate
                        </Link>{' '}
                        {template.archived_at ? null : (
                          <button
                            type="button"
                            class="button small"
                            aria-label={`Archive ${template.name}`}
                            onClick={() => setArchiving(template)}
                          >
                            Archive
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
      {archiving ? (
        <ConfirmDialog
          title={`Archive “${archiving.name}”?`}
          confirmLabel="Archive"
          busy={busy}
          onConfirm={() => void archive(archiving)}
          onCancel={() => setArchiving(null)}
        >
          <p>
            It can no longer be dispatched or changed. Runs already sent are not affected: each keeps the
            version it was dispatched with, and running ones can still be completed.
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
