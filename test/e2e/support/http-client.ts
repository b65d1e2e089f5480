import { INestApplication } from '@nestjs/common';
import { TEST_STATE_KEY } from './app';

/** Talks to a started app over real HTTP on loopback, with an API key (the test state key by default). */
export async function httpClient(app: INestApplication, key = TEST_STATE_KEY) {
  if (!(app.getHttpServer() as { listening: boolean }).listening) await app.listen(0, '127.0.0.1');
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  /** Sends `body` as JSON, or as it is (a string or a stream) with `contentType`. */
  const call = async (method: string, path: string, body?: unknown, contentType?: string) => {
    const raw = contentType !== undefined;
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': contentType ?? 'application/json', 'x-actor': 'state-office-test' }),
      },
      body: body === undefined ? undefined : raw ? (body as string | ReadableStream) : JSON.stringify(body),
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit);
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    base,
    get: (path: string) => call('GET', path),
    post: (path: string, body: unknown) => call('POST', path, body),
    delete: (path: string) => call('DELETE', path),
    send: (path: string, body: string | ReadableStream, contentType: string) => call('POST', path, body, contentType),
  };
}
