/** A run's or a delivery's status as a labelled badge (text, not colour alone). */
const LABELS: Record<string, string> = {
  pending: 'Pending',
  in_progress: 'In progress',
  completed: 'Completed',
  cancelled: 'Cancelled',
  expired: 'Expired',
  succeeded: 'Succeeded',
  failed: 'Failed',
};

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status}`}>{LABELS[status] ?? status}</span>;
}

export const RUN_STATUSES = ['pending', 'in_progress', 'completed', 'cancelled', 'expired'] as const;
export const statusLabel = (status: string) => LABELS[status] ?? status;
