import { render } from 'preact';
import { App } from './app';
import { registerServiceWorker } from './app-update';
import { FinalPage } from './final-page';
import { readRunId } from './run-id';
import './styles.css';

const root = document.getElementById('app')!;
root.textContent = '';
const runId = readRunId(window.location.pathname);
// `/r/R-…/` opened through the service worker (no server redirect): show the link as it should be.
if (runId && window.location.pathname !== `/r/${runId}`) window.history.replaceState(null, '', `/r/${runId}`);
render(runId ? <App runId={runId} /> : <FinalPage kind="not_found" />, root);
registerServiceWorker();
