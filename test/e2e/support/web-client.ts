/**
 * A browser's part in a form's round trip, without a browser: keeps the cookies the service
 * sets, sends forms urlencoded, and follows no redirect (the tests look at each).
 */
export function webClient(base: string) {
  const cookies = new Map<string, string>();
  let lastSetCookies: string[] = [];
  const send = async (method: string, path: string, init: { form?: Record<string, string>; headers?: Record<string, string> } = {}) => {
    const response = await fetch(`${base}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        ...(cookies.size > 0 ? { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') } : {}),
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...init.headers,
      },
      body: init.form ? new URLSearchParams(init.form).toString() : undefined,
    });
    lastSetCookies = response.headers.getSetCookie();
    for (const header of lastSetCookies) {
      const [pair] = header.split(';');
      const at = pair.indexOf('=');
      const [name, value] = [pair.slice(0, at), pair.slice(at + 1)];
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(header)) cookies.delete(name);
      else cookies.set(name, value);
    }
    return { status: response.status, location: response.headers.get('location'), html: await response.text(), setCookies: lastSetCookies };
  };
  return {
    cookies,
    get: (path: string, headers?: Record<string, string>) => send('GET', path, { headers }),
    post: (path: string, form: Record<string, string>, headers?: Record<string, string>) => send('POST', path, { form, headers }),
    /** Opens the sign-in form and sends it with the key; the answer to the POST. */
    async signIn(key: string, headers?: Record<string, string>) {
      const form = await send('GET', '/sign-in', { headers });
      return send('POST', '/sign-in', { form: { csrf: hiddenCsrf(form.html), key }, headers });
    },
  };
}

/** The value of the page's hidden `csrf` field. */
export function hiddenCsrf(html: string): string {
  const token = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('the page has no csrf field');
  return token;
}
