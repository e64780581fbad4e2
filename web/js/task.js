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

/*
 * The label suggestions of an LLM for the document of a whole-document ner
 * or class task (GET /api/documents/ID/suggestions): shown as proposals.
 * None when they cannot be read: the task works without them.
 */
async function suggestionsOf(type, doc, task) {
	if ((type !== 'ner' && type !== 'class') || (task && task.block !== null && task.block !== undefined)) return [];
	try {
		const r = await get(`/api/documents/${doc.id}/suggestions`);
		return (r && r.suggestions) || [];
	} catch (e) {
		return [];
	}
}

/* The editor of `type` for document `doc`, with `result` loaded. */
export async function openEditor(type, doc, schema, task, result, onChange) {
	const make = EDITORS[type];
	if (!make) throw new Error(`unknown task type '${type}'`);
	const suggestions = await suggestionsOf(type, doc, task);
	return make({doc, source: new BlockSource(doc), schema, task, result, onChange, suggestions});
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
		this.conflict = false;
		this.onConflict = null;
		/* a failed autosave is reported in the save state, not thrown */
		this.later = debounce(() => this.send(false).catch(() => {}), SAVE_DELAY);
	}

	changed() {
		this.dirty = true;
		if (this.conflict) return; /* saving again would only be refused again */
		this.show('Unsaved changes');
		this.later();
	}

	/* The page is going away: send a pending draft with keepalive. */
	unload() {
		if (!this.dirty || this.conflict) return;
		this.later.cancel();
		const body = {task: this.task.id, result: this.getResult(), submit: false};
		if (this.version !== undefined) body.version = this.version;
		post('/api/annotations', body, {keepalive: true}).catch(() => {});
	}

	/* Queue one POST; saves never overlap, so each carries the last version. */
	send(submit) {
		const p = this.chain.then(async () => {
			if (!submit && (!this.dirty || this.conflict)) return null;
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
				if (e.status === 409) this.conflict = true;
				this.show(e.status === 409 ? 'Not saved: the annotation changed elsewhere (Reload shows it)' : `Not saved: ${e.message}`);
				if (this.onConflict && e.status === 409) this.onConflict();
				throw e;
			}
		});
		/* the next save waits for this one, whether it failed or not */
		this.chain = p.catch(() => {});
		return p;
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
	const reloadBtn = h('button', {type: 'button', class: 'btn', hidden: true, onclick: () => app.route()}, 'Reload');
	drafts.onConflict = () => { reloadBtn.hidden = false; reloadBtn.focus(); };
	const onHide = () => drafts.unload();
	window.addEventListener('pagehide', onHide);
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
			h('span', {class: 'muted'}, `Task ${task.id}`), saveState, reloadBtn, submitBtn),
		h('p', {class: 'keys', id: 'task-keys'}, `Keys: ${editor.help} · Ctrl+Enter submits`),
		editor.el);
	app.setKeys((ev) => {
		if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); submit(); return; }
		if (typing(ev)) return;
		if (ev.ctrlKey && !ev.key.startsWith('Arrow')) return;
		if (ev.metaKey || (ev.altKey && !ev.key.startsWith('Arrow'))) return;
		if (editor.key(ev)) ev.preventDefault();
	});
	app.onLeave(() => {
		window.removeEventListener('pagehide', onHide);
		if (drafts.dirty && !drafts.conflict) drafts.later.flush();
	});
	editor.focus();
}
