/*
 * dashboard.js: agreement figures per task type (GET /api/agreement) and
 * progress per user (GET /api/progress), for reviewers and admins.
 */
import {h, replace, alertMsg} from './dom.js';
import {get, qs} from './api.js';

const fmt = (v) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(3) : '–');

function pairTable(caption, rows, key, names) {
	const who = (id) => names.get(id) || `user ${id}`;
	if (!rows || !rows.length) return h('p', {class: 'muted'}, `${caption}: no pairs of annotators with common items yet.`);
	return h('table', {class: 'grid'}, h('caption', null, caption),
		h('thead', null, h('tr', null, ['Annotator A', 'Annotator B', key === 'kappa' ? "Cohen's kappa" : 'F1', 'Items'].map((c) => h('th', {scope: 'col'}, c)))),
		h('tbody', null, rows.map((r) => h('tr', null, h('td', null, who(r.a)), h('td', null, who(r.b)),
			h('td', {class: 'num'}, fmt(r[key])), h('td', {class: 'num'}, String(r.items ?? ''))))));
}

export async function dashboardScreen(main) {
	const title = h('h1', {tabindex: -1}, 'Dashboard');
	replace(main, title, h('p', {class: 'muted'}, 'Loading…'));
	let prog = null;
	try {
		prog = await get('/api/progress');
	} catch (e) {
		alertMsg(`Cannot load progress: ${e.message}`);
	}
	const users = prog ? (Array.isArray(prog) ? prog : prog.users || []) : [];
	const names = new Map(users.map((u) => [u.user, u.name]));
	const sections = [];
	for (const type of ['class', 'ner', 'box']) {
		let a;
		try {
			a = await get(`/api/agreement${qs({type})}`);
		} catch (e) {
			sections.push(h('section', null, h('h2', null, type), h('p', {class: 'muted'}, `No figures: ${e.message}`)));
			continue;
		}
		const name = {class: 'Classification', ner: 'Entities (span F1, exact)', box: 'Boxes (F1 at IoU ≥ 0.5)'}[type];
		const body = [h('p', null, `${a.items ?? 0} items, ${a.annotators ?? 0} annotators`)];
		if (type === 'class') {
			body.push(h('p', null, "Fleiss' kappa: ", h('strong', null, fmt(a.fleiss_kappa))));
			body.push(pairTable("Cohen's kappa per pair", a.cohen_kappa, 'kappa', names));
		} else {
			body.push(h('p', null, 'F1 over all pairs: ', h('strong', null, fmt(a.f1))));
			body.push(pairTable('F1 per pair', a.pairs || [], 'f1', names));
		}
		sections.push(h('section', {class: 'card', 'aria-label': name}, h('h2', null, name), body));
	}
	const cols = ['assigned', 'drafts', 'submitted', 'accepted', 'rejected'];
	const progress = h('section', {class: 'card'}, h('h2', null, 'Progress per user'),
		users.length ? h('table', {class: 'grid'}, h('caption', null, 'Tasks per user'),
			h('thead', null, h('tr', null, h('th', {scope: 'col'}, 'User'), cols.map((c) => h('th', {scope: 'col'}, c[0].toUpperCase() + c.slice(1))))),
			h('tbody', null, users.map((u) => h('tr', null, h('th', {scope: 'row'}, String(u.name || u.user)),
				cols.map((c) => h('td', {class: 'num'}, String(u[c] ?? 0)))))))
			: h('p', {class: 'muted'}, 'No assignments yet.'));
	replace(main, title, h('div', {class: 'cards'}, progress, sections));
	title.focus();
}
