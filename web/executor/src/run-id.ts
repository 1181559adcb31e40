/**
 * The run id is the last segment of /r/:run_id. A trailing slash is tolerated and the id is read in
 * lower case (ids are lower-case hex): the server redirects such links, but a page served by the
 * service worker never asks the server, so the app reads them the same way.
 */
export function readRunId(pathname: string): string | null {
  const match = /\/r\/([^/]+)\/?$/.exec(pathname);
  return match ? decodeURIComponent(match[1]!).toLowerCase() : null;
}
