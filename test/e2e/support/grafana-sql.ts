/**
 * Grafana's template variables and PostgreSQL macros, expanded as Grafana expands them before a
 * panel's SQL reaches the database, so the tests run the provisioned SQL without a Grafana
 * server. Variables follow the SQL datasource (public/app/features/plugins/sql/datasource/
 * SqlDatasource.ts, `interpolateVariable`) and the template service
 * (public/app/features/templating/template_srv.ts); macros follow the PostgreSQL backend.
 */
export interface TimeRange {
  from: Date;
  to: Date;
}

/** A dashboard variable as its JSON defines it: the fields that decide how it is written into SQL. */
export interface GrafanaVariable {
  name: string;
  type: string;
  query: string;
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string | null;
}

/** Grafana's own value of "All" (ALL_VARIABLE_VALUE), whatever text the picker shows. */
export const ALL = '$__all';

/**
 * A variable of a dashboard as the user left it: what is picked (one value, several values of a
 * multi-value variable, or `ALL`) and the options its query offered (All then stands for these).
 */
export interface VariableState {
  variable: GrafanaVariable;
  current: string | readonly string[];
  options: readonly string[];
}

/** A plain string is the value of a variable that is neither multi-value nor include-All, e.g. a constant. */
export type Variables = Record<string, string | VariableState>;

const INTERVAL_SECONDS: Record<string, number> = { m: 60, h: 3600, d: 86400 };

/**
 * Grafana's variable syntaxes: `$name`, `[[name]]` / `[[name:format]]`, `${name}` /
 * `${name.path}` / `${name:format}` (templating/variables/utils.ts, variableRegex).
 */
const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

export function expandGrafanaSql(sql: string, variables: Variables, range: TimeRange): string {
  // The frontend replaces variables first; the backend then expands the macros in what it got.
  return expandMacros(replaceVariables(sql, variables, sqlValue), range);
}

/** A value as the SQL datasource's `interpolateVariable` writes it. */
function sqlValue(value: string | readonly string[], variable: GrafanaVariable | undefined): string {
  if (typeof value === 'string') return variable?.multi || variable?.includeAll ? quoteLiteral(value) : value.replace(/'/g, "''");
  return value.map(quoteLiteral).join(',');
}

/** The template service's default format, `glob` (for variables inside a custom all value): several values as `{a,b}`. */
function globValue(value: string | readonly string[]): string {
  if (typeof value === 'string') return value;
  return value.length > 1 ? `{${value.join(',')}}` : value.join(',');
}

/** The PostgreSQL query model's `quoteLiteral`. */
function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

type Format = (value: string | readonly string[], variable: GrafanaVariable | undefined) => string;

function replaceVariables(text: string, variables: Variables, format: Format): string {
  return text.replace(VARIABLE, (match, bare?: string, bracketed?: string, bracketFormat?: string, braced?: string, path?: string, bracedFormat?: string) => {
    const name = (bare ?? bracketed ?? braced) as string;
    // $__timeFilter and the other macros are the backend's: the frontend leaves them as they are.
    if (name.startsWith('__')) return match;
    if (bracketFormat || path || bracedFormat) throw new Error(`${match}: the tests expand no variable formats or field paths; write $${name}`);
    // Grafana leaves an unknown name as it is; here it fails, so a misspelt variable shows in the test, not as SQL in Grafana.
    if (!(name in variables)) throw new Error(`SQL uses ${match}, which is not a variable of the dashboard`);
    const state = variables[name];
    if (typeof state === 'string') return format(state, undefined);
    const { variable, current, options } = state;
    if (current === ALL || (Array.isArray(current) && current[0] === ALL)) {
      if (!variable.includeAll) throw new Error(`variable ${name} has no All option, but the test picked All`);
      // A custom all value goes in as written, only its own variables replaced (template_srv: "skip formatting of custom all values").
      if (variable.allValue) return replaceVariables(variable.allValue, variables, globValue);
      return format(options, variable);
    }
    return format(current, variable);
  });
}

function expandMacros(sql: string, range: TimeRange): string {
  const from = `'${range.from.toISOString()}'`;
  const to = `'${range.to.toISOString()}'`;
  const expanded = sql
    .replace(/\$__timeFilter\(([^)]+)\)/g, (_, column: string) => `${column.trim()} BETWEEN ${from} AND ${to}`)
    .replace(/\$__timeGroupAlias\(([^,]+),\s*'(\d+)([mhd])'\)/g, (_, column: string, count: string, unit: string) => {
      const seconds = Number(count) * INTERVAL_SECONDS[unit];
      return `floor(extract(epoch from ${column.trim()})/${seconds})*${seconds} AS "time"`;
    })
    .replace(/\$__timeFrom\(\)/g, from)
    .replace(/\$__timeTo\(\)/g, to);
  const left = /\$__\w+/.exec(expanded);
  if (left) throw new Error(`a Grafana macro the tests do not expand: ${left[0]}`);
  return expanded;
}
