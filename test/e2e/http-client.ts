import { INestApplication } from '@nestjs/common';

/** Talks to a started app over real HTTP on loopback. */
export async function httpClient(app: INestApplication) {
  await app.listen(0, '127.0.0.1');
  const base = await app.getUrl();
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base.replace('[::1]', '127.0.0.1')}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json', 'x-actor': 'state-office-test' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  return { get: (path: string) => call('GET', path), post: (path: string, body: unknown) => call('POST', path, body) };
}
