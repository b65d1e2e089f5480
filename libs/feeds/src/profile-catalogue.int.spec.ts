import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProfileCatalogue, SHIPPED_PROFILES_DIR } from './profile-catalogue';

describe('vendor mapping profiles as files', () => {
  const dirs: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'profiles-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('ships the canonical and NYC DOE math profiles', async () => {
    const catalogue = await ProfileCatalogue.load();
    expect(catalogue.list().map((profile) => profile.name)).toEqual(['canonical', 'nyc-doe-math']);
    expect(catalogue.get('nyc-doe-math')).toMatchObject({ feeds: ['assessment'], schoolYearFormat: 'end-year', suppressionMarkers: ['s'] });
  });

  it("adds a state's own profiles from another folder, in YAML or JSON", async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, 'acme-attendance.json'),
      JSON.stringify({ name: 'acme-attendance', description: 'ACME SIS export', feeds: ['attendance'], columns: { 'School Code': 'schoolId' } }),
    );
    const catalogue = await ProfileCatalogue.load([SHIPPED_PROFILES_DIR, dir]);
    expect(catalogue.get('acme-attendance').columns).toEqual({ 'School Code': 'schoolId' });
  });

  it('stops start-up on a broken profile, naming the file and the field', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'broken.yaml'), 'name: Broken Name\ndescription: x\nschoolYearFormat: yy\n');
    await expect(ProfileCatalogue.load([dir])).rejects.toThrow(/broken\.yaml: name: expected a profile name.*broken\.yaml: schoolYearFormat: expected one of/);
    await writeFile(join(dir, 'broken.yaml'), 'name: canonical\ndescription: a second canonical\n');
    await expect(ProfileCatalogue.load([SHIPPED_PROFILES_DIR, dir])).rejects.toThrow(/a profile named 'canonical' exists already/);
  });

  it('answers an unknown profile name with the known ones', async () => {
    const catalogue = await ProfileCatalogue.load();
    expect(() => catalogue.get('nyc')).toThrow("profile: expected one of canonical, nyc-doe-math, got 'nyc'");
  });
});
