import { testCatalogues } from '../testing/catalogues';
import { feedOfMetric, metricDefinition, metricFamilyOf } from './metric-catalogue';

const catalogues = testCatalogues();

describe('metric catalogue', () => {
  it('resolves plain and parameterised metrics', () => {
    expect(metricDefinition('attendance_rate', catalogues)).toMatchObject({ source: 'attendance', direction: 'higher_is_better', isRate: true });
    expect(metricDefinition('chronic_absence_rate', catalogues)).toMatchObject({ direction: 'lower_is_better' });
    expect(metricDefinition('proficiency.math', catalogues)).toMatchObject({ family: 'proficiency', argument: 'math' });
    expect(metricDefinition('scale_score.ela', catalogues)).toMatchObject({ isRate: false });
    expect(metricDefinition('indicator.dropouts', catalogues)).toMatchObject({ source: 'indicator', argument: 'dropouts' });
  });

  it('rejects unknown names and misplaced arguments', () => {
    expect(metricDefinition('proficiency', catalogues)).toBeUndefined();
    expect(metricDefinition('attendance_rate.math', catalogues)).toBeUndefined();
    expect(metricDefinition('proficiency.Math', catalogues)).toBeUndefined();
    expect(metricDefinition('grit', catalogues)).toBeUndefined();
  });

  it('names the family and feed of a well-formed name whatever the catalogues hold', () => {
    expect(metricFamilyOf('indicator.dropouts')).toMatchObject({ family: { family: 'indicator', source: 'indicator' }, argument: 'dropouts' });
    expect(metricFamilyOf('attendance_rate')).toMatchObject({ family: { family: 'attendance_rate' } });
    expect(metricFamilyOf('attendance_rate')?.argument).toBeUndefined();
    expect(metricFamilyOf('proficiency.Math')).toBeUndefined();
    expect(feedOfMetric('indicator.dropouts')).toBe('indicators');
    expect(feedOfMetric('proficiency.maths')).toBe('assessment');
  });
});
