/*
 * review.js: the reviewer's screen. Takes the next submitted annotation
 * (GET /api/review/next), shows it in its task's editor, and sends the
 * decision (POST /api/review): accept, reject, or correct (the edited result).
 */
import {baseName, h, replace, icon, say, alertMsg, typing} from './dom.js';
import {get, post, qs} from './api.js';
import {openEditor, TYPE_NAMES} from './task.js';

/*
 * The task an annotation belongs to: from the annotation when the server
 * put it there, else from GET /api/tasks?user= (paged through; the
 * annotation names only the task's id).
 */
async function taskOf(ann) {
	const t = ann.task && typeof ann.task === 'object' ? ann.task : {id: ann.task};
	const type = t.type || ann.type;
	const document = t.document ?? ann.document;
	if (type && document !== undefined) return {id: t.id, type, document, block: t.block ?? ann.block ?? null};
	const user = ann.user && typeof ann.user === 'object' ? ann.user.id : ann.user;
	const LIMIT = 200;
	for (let offset = 0; offset < 100000; offset += LIMIT) {
		const r = await get(`/api/tasks${qs({user, offset, limit: LIMIT})}`);
		const list = Array.isArray(r) ? r : (r && r.tasks) || [];
		const found = list.find((x) => x.id === t.id);
		if (found) return found;
		if (list.length < LIMIT) break;
	}
	throw new Error(`task ${t.id} of annotation ${ann.id} not found`);
}

export async function reviewScreen(main, app) {
	const title = h('h1', {tabindex: -1}, 'Review');
	replace(main, title, h('p', {class: 'muted'}, 'Loading…'));
	let ann;
	try {
		ann = await get('/api/review/next');
	} catch (e) {
		alertMsg(`Cannot get an annotation to review: ${e.message}`);
		return;
	}
	if (!ann) {
		replace(main, title, h('p', {class: 'empty'}, 'Nothing is waiting for review.'));
		title.focus();
		return;
	}
	const task = await taskOf(ann);
	const [doc, schema] = await Promise.all([get(`/api/documents/${task.document}`), app.schema()]);
		const correctBtn = h('button', {type: 'button', class: 'btn', disabled: true, onclick: () => decide('correct')}, icon('edit'), 'Save correction');
	const editor = await openEditor(task.type, doc, schema, task, ann.result, () => { correctBtn.disabled = false; });
	const comment = h('textarea', {id: 'review-comment', rows: 2});
	/* the annotation names its user by id: the progress list has the names */
	const names = await get('/api/progress').then((r) => new Map((Array.isArray(r) ? r : r.users || []).map((u) => [u.user, u.name])), () => new Map());
	const who = ann.user && typeof ann.user === 'object' ? ann.user.name : names.get(ann.user) || `user ${ann.user}`;

	async function decide(decision) {
		const body = {annotation: ann.id, decision};
		if (decision === 'correct') body.result = editor.result();
		if (comment.value.trim()) body.comment = comment.value.trim();
		try {
			await post('/api/review', body);
			say(`Annotation ${ann.id}: ${decision === 'correct' ? 'corrected' : decision + 'ed'}`);
			app.route();
		} catch (e) {
			alertMsg(`Review failed: ${e.message}`);
		}
	}

	replace(main,
		h('div', {class: 'task-head'}, title,
			h('span', null, `${TYPE_NAMES[task.type] || task.type} · annotation ${ann.id} by ${who}`),
			h('span', {class: 'doc-title'}, h('span', {class: 'muted'}, 'Document: '), doc.title || baseName(doc.path) || `#${doc.id}`)),
		h('div', {class: 'review-bar', role: 'group', 'aria-label': 'Decision'},
			h('button', {type: 'button', class: 'btn primary', onclick: () => decide('accept')}, icon('check'), 'Accept'),
			h('button', {type: 'button', class: 'btn danger', onclick: () => decide('reject')}, icon('cross'), 'Reject'),
			correctBtn,
			h('label', {for: 'review-comment'}, 'Comment'), comment),
		h('p', {class: 'keys'}, `Edit the annotation to correct it (${editor.help}), then Save correction.`),
		editor.el);
	app.setKeys((ev) => {
		if (typing(ev) || ev.metaKey || (ev.ctrlKey && !ev.key.startsWith('Arrow'))) return;
		if (editor.key(ev)) ev.preventDefault();
	});
	title.focus();
}
