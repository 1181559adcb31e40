/** Storage keys of media: `runs/<run_id>/<step_id>/<media_id>.<ext>`, the same on disk and in S3. */
const KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

/** Refuses anything but plain relative segments, so a key can never leave its store's root. */
export function assertMediaKey(key: string): void {
  if (!KEY_PATTERN.test(key) || key.split('/').some((part) => part === '..' || part === '.'))
    throw new Error(`Invalid media storage key: ${JSON.stringify(key)}`);
}
