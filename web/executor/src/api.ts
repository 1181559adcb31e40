/**
 * The executor API client. Same origin, JSON, cookies for the member session. A request that never
 * reaches the server (offline, timeout, stalled upload) throws `NetworkError`; an answer that is not
 * 2xx throws `ApiError` carrying the problem+json body. Callers decide which of those are worth a retry
 * with `isRetryable`.
 */
import type {
  AnswerBodyAccepted,
  CancelBody,
  FinishAnswer,
  Geo,
  IdentityInput,
  Member,
  ProblemDetails,
  RunDocument,
  SkipBody,
  StartBody,
  StepAnswer,
  SubmitBody,
  UploadedMedia,
} from './types';

const JSON_TIMEOUT_MS = 20_000;
/** An upload is abandoned when no byte has moved for this long (slow links still finish). */
const UPLOAD_STALL_MS = 30_000;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: ProblemDetails,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.name = 'ApiError';
  }
}

export class NetworkError extends Error {
  constructor(message = 'No connection') {
    super(message);
    this.name = 'NetworkError';
  }
}

/** Network failures, timeouts, 5xx, 408 and 429 may succeed later; every other answer is final. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof NetworkError) return true;
  if (error instanceof ApiError) return error.status >= 500 || error.status === 408 || error.status === 429;
  return false;
}

function parseProblem(status: number, text: string): ProblemDetails {
  try {
    const body = JSON.parse(text) as unknown;
    if (body && typeof body === 'object') return body;
  } catch {
    // not JSON: fall through to a generic problem
  }
  return { status, title: `HTTP ${status}` };
}

/** Reads a JSON answer, giving up (as a network failure) when headers and body take longer than JSON_TIMEOUT_MS. */
async function readJson<T>(pending: Promise<Response>, controller?: AbortController): Promise<T> {
  let timer = 0;
  const timeout = new Promise<never>((_, reject) => {
    timer = window.setTimeout(() => {
      controller?.abort();
      reject(new NetworkError('Timed out'));
    }, JSON_TIMEOUT_MS);
  });
  let response: Response;
  let text: string;
  try {
    response = await Promise.race([pending, timeout]);
    text = await Promise.race([response.text(), timeout]);
  } catch {
    throw new NetworkError();
  } finally {
    window.clearTimeout(timer);
  }
  if (!response.ok) throw new ApiError(response.status, parseProblem(response.status, text));
  return (text ? JSON.parse(text) : null) as T;
}

function requestJson<T>(method: string, path: string, body?: unknown): Promise<T> {
  const controller = new AbortController();
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const pending = fetch(path, {
    method,
    credentials: 'same-origin',
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: controller.signal,
  });
  return readJson<T>(pending, controller);
}

declare global {
  interface Window {
    /** Set by preload.ts: the run's GET, started before the app's code arrives; null once the app has looked. */
    __rundunPreload?: { runId: string; response: Promise<Response> } | null;
  }
}

/** Takes the GET that index.html started early, once, if it is for this run. */
function takePreloadedRun(runId: string): Promise<Response> | null {
  const preload = window.__rundunPreload;
  window.__rundunPreload = null;
  return preload && preload.runId === runId ? preload.response : null;
}

const runPath = (runId: string) => `/x/runs/${encodeURIComponent(runId)}`;
const stepPath = (runId: string, stepId: string) => `${runPath(runId)}/steps/${encodeURIComponent(stepId)}`;

export function fetchRun(runId: string): Promise<RunDocument> {
  const preloaded = takePreloadedRun(runId);
  return preloaded ? readJson(preloaded) : requestJson('GET', runPath(runId));
}

export function startRun(runId: string, identity: IdentityInput): Promise<RunDocument> {
  return requestJson('POST', `${runPath(runId)}/start`, { identity } satisfies StartBody);
}

export function logIn(email: string, password: string): Promise<Member> {
  return requestJson('POST', '/x/auth/login', { email, password });
}

export function logOut(): Promise<unknown> {
  return requestJson('POST', '/x/auth/logout', {});
}

/** What the app sends for an answer: every field, where the route has them optional. */
export interface AnswerBody {
  answer: unknown;
  media_ids: string[];
  geo: Geo | null;
  request_id: string;
}

export function putAnswer(runId: string, stepId: string, body: AnswerBody): Promise<StepAnswer> {
  return requestJson('PUT', stepPath(runId, stepId), body satisfies AnswerBodyAccepted);
}

export function postSkip(runId: string, stepId: string, requestId: string): Promise<StepAnswer> {
  return requestJson('POST', `${stepPath(runId, stepId)}/skip`, { request_id: requestId } satisfies SkipBody);
}

export function submitRun(runId: string, requestId: string): Promise<FinishAnswer> {
  return requestJson('POST', `${runPath(runId)}/submit`, { request_id: requestId } satisfies SubmitBody);
}

export function cancelRun(runId: string, lastStepId: string | null): Promise<FinishAnswer> {
  return requestJson('POST', `${runPath(runId)}/cancel`, { last_step_id: lastStepId } satisfies CancelBody);
}

/**
 * Uploads one image with XMLHttpRequest, because fetch cannot report upload progress.
 * `X-Request-Id` makes a retried upload return the media the first attempt created.
 */
export function uploadMedia(
  runId: string,
  stepId: string,
  blob: Blob,
  requestId: string,
  onProgress: (loaded: number, total: number) => void,
): Promise<UploadedMedia> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    let stallTimer = 0;
    const armStallTimer = () => {
      window.clearTimeout(stallTimer);
      stallTimer = window.setTimeout(() => xhr.abort(), UPLOAD_STALL_MS);
    };
    const fail = (error: Error) => {
      window.clearTimeout(stallTimer);
      reject(error);
    };
    xhr.open('POST', `${stepPath(runId, stepId)}/media`);
    xhr.setRequestHeader('Content-Type', blob.type || 'image/jpeg');
    xhr.setRequestHeader('X-Request-Id', requestId);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (event) => {
      armStallTimer();
      onProgress(event.loaded, event.lengthComputable ? event.total : blob.size);
    };
    xhr.onerror = () => fail(new NetworkError());
    xhr.onabort = () => fail(new NetworkError('Upload stalled'));
    xhr.ontimeout = () => fail(new NetworkError('Upload timed out'));
    xhr.onload = () => {
      window.clearTimeout(stallTimer);
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          resolve(JSON.parse(xhr.responseText) as UploadedMedia);
        } catch {
          reject(new ApiError(xhr.status, { title: 'Unreadable upload response' }));
        }
      } else if (xhr.status === 0) {
        reject(new NetworkError());
      } else {
        reject(new ApiError(xhr.status, parseProblem(xhr.status, xhr.responseText)));
      }
    };
    armStallTimer();
    xhr.send(blob);
  });
}
