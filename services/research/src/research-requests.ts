import { Logger } from '@nestjs/common';
import { MetricCatalogues, roleName } from '@turnaround/domain';
import { actorOf, PanelRequest, Principal, ProofPointAnswer, ProofPointRequest, ResearchDownload, ResearchRequests } from '@turnaround/platform';
import { ResearchQueries } from '@turnaround/read-model';
import { codebookFileFor, PANEL_FILE_TYPES, writeCodebook, writePanel } from '@turnaround/research';
import { ServerResponse } from 'node:http';
import { PassThrough, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { analyseProofPoints, openPanel, panelDataLabel, panelFileName, panelParameters, proofPointParameters, recordedPanelParameters } from './research';
import { ResearchAudit, ResearchRequester } from './research-audit';

/**
 * The research routes' work over HTTP, once: the API's controller and the web app's research
 * pages (through the RESEARCH_REQUESTS port) both call it, so a file downloaded from a page is
 * the API's file, refused with the API's messages and recorded in the same audit. Each request
 * reads as known at its `asOf`, or at the moment it came.
 */
export class HttpResearchRequests implements ResearchRequests {
  private readonly logger = new Logger('Research');

  constructor(
    private readonly queries: ResearchQueries,
    private readonly nMin: number,
    /** The process's catalogues: the metrics a request may name, and what their columns hold. */
    private readonly catalogues: MetricCatalogues,
    private readonly audit: ResearchAudit,
  ) {}

  metricsKnown(asOf: Date): Promise<string[]> {
    return this.queries.metricsKnown(asOf);
  }

  /** The school x school year panel: checked, opened and recorded now; its rows are read as they are sent. */
  async panel(caller: Principal, request: PanelRequest): Promise<ResearchDownload> {
    const parameters = panelParameters(request, new Date(), this.catalogues);
    const opened = await openPanel(this.queries, this.nMin, this.catalogues, parameters);
    const recordId = await this.audit.record(requesterOf(caller), 'panel', recordedPanelParameters(parameters, opened.metrics), parameters.asOf);
    return this.download(PANEL_FILE_TYPES[parameters.format].contentType, panelFileName(parameters), parameters.asOf, async (body) => {
      const rows = await writePanel(parameters.format, opened.panel.columns, whileOpen(body, opened.rows()), body, {
        dataLabel: panelDataLabel(parameters.asOf),
      });
      await this.audit.finished(recordId, rows);
    });
  }

  /** The codebook of the panel the same metrics and asOf give: each column, its label, type and rule. */
  async codebook(request: Pick<PanelRequest, 'metrics' | 'asOf'>): Promise<ResearchDownload> {
    const parameters = panelParameters({ metrics: request.metrics, asOf: request.asOf }, new Date(), this.catalogues);
    const { panel } = await openPanel(this.queries, this.nMin, this.catalogues, parameters);
    return this.download(PANEL_FILE_TYPES.csv.contentType, codebookFileFor(panelFileName(parameters)), parameters.asOf, (body) =>
      writeCodebook(panel.columns, body),
    );
  }

  async proofPoints(caller: Principal, request: ProofPointRequest): Promise<ProofPointAnswer> {
    const parameters = proofPointParameters(request, new Date(), this.catalogues);
    const { asOf: at, ...asked } = parameters;
    const recordId = await this.audit.record(requesterOf(caller), 'proof-points', asked, at);
    const answer = await analyseProofPoints(this.queries, this.nMin, this.catalogues, parameters);
    await this.audit.finished(recordId, answer.groups.length);
    return answer;
  }

  /**
   * A file to stream to the client. The body goes through a pipeline, so a client that goes away
   * ends the export (its writer's wait for `drain` fails) rather than leaving it waiting; once
   * the first bytes are out, a failure can only cut the transfer short, and is logged.
   */
  private download(contentType: string, fileName: string, asOf: Date, write: (body: Writable) => Promise<void>): ResearchDownload {
    return {
      send: async (response: ServerResponse) => {
        response.setHeader('content-type', contentType);
        response.setHeader('content-disposition', `attachment; filename="${fileName}"`);
        response.setHeader('x-turnaround-as-of', asOf.toISOString());
        const body = new PassThrough();
        const delivered = pipeline(body, response);
        try {
          await write(body);
          await delivered;
        } catch (error) {
          body.destroy(error as Error);
          await delivered.catch(() => undefined);
          this.logger.error(`${fileName} was cut short: ${error instanceof Error ? error.message : String(error)}`);
        }
      },
    };
  }
}

/** Stops reading the panel once the client has gone: no more pages are read for nobody. */
async function* whileOpen<T>(body: Writable, rows: AsyncIterable<T>): AsyncGenerator<T> {
  for await (const row of rows) {
    if (body.destroyed) throw new Error('the client closed the connection');
    yield row;
  }
}

function requesterOf(caller: Principal): ResearchRequester {
  return { channel: 'http', keyId: caller.keyId, role: roleName(caller.role), actor: actorOf(caller) };
}
