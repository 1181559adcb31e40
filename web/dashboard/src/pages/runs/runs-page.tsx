/**
 * Runs: newest first, filtered by status, template, executor_ref prefix and creation dates (the
 * filters live in the URL, so the back button and shared links keep them; see run-filters.tsx),
 * paginated on the server with its cursor.
 */
import { withQuery } from '../../../../shared/api-client';
import { Link, useLocation } from '../../router';
import type { Page, RunSummary, TemplateBody } from '../../wire';
import { formatDateTime } from '../../ui/format';
import { Empty, Loaded } from '../../ui/states';
import { StatusBadge } from '../../ui/status-badge';
import { Pager } from '../../ui/pager';
import { useApi } from '../../ui/use-api';
import { dateRangeError, readRunFilters, RunFilters, toApiQuery, type RunFilterValues } from './run-filters';

const TEMPLATES_PATH = '/v1/templates?limit=200&include_archived=true';

/** GET /v1/runs for the filters in the URL, or null while the date range is wrong. */
function runsPath(filters: RunFilterValues): string | null {
  return dateRangeError(filters) ? null : withQuery('/v1/runs', { ...toApiQuery(filters), limit: 50 });
}

/** What the page reads first for a URL's query (sent early: ui/first-reads.ts). */
export function runsPageReads(query: URLSearchParams): string[] {
  const runs = runsPath(readRunFilters(query));
  return runs ? [runs, TEMPLATES_PATH] : [TEMPLATES_PATH];
}

export function RunsPage() {
  const { query } = useLocation();
  const filters = readRunFilters(query);
  const rangeError = dateRangeError(filters);
  const runs = useApi<Page<RunSummary>>(runsPath(filters));
  const templates = useApi<Page<TemplateBody>>(TEMPLATES_PATH);
  const templateName = new Map((templates.data?.data ?? []).map((t) => [t.id, t.name]));
  const filtered = Object.entries(filters).some(([name, value]) => name !== 'cursor' && value);

  return (
    <section>
      <div class="page-head">
        <h1>Runs</h1>
        <Link class="button primary" href="/app/runs/new">
          Dispatch run
        </Link>
      </div>
      <RunFilters filters={filters} templates={templates.data?.data} />
      {rangeError ? (
        <Empty title="Fix the dates to see runs">
          <p>{rangeError}</p>
        </Empty>
      ) : (
        <Loaded state={runs} what="runs">
          {({ data, next_cursor }) =>
            data.length === 0 ? (
              <Empty title={filtered ? 'No runs match these filters' : 'No runs yet'}>
                <p>
                  Dispatch one with <code>POST /v1/runs</code> from your backend, or by hand with{' '}
                  <Link href="/app/runs/new">Dispatch run</Link>.
                </p>
              </Empty>
            ) : (
              <>
                <div class="table-wrap">
                  <table class="stack">
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
                          <td data-label="Status">
                            <StatusBadge status={run.status} />
                          </td>
                          <td data-label="Executor ref">{run.executor_ref ?? '—'}</td>
                          <td data-label="Template">
                            <Link href={`/app/templates/${run.template_id}`}>
                              {templateName.get(run.template_id) ?? `${run.template_id.slice(0, 10)}…`}
                            </Link>{' '}
                            v{run.template_v}
                          </td>
                          <td data-label="Created">{formatDateTime(run.created_at)}</td>
                          <td data-label="Finished">{formatDateTime(run.finished_at)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                <Pager label="Pages of runs" cursor={filters.cursor} nextCursor={next_cursor} />
              </>
            )
          }
        </Loaded>
      )}
    </section>
  );
}
