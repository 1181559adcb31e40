/**
 * A small history router for /app. Paths and query strings are the state (filters live in the URL,
 * so the back button and shared links work). `navigate` pushes an entry; `Link` is an <a> whose
 * same-app clicks are handled without a reload; `useLocation` re-renders on every change. A page with
 * unsaved work sets a leave guard, asked before Back or Forward takes the person away from it.
 */
import type { AnchorHTMLAttributes, ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export const BASE = '/app';

export interface Location {
  path: string;
  query: URLSearchParams;
}

const listeners = new Set<() => void>();

/** The location the browser shows now. */
export function currentLocation(): Location {
  return {
    path: window.location.pathname.replace(/\/+$/, '') || BASE,
    query: new URLSearchParams(window.location.search),
  };
}

const here = () => window.location.pathname + window.location.search;
/** The URL of what is on screen (during a popstate, the browser's URL is already the next one). */
let shown = here();
let leaveGuard: (() => boolean) | undefined;

/** While set, Back and Forward first call `mayLeave`; false keeps the page and puts its URL back. */
export function setLeaveGuard(mayLeave: (() => boolean) | undefined): void {
  leaveGuard = mayLeave;
}

window.addEventListener('popstate', () => {
  if (leaveGuard && !leaveGuard()) {
    window.history.pushState(null, '', shown);
    return;
  }
  shown = here();
  listeners.forEach((listener) => listener());
});

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === here()) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  shown = here();
  listeners.forEach((listener) => listener());
  window.scrollTo(0, 0);
}

export function useLocation(): Location {
  const [location, setLocation] = useState(currentLocation);
  useEffect(() => {
    const listener = () => setLocation(currentLocation());
    listeners.add(listener);
    return () => listeners.delete(listener);
  }, []);
  return location;
}

/** Matches `/app/runs/:id` against a path; returns the decoded params or null. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const names: string[] = [];
  const regex = new RegExp(
    `^${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:([a-z_]+)/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    })}$`,
  );
  const found = regex.exec(path);
  if (!found) return null;
  return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(found[i + 1]!)]));
}

/** Sets some query parameters on the current path (empty values removed) and navigates there. */
export function setQuery(
  values: Record<string, string | undefined>,
  options: { replace?: boolean } = {},
): void {
  const query = new URLSearchParams(window.location.search);
  for (const [key, value] of Object.entries(values)) {
    if (value) query.set(key, value);
    else query.delete(key);
  }
  const text = query.toString();
  navigate(`${window.location.pathname}${text ? `?${text}` : ''}`, options);
}

type LinkProps = AnchorHTMLAttributes & { href: string; children: ComponentChildren };

export function Link({ href, children, onClick, ...rest }: LinkProps) {
  return (
    <a
      href={href}
      {...rest}
      onClick={(event) => {
        if (typeof onClick === 'function') onClick(event);
        if (
          event.defaultPrevented ||
          event.button !== 0 ||
          event.metaKey ||
          event.ctrlKey ||
          event.shiftKey ||
          event.altKey
        )
          return;
        event.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}
