import { z } from 'zod';
import { FieldIssue, ValidationError } from '../errors';
import { fieldIssues } from '../events/event-catalogue';
import { FEED_KINDS, FeedKind, IndicatorReported } from '../events/feed-events';
import { IndicatorCatalogue } from '../metrics/indicator-catalogue';
import { schoolYearStartingIn } from '../school-year';
import { feedSchema, FeedRecord } from './feed-record';
import { assertSchoolLevel } from './student-level-columns';

/**
 * A vendor mapping profile: how one vendor's file shape becomes feed records. Profiles are
 * data (YAML or JSON files, see libs/feeds/profiles/README.md), read by this one interpreter.
 */
export const SCHOOL_YEAR_FORMATS = ['YYYY-YY', 'YYYY-YYYY', 'end-year', 'start-year'] as const;

export const mappingProfileSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a profile name of lower-case letters, digits and -'),
  description: z.string().min(1, 'expected a description a data team can recognise their file by'),
  /** The feeds this profile maps; every feed when absent. */
  feeds: z.array(z.enum(FEED_KINDS)).min(1).optional(),
  /** Vendor column -> field (dotted for `levels.<name>`). Absent: the header row holds field names. */
  columns: z.record(z.string(), z.string().min(1)).optional(),
  /** Vendor columns deliberately dropped (derived percentages and the like). */
  ignore: z.array(z.string()).default([]),
  /** Fields every record of the file gets, e.g. `subject: math`. */
  constants: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  /** Per field, vendor value -> value, applied before conversion, e.g. `grade: {"All Grades": all}`. */
  values: z.record(z.string(), z.record(z.string(), z.string())).default({}),
  /** Rows left out on purpose (counted as skipped, not rejected), e.g. gender breakdowns that are no ESSA group. */
  skip: z.array(z.strictObject({ column: z.string(), in: z.array(z.string()).min(1) })).default([]),
  schoolYearFormat: z.enum(SCHOOL_YEAR_FORMATS).default('YYYY-YY'),
  /** Cell values meaning "suppressed by the vendor": recorded as unknown counts, never zero. Compared ignoring case. */
  suppressionMarkers: z.array(z.string()).default(['s', '*', '<10', 'NS', 'N<10']),
});

export type MappingProfile = z.output<typeof mappingProfileSchema>;

export type MappedRow = { kind: 'record'; record: FeedRecord } | { kind: 'skipped' } | { kind: 'rejected'; issues: FieldIssue[] };

/** Maps the cells of one data row, in the header's order, to a validated record, a skip, or its issues. */
export type RowMapper = (cells: readonly (string | undefined)[], row: number) => MappedRow;

type FieldShape = { type: 'number' | 'boolean' | 'text'; optional: boolean; nullable: boolean };

/**
 * Checks a file's header against the profile and the feed's schema, and returns the mapper for
 * its rows. A header that cannot work (student-level columns, unmapped or unknown columns, a
 * required field no column gives) rejects the whole file before any row is read. When another
 * of the `known` profiles takes the header as it is, that is the one message: a vendor file
 * pushed without its profile is one mistake, not one per column.
 */
export function prepareMapping(
  profile: MappingProfile,
  kind: FeedKind,
  header: readonly string[],
  indicators: IndicatorCatalogue,
  known: readonly MappingProfile[] = [],
): RowMapper {
  assertSchoolLevel(header);
  if (profile.feeds && !profile.feeds.includes(kind))
    throw ValidationError.of('profile', `profile '${profile.name}' maps ${profile.feeds.join(', ')} files, not ${kind}`);

  const fields = describeFields(feedSchema(kind));
  const { issues, columnFields } = checkHeader(profile, kind, header, fields);
  if (issues.length > 0) {
    const fits = known.find(
      (other) => other.name !== profile.name && (!other.feeds || other.feeds.includes(kind)) && checkHeader(other, kind, header, fields).issues.length === 0,
    );
    if (fits)
      throw ValidationError.of(
        'profile',
        `this looks like ${fits.name}: add ?profile=${fits.name} (CLI: --profile ${fits.name}); the header does not fit profile '${profile.name}'`,
      );
    throw new ValidationError(issues);
  }

  const label = (field: string) => {
    const column = [...columnFields].find(([, mapped]) => mapped === field)?.[0];
    return column === undefined || column === field ? field : `${column} (${field})`;
  };
  const markers = new Set(profile.suppressionMarkers.map((marker) => marker.toLowerCase()));
  const schema = feedSchema(kind);
  // Each column's field, shape and place in the record, worked out once for the file rather than per row.
  const mapped = [...columnFields].map(([column, field]) => {
    const [top, key] = field.split('.');
    return { index: header.indexOf(column), field, shape: shapeOf(fields, field) as FieldShape, top, key };
  });
  const skips = profile.skip.map((rule) => ({ index: header.indexOf(rule.column), values: rule.in }));
  const assign = (record: Record<string, unknown>, { top, key }: (typeof mapped)[number], value: unknown) => {
    if (key === undefined) record[top] = value;
    else record[top] = { ...(record[top] as Record<string, unknown> | undefined), [key]: value };
  };

  return (cells, row) => {
    if (skips.some((rule) => rule.values.includes((cells[rule.index] ?? '').trim()))) return { kind: 'skipped' };
    const record: Record<string, unknown> = { ...profile.constants };
    const rowIssues: FieldIssue[] = [];
    let suppressed = false;
    for (const target of mapped) {
      const { index, field, shape } = target;
      const raw = (cells[index] ?? '').trim();
      if (raw === '') {
        // an empty count that must be given is unknown, not zero: the schema then asks for it or for `suppressed`
        if (shape.nullable && !shape.optional) assign(record, target, null);
        continue;
      }
      const text = ownValue(profile.values[field], raw) ?? raw;
      if (markers.has(text.toLowerCase())) {
        if (shape.nullable) {
          assign(record, target, null);
          suppressed = true;
        } else {
          rowIssues.push({ row, field: label(field), message: `got suppression marker '${text}': only assessment counts may be suppressed, expected a value` });
        }
        continue;
      }
      const value = convert(text, field, shape, profile.schoolYearFormat);
      if (value.ok) assign(record, target, value.value);
      else rowIssues.push({ row, field: label(field), message: value.message });
    }
    if (suppressed && record.suppressed === undefined) record.suppressed = true;
    if (rowIssues.length > 0) return { kind: 'rejected', issues: rowIssues };
    const parsed = schema.safeParse(record);
    if (!parsed.success) return { kind: 'rejected', issues: fieldIssues(parsed.error, row).map((issue) => ({ ...issue, field: label(issue.field) })) };
    return catalogued(kind, parsed.data as FeedRecord, row, indicators, label);
  };
}

/** The header's issues against a profile, and the field each usable column gives. */
function checkHeader(
  profile: MappingProfile,
  kind: FeedKind,
  header: readonly string[],
  fields: Map<string, FieldShape>,
): { issues: FieldIssue[]; columnFields: Map<string, string> } {
  const issues: FieldIssue[] = [];
  const columnFields = new Map<string, string>();
  const seen = new Set<string>();
  for (const column of header) {
    if (seen.has(column)) issues.push({ field: column, message: 'column appears twice in the header: expected each column once' });
    seen.add(column);
    if (profile.ignore.includes(column)) continue;
    const field = profile.columns ? ownValue(profile.columns, column) : column;
    if (field === undefined) {
      issues.push({ field: column, message: `column is not mapped by profile '${profile.name}': map it under columns or list it under ignore` });
    } else if (!shapeOf(fields, field)) {
      issues.push({ field: column, message: `expected a ${kind} field (${[...fields.keys()].join(', ')}), got '${field}'` });
    } else {
      columnFields.set(column, field);
    }
  }
  const given = new Set([...columnFields.values(), ...Object.keys(profile.constants)].map((field) => field.split('.')[0]));
  for (const [field, shape] of fields)
    if (!shape.optional && !given.has(field))
      issues.push({ field, message: `no column gives ${field}: expected a column named ${field}${profile.columns ? ' or mapped to it' : ''}` });
  return { issues, columnFields };
}

/**
 * A profile's entry for a name read from a pushed file: its own entries only, so a column or a
 * cell named `constructor`, `toString` or `__proto__` is an unmapped name, never Object's.
 */
function ownValue<T>(entries: Record<string, T> | undefined, name: string): T | undefined {
  return entries && Object.hasOwn(entries, name) ? entries[name] : undefined;
}

/** Checks one JSON record of a feed: the canonical shape, no profile. */
export function validateFeedRecord(kind: FeedKind, input: unknown, row: number, indicators: IndicatorCatalogue): MappedRow {
  const parsed = feedSchema(kind).safeParse(input);
  return parsed.success ? catalogued(kind, parsed.data as FeedRecord, row, indicators) : { kind: 'rejected', issues: fieldIssues(parsed.error, row) };
}

/**
 * An indicator record against its catalogue entry (docs/metrics.md): a rate or ratio needs
 * its denominator, a rate is at most 1, a count is its numerator alone. An indicator the
 * catalogue does not know is stored as reported (and shown flagged as uncatalogued).
 */
function catalogued(kind: FeedKind, record: FeedRecord, row: number, indicators: IndicatorCatalogue, label = (field: string) => field): MappedRow {
  if (kind !== 'indicators') return { kind: 'record', record };
  const { indicator, numerator, denominator } = record as IndicatorReported['data'];
  const entry = indicators.get(indicator);
  const issue = (field: string, message: string): MappedRow => ({ kind: 'rejected', issues: [{ row, field: label(field), message }] });
  if (entry?.kind === 'count' && denominator !== undefined)
    return issue('denominator', `expected no denominator: ${indicator} is a count (${entry.unit}), its numerator alone`);
  if ((entry?.kind === 'rate' || entry?.kind === 'ratio') && denominator === undefined)
    return issue('denominator', `expected a denominator: ${indicator} is a ${entry.kind} (numerator / denominator)`);
  if (entry?.kind === 'rate' && denominator !== undefined && numerator > denominator)
    return issue('numerator', `expected at most the denominator (${denominator}): ${indicator} is a rate between 0 and 1, got ${numerator}`);
  return { kind: 'record', record };
}

function describeFields(schema: z.ZodObject): Map<string, FieldShape> {
  const fields = new Map<string, FieldShape>();
  for (const [name, fieldSchema] of Object.entries(schema.shape)) fields.set(name, describe(fieldSchema as z.ZodType));
  return fields;
}

function describe(schema: z.ZodType): FieldShape {
  let inner = schema;
  let optional = false;
  let nullable = false;
  for (;;) {
    const def = inner._zod.def as { type: string; innerType?: z.ZodType };
    if (def.type === 'optional' || def.type === 'default') optional = true;
    else if (def.type === 'nullable') nullable = true;
    else break;
    inner = def.innerType as z.ZodType;
  }
  const def = inner._zod.def as { type: string; valueType?: z.ZodType };
  if (def.type === 'record') return { ...describe(def.valueType as z.ZodType), optional };
  return { type: def.type === 'number' ? 'number' : def.type === 'boolean' ? 'boolean' : 'text', optional, nullable };
}

/** `levels.level_1` is a field of the `levels` record; other fields are top-level. */
function shapeOf(fields: Map<string, FieldShape>, field: string): FieldShape | undefined {
  const [top, key, ...rest] = field.split('.');
  if (rest.length > 0) return undefined;
  if (key !== undefined) return top === 'levels' && key.length > 0 ? fields.get(top) : undefined;
  return top === 'levels' ? undefined : fields.get(top);
}

type Converted = { ok: true; value: unknown } | { ok: false; message: string };

const NUMBER = /^[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$/;
const TRUE = ['true', 'yes', 'y', '1'];
const FALSE = ['false', 'no', 'n', '0'];

function convert(text: string, field: string, shape: FieldShape, yearFormat: MappingProfile['schoolYearFormat']): Converted {
  if (field === 'schoolYear') return convertSchoolYear(text, yearFormat);
  switch (shape.type) {
    case 'number':
      return NUMBER.test(text) ? { ok: true, value: Number(text.replace(/,/g, '')) } : { ok: false, message: `expected a number, got '${text}'` };
    case 'boolean': {
      const lower = text.toLowerCase();
      if (TRUE.includes(lower)) return { ok: true, value: true };
      if (FALSE.includes(lower)) return { ok: true, value: false };
      return { ok: false, message: `expected true or false, got '${text}'` };
    }
    case 'text':
      return { ok: true, value: text };
  }
}

function convertSchoolYear(text: string, format: MappingProfile['schoolYearFormat']): Converted {
  const fail = (expected: string): Converted => ({ ok: false, message: `expected a school year written ${expected}, got '${text}'` });
  switch (format) {
    case 'YYYY-YY':
      return { ok: true, value: text };
    case 'YYYY-YYYY': {
      const match = /^(\d{4})-(\d{4})$/.exec(text);
      return match && Number(match[2]) === Number(match[1]) + 1
        ? { ok: true, value: schoolYearStartingIn(Number(match[1])) }
        : fail('YYYY-YYYY, e.g. 2005-2006');
    }
    case 'end-year':
      return /^\d{4}$/.test(text) ? { ok: true, value: schoolYearStartingIn(Number(text) - 1) } : fail('as the year it ends, e.g. 2006 for 2005-06');
    case 'start-year':
      return /^\d{4}$/.test(text) ? { ok: true, value: schoolYearStartingIn(Number(text)) } : fail('as the year it starts, e.g. 2005 for 2005-06');
  }
}
