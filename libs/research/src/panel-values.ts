import { PanelColumn, PanelRow, PanelValue, ValidationError } from '@turnaround/domain';

/**
 * Checks one row against the panel's columns before any format encodes it, so that every
 * writer refuses the same rows with the same message: the row, the column, what was expected.
 */
export function checkedValues(columns: readonly PanelColumn[], row: PanelRow, rowNumber: number): PanelValue[] {
  return columns.map((column) => {
    const value = row[column.name];
    const refuse = (expected: string) =>
      new ValidationError([
        {
          row: rowNumber,
          field: column.name,
          message: `expected ${expected}, got ${value === undefined ? 'no value' : (JSON.stringify(value) ?? String(value))}`,
        },
      ]);
    if (value === undefined) throw refuse('a value or null');
    if (value === null) return null;
    switch (column.type) {
      case 'string':
        if (typeof value !== 'string') throw refuse('text');
        return value;
      case 'flag':
        if (value !== 0 && value !== 1) throw refuse('0 or 1');
        return value;
      case 'integer':
        if (!Number.isInteger(value) || Math.abs(value as number) > 2147483620) throw refuse('a whole number within +-2147483620');
        return value;
      case 'double':
        if (typeof value !== 'number' || Number.isNaN(value)) throw refuse('a number (Inf allowed) or null');
        return value;
      default: {
        const unknown: never = column.type;
        throw new RangeError(`panel column type ${unknown} has no encoding`);
      }
    }
  });
}
