import { Injectable } from '@nestjs/common';

/** Failed sign-ins a client address may make in the window before it must wait. */
const FAILURES = 10;
const WINDOW_MS = 15 * 60 * 1000;

/**
 * Slows guessing at the sign-in form: after FAILURES failed sign-ins from one address within
 * WINDOW_MS, that address is refused until the oldest of them leaves the window. Kept in the
 * process: each instance counts its own (a key is 32 random bytes; this only keeps the log quiet
 * and the database unhammered).
 */
@Injectable()
export class SignInAttempts {
  private readonly failures = new Map<string, number[]>();

  blocked(address: string, now = Date.now()): boolean {
    return this.recent(address, now).length >= FAILURES;
  }

  failed(address: string, now = Date.now()): void {
    this.failures.set(address, [...this.recent(address, now), now]);
    for (const [other, times] of this.failures) if (times.every((time) => time <= now - WINDOW_MS)) this.failures.delete(other);
  }

  private recent(address: string, now: number): number[] {
    return (this.failures.get(address) ?? []).filter((time) => time > now - WINDOW_MS);
  }
}
