/**
 * The signed-in frame: a skip link, the header (product, org, who is signed in, `Sign out`), the
 * main navigation (`Runs`, `Templates`, `Deliveries`, `Settings` — DESIGN §5 labels) and the page.
 * After each navigation focus moves to the page's heading, so screen readers announce the new page.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { api, setCsrfToken } from '../../shared/api-client';
import { Link, navigate } from './router';
import { NAV, type Section } from './routes';
import { useSession, useSignedIn } from './session';

export function SignedInLayout({
  section,
  path,
  children,
}: {
  section: Section | undefined;
  path: string;
  children: ComponentChildren;
}) {
  const session = useSignedIn();
  const { setSession } = useSession();
  const main = useRef<HTMLElement>(null);
  useEffect(() => {
    const heading = main.current?.querySelector('h1');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: true });
    }
  }, [path]);

  async function signOut() {
    try {
      await api.post('/v1/auth/sign-out');
    } finally {
      setCsrfToken(undefined);
      setSession(null);
      navigate('/app/sign-in');
    }
  }

  return (
    <div class="frame">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <Link href="/app/runs" class="brand">
          Rundun
        </Link>
        <span class="org-name" title={session.org.org_id}>
          {session.org.name}
        </span>
        <span class="who">
          {session.user.email} · {session.role}
        </span>
        <button type="button" class="button quiet" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <nav class="mainnav" aria-label="Main">
        <ul>
          {NAV.map((item) => (
            <li key={item.href}>
              <Link href={item.href} aria-current={item.section === section ? 'page' : undefined}>
                {item.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" ref={main} class="page">
        {children}
      </main>
    </div>
  );
}

/** The frame of the pages before sign-in (Sign in, Sign up, invitations). */
export function PublicLayout({ children }: { children: ComponentChildren }) {
  return (
    <div class="public-frame">
      <main id="main" class="public-page">
        <p class="brand-big">Rundun</p>
        {children}
      </main>
    </div>
  );
}
