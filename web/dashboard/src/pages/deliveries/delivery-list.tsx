/**
 * Webhook deliveries as a table (event, status, attempts, last response code, next attempt) with
 * Replay on each; a delivery's row opens its attempts: request headers and body, response status,
 * headers and body, duration and error. Used on a run's page and on Deliveries. On a phone the rows
 * stack (`table.stack`: each cell on its own line, named by its `data-label`).
 */
import { useState } from 'preact/hooks';
import { api, describeError } from '../../../../shared/api-client';
import { Link } from '../../router';
import { formatDateTime } from '../../ui/format';
import { Loaded } from '../../ui/states';
import { StatusBadge } from '../../ui/status-badge';
import { useApi } from '../../ui/use-api';
import type { Delivery, DeliveryAttempt, DeliverySummary } from '../../wire';

/** A delivery as a list shows it: with its attempts (a run's list) or without (the org's list). */
type ListedDelivery = DeliverySummary & { attempts?: DeliveryAttempt[] };

function lastStatus(delivery: ListedDelivery): string {
  if (delivery.attempt_count === 0) return '—';
  return delivery.last_response_status === null ? 'no response' : String(delivery.last_response_status);
}

export function DeliveryTable({
  deliveries,
  onChanged,
  showRun = false,
}: {
  deliveries: ListedDelivery[];
  onChanged: () => void;
  showRun?: boolean;
}) {
  const [open, setOpen] = useState<string>();
  const [message, setMessage] = useState<string>();

  async function replay(delivery: ListedDelivery) {
    setMessage(undefined);
    try {
      await api.post(`/v1/deliveries/${encodeURIComponent(delivery.delivery_id)}/replay`);
      setMessage(`Replay of ${delivery.event} (seq ${delivery.seq}) queued.`);
      onChanged();
    } catch (failure) {
      setMessage(describeError(failure));
    }
  }

  return (
    <>
      <p role="status" class="live-message">
        {message}
      </p>
      <div class="table-wrap">
        <table class="deliveries stack">
          <thead>
            <tr>
              <th scope="col">Event</th>
              {showRun && <th scope="col">Run</th>}
              <th scope="col">Status</th>
              <th scope="col" class="num">
                Attempts
              </th>
              <th scope="col">Last response</th>
              <th scope="col">Next attempt</th>
              <th scope="col">Endpoint</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {deliveries.map((delivery) => {
              const expanded = open === delivery.delivery_id;
              const detailId = `attempts-${delivery.delivery_id}`;
              return [
                <tr key={delivery.delivery_id}>
                  <td>
                    <button
                      type="button"
                      class="disclosure"
                      aria-expanded={expanded}
                      aria-controls={detailId}
                      onClick={() => setOpen(expanded ? undefined : delivery.delivery_id)}
                    >
                      <code>{delivery.event}</code> <span class="muted">seq {delivery.seq}</span>
                    </button>
                  </td>
                  {showRun && (
                    <td data-label="Run">
                      <Link href={`/app/runs/${delivery.run_id}`}>{delivery.run_id.slice(0, 10)}…</Link>
                    </td>
                  )}
                  <td data-label="Status">
                    <StatusBadge status={delivery.status} />
                    {delivery.replay_pending && <span class="badge"> replay queued</span>}
                  </td>
                  <td class="num" data-label="Attempts">
                    {delivery.attempt_count}
                  </td>
                  <td data-label="Last response">{lastStatus(delivery)}</td>
                  <td data-label="Next attempt">
                    {delivery.next_attempt_at ? formatDateTime(delivery.next_attempt_at) : '—'}
                  </td>
                  <td class="url-cell" data-label="Endpoint">
                    {delivery.url}
                  </td>
                  <td class="row-actions">
                    <button
                      type="button"
                      class="button"
                      aria-label={`Replay ${delivery.event} seq ${delivery.seq}`}
                      onClick={() => void replay(delivery)}
                    >
                      Replay
                    </button>
                  </td>
                </tr>,
                expanded && (
                  <tr key={`${delivery.delivery_id}-detail`} class="detail-row">
                    <td colSpan={showRun ? 8 : 7} id={detailId}>
                      {delivery.attempts ? (
                        <Attempts delivery={{ ...delivery, attempts: delivery.attempts }} />
                      ) : (
                        <LoadedAttempts id={delivery.delivery_id} />
                      )}
                    </td>
                  </tr>
                ),
              ];
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}

function Headers({ headers }: { headers: Record<string, string> }) {
  return (
    <pre class="code small" tabIndex={0}>
      {Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}`)
        .join('\n')}
    </pre>
  );
}

function prettyBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

/** The attempts of a delivery listed without them, read when its row is opened. */
function LoadedAttempts({ id }: { id: string }) {
  const delivery = useApi<Delivery>(`/v1/deliveries/${encodeURIComponent(id)}`);
  return (
    <Loaded state={delivery} what="the attempts">
      {(loaded) => <Attempts delivery={loaded} />}
    </Loaded>
  );
}

function Attempts({ delivery }: { delivery: Delivery }) {
  if (delivery.attempts.length === 0)
    return (
      <p class="muted">
        No attempt yet.{' '}
        {delivery.next_attempt_at ? `The first is due ${formatDateTime(delivery.next_attempt_at)}.` : ''}
      </p>
    );
  return (
    <ol class="attempts">
      {delivery.attempts.map((attempt) => (
        <li key={attempt.attempt + attempt.started_at}>
          <AttemptDetail attempt={attempt} />
        </li>
      ))}
    </ol>
  );
}

function AttemptDetail({ attempt }: { attempt: DeliveryAttempt }) {
  return (
    <section class="attempt" aria-label={`Attempt ${attempt.attempt}`}>
      <h3>
        Attempt {attempt.attempt}
        {attempt.manual ? ' (replay)' : ''} ·{' '}
        <StatusBadge status={attempt.succeeded ? 'succeeded' : 'failed'} /> ·{' '}
        {formatDateTime(attempt.started_at)} · {attempt.duration_ms} ms
      </h3>
      {attempt.error && <p class="field-error">Error: {attempt.error}</p>}
      <div class="attempt-grid">
        <div>
          <h4>Request headers</h4>
          <Headers headers={attempt.request.headers} />
          <h4>Request body</h4>
          <pre class="code small" tabIndex={0}>
            {prettyBody(attempt.request.body)}
          </pre>
        </div>
        <div>
          <h4>Response {attempt.response ? attempt.response.status : '(none)'}</h4>
          {attempt.response && (
            <>
              <Headers headers={attempt.response.headers} />
              <h4>Response body</h4>
              <pre class="code small" tabIndex={0}>
                {attempt.response.body || '(empty)'}
              </pre>
            </>
          )}
        </div>
      </div>
    </section>
  );
}
