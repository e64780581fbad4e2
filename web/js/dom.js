/*
 * dom.js: the only way the app builds DOM. Text always goes in as text nodes
 * (textContent), never as HTML: document text is untrusted. No innerHTML,
 * no inline style attributes (the CSP forbids them), no eval.
 */

/*
 * The SVG namespace, taken from an <svg> the HTML parser makes (it puts one
 * in the SVG namespace by itself), so that no served file holds anything
 * that looks like a URL, not even a namespace name.
 */
export const SVG_NS = new DOMParser().parseFromString('<svg></svg>', 'text/html').body.firstChild.namespaceURI;

function apply(el, attrs) {
	if (!attrs) return el;
	for (const [k, v] of Object.entries(attrs)) {
		if (v === undefined || v === null || v === false) continue;
		if (k === 'text') el.textContent = String(v);
		else if (k === 'class') el.setAttribute('class', v);
		else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
		else if (k === 'dataset') {
			for (const [dk, dv] of Object.entries(v)) if (dv !== undefined && dv !== null) el.dataset[dk] = String(dv);
		}
		else if (k === 'value' && 'value' in el) el.value = v;
		else if (k === 'checked' || k === 'disabled' || k === 'selected') el[k] = Boolean(v);
		else if (k === 'style') throw new Error('inline styles are not allowed (CSP)');
		else el.setAttribute(k, v === true ? '' : String(v));
	}
	return el;
}

function append(el, children) {
	for (const c of children.flat(Infinity)) {
		if (c === null || c === undefined || c === false) continue;
		el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
	}
	return el;
}

/* An HTML element: h('button', {class: 'x', onclick: f}, 'Save'). */
export function h(tag, attrs, ...children) {
	return append(apply(document.createElement(tag), attrs), children);
}

/* An SVG element, same calling convention. */
export function s(tag, attrs, ...children) {
	return append(apply(document.createElementNS(SVG_NS, tag), attrs), children);
}

/* Replace the children of `el`. */
export function replace(el, ...children) {
	el.replaceChildren();
	return append(el, children);
}

/* Icons: small inline SVG paths (24 x 24), decorative (aria-hidden). */
const ICONS = {
	check: 'M4 12l5 5L20 6',
	cross: 'M6 6l12 12M18 6L6 18',
	edit: 'M4 20h4L19 9l-4-4L4 16zM14 6l4 4',
	trash: 'M5 7h14M10 7V4h4v3M7 7l1 13h8l1-13',
	next: 'M9 5l7 7-7 7',
	prev: 'M15 5l-7 7 7 7',
	plus: 'M12 5v14M5 12h14',
	send: 'M4 12l16-8-6 16-3-7z',
};
export function icon(name) {
	return s('svg', {class: 'icon', viewBox: '0 0 24 24', 'aria-hidden': 'true', focusable: 'false'},
		s('path', {d: ICONS[name] || ICONS.plus}));
}

/* Announce a message to screen readers and sighted users alike. */
let statusTimer = null;
export function say(msg) {
	const el = document.getElementById('status');
	if (!el) return;
	el.textContent = msg;
	clearTimeout(statusTimer);
	statusTimer = setTimeout(() => { if (el.textContent === msg) el.textContent = ''; }, 6000);
}

/* Show an error (role=alert); an empty message clears it. */
export function alertMsg(msg) {
	const el = document.getElementById('alert');
	if (el) el.textContent = msg || '';
}

/* True when a key event comes from a text-entry control (shortcuts stay off). */
export function typing(ev) {
	const t = ev.target;
	if (!t || !t.tagName) return false;
	const tag = t.tagName.toLowerCase();
	if (tag === 'textarea' || tag === 'select') return true;
	if (tag === 'input') return !['checkbox', 'radio', 'button', 'submit'].includes(t.type);
	return t.isContentEditable;
}

/* Debounce: call fn `ms` after the last call; .flush() runs it now if pending. */
export function debounce(fn, ms) {
	let timer = null;
	const d = (...args) => {
		clearTimeout(timer);
		timer = setTimeout(() => { timer = null; fn(...args); }, ms);
	};
	d.pending = () => timer !== null;
	d.cancel = () => { clearTimeout(timer); timer = null; };
	d.flush = () => { if (timer !== null) { clearTimeout(timer); timer = null; return fn(); } return undefined; };
	return d;
}

/* The last part of a path ('' for none): a document without a title is named by its file. */
export function baseName(p) {
	return typeof p === 'string' ? p.split(/[\\/]/).pop() : '';
}
