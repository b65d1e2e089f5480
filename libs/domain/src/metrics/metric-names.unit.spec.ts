import { ValidationError } from '../errors';
import { PerformanceContractSigned } from '../events/registry-events';
import { contractAggregate } from '../registry/contract/contract';
import { ContractCommand, decideContract } from '../registry/contract/contract.decide';
import { IndicatorCatalogue } from './indicator-catalogue';
import { metricDefinition } from './metric-catalogue';
import { cataloguedMetricNames, closeMatches, editDistance, malformedMetricIssue, metricNameIssue, requireCataloguedMetrics } from './metric-names';
import { SHIPPED_SUBJECTS, SubjectCatalogue } from './subject-catalogue';

const indicators = new IndicatorCatalogue([
  { name: 'dropout_rate', kind: 'rate', direction: 'lower_is_better', description: 'dropouts / enrollment' },
  { name: 'graduation_rate', kind: 'rate', direction: 'higher_is_better', description: 'graduates / cohort' },
]);
const shipped = { indicators, subjects: new SubjectCatalogue(SHIPPED_SUBJECTS) };

describe('metric names: catalogued, or refused with what they may have meant', () => {
  it('catalogues the shipped subjects of every subject family, the plain families and the catalogued indicators', () => {
    expect(SHIPPED_SUBJECTS.map((subject) => subject.name)).toEqual(['math', 'ela', 'reading', 'writing', 'science', 'social_studies']);
    const names = cataloguedMetricNames(shipped);
    expect(names).toEqual(
      expect.arrayContaining([
        'proficiency.science',
        'scale_score.ela',
        'interim_proficiency.math',
        'attendance_rate',
        'vacancy_rate',
        'indicator.dropout_rate',
      ]),
    );
    expect(names).not.toContain('proficiency.maths');
    for (const name of names) expect(metricNameIssue(name, shipped)).toBeUndefined();
  });

  it('counts edits: a letter left out, added, changed, or two neighbours swapped', () => {
    expect(editDistance('proficiency.scince', 'proficiency.science')).toBe(1);
    expect(editDistance('proficiency.maths', 'proficiency.math')).toBe(1);
    expect(editDistance('sceince', 'science')).toBe(1);
    expect(editDistance('ela', 'math')).toBe(4);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests the near names, nearest first, and the names that begin with what was typed; none for a name like no other', () => {
    const names = cataloguedMetricNames(shipped);
    expect(closeMatches('proficiency.scince', names)).toEqual(['proficiency.science']);
    expect(closeMatches('proficiency.maths', names)).toEqual(['proficiency.math']);
    expect(closeMatches('Attendence_Rate', names)).toEqual(['attendance_rate']);
    expect(closeMatches('proficiency', names)).toEqual([
      'proficiency.math',
      'proficiency.ela',
      'proficiency.reading',
      'proficiency.writing',
      'proficiency.science',
    ]);
    expect(closeMatches('proficiency.mathematics', names)).toEqual(['proficiency.math']);
    expect(closeMatches('shoe_size', names)).toEqual([]);
  });

  it('says why a name is refused: a subject or indicator outside its catalogue, or no metric at all, with the close matches', () => {
    expect(metricNameIssue('proficiency.scince', shipped)).toBe(
      "subject 'scince' is not in the subject catalogue: did you mean proficiency.science? expected one of proficiency.math, proficiency.ela, proficiency.reading, proficiency.writing, proficiency.science, proficiency.social_studies (a state adds its own in SUBJECTS_DIR)",
    );
    expect(metricNameIssue('indicator.dropout_rat', shipped)).toBe(
      "indicator 'dropout_rat' is not in the indicator catalogue, so nothing says which way is better: did you mean indicator.dropout_rate? expected one of indicator.dropout_rate, indicator.graduation_rate (a state adds its own in INDICATORS_DIR)",
    );
    expect(metricNameIssue('attendence_rate', shipped)).toMatch(
      /^expected a known metric: proficiency\.\{subject\}, .*; got 'attendence_rate': did you mean attendance_rate\?$/,
    );
    expect(metricNameIssue('shoe_size', shipped)).toMatch(/^expected a known metric: .*; got 'shoe_size'$/);
  });

  it("says why a malformed name is refused without the catalogues (a target's schema), suggesting the names every catalogue holds", () => {
    expect(malformedMetricIssue('attendence_rate')).toBe(metricNameIssue('attendence_rate', shipped));
    expect(malformedMetricIssue('proficiency.Math')).toMatch(/; got 'proficiency.Math': did you mean proficiency.math\?$/);
  });

  it("takes a state's own subjects: catalogued, they may be named", () => {
    const withRobotics = { indicators, subjects: new SubjectCatalogue([...SHIPPED_SUBJECTS, { name: 'robotics', description: 'robotics' }]) };
    expect(metricNameIssue('proficiency.robotics', shipped)).toMatch(/^subject 'robotics' is not in the subject catalogue/);
    expect(metricNameIssue('proficiency.robotics', withRobotics)).toBeUndefined();
    expect(() => new SubjectCatalogue([...SHIPPED_SUBJECTS, SHIPPED_SUBJECTS[0]])).toThrow("a subject named 'math' is catalogued already");
  });

  it('a feed of a subject outside the catalogue still resolves, as a proficiency rate, flagged uncatalogued', () => {
    expect(metricDefinition('proficiency.robotics', shipped)).toMatchObject({
      family: 'proficiency',
      argument: 'robotics',
      isRate: true,
      direction: 'higher_is_better',
      uncatalogued: true,
    });
    expect(metricDefinition('proficiency.math', shipped)?.uncatalogued).toBeUndefined();
  });

  it('refuses every name outside the catalogues at once, each under its own field', () => {
    const refused = () =>
      requireCataloguedMetrics(
        [
          { field: 'metrics.0', metric: 'proficiency.math' },
          { field: 'metrics.1', metric: 'proficiency.scince' },
          { field: 'metrics.2', metric: 'grit' },
        ],
        shipped,
      );
    expect(refused).toThrow(ValidationError);
    try {
      refused();
    } catch (error) {
      expect((error as ValidationError).issues.map((issue) => issue.field)).toEqual(['metrics.1', 'metrics.2']);
    }
  });
});

describe('contract targets name catalogued metrics only (the subjects catalogued)', () => {
  const maths = { metric: 'proficiency.maths', contractYear: 1, kind: 'gain', value: 0.05, scope: 'school' } as const;
  const math = { ...maths, metric: 'proficiency.math' } as const;
  const signed: PerformanceContractSigned = {
    type: 'PerformanceContractSigned',
    data: {
      contractId: 'K1',
      partnerId: 'P1',
      clusterId: 'C1',
      schoolIds: ['S1'],
      governance: 'district_lead_partner',
      startYear: '2023-24',
      termYears: 3,
      baselineYear: '2022-23',
      targets: [math],
    },
  };
  const active = contractAggregate.evolve(contractAggregate.initialState(), signed);
  const decide =
    (command: ContractCommand, state = active) =>
    () =>
      decideContract(command, state);
  const refusal = "targets.0.metric: subject 'maths' is not in the subject catalogue: did you mean proficiency.math?";

  it('refuses a contract signed with a target on proficiency.maths, naming the field and the close match', () => {
    const sign = decide(
      {
        type: 'SignPerformanceContract',
        data: { ...signed.data, targets: [maths] },
        partner: { exists: true, partnerId: 'P1', name: 'P1', role: 'lead' },
        cluster: { exists: true, clusterId: 'C1', zoneId: 'Z1', name: 'C1' },
        schools: [
          {
            exists: true,
            schoolId: 'S1',
            districtId: 'D1',
            name: 'S1',
            gradeSpan: '06-08',
            memberships: [{ clusterId: 'C1', fromYear: '2023-24', strategy: 'transformation' }],
          },
        ],
        otherContracts: [],
        catalogues: shipped,
      },
      contractAggregate.initialState(),
    );
    expect(sign).toThrow(ValidationError);
    expect(sign).toThrow(refusal);
  });

  it('refuses the same target in an amendment and in a renewal', () => {
    expect(
      decide({ type: 'AmendContractTargets', data: { contractId: 'K1', targets: [maths], remove: [], reason: 'typo' }, finalYears: [], catalogues: shipped }),
    ).toThrow(refusal);
    expect(
      decide({
        type: 'RenewContract',
        data: { contractId: 'K1', additionalYears: 1, targets: [{ ...maths, contractYear: 4 }] },
        otherContracts: [],
        catalogues: shipped,
      }),
    ).toThrow(refusal);
    // the catalogued name passes the same check
    expect(
      decide({
        type: 'AmendContractTargets',
        data: { contractId: 'K1', targets: [{ ...math, value: 0.06 }], remove: [], reason: 'raised' },
        finalYears: [],
        catalogues: shipped,
      })(),
    ).toHaveLength(1);
  });
});
