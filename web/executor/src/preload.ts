/**
 * A separate, tiny entry (vite.config.ts adds it to index.html as an `async` module script, so it
 * runs as soon as it arrives, well before the app's main chunk): it starts `GET /x/runs/:run_id` early
 * and leaves the pending response for `fetchRun` (api.ts) to pick up. If the app got there first it
 * has set the slot to null, and nothing is sent twice. It imports nothing, to stay one small file.
 */
const RUN_PATH = /\/r\/([^/]+)\/?$/; // as in run-id.ts

const match = RUN_PATH.exec(window.location.pathname);
if (match?.[1] && window.__rundunPreload === undefined && typeof fetch === 'function') {
  const runId = decodeURIComponent(match[1]).toLowerCase();
  const response = fetch(`/x/runs/${encodeURIComponent(runId)}`, {
    credentials: 'same-origin',
    headers: { Accept: 'application/json' },
  });
  response.catch(() => undefined);
  window.__rundunPreload = { runId, response };
}

export {};
