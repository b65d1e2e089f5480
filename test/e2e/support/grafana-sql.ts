/**
 * Grafana's PostgreSQL macros and template variables, expanded as Grafana expands them before
 * it sends a panel's SQL, so the tests can run the provisioned SQL without a Grafana server.
 */
export interface TimeRange {
  from: Date;
  to: Date;
}

const INTERVAL_SECONDS: Record<string, number> = { m: 60, h: 3600, d: 86400 };

export function expandGrafanaSql(sql: string, variables: Record<string, string>, range: TimeRange): string {
  const from = `'${range.from.toISOString()}'`;
  const to = `'${range.to.toISOString()}'`;
  return sql
    .replace(/\$__timeFilter\(([^)]+)\)/g, (_, column: string) => `${column.trim()} BETWEEN ${from} AND ${to}`)
    .replace(/\$__timeGroupAlias\(([^,]+),\s*'(\d+)([mhd])'\)/g, (_, column: string, count: string, unit: string) => {
      const seconds = Number(count) * INTERVAL_SECONDS[unit];
      return `floor(extract(epoch from ${column.trim()})/${seconds})*${seconds} AS "time"`;
    })
    .replace(/\$__timeFrom\(\)/g, from)
    .replace(/\$__timeTo\(\)/g, to)
    .replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced: string | undefined, bare: string | undefined) => {
      const name = (braced ?? bare) as string;
      if (name.startsWith('__')) throw new Error(`a Grafana macro the tests do not expand: ${whole}`);
      if (!(name in variables)) throw new Error(`SQL uses $${name}, which is not a variable of the dashboard`);
      return variables[name];
    });
}
