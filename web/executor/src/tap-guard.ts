/**
 * A tap that began before the screen under it appeared was aimed at the screen before: a quick second
 * tap on Next lands on the next step's Next (or on an option where Next was). Each screen records
 * when it was put in the document (`useShownAt`) and drops clicks whose pointerdown came earlier
 * (`dropStaleTap`, a capture-phase click listener). Keyboard clicks (detail 0) are never dropped.
 * The pointerdown's own timestamp is used, not the time its listener ran: on a slow phone the event
 * may wait while the new screen renders.
 */
import { useLayoutEffect, useRef } from 'preact/hooks';

let lastPointerDownAt = Number.NEGATIVE_INFINITY;

/** Event timestamps are relative to the page's time origin; very old engines give epoch milliseconds. */
function toPageTime(timeStamp: number): number {
  return timeStamp > 1e12 ? timeStamp - (Date.now() - performance.now()) : timeStamp;
}

if (typeof document !== 'undefined') {
  document.addEventListener(
    'pointerdown',
    (event) => {
      lastPointerDownAt = toPageTime(event.timeStamp);
    },
    { capture: true, passive: true },
  );
}

/** The time (performance.now()) at which the component was put in the document. */
export function useShownAt(key: unknown): { current: number } {
  const shownAt = useRef(Number.POSITIVE_INFINITY);
  useLayoutEffect(() => {
    shownAt.current = performance.now();
  }, [key]);
  return shownAt;
}

/** For onClickCapture: stops a click whose tap began before `shownAt`. */
export function dropStaleTap(event: MouseEvent, shownAt: { current: number }) {
  if (event.detail === 0 || lastPointerDownAt >= shownAt.current) return;
  event.preventDefault();
  event.stopPropagation();
}
