import type {
  Dashboard,
  DashboardLink,
  DataSourceRef,
  FieldColorModeId,
  FieldConfigSource,
  GridPos,
  MappingType,
  Panel,
  SpecialValueMatch,
  ValueMapping,
  VariableModel,
} from '@grafana/schema';

/**
 * A small builder for Grafana dashboard JSON (schema version 39, Grafana 11): just the panel
 * kinds, variables, field options and links the state-office dashboards use. The dashboards in
 * `dashboards.ts` are written with it; `npm run dashboards` writes the JSON Grafana provisions.
 *
 * It is typed with Grafana's own schema (`@grafana/schema`, at the version of the Grafana image in
 * docker-compose.yml), so the compiler checks the model Grafana loads. Only its types are used,
 * nothing at run time: its string enums are written as their values (`'special' as
 * MappingType.SpecialValue`).
 */

/** The datasource provisioned in infra/grafana/provisioning/datasources: the read model, as a read-only user. */
export const DATASOURCE = { type: 'grafana-postgresql-datasource', uid: 'turnaround-read-model' } as const satisfies DataSourceRef;

/** Grafana's 24-column grid. */
const GRID_WIDTH = 24;

export type PanelKind = 'stat' | 'table' | 'timeseries' | 'barchart';

/**
 * A link from the cells of a table column to another of the dashboards (a Grafana data link),
 * carrying what identifies the row and the variables the target shares. Grafana writes
 * `${__data.fields.Name}` as the cell's row's value of that column, `${name}` as the value of
 * this dashboard's variable, and `${__url_time_range}` as the time range.
 */
export interface DrillDown {
  /** The column (by name, as the SQL names it) whose cells link. */
  column: string;
  title: string;
  /** The uid of the dashboard it opens. */
  dashboard: string;
  /** Target variable -> its value: `field('Name')` for a column of the row, `variable('name')` for one of this dashboard's. */
  vars: Record<string, string>;
}

/** A column of the row, in a drill-down's `vars`. */
export const field = (name: string): string => (/^\w+$/.test(name) ? `\${__data.fields.${name}}` : `\${__data.fields["${name}"]}`);
/** A variable of the dashboard the link is on, in a drill-down's `vars`. */
export const variable = (name: string): string => `\${${name}}`;

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
  /** Columns (by regular expression) that hold a rate, a share in [0, 1]: shown as a percentage. */
  rateColumns?: string;
  /**
   * Columns (by regular expression) of a value as `shownValue` writes it (read-model-sql.ts):
   * NaN where it is withheld or its source suppressed it, shown "suppressed".
   */
  suppressedColumns?: string;
  /** Columns (by regular expression) whose empty cells mean that nothing was reported: shown "no data". */
  noDataColumns?: string;
  /** Columns (by regular expression) that hold a target status, coloured on track / at risk / missed. */
  statusColumns?: string;
  /** Columns (by regular expression) that hold an alert severity. */
  severityColumns?: string;
  /** Columns (by regular expression) the SQL returns for the links alone, not shown. */
  hiddenColumns?: string;
  /** Links from a column's cells to another dashboard. */
  drillDowns?: DrillDown[];
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
  /** Not shown: a value the panels need that follows from the others (its query reads them). */
  hidden?: boolean;
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

/** A Grafana data link (`DataLink` of @grafana/data; @grafana/schema leaves a field's links untyped). */
export interface DataLink {
  title: string;
  url: string;
  targetBlank?: boolean;
}

const valueMap = (value: string, text: string, color: string, index: number): ValueMapping => ({
  type: 'value' as MappingType.ValueToText,
  options: { [value]: { text, color, index } },
});
const special = (match: 'nan' | 'null', text: string, index: number): ValueMapping => ({
  type: 'special' as MappingType.SpecialValue,
  options: { match: match as SpecialValueMatch, result: { text, color: 'text', index } },
});

const STATUS_MAPPINGS: ValueMapping[] = [
  valueMap('met', 'met', 'green', 0),
  valueMap('on_track', 'on track', 'green', 1),
  valueMap('at_risk', 'at risk', 'orange', 2),
  valueMap('missed', 'missed', 'red', 3),
  valueMap('pending', 'pending', 'text', 4),
];

const SEVERITY_MAPPINGS: ValueMapping[] = [
  valueMap('info', 'info', 'blue', 0),
  valueMap('warning', 'warning', 'orange', 1),
  valueMap('serious', 'serious', 'red', 2),
  valueMap('critical', 'critical', 'dark-red', 3),
];

/** What a value that is not shown says: withheld or suppressed at its source (NaN), or never reported (empty). */
export const SUPPRESSED = 'suppressed';
export const NO_DATA = 'no data';

/** The URL of a drill-down: the target dashboard, its variables, and this dashboard's time range. */
export function drillDownUrl(link: DrillDown): string {
  const vars = Object.entries(link.vars).map(([name, value]) => `var-${name}=${value}`);
  return `/d/${link.dashboard}?${[...vars, '${__url_time_range}'].join('&')}`;
}

/**
 * Every dashboard a click away, carrying the variables they share (zone, metric, school year...:
 * Grafana sets those the target has) and the time range.
 */
const DASHBOARDS_MENU: DashboardLink = {
  type: 'dashboards',
  tags: ['turnaround'],
  asDropdown: true,
  title: 'Turnaround dashboards',
  includeVars: true,
  keepTime: true,
  icon: 'external link',
  tooltip: '',
  targetBlank: false,
};

export function dashboard(spec: DashboardSpec): Dashboard {
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
    links: [DASHBOARDS_MENU],
    templating: { list: spec.variables.map(variableModel) },
    panels: layout(spec.panels),
  };
}

function variableModel(spec: VariableSpec): VariableModel {
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
    hide: spec.hidden ? 2 : 0,
  } as VariableModel;
}

function layout(panels: readonly PanelSpec[]): Panel[] {
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

type Override = FieldConfigSource['overrides'][number];
const byRegexp = (pattern: string, properties: Override['properties']): Override => ({ matcher: { id: 'byRegexp', options: pattern }, properties });

function panel(spec: PanelSpec, id: number, gridPos: GridPos): Panel {
  const overrides: Override[] = [];
  const colouredCells = { id: 'custom.cellOptions', value: { type: 'color-background', mode: 'basic' } };
  if (spec.statusColumns) overrides.push(byRegexp(spec.statusColumns, [{ id: 'mappings', value: STATUS_MAPPINGS }, colouredCells]));
  if (spec.severityColumns) overrides.push(byRegexp(spec.severityColumns, [{ id: 'mappings', value: SEVERITY_MAPPINGS }, colouredCells]));
  if (spec.rateColumns)
    overrides.push(
      byRegexp(spec.rateColumns, [
        { id: 'unit', value: 'percentunit' },
        { id: 'decimals', value: 1 },
      ]),
    );
  // A column may be both: NaN then says "suppressed", and empty says "no data".
  const markers = new Map<string, ValueMapping[]>();
  if (spec.suppressedColumns) markers.set(spec.suppressedColumns, [special('nan', SUPPRESSED, 0)]);
  if (spec.noDataColumns) markers.set(spec.noDataColumns, [...(markers.get(spec.noDataColumns) ?? []), special('null', NO_DATA, 1)]);
  for (const [pattern, mappings] of markers)
    overrides.push(byRegexp(pattern, [{ id: 'mappings', value: mappings }, ...(pattern === spec.noDataColumns ? [{ id: 'noValue', value: NO_DATA }] : [])]));
  if (spec.hiddenColumns) overrides.push(byRegexp(spec.hiddenColumns, [{ id: 'custom.hidden', value: true }]));
  for (const link of spec.drillDowns ?? [])
    overrides.push({
      matcher: { id: 'byName', options: link.column },
      properties: [{ id: 'links', value: [{ title: link.title, url: drillDownUrl(link) } satisfies DataLink] }],
    });
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
        color:
          spec.kind === 'stat'
            ? { mode: 'fixed' as FieldColorModeId.Fixed, fixedColor: 'blue' }
            : { mode: 'palette-classic' as FieldColorModeId.PaletteClassic },
      },
      overrides,
    },
    options: options(spec.kind),
  };
}

function options(kind: PanelKind): Panel['options'] {
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
