/**
 * The dashboard root: loads the session, then renders the page the URL names. Pages behind sign-in
 * show Sign in when there is no session (and come back to the page after it, via `?next=`).
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, api, onUnauthorized, setCsrfToken } from '../../shared/api-client';
import { PublicLayout, SignedInLayout } from './layout';
import { NotFoundPage } from './pages/not-found';
import { SignInPage } from './pages/sign-in';
import { currentLocation, navigate, matchPath, useLocation } from './router';
import { REDIRECTS, ROUTES } from './routes';
import { SessionContext, type Session } from './session';
import { dropFirstReads, sendFirstReads } from './ui/first-reads';
import { ErrorNotice, Loading } from './ui/states';

/**
 * Asked as soon as the script runs, not in the first render's effect (which waits for a frame after
 * the first paint): every page waits for it. A no-op catch marks a 401 handled until the effect reads it.
 */
const firstSession = api.get<Session>('/v1/auth/session');
firstSession.catch(() => undefined);

function matchRoute(path: string) {
  for (const route of ROUTES) {
    const params = matchPath(route.pattern, path);
    if (params) return { route, params };
  }
  return undefined;
}

// The opening page's own reads go out beside the session check (ui/first-reads.ts).
const opening = currentLocation();
const openingRoute = REDIRECTS[opening.path] ? undefined : matchRoute(opening.path);
if (openingRoute?.route.reads) sendFirstReads(openingRoute.route.reads(openingRoute.params, opening.query));

export function App() {
  const location = useLocation();
  const [session, setSessionState] = useState<Session | null | undefined>(undefined);
  const [loadError, setLoadError] = useState<unknown>(undefined);

  const setSession = (next: Session | null) => {
    setCsrfToken(next?.csrf_token);
    setSessionState(next);
  };

  useEffect(() => {
    onUnauthorized(() => setSession(null));
    firstSession.then(setSession, (error: unknown) => {
      if (error instanceof ApiError && error.status === 401) setSession(null);
      else setLoadError(error);
    });
  }, []);

  const redirect = REDIRECTS[location.path];
  useEffect(() => {
    if (redirect) navigate(redirect, { replace: true });
  }, [redirect]);

  const matched = useMemo(() => matchRoute(location.path), [location.path]);

  // The first page took its early answers in its layout effects; what is left would be stale later.
  useEffect(() => {
    if (session !== undefined) dropFirstReads();
  }, [session]);

  useEffect(() => {
    document.title = `${matched?.route.title ?? 'Not found'} · Rundun`;
  }, [matched]);

  const context = useMemo(() => ({ session: session ?? null, setSession }), [session]);

  if (loadError) {
    return (
      <PublicLayout>
        <h1>Rundun</h1>
        <ErrorNotice error={loadError} retry={() => window.location.reload()} />
      </PublicLayout>
    );
  }
  if (session === undefined || redirect) {
    return (
      <PublicLayout>
        <Loading what="the dashboard" />
      </PublicLayout>
    );
  }

  let page;
  if (!matched) {
    page = session ? (
      <SignedInLayout section={undefined} path={location.path}>
        <NotFoundPage />
      </SignedInLayout>
    ) : (
      <PublicLayout>
        <NotFoundPage />
      </PublicLayout>
    );
  } else if (matched.route.public) {
    page = <PublicLayout>{matched.route.render(matched.params)}</PublicLayout>;
  } else if (!session) {
    page = (
      <PublicLayout>
        <SignInPage
          next={location.path + (location.query.toString() ? `?${location.query.toString()}` : '')}
        />
      </PublicLayout>
    );
  } else {
    page = (
      <SignedInLayout section={matched.route.section} path={location.path}>
        {matched.route.render(matched.params)}
      </SignedInLayout>
    );
  }
  return <SessionContext.Provider value={context}>{page}</SessionContext.Provider>;
}
