// The gateway's API with the session cookie. Changes are sent as JSON from
// this origin, as the gateway requires of cookie-authenticated requests.

export class ApiError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/**
 * onExpired: called on any 401 of an authenticated call (the session ended);
 * confirmed: an authenticated call has succeeded in this page.
 */
export const session = { onExpired: () => {}, confirmed: false };

export async function api(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (method !== 'GET' && method !== 'HEAD') {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body ?? {});
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', 'The gateway cannot be reached.');
  }
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (res.ok) {
    if (!path.startsWith('/api/auth/') && path !== '/api/health') session.confirmed = true;
    return data;
  }
  const err = data && data.error ? data.error : {};
  const retry = Number(res.headers.get('Retry-After')) || 0;
  if (res.status === 401 && !path.startsWith('/api/auth/')) session.onExpired();
  const failure = new ApiError(res.status, err.code || 'http_' + res.status,
    err.message || 'The gateway answered ' + res.status + '.', retry);
  failure.fields = Array.isArray(err.fields) ? err.fields : [];
  failure.field = typeof err.field === 'string' ? err.field : '';
  throw failure;
}
