/**
 * The browser's client of the Rundun HTTP API (/v1), for the dashboard and the template editor. Same
 * origin, JSON; the session cookie rides along and every state-changing request carries the session's
 * CSRF token (`X-CSRF-Token`, from the sign-in answer or GET /v1/auth/session). An answer that is not
 * 2xx throws `ApiError` with its problem+json body; a request that never got an answer throws
 * `ApiError` with status 0. A 401 calls the `onUnauthorized` handler (the dashboard shows Sign in).
 */

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: { pointer: string; rule: string; message: string; step_id?: string }[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.name = 'ApiError';
  }
}

const TIMEOUT_MS = 30_000;

let csrfToken: string | undefined;
let unauthorizedHandler: (() => void) | undefined;

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export function onUnauthorized(handler: () => void): void {
  unauthorizedHandler = handler;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

/** `/v1/runs` + `{ status: 'completed', cursor: undefined }` → `/v1/runs?status=completed` (empty values dropped). */
export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

function parseProblem(status: number, text: string): Problem {
  try {
    const body = JSON.parse(text) as unknown;
    if (body && typeof body === 'object') return body;
  } catch {
    // not JSON
  }
  return { status, title: `HTTP ${status}`, detail: `The server answered ${status}.` };
}

export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<T> {
  const headers: Record<string, string> = { ...extraHeaders, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  let response: Response;
  let text: string;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal,
    });
    text = await response.text();
  } catch {
    throw new ApiError(0, {
      title: 'No connection',
      detail: 'The server could not be reached. Check your connection and try again.',
    });
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok) {
    if (response.status === 401) unauthorizedHandler?.();
    throw new ApiError(response.status, parseProblem(response.status, text));
  }
  return (text ? JSON.parse(text) : null) as T;
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>('GET', withQuery(path, query)),
  post: <T>(path: string, body?: unknown, headers?: Record<string, string>) =>
    request<T>('POST', path, body ?? {}, headers),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  delete: <T = null>(path: string) => request<T>('DELETE', path),
};

/** What to tell a person about a failed request: the problem's detail, or a plain fallback. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return 'Something went wrong. Try again.';
}

/** The message of each field the problem names, by JSON pointer without the leading slash (`/email` → `email`). */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const item of error.problem.errors ?? []) {
    const field = item.pointer.replace(/^\//, '').split('/')[0] ?? '';
    out[field] ??= item.message;
  }
  return out;
}
