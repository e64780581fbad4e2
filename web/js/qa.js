/*
 * qa.js: question and answer pairs with their evidence: a span of the
 * document text selected with the mouse or the keyboard.
 * Result: {"pairs": [{"question", "answer", "evidence": {"start", "end"}}]}.
 */
import {h, replace, icon, say} from './dom.js';
import {TextView} from './textview.js';

export function qaEditor({source, result, onChange}) {
	let pairs = ((result && result.pairs) || []).map((p) => ({...p}));
	const view = new TextView({
		source,
		label: 'Document text: select the evidence',
		ranges: () => pairs.filter((p) => p.evidence).map((p, i) => ({start: p.evidence.start, end: p.evidence.end, cls: 'evid', label: `Q${i + 1}`})),
		onSelection: (sel) => { evid.textContent = sel ? `“${source.text(sel.start, sel.end)}”` : 'none: select it in the text'; },
	});
	const evid = h('span', {class: 'selinfo', id: 'qa-evidence'}, 'none: select it in the text');
	const q = h('input', {type: 'text', id: 'qa-q', required: true, autocomplete: 'off'});
	const a = h('textarea', {id: 'qa-a', rows: 3, required: true});
	const list = h('ol', {class: 'items', 'aria-label': 'Question and answer pairs'});
	const form = h('form', {class: 'qa-form', onsubmit: (ev) => { ev.preventDefault(); add(); }},
		h('label', {for: 'qa-q'}, 'Question'), q,
		h('label', {for: 'qa-a'}, 'Answer'), a,
		h('p', null, 'Evidence: ', evid),
		h('button', {type: 'submit', class: 'btn'}, icon('plus'), 'Add pair'));

	function add() {
		const sel = view.selection;
		if (!q.value.trim() || !a.value.trim()) { say('Write a question and an answer'); return; }
		if (!sel) { say('Select the evidence in the text first'); return; }
		pairs.push({question: q.value.trim(), answer: a.value.trim(), evidence: {start: sel.start, end: sel.end}});
		q.value = '';
		a.value = '';
		view.selection = null;
		view.onSelection(null);
		say(`Pair ${pairs.length} added`);
		changed();
		q.focus();
	}
	function changed() { view.render(); renderList(); onChange(); }
	function renderList() {
		replace(list, pairs.length ? pairs.map((p, i) => h('li', {class: 'item qa'},
			h('div', null, h('strong', null, 'Q: '), p.question),
			h('div', null, h('strong', null, 'A: '), p.answer),
			p.evidence ? h('div', {class: 'muted'}, 'Evidence: ', h('q', null, source.text(p.evidence.start, p.evidence.end) || `${p.evidence.start}–${p.evidence.end}`)) : null,
			h('button', {type: 'button', class: 'btn small', 'aria-label': `Remove pair ${i + 1}`, onclick: () => { pairs.splice(i, 1); say(`Pair ${i + 1} removed`); changed(); }}, icon('trash'), 'Remove')))
			: [h('li', {class: 'muted'}, 'No pairs yet')]);
	}
	const el = h('div', {class: 'editor qa'}, view.el, h('div', {class: 'side'}, h('h3', null, 'New pair'), form, h('h3', null, 'Pairs'), list));
	view.showPage(0);
	renderList();
	return {
		el,
		view,
		result: () => ({pairs: pairs.map((p) => ({question: p.question, answer: p.answer, evidence: p.evidence}))}),
		focus: () => view.body.focus(),
		key: () => false,
		help: 'select the evidence in the text, write the question and answer, Enter adds the pair',
	};
}
