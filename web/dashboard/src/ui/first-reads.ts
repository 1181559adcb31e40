/**
 * The first page's GETs, sent as soon as the script runs, beside the session check, instead of after
 * it: every page waits for the session, and at 4× CPU the render between the session's answer and the
 * page's own requests was a few hundred milliseconds of a page load. A route lists the reads it makes
 * first (`PageRoute.reads`, built by the same function the page uses, so the paths are equal);
 * `useApi` takes an early answer once, and a later load asks again. When nobody is signed in the
 * early answers are 401s and are dropped with the session (`dropFirstReads`).
 */
import { api } from '../../../shared/api-client';

const early = new Map<string, Promise<unknown>>();

export function sendFirstReads(paths: readonly string[]): void {
  for (const path of paths) {
    const answer = api.get(path);
    answer.catch(() => undefined); // handled by the page that takes it, or dropped
    early.set(path, answer);
  }
}

/** The early answer for `path`, once; undefined when none was sent or it was taken. */
export function takeFirstRead<T>(path: string): Promise<T> | undefined {
  const answer = early.get(path);
  early.delete(path);
  return answer as Promise<T> | undefined;
}

export function dropFirstReads(): void {
  early.clear();
}
