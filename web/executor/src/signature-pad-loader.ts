/**
 * signature_pad is its own chunk (~5 KB brotli), loaded when a run that has a signature step opens
 * (session.ts), not when the step appears: a person who reaches the step offline still has it, and
 * the pad is usually ready before the step shows. A failed load (offline before it ever loaded) is
 * tried again on the next call and when the connection returns.
 */
import type SignaturePad from 'signature_pad';

export type SignaturePadClass = typeof SignaturePad;

let loaded: SignaturePadClass | null = null;
let loading: Promise<SignaturePadClass> | null = null;

export function loadSignaturePad(): Promise<SignaturePadClass> {
  if (loaded) return Promise.resolve(loaded);
  loading ??= import('signature_pad').then(
    ({ default: Pad }) => (loaded = Pad),
    (error: unknown) => {
      loading = null;
      throw error;
    },
  );
  return loading;
}

/** The pad's class if it has loaded already, so the pad can be made before the step is painted. */
export function findLoadedSignaturePad(): SignaturePadClass | null {
  return loaded;
}

/** Starts loading now, and again when the connection returns if this attempt fails. */
export function prefetchSignaturePad() {
  loadSignaturePad().catch(() =>
    window.addEventListener('online', () => void loadSignaturePad().catch(() => undefined), { once: true }),
  );
}
