import { parseKnowledgeTime } from '@turnaround/domain';

/**
 * `?asOf=`: a knowledge time (docs/domain.md#valid-time-and-knowledge-time). Reads answer from the history tables, as
 * the service knew things at that instant; absent, they answer as it knows them now. Read by
 * the domain's one parser (`parseKnowledgeTime`): an impossible date or year is a 400 naming
 * the parameter, never a rolled-over date or a database error.
 */
export function parseAsOf(text: string | undefined, field = 'asOf'): Date | undefined {
  if (text === undefined || text === '') return undefined;
  return parseKnowledgeTime(text, field);
}
