import type { TargetStatus } from '@turnaround/domain';

/** Statuses in the order a reader scans them: worst first. */
export const STATUSES: readonly TargetStatus[] = ['missed', 'at_risk', 'pending', 'on_track', 'met'];

export const STATUS_WORDS: Record<TargetStatus, string> = { met: 'met', missed: 'missed', at_risk: 'at risk', on_track: 'on track', pending: 'pending' };

/** A status as a tag: the word always, the colour only beside it (WCAG 1.4.1). */
export function StatusTag({ status, count }: { status: TargetStatus; count?: number }) {
  return (
    <span class={`usa-tag status status--${status}`} data-status={status} data-count={count}>
      {count === undefined ? STATUS_WORDS[status] : `${count} ${STATUS_WORDS[status]}`}
    </span>
  );
}

/**
 * "As known on": the date picker of every page, a GET form that reloads the page with `asOf`.
 * `keep` carries the page's other query parameters along.
 */
export function AsOfForm({ asOf, keep = {} }: { asOf?: string; keep?: Record<string, string> }) {
  return (
    <form method="get" class="usa-form as-of" role="search" aria-label="As known on a date">
      {Object.entries(keep).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <label class="usa-label" for="asOf">
        As known on
      </label>
      <span class="usa-hint" id="asOf-hint">
        the start of the day (UTC); empty for now
      </span>
      <div class="as-of__row">
        <input class="usa-input" id="asOf" name="asOf" type="date" value={asOf?.slice(0, 10)} aria-describedby="asOf-hint" />
        <button class="usa-button" type="submit">
          Show
        </button>
      </div>
    </form>
  );
}

/** What the page answers for, in words. */
export function AsOfNote({ asOf }: { asOf?: Date }) {
  return <p class="as-of-note">{asOf ? `As known on ${asOf.toISOString().replace('T00:00:00.000Z', '').replace('.000Z', 'Z')}.` : 'As known now.'}</p>;
}

/** A link that keeps the page's `asOf`. */
export function withAsOf(path: string, asOf: string | undefined): string {
  if (!asOf) return path;
  return `${path}${path.includes('?') ? '&' : '?'}asOf=${encodeURIComponent(asOf)}`;
}

/** A value as the API gives it, to three decimals (rates stay fractions: the metric table says which metrics are rates); a dash where there is none. */
/** A time's day, as the pages print knowledge times: `2024-07-03` (UTC). */
export const day = (at: string | Date): string => new Date(at).toISOString().slice(0, 10);

export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  return value.toLocaleString('en-US', { maximumFractionDigits: 3 });
}
