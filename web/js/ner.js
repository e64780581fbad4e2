/*
 * ner.js: the NER span editor. The user selects text (mouse or keyboard, see
 * textview.js) and picks a label with its number key; the document's PII/NER
 * detections are proposals to accept (a), reject (r) or edit (e: the
 * proposal's range becomes the selection, adjust it and pick a label).
 * The entities an LLM suggested (suggest-labels records) are proposals
 * too, marked with the model's name: accepting one adds a span at its
 * place (without "from": that names PII spans); the record is decided when
 * the annotation is reviewed. Result: {"spans": [{"start", "end", "label", "from"?}]}.
 */
import {h, replace, icon, say} from './dom.js';
import {TextView, cpLen} from './textview.js';

export function nerEditor({doc, source, schema, result, onChange, suggestions}) {
	const labels = (schema && schema.ner) || [];
	const proposals = (doc.spans || []).filter((p) => p.status !== 'rejected');
	/* LLM suggestions: ids `llm:RECORD:I` (strings, never a PII span's id) */
	const llmSeen = new Set();
	const textLen = cpLen(doc.text || '');
	for (const sg of suggestions || []) {
		(sg.entities || []).forEach((e, i) => {
			const key = `${e.start}:${e.end}:${e.label}`;
			if (!Number.isInteger(e.start) || !Number.isInteger(e.end) || e.end <= e.start || e.end > textLen || !e.label || llmSeen.has(key)) return;
			llmSeen.add(key);
			proposals.push({id: `llm:${sg.record}:${i}`, start: e.start, end: e.end, label: e.label, llm: sg.model || 'LLM'});
		});
	}
	proposals.sort((a, b) => a.start - b.start || a.end - b.end);
	const isLlm = (p) => typeof p.id === 'string';
	const llmEdited = new Set(); /* LLM proposals edited into another span */
	const at = (s, p) => s.start === p.start && s.end === p.end && s.label === p.label;
	let spans = ((result && result.spans) || []).map((s) => ({...s}));
	const rejected = new Set();
	let current = 0; /* index into proposals: the one a/r/e act on */
	let editing = null; /* id of the proposal being edited */

	const state = (p) => {
		if (rejected.has(p.id)) return 'rejected';
		if (isLlm(p)) {
			if (spans.some((x) => at(x, p))) return 'accepted';
			return llmEdited.has(p.id) ? 'edited' : 'pending';
		}
		const s = spans.find((x) => x.from === p.id);
		if (!s) return 'pending';
		return s.start === p.start && s.end === p.end && s.label === p.label ? 'accepted' : 'edited';
	};
	const labelIndex = (l) => labels.indexOf(l);

	const view = new TextView({
		source,
		label: 'Document text to label',
		ranges: () => {
			const out = spans.map((s) => ({start: s.start, end: s.end, label: s.label, cls: `span l${labelIndex(s.label) % 8}`}));
			proposals.forEach((p, i) => {
				if (state(p) === 'pending') out.push({start: p.start, end: p.end, label: `${p.label}?`, cls: `prop${isLlm(p) ? ' llm' : ''}${i === current ? ' cur' : ''}`});
			});
			return out;
		},
		onPage: () => renderLists(),
		onSelection: (sel) => {
			selInfo.textContent = sel ? `“${source.text(sel.start, sel.end)}”` : 'nothing (select text with the mouse, or focus the text and use the arrow keys)';
		},
	});

	const selInfo = h('span', {class: 'selinfo'}, 'nothing');
	const labelBar = h('div', {class: 'labels', role: 'toolbar', 'aria-label': 'Labels'},
		labels.map((l, i) => h('button', {type: 'button', class: `btn label l${i % 8}`, 'aria-keyshortcuts': i < 9 ? String(i + 1) : undefined,
			onclick: () => applyLabel(l)}, h('kbd', null, i < 9 ? String(i + 1) : ''), ' ', l)));
	const propList = h('ul', {class: 'items', 'aria-label': 'Proposals'});
	const spanList = h('ul', {class: 'items', 'aria-label': 'Your spans'});
	const propHead = h('h3', null, 'Proposals');
	const spanHead = h('h3', null, 'Your spans');

	function changed() {
		view.render();
		renderLists();
		onChange();
	}

	function applyLabel(label) {
		const sel = view.selection;
		if (!sel) { say('Select some text first'); return; }
		const editedLlm = editing !== null ? proposals.find((p) => p.id === editing && isLlm(p)) : null;
		if (editing !== null) spans = spans.filter((s) => s.from !== editing && !(editedLlm && at(s, editedLlm)));
		if (!spans.some((s) => s.start === sel.start && s.end === sel.end && s.label === label)) {
			const span = {start: sel.start, end: sel.end, label};
			if (editing !== null) {
				if (!editedLlm) span.from = editing;
				else llmEdited.add(editing);
				rejected.delete(editing);
			}
			spans.push(span);
		}
		say(`Labelled “${source.text(sel.start, sel.end)}” as ${label}`);
		editing = null;
		view.selection = null;
		view.kb = null;
		view.onSelection(null);
		changed();
	}

	function nextPending(from) {
		for (let k = 1; k <= proposals.length; k++) {
			const i = (from + k) % proposals.length;
			if (state(proposals[i]) === 'pending') return i;
		}
		return from;
	}

	function act(kind, i = current) {
		const p = proposals[i];
		if (!p) { say('No proposal'); return; }
		current = i;
		const text = source.text(p.start, p.end);
		if (kind === 'accept' && labels.length && !labels.includes(p.label)) {
			/* the server takes only the schema's labels (an empty schema: any) */
			say(`${p.label} is not a label of the schema: edit the proposal (e) and pick one`);
			return;
		}
		if (kind === 'accept') {
			spans = spans.filter((s) => s.from !== p.id && !(isLlm(p) && at(s, p)));
			rejected.delete(p.id);
			spans.push(isLlm(p) ? {start: p.start, end: p.end, label: p.label} : {start: p.start, end: p.end, label: p.label, from: p.id});
			say(`Accepted ${p.label} “${text}”`);
		} else if (kind === 'reject') {
			spans = spans.filter((s) => s.from !== p.id && !(isLlm(p) && at(s, p)));
			rejected.add(p.id);
			say(`Rejected ${p.label} “${text}”`);
		} else {
			editing = p.id;
			view.showOffset(p.start).then(() => {
				view.setSelection({start: p.start, end: p.end});
				view.body.focus();
				say(`Editing ${p.label} “${text}”: adjust the selection with Shift and the arrow keys, then press a label's number`);
			});
			return;
		}
		current = nextPending(i);
		/* the list is rebuilt: keep the keyboard user's place in it */
		const inList = propList.contains(document.activeElement);
		changed();
		const item = propList.querySelector(`li[data-i="${current}"]`);
		if (item && inList) item.focus();
	}

	function renderLists() {
		/* the proposals on the page shown (a long document can have thousands) */
		const [lo, hi] = view.pageRange();
		const here = proposals.map((p, i) => [p, i]).filter(([p]) => p.end > lo && p.start < hi);
		propHead.hidden = propList.hidden = here.length === 0;
		propHead.textContent = here.length < proposals.length ? `Proposals on this page (${here.length} of ${proposals.length})` : 'Proposals';
		replace(propList, here.map(([p, i], k) => {
			const st = state(p);
			const item = h('li', {class: `item ${st}${i === current ? ' cur' : ''}`, tabindex: 0, dataset: {i},
				'aria-label': `${p.label} ${source.text(p.start, p.end)}${isLlm(p) ? `, suggested by ${p.llm}` : ''}, ${st}. a accept, r reject, e edit`,
				onfocus: () => { if (current !== i) { current = i; view.render(); } },
				onkeydown: (ev) => {
					if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
						ev.preventDefault();
						const n = propList.children[k + (ev.key === 'ArrowDown' ? 1 : -1)];
						if (n) n.focus();
					}
				}},
			h('span', {class: `tag l${labelIndex(p.label) % 8}`}, p.label), ' ',
			isLlm(p) ? [h('span', {class: 'llm'}, `LLM ${p.llm}`), ' '] : null,
			h('q', null, source.text(p.start, p.end) || `${p.start}–${p.end}`),
			p.score !== undefined ? h('span', {class: 'muted'}, ` ${Number(p.score).toFixed(2)}`) : null,
			h('span', {class: 'state'}, labels.length && !labels.includes(p.label) && st === 'pending' ? 'pending: not in the schema, edit it' : st),
			h('span', {class: 'acts'},
				h('button', {type: 'button', class: 'btn small', tabindex: -1, 'aria-label': 'Accept', onclick: () => act('accept', i)}, icon('check')),
				h('button', {type: 'button', class: 'btn small', tabindex: -1, 'aria-label': 'Reject', onclick: () => act('reject', i)}, icon('cross')),
				h('button', {type: 'button', class: 'btn small', tabindex: -1, 'aria-label': 'Edit', onclick: () => act('edit', i)}, icon('edit'))));
			return item;
		}));
		replace(spanList, spans.length ? spans.map((s, i) => h('li', {class: 'item', tabindex: 0,
			'aria-label': `${s.label} ${source.text(s.start, s.end)}. Delete removes`,
			onkeydown: (ev) => { if (ev.key === 'Delete' || ev.key === 'Backspace') { ev.preventDefault(); remove(i); } }},
		h('span', {class: `tag l${labelIndex(s.label) % 8}`}, s.label), ' ',
		h('q', null, source.text(s.start, s.end) || `${s.start}–${s.end}`),
		h('button', {type: 'button', class: 'btn small', 'aria-label': `Remove ${s.label} span`, onclick: () => remove(i)}, icon('trash'))))
			: [h('li', {class: 'muted'}, 'None yet')]);
	}

	function remove(i) {
		const s = spans[i];
		spans.splice(i, 1);
		say(`Removed ${s.label} span`);
		changed();
		const next = spanList.querySelector('li[tabindex]');
		if (next) next.focus();
	}

	const side = h('div', {class: 'side'},
		h('h3', null, 'Label the selection'),
		h('p', null, 'Selection: ', selInfo),
		labelBar,
		labels.length ? null : h('p', {class: 'muted'}, 'The schema has no NER labels: an admin adds them in Admin.'),
		propHead, propList, spanHead, spanList);
	const el = h('div', {class: 'editor ner'}, view.el, side);
	view.showPage(0);
	renderLists();
	view.onSelection(null);

	return {
		el,
		view,
		result: () => ({spans: spans.map((s) => (typeof s.from === 'number' ? {start: s.start, end: s.end, label: s.label, from: s.from} : {start: s.start, end: s.end, label: s.label}))}),
		focus: () => view.body.focus(),
		key(ev) {
			if (/^[1-9]$/.test(ev.key) && labels[Number(ev.key) - 1]) { applyLabel(labels[Number(ev.key) - 1]); return true; }
			if (ev.key === 'a') { act('accept'); return true; }
			if (ev.key === 'r') { act('reject'); return true; }
			if (ev.key === 'e') { act('edit'); return true; }
			return false;
		},
		help: '1–9 label the selection · a accept, r reject, e edit the current proposal',
	};
}
