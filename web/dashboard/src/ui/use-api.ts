/** Loads a GET of the API for a page: `data`, `error`, `loading`, and `reload` (after a change). Re-runs when `path` changes. */
import { useCallback, useLayoutEffect, useState } from 'preact/hooks';
import { api } from '../../../shared/api-client';
import { takeFirstRead } from './first-reads';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

export function useApi<T>(path: string | null): Loaded<T> {
  return useLoad(path, () => takeFirstRead<T>(path!) ?? api.get<T>(path!));
}

/** What `useApi` does for a load of several requests: `load` runs again when `key` changes (null: not yet). */
export function useLoad<T>(key: string | null, load: () => Promise<T>): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: key !== null,
  });
  const [generation, setGeneration] = useState(0);
  // A layout effect sends the request right after the render, not after the next frame is painted
  // (useEffect): at 4× CPU that frame was ~0.3 s between the session arriving and the list's request.
  useLayoutEffect(() => {
    if (key === null) return;
    let live = true;
    setState((previous) => ({ ...previous, loading: true, error: undefined }));
    load().then(
      (data) => live && setState({ data, error: undefined, loading: false }),
      (error: unknown) => live && setState((previous) => ({ data: previous.data, error, loading: false })),
    );
    return () => {
      live = false;
    };
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { ...state, reload };
}
