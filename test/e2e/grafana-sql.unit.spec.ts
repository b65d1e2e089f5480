import { ALL, expandGrafanaSql, GrafanaVariable, VariableState } from './support/grafana-sql';

const RANGE = { from: new Date('2025-01-01T00:00:00Z'), to: new Date('2025-03-01T00:00:00Z') };
const OPTIONS = ['D-1', "O'Hara"];
const variable = (fields: Partial<GrafanaVariable>): GrafanaVariable => ({ name: 'district', type: 'query', query: 'SELECT 1', ...fields });
const state = (fields: Partial<GrafanaVariable>, current: VariableState['current']): VariableState => ({
  variable: variable(fields),
  current,
  options: OPTIONS,
});

/** What Grafana's SQL datasource sends for `IN ($district)`, by how the variable is defined and what is picked. */
describe('Grafana variables in panel SQL, written as the SQL datasource writes them', () => {
  const expand = (district: string | VariableState) => expandGrafanaSql('WHERE d IN ($district)', { district }, RANGE);

  it('writes a plain variable (neither multi-value nor include-All) as it is, quotes doubled: the SQL quotes it', () => {
    expect(expand(state({}, "O'Hara"))).toBe("WHERE d IN (O''Hara)");
    expect(expand("O'Hara")).toBe("WHERE d IN (O''Hara)");
  });

  it('quotes one value of an include-All or multi-value variable itself', () => {
    expect(expand(state({ includeAll: true }, 'D-1'))).toBe("WHERE d IN ('D-1')");
    expect(expand(state({ multi: true }, ['D-1']))).toBe("WHERE d IN ('D-1')");
  });

  it('quotes each of several values and joins them with commas', () => {
    expect(expand(state({ multi: true }, ['D-1', "O'Hara"]))).toBe("WHERE d IN ('D-1','O''Hara')");
  });

  it('writes All as every option, quoted, without a custom all value', () => {
    expect(expand(state({ includeAll: true }, ALL))).toBe("WHERE d IN ('D-1','O''Hara')");
    expect(expand(state({ includeAll: true, multi: true }, [ALL]))).toBe("WHERE d IN ('D-1','O''Hara')");
  });

  it('writes a custom all value as it is, unquoted', () => {
    expect(expand(state({ includeAll: true, allValue: "'__all__'" }, ALL))).toBe("WHERE d IN ('__all__')");
  });

  it('reads ${name} as $name, and leaves the macros to the backend, which expands them after the variables', () => {
    expect(expandGrafanaSql('${district} $__timeTo()', { district: 'D-1' }, RANGE)).toBe("D-1 '2025-03-01T00:00:00.000Z'");
  });

  it('refuses a name that is no variable, a format it does not expand, and All of a variable without it', () => {
    expect(() => expandGrafanaSql('$distrct', { district: 'D-1' }, RANGE)).toThrow('SQL uses $distrct, which is not a variable of the dashboard');
    expect(() => expandGrafanaSql('${district:csv}', { district: 'D-1' }, RANGE)).toThrow(
      '${district:csv}: the tests expand no variable formats or field paths; write $district',
    );
    expect(() => expand(state({}, ALL))).toThrow('variable district has no All option, but the test picked All');
    expect(() => expandGrafanaSql('$__interval', {}, RANGE)).toThrow('a Grafana macro the tests do not expand: $__interval');
  });
});
