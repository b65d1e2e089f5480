import type { ComponentChildren } from 'preact';
import { roleName } from '@turnaround/domain';
import type { Viewer } from '../http';

export const PRODUCT = 'Turnaround monitor';

/** A page of the navigation, for the roles that may read what it shows. */
export interface NavItem {
  href: string;
  label: string;
  current: boolean;
}

export interface LayoutProps {
  title: string;
  /** Absent on the sign-in page and on an error answered before sign-in. */
  viewer?: Viewer;
  nav?: NavItem[];
  children: ComponentChildren;
}

/**
 * Every page: a skip link to the content, the header with the product, who is signed in (the
 * name the key was issued to, and its role) and sign-out, the navigation of the reader's role,
 * and the content in the main landmark. USWDS gives the type, forms, tables and tags; the
 * service's own stylesheet the status colours and print.
 */
export function Layout({ title, viewer, nav = [], children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · ${PRODUCT}`}</title>
        <link rel="stylesheet" href="/assets/uswds/css/uswds.min.css" />
        <link rel="stylesheet" href="/assets/web.css" />
      </head>
      <body>
        <a class="usa-skipnav" href="#main-content">
          Skip to main content
        </a>
        <header class="site-header">
          <div class="grid-container site-header__bar">
            <a class="site-header__product" href="/">
              {PRODUCT}
            </a>
            {viewer && (
              <div class="site-header__viewer">
                <span>
                  Signed in as <strong>{viewer.principal.name}</strong> <span class="site-header__role">({roleName(viewer.principal.role)})</span>
                </span>
                <form method="post" action="/sign-out" class="site-header__sign-out">
                  <input type="hidden" name="csrf" value={viewer.csrfToken} />
                  <button type="submit" class="usa-button usa-button--outline usa-button--inverse">
                    Sign out
                  </button>
                </form>
              </div>
            )}
          </div>
          {nav.length > 0 && (
            <nav class="site-nav" aria-label="Main">
              <ul class="grid-container site-nav__list">
                {nav.map((item) => (
                  <li>
                    <a href={item.href} aria-current={item.current ? 'page' : undefined}>
                      {item.label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          )}
        </header>
        <main id="main-content" class="grid-container site-main" tabIndex={-1}>
          {children}
        </main>
        <footer class="site-footer grid-container">
          <p>{PRODUCT}: school turnaround in Partnership Zones, for the State Turnaround Office, districts, partners and researchers.</p>
        </footer>
      </body>
    </html>
  );
}
