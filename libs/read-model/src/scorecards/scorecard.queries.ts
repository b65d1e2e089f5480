import { NotFoundError, ScorecardLine, TargetInForce } from '@turnaround/domain';
import { SqlExecutor } from '@turnaround/postgres';
import { lineOfRow, LineRow } from './scorecards.projection';

/** A scorecard line as the API shows it: the domain's line, the target in force and since when, and when it was judged. */
export interface ScorecardLineReading extends ScorecardLine {
  target: Omit<TargetInForce, 'since'> | null;
  targetSince: string | null;
  knownAt: string;
}

export interface Scorecard {
  contractId: string;
  partnerId: string;
  clusterId: string;
  status: 'active' | 'terminated';
  termination: { at: string; reason: string } | null;
  startYear: string;
  baselineYear: string;
  termYears: number;
  /** The knowledge time the scorecard answers for: now, or the `asOf` asked. */
  asOf: string;
  lines: ScorecardLineReading[];
}

interface ContractRow {
  contract_id: string;
  partner_id: string;
  cluster_id: string;
  start_year: string;
  term_years: number;
  baseline_year: string;
  terminated_at: Date | string | null;
  termination_reason: string | null;
}

/**
 * Reads of the scorecards read model: the lines as the read side judged them, now or as known
 * at a date (the latest history row of each line until then). Nothing is judged here: the API
 * and the dashboards show the same statuses.
 */
export class ScorecardQueries {
  constructor(private readonly sql: SqlExecutor) {}

  /** `districtId`: a district reads the lines of its own schools and of the cluster, not the other districts' schools. */
  async scorecard(contractId: string, asOf?: Date, districtId?: string): Promise<Scorecard> {
    const at = asOf ?? new Date();
    const [contract] = await this.sql.query<ContractRow>(
      `SELECT contract_id, partner_id, cluster_id, start_year, term_years, baseline_year, terminated_at, termination_reason
       FROM registry_contracts WHERE contract_id = $1 AND recorded_at <= $2`,
      [contractId, at.toISOString()],
    );
    if (!contract) throw new NotFoundError('contract', contractId);
    const rows = await this.sql.query<LineRow & { removed: boolean }>(
      `SELECT * FROM (
         SELECT DISTINCT ON (scope, subject_id, metric, contract_year) * FROM scorecard_line_history
         WHERE contract_id = $1 AND known_at <= $2
         ORDER BY scope, subject_id, metric, contract_year, known_at DESC) latest
       WHERE NOT removed
         AND ($3::text IS NULL OR scope = 'cluster' OR subject_id IN (SELECT school_id FROM registry_schools WHERE district_id = $3))
       ORDER BY contract_year, metric, scope DESC, subject_id`,
      [contractId, at.toISOString(), districtId ?? null],
    );
    const terminated = contract.terminated_at !== null && new Date(contract.terminated_at) <= at;
    return {
      contractId: contract.contract_id,
      partnerId: contract.partner_id,
      clusterId: contract.cluster_id,
      status: terminated ? 'terminated' : 'active',
      termination: terminated ? { at: new Date(contract.terminated_at as string).toISOString(), reason: contract.termination_reason as string } : null,
      startYear: contract.start_year,
      baselineYear: contract.baseline_year,
      termYears: contract.term_years,
      asOf: at.toISOString(),
      lines: rows.map(reading),
    };
  }

  /** A partner's scorecard (docs/domain.md#statuses): the roll-up of its contracts' cluster lines. */
  async partner(partnerId: string, asOf?: Date): Promise<PartnerScorecard> {
    const at = asOf ?? new Date();
    const [partner] = await this.sql.query('SELECT 1 FROM registry_partners WHERE partner_id = $1 AND recorded_at <= $2', [partnerId, at.toISOString()]);
    if (!partner) throw new NotFoundError('partner', partnerId);
    const ids = await this.sql.query<{ contract_id: string }>(
      'SELECT contract_id FROM registry_contracts WHERE partner_id = $1 AND recorded_at <= $2 ORDER BY start_year, contract_id',
      [partnerId, at.toISOString()],
    );
    const contracts = [];
    const standing = new Map<string, ScorecardLine['status']>();
    for (const { contract_id } of ids) {
      const { asOf: _asOf, lines, ...card } = await this.scorecard(contract_id, at);
      const clusterLines = lines.filter((line) => line.scope === 'cluster');
      contracts.push({ ...card, lines: clusterLines });
      for (const line of clusterLines) {
        const key = `${line.schoolYear}|${contract_id}`;
        const before = standing.get(key);
        if (before === undefined || STANDING.indexOf(line.status) < STANDING.indexOf(before)) standing.set(key, line.status);
      }
    }
    const years = new Map<string, PartnerScorecard['years'][number]>();
    for (const [key, status] of [...standing].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const schoolYear = key.split('|')[0];
      const year = years.get(schoolYear) ?? { schoolYear, met: 0, missed: 0, atRisk: 0, onTrack: 0, pending: 0 };
      year[status === 'at_risk' ? 'atRisk' : status === 'on_track' ? 'onTrack' : status] += 1;
      years.set(schoolYear, year);
    }
    return { partnerId, asOf: at.toISOString(), contracts, years: [...years.values()] };
  }
}

/** How a cluster stood in a school year, worst first: one missed line makes the year missed. */
const STANDING: readonly ScorecardLine['status'][] = ['missed', 'at_risk', 'pending', 'on_track', 'met'];

export interface PartnerScorecard {
  partnerId: string;
  asOf: string;
  /** Each contract's cluster lines by contract year. */
  contracts: (Omit<Scorecard, 'lines' | 'asOf'> & { lines: ScorecardLineReading[] })[];
  /** Per school year, how many of the partner's clusters met, missed, were at risk, on track or pending (each cluster by its worst line). */
  years: { schoolYear: string; met: number; missed: number; atRisk: number; onTrack: number; pending: number }[];
}

function reading(row: LineRow): ScorecardLineReading {
  return {
    ...lineOfRow(row),
    target: row.target,
    targetSince: row.target_since === null ? null : new Date(row.target_since).toISOString(),
    knownAt: new Date(row.known_at).toISOString(),
  };
}
