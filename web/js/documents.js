/*
 * documents.js: the document list (paged, searchable) and a read-only
 * document viewer (text paged by blocks, its detected spans highlighted).
 */
import {baseName, h, replace, icon, alertMsg} from './dom.js';
import {get, qs} from './api.js';
import {BlockSource, TextView} from './textview.js';

const LIMIT = 50;

export async function documentsScreen(main, app, params) {
	const offset = Math.max(0, Number(params.get('offset')) || 0);
	const q = params.get('q') || '';
	const title = h('h1', {tabindex: -1}, 'Documents');
	let data;
	try {
		data = await get(`/api/documents${qs({offset, limit: LIMIT, q})}`);
	} catch (e) {
		alertMsg(`Cannot list documents: ${e.message}`);
		return;
	}
	const search = h('input', {type: 'search', id: 'doc-q', value: q, autocomplete: 'off'});
	const form = h('form', {class: 'search', role: 'search', onsubmit: (ev) => {
		ev.preventDefault();
		location.hash = `#/documents${qs({q: search.value.trim()})}`;
	}}, h('label', {for: 'doc-q'}, 'Search titles'), search, h('button', {type: 'submit', class: 'btn'}, 'Search'));
	const docs = data.documents || [];
	const table = h('table', {class: 'grid'},
		h('caption', null, `${data.total} document${data.total === 1 ? '' : 's'}`),
		h('thead', null, h('tr', null, ['Id', 'Title', 'Format', 'Pages', 'Blocks', 'Status'].map((c) => h('th', {scope: 'col'}, c)))),
		h('tbody', null, docs.map((d) => h('tr', null,
			h('td', null, String(d.id)),
			h('td', null, h('a', {href: `#/doc/${d.id}`}, d.title || baseName(d.path) || `(untitled ${d.id})`)),
			h('td', null, d.format || ''), h('td', {class: 'num'}, String(d.pages ?? '')),
			h('td', {class: 'num'}, String(d.blocks ?? '')), h('td', null, d.status || '')))));
	const nav = h('div', {class: 'pager'},
		offset > 0 ? h('a', {class: 'btn small', href: `#/documents${qs({offset: Math.max(0, offset - LIMIT), q})}`}, icon('prev'), 'Previous') : null,
		h('span', {class: 'pager-info'}, data.total ? `${offset + 1}–${offset + docs.length} of ${data.total}` : ''),
		offset + LIMIT < data.total ? h('a', {class: 'btn small', href: `#/documents${qs({offset: offset + LIMIT, q})}`}, 'Next', icon('next')) : null);
	const start = h('nav', {class: 'starts', 'aria-label': 'Start a task'},
		h('h2', null, 'Start labelling'),
		['ner', 'class', 'box', 'qa'].map((t) => h('a', {class: 'btn', href: `#/task/${t}`}, {ner: 'Entities', class: 'Classification', box: 'Boxes', qa: 'Q&A'}[t])));
	replace(main, title, start, form, table, nav);
	title.focus();
}

export async function docScreen(main, app, id) {
	const doc = await get(`/api/documents/${encodeURIComponent(id)}`);
	const source = new BlockSource(doc);
	const spans = doc.spans || [];
	const view = new TextView({source, selectable: false, label: `Text of ${doc.title || 'the document'}`,
		ranges: () => spans.map((s) => ({start: s.start, end: s.end, label: s.label, cls: s.status === 'accepted' ? 'span l0' : 'prop'}))});
	const title = h('h1', {tabindex: -1}, doc.title || baseName(doc.path) || `Document ${doc.id}`);
	replace(main, title,
		h('p', {class: 'muted'}, [doc.format, doc.language, `${source.total} blocks`, `${(doc.pages || []).length} pages`, `${spans.length} detected spans`].filter(Boolean).join(' · ')),
		view.el);
	await view.showPage(0);
	title.focus();
}
