const TOKEN_KEY = 'csa.token';
const API = '/api/v1';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** GET (or `method`) an API path with the session's token; errors become ApiError with the server's code. */
export async function api(path, { method = 'GET', body, authToken } = {}) {
  const headers = { authorization: `Bearer ${authToken ?? token.get() ?? ''}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${API}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = json?.error ?? {};
    throw new ApiError(response.status, error.code ?? `HTTP_${response.status}`, error.message ?? text);
  }
  return json;
}

/**
 * Evidence for <img>/<video>, which cannot send headers: the browser sends the evidence cookie that
 * `/api/v1/me` set at sign-in (HttpOnly, for the evidence path only). No token in the URL.
 */
export const evidenceUrl = (sha256) => `${API}/evidence/${sha256}`;

/** The cloud's live feed; calls onMessage(kind, data) and onState('open' | 'closed'). */
export function openLive(onMessage, onState) {
  const source = new EventSource(`${API}/live?access_token=${encodeURIComponent(token.get() ?? '')}`);
  const kinds = ['ticket.created', 'ticket.updated', 'incident.updated', 'escalation', 'edge.status'];
  for (const kind of kinds)
    source.addEventListener(kind, (e) => onMessage(kind, JSON.parse(/** @type {MessageEvent} */ (e).data)));
  source.onopen = () => onState('open');
  source.onerror = () => onState(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
  return () => source.close();
}
