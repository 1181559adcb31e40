/**
 * Registers the service worker (service-worker.ts) and applies a new build at a safe moment: when a
 * new version takes over this page (`controllerchange` after the page already had one), the app
 * reloads at the next change of screen (session.goTo), once the drafts and position are stored, so
 * the person continues on the new build where they were, with nothing lost and nothing moving under
 * their finger mid-step.
 */
let updated = false;

export function registerServiceWorker() {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const container = navigator.serviceWorker;
  let controlled = container.controller !== null;
  container.addEventListener('controllerchange', () => {
    if (controlled) updated = true;
    controlled = true;
  });
  // After the page has loaded, so the worker's downloads do not compete with the app's own.
  const register = () => void container.register('/r/sw.js', { scope: '/r/' }).catch(() => undefined);
  if (document.readyState === 'complete') register();
  else window.addEventListener('load', register, { once: true });
}

/** A new build has taken over: reload at the next screen change. */
export function isAppUpdated(): boolean {
  return updated;
}
