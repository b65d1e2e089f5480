import { CallHandler, ExecutionContext, Injectable, NestInterceptor, StreamableFile } from '@nestjs/common';
import { constants, crc32, deflateRawSync } from 'node:zlib';
import { map, Observable } from 'rxjs';

/** Smaller pages go out as they are: compressing them saves less than it costs. */
const GZIP_FROM_BYTES = 1024;

/** A gzip member's header (RFC 1952): deflate, no flags, no time, any OS. */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);

/** The most a stored deflate block holds (RFC 1951 3.2.4: its length is 16 bits). */
const STORED_BLOCK_BYTES = 0xffff;

/**
 * The content of a page over a kept view of the read model, with its deflated form made once:
 * a state's coverage or a page of charts is a hundred kilobytes or more, the same for every
 * reader of the role until the read model moves, while compressing it costs a millisecond.
 */
export class PageContent {
  readonly bytes: Buffer;
  private deflatedForm?: Buffer;

  constructor(readonly html: string) {
    this.bytes = Buffer.from(html);
  }

  /**
   * Raw deflate blocks ending on a full flush: byte-aligned, not final, and with nothing after
   * them referring back into them, so they can stand between any other blocks of a stream.
   */
  deflated(): Buffer {
    this.deflatedForm ??= deflateRawSync(this.bytes, { finishFlush: constants.Z_FULL_FLUSH });
    return this.deflatedForm;
  }
}

/**
 * A signed-in page as it goes out: its kept content between the markup rendered for this request
 * (the reader's name, the form token of sign-out, the navigation of the role). Sent compressed
 * to a browser that accepts gzip without compressing the content again: one gzip member whose
 * deflate stream is the request's head as a stored block, the content's kept blocks, and the
 * tail as the final stored block (RFC 1951 allows blocks of any kind in any order; a full flush
 * leaves the content byte-aligned and self-contained). What a request costs is then the copy of
 * the compressed page and a CRC-32 of it, not its compression.
 */
export class WebPage {
  constructor(
    private readonly head: string,
    private readonly content: PageContent,
    private readonly tail: string,
  ) {}

  text(): string {
    return this.head + this.content.html + this.tail;
  }

  gzip(): Buffer {
    const head = Buffer.from(this.head);
    const tail = Buffer.from(this.tail);
    const deflated = this.content.deflated();
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(crc32(tail, crc32(this.content.bytes, crc32(head))), 0);
    trailer.writeUInt32LE((head.length + this.content.bytes.length + tail.length) % 2 ** 32, 4);
    return Buffer.concat([GZIP_HEADER, ...storedBlocks(head, false), deflated, ...storedBlocks(tail, true), trailer]);
  }

  get length(): number {
    return this.head.length + this.content.html.length + this.tail.length;
  }
}

/** `data` as stored (uncompressed) deflate blocks, each starting on a byte boundary; the last one final when `final`. */
function storedBlocks(data: Buffer, final: boolean): Buffer[] {
  const blocks: Buffer[] = [];
  for (let start = 0; start < data.length || blocks.length === 0; start += STORED_BLOCK_BYTES) {
    const part = data.subarray(start, start + STORED_BLOCK_BYTES);
    const header = Buffer.alloc(5);
    // BFINAL in the lowest bit, BTYPE 00 (stored) in the next two, the rest of the byte padding.
    header[0] = final && start + STORED_BLOCK_BYTES >= data.length ? 1 : 0;
    header.writeUInt16LE(part.length, 1);
    header.writeUInt16LE(~part.length & 0xffff, 3);
    blocks.push(header, part);
  }
  return blocks;
}

type Request = { acceptsEncodings(...encodings: string[]): string | false };
type Response = { setHeader(name: string, value: string): void };

/** Sends a handler's `WebPage` as HTML, gzip-compressed for a client that accepts it. */
@Injectable()
export class SendWebPages implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    return next.handle().pipe(
      map((result: unknown) => {
        if (!(result instanceof WebPage)) return result;
        const response = http.getResponse<Response>();
        response.setHeader('Content-Type', 'text/html; charset=utf-8');
        response.setHeader('Vary', 'Accept-Encoding');
        if (result.length < GZIP_FROM_BYTES || http.getRequest<Request>().acceptsEncodings('gzip', 'identity') !== 'gzip') return result.text();
        const gzip = result.gzip();
        response.setHeader('Content-Encoding', 'gzip');
        return new StreamableFile(gzip, { length: gzip.length });
      }),
    );
  }
}
