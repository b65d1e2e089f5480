import { UnsupportedMediaTypeException } from '@nestjs/common';
import { FieldIssue, ValidationError } from '@turnaround/domain';
import { mediaTypeOf, unreadableBodyType } from '@turnaround/platform';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Whether a route's JSON body is checked record by record by a validator of its own (a feed push). */
export type BodyCheckedElsewhere = (method: string, path: string) => boolean;

/**
 * Refuses, for every route at once and before any of them runs, input that no route can take
 * as it is (docs/architecture.md#operations-and-security: bad input is a 400 naming the field, never a 500):
 * - a query parameter given more than once (`?districtId=A&districtId=B`): every route reads
 *   one value (a list is written comma-separated), and an array in its place reached the
 *   database;
 * - a NUL character in a query parameter or in any string (or name) of a JSON body: PostgreSQL
 *   stores neither text nor jsonb with one, so it failed at the store. Feed pushes are left to
 *   the feed validator, which rejects such a record by its row instead of the whole push.
 * - an API body of another type than JSON (a form, plain text; CSV but for a feed push): it
 *   reached the route as no body at all, and was answered "expected an object, got nothing".
 * Runs after the body parsers, so it sees the parsed body.
 */
export function refuseUnreadableInput(bodyCheckedElsewhere: BodyCheckedElsewhere) {
  return (request: IncomingMessage & { body?: unknown }, _response: ServerResponse, next: (error?: unknown) => void): void => {
    const [path, query = ''] = (request.url ?? '/').split(/\?(.*)/s);
    const unreadable = unreadableBody(request, path, bodyCheckedElsewhere(request.method ?? 'GET', path));
    if (unreadable) return next(new UnsupportedMediaTypeException(unreadable));
    const issues = queryIssues(new URLSearchParams(query));
    if (!bodyCheckedElsewhere(request.method ?? 'GET', path)) issues.push(...nulIssues(request.body, []));
    next(issues.length > 0 ? new ValidationError(issues) : undefined);
  };
}

/** What is wrong with an API body's type (`unreadableBodyType`); undefined for a body the route reads, or none. */
function unreadableBody(request: IncomingMessage, path: string, feedPush: boolean): string | undefined {
  const hasBody = Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
  if (!path.startsWith('/api/') || !hasBody) return undefined;
  return unreadableBodyType(mediaTypeOf(request.headers['content-type']), feedPush);
}

function queryIssues(parameters: URLSearchParams): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const name of new Set(parameters.keys())) {
    const values = parameters.getAll(name);
    if (values.length > 1)
      issues.push({ field: name, message: `expected one value, got ${values.length} (write a list comma-separated, where the parameter takes one)` });
    else if (values[0].includes('\0') || name.includes('\0')) issues.push({ field: printable(name), message: 'expected text without NUL characters' });
  }
  return issues;
}

/**
 * Each field of a JSON value that holds a NUL, named as a schema names it (`targets.0.metric`).
 * Its depth is bounded: the parser refuses a body nested deeper than JSON_NESTING_LIMIT.
 */
function nulIssues(value: unknown, at: string[]): FieldIssue[] {
  const field = at.join('.') || '(body)';
  if (typeof value === 'string') return value.includes('\0') ? [{ field, message: 'expected text without NUL characters' }] : [];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([name, inner]) =>
    name.includes('\0')
      ? [{ field: [...at, printable(name)].join('.'), message: 'expected a field name without NUL characters' }]
      : nulIssues(inner, [...at, name]),
  );
}

/** A name with its NUL written out, so the answer says which field it was and stays storable itself. */
function printable(name: string): string {
  return name.replaceAll('\0', '\\u0000');
}
