// The only way the console talks to the server: the API routes, with the signed-in bearer token.
const KEY = 'lp-token';

function decode(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0)));
    return JSON.parse(json);
  } catch {
    return null;
  }
}

export const session = {
  token: () => sessionStorage.getItem(KEY),
  /** The token's claims as the API will read them (the API checks the signature; the console only displays). */
  claims() {
    const t = sessionStorage.getItem(KEY);
    const c = t ? decode(t) : null;
    if (!c || (c.exp && c.exp * 1000 < Date.now())) return null;
    return c;
  },
  set: (token) => sessionStorage.setItem(KEY, token.trim()),
  clear: () => sessionStorage.removeItem(KEY),
  decode,
};

/** → { ok, status, body } where a failed call's body is the problem+json object. */
export async function call(method, path, body, headers = {}) {
  const h = { Accept: 'application/json, application/problem+json', ...headers };
  const token = session.token();
  if (token) h.Authorization = `Bearer ${token}`;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    return { ok: false, status: 0, body: { title: 'Network error', status: 0, detail: String(e) } };
  }
  const text = await res.text();
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { title: res.statusText, status: res.status, detail: text };
  }
  return { ok: res.ok, status: res.status, body: parsed };
}

export const get = (path) => call('GET', path);
export const post = (path, body, headers) => call('POST', path, body ?? {}, headers);
export const caseUrl = (id) => `/applications/${encodeURIComponent(id)}`;
export const certUrl = (n) => `/certificates/${encodeURIComponent(n)}`;
