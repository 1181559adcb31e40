/**
 * Every page of the dashboard, in one table: its path pattern, title, the navigation section it
 * belongs to, and what it renders. A new section (the template editor) adds its pages here and, if
 * it is a top-level section, an entry in NAV. Patterns are matched in order; the first wins.
 */
import type { ComponentChildren } from 'preact';
import { AcceptInvitePage } from './pages/accept-invite';
import { DeliveriesPage, deliveriesPageReads } from './pages/deliveries/deliveries-page';
import { RunPage, runPageReads } from './pages/run/run-page';
import { DispatchPage } from './pages/runs/dispatch-page';
import { RunsPage, runsPageReads } from './pages/runs/runs-page';
import { AccountPage } from './pages/settings/account-page';
import { ApiKeysPage } from './pages/settings/api-keys-page';
import { CreditsPage } from './pages/settings/credits-page';
import { MembersPage } from './pages/settings/members-page';
import { SignInPage } from './pages/sign-in';
import { SignUpPage } from './pages/sign-up';
import { TemplatesPage } from './pages/templates/templates-page';
import { lazyPage } from './ui/lazy-page';

// The template editor is the largest part of the app: it loads when one of its pages is opened.
const TemplatePage = lazyPage(() => import('./pages/templates/template-page').then((m) => m.TemplatePage));
const NewTemplatePage = lazyPage(() =>
  import('./pages/templates/template-page').then((m) => m.NewTemplatePage),
);
const TemplateHistoryPage = lazyPage(() =>
  import('./pages/templates/template-history-page').then((m) => m.TemplateHistoryPage),
);

export type Section = 'runs' | 'templates' | 'deliveries' | 'settings';

export interface PageRoute {
  pattern: string;
  title: string;
  section?: Section;
  /** Reachable without signing in. */
  public?: boolean;
  render(params: Record<string, string>): ComponentChildren;
  /** The GETs the page makes first, sent beside the session check (ui/first-reads.ts). */
  reads?(params: Record<string, string>, query: URLSearchParams): string[];
}

export const NAV: { label: string; href: string; section: Section }[] = [
  { label: 'Runs', href: '/app/runs', section: 'runs' },
  { label: 'Templates', href: '/app/templates', section: 'templates' },
  { label: 'Deliveries', href: '/app/deliveries', section: 'deliveries' },
  { label: 'Settings', href: '/app/settings/api-keys', section: 'settings' },
];

export const ROUTES: PageRoute[] = [
  { pattern: '/app/sign-in', title: 'Sign in', public: true, render: () => <SignInPage /> },
  { pattern: '/app/sign-up', title: 'Sign up', public: true, render: () => <SignUpPage /> },
  {
    pattern: '/app/invite/:token',
    title: 'Join an org',
    public: true,
    render: (p) => <AcceptInvitePage token={p.token!} />,
  },
  {
    pattern: '/app/runs',
    title: 'Runs',
    section: 'runs',
    render: () => <RunsPage />,
    reads: (_, query) => runsPageReads(query),
  },
  { pattern: '/app/runs/new', title: 'Dispatch run', section: 'runs', render: () => <DispatchPage /> },
  {
    pattern: '/app/runs/:id',
    title: 'Run',
    section: 'runs',
    render: (p) => <RunPage id={p.id!} />,
    reads: (p) => runPageReads(p.id!),
  },
  { pattern: '/app/templates', title: 'Templates', section: 'templates', render: () => <TemplatesPage /> },
  {
    pattern: '/app/templates/new',
    title: 'New template',
    section: 'templates',
    render: () => <NewTemplatePage />,
  },
  {
    pattern: '/app/templates/:id/history',
    title: 'Template versions',
    section: 'templates',
    render: (p) => <TemplateHistoryPage id={p.id!} />,
  },
  {
    pattern: '/app/templates/:id',
    title: 'Template',
    section: 'templates',
    render: (p) => <TemplatePage id={p.id!} />,
  },
  {
    pattern: '/app/deliveries',
    title: 'Deliveries',
    section: 'deliveries',
    render: () => <DeliveriesPage />,
    reads: (_, query) => deliveriesPageReads(query),
  },
  {
    pattern: '/app/settings/api-keys',
    title: 'API keys',
    section: 'settings',
    render: () => <ApiKeysPage />,
  },
  { pattern: '/app/settings/members', title: 'Members', section: 'settings', render: () => <MembersPage /> },
  { pattern: '/app/settings/credits', title: 'Credits', section: 'settings', render: () => <CreditsPage /> },
  { pattern: '/app/settings/account', title: 'Account', section: 'settings', render: () => <AccountPage /> },
];

/** Where /app and /app/settings lead. */
export const REDIRECTS: Record<string, string> = {
  '/app': '/app/runs',
  '/app/settings': '/app/settings/api-keys',
};
