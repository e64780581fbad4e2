/*
 * boxes.js: bounding boxes on page images. Drag on the page to draw a box
 * with the current label; click or Tab to select a box. Keys: 1-9 pick the
 * label (and relabel the selected box), n a new box in the middle of the
 * page, arrows move the selected box (Shift: by 10 points), Ctrl+arrows
 * resize it, Delete removes it, Escape deselects, PageUp/PageDown change page.
 * Coordinates are page points, top-left origin: the SVG overlay's viewBox
 * is the page size, so no conversion but the pointer's.
 * Result: {"boxes": [{"page", "bbox": [x0, y0, x1, y1], "label"}]}.
 */
import {h, s, replace, icon, say} from './dom.js';

export function boxEditor({doc, schema, result, onChange}) {
	const labels = (schema && schema.boxes) || [];
	const pages = doc.pages || [];
	let boxes = ((result && result.boxes) || []).map((b) => ({page: b.page, bbox: b.bbox.slice(), label: b.label}));
	let page = pages.length ? pages[0].n : 1;
	let label = labels[0] || '';
	let selected = -1;
	let drag = null;

	const img = h('img', {class: 'page-img', alt: ''});
	img.addEventListener('error', () => say('The page image could not be loaded'));
	const svg = s('svg', {class: 'overlay', tabindex: 0, role: 'group', 'aria-label': 'Boxes on the page: drag to draw, n for a new box', preserveAspectRatio: 'none'});
	const stage = h('div', {class: 'stage'}, img, svg);
	const pageInfo = h('span', {class: 'pager-info', 'aria-live': 'polite'});
	const prev = h('button', {type: 'button', class: 'btn small', onclick: () => showPage(page - 1)}, icon('prev'), 'Previous page');
	const next = h('button', {type: 'button', class: 'btn small', onclick: () => showPage(page + 1)}, 'Next page', icon('next'));
	const list = h('ul', {class: 'items', 'aria-label': 'Boxes'});
	const labelBar = h('div', {class: 'labels', role: 'toolbar', 'aria-label': 'Box labels'});

	const cur = () => pages.find((p) => p.n === page) || {n: page, width: 612, height: 792};
	const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
	const round = (v) => Math.round(v * 10) / 10;

	function showPage(n) {
		if (!pages.some((p) => p.n === n)) return;
		page = n;
		selected = -1;
		const p = cur();
		img.src = p.image || `/api/documents/${doc.id}/pages/${n}/image`;
		img.alt = `Page ${n}`;
		svg.setAttribute('viewBox', `0 0 ${p.width} ${p.height}`);
		/* the whole page fits the window's height (CSSOM: allowed by the CSP) */
		stage.style.maxWidth = `min(900px, calc((100vh - 12rem) * ${p.width / p.height}))`;
		pageInfo.textContent = `Page ${n} of ${pages.length}`;
		prev.disabled = n <= pages[0].n;
		next.disabled = n >= pages[pages.length - 1].n;
		draw();
	}

	function renderLabels() {
		replace(labelBar, labels.map((l, i) => h('button', {type: 'button', class: `btn label l${i % 8}${l === label ? ' on' : ''}`,
			'aria-pressed': l === label ? 'true' : 'false', onclick: () => pick(l)}, i < 9 ? h('kbd', null, String(i + 1)) : null, ' ', l)));
	}

	function pick(l) {
		label = l;
		if (selected >= 0) { boxes[selected].label = l; changed(); }
		renderLabels();
		say(`Label ${l}`);
	}

	function draw(focusSel) {
		const kids = [];
		boxes.forEach((b, i) => {
			if (b.page !== page) return;
			const [x0, y0, x1, y1] = b.bbox;
			const li = labels.indexOf(b.label);
			const r = s('rect', {x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0),
				class: `box l${(li < 0 ? 0 : li) % 8}${i === selected ? ' selected' : ''}`, tabindex: 0, role: 'img', focusable: 'true',
				'aria-label': `${b.label} box at ${Math.round(x0)}, ${Math.round(y0)}, ${Math.round(x1 - x0)} by ${Math.round(y1 - y0)} points${i === selected ? ', selected' : ''}`,
				dataset: {i}});
			r.addEventListener('focus', () => { if (selected !== i) { selected = i; draw(true); } });
			r.addEventListener('pointerdown', (ev) => { ev.stopPropagation(); selected = i; draw(true); });
			kids.push(r);
			kids.push(s('text', {x: x0 + 2, y: Math.max(y0 - 3, 10), class: 'box-label', 'aria-hidden': 'true'}, b.label));
		});
		if (drag && drag.rect) kids.push(drag.rect);
		replace(svg, kids);
		if (focusSel && selected >= 0) {
			const r = svg.querySelector(`rect[data-i="${selected}"]`);
			if (r && document.activeElement !== r) r.focus();
		}
		renderList();
	}

	function renderList() {
		replace(list, boxes.length ? boxes.map((b, i) => h('li', {class: `item${i === selected ? ' cur' : ''}`},
			h('span', {class: `tag l${Math.max(0, labels.indexOf(b.label)) % 8}`}, b.label),
			` page ${b.page}: ${b.bbox.map((v) => Math.round(v)).join(', ')} `,
			h('button', {type: 'button', class: 'btn small', 'aria-label': `Remove ${b.label} box`, onclick: () => removeBox(i)}, icon('trash'))))
			: [h('li', {class: 'muted'}, 'No boxes yet')]);
	}

	function changed() { draw(true); onChange(); }

	function removeBox(i) {
		const b = boxes[i];
		boxes.splice(i, 1);
		selected = -1;
		say(`Removed ${b.label} box`);
		draw();
		onChange();
		svg.focus();
	}

	function toPoint(ev) {
		const r = svg.getBoundingClientRect();
		const p = cur();
		return [clamp((ev.clientX - r.left) / r.width * p.width, 0, p.width), clamp((ev.clientY - r.top) / r.height * p.height, 0, p.height)];
	}

	svg.addEventListener('pointerdown', (ev) => {
		if (ev.button !== 0) return;
		if (!label) { say('The schema has no box labels'); return; }
		ev.preventDefault();
		const [x, y] = toPoint(ev);
		drag = {x, y, rect: s('rect', {x, y, width: 0, height: 0, class: 'box drawing'})};
		svg.setPointerCapture(ev.pointerId);
		draw();
	});
	svg.addEventListener('pointermove', (ev) => {
		if (!drag) return;
		const [x, y] = toPoint(ev);
		drag.rect.setAttribute('x', Math.min(x, drag.x));
		drag.rect.setAttribute('y', Math.min(y, drag.y));
		drag.rect.setAttribute('width', Math.abs(x - drag.x));
		drag.rect.setAttribute('height', Math.abs(y - drag.y));
	});
	svg.addEventListener('pointerup', (ev) => {
		if (!drag) return;
		const [x, y] = toPoint(ev);
		const d = drag;
		drag = null;
		if (Math.abs(x - d.x) < 3 || Math.abs(y - d.y) < 3) { draw(); return; }
		boxes.push({page, bbox: [round(Math.min(x, d.x)), round(Math.min(y, d.y)), round(Math.max(x, d.x)), round(Math.max(y, d.y))], label});
		selected = boxes.length - 1;
		say(`${label} box drawn`);
		changed();
	});

	function newBox() {
		if (!label) { say('The schema has no box labels'); return; }
		const p = cur();
		const w = Math.round(p.width / 4), hh = Math.round(p.height / 8);
		const x0 = Math.round((p.width - w) / 2), y0 = Math.round((p.height - hh) / 2);
		boxes.push({page, bbox: [x0, y0, x0 + w, y0 + hh], label});
		selected = boxes.length - 1;
		say(`New ${label} box: arrows move it, Ctrl+arrows resize it`);
		changed();
	}

	function nudge(ev) {
		const b = boxes[selected];
		const p = cur();
		const d = ev.shiftKey ? 10 : 1;
		const dx = ev.key === 'ArrowLeft' ? -d : ev.key === 'ArrowRight' ? d : 0;
		const dy = ev.key === 'ArrowUp' ? -d : ev.key === 'ArrowDown' ? d : 0;
		let [x0, y0, x1, y1] = b.bbox;
		if (ev.ctrlKey || ev.altKey) {
			x1 = clamp(x1 + dx, x0 + 2, p.width);
			y1 = clamp(y1 + dy, y0 + 2, p.height);
		} else {
			const mx = clamp(dx, -x0, p.width - x1), my = clamp(dy, -y0, p.height - y1);
			x0 += mx; x1 += mx; y0 += my; y1 += my;
		}
		b.bbox = [round(x0), round(y0), round(x1), round(y1)];
		changed();
	}

	const el = h('div', {class: 'editor box'},
		h('div', {class: 'boxpane'}, h('div', {class: 'pager'}, prev, pageInfo, next), pages.length ? stage : h('p', {class: 'muted'}, 'This document has no page images: submit it empty to go on.')),
		h('div', {class: 'side'}, h('h3', null, 'Label for new boxes'), labelBar,
			labels.length ? null : h('p', {class: 'muted'}, 'The schema has no box labels: an admin adds them in Admin.'),
			h('h3', null, 'Boxes'), list));
	renderLabels();
	if (pages.length) showPage(page);
	else renderList();

	return {
		el,
		result: () => ({boxes: boxes.map((b) => ({page: b.page, bbox: b.bbox.slice(), label: b.label}))}),
		focus: () => { const r = svg.querySelector('rect.box'); (r || (pages.length ? svg : labelBar.querySelector('button') || prev)).focus(); },
		key(ev) {
			if (/^[1-9]$/.test(ev.key) && labels[Number(ev.key) - 1]) { pick(labels[Number(ev.key) - 1]); return true; }
			if (ev.key === 'n' && !ev.ctrlKey) { newBox(); return true; }
			if (ev.key === 'PageDown') { showPage(page + 1); return true; }
			if (ev.key === 'PageUp') { showPage(page - 1); return true; }
			if (selected < 0 || !boxes[selected]) return false;
			if (ev.key.startsWith('Arrow')) { nudge(ev); return true; }
			if (ev.key === 'Delete' || ev.key === 'Backspace') { removeBox(selected); return true; }
			if (ev.key === 'Escape') { selected = -1; draw(); return true; }
			return false;
		},
		help: 'drag to draw · n new box · arrows move, Ctrl+arrows resize (Shift: by 10) · Delete removes · 1–9 label',
	};
}
