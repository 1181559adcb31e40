/**
 * What must survive a reload lives in IndexedDB, through idb-keyval, in the database
 * `rundun-executor` (object store `outbox`). Reads degrade to "nothing stored" where IndexedDB is
 * missing or broken (some private modes). Writes throw `StorageError` instead: the app keeps the data
 * in memory, goes on sending it, and tells the person that this phone is not keeping it (out of
 * storage, or storage off), because it promises that nothing given is lost.
 */
import { createStore, del, get, keys, promisifyRequest, set, type UseStore } from 'idb-keyval';

/** Photo bytes are kept as an ArrayBuffer: older Safari cannot store Blobs in IndexedDB. */
interface StoredBlob {
  type: string;
  bytes: ArrayBuffer;
}

let sharedStore: UseStore | null = null;
function openStore(): UseStore {
  sharedStore ??= createStore('rundun-executor', 'outbox');
  return sharedStore;
}

export async function readStored<T>(key: string): Promise<T | undefined> {
  try {
    return await get<T>(key, openStore());
  } catch {
    return undefined;
  }
}

export class StorageError extends Error {
  constructor(
    /** The browser said the origin's quota is used up (QuotaExceededError). */
    readonly full: boolean,
    options?: { cause: unknown },
  ) {
    super(full ? 'This phone is out of storage' : 'This browser does not keep data for this page', options);
    this.name = 'StorageError';
  }
}

function isQuotaError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  const inner = (error as { inner?: { name?: unknown } } | null)?.inner?.name;
  return name === 'QuotaExceededError' || inner === 'QuotaExceededError';
}

/** Writes one value; throws StorageError when it could not be kept (see the note at the top). */
export async function writeStored(key: string, value: unknown): Promise<void> {
  try {
    await set(key, value, openStore());
  } catch (error) {
    throw new StorageError(isQuotaError(error), { cause: error });
  }
}

/** Another tab (or window) of this browser has taken the run over; this one must not write. */
export class NotOwner extends Error {
  constructor() {
    super('This checklist is open in another tab');
    this.name = 'NotOwner';
  }
}

/**
 * Writes `value` under `key` only if `ownerKey` still holds `owner`, in one IndexedDB transaction:
 * readwrite transactions on a store run one at a time, so a tab that has just lost the run cannot
 * overwrite what the tab that took it over wrote. Throws NotOwner, or StorageError.
 */
export async function writeStoredAsOwner(ownerKey: string, owner: string, key: string, value: unknown) {
  let claimed: unknown;
  try {
    await openStore()('readwrite', (store) => {
      return new Promise<void>((resolve, reject) => {
        const request = store.get(ownerKey);
        request.onsuccess = () => {
          claimed = request.result;
          // No owner recorded (storage cleared, older app): the writer takes it.
          if (claimed !== undefined && claimed !== owner) return resolve();
          if (claimed === undefined) store.put(owner, ownerKey);
          store.put(value, key);
          resolve(promisifyRequest(store.transaction));
        };
        request.onerror = () => reject(request.error ?? new Error('IndexedDB read failed'));
      });
    });
  } catch (error) {
    throw new StorageError(isQuotaError(error), { cause: error });
  }
  if (claimed !== undefined && claimed !== owner) throw new NotOwner();
}

export async function deleteStored(key: string): Promise<void> {
  try {
    await del(key, openStore());
  } catch {
    // see the note at the top
  }
}

export async function deleteStoredWithPrefix(prefix: string): Promise<void> {
  try {
    const stored = await keys(openStore());
    const matching = stored.filter((key): key is string => typeof key === 'string' && key.startsWith(prefix));
    await Promise.all(matching.map((key) => deleteStored(key)));
  } catch {
    // see the note at the top
  }
}

export async function writeStoredBlob(key: string, blob: Blob): Promise<void> {
  const bytes = await new Response(blob).arrayBuffer();
  await writeStored(key, { type: blob.type, bytes } satisfies StoredBlob);
}

export async function readStoredBlob(key: string): Promise<Blob | undefined> {
  const stored = await readStored<StoredBlob>(key);
  return stored ? new Blob([stored.bytes], { type: stored.type }) : undefined;
}
