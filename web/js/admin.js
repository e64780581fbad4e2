/*
 * admin.js: the admin screen: the label schema (PUT /api/schema), the
 * project settings (PUT /api/settings) and the list of users.
 */
import {h, replace, say, alertMsg} from './dom.js';
import {get, post, put} from './api.js';

/* Names of the settings the app knows; others show their key. */
const SETTING_NAMES = {k: 'Annotators per task (k)', idle_timeout: 'Idle timeout of sessions (seconds)'};

const lines = (text) => text.split(/[\n,]/).map((x) => x.trim()).filter(Boolean);

function field(id, label, control, hint) {
	return h('div', {class: 'field'}, h('label', {for: id}, label), control,
		hint ? h('small', {id: `${id}-hint`, class: 'muted'}, hint) : null);
}

export async function adminScreen(main, app) {
	const title = h('h1', {tabindex: -1}, 'Admin');
	const [schema, settings, users] = await Promise.all([
		get('/api/schema'), get('/api/settings'), get('/api/users').catch(() => null)]);
	const cls = schema.classes || {name: '', multi: false, labels: []};
	const ner = h('textarea', {id: 'schema-ner', rows: 4, 'aria-describedby': 'schema-ner-hint'}, (schema.ner || []).join('\n'));
	const cname = h('input', {type: 'text', id: 'schema-cname', value: cls.name || ''});
	const cmulti = h('input', {type: 'checkbox', id: 'schema-cmulti', checked: Boolean(cls.multi)});
	const clabels = h('textarea', {id: 'schema-classes', rows: 4, 'aria-describedby': 'schema-classes-hint'}, (cls.labels || []).join('\n'));
	const boxes = h('textarea', {id: 'schema-boxes', rows: 3, 'aria-describedby': 'schema-boxes-hint'}, (schema.boxes || []).join('\n'));
	const qa = h('input', {type: 'checkbox', id: 'schema-qa', checked: schema.qa !== false});
	const schemaForm = h('form', {class: 'card', 'aria-labelledby': 'schema-h', onsubmit: async (ev) => {
		ev.preventDefault();
		const body = {...schema, ner: lines(ner.value), classes: {name: cname.value.trim() || 'class', multi: cmulti.checked, labels: lines(clabels.value)},
			boxes: lines(boxes.value), qa: qa.checked};
		try {
			await put('/api/schema', body);
			app.forgetSchema();
			say('Schema saved');
		} catch (e) {
			alertMsg(`Schema not saved: ${e.message}`);
		}
	}},
	h('h2', {id: 'schema-h'}, 'Label schema'),
	field('schema-ner', 'NER labels', ner, 'One per line; keys 1–9 pick them in this order.'),
	field('schema-cname', 'Class name', cname),
	h('div', {class: 'field check'}, cmulti, h('label', {for: 'schema-cmulti'}, 'Several classes per item (multi-label)')),
	field('schema-classes', 'Classes', clabels, 'One per line.'),
	field('schema-boxes', 'Box labels', boxes, 'One per line.'),
	h('div', {class: 'field check'}, qa, h('label', {for: 'schema-qa'}, 'Question and answer pairs')),
	h('button', {type: 'submit', class: 'btn primary'}, 'Save schema'));

	const inputs = {};
	const setFields = Object.entries(settings || {}).map(([k, v]) => {
		const id = `set-${k}`;
		let c;
		if (typeof v === 'boolean') c = h('input', {type: 'checkbox', id, checked: v});
		else if (typeof v === 'number') c = h('input', {type: 'number', id, value: String(v), step: 'any'});
		else if (typeof v === 'string') c = h('input', {type: 'text', id, value: v});
		else return null; /* structured values are not edited here */
		inputs[k] = c;
		const name = SETTING_NAMES[k] || k;
		return c.type === 'checkbox' ? h('div', {class: 'field check'}, c, h('label', {for: id}, name)) : field(id, name, c);
	});
	const settingsForm = h('form', {class: 'card', 'aria-labelledby': 'settings-h', onsubmit: async (ev) => {
		ev.preventDefault();
		const body = {...settings};
		for (const [k, c] of Object.entries(inputs)) body[k] = c.type === 'checkbox' ? c.checked : c.type === 'number' ? Number(c.value) : c.value;
		try {
			await put('/api/settings', body);
			say('Settings saved');
		} catch (e) {
			alertMsg(`Settings not saved: ${e.message}`);
		}
	}}, h('h2', {id: 'settings-h'}, 'Project settings'), setFields, h('button', {type: 'submit', class: 'btn primary'}, 'Save settings'));

	const list = users ? (Array.isArray(users) ? users : users.users || []) : [];
	const userTable = h('section', {class: 'card'}, h('h2', null, 'Users'),
		h('p', {class: 'muted'}, 'Users are added on the command line: enclave user add NAME --role R --password-stdin.'),
		h('table', {class: 'grid'}, h('caption', null, `${list.length} users`),
			h('thead', null, h('tr', null, ['Id', 'Name', 'Role', 'State'].map((c) => h('th', {scope: 'col'}, c)))),
			h('tbody', null, list.map((u) => h('tr', null, h('td', null, String(u.id)), h('td', null, u.name), h('td', null, u.role),
				h('td', null, u.disabled ? 'disabled' : 'active'))))));
	const file = h('input', {type: 'file', id: 'ls-file', accept: '.json,application/json'});
	const importForm = h('form', {class: 'card', 'aria-labelledby': 'ls-h', onsubmit: async (ev) => {
		ev.preventDefault();
		const f = file.files && file.files[0];
		if (!f) { say('Choose a Label Studio JSON file first'); return; }
		let tasks;
		try {
			tasks = JSON.parse(await f.text());
		} catch (e) {
			alertMsg(`'${f.name}' is not JSON: ${e.message}`);
			return;
		}
		try {
			const r = await post('/api/import/labelstudio', tasks);
			say(`Imported ${r.documents ?? 0} documents and ${r.annotations ?? 0} annotations`);
		} catch (e) {
			alertMsg(`Import failed: ${e.message}`);
		}
	}},
	h('h2', {id: 'ls-h'}, 'Label Studio'),
	h('p', null, h('a', {href: '/api/export/labelstudio', download: 'labelstudio.json'}, 'Export the tasks and annotations'), ' as Label Studio JSON.'),
	field('ls-file', 'Import Label Studio tasks (JSON array)', file),
	h('button', {type: 'submit', class: 'btn'}, 'Import'));
	replace(main, title, h('div', {class: 'cards'}, schemaForm, settingsForm, userTable, importForm));
	title.focus();
}
