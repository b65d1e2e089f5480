import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';

/** A page as the browser gets it. Preact escapes every text and attribute it renders, so nothing read from the data can become markup. */
export function html(page: VNode): string {
  return `<!doctype html>${renderToString(page)}`;
}
