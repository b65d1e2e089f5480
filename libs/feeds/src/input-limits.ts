import { FieldIssue } from '@turnaround/domain';

/**
 * What one pushed record may hold, and what a rejection keeps of it (README "Feeds"). A CSV
 * record or a JSON text value beyond these is a rejected row naming its field; nothing of it is
 * stored but an excerpt, so a rejection listing stays small whatever was pushed.
 */
export const CELL_CHARS = 64 * 1024;
export const RECORD_BYTES = 1024 * 1024;
/** Levels of arrays and objects in one JSON record (a feed record has two: the record and its `levels`). */
export const RECORD_DEPTH = 8;
/** What a rejection keeps of any one value, of a reason (the service's words, which may quote a value), and of a whole record. */
export const EXCERPT_CHARS = 200;
export const MESSAGE_CHARS = 1000;
export const KEPT_RECORD_CHARS = 4 * 1024;
/** Rejected rows of a batch kept with their record; later ones keep their row and reasons only. */
export const RECORDS_KEPT_PER_BATCH = 1000;

/**
 * PostgreSQL refuses U+0000 in text and jsonb, and a lone UTF-16 surrogate in jsonb, so such a
 * value would fail the write of a whole chunk: it is found first and rejected with its field.
 */
const LONE_SURROGATE = /[\ud800-\udfff]/u;
const LONE_SURROGATES = /[\ud800-\udfff]/gu;

/** Why a text value cannot be stored, in a data team's words; undefined when it can. */
export function textIssue(text: string): string | undefined {
  if (text.length > CELL_CHARS) return `expected at most ${CELL_CHARS} characters, got ${text.length}`;
  if (text.includes('\u0000')) return 'expected text without NUL characters (U+0000)';
  const surrogate = LONE_SURROGATE.exec(text)?.[0];
  return surrogate && `expected well-formed Unicode text, got a lone surrogate (U+${surrogate.charCodeAt(0).toString(16).toUpperCase()})`;
}

/** A value as a rejection shows it: at most `chars`, what cannot be stored replaced by U+FFFD. */
export function excerpt(text: string, chars = EXCERPT_CHARS): string {
  const cut = text.length > chars ? `${text.slice(0, chars)}… (${text.length} characters)` : text;
  return cut.replaceAll('\u0000', '\ufffd').replace(LONE_SURROGATES, '\ufffd');
}

/** An issue as it is answered and kept: its field and message excerpted (a message may quote the value). */
export function keptIssue(issue: FieldIssue): FieldIssue {
  return { ...issue, field: excerpt(issue.field), message: excerpt(issue.message, MESSAGE_CHARS) };
}

/**
 * What a rejection keeps of a record as pushed: every text value excerpted, nesting cut at
 * RECORD_DEPTH, and no more than KEPT_RECORD_CHARS of text in all (the fields beyond are left
 * out and counted). Objects are built entry by entry, so a field named `__proto__` stays a name.
 */
export function keptRecord(raw: unknown): unknown {
  let room = KEPT_RECORD_CHARS;
  const keep = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') {
      const text = excerpt(value);
      room -= text.length;
      return text;
    }
    if (value === null || typeof value !== 'object') return value;
    if (depth >= RECORD_DEPTH) return '(nested deeper than kept)';
    const entries: [string, unknown][] = Array.isArray(value) ? value.map((item, index) => [String(index), item]) : Object.entries(value);
    const kept: [string, unknown][] = [];
    for (const [key, item] of entries) {
      if (room <= 0) {
        kept.push(['(not kept)', `${entries.length - kept.length} more values`]);
        break;
      }
      const name = excerpt(key);
      room -= name.length;
      kept.push([name, keep(item, depth + 1)]);
    }
    return Array.isArray(value) ? kept.map(([, item]) => item) : Object.fromEntries(kept);
  };
  return keep(raw, 0);
}

/**
 * The text values of a JSON record that cannot be stored, each named by its dotted path: too
 * long, a NUL, a lone surrogate, or nested deeper than RECORD_DEPTH. Walks no deeper than that,
 * so a record nested a million levels never reaches the stack's end.
 */
export function recordTextIssues(raw: unknown, row: number): FieldIssue[] {
  const issues: FieldIssue[] = [];
  // A field's path is spelled out only where it is needed: for an issue, or to go deeper. A
  // flat record of numbers and short texts, the usual push, builds none.
  const at = (path: string, name: string) => (path ? `${path}.${excerpt(name)}` : excerpt(name));
  const checkText = (text: string, field: () => string) => {
    const message = textIssue(text);
    if (message) issues.push({ row, field: field() || '(record)', message });
  };
  const walk = (value: object, path: string, depth: number): void => {
    if (depth >= RECORD_DEPTH) {
      issues.push({ row, field: path || '(record)', message: `expected at most ${RECORD_DEPTH} levels of nested arrays and objects` });
      return;
    }
    for (const [key, item] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
      const name = String(key);
      const keyMessage = textIssue(name);
      if (keyMessage) issues.push({ row, field: at(path, name), message: `field name: ${keyMessage}` });
      else if (typeof item === 'string') checkText(item, () => at(path, name));
      else if (item !== null && typeof item === 'object') walk(item, at(path, name), depth + 1);
    }
  };
  if (typeof raw === 'string') checkText(raw, () => '');
  else if (raw !== null && typeof raw === 'object') walk(raw, '', 0);
  return issues;
}
