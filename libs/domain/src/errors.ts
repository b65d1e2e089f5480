/**
 * Errors that carry their meaning. The HTTP layer maps each class to a status in one place
 * (libs/platform), so domain code never thinks about transports.
 */
export interface FieldIssue {
  /** Which record of a batch, when the input was a batch (1-based, as a data team counts rows). */
  row?: number;
  /** Dotted path of the offending field, e.g. `targets.2.contractYear`. */
  field: string;
  /** What was expected, in words a data team understands. */
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly kind: 'validation' | 'not_found' | 'conflict' | 'illegal_state';
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The input is malformed or breaks a rule about its own values. */
export class ValidationError extends DomainError {
  readonly kind = 'validation' as const;
  constructor(readonly issues: FieldIssue[]) {
    super(issues.map((issue) => `${issue.row !== undefined ? `row ${issue.row}: ` : ''}${issue.field}: ${issue.message}`).join('; '));
  }

  static of(field: string, message: string): ValidationError {
    return new ValidationError([{ field, message }]);
  }
}

export class NotFoundError extends DomainError {
  readonly kind = 'not_found' as const;
  constructor(
    readonly entity: string,
    readonly id: string,
  ) {
    super(`${entity} '${id}' does not exist`);
  }
}

/** The thing to create exists already. */
export class AlreadyExistsError extends DomainError {
  readonly kind = 'conflict' as const;
  constructor(
    readonly entity: string,
    readonly id: string,
  ) {
    super(`${entity} '${id}' already exists`);
  }
}

/** The command is well formed but not allowed in the current state (a terminated contract, a school in another cluster). */
export class IllegalStateError extends DomainError {
  readonly kind = 'illegal_state' as const;
}
