/** The run id is the last segment of /r/:run_id (a trailing slash is tolerated). */
export function readRunId(pathname: string): string | null {
  const match = /\/r\/([^/]+)\/?$/.exec(pathname);
  return match ? decodeURIComponent(match[1]!) : null;
}
