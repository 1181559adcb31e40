/** The one live status on screen: whether everything the person gave has reached the server. */
import type { OutboxState } from './outbox';

export function describeSync(sync: OutboxState): { text: string; tone: 'saved' | 'saving' | 'waiting' } {
  if (sync.pending === 0) return { text: 'All saved', tone: 'saved' };
  if (sync.waiting) {
    return {
      text: `${sync.pending} change${sync.pending > 1 ? 's' : ''} waiting for connection`,
      tone: 'waiting',
    };
  }
  return { text: 'Saving…', tone: 'saving' };
}

export function SyncStatus({ sync }: { sync: OutboxState }) {
  const { text, tone } = describeSync(sync);
  return (
    <p role="status" class={`sync sync-${tone}`}>
      <span class="dot" aria-hidden="true" />
      {text}
    </p>
  );
}
