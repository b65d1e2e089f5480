import { metricDefinition } from './metric-catalogue';

describe('metric catalogue', () => {
  it('resolves plain and parameterised metrics', () => {
    expect(metricDefinition('attendance_rate')).toMatchObject({ source: 'attendance', direction: 'higher_is_better', isRate: true });
    expect(metricDefinition('chronic_absence_rate')).toMatchObject({ direction: 'lower_is_better' });
    expect(metricDefinition('proficiency.math')).toMatchObject({ family: 'proficiency', argument: 'math' });
    expect(metricDefinition('scale_score.ela')).toMatchObject({ isRate: false });
    expect(metricDefinition('indicator.dropouts')).toMatchObject({ source: 'indicator', argument: 'dropouts' });
  });

  it('rejects unknown names and misplaced arguments', () => {
    expect(metricDefinition('proficiency')).toBeUndefined();
    expect(metricDefinition('attendance_rate.math')).toBeUndefined();
    expect(metricDefinition('proficiency.Math')).toBeUndefined();
    expect(metricDefinition('grit')).toBeUndefined();
  });
});
