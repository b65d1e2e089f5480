import { PanelColumn, PanelValue } from '@turnaround/domain';
import type { BasicType } from 'hyparquet-writer';
import { Writable } from 'node:stream';
import { checkedValues } from './panel-values';
import { PanelWriter, PanelWriterOptions } from './panel-writer';
import { endSink, writeChunk } from './sink';

const DEFAULT_ROW_GROUP_SIZE = 10_000;

const PARQUET_TYPES: Record<PanelColumn['type'], BasicType> = { string: 'STRING', integer: 'INT32', flag: 'INT32', double: 'DOUBLE' };

/**
 * Parquet through hyparquet-writer: rows gather into a row group, which is encoded and handed
 * to the sink before the next begins, so memory holds one row group. Every column is optional
 * (nullable); the codebook rides along in the file's key-value metadata.
 */
export function parquetPanelWriter(columns: readonly PanelColumn[], sink: Writable, options: PanelWriterOptions): PanelWriter {
  const rowGroupSize = options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
  // hyparquet-writer ships ES modules only: import() loads them from CommonJS, in Node and in Jest.
  const parquet = import('hyparquet-writer').then(({ ByteWriter, ParquetWriter, schemaFromColumnData }) => {
    /**
     * The library's byte buffer, emptied into the sink after every row group (the writer calls
     * flush) and at the end; `offset` keeps counting the whole file for the footer.
     */
    class SinkByteWriter extends ByteWriter {
      flush(): Promise<void> {
        const chunk = Buffer.from(new Uint8Array(this.buffer, 0, this.index));
        this.index = 0;
        return writeChunk(sink, chunk);
      }

      override finish(): Promise<void> {
        return this.flush();
      }
    }
    return new ParquetWriter({
      writer: new SinkByteWriter(),
      schema: schemaFromColumnData({
        columnData: columns.map((column) => ({ name: column.name, data: [], type: PARQUET_TYPES[column.type], nullable: true })),
      }),
      kvMetadata: [{ key: 'turnaround.codebook', value: JSON.stringify(columns) }],
    });
  });
  let group: PanelValue[][] = columns.map(() => []);
  let rowNumber = 0;

  const writeGroup = async () => {
    if (group[0].length === 0) return;
    const columnData = columns.map((column, index) => ({ name: column.name, data: group[index] }));
    group = columns.map(() => []);
    await (await parquet).write({ columnData, rowGroupSize: columnData[0].data.length });
  };

  return {
    async write(row) {
      rowNumber += 1;
      checkedValues(columns, row, rowNumber).forEach((value, index) => group[index].push(value));
      if (group[0].length >= rowGroupSize) await writeGroup();
    },
    async close() {
      await writeGroup();
      await (await parquet).finish();
      await endSink(sink);
    },
  };
}
