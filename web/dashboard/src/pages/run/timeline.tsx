/**
 * A run's timeline: Created and Started (with the identity) from the run document, then every event
 * of the run from GET /v1/events?run_id=… in `seq` order, as an integrator reads them — each step
 * answered (again, when it was changed) or skipped, and completed, cancelled or expired. The API has
 * no event for creating or starting a run, so those two come from the document's timestamps.
 */
import { api } from '../../../../shared/api-client';
import { formatDateTime } from '../../ui/format';
import { ErrorNotice, Loading } from '../../ui/states';
import { useLoad, type Loaded } from '../../ui/use-api';
import type { EventEnvelope, Identity, Page, RunDocument } from '../../wire';

const EVENTS_PAGE = 200;

export function describeIdentity(identity: Identity | null): string {
  if (!identity) return 'not started';
  if (identity.mode === 'anonymous') return 'anonymous';
  if (identity.mode === 'member') return `member ${identity.user_id}`;
  return [identity.name, identity.email, identity.phone].filter(Boolean).join(', ');
}

/** Every event of the run, oldest first; read again when the run's status or progress changes. */
export function useRunEvents(run: RunDocument | undefined): Loaded<EventEnvelope[]> {
  const key = run
    ? `${run.run_id}|${run.status}|${run.progress.answered}|${run.progress.skipped}|${run.last_step_id}`
    : null;
  return useLoad(key, async () => {
    const events: EventEnvelope[] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ run_id: run!.run_id, limit: String(EVENTS_PAGE) });
      if (cursor) query.set('cursor', cursor);
      const page: Page<EventEnvelope> = await api.get(`/v1/events?${query.toString()}`);
      events.push(...page.data);
      cursor = page.next_cursor;
    } while (cursor);
    return events.sort((a, b) => a.seq - b.seq);
  });
}

interface Entry {
  key: string;
  at: string;
  text: string;
  event?: EventEnvelope;
}

export function timelineOf(run: RunDocument, events: EventEnvelope[]): Entry[] {
  const entries: Entry[] = [{ key: 'created', at: run.created_at, text: 'Created' }];
  if (run.started_at)
    entries.push({
      key: 'started',
      at: run.started_at,
      text: `Started by ${describeIdentity(run.identity)}`,
    });
  const answered = new Set<string>();
  for (const event of events) {
    entries.push({ key: event.event_id, at: event.ts, text: describeEvent(run, event, answered), event });
  }
  return entries;
}

function describeEvent(run: RunDocument, event: EventEnvelope, answered: Set<string>): string {
  const { data } = event;
  if (event.event === 'step.completed' || event.event === 'step.skipped') {
    const stepId = String(data.step_id);
    const index = run.template.steps.findIndex((step) => step.id === stepId);
    const label = typeof data.step_label === 'string' ? data.step_label : stepId;
    const step = `Step ${index + 1} “${label}”`;
    if (event.event === 'step.skipped') return `${step} skipped`;
    const again = answered.has(stepId);
    answered.add(stepId);
    return `${step} ${again ? 'answered again' : 'answered'}`;
  }
  if (event.event === 'run.completed') return 'Completed';
  if (event.event === 'run.cancelled') return 'Cancelled by the executor';
  return 'Expired';
}

export function Timeline({ run, events }: { run: RunDocument; events: Loaded<EventEnvelope[]> }) {
  return (
    <>
      <ol class="timeline" aria-label="Timeline">
        {timelineOf(run, events.data ?? []).map((entry) => (
          <li key={entry.key}>
            <time dateTime={entry.at}>{formatDateTime(entry.at)}</time> <span>{entry.text}</span>
            {entry.event && (
              <span class="muted small event-name">
                <code>{entry.event.event}</code> seq {entry.event.seq}
              </span>
            )}
          </li>
        ))}
      </ol>
      {events.error ? (
        <ErrorNotice error={events.error} retry={events.reload} />
      ) : (
        !events.data && <Loading what="the events" />
      )}
    </>
  );
}
