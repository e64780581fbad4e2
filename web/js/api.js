/*
 * api.js: the JSON API of docs/api.md. Every change (POST, PUT, PATCH,
 * DELETE) carries the session's CSRF token in X-CSRF-Token.
 */

let csrf = null;
let onUnauthorized = null;

export function setCsrf(token) { csrf = token; }
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

export class ApiError extends Error {
	constructor(status, message) {
		super(message);
		this.status = status;
	}
}

/* Call the API; resolves to the parsed JSON (null for 204), rejects with ApiError. */
export async function api(method, path, body, opts = {}) {
	const headers = {Accept: 'application/json'};
	const init = {method, headers, credentials: 'same-origin', cache: 'no-store', keepalive: Boolean(opts.keepalive)};
	if (body !== undefined) {
		headers['Content-Type'] = 'application/json; charset=utf-8';
		init.body = JSON.stringify(body);
	}
	if (method !== 'GET' && method !== 'HEAD' && csrf) headers['X-CSRF-Token'] = csrf;
	let r;
	try {
		r = await fetch(path, init);
	} catch (e) {
		throw new ApiError(0, 'the server cannot be reached');
	}
	if (r.status === 204) return null;
	let data = null;
	if ((r.headers.get('Content-Type') || '').includes('json')) data = await r.json().catch(() => null);
	if (!r.ok) {
		const msg = data && typeof data.error === 'string' ? data.error : `HTTP ${r.status}`;
		if (r.status === 401 && path !== '/api/login' && path !== '/api/me' && onUnauthorized) onUnauthorized();
		throw new ApiError(r.status, msg);
	}
	return data;
}

export const get = (path) => api('GET', path);
export const post = (path, body, opts) => api('POST', path, body, opts);
export const put = (path, body) => api('PUT', path, body);

/* Build a query string from an object, skipping empty values. */
export function qs(params) {
	const p = new URLSearchParams();
	for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
	const s = p.toString();
	return s ? `?${s}` : '';
}
