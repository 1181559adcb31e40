/**
 * The Runs page's filters, kept in the URL so the back button and shared links keep them: `status`,
 * `template_id`, `ref` (executor_ref starts with), `from` and `to` (dates in the browser's time zone,
 * both days included). `toApiQuery` turns them into GET /v1/runs parameters; a bad date range is
 * reported instead of asked for.
 */
import { useEffect, useState } from 'preact/hooks';
import { Field, SelectField } from '../../../../shared/forms';
import { setQuery } from '../../router';
import { RUN_STATUSES, statusLabel } from '../../ui/status-badge';
import type { TemplateBody } from '../../wire';

export const RUN_FILTERS = ['status', 'template_id', 'ref', 'from', 'to', 'cursor'] as const;
export type RunFilterValues = Partial<Record<(typeof RUN_FILTERS)[number], string>>;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function readRunFilters(query: URLSearchParams): RunFilterValues {
  const values: RunFilterValues = {};
  for (const name of RUN_FILTERS) {
    const value = query.get(name);
    if (value) values[name] = value;
  }
  return values;
}

function startOfDay(date: string, plusDays = 0): string | undefined {
  if (!DATE.test(date)) return undefined;
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const at = new Date(y, m - 1, d + plusDays);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

/** What is wrong with the date range, in words, or undefined. */
export function dateRangeError(filters: RunFilterValues): string | undefined {
  if (filters.from && !startOfDay(filters.from)) return 'From is not a date (YYYY-MM-DD).';
  if (filters.to && !startOfDay(filters.to)) return 'To is not a date (YYYY-MM-DD).';
  if (filters.from && filters.to && filters.from > filters.to) return 'From is after To: swap the dates.';
  return undefined;
}

export function toApiQuery(filters: RunFilterValues): Record<string, string | undefined> {
  return {
    status: filters.status,
    template_id: filters.template_id,
    executor_ref_prefix: filters.ref,
    created_since: filters.from ? startOfDay(filters.from) : undefined,
    created_before: filters.to ? startOfDay(filters.to, 1) : undefined,
    cursor: filters.cursor,
  };
}

export function RunFilters({
  filters,
  templates,
}: {
  filters: RunFilterValues;
  templates: TemplateBody[] | undefined;
}) {
  const [ref, setRef] = useState(filters.ref ?? '');
  useEffect(() => setRef(filters.ref ?? ''), [filters.ref]);
  const rangeError = dateRangeError(filters);
  const apply = (values: RunFilterValues) => setQuery({ ...values, cursor: undefined });
  const chosen = filters.template_id;
  const templateOptions = [
    { value: '', label: 'Any template' },
    ...(templates ?? []).map((t) => ({
      value: t.id,
      label: t.archived_at ? `${t.name} (archived)` : t.name,
    })),
  ];
  // A shared link may name a template this list does not hold (archived, or past the first page).
  if (chosen && !templateOptions.some((o) => o.value === chosen))
    templateOptions.push({ value: chosen, label: chosen });
  const active = RUN_FILTERS.some((name) => name !== 'cursor' && filters[name]);

  return (
    <form
      class="filters run-filters"
      role="search"
      aria-label="Filter runs"
      onSubmit={(event) => {
        event.preventDefault();
        apply({ ref: ref.trim() || undefined });
      }}
    >
      <SelectField
        label="Status"
        value={filters.status ?? ''}
        onValue={(status) => apply({ status: status || undefined })}
        options={[
          { value: '', label: 'Any status' },
          ...RUN_STATUSES.map((s) => ({ value: s, label: statusLabel(s) })),
        ]}
      />
      <SelectField
        label="Template"
        value={chosen ?? ''}
        onValue={(id) => apply({ template_id: id || undefined })}
        options={templateOptions}
      />
      <Field
        label="From"
        type="date"
        value={filters.from ?? ''}
        onValue={(from) => apply({ from: from || undefined })}
        error={rangeError?.startsWith('From') ? rangeError : undefined}
      />
      <Field
        label="To"
        type="date"
        value={filters.to ?? ''}
        onValue={(to) => apply({ to: to || undefined })}
        error={rangeError?.startsWith('To') ? rangeError : undefined}
      />
      <Field
        label="Executor ref"
        type="search"
        value={ref}
        onValue={setRef}
        placeholder="starts with, e.g. booking_"
      />
      <div class="filter-actions">
        <button type="submit" class="button">
          Search
        </button>
        {active && (
          <button
            type="button"
            class="button"
            onClick={() =>
              apply({
                status: undefined,
                template_id: undefined,
                ref: undefined,
                from: undefined,
                to: undefined,
              })
            }
          >
            Clear filters
          </button>
        )}
      </div>
    </form>
  );
}
