import type { ServerResponse } from 'node:http';
import type { ProofPoints } from '@turnaround/domain';
import type { Principal } from './access';

/** The port token of the researchers' requests: the research service provides it, the web app's research pages call it. */
export const RESEARCH_REQUESTS = Symbol('ResearchRequests');

/** The panel request as it arrives: text from a query string or a form, validated by the request. */
export interface PanelRequest {
  metrics?: string;
  from?: string;
  to?: string;
  asOf?: string;
  format?: string;
}

export interface ProofPointRequest {
  metric?: string;
  group?: string;
  weights?: string;
  asOf?: string;
}

/** The proof points of a metric, and the knowledge time they were computed at. */
export interface ProofPointAnswer extends ProofPoints {
  metric: string;
  asOf: string;
}

/**
 * A panel or codebook checked, opened and (a panel) recorded, not yet sent: a bad request has
 * already been refused, so the caller can still answer with its form and the fields it names.
 */
export interface ResearchDownload {
  /** Sets the file's headers (type, attachment name, as-of) and streams it; a client that goes away ends the export. */
  send(response: ServerResponse): Promise<void>;
}

/**
 * What the research routes do, as `GET /api/v1/research/...` does it: one implementation (the
 * research service's) behind the API and the web app alike, so a page's download is the same
 * file, validated with the same messages and recorded in the same audit, as the API's.
 */
export interface ResearchRequests {
  /** The metrics a panel asked without `metrics` holds: every metric with a value known at `asOf`. */
  metricsKnown(asOf: Date): Promise<string[]>;
  panel(caller: Principal, request: PanelRequest): Promise<ResearchDownload>;
  codebook(request: Pick<PanelRequest, 'metrics' | 'asOf'>): Promise<ResearchDownload>;
  proofPoints(caller: Principal, request: ProofPointRequest): Promise<ProofPointAnswer>;
}
