/**
 * The executor app for one run link. Loads the run, then shows the page its status calls for:
 * pending → start screen; in_progress → the steps (resuming where this phone, or the server, left
 * off); completed / cancelled / expired / unknown → a final page. When the run cannot be loaded for
 * want of a connection, the copy this phone saved is used so the person can keep working offline.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, fetchRun } from './api';
import { FinalPage, type FinalKind } from './final-page';
import { RunFlow } from './run-flow';
import { RunSession, discardStoredRun, readStoredRun, type RunEnd } from './session';
import { SignInScreen } from './sign-in-screen';
import { StartScreen } from './start-screen';
import type { RunDocument } from './types';

type Phase =
  | { kind: 'loading' }
  | { kind: 'final'; page: FinalKind; note?: string }
  | { kind: 'start'; doc: RunDocument }
  | { kind: 'sign_in'; reason: string; signedInAsOther: boolean }
  | { kind: 'flow'; session: RunSession; offline: boolean };

function findFinalPage(doc: RunDocument): FinalKind | null {
  if (doc.status === 'completed') return 'completed';
  if (doc.status === 'cancelled') return 'cancelled';
  if (doc.status === 'expired') return 'expired';
  return null;
}

/** What the exit page says was kept: only what the server confirmed. */
function describeExit(end: Extract<RunEnd, { kind: 'cancelled' }>): string | undefined {
  const notes: string[] = [];
  if (end.unsent > 0)
    notes.push(
      `${end.unsent} answer${end.unsent > 1 ? 's' : ''} could not be sent before the checklist was cancelled.`,
    );
  if (end.unsavedStep)
    notes.push(
      `What you entered on the last screen (“${end.unsavedStep}”) was not saved with Next, so it was not sent.`,
    );
  return notes.length ? notes.join(' ') : undefined;
}

function findFinalPageForStatus(status: number): FinalKind {
  if (status === 404) return 'not_found';
  if (status === 410) return 'expired';
  return 'error';
}

export function App({ runId }: { runId: string }) {
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });

  const finish = async (page: FinalKind) => {
    if (page !== 'error') await discardStoredRun(runId);
    setPhase({ kind: 'final', page });
  };

  const handleEnd = (end: RunEnd) => {
    if (end.kind === 'submitted') return setPhase({ kind: 'final', page: 'submitted' });
    if (end.kind === 'cancelled') return setPhase({ kind: 'final', page: 'exited', note: describeExit(end) });
    const page = end.doc ? findFinalPage(end.doc) : findFinalPageForStatus(end.status);
    setPhase({ kind: 'final', page: page ?? 'error' });
  };

  const enter = async (doc: RunDocument, offline: boolean) => {
    const final = findFinalPage(doc);
    if (final) return finish(final);
    if (doc.status === 'pending') return setPhase({ kind: 'start', doc });
    setPhase({ kind: 'flow', session: await RunSession.open(doc, handleEnd), offline });
  };

  const load = async () => {
    setPhase({ kind: 'loading' });
    let doc: RunDocument;
    try {
      doc = await fetchRun(runId);
    } catch (error) {
      if (error instanceof ApiError && (error.status === 404 || error.status === 410)) {
        return finish(findFinalPageForStatus(error.status));
      }
      // A member's run: the server shows it only with their session (not the copy on this phone either).
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
        const reason = error.problem.detail ?? 'Sign in as the member this checklist belongs to.';
        return setPhase({ kind: 'sign_in', reason, signedInAsOther: error.status === 403 });
      }
      const saved = await readStoredRun(runId);
      if (saved?.doc.status === 'in_progress') return enter(saved.doc, true);
      return setPhase({ kind: 'final', page: 'error' });
    }
    await enter(doc, false);
  };

  useEffect(() => {
    void load();
  }, [runId]);

  useEffect(() => {
    if (phase.kind !== 'flow') return;
    return () => void phase.session.close();
  }, [phase]);

  switch (phase.kind) {
    case 'loading':
      return (
        <main class="page">
          <p class="loading">Loading checklist…</p>
        </main>
      );
    case 'final':
      return (
        <FinalPage
          kind={phase.page}
          note={phase.note}
          onRetry={phase.page === 'error' ? () => void load() : undefined}
        />
      );
    case 'start':
      return withTestBanner(
        phase.doc,
        <StartScreen
          doc={phase.doc}
          onStarted={(doc) => void enter(doc, false)}
          onEnded={(status) => (status === 409 ? void load() : void finish(findFinalPageForStatus(status)))}
        />,
      );
    case 'sign_in':
      return (
        <SignInScreen
          reason={phase.reason}
          signedInAsOther={phase.signedInAsOther}
          onSignedIn={() => void load()}
        />
      );
    case 'flow':
      return withTestBanner(
        phase.session.doc,
        <RunFlow session={phase.session} offline={phase.offline} onContinueHere={() => void load()} />,
      );
  }
}

/** A test run (dispatched with a test key) says so above every screen: nothing it records is real. */
function withTestBanner(doc: RunDocument, screen: ComponentChildren): ComponentChildren {
  if (doc.livemode !== false) return screen;
  return (
    <>
      <p class="test-run-banner" role="status">
        Test run — answers go to the sender's test integration, nothing here is real.
      </p>
      {screen}
    </>
  );
}
