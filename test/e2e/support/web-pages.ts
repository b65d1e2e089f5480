/** What the pages' tables say, read from their HTML: the numbers are in data attributes, written as the API writes them. */

/** A number as a page's data attribute holds it: as the API's JSON has it, empty where there is none. */
export const text = (value: number | null | undefined): string => (value === null || value === undefined ? '' : String(value));

/** The data-values of a table row, in order: Preact writes an empty one as the bare attribute. */
export const dataValues = (row: string): string[] => [...row.matchAll(/data-value(?:="([^"]*)")?[\s>]/g)].map(([, value]) => value ?? '');

/** Each chart's table: metric -> school year -> [value, n, target, state average] as data-values. */
export function chartTables(html: string): Map<string, Map<string, string[]>> {
  const tables = new Map<string, Map<string, string[]>>();
  for (const [, metric, body] of html.matchAll(/<table class="[^"]*trend-chart__table" data-metric="([^"]+)">([\s\S]*?)<\/table>/g))
    tables.set(metric, new Map([...body.matchAll(/<tr data-school-year="([^"]+)">([\s\S]*?)<\/tr>/g)].map(([, year, row]) => [year, dataValues(row)])));
  return tables;
}
