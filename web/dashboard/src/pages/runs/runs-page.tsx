/**
 * Runs: newest first, filtered by status and executor_ref (the filters live in the URL, so the back
 * button and shared links keep them), paginated on the server with its cursor.
 */
import { useEffect, useState } from 'preact/hooks';
import { withQuery } from '../../../../shared/api-client';
import { SelectField, Field } from '../../../../shared/forms';
import { Link, setQuery, useLocation } from '../../router';
import type { Page, RunSummary } from '../../wire';
import { formatDateTime } from '../../ui/format';
import { Empty, Loaded } from '../../ui/states';
import { RUN_STATUSES, StatusBadge, statusLabel } from '../../ui/status-badge';
import { useApi } from '../../ui/use-api';

export const RUN_FILTERS = ['status', 'executor_ref', 'cursor'] as const;

export function RunsPage() {
  const { query } = useLocation();
  const filters = Object.fromEntries(RUN_FILTERS.map((name) => [name, query.get(name) ?? undefined]));
  const runs = useApi<Page<RunSummary>>(withQuery('/v1/runs', { ...filters, limit: 50 }));
  const [ref, setRef] = useState(filters.executor_ref ?? '');
  useEffect(() => setRef(filters.executor_ref ?? ''), [filters.executor_ref]);

  return (
    <section>
      <div class="page-head">
        <h1>Runs</h1>
        <Link class="button primary" href="/app/runs/new">
          Dispatch run
        </Link>
      </div>
      <form
        class="filters"
        role="search"
        aria-label="Filter runs"
        onSubmit={(event) => {
          event.preventDefault();
          setQuery({ executor_ref: ref.trim() || undefined, cursor: undefined });
        }}
      >
        <SelectField
          label="Status"
          value={filters.status ?? ''}
          onValue={(status) => setQuery({ status: status || undefined, cursor: undefined })}
          options={[
            { value: '', label: 'Any status' },
            ...RUN_STATUSES.map((s) => ({ value: s, label: statusLabel(s) })),
          ]}
        />
        <Field
          label="Executor ref"
          type="search"
          value={ref}
          onValue={setRef}
          placeholder="e.g. booking_123"
        />
        <button type="submit" class="button">
          Search
        </button>
      </form>
      <Loaded state={runs} what="runs">
        {({ data, next_cursor }) =>
          data.length === 0 ? (
            <Empty
              title={filters.status || filters.executor_ref ? 'No runs match these filters' : 'No runs yet'}
            >
              <p>
                Dispatch one with <code>POST /v1/runs</code> from your backend, or by hand with{' '}
                <Link href="/app/runs/new">Dispatch run</Link>.
              </p>
            </Empty>
          ) : (
            <>
              <div class="table-wrap">
                <table>
                  <caption class="visually-hidden">Runs, newest first</caption>
                  <thead>
                    <tr>
                      <th scope="col">Run</th>
                      <th scope="col">Status</th>
                      <th scope="col">Executor ref</th>
                      <th scope="col">Template</th>
                      <th scope="col">Created</th>
                      <th scope="col">Finished</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.map((run) => (
                      <tr key={run.run_id}>
                        <td>
                          <Link href={`/app/runs/${run.run_id}`}>
                            <code>{run.run_id.slice(0, 10)}…</code>
                          </Link>
                        </td>
                        <td>
                          <StatusBadge status={run.status} />
                        </td>
                        <td>{run.executor_ref ?? '—'}</td>
                        <td>
                          <Link href={`/app/templates/${run.template_id}`}>
                            {run.template_id.slice(0, 10)}…
                          </Link>{' '}
                          v{run.template_v}
                        </td>
                        <td>{formatDateTime(run.created_at)}</td>
                        <td>{formatDateTime(run.finished_at)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <nav class="pager" aria-label="Pages of runs">
                {filters.cursor && (
                  <button type="button" class="button" onClick={() => history.back()}>
                    Previous page
                  </button>
                )}
                {next_cursor && (
                  <button type="button" class="button" onClick={() => setQuery({ cursor: next_cursor })}>
                    Next page
                  </button>
                )}
              </nav>
            </>
          )
        }
      </Loaded>
    </section>
  );
}
