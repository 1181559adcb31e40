/**
 * Deliveries of the whole org, newest first: "Failed only" (kept in the URL, like the runs filters),
 * pages by the server's cursor, a row opens its attempts, Replay on each (the run page's table), and
 * "Recover failed": every failed delivery of a time window (default the last 24 h) sent once more.
 * While a delivery is pending or a replay is queued the list reloads itself every few seconds.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, describeError, withQuery } from '../../../../shared/api-client';
import { Field } from '../../../../shared/forms';
import { setQuery, useLocation } from '../../router';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { formatDateTime } from '../../ui/format';
import { Empty, Loaded } from '../../ui/states';
import { Pager } from '../../ui/pager';
import { useApi } from '../../ui/use-api';
import type { DeliverySummary, Page } from '../../wire';
import { DeliveryTable } from './delivery-list';

const BUSY_REFRESH_MS = 5_000;
const DAY_MS = 86_400_000;

/** GET /v1/deliveries for the URL's query ("Failed only" and the page's cursor). */
function deliveriesPath(query: URLSearchParams): string {
  const failedOnly = query.get('status') === 'failed';
  const cursor = query.get('cursor') ?? undefined;
  return withQuery('/v1/deliveries', { status: failedOnly ? 'failed' : undefined, cursor, limit: 50 });
}

/** What the page reads first for a URL's query (sent early: ui/first-reads.ts). */
export const deliveriesPageReads = (query: URLSearchParams) => [deliveriesPath(query)];

export function DeliveriesPage() {
  const { query } = useLocation();
  const failedOnly = query.get('status') === 'failed';
  const cursor = query.get('cursor') ?? undefined;
  const deliveries = useApi<Page<DeliverySummary>>(deliveriesPath(query));
  const busy = deliveries.data?.data.some((d) => d.status === 'pending' || d.replay_pending);
  useEffect(() => {
    if (!busy) return;
    const timer = window.setInterval(deliveries.reload, BUSY_REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [busy]);

  return (
    <section>
      <div class="page-head">
        <h1>Deliveries</h1>
      </div>
      <RecoverForm onQueued={deliveries.reload} />
      <form class="filters" role="search" aria-label="Filter deliveries" onSubmit={(e) => e.preventDefault()}>
        <label class="check">
          <input
            type="checkbox"
            checked={failedOnly}
            onChange={(event) =>
              setQuery({ status: event.currentTarget.checked ? 'failed' : undefined, cursor: undefined })
            }
          />{' '}
          Failed only
        </label>
      </form>
      <Loaded state={deliveries} what="deliveries">
        {({ data, next_cursor }) =>
          data.length === 0 ? (
            <Empty title={failedOnly ? 'No failed deliveries' : 'No deliveries yet'}>
              <p>
                {failedOnly
                  ? 'Every delivery that ran out of attempts shows here.'
                  : 'Runs dispatched with a webhook send their events here, each delivery with its attempts.'}
              </p>
            </Empty>
          ) : (
            <>
              <DeliveryTable deliveries={data} onChanged={deliveries.reload} showRun />
              <Pager label="Pages of deliveries" cursor={cursor} nextCursor={next_cursor} />
            </>
          )
        }
      </Loaded>
    </section>
  );
}

/** A `datetime-local` value (local time, minutes) for a moment. */
function localInput(at: Date): string {
  const local = new Date(at.getTime() - at.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

function RecoverForm({ onQueued }: { onQueued: () => void }) {
  const [from, setFrom] = useState(() => localInput(new Date(Date.now() - DAY_MS)));
  const [to, setTo] = useState(() => localInput(new Date(Date.now() + 60_000)));
  const [errors, setErrors] = useState<{ from?: string; to?: string }>({});
  const [confirming, setConfirming] = useState<{ since: Date; until: Date; key: string }>();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string>();

  function submit(event: Event) {
    event.preventDefault();
    setMessage(undefined);
    const since = new Date(from);
    const until = new Date(to);
    const found: { from?: string; to?: string } = {};
    if (!from || Number.isNaN(since.getTime())) found.from = 'Enter when the window starts.';
    if (!to || Number.isNaN(until.getTime())) found.to = 'Enter when the window ends.';
    else if (!found.from && until <= since) found.to = 'To must be after From.';
    setErrors(found);
    if (found.from || found.to) return;
    setConfirming({ since, until, key: crypto.randomUUID() });
  }

  async function recover() {
    if (!confirming) return;
    setBusy(true);
    try {
      const answer = await api.post<{ queued: number; next_cursor: string | null }>(
        '/v1/deliveries/recover',
        { since: confirming.since.toISOString(), until: confirming.until.toISOString() },
        { 'Idempotency-Key': confirming.key },
      );
      setMessage(
        `${answer.queued} queued: ${answer.queued === 1 ? 'that failed delivery is' : 'those failed deliveries are'} sent once more.` +
          (answer.next_cursor ? ' More remain in the window: Recover failed again to queue them.' : ''),
      );
      onQueued();
    } catch (failure) {
      setMessage(`Nothing was queued. ${describeError(failure)}`);
    } finally {
      setBusy(false);
      setConfirming(undefined);
    }
  }

  return (
    <>
      <form class="filters run-filters" aria-label="Recover failed deliveries" onSubmit={submit} noValidate>
        <Field label="From" type="datetime-local" value={from} onValue={setFrom} error={errors.from} />
        <Field label="To" type="datetime-local" value={to} onValue={setTo} error={errors.to} />
        <div class="filter-actions">
          <button type="submit" class="button">
            Recover failed
          </button>
        </div>
      </form>
      <p role="status" class="live-message">
        {message}
      </p>
      {confirming && (
        <ConfirmDialog
          title="Recover failed deliveries?"
          confirmLabel="Recover failed"
          busy={busy}
          onConfirm={() => void recover()}
          onCancel={() => setConfirming(undefined)}
        >
          <p>
            Every failed delivery created from {formatDateTime(confirming.since.toISOString())} to{' '}
            {formatDateTime(confirming.until.toISOString())} is sent once more, with the same event_id and the
            next delivery_attempt.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
