import { render } from 'preact';
import { App } from './app';
import { FinalPage } from './final-page';
import { readRunId } from './run-id';
import './styles.css';

const root = document.getElementById('app')!;
root.textContent = '';
const runId = readRunId(window.location.pathname);
render(runId ? <App runId={runId} /> : <FinalPage kind="not_found" />, root);
