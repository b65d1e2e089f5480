import { Owner, SEVERITIES, ValidationError } from '@turnaround/domain';
import { SqlExecutor } from '@turnaround/postgres';
import { ownedBy, ownerParam } from '../ownership';
import { selectList } from '../rows/row-changes';
import { ALERTS_TABLES } from './alerts.tables';

export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;

export interface AlertFilter {
  /** Alerts that concern this district (any of an alert's districts). */
  districtId?: string;
  partnerId?: string;
  contractId?: string;
  zoneId?: string;
  status?: string;
  severity?: string;
  /** As known at this time: from the alerts' history. */
  asOf?: Date;
  /** Only the alerts of this district or partner, whatever else the filter names. */
  owner?: Owner;
}

/** Every field of an alert: the history's rows have them all too. */
const ALERT = selectList(ALERTS_TABLES.alerts);
/** When the service learned a history row's alert. */
const KNOWN_AT = selectList(ALERTS_TABLES.alert_history, ['knownAt']);

/** Every alert as it stood at a knowledge time ($1): its latest history row until then. */
const AS_OF = `(SELECT DISTINCT ON (alert_id) * FROM alert_history WHERE known_at <= $1 ORDER BY alert_id, sequence DESC)`;

/** Reads of the alerts read model. */
export class AlertQueries {
  constructor(private readonly sql: SqlExecutor) {}

  list(filter: AlertFilter) {
    if (filter.status !== undefined && !(ALERT_STATUSES as readonly string[]).includes(filter.status))
      throw ValidationError.of('status', `expected one of ${ALERT_STATUSES.join(', ')}, got '${filter.status}'`);
    if (filter.severity !== undefined && !(SEVERITIES as readonly string[]).includes(filter.severity))
      throw ValidationError.of('severity', `expected one of ${SEVERITIES.join(', ')}, got '${filter.severity}'`);
    return this.sql.query(
      `SELECT ${ALERT} FROM ${AS_OF} a
       WHERE ($2::text IS NULL OR $2 = ANY(district_ids)) AND ($3::text IS NULL OR status = $3) AND ($4::text IS NULL OR contract_id = $4)
         AND ($5::text IS NULL OR partner_id = $5) AND ($6::text IS NULL OR severity = $6)
         AND ($7::text IS NULL OR EXISTS (SELECT 1 FROM registry_contracts c JOIN registry_clusters k ON k.cluster_id = c.cluster_id
                                          WHERE c.contract_id = a.contract_id AND k.zone_id = $7))
         AND ${ownedBy('alert', 'a', filter.owner, '$8')}
       ORDER BY raised_at, alert_id`,
      [
        (filter.asOf ?? FOREVER).toISOString(),
        filter.districtId ?? null,
        filter.status ?? null,
        filter.contractId ?? null,
        filter.partnerId ?? null,
        filter.severity ?? null,
        filter.zoneId ?? null,
        ownerParam(filter.owner),
      ],
    );
  }

  async alert(alertId: string, asOf?: Date) {
    const [alert] = await this.sql.query(`SELECT ${ALERT} FROM ${AS_OF} a WHERE alert_id = $2`, [(asOf ?? FOREVER).toISOString(), alertId]);
    return alert;
  }

  /** The alert after each of its events (raised, acknowledged, resolved, reopened), oldest first, with when the service learned each. */
  history(alertId: string) {
    return this.sql.query(`SELECT ${ALERT}, ${KNOWN_AT} FROM alert_history WHERE alert_id = $1 ORDER BY sequence`, [alertId]);
  }
}

/** Without `asOf` the history's latest row is the alert as it stands. */
const FOREVER = new Date('9999-12-31T00:00:00Z');
