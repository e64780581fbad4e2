/*
 * textview.js: a document's text, a page of blocks at a time, with
 * highlighted ranges and a selection made by mouse or keyboard.
 *
 * Offsets are Unicode code points into the document text (blocks joined by a
 * blank line), as in the API. Only one page of blocks (PAGE blocks) is in the
 * DOM at a time and blocks are fetched a page at a time from
 * /api/documents/{id}/blocks, so a 10,000-block document stays responsive.
 *
 * Keyboard, with the text focused: Left/Right move by word, Shift+Left/Right
 * extend the selection, Up/Down go to the previous/next block (Shift extends),
 * Home/End the first/last word of the page, Escape clears, [ and ] change page.
 */
import {h, replace, icon, say} from './dom.js';
import {get, qs} from './api.js';

export const PAGE = 100;

/* Number of code points in a JS (UTF-16) string. */
export function cpLen(str) {
	let n = 0;
	for (let i = 0; i < str.length; i++) {
		const c = str.charCodeAt(i);
		if (c < 0xd800 || c > 0xdbff || i + 1 >= str.length) n++;
		else { n++; i++; }
	}
	return n;
}

/* The blocks of one document, fetched in pages and kept. */
export class BlockSource {
	constructor(doc) {
		this.id = doc.id;
		this.blocks = [];
		(doc.blocks || []).forEach((b, i) => { this.blocks[i] = b; });
		this.total = Number.isInteger(doc.blocks_total) ? doc.blocks_total : this.blocks.length;
	}

	/* Blocks [offset, offset + limit), fetching the ones not yet here. */
	async range(offset, limit) {
		const end = Math.min(this.total, offset + limit);
		let missing = -1;
		for (let i = offset; i < end; i++) if (!this.blocks[i]) { missing = i; break; }
		if (missing >= 0) {
			const r = await get(`/api/documents/${this.id}/blocks${qs({offset: missing, limit: end - missing})}`);
			const list = Array.isArray(r) ? r : (r && r.blocks) || [];
			list.forEach((b, i) => { this.blocks[missing + i] = b; });
			if (r && Number.isInteger(r.total)) this.total = r.total;
		}
		return this.blocks.slice(offset, end).filter(Boolean);
	}

	/* The text of [start, end) when the blocks covering it are loaded. */
	text(start, end) {
		let out = '';
		let prevEnd = null;
		for (const b of this.blocks) {
			if (!b || b.end <= start) continue;
			if (b.start >= end) break;
			if (prevEnd !== null && b.start > prevEnd && start < b.start) out += '\n\n';
			const cps = Array.from(b.text);
			out += cps.slice(Math.max(0, start - b.start), Math.min(cps.length, end - b.start)).join('');
			prevEnd = b.end;
		}
		return out;
	}
}

const WORD = /[\p{L}\p{N}\p{M}_]+|[^\s\p{L}\p{N}\p{M}_]/gu;

export class TextView {
	/*
	 * opts: source (BlockSource); ranges() -> [{start, end, cls, label}];
	 * selectable; onSelection(sel|null); label (accessible name).
	 */
	constructor(opts) {
		this.source = opts.source;
		this.ranges = opts.ranges || (() => []);
		this.selectable = opts.selectable !== false;
		this.onSelection = opts.onSelection || (() => {});
		this.onPage = opts.onPage || (() => {});
		this.page = 0;
		this.selection = null;
		this.tokens = [];
		this.kb = null;
		this.visible = [];
		this.info = h('span', {class: 'pager-info', 'aria-live': 'polite'});
		this.prevBtn = h('button', {type: 'button', class: 'btn small', onclick: () => this.showPage(this.page - 1), 'aria-label': 'Previous blocks'}, icon('prev'), 'Previous');
		this.nextBtn = h('button', {type: 'button', class: 'btn small', onclick: () => this.showPage(this.page + 1), 'aria-label': 'Next blocks'}, 'Next', icon('next'));
		const gotoInput = h('input', {type: 'number', min: 1, class: 'goto', 'aria-label': 'Go to block number'});
		const gotoForm = h('form', {class: 'goto-form', onsubmit: (ev) => {
			ev.preventDefault();
			const n = Math.min(Number(gotoInput.value), this.source.total);
			if (n >= 1) this.showPage(Math.floor((n - 1) / PAGE)).then(() => this.markBlock(n - 1));
		}}, gotoInput, h('button', {type: 'submit', class: 'btn small'}, 'Go'));
		this.pager = h('div', {class: 'pager', role: 'navigation', 'aria-label': 'Blocks'}, this.prevBtn, this.info, this.nextBtn, gotoForm);
		const help = this.selectable ? 'Arrow keys select words, Shift extends, [ and ] change page' : '[ and ] change page';
		this.body = h('div', {class: 'text', tabindex: 0, role: 'region',
			'aria-label': `${opts.label || 'Document text'}. ${help}`,
			onkeydown: (ev) => this.key(ev), onmouseup: () => this.mouseSelect()});
		this.el = h('div', {class: 'textview'}, this.pager, this.body);
	}

	pages() { return Math.max(1, Math.ceil(this.source.total / PAGE)); }

	/* Show page p (0-based) of blocks. */
	async showPage(p) {
		p = Math.max(0, Math.min(this.pages() - 1, p));
		this.page = p;
		this.visible = await this.source.range(p * PAGE, PAGE);
		this.kb = null;
		this.render();
		this.body.scrollTop = 0;
		this.onPage();
	}

	/* [start, end) of the text on the page shown ([0, 0] before the first). */
	pageRange() {
		const v = this.visible;
		return v.length ? [v[0].start, v[v.length - 1].end] : [0, 0];
	}

	/* Outline block i (0-based, on the page shown) and scroll it into view. */
	markBlock(i) {
		const el = this.body.children[i - this.page * PAGE];
		if (!el) return;
		for (const old of this.body.querySelectorAll('.goto-target')) old.classList.remove('goto-target');
		el.classList.add('goto-target');
		if (el.scrollIntoView) el.scrollIntoView({block: 'center'});
	}

	/* Show the page holding code point offset `off`. */
	async showOffset(off) {
		for (let i = 0; i < this.source.blocks.length; i++) {
			const b = this.source.blocks[i];
			if (b && off >= b.start && off <= b.end) {
				if (Math.floor(i / PAGE) !== this.page || !this.visible.length) await this.showPage(Math.floor(i / PAGE));
				return;
			}
		}
	}

	render() {
		const first = this.page * PAGE + 1;
		const last = this.page * PAGE + this.visible.length;
		this.info.textContent = this.source.total
			? `Blocks ${first}–${last} of ${this.source.total}` : 'No text';
		this.prevBtn.disabled = this.page === 0;
		this.nextBtn.disabled = this.page >= this.pages() - 1;
		this.pager.hidden = this.source.total <= PAGE;
		/* only the ranges on this page reach the per-block loop */
		const [lo, hi] = this.pageRange();
		const all = this.ranges().filter((r) => r.end > lo && r.start < hi);
		if (this.selection) all.push({start: this.selection.start, end: this.selection.end, cls: 'sel'});
		this.tokens = [];
		const frag = document.createDocumentFragment();
		this.visible.forEach((b, bi) => frag.appendChild(this.renderBlock(b, bi, all)));
		replace(this.body, frag);
	}

	renderBlock(b, bi, all) {
		const cps = Array.from(b.text || '');
		const base = b.start;
		const n = cps.length;
		const mine = all.filter((r) => r.end > base && r.start < base + n);
		const cuts = new Set([0, n]);
		for (const r of mine) {
			cuts.add(Math.max(0, r.start - base));
			cuts.add(Math.min(n, r.end - base));
		}
		const pts = [...cuts].sort((x, y) => x - y);
		const el = h('div', {class: `block k-${b.kind || 'paragraph'}`, dataset: {start: base, seq: b.seq ?? ''}});
		for (let i = 0; i + 1 < pts.length; i++) {
			const a = pts[i], z = pts[i + 1];
			if (a === z) continue;
			const cover = mine.filter((r) => r.start - base <= a && r.end - base >= z);
			const cls = cover.map((r) => r.cls).filter(Boolean);
			const ending = cover.find((r) => r.label && r.end - base === z);
			const title = cover.filter((r) => r.label).map((r) => r.label).join(', ');
			el.appendChild(h('span', {dataset: {s: base + a, label: ending ? ending.label : undefined},
				class: cls.length ? `seg ${cls.join(' ')}` : 'seg', title: title || undefined},
			cps.slice(a, z).join('')));
		}
		if (!n) el.appendChild(h('span', {class: 'seg', dataset: {s: base}}, ''));
		const text = cps.join('');
		for (const m of text.matchAll(WORD)) {
			const s = base + cpLen(text.slice(0, m.index));
			this.tokens.push({start: s, end: s + cpLen(m[0]), block: bi});
		}
		return el;
	}

	/* Code point offset of a DOM point inside the body, or null. */
	pointToCp(node, off) {
		if (node.nodeType === Node.TEXT_NODE) {
			const seg = node.parentElement && node.parentElement.closest('[data-s]');
			return seg ? Number(seg.dataset.s) + cpLen(node.data.slice(0, off)) : null;
		}
		if (!(node instanceof Element)) return null;
		if (off < node.childNodes.length) {
			const c = node.childNodes[off];
			const seg = c instanceof Element ? (c.matches('[data-s]') ? c : c.querySelector('[data-s]')) : c.parentElement.closest('[data-s]');
			return seg ? Number(seg.dataset.s) : null;
		}
		const segs = node.matches('[data-s]') ? [node] : node.querySelectorAll('[data-s]');
		const seg = segs[segs.length - 1];
		return seg ? Number(seg.dataset.s) + cpLen(seg.textContent) : null;
	}

	mouseSelect() {
		if (!this.selectable) return;
		const sel = window.getSelection();
		if (!sel || sel.isCollapsed || !sel.rangeCount) return;
		const r = sel.getRangeAt(0);
		if (!this.body.contains(r.startContainer) || !this.body.contains(r.endContainer)) return;
		let a = this.pointToCp(r.startContainer, r.startOffset);
		let z = this.pointToCp(r.endContainer, r.endOffset);
		sel.removeAllRanges();
		if (a === null || z === null || z <= a) return;
		const t = this.source.text(a, z);
		const lead = t.length - t.trimStart().length;
		const trail = t.length - t.trimEnd().length;
		a += cpLen(t.slice(0, lead));
		z -= cpLen(t.slice(t.length - trail));
		if (z > a) this.setSelection({start: a, end: z});
	}

	/* Set (or clear, with null) the selection; re-render and announce it. */
	setSelection(sel) {
		this.selection = sel;
		this.render();
		if (sel) {
			const el = this.body.querySelector('.sel');
			if (el && el.scrollIntoView) el.scrollIntoView({block: 'nearest'});
			say(`Selected: ${this.source.text(sel.start, sel.end)}`);
		}
		this.onSelection(sel);
	}

	key(ev) {
		if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
		if (ev.key === '[' || ev.key === ']') {
			ev.preventDefault();
			this.showPage(this.page + (ev.key === ']' ? 1 : -1));
			return;
		}
		if (!this.selectable || !this.tokens.length) return;
		const T = this.tokens;
		let kb = this.kb;
		if (!kb && this.selection) {
			const i = T.findIndex((t) => t.end > this.selection.start);
			const j = T.findLastIndex((t) => t.start < this.selection.end);
			if (i >= 0 && j >= i) kb = {anchor: i, focus: j};
		}
		const move = (i) => Math.max(0, Math.min(T.length - 1, i));
		let focus;
		switch (ev.key) {
		case 'ArrowRight': focus = kb ? kb.focus + 1 : 0; break;
		case 'ArrowLeft': focus = kb ? kb.focus - 1 : 0; break;
		case 'ArrowDown': {
			const b = kb ? T[kb.focus].block : -1;
			const i = T.findIndex((t) => t.block > b);
			focus = i >= 0 ? i : T.length - 1;
			break;
		}
		case 'ArrowUp': {
			const b = kb ? T[kb.focus].block : 0;
			const i = T.findIndex((t) => t.block === b - 1);
			focus = i >= 0 ? i : 0;
			break;
		}
		case 'Home': focus = 0; break;
		case 'End': focus = T.length - 1; break;
		case 'Escape':
			if (!this.selection) return;
			ev.preventDefault();
			this.kb = null;
			this.setSelection(null);
			return;
		default: return;
		}
		ev.preventDefault();
		focus = move(focus);
		const anchor = ev.shiftKey && kb ? kb.anchor : focus;
		this.kb = {anchor, focus};
		const lo = T[Math.min(anchor, focus)], hi = T[Math.max(anchor, focus)];
		const keep = this.kb;
		this.setSelection({start: lo.start, end: hi.end});
		this.kb = keep;
	}
}
