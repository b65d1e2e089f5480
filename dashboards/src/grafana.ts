/**
 * A small builder for Grafana dashboard JSON (schema version 39, Grafana 11): just the panel
 * kinds, variables and field options the state-office dashboards use. The dashboards in
 * `dashboards.ts` are written with it; `npm run dashboards` writes the JSON Grafana provisions.
 */

/** The datasource provisioned in infra/grafana/provisioning/datasources: the read model, as a read-only user. */
export const DATASOURCE = { type: 'grafana-postgresql-datasource', uid: 'turnaround-read-model' } as const;

/** Grafana's 24-column grid. */
const GRID_WIDTH = 24;

export type PanelKind = 'stat' | 'table' | 'timeseries' | 'barchart';

export interface PanelSpec {
  title: string;
  kind: PanelKind;
  sql: string;
  description?: string;
  /** Columns of the grid (of 24); panels fill rows left to right. */
  width: number;
  height?: number;
  unit?: 'percentunit' | 'short' | 'none';
  decimals?: number;
  /** Columns (by regular expression) whose empty cells mean "suppressed" (docs/metrics.md). */
  suppressedColumns?: string;
  /** Columns (by regular expression) that hold a target status, coloured on track / at risk / missed. */
  statusColumns?: string;
  /** Columns (by regular expression) that hold an alert severity. */
  severityColumns?: string;
}

export interface VariableSpec {
  name: string;
  label: string;
  /** SQL returning `__value` and `__text`, or a single column. */
  sql: string;
  /**
   * An "All" option, with the custom all value Grafana writes into the SQL for it as it is
   * (read-model-sql.ts `ALL_VALUE`, which `pickedIn` reads as "no filter").
   */
  allValue?: string;
  /** Several values may be picked at once. */
  multi?: boolean;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  variables: VariableSpec[];
  panels: PanelSpec[];
  /** Time range shown when the dashboard opens (for the panels that plot knowledge time). */
  from?: string;
}

const STATUS_MAPPINGS = [
  { type: 'value', options: { met: { text: 'met', color: 'green', index: 0 } } },
  { type: 'value', options: { on_track: { text: 'on track', color: 'green', index: 1 } } },
  { type: 'value', options: { at_risk: { text: 'at risk', color: 'orange', index: 2 } } },
  { type: 'value', options: { missed: { text: 'missed', color: 'red', index: 3 } } },
  { type: 'value', options: { pending: { text: 'pending', color: 'text', index: 4 } } },
];

const SEVERITY_MAPPINGS = [
  { type: 'value', options: { info: { text: 'info', color: 'blue', index: 0 } } },
  { type: 'value', options: { warning: { text: 'warning', color: 'orange', index: 1 } } },
  { type: 'value', options: { serious: { text: 'serious', color: 'red', index: 2 } } },
  { type: 'value', options: { critical: { text: 'critical', color: 'dark-red', index: 3 } } },
];

export function dashboard(spec: DashboardSpec): Record<string, unknown> {
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ['turnaround', ...spec.tags],
    editable: false,
    schemaVersion: 39,
    version: 1,
    timezone: 'utc',
    time: { from: spec.from ?? 'now-1y', to: 'now' },
    refresh: '1m',
    links: [{ type: 'dashboards', tags: ['turnaround'], asDropdown: true, title: 'Turnaround dashboards', includeVars: false, keepTime: true }],
    templating: { list: spec.variables.map(variable) },
    panels: layout(spec.panels),
  };
}

function variable(spec: VariableSpec): Record<string, unknown> {
  return {
    type: 'query',
    name: spec.name,
    label: spec.label,
    datasource: DATASOURCE,
    definition: spec.sql,
    query: spec.sql,
    refresh: 1,
    sort: 0,
    multi: spec.multi ?? false,
    includeAll: spec.allValue !== undefined,
    ...(spec.allValue === undefined ? {} : { allValue: spec.allValue }),
    current: {},
    hide: 0,
  };
}

function layout(panels: readonly PanelSpec[]): Record<string, unknown>[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return panels.map((spec, index) => {
    const height = spec.height ?? (spec.kind === 'stat' ? 4 : 9);
    if (x + spec.width > GRID_WIDTH) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const gridPos = { x, y, w: spec.width, h: height };
    x += spec.width;
    rowHeight = Math.max(rowHeight, height);
    return panel(spec, index + 1, gridPos);
  });
}

function panel(spec: PanelSpec, id: number, gridPos: Record<string, number>): Record<string, unknown> {
  const overrides: Record<string, unknown>[] = [];
  const colouredCells = { id: 'custom.cellOptions', value: { type: 'color-background', mode: 'basic' } };
  if (spec.statusColumns)
    overrides.push({ matcher: { id: 'byRegexp', options: spec.statusColumns }, properties: [{ id: 'mappings', value: STATUS_MAPPINGS }, colouredCells] });
  if (spec.severityColumns)
    overrides.push({ matcher: { id: 'byRegexp', options: spec.severityColumns }, properties: [{ id: 'mappings', value: SEVERITY_MAPPINGS }, colouredCells] });
  if (spec.suppressedColumns)
    overrides.push({ matcher: { id: 'byRegexp', options: spec.suppressedColumns }, properties: [{ id: 'noValue', value: 'suppressed' }] });
  return {
    id,
    type: spec.kind,
    title: spec.title,
    description: spec.description,
    datasource: DATASOURCE,
    gridPos,
    targets: [
      {
        refId: 'A',
        datasource: DATASOURCE,
        editorMode: 'code',
        rawQuery: true,
        format: spec.kind === 'timeseries' ? 'time_series' : 'table',
        rawSql: spec.sql,
      },
    ],
    fieldConfig: {
      defaults: {
        unit: spec.unit ?? 'none',
        ...(spec.decimals === undefined ? {} : { decimals: spec.decimals }),
        color: { mode: spec.kind === 'stat' ? 'fixed' : 'palette-classic', ...(spec.kind === 'stat' ? { fixedColor: 'blue' } : {}) },
      },
      overrides,
    },
    options: options(spec.kind),
  };
}

function options(kind: PanelKind): Record<string, unknown> {
  switch (kind) {
    case 'stat':
      return { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'none', textMode: 'auto' };
    case 'table':
      return { showHeader: true, cellHeight: 'sm', footer: { show: false } };
    case 'timeseries':
      return { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'none' } };
    case 'barchart':
      return { orientation: 'auto', xTickLabelRotation: -30, showValue: 'auto', legend: { displayMode: 'list', placement: 'bottom', showLegend: true } };
  }
}
