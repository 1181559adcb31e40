/** The sub-navigation of Settings: API keys, Members, Credits, Account. */
import type { ComponentChildren } from 'preact';
import { Link } from '../../router';

const ITEMS = [
  { href: '/app/settings/api-keys', label: 'API keys' },
  { href: '/app/settings/members', label: 'Members' },
  { href: '/app/settings/credits', label: 'Credits' },
  { href: '/app/settings/account', label: 'Account' },
];

export function SettingsFrame({ title, children }: { title: string; children: ComponentChildren }) {
  const path = window.location.pathname;
  return (
    <div class="settings">
      <nav class="subnav" aria-label="Settings">
        <ul>
          {ITEMS.map((item) => (
            <li key={item.href}>
              <Link href={item.href} aria-current={path === item.href ? 'page' : undefined}>
                {item.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <section class="settings-body">
        <h1>{title}</h1>
        {children}
      </section>
    </div>
  );
}

export function OwnersOnly() {
  return <p class="notice">Only owners of the org can see and change this. Ask an owner if you need it.</p>;
}
