/** The media types a feed push reads as CSV; every other API body is JSON. */
export const CSV_TYPES: readonly string[] = ['text/csv', 'application/csv'];

/** A Content-Type header's media type, lower-case, without its parameters (`text/csv; charset=utf-8` is `text/csv`). */
export function mediaTypeOf(header: string | undefined): string {
  return (header ?? '').split(';')[0].trim().toLowerCase();
}

/**
 * Why an API body of media type `type` cannot be read, in words that say what to send; undefined
 * when the route reads it: JSON anywhere, CSV on a feed push (`feedPush`).
 */
export function unreadableBodyType(type: string, feedPush: boolean): string | undefined {
  if (type === 'application/json' || (feedPush && CSV_TYPES.includes(type))) return undefined;
  const sent = type === '' ? 'no Content-Type' : `'${type}'`;
  return feedPush
    ? `a feed push takes application/json (an array of records) or text/csv (a header row, then a record per line); this request sent ${sent}`
    : `the body must be application/json; this request sent ${sent}`;
}
