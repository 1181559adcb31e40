/**
 * A run's page: status and facts, its link (Copy link, QR code), the timeline, every answer as given
 * with the photo gallery and the signature, the positions plot, and its webhook deliveries with Replay.
 * An open run reloads itself every few seconds so progress shows as it happens.
 */
import { useEffect } from 'preact/hooks';
import { Link } from '../../router';
import { CopyField } from '../../ui/copy-button';
import { formatDateTime } from '../../ui/format';
import { QrCode } from '../../ui/qr-code';
import { ErrorNotice, Loaded } from '../../ui/states';
import { StatusBadge } from '../../ui/status-badge';
import { useApi } from '../../ui/use-api';
import type { Delivery, RunDocument } from '../../wire';
import { DeliveryTable } from '../deliveries/delivery-list';
import { AnswerValue, PhotoGallery } from './answer-view';
import { GeoPlot, type Position } from './geo-plot';
import { describeIdentity, Timeline, useRunEvents } from './timeline';

const OPEN_RUN_REFRESH_MS = 5_000;

/** What the page reads first (sent early: ui/first-reads.ts): the run and its deliveries. */
export function runPageReads(id: string): [run: string, deliveries: string] {
  const run = `/v1/runs/${encodeURIComponent(id)}`;
  return [run, `${run}/deliveries`];
}

export function RunPage({ id }: { id: string }) {
  const [runPath, deliveriesPath] = runPageReads(id);
  const run = useApi<RunDocument>(runPath);
  const deliveries = useApi<{ data: Delivery[] }>(deliveriesPath);
  const events = useRunEvents(run.data);
  const open = run.data && (run.data.status === 'pending' || run.data.status === 'in_progress');
  const busy = deliveries.data?.data.some((d) => d.status === 'pending' || d.replay_pending);
  useEffect(() => {
    if (!open && !busy) return;
    const timer = window.setInterval(() => {
      if (open) {
        run.reload();
        events.reload();
      }
      deliveries.reload();
    }, OPEN_RUN_REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [open, busy]);

  return (
    <section class="run-page">
      <p class="crumbs">
        <Link href="/app/runs">Runs</Link>
      </p>
      <Loaded state={run} what="the run">
        {(doc) => (
          <>
            <RunHead run={doc} />
            <div class="run-columns">
              <div>
                <h2>Answers</h2>
                <Answers run={doc} />
              </div>
              <aside aria-label="Run details">
                <h2>Timeline</h2>
                <Timeline run={doc} events={events} />
                <h2>Positions</h2>
                <GeoPlot positions={positionsOf(doc)} />
              </aside>
            </div>
            <h2 id="deliveries">Webhook deliveries</h2>
            {doc.webhook ? (
              <p class="muted">
                To <code>{doc.webhook.url}</code> · events {doc.webhook.events.join(', ')}
              </p>
            ) : (
              <p class="muted">This run was dispatched without a webhook.</p>
            )}
            {deliveries.error ? (
              <ErrorNotice error={deliveries.error} retry={deliveries.reload} />
            ) : deliveries.data && deliveries.data.data.length > 0 ? (
              <DeliveryTable deliveries={deliveries.data.data} onChanged={deliveries.reload} />
            ) : deliveries.data ? (
              <p class="muted">No deliveries yet.</p>
            ) : null}
          </>
        )}
      </Loaded>
    </section>
  );
}

function RunHead({ run }: { run: RunDocument }) {
  const open = run.status === 'pending' || run.status === 'in_progress';
  return (
    <>
      <div class="page-head">
        <h1>Run {run.executor_ref ? `“${run.executor_ref}”` : <code>{run.run_id.slice(0, 10)}…</code>}</h1>
        <StatusBadge status={run.status} />
      </div>
      <div class="run-head">
        <dl class="facts">
          <dt>Run id</dt>
          <dd>
            <code>{run.run_id}</code>
          </dd>
          <dt>Template</dt>
          <dd>
            <Link href={`/app/templates/${run.template_id}?version=${run.template_v}`}>
              {run.template.name}
            </Link>
            , version {run.template_v}
          </dd>
          <dt>Executor</dt>
          <dd>{describeIdentity(run.identity)}</dd>
          <dt>Progress</dt>
          <dd>
            {run.progress.answered} answered, {run.progress.skipped} skipped of {run.progress.total}
          </dd>
          <dt>Created</dt>
          <dd>{formatDateTime(run.created_at)}</dd>
          <dt>{open ? 'Expires' : 'Finished'}</dt>
          <dd>
            {open
              ? run.expires_at
                ? formatDateTime(run.expires_at)
                : 'Never'
              : formatDateTime(run.finished_at)}
          </dd>
          {run.duration_seconds !== null && (
            <>
              <dt>Duration</dt>
              <dd>{formatDuration(run.duration_seconds)}</dd>
            </>
          )}
        </dl>
        <div class="run-link">
          <CopyField id="run-link" label="Run link" value={run.link} buttonLabel="Copy link" />
          {open && <QrCode value={run.link} label="QR code to open the run on a phone" size={160} />}
        </div>
      </div>
    </>
  );
}

function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h ? `${h} h ${m} min` : m ? `${m} min ${s} s` : `${s} s`;
}

function Answers({ run }: { run: RunDocument }) {
  const hidden = new Set(run.hidden_steps ?? []);
  return (
    <ol class="answers">
      {run.template.steps.map((step, index) => {
        const answer = run.answers[step.id];
        return (
          <li key={step.id} class="answer">
            <h3>
              {index + 1}. {step.label} <span class="muted step-type">{step.type}</span>
            </h3>
            {hidden.has(step.id) ? (
              <p class="muted">Hidden by an earlier answer: not asked.</p>
            ) : answer ? (
              <>
                <AnswerValue step={step} answer={answer} />
                <PhotoGallery step={step} photos={answer.photos} />
                <p class="muted small">
                  {answer.status === 'skipped' ? 'Skipped' : 'Answered'} {formatDateTime(answer.answered_at)}
                  {answer.geo ? ` · ${answer.geo.lat.toFixed(5)}, ${answer.geo.lng.toFixed(5)}` : ''}
                </p>
              </>
            ) : (
              <p class="muted">Not answered{step.required ? ' (required)' : ''}.</p>
            )}
          </li>
        );
      })}
    </ol>
  );
}

function positionsOf(run: RunDocument): Position[] {
  return run.template.steps.flatMap((step, index) => {
    const geo = run.answers[step.id]?.geo;
    return geo ? [{ label: step.label, step: index + 1, geo }] : [];
  });
}
