import type { ComponentChildren, VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { Viewer } from '../http';
import { ROUTES } from '../pages/read';
import { WebAccess } from '../web-access';
import { Layout, NavItem } from './layout';
import { html } from './render';
import { PageContent, WebPage } from './web-page';

/**
 * The navigation: each page for the roles whose grant of the API route it mirrors is not `no`.
 * A controller's new page adds its entry here.
 */
const NAVIGATION: readonly { href: string; label: string; route: string }[] = [
  { href: '/', label: 'Home', route: ROUTES.zones },
  { href: '/schools', label: 'Schools', route: ROUTES.schools },
  { href: '/inbox', label: 'Alert inbox', route: ROUTES.alerts },
  { href: '/webhooks', label: 'Webhooks', route: ROUTES.webhooks },
  { href: '/inbox/email', label: 'Alert emails', route: 'GET /api/v1/districts/:districtId/email-recipients' },
  { href: '/uploads', label: 'Feed uploads', route: ROUTES.feedBatches },
  { href: '/coverage', label: 'Coverage', route: ROUTES.coverage },
  { href: '/research', label: 'Research', route: ROUTES.researchPanel },
];

/** A signed-in page: `content` in the layout, with the navigation of the viewer's role and `section` marked as the current one. */
export function renderPage(access: WebAccess, viewer: Viewer, section: string, title: string, content: ComponentChildren): string {
  const nav: NavItem[] = NAVIGATION.filter((item) => access.may(viewer.principal, item.route)).map((item) => ({
    href: item.href,
    label: item.label,
    current: item.href === section,
  }));
  return html(
    <Layout title={title} viewer={viewer} nav={nav}>
      {content}
    </Layout>,
  );
}

/** Where the kept content goes in a page's layout: a comment no rendered text can produce (Preact escapes `<` in text). */
const CONTENT_MARK = '<!--page-content-->';

/**
 * The content of a page over a kept view of the read model (`WebReads.view`), rendered once per
 * view: the view is kept per role and call (the page, its ids and asOf), and the content follows
 * from it alone, so every reader of that role is sent the same markup until the read model moves.
 * A state's coverage table or a page of charts costs tens of milliseconds to render; the layout
 * around it (the reader's name, the navigation) is rendered for each request.
 */
const contents = new WeakMap<object, PageContent>();

export function renderViewPage(access: WebAccess, viewer: Viewer, section: string, title: string, view: object, content: () => VNode): WebPage {
  let kept = contents.get(view);
  if (kept === undefined) contents.set(view, (kept = new PageContent(renderToString(content()))));
  const [head, tail] = renderPage(access, viewer, section, title, <div class="page-content" dangerouslySetInnerHTML={{ __html: CONTENT_MARK }} />).split(
    CONTENT_MARK,
  );
  return new WebPage(head, kept, tail);
}
