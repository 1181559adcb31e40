/**
 * What must survive a reload lives in IndexedDB, through idb-keyval, in the database
 * `rundun-executor` (object store `outbox`). Where IndexedDB is missing or broken (some private
 * modes) every call degrades to a no-op: the app still works, it only cannot survive a reload.
 */
import { createStore, del, get, keys, set, type UseStore } from 'idb-keyval';

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

export async function writeStored(key: string, value: unknown): Promise<void> {
  try {
    await set(key, value, openStore());
  } catch {
    // see the note at the top
  }
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
