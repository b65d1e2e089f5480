import { Owner, RoleKind } from '@turnaround/domain';
import { OwnedKind } from '@turnaround/read-model';

/**
 * What a role may do on a route:
 * - `yes`: call it, and get all it answers;
 * - `own`: call it for what the role owns: the id in the path is its own (`PATH_OWNERSHIP`),
 *   otherwise 404, so nothing leaks that the resource exists;
 * - `narrowed`: call it; the list holds only what the role owns, whatever the query asks;
 * - `no`: 403.
 * Only a district or a partner owns anything, so only they are given `own` or `narrowed`.
 */
export type Grant = 'yes' | 'own' | 'narrowed' | 'no';
export type Grants = { [Kind in RoleKind]: Kind extends Owner['kind'] ? Grant : 'yes' | 'no' };

/** A route open without a key (probes and scrapers hold none), or the grant of each role. */
export type RouteAccess = { open: true } | { grants: Grants };

/** The path parameter that names what an `own` route is about, and what kind of thing it is. */
export const PATH_OWNERSHIP: Readonly<Record<string, OwnedKind | 'district'>> = {
  zoneId: 'zone',
  clusterId: 'cluster',
  schoolId: 'school',
  partnerId: 'partner',
  contractId: 'contract',
  alertId: 'alert',
  districtId: 'district',
};

const NOBODY: Grants = { state: 'no', researcher: 'no', district: 'no', partner: 'no', 'data-team': 'no', public: 'no' };
const grants = (given: Partial<Grants>): RouteAccess => ({ grants: { ...NOBODY, ...given } });

const STATE = grants({ state: 'yes' });
const READERS = grants({ state: 'yes', researcher: 'yes' });
/** Zones, clusters, schools and partners: ids and names, for everyone to start from; a district or partner the ones that hold its own. */
const REGISTRY_LIST = grants({ state: 'yes', researcher: 'yes', district: 'narrowed', partner: 'narrowed', 'data-team': 'yes', public: 'yes' });
const REGISTRY_ITEM = grants({ state: 'yes', researcher: 'yes', district: 'own', partner: 'own', 'data-team': 'yes', public: 'yes' });
/** Aggregates: a district or partner reads its own raw and the rest as the public does (small numbers withheld). */
const AGGREGATE_METRICS = grants({ state: 'yes', researcher: 'yes', district: 'yes', partner: 'yes', public: 'yes' });
const FEED_READS = grants({ state: 'yes', researcher: 'yes', 'data-team': 'yes' });
const FEED_WRITES = grants({ state: 'yes', 'data-team': 'yes' });
const DISTRICT_WEBHOOKS = grants({ state: 'yes', district: 'own' });
const DISTRICT_EMAIL = grants({ state: 'yes', district: 'own' });

/**
 * Who may call what: docs/roles.md as one table, keyed by method and route as the HTTP
 * router has it. The access guard reads it on every request, the access test checks every
 * route and role against it, and the README prints it. A route missing here admits nobody.
 */
export const ACCESS_MATRIX: Readonly<Record<string, RouteAccess>> = {
  'GET /health': { open: true },
  'GET /health/live': { open: true },
  'GET /health/ready': { open: true },
  // Prometheus scrapers hold no API key; /metrics holds nothing sensitive (METRICS_TOKEN closes it).
  'GET /metrics': { open: true },
  'GET /api/v1/projections': STATE,
  'POST /api/v1/projections/:name/resume': STATE,
  'POST /api/v1/keys': STATE,
  'GET /api/v1/keys': STATE,
  'POST /api/v1/keys/:keyId/revocation': STATE,

  'POST /api/v1/zones': STATE,
  'GET /api/v1/zones': REGISTRY_LIST,
  'GET /api/v1/zones/:zoneId': REGISTRY_ITEM,
  'POST /api/v1/zones/:zoneId/name-changes': STATE,
  'POST /api/v1/zones/:zoneId/district-changes': STATE,
  'POST /api/v1/clusters': STATE,
  'GET /api/v1/clusters': REGISTRY_LIST,
  'GET /api/v1/clusters/:clusterId': REGISTRY_ITEM,
  'POST /api/v1/schools': STATE,
  'POST /api/v1/schools/:schoolId/cluster-assignments': STATE,
  'POST /api/v1/schools/:schoolId/cluster-departures': STATE,
  'POST /api/v1/schools/:schoolId/name-changes': STATE,
  'POST /api/v1/schools/:schoolId/district-moves': STATE,
  'GET /api/v1/schools': REGISTRY_LIST,
  'GET /api/v1/schools/:schoolId': REGISTRY_ITEM,
  'POST /api/v1/partners': STATE,
  'GET /api/v1/partners': REGISTRY_LIST,
  'GET /api/v1/partners/:partnerId': REGISTRY_ITEM,
  'POST /api/v1/contracts': STATE,
  'POST /api/v1/contracts/:contractId/target-amendments': STATE,
  'POST /api/v1/contracts/:contractId/renewals': STATE,
  'POST /api/v1/contracts/:contractId/termination': STATE,
  'GET /api/v1/contracts': grants({ state: 'yes', researcher: 'yes', district: 'narrowed', partner: 'narrowed' }),
  'GET /api/v1/contracts/:contractId': grants({ state: 'yes', researcher: 'yes', district: 'own', partner: 'own' }),
  'GET /api/v1/contracts/:contractId/history': grants({ state: 'yes', researcher: 'yes', district: 'own', partner: 'own' }),

  'GET /api/v1/feeds/profiles': FEED_READS,
  'GET /api/v1/feeds/batches': FEED_READS,
  'GET /api/v1/feeds/rejections': FEED_READS,
  'GET /api/v1/feeds/:kind/records': FEED_READS,
  'POST /api/v1/feeds/:kind': FEED_WRITES,
  'POST /api/v1/feeds/:kind/retractions': FEED_WRITES,
  'GET /api/v1/feeds/coverage': grants({ state: 'yes', researcher: 'yes', district: 'narrowed', partner: 'narrowed', 'data-team': 'yes' }),

  'GET /api/v1/metric-definitions': grants({ state: 'yes', researcher: 'yes', district: 'yes', partner: 'yes', 'data-team': 'yes', public: 'yes' }),
  'GET /api/v1/schools/:schoolId/metrics': grants({ state: 'yes', researcher: 'yes', district: 'own', partner: 'own', public: 'yes' }),
  'GET /api/v1/clusters/:clusterId/metrics': AGGREGATE_METRICS,
  'GET /api/v1/partners/:partnerId/metrics': AGGREGATE_METRICS,
  'GET /api/v1/zones/:zoneId/metrics': AGGREGATE_METRICS,
  'GET /api/v1/state/metrics': AGGREGATE_METRICS,
  'GET /api/v1/comparison/metrics': AGGREGATE_METRICS,
  'GET /api/v1/contracts/:contractId/scorecard': grants({ state: 'yes', researcher: 'yes', district: 'own', partner: 'own' }),
  // The annual review is the parties' renewal document (docs/domain.md, the annual review): not a researcher's.
  'GET /api/v1/contracts/:contractId/review': grants({ state: 'yes', district: 'own', partner: 'own' }),
  'GET /api/v1/contracts/:contractId/progress': grants({ state: 'yes', district: 'own', partner: 'own' }),
  'GET /api/v1/partners/:partnerId/scorecard': grants({ state: 'yes', researcher: 'yes', partner: 'own' }),

  'GET /api/v1/alerts': grants({ state: 'yes', researcher: 'yes', district: 'narrowed', partner: 'narrowed' }),
  'GET /api/v1/alerts/:alertId': grants({ state: 'yes', researcher: 'yes', district: 'own', partner: 'own' }),
  'POST /api/v1/alerts/:alertId/acknowledge': grants({ state: 'yes', district: 'own' }),
  'POST /api/v1/districts/:districtId/webhooks': DISTRICT_WEBHOOKS,
  'GET /api/v1/districts/:districtId/webhooks': DISTRICT_WEBHOOKS,
  'DELETE /api/v1/districts/:districtId/webhooks/:webhookId': DISTRICT_WEBHOOKS,
  'POST /api/v1/districts/:districtId/webhooks/:webhookId/rotate-secret': DISTRICT_WEBHOOKS,
  'POST /api/v1/districts/:districtId/webhooks/:webhookId/test': DISTRICT_WEBHOOKS,
  'GET /api/v1/districts/:districtId/webhook-deliveries': DISTRICT_WEBHOOKS,
  'POST /api/v1/districts/:districtId/email-recipients': DISTRICT_EMAIL,
  'GET /api/v1/districts/:districtId/email-recipients': DISTRICT_EMAIL,
  'PUT /api/v1/districts/:districtId/email-recipients/:recipientId': DISTRICT_EMAIL,
  'DELETE /api/v1/districts/:districtId/email-recipients/:recipientId': DISTRICT_EMAIL,
  'GET /api/v1/districts/:districtId/email-messages': DISTRICT_EMAIL,

  'GET /api/v1/research/panel': READERS,
  'GET /api/v1/research/panel/codebook': READERS,
  'GET /api/v1/research/proof-points': READERS,
  // Who asked for what: the state office audits its researchers.
  'GET /api/v1/research/requests': STATE,

  // The web app's pages take no API key: its session guard admits them (services/web), and each
  // read a page makes takes the grant of the API route above it mirrors.
  'GET /sign-in': { open: true },
  'POST /sign-in': { open: true },
  'POST /sign-out': { open: true },
  'GET /': { open: true },
  'GET /schools': { open: true },
  'GET /schools/:schoolId': { open: true },
  'GET /zones/:zoneId': { open: true },
  'GET /clusters/:clusterId': { open: true },
  'GET /contracts/:contractId': { open: true },
  'GET /contracts/:contractId/review': { open: true },
  'GET /contracts/:contractId/progress': { open: true },
  'GET /partners/:partnerId': { open: true },
  'GET /inbox': { open: true },
  'GET /alerts/:alertId': { open: true },
  'POST /alerts/:alertId/acknowledge': { open: true },
  'GET /webhooks': { open: true },
  'POST /webhooks': { open: true },
  'POST /webhooks/:webhookId/test': { open: true },
  'POST /webhooks/:webhookId/rotate-secret': { open: true },
  'GET /webhooks/:webhookId/delete': { open: true },
  'POST /webhooks/:webhookId/delete': { open: true },
  'GET /inbox/email': { open: true },
  'POST /inbox/email': { open: true },
  'POST /inbox/email/:recipientId/delivery': { open: true },
  'POST /inbox/email/:recipientId/delete': { open: true },
  // An alert email's links work without signing in: the signed token in the link is what admits them.
  'GET /email/confirm': { open: true },
  'POST /email/confirm': { open: true },
  'GET /email/unsubscribe': { open: true },
  'POST /email/unsubscribe': { open: true },
  'GET /uploads': { open: true },
  'POST /uploads': { open: true },
  'GET /uploads/:batchId': { open: true },
  'GET /uploads/:batchId/rejections.csv': { open: true },
  'GET /coverage': { open: true },
  'GET /research': { open: true },
  'GET /research/panel': { open: true },
  'GET /research/panel/codebook': { open: true },
  'GET /research/proof-points': { open: true },
  // The public zone report cards need no sign-in: they read as the `public` role does.
  'GET /report-card': { open: true },
  'GET /report-card/:zoneId': { open: true },
};

/** The matrix's key of a request: its method (HEAD is answered as GET) and the router's path, e.g. `GET /api/v1/zones/:zoneId`. */
export function routeKey(method: string, path: string): string {
  return `${method === 'HEAD' ? 'GET' : method} ${path}`;
}
