import { ValidationError } from '../errors';

/**
 * Entries looked up by name, as the indicator and subject catalogues keep them. A name given
 * twice is refused: two meanings of one name would judge its targets by chance.
 */
export class NamedCatalogue<Entry extends { name: string }> {
  private readonly entries: ReadonlyMap<string, Entry>;

  /** `field` and `noun` name what a refusal is about: `indicators`, `an indicator`. */
  constructor(entries: readonly Entry[], field: string, noun: string) {
    const byName = new Map<string, Entry>();
    for (const entry of entries) {
      if (byName.has(entry.name)) throw ValidationError.of(field, `${noun} named '${entry.name}' is catalogued already`);
      byName.set(entry.name, entry);
    }
    this.entries = byName;
  }

  get(name: string): Entry | undefined {
    return this.entries.get(name);
  }

  list(): Entry[] {
    return [...this.entries.values()];
  }
}
