import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { fieldIssues, MappingProfile, mappingProfileSchema, ValidationError } from '@turnaround/domain';

/** The profiles shipped with the service. */
export const SHIPPED_PROFILES_DIR = join(__dirname, '..', 'profiles');

const PROFILE_FILE = /\.(ya?ml|json)$/;

/** Vendor mapping profiles by name, read from files at start-up (see profiles/README.md). */
export class ProfileCatalogue {
  private constructor(private readonly profiles: ReadonlyMap<string, MappingProfile>) {}

  /** Reads every profile file of the given folders; a broken file stops start-up with its path and field. */
  static async load(dirs: readonly string[] = [SHIPPED_PROFILES_DIR]): Promise<ProfileCatalogue> {
    const profiles = new Map<string, MappingProfile>();
    for (const dir of dirs) {
      for (const file of (await readdir(dir)).filter((name) => PROFILE_FILE.test(name)).sort()) {
        const path = join(dir, file);
        const text = await readFile(path, 'utf8');
        const parsed = mappingProfileSchema.safeParse(extname(file) === '.json' ? JSON.parse(text) : parseYaml(text));
        if (!parsed.success) throw new ValidationError(fieldIssues(parsed.error).map((issue) => ({ ...issue, field: `${path}: ${issue.field}` })));
        if (profiles.has(parsed.data.name)) throw ValidationError.of(path, `a profile named '${parsed.data.name}' exists already`);
        profiles.set(parsed.data.name, parsed.data);
      }
    }
    return new ProfileCatalogue(profiles);
  }

  get(name: string): MappingProfile {
    const profile = this.profiles.get(name);
    if (!profile) throw ValidationError.of('profile', `expected one of ${[...this.profiles.keys()].join(', ')}, got '${name}'`);
    return profile;
  }

  list(): MappingProfile[] {
    return [...this.profiles.values()];
  }
}
