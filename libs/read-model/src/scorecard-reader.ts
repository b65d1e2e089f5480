import { contractScorecard, EvaluationRules, MetricValue, NotFoundError, ScorecardContract, ScorecardLine, schoolYearOfContractYear, Target } from '@turnaround/domain';
import { SqlExecutor } from '@turnaround/postgres';
import { MetricQueries } from './metric-queries';

export interface Scorecard {
  contractId: string;
  partnerId: string;
  clusterId: string;
  status: 'active' | 'terminated';
  startYear: string;
  baselineYear: string;
  termYears: number;
  /** The district of each school of the contract: where its alerts go. */
  districts: Record<string, string>;
  lines: ScorecardLine[];
}

interface ContractRow {
  contract_id: string;
  partner_id: string;
  cluster_id: string;
  school_ids: string[];
  start_year: string;
  term_years: number;
  baseline_year: string;
  status: 'active' | 'terminated';
  targets: Target[];
}

/** A contract's scorecard from the read model: the registry and the metrics, evaluated by the domain's rules. */
export class ScorecardReader {
  private readonly metrics: MetricQueries;

  constructor(private readonly sql: SqlExecutor) {
    this.metrics = new MetricQueries(sql);
  }

  async contractIds(): Promise<string[]> {
    return (await this.sql.query<{ contract_id: string }>('SELECT contract_id FROM registry_contracts ORDER BY contract_id')).map((row) => row.contract_id);
  }

  async scorecard(contractId: string, rules: EvaluationRules): Promise<Scorecard> {
    const [contract] = await this.sql.query<ContractRow>(
      'SELECT contract_id, partner_id, cluster_id, school_ids, start_year, term_years, baseline_year, status, targets FROM registry_contracts WHERE contract_id = $1',
      [contractId],
    );
    if (!contract) throw new NotFoundError('contract', contractId);
    const [memberships, values, districts] = await Promise.all([
      this.metrics.memberships(contract.school_ids),
      this.metrics.valuesOf(contract.school_ids),
      this.sql.query<{ school_id: string; district_id: string }>('SELECT school_id, district_id FROM registry_schools WHERE school_id = ANY($1::text[])', [contract.school_ids]),
    ]);
    const stateAverages = new Map<string, MetricValue | undefined>();
    for (const target of contract.targets.filter((candidate) => candidate.goal === 'stateAverage')) {
      const year = schoolYearOfContractYear(contract.start_year, target.contractYear);
      stateAverages.set(`${year}|${target.metric}`, await this.metrics.state(year, target.metric));
    }
    const scorecardContract: ScorecardContract = {
      contractId: contract.contract_id,
      partnerId: contract.partner_id,
      clusterId: contract.cluster_id,
      schoolIds: contract.school_ids,
      startYear: contract.start_year,
      baselineYear: contract.baseline_year,
      targets: contract.targets,
    };
    const lines = contractScorecard(
      scorecardContract,
      {
        memberships,
        value: (schoolId, year, metric) => values.get(`${schoolId}|${year}|${metric}`),
        stateAverage: (year, metric) => stateAverages.get(`${year}|${metric}`),
      },
      rules,
    );
    return {
      contractId: contract.contract_id,
      partnerId: contract.partner_id,
      clusterId: contract.cluster_id,
      status: contract.status,
      startYear: contract.start_year,
      baselineYear: contract.baseline_year,
      termYears: contract.term_years,
      districts: Object.fromEntries(districts.map((row) => [row.school_id, row.district_id])),
      lines,
    };
  }
}
