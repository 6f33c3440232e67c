// api.js - the portal's one way to reach the server: the REST API (/v1/...) with the session
// cookie, the session's CSRF token on every change and the chosen language in X-Locale.
let csrf = null;
let locale = 'en-US';
let onSignedOut = () => {};

export function setCsrf(token) {
  csrf = token;
}
export function setLocale(l) {
  locale = l;
}
export function onUnauthorized(fn) {
  onSignedOut = fn;
}

export class ApiError extends Error {
  constructor(status, body) {
    super((body && (body.description || body.error_description)) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
  // field path -> its message, from Partner-Center-style error details
  fields() {
    const out = {};
    for (const d of this.body.details || []) if (d.field) out[d.field] = d.description;
    if (!this.body.details && Array.isArray(this.body.data) && this.body.data.length === 1)
      out[this.body.data[0]] = this.body.description;
    return out;
  }
}

export async function api(method, path, body, opts = {}) {
  const headers = { Accept: 'application/json', 'X-Locale': locale, ...(opts.headers || {}) };
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  let payload;
  if (body instanceof URLSearchParams) payload = body;
  else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { description: text };
    }
  }
  if (res.status === 401 && !opts.quiet401) onSignedOut();
  if (!res.ok) throw new ApiError(res.status, data);
  return { status: res.status, data, headers: res.headers };
}

// One page of a collection: {items, next} where next is the continuation token or null.
export async function page(path, token) {
  const sep = path.includes('?') ? '&' : '?';
  const url = token ? `${path}${sep}seekOperation=Next` : path;
  const r = await api('GET', url, undefined, token ? { headers: { 'MS-ContinuationToken': token } } : {});
  return { items: r.data.items || [], next: r.data.continuationToken || null };
}

// Every item of a collection, page after page (lists are paged; none stops silently).
export async function all(path) {
  const items = [];
  let token = null;
  do {
    const pg = await page(path, token);
    items.push(...pg.items);
    token = pg.next;
  } while (token);
  return items;
}
