/**
 * Which errors came from the database client. src/db/connect.ts marks every error that `pg` or PGlite
 * throws as it passes out of the driver, so src/db/unavailable.ts can answer "the database is down"
 * only for the database's own failures: an ECONNREFUSED from S3 media storage, a receiver or any other
 * socket is not a database outage, and must not be reported to clients as one (a 503 inviting a retry)
 * nor hidden from the error log.
 *
 * The mark is kept in a WeakSet rather than on the error, so errors stay as the driver made them.
 */

const fromDatabase = new WeakSet<object>();

/** Marks `error` as thrown by the database client and returns it, for `throw markFromDatabase(e)`. */
export function markFromDatabase(error: unknown): unknown {
  if (typeof error === 'object' && error !== null) fromDatabase.add(error);
  return error;
}

export function isMarkedFromDatabase(error: unknown): boolean {
  return typeof error === 'object' && error !== null && fromDatabase.has(error);
}

/** Runs `call`, marking what it throws or rejects with as the database client's. */
export async function fromDatabaseClient<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw markFromDatabase(error);
  }
}
