import { ValidationError } from '../../errors';

/**
 * When a daily digest goes: the first instant strictly after `after` at which the wall clock
 * of `timeZone` reads `hour`:00. On the day a change to summer time skips that hour (02:00 in
 * New York on the second Sunday of March), the digest goes when the clock jumps past it (03:00);
 * on the day the change back repeats it (01:00 on the first Sunday of November), it goes at the
 * first of the two, and once.
 */
export function nextDigestAt(after: Date, hour: number, timeZone: string): Date {
  const [year, month, day] = wallClock(after, timeZone);
  for (let days = 0; days < 3; days += 1) {
    const at = atLocalHour(year, month, day + days, hour, timeZone);
    if (at.getTime() > after.getTime()) return at;
  }
  throw new Error(`no ${hour}:00 in ${timeZone} within two days of ${after.toISOString()}`);
}

/** The instant `hour`:00 of that local day, or the first instant after it when the day skips it. */
function atLocalHour(year: number, month: number, day: number, hour: number, timeZone: string): Date {
  const asIfUtc = Date.UTC(year, month - 1, day, hour);
  // The zone's offset a day and a half either side of the hour covers any change on the day itself.
  const offsets = new Set([offsetMs(new Date(asIfUtc - 36 * HOUR_MS), timeZone), offsetMs(new Date(asIfUtc + 36 * HOUR_MS), timeZone)]);
  const candidates = [...offsets].map((offset) => asIfUtc - offset).sort((a, b) => a - b);
  const exact = candidates.find((at) => wallMs(new Date(at), timeZone) === asIfUtc);
  if (exact !== undefined) return new Date(exact);
  // A skipped hour: the instant the clock jumps reads later than the hour asked for.
  const later = candidates.find((at) => wallMs(new Date(at), timeZone) > asIfUtc);
  return new Date(later ?? candidates[candidates.length - 1]);
}

const HOUR_MS = 3_600_000;
const formats = new Map<string, Intl.DateTimeFormat>();

function format(timeZone: string): Intl.DateTimeFormat {
  let kept = formats.get(timeZone);
  if (!kept) {
    kept = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(timeZone, kept);
  }
  return kept;
}

/** Year, month (1-12), day, hour, minute, second on the wall clock of the zone at `at`. */
export function wallClock(at: Date, timeZone: string): [number, number, number, number, number, number] {
  const parts = Object.fromEntries(
    format(timeZone)
      .formatToParts(at)
      .map((part) => [part.type, Number(part.value)]),
  );
  return [parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second];
}

/** The wall clock's reading at `at` as if it were UTC, in ms (whole seconds). */
function wallMs(at: Date, timeZone: string): number {
  const [year, month, day, hour, minute, second] = wallClock(at, timeZone);
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

function offsetMs(at: Date, timeZone: string): number {
  return wallMs(at, timeZone) - Math.floor(at.getTime() / 1000) * 1000;
}

/** An IANA time zone name the platform knows (`America/New_York`), or a ValidationError naming `field`. */
export function checkTimeZone(timeZone: unknown, field: string): string {
  if (typeof timeZone === 'string' && timeZone.length <= 64) {
    try {
      format(timeZone);
      return timeZone;
    } catch {
      // falls through to the refusal
    }
  }
  throw ValidationError.of(field, `expected an IANA time zone name such as America/New_York, got '${String(timeZone).slice(0, 64)}'`);
}
