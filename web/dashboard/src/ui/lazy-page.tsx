/**
 * A page whose code loads when it is first shown, so the bundle every page waits for does not carry
 * the template editor (its step components, the signature pad, the condition builder). The module is
 * fetched once; a failed fetch says so with Try again.
 */
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ErrorNotice, Loading } from './states';

export function lazyPage<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | undefined;
  let pending: Promise<ComponentType<P>> | undefined;
  const fetchOnce = () => (pending ??= load().then((component) => (loaded = component)));
  return function LazyPage(props: P) {
    const [, setReady] = useState(false);
    const [error, setError] = useState<unknown>();
    const [attempt, setAttempt] = useState(0);
    useEffect(() => {
      if (loaded) return;
      let live = true;
      fetchOnce().then(
        () => live && setReady(true),
        (failure: unknown) => {
          pending = undefined;
          if (live) setError(failure);
        },
      );
      return () => {
        live = false;
      };
    }, [attempt]);
    if (loaded) {
      const Page = loaded;
      return <Page {...props} />;
    }
    if (error)
      return (
        <ErrorNotice
          error={new Error('This page could not be loaded. Check the connection and try again.')}
          retry={() => (setError(undefined), setAttempt((n) => n + 1))}
        />
      );
    return <Loading what="the page" />;
  };
}
