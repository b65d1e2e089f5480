import { NotFoundError, Owner, Severity, TargetStatus } from '@turnaround/domain';
import { Principal } from '@turnaround/platform';
import { Scorecard } from '@turnaround/read-model';
import { WebReads } from '../web-reads';

/** The API routes the pages mirror: each read takes the grant of its route (ACCESS_MATRIX). */
export const ROUTES = {
  zones: 'GET /api/v1/zones',
  clusters: 'GET /api/v1/clusters',
  schools: 'GET /api/v1/schools',
  school: 'GET /api/v1/schools/:schoolId',
  schoolMetrics: 'GET /api/v1/schools/:schoolId/metrics',
  contracts: 'GET /api/v1/contracts',
  scorecard: 'GET /api/v1/contracts/:contractId/scorecard',
  zone: 'GET /api/v1/zones/:zoneId',
  zoneMetrics: 'GET /api/v1/zones/:zoneId/metrics',
  stateMetrics: 'GET /api/v1/state/metrics',
  comparisonMetrics: 'GET /api/v1/comparison/metrics',
  cluster: 'GET /api/v1/clusters/:clusterId',
  clusterMetrics: 'GET /api/v1/clusters/:clusterId/metrics',
  contract: 'GET /api/v1/contracts/:contractId',
  partners: 'GET /api/v1/partners',
  partner: 'GET /api/v1/partners/:partnerId',
  partnerMetrics: 'GET /api/v1/partners/:partnerId/metrics',
  partnerScorecard: 'GET /api/v1/partners/:partnerId/scorecard',
  alerts: 'GET /api/v1/alerts',
  coverage: 'GET /api/v1/feeds/coverage',
  alert: 'GET /api/v1/alerts/:alertId',
  acknowledge: 'POST /api/v1/alerts/:alertId/acknowledge',
  webhooks: 'GET /api/v1/districts/:districtId/webhooks',
  registerWebhook: 'POST /api/v1/districts/:districtId/webhooks',
  deleteWebhook: 'DELETE /api/v1/districts/:districtId/webhooks/:webhookId',
  rotateWebhookSecret: 'POST /api/v1/districts/:districtId/webhooks/:webhookId/rotate-secret',
  testWebhook: 'POST /api/v1/districts/:districtId/webhooks/:webhookId/test',
  feedProfiles: 'GET /api/v1/feeds/profiles',
  feedBatches: 'GET /api/v1/feeds/batches',
  feedRejections: 'GET /api/v1/feeds/rejections',
  feedPush: 'POST /api/v1/feeds/:kind',
  researchPanel: 'GET /api/v1/research/panel',
  researchCodebook: 'GET /api/v1/research/panel/codebook',
  proofPoints: 'GET /api/v1/research/proof-points',
} as const;

/** An alert as the alerts read model lists it: the fields the pages show. */
export interface AlertRow {
  alertId: string;
  schoolId: string | null;
  clusterId: string | null;
  contractId: string;
  metric: string;
  contractYear: number;
  schoolYear: string;
  checkpoint: string;
  target: number;
  actual: number | null;
  severity: Severity;
  status: 'open' | 'acknowledged' | 'resolved';
  /** A Date as the driver reads it (the API writes it as ISO text). */
  raisedAt: Date | string;
}

export interface ContractRow {
  contractId: string;
  partnerId: string;
  clusterId: string;
  schoolIds: string[];
  termYears: number;
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, serious: 1, warning: 2 };

/** Most severe first, then newest: the order a reader acts in. */
export function bySeverityThenNewest(a: AlertRow, b: AlertRow): number {
  return SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || new Date(b.raisedAt).getTime() - new Date(a.raisedAt).getTime();
}

/** The contracts the reader may list, as `GET /api/v1/contracts` answers it; none for a role that may not. */
export async function contractsOf(reads: WebReads, principal: Principal): Promise<ContractRow[]> {
  if (!reads.access.may(principal, ROUTES.contracts)) return [];
  return (await reads.registry.contracts({ owner: reads.access.narrowing(principal, ROUTES.contracts) })) as unknown as ContractRow[];
}

/**
 * A contract's scorecard as `GET /api/v1/contracts/:contractId/scorecard` answers the reader
 * (a district reads its own schools' lines and the cluster's); undefined where the reader may
 * not read it, or where the contract was not known yet as of the date.
 */
export async function scorecardOf(reads: WebReads, principal: Principal, contractId: string, asOf: Date | undefined): Promise<Scorecard | undefined> {
  if (!(await reads.access.mayRead(principal, ROUTES.scorecard, 'contract', contractId))) return undefined;
  try {
    return await reads.scorecards.scorecard(contractId, asOf, principal.role.kind === 'district' ? principal.role.districtId : undefined);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/** Alerts as `GET /api/v1/alerts` lists them for the reader; undefined for a role that may not read alerts. */
export async function alertsOf(reads: WebReads, principal: Principal, filter: { status?: string; asOf?: Date }): Promise<AlertRow[] | undefined> {
  if (!reads.access.may(principal, ROUTES.alerts)) return undefined;
  const owner: Owner | undefined = reads.access.narrowing(principal, ROUTES.alerts);
  return (await reads.alerts.list({ ...filter, owner })) as unknown as AlertRow[];
}

/** How many lines have each status. */
export function statusCounts(lines: readonly { status: TargetStatus }[]): Record<TargetStatus, number> {
  const counts: Record<TargetStatus, number> = { met: 0, missed: 0, at_risk: 0, on_track: 0, pending: 0 };
  for (const line of lines) counts[line.status] += 1;
  return counts;
}
