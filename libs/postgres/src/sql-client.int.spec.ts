import { textArrayLiteral } from './copy-text';
import { migrate } from './migrations';
import { testDatabases } from './testing';

jest.setTimeout(60_000);

describe.each(testDatabases())('SqlClient on $name', (database) => {
  it('answers with the same JavaScript types on every adapter', async () => {
    const sql = await database.open();
    const [row] = await sql.query<{ big: number; doc: unknown; names: string[] }>(
      `SELECT $1::bigint AS big, '{"a":[1]}'::jsonb AS doc, ARRAY['x','y'] AS names`,
      [9007199254740],
    );
    expect(row).toEqual({ big: 9007199254740, doc: { a: [1] }, names: ['x', 'y'] });
    await sql.close();
  });

  it('commits a transaction whole or rolls it back whole', async () => {
    const sql = await database.open();
    await sql.query('CREATE TABLE t (n int PRIMARY KEY)');
    await sql.transaction(async (tx) => {
      await tx.query('INSERT INTO t VALUES ($1)', [1]);
      await tx.query('INSERT INTO t VALUES ($1)', [2]);
    });
    await expect(
      sql.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES ($1)', [3]);
        await tx.query('INSERT INTO t VALUES ($1)', [1]);
      }),
    ).rejects.toThrow(/duplicate key/);
    expect((await sql.query<{ n: number }>('SELECT n FROM t ORDER BY n')).map((r) => r.n)).toEqual([1, 2]);
    await sql.close();
  });

  it('loads rows by COPY in the order given, with the characters COPY escapes, NULLs, JSON and defaults', async () => {
    const sql = await database.open();
    await sql.query('CREATE TABLE c (n serial, label text, doc jsonb, flag boolean, amount double precision)');
    const awkward = 'tab\there, line\nbreak, return\r, back\\slash \\N, quote " and é';
    await sql.copyFrom(
      'c',
      ['label', 'doc', 'flag', 'amount'],
      [
        [awkward, { text: awkward, list: [1, null] }, true, 0.25],
        [null, null, false, null],
        ['\\N', [], null, -3],
      ],
    );
    // In a transaction: rolled back with it.
    await expect(
      sql.transaction(async (tx) => {
        await tx.copyFrom('c', ['label'], [['kept until the failure']]);
        await tx.query('SELECT 1 / 0');
      }),
    ).rejects.toThrow(/division by zero/);
    // A row COPY refuses fails the load whole, naming what it expected; the client goes on.
    await expect(
      sql.transaction((tx) =>
        tx.copyFrom(
          'c',
          ['label', 'doc'],
          [
            ['fine', {}],
            ['not a document', 'nope'],
          ],
        ),
      ),
    ).rejects.toThrow(/invalid input syntax for type json/);
    await expect(sql.copyFrom('c', ['amount'], [['lots']])).rejects.toThrow(/invalid input syntax for type double precision: "lots"/);
    expect(await sql.query('SELECT n, label, doc, flag, amount FROM c ORDER BY n')).toEqual([
      { n: 1, label: awkward, doc: { text: awkward, list: [1, null] }, flag: true, amount: 0.25 },
      { n: 2, label: null, doc: null, flag: false, amount: null },
      { n: 3, label: '\\N', doc: [], flag: null, amount: -3 },
    ]);
    await sql.close();
  });

  it('loads rows given lazily, many pieces of them, with lists as array literals', async () => {
    const sql = await database.open();
    await sql.query('CREATE TABLE l (n integer, tags text[])');
    const rows = function* () {
      for (let n = 0; n < 1_234; n += 1) yield [n, textArrayLiteral([`tag ${n}`, 'a "quoted" one', 'back\\slash', ''])];
    };
    await sql.copyFrom('l', ['n', 'tags'], rows());
    const loaded = await sql.query<{ n: number; tags: string[] }>('SELECT n, tags FROM l ORDER BY n');
    expect(loaded).toHaveLength(1_234);
    expect(loaded[1_233]).toEqual({ n: 1_233, tags: ['tag 1233', 'a "quoted" one', 'back\\slash', ''] });
    await sql.close();
  });

  it('applies each migration once, scripts of several statements included', async () => {
    const sql = await database.open();
    const migrations = [
      { id: '0002-more', sql: 'ALTER TABLE a ADD COLUMN c int; CREATE INDEX a_c ON a (c)' },
      { id: '0001-first', sql: 'CREATE TABLE a (b int); INSERT INTO a VALUES (1)' },
    ];
    await migrate(sql, 'test', migrations);
    await migrate(sql, 'test', migrations);
    expect(await sql.query('SELECT b, c FROM a')).toEqual([{ b: 1, c: null }]);
    await sql.close();
  });

  it('delivers a NOTIFY to a listener', async () => {
    const sql = await database.open();
    let notified: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => (notified = resolve));
    const stop = await sql.listen('test_channel', () => notified());
    await sql.query(`SELECT pg_notify('test_channel', 'x')`, []);
    await arrived;
    await stop();
    await sql.close();
  });
});
