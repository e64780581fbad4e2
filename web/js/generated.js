/*
 * generated.js: the reviewer's screen of generated records (#/generated,
 * GET /api/records): a queue filtered by kind and status, 20 a page, the
 * current record in a view made for its kind (a Q&A pair with its evidence
 * highlighted in its context, an instruction, a paraphrase or a swapped /
 * synthetic text with its spans, a summary, a judge's score beside the
 * record it judged, label suggestions), its lineage, and the decisions:
 * accept (a), reject (r), back to proposed (u), edit (e; Ctrl+Enter saves,
 * Escape cancels) of qa, instruct, paraphrase and summary records, and
 * accept or reject every record of the page shown at once. Every change
 * names the version it saw: a record changed elsewhere is refused (409)
 * and reported, and Reload shows it as it is now.
 */
import {h, replace, icon, say, alertMsg, typing} from './dom.js';
import {get, api, post, qs} from './api.js';

const LIMIT = 20;
const EDITABLE = new Set(['qa', 'instruct', 'paraphrase', 'summary']);
const STATUSES = ['proposed', 'accepted', 'rejected'];

/* The code points [start, end) of `s`. */
const cps = (s) => Array.from(s || '');
const slice = (arr, a, b) => arr.slice(a, b).join('');

/*
 * `text` as nodes with `spans` ({start, end, label}, code points) marked;
 * overlapping spans after the first are left out of the marks.
 */
export function marked(text, spans, cls = 'mark') {
	const chars = cps(text);
	const out = [];
	let at = 0;
	const sorted = (spans || []).filter((s) => Number.isInteger(s.start) && Number.isInteger(s.end) && s.end > s.start && s.end <= chars.length)
		.sort((a, b) => a.start - b.start);
	const labels = [...new Set(sorted.map((s) => s.label))];
	for (const s of sorted) {
		if (s.start < at) continue;
		if (s.start > at) out.push(slice(chars, at, s.start));
		const li = labels.indexOf(s.label);
		out.push(h('mark', {class: `${cls} l${li % 8}`, title: s.label || undefined}, slice(chars, s.start, s.end),
			s.label ? h('span', {class: 'mark-label'}, ` ${s.label}`) : null));
		at = s.end;
	}
	if (at < chars.length) out.push(slice(chars, at));
	return out;
}

const field = (name, ...value) => h('div', {class: 'rec-field'}, h('h3', null, name), h('div', {class: 'rec-text'}, ...value));

/* The view of record `r` for its kind. */
function kindView(r, judged) {
	const p = r.payload || {};
	switch (r.kind) {
	case 'qa': {
		const ev = p.evidence || {};
		return [field('Question', p.question || ''), field('Answer', p.answer || r.text),
			field('Evidence in its context', ...(p.context ? marked(p.context, [{start: ev.start, end: ev.end, label: 'evidence'}], 'mark evid') : [ev.text || ''])),
			ev.text !== undefined ? h('p', {class: 'muted'}, `Evidence: code points ${ev.start}–${ev.end}`) : null];
	}
	case 'instruct':
		return [field('Instruction', p.instruction || ''), field('Input', p.input || h('span', {class: 'muted'}, '(none)')), field('Response', p.response || r.text)];
	case 'paraphrase':
		return [field('Paraphrase', ...marked(r.text, p.spans)), field('Source text', p.source_text || '')];
	case 'summary':
		return [field('Summary', r.text), h('p', {class: 'muted'}, `Of a source of ${p.source_chars ?? '?'} characters`)];
	case 'judge':
		return [h('p', {class: 'score'}, h('strong', null, `Score ${p.score ?? '?'} / 5`),
			p.criteria && typeof p.criteria === 'object' ? ` (${Object.entries(p.criteria).map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(', ')})` : ''),
		field('Rationale', r.text),
		h('div', {class: 'rec-field judged'}, h('h3', null, `Judged record ${p.record_id ?? ''}`),
			judged ? [h('p', null, h('span', {class: 'tag l0'}, judged.kind), ` ${judged.status} · `,
				h('a', {href: `#/generated${qs({kind: judged.kind, status: '', at: judged.id})}`}, `open record ${judged.id}`)),
			...kindView(judged, null)] : h('p', {class: 'muted'}, 'not found'))];
	case 'suggest-labels':
		return [field('Summary', r.text), field('Classes', (p.classes || []).join(', ') || h('span', {class: 'muted'}, '(none)')),
			field('Entities', h('ul', {class: 'items'}, (p.entities || []).map((e) => h('li', {class: 'item'},
				h('span', {class: 'tag l1'}, e.label), ' ', h('q', null, e.text || ''), h('span', {class: 'muted'}, ` ${e.start}–${e.end}`))))),
			h('p', {class: 'muted'}, `Offsets into the ${p.layer || 'original'} text${p.mapped_from ? ` (mapped from the ${p.mapped_from} text the model saw; the quoted texts are that text's)` : ''}; decided in the annotation view (the review of the document's annotations)`)];
	default:
		return [field('Text', ...marked(r.text, p.spans)),
			Array.isArray(p.spans) ? null : h('details', null, h('summary', null, 'Payload'), h('pre', {class: 'rec-json'}, JSON.stringify(p, null, 2)))];
	}
}

/* The lineage: what made the record, from which source, and who edited it. */
function lineageView(r) {
	const l = r.lineage || {};
	const rows = [];
	const add = (k, v) => { if (v !== undefined && v !== null && v !== '') rows.push(h('dt', null, k), h('dd', null, v)); };
	add('Generator', [l.generator, l.version].filter(Boolean).join(' '));
	add('Endpoint', l.endpoint && `${l.endpoint}${l.kind ? ` (${l.kind})` : ''}`);
	add('Model', l.model);
	add('Model digest', l.model_digest);
	if (l.template) add('Template', `${l.template.name || ''} sha256 ${(l.template.sha256 || '').slice(0, 16)}…`);
	if (l.sampling) add('Sampling', Object.entries(l.sampling).map(([k, v]) => `${k} ${v}`).join(', '));
	add('Seed', l.seed !== undefined ? String(l.seed) : undefined);
	if (l.params) add('Parameters', JSON.stringify(l.params));
	const doc = r.document || (l.source && l.source.document_id);
	add('Source', doc ? h('span', null, h('a', {href: `#/doc/${doc}`}, `document ${doc}`), r.chunk >= 0 ? `, chunk ${r.chunk}` : ', whole document') : 'none (synthetic)');
	add('Source text sha256', r.source_sha256 ? `${r.source_sha256.slice(0, 16)}…` : (l.source && l.source.chunk_sha256 ? `${l.source.chunk_sha256.slice(0, 16)}…` : undefined));
	add('Created', r.created);
	if (l.tokens) add('Tokens', `prompt ${l.tokens.prompt}, completion ${l.tokens.completion}`);
	if (Array.isArray(l.edits) && l.edits.length) add('Edits', h('ul', {class: 'plain'}, l.edits.map((e) => h('li', null, `${e.by} at ${e.at}: ${(e.fields || []).join(', ')}`))));
	return h('section', {class: 'lineage', 'aria-label': 'Lineage'}, h('h3', null, 'Lineage'), h('dl', null, rows));
}

/* The edit form of `r` (an editable kind): {el, changes(), focus()}. */
function editForm(r, onSave, onCancel) {
	const p = r.payload || {};
	const inputs = [];
	const area = (id, label, value, rows = 3) => {
		const t = h('textarea', {id, rows, value: value || ''});
		inputs.push(t);
		return h('div', {class: 'field'}, h('label', {for: id}, label), t);
	};
	const num = (id, label, value) => {
		const t = h('input', {type: 'number', id, min: 0, value: value ?? ''});
		return [h('label', {for: id}, label), t];
	};
	let parts;
	let changes;
	if (r.kind === 'qa') {
		const ev = p.evidence || {};
		const [sl, s] = num('ed-ev-start', 'Evidence start', ev.start);
		const [el, e] = num('ed-ev-end', 'Evidence end', ev.end);
		parts = [area('ed-question', 'Question', p.question, 2), area('ed-answer', 'Answer', p.answer),
			h('div', {class: 'field row'}, sl, s, el, e, h('span', {class: 'muted'}, '(code points of the context)'))];
		changes = () => {
			const payload = {};
			const q = document.getElementById('ed-question').value, a = document.getElementById('ed-answer').value;
			if (q !== p.question) payload.question = q;
			if (a !== p.answer) payload.answer = a;
			if (Number(s.value) !== ev.start || Number(e.value) !== ev.end) payload.evidence = {start: Number(s.value), end: Number(e.value)};
			return {payload};
		};
	} else if (r.kind === 'instruct') {
		parts = [area('ed-instruction', 'Instruction', p.instruction, 2), area('ed-input', 'Input', p.input, 2), area('ed-response', 'Response', p.response, 4)];
		changes = () => {
			const payload = {};
			for (const k of ['instruction', 'input', 'response']) {
				const v = document.getElementById(`ed-${k}`).value;
				if (v !== (p[k] || '')) payload[k] = v;
			}
			return {payload};
		};
	} else {
		parts = [area('ed-text', r.kind === 'summary' ? 'Summary' : 'Paraphrase', r.text, 5),
			r.kind === 'paraphrase' ? h('p', {class: 'muted'}, 'Spans move with their text; a span whose text is gone is dropped.') : null];
		changes = () => {
			const t = document.getElementById('ed-text').value;
			return t !== r.text ? {text: t} : {};
		};
	}
	const el = h('form', {class: 'rec-edit card', 'aria-label': `Edit record ${r.id}`, onsubmit: (ev) => { ev.preventDefault(); onSave(); },
		onkeydown: (ev) => {
			if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); onSave(); }
			if (ev.key === 'Escape') { ev.preventDefault(); onCancel(); }
		}},
	h('h3', null, `Edit record ${r.id}`), parts,
	h('div', {class: 'review-bar'},
		h('button', {type: 'submit', class: 'btn primary', 'aria-keyshortcuts': 'Control+Enter'}, icon('check'), 'Save'),
		h('button', {type: 'button', class: 'btn', 'aria-keyshortcuts': 'Escape', onclick: onCancel}, 'Cancel'),
		h('span', {class: 'muted'}, 'Ctrl+Enter saves, Escape cancels')));
	return {el, changes: () => {
		const c = changes();
		if (c.payload && !Object.keys(c.payload).length) delete c.payload;
		return c;
	}, focus: () => inputs[0] && inputs[0].focus()};
}

export async function generatedScreen(main, app, params) {
	const kind = params.get('kind') || '';
	const status = params.has('status') ? params.get('status') : 'proposed';
	const offset = Math.max(0, Number(params.get('offset')) || 0);
	const at = Number(params.get('at')) || 0;
	const title = h('h1', {tabindex: -1}, 'Generated records');
	replace(main, title, h('p', {class: 'muted'}, 'Loading…'));
	let data;
	try {
		data = await get(`/api/records${qs({kind, status, offset, limit: LIMIT})}`);
	} catch (e) {
		alertMsg(`Cannot list the records: ${e.message}`);
		return;
	}
	const records = data.records || [];
	let cur = Math.max(0, records.findIndex((r) => r.id === at));
	let editing = null;
	const go = (p) => { location.hash = `#/generated${qs({kind, status, offset, ...p})}`; };

	/* Filters: the kinds with their counts, the status. */
	const kinds = Object.keys(data.counts || {}).sort();
	const kindSel = h('select', {id: 'gen-kind', onchange: () => go({kind: kindSel.value, offset: 0, at: ''})},
		h('option', {value: ''}, 'every kind'),
		kinds.map((k) => {
			const c = data.counts[k];
			return h('option', {value: k, selected: k === kind}, `${k} (${c.proposed} proposed, ${c.accepted} accepted, ${c.rejected} rejected)`);
		}));
	const statusSel = h('select', {id: 'gen-status', onchange: () => go({status: statusSel.value, offset: 0, at: ''})},
		h('option', {value: ''}, 'any status'), STATUSES.map((s) => h('option', {value: s, selected: s === status}, s)));
	const filters = h('form', {class: 'search', role: 'search', 'aria-label': 'Filter the records', onsubmit: (ev) => ev.preventDefault()},
		h('label', {for: 'gen-kind'}, 'Kind'), kindSel, h('label', {for: 'gen-status'}, 'Status'), statusSel);

	const list = h('ol', {class: 'items queue', 'aria-label': 'Records of this page'});
	const detail = h('section', {class: 'rec-detail', 'aria-label': 'The record', 'aria-live': 'off'});
	const bulk = h('div', {class: 'review-bar', role: 'group', 'aria-label': 'This page'},
		h('button', {type: 'button', class: 'btn', id: 'bulk-accept', disabled: !records.length, onclick: () => decideAll('accept')}, icon('check'), `Accept all ${records.length} on this page`),
		h('button', {type: 'button', class: 'btn danger', id: 'bulk-reject', disabled: !records.length, onclick: () => decideAll('reject')}, icon('cross'), `Reject all ${records.length} on this page`));
	const pager = h('div', {class: 'pager'},
		offset > 0 ? h('a', {class: 'btn small', href: `#/generated${qs({kind, status, offset: Math.max(0, offset - LIMIT)})}`}, icon('prev'), 'Previous') : null,
		h('span', {class: 'pager-info'}, data.total ? `${offset + 1}–${offset + records.length} of ${data.total}` : ''),
		offset + LIMIT < data.total ? h('a', {class: 'btn small', href: `#/generated${qs({kind, status, offset: offset + LIMIT})}`}, 'Next', icon('next')) : null);

	function renderList() {
		replace(list, records.length ? records.map((r, i) => h('li', {class: `item rec ${r.status}${i === cur ? ' cur' : ''}`, tabindex: i === cur ? 0 : -1,
			dataset: {id: r.id}, 'aria-current': i === cur ? 'true' : undefined,
			'aria-label': `Record ${r.id}, ${r.kind}, ${r.status}`,
			onclick: () => select(i), onfocus: () => { if (cur !== i) select(i); }},
		h('span', {class: 'tag l0'}, r.kind), ' ', h('span', {class: 'rec-snippet'}, (r.kind === 'qa' && r.payload.question) || r.text),
		h('span', {class: 'state'}, r.status)))
			: [h('li', {class: 'empty'}, 'No record here.')]);
	}

	async function renderDetail() {
		const r = records[cur];
		if (!r) { replace(detail); return; }
		let judged = null;
		if (r.kind === 'judge' && Number.isInteger(r.payload.record_id)) judged = await get(`/api/records/${r.payload.record_id}`).catch(() => null);
		if (records[cur] !== r) return; /* moved on while it loaded */
		const acts = h('div', {class: 'review-bar', role: 'group', 'aria-label': 'Decision'},
			h('button', {type: 'button', class: 'btn primary', 'aria-keyshortcuts': 'a', onclick: () => decide('accept')}, icon('check'), 'Accept'),
			h('button', {type: 'button', class: 'btn danger', 'aria-keyshortcuts': 'r', onclick: () => decide('reject')}, icon('cross'), 'Reject'),
			EDITABLE.has(r.kind) ? h('button', {type: 'button', class: 'btn', 'aria-keyshortcuts': 'e', onclick: () => edit()}, icon('edit'), 'Edit') : null,
			r.status !== 'proposed' ? h('button', {type: 'button', class: 'btn', 'aria-keyshortcuts': 'u', onclick: () => decide('reset')}, 'Back to proposed') : null,
			h('button', {type: 'button', class: 'btn', hidden: true, id: 'rec-reload', onclick: () => reload()}, 'Reload'));
		replace(detail,
			h('h2', {id: 'rec-title', tabindex: -1}, `Record ${r.id} · ${r.kind} · `, h('span', {class: `status-${r.status}`}, r.status)),
			acts, editing ? editing.el : null, h('div', {class: 'rec-view'}, kindView(r, judged)), lineageView(r));
	}

	/* Make record i the current one; the list is rebuilt, so the focus goes to its item. */
	function select(i) {
		if (i < 0 || i >= records.length) return;
		cur = i;
		editing = null;
		renderList();
		renderDetail();
		const li = list.querySelector(`li[data-id="${records[i].id}"]`);
		if (li) li.focus();
	}

	function conflict(e) {
		if (e.status !== 409) { alertMsg(`Not saved: ${e.message}`); return; }
		alertMsg(`Not saved: record ${records[cur].id} changed elsewhere (Reload shows it as it is now)`);
		const b = document.getElementById('rec-reload');
		if (b) { b.hidden = false; b.focus(); }
	}

	async function reload() {
		const r = await get(`/api/records/${records[cur].id}`);
		records[cur] = r;
		editing = null;
		alertMsg('');
		renderList();
		await renderDetail();
		say(`Record ${r.id} reloaded`);
	}

	async function decide(decision) {
		const r = records[cur];
		if (!r) return;
		try {
			records[cur] = await post(`/api/records/${r.id}/review`, {decision, version: r.version});
		} catch (e) { conflict(e); return; }
		say(`Record ${r.id}: ${records[cur].status}`);
		editing = null;
		const next = records.findIndex((x, i) => i > cur && x.status === 'proposed');
		if (decision !== 'reset' && next >= 0) select(next);
		else { renderList(); renderDetail(); const li = list.querySelector(`li[data-id="${r.id}"]`); if (li) li.focus(); }
	}

	function edit() {
		const r = records[cur];
		if (!r || !EDITABLE.has(r.kind)) { say('Records of this kind are accepted or rejected, not edited'); return; }
		editing = editForm(r, save, () => { editing = null; renderDetail().then(() => { const li = list.querySelector(`li[data-id="${r.id}"]`); if (li) li.focus(); }); });
		renderDetail().then(() => editing && editing.focus());
	}

	async function save() {
		const r = records[cur];
		const c = editing.changes();
		if (!c.text && !c.payload) { say('Nothing changed'); return; }
		try {
			records[cur] = await api('PATCH', `/api/records/${r.id}`, {version: r.version, ...c});
		} catch (e) { conflict(e); return; }
		editing = null;
		say(`Record ${r.id} saved`);
		renderList();
		await renderDetail();
		const li = list.querySelector(`li[data-id="${r.id}"]`);
		if (li) li.focus();
	}

	async function decideAll(decision) {
		if (!records.length) return;
		try {
			const res = await post('/api/records/review', {decision, records: records.map((r) => ({id: r.id, version: r.version}))});
			say(`${res.changed} record${res.changed === 1 ? '' : 's'} ${decision === 'accept' ? 'accepted' : 'rejected'}`);
		} catch (e) {
			alertMsg(e.status === 409 ? `Nothing changed: a record of this page changed elsewhere (${e.message}); the page is reloaded` : `Not done: ${e.message}`);
		}
		app.route();
	}

	replace(main,
		h('div', {class: 'task-head'}, title, h('span', {class: 'muted'}, `${data.total} record${data.total === 1 ? '' : 's'}`)),
		filters,
		h('p', {class: 'keys'}, 'Keys: ↑ ↓ (or j k) move · a accept · r reject · e edit · u back to proposed · in the editor Ctrl+Enter saves, Escape cancels'),
		bulk,
		h('div', {class: 'gen'}, h('div', {class: 'gen-list'}, list, pager), detail));
	renderList();
	await renderDetail();
	app.setKeys((ev) => {
		if (editing || typing(ev) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
		if (ev.target && ev.target.closest && ev.target.closest('select')) return;
		const k = ev.key;
		if (k === 'ArrowDown' || k === 'j') { ev.preventDefault(); select(cur + 1); }
		else if (k === 'ArrowUp' || k === 'k') { ev.preventDefault(); select(cur - 1); }
		else if (k === 'a') { ev.preventDefault(); decide('accept'); }
		else if (k === 'r') { ev.preventDefault(); decide('reject'); }
		else if (k === 'u') { ev.preventDefault(); decide('reset'); }
		else if (k === 'e') { ev.preventDefault(); edit(); }
	});
	const li = list.querySelector('li[tabindex="0"]');
	if (li) li.focus(); else title.focus();
}
