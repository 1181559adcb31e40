/** A run's timeline from its document: created, started (with identity), each step answered or skipped, and how it ended. */
import { formatDateTime } from '../../ui/format';
import type { Identity, RunDocument } from '../../wire';

export function describeIdentity(identity: Identity | null): string {
  if (!identity) return 'not started';
  if (identity.mode === 'anonymous') return 'anonymous';
  if (identity.mode === 'member') return `member ${identity.user_id}`;
  return [identity.name, identity.email, identity.phone].filter(Boolean).join(', ');
}

interface Entry {
  at: string;
  text: string;
}

export function timelineOf(run: RunDocument): Entry[] {
  const entries: Entry[] = [{ at: run.created_at, text: 'Created' }];
  if (run.started_at)
    entries.push({ at: run.started_at, text: `Started by ${describeIdentity(run.identity)}` });
  run.template.steps.forEach((step, index) => {
    const answer = run.answers[step.id];
    if (answer) {
      entries.push({
        at: answer.answered_at,
        text: `Step ${index + 1} “${step.label}” ${answer.status === 'skipped' ? 'skipped' : 'answered'}`,
      });
    }
  });
  const ending = { completed: 'Completed', cancelled: 'Cancelled by the executor', expired: 'Expired' }[
    run.status as 'completed'
  ];
  if (ending) entries.push({ at: run.finished_at ?? run.expires_at ?? run.created_at, text: ending });
  return entries.sort((a, b) => a.at.localeCompare(b.at));
}

export function Timeline({ run }: { run: RunDocument }) {
  return (
    <ol class="timeline">
      {timelineOf(run).map((entry, i) => (
        <li key={i}>
          <time dateTime={entry.at}>{formatDateTime(entry.at)}</time> <span>{entry.text}</span>
        </li>
      ))}
    </ol>
  );
}
