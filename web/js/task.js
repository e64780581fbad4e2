/*
 * task.js: the task screen. Takes the caller's next task of a type
 * (GET /api/tasks/next?type=), opens the editor for it, saves drafts
 * automatically (POST /api/annotations, submit false, debounced, with the
 * version last seen) and submits (Ctrl+Enter or the Submit button).
 */
import {baseName, h, replace, icon, say, alertMsg, debounce, typing} from './dom.js';
import {get, post, qs} from './api.js';
import {BlockSource} from './textview.js';
import {nerEditor} from './ner.js';
import {classEditor} from './classify.js';
import {boxEditor} from './boxes.js';
import {qaEditor} from './qa.js';

export const EDITORS = {ner: nerEditor, class: classEditor, box: boxEditor, qa: qaEditor};
export const TYPE_NAMES = {ner: 'Entities (NER)', class: 'Classification', box: 'Boxes', qa: 'Questions and answers'};
export const SAVE_DELAY = 800;

/* The editor of `type` for document `doc`, with `result` loaded. */
export async function openEditor(type, doc, schema, task, result, onChange) {
	const make = EDITORS[type];
	if (!make) throw new Error(`unknown task type '${type}'`);
	return make({doc, source: new BlockSource(doc), schema, task, result, onChange});
}

/* Draft saving for one task: save() schedules, flush() saves now, submit(). */
class Drafts {
	constructor(task, getResult, show) {
		this.task = task;
		this.getResult = getResult;
		this.show = show;
		this.version = task.draft ? task.draft.version : undefined;
		this.chain = Promise.resolve();
		this.dirty = false;
		this.failed = false;
		this.later = debounce(() => this.send(false), SAVE_DELAY);
	}

	changed() {
		this.dirty = true;
		this.show('Unsaved changes');
		this.later();
	}

	/* Queue one POST; saves never overlap, so each carries the last version. */
	send(submit) {
		this.chain = this.chain.then(async () => {
			if (!submit && !this.dirty) return null;
			this.dirty = false;
			this.show(submit ? 'Submitting…' : 'Saving…');
			const body = {task: this.task.id, result: this.getResult(), submit};
			if (this.version !== undefined) body.version = this.version;
			try {
				const r = await post('/api/annotations', body);
				this.version = r.version;
				this.failed = false;
				this.show(submit ? 'Submitted' : `Draft saved ${new Date().toLocaleTimeString()}`);
				return r;
			} catch (e) {
				this.dirty = true;
				this.failed = true;
				this.show(e.status === 409 ? 'Not saved: changed elsewhere (reload the task)' : `Not saved: ${e.message}`);
				throw e;
			}
		});
		return this.chain;
	}

	async submit() {
		this.later.cancel();
		return this.send(true);
	}
}

export async function taskScreen(main, app, type) {
	const title = h('h1', {id: 'task-title', tabindex: -1}, TYPE_NAMES[type] || type);
	replace(main, title, h('p', {class: 'muted'}, 'Loading the next task…'));
	let task;
	try {
		task = await get(`/api/tasks/next${qs({type})}`);
	} catch (e) {
		alertMsg(`Cannot get a task: ${e.message}`);
		return;
	}
	if (!task) {
		replace(main, title, h('p', {class: 'empty'}, 'No task of this type is waiting for you.'),
			h('p', null, h('a', {href: '#/documents'}, 'Back to the documents')));
		title.focus();
		return;
	}
	const [doc, schema] = await Promise.all([get(`/api/documents/${task.document}`), app.schema()]);
	const saveState = h('span', {class: 'save-state', role: 'status'}, task.draft ? 'Draft loaded' : 'Not saved yet');
	let drafts = null;
	const editor = await openEditor(type, doc, schema, task, task.draft ? task.draft.result : null, () => drafts.changed());
	drafts = new Drafts(task, () => editor.result(), (m) => { saveState.textContent = m; });

	const submitBtn = h('button', {type: 'button', class: 'btn primary', 'aria-keyshortcuts': 'Control+Enter', onclick: () => submit()}, icon('send'), 'Submit');
	async function submit() {
		submitBtn.disabled = true;
		try {
			await drafts.submit();
			say('Submitted: the next task is loading');
			app.route();
		} catch (e) {
			alertMsg(`Submit failed: ${e.message}`);
			submitBtn.disabled = false;
		}
	}
	replace(main,
		h('div', {class: 'task-head'}, title,
			h('span', {class: 'doc-title'}, h('span', {class: 'muted'}, 'Document: '), doc.title || baseName(doc.path) || `#${doc.id}`),
			h('span', {class: 'muted'}, `Task ${task.id}`), saveState, submitBtn),
		h('p', {class: 'keys', id: 'task-keys'}, `Keys: ${editor.help} · Ctrl+Enter submits`),
		editor.el);
	app.setKeys((ev) => {
		if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); submit(); return; }
		if (typing(ev)) return;
		if (ev.ctrlKey && !ev.key.startsWith('Arrow')) return;
		if (ev.metaKey || (ev.altKey && !ev.key.startsWith('Arrow'))) return;
		if (editor.key(ev)) ev.preventDefault();
	});
	app.onLeave(() => { if (drafts.dirty) drafts.later.flush(); });
	editor.focus();
}
