/*
 * classify.js: classification of a document or of one block, single or
 * multi-label from the schema's "classes". Number keys toggle labels.
 * The classes an LLM suggested (suggest-labels records) are listed as
 * proposals to accept (the label is chosen) or reject; they are decided
 * when the annotation is reviewed. Result: {"labels": [...]}.
 */
import {h, replace, icon, say} from './dom.js';
import {TextView, PAGE} from './textview.js';

export function classEditor({doc, source, schema, task, result, onChange, suggestions}) {
	const cls = (schema && schema.classes) || {name: 'class', multi: false, labels: []};
	const labels = cls.labels || [];
	const multi = Boolean(cls.multi);
	let chosen = new Set(((result && result.labels) || []).filter((l) => labels.includes(l)));
	/* a block task names the block by its reading-order number (seq) */
	const blockTask = Boolean(task && task.block !== null && task.block !== undefined);
	let block = blockTask ? (doc.blocks || []).find((b) => b.seq === task.block) || null : null;

	const view = new TextView({
		source,
		selectable: false,
		label: blockTask ? 'Document text, the block to classify is highlighted' : 'Document text',
		ranges: () => (block ? [{start: block.start, end: block.end, cls: 'target'}] : []),
	});
	const name = `cls-${task ? task.id : 'x'}`;
	const inputs = labels.map((l, i) => h('input', {type: multi ? 'checkbox' : 'radio', name, value: l, id: `${name}-${i}`,
		checked: chosen.has(l), onchange: () => sync()}));
	function sync() {
		chosen = new Set(inputs.filter((x) => x.checked).map((x) => x.value));
		renderSuggestions();
		onChange();
	}
	/* The LLM's suggested classes: one item per label, with the models that suggested it. */
	const sugg = new Map();
	for (const sg of suggestions || []) for (const c of sg.classes || []) {
		if (typeof c !== 'string') continue;
		if (!sugg.has(c)) sugg.set(c, new Set());
		sugg.get(c).add(sg.model || 'LLM');
	}
	const rejected = new Set();
	const suggList = h('ul', {class: 'items', 'aria-label': 'Suggested classes'});
	function decideSuggestion(label, accept) {
		const x = inputs[labels.indexOf(label)];
		if (accept) {
			if (!x) { say(`${label} is not a label of the schema`); return; }
			if (!multi) for (const y of inputs) y.checked = false;
			x.checked = true;
			rejected.delete(label);
			say(`Accepted the suggested class ${label}`);
		} else {
			if (x) x.checked = false;
			rejected.add(label);
			say(`Rejected the suggested class ${label}`);
		}
		sync();
	}
	function renderSuggestions() {
		replace(suggList, [...sugg].map(([label, models]) => {
			const st = chosen.has(label) ? 'accepted' : rejected.has(label) ? 'rejected' : labels.includes(label) ? 'pending' : 'not in the schema';
			return h('li', {class: `item ${st === 'not in the schema' ? 'pending' : st}`, dataset: {label}},
				h('span', {class: 'llm'}, `LLM ${[...models].join(', ')}`), ' ', label,
				h('span', {class: 'state'}, st),
				h('span', {class: 'acts'},
					h('button', {type: 'button', class: 'btn small', 'aria-label': `Accept suggested class ${label}`, disabled: !labels.includes(label), onclick: () => decideSuggestion(label, true)}, icon('check')),
					h('button', {type: 'button', class: 'btn small', 'aria-label': `Reject suggested class ${label}`, onclick: () => decideSuggestion(label, false)}, icon('cross'))));
		}));
	}
	const fs = h('fieldset', {class: 'choices'},
		h('legend', null, `${cls.name || 'Class'}${multi ? ' (any number)' : ' (one)'}`),
		labels.map((l, i) => h('label', {class: 'choice', for: `${name}-${i}`}, inputs[i], ' ', i < 9 ? h('kbd', null, String(i + 1)) : null, ' ', l)),
		labels.length ? null : h('p', {class: 'muted'}, 'The schema has no classes: an admin adds them in Admin.'));
	const quote = h('blockquote', {class: 'target-text', hidden: !blockTask}, block ? block.text : '');
	const el = h('div', {class: 'editor class'}, view.el, h('div', {class: 'side'},
		h('h3', null, blockTask ? `Classify block ${task.block + 1}` : 'Classify the document'), quote, fs,
		sugg.size ? [h('h3', null, 'Suggested by an LLM'), suggList] : null));
	renderSuggestions();
	if (blockTask && !block) {
		/* past the blocks that came with the document: fetch it, show its page */
		source.range(task.block, 1).then(([b]) => {
			if (!b) return;
			block = b;
			quote.textContent = b.text;
			view.showPage(Math.floor(task.block / PAGE));
		});
	} else {
		view.showPage(blockTask ? Math.floor(task.block / PAGE) : 0);
	}
	return {
		el,
		view,
		result: () => ({labels: labels.filter((l) => chosen.has(l))}),
		focus: () => (inputs[0] || view.body).focus(),
		key(ev) {
			if (!/^[1-9]$/.test(ev.key)) return false;
			const x = inputs[Number(ev.key) - 1];
			if (!x) return false;
			x.checked = multi ? !x.checked : true;
			x.focus();
			sync();
			say(`${x.value} ${x.checked ? 'chosen' : 'cleared'}`);
			return true;
		},
		help: '1–9 choose a label',
	};
}
