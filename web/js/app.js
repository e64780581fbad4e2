/*
 * app.js: the entry point: the session (GET /api/me, login, logout), the
 * navigation by role, and a hash router:
 *   #/login  #/documents  #/doc/ID  #/task/TYPE  #/review  #/generated  #/dashboard  #/admin
 */
import {h, replace, say, alertMsg} from './dom.js';
import {get, post, setCsrf, setUnauthorizedHandler, ApiError} from './api.js';
import {loginScreen} from './login.js';
import {documentsScreen, docScreen} from './documents.js';
import {taskScreen} from './task.js';
import {reviewScreen} from './review.js';
import {generatedScreen} from './generated.js';
import {dashboardScreen} from './dashboard.js';
import {adminScreen} from './admin.js';

const RANK = {annotator: 1, reviewer: 2, admin: 3};

const app = {
	user: null,
	returnTo: null,
	schemaP: null,
	keyHandler: null,
	leave: [],

	may(role) { return this.user && (RANK[this.user.role] || 0) >= RANK[role]; },
	schema() {
		if (!this.schemaP) this.schemaP = get('/api/schema').catch((e) => { this.schemaP = null; throw e; });
		return this.schemaP;
	},
	forgetSchema() { this.schemaP = null; },
	setKeys(fn) { this.keyHandler = fn; },
	onLeave(fn) { this.leave.push(fn); },

	signedIn(r) {
		this.user = r.user;
		setCsrf(r.csrf);
		this.nav();
		const back = this.returnTo;
		this.returnTo = null;
		if (back && back !== location.hash) location.hash = back;
		else if (location.hash === '' || location.hash.startsWith('#/login')) location.hash = '#/documents';
		else this.route();
	},

	async logout() {
		try { await post('/api/logout'); } catch (e) { /* the session is gone either way */ }
		this.signedOut();
	},

	signedOut(keepPlace) {
		/* after an expired session, logging in again returns to the same screen */
		if (keepPlace && location.hash && !location.hash.startsWith('#/login')) this.returnTo = location.hash;
		this.user = null;
		setCsrf(null);
		this.schemaP = null;
		this.nav();
		if (location.hash !== '#/login') location.hash = '#/login';
		else this.route();
	},

	nav() {
		const nav = document.getElementById('nav');
		const who = document.getElementById('who');
		if (!this.user) { replace(nav); replace(who); return; }
		const links = [['#/documents', 'Documents', 'annotator'], ['#/task/ner', 'Entities', 'annotator'], ['#/task/class', 'Classes', 'annotator'],
			['#/task/box', 'Boxes', 'annotator'], ['#/task/qa', 'Q&A', 'annotator'], ['#/review', 'Review', 'reviewer'],
			['#/generated', 'Generated', 'reviewer'], ['#/dashboard', 'Dashboard', 'reviewer'], ['#/admin', 'Admin', 'admin']];
		replace(nav, h('ul', null, links.filter((l) => this.may(l[2])).map(([href, text]) => h('li', null, h('a', {href, dataset: {nav: href}}, text)))));
		replace(who, `${this.user.name} (${this.user.role}) `,
			h('button', {type: 'button', class: 'btn small', onclick: () => this.logout()}, 'Log out'));
		this.markNav();
	},

	markNav() {
		for (const a of document.querySelectorAll('#nav a')) {
			if (location.hash.startsWith(a.dataset.nav)) a.setAttribute('aria-current', 'page');
			else a.removeAttribute('aria-current');
		}
	},

	async route() {
		for (const fn of this.leave.splice(0)) fn();
		this.keyHandler = null;
		alertMsg('');
		const main = document.getElementById('main');
		const [path, query] = location.hash.slice(1).split('?');
		const params = new URLSearchParams(query || '');
		const parts = path.split('/').filter(Boolean);
		if (!this.user) { loginScreen(main, this); return; }
		this.markNav();
		try {
			switch (parts[0]) {
			case 'doc': await docScreen(main, this, parts[1]); break;
			case 'task': await taskScreen(main, this, parts[1]); break;
			case 'review': if (this.may('reviewer')) { await reviewScreen(main, this); break; } throw new ApiError(403, 'reviewers only');
			case 'generated': if (this.may('reviewer')) { await generatedScreen(main, this, params); break; } throw new ApiError(403, 'reviewers only');
			case 'dashboard': if (this.may('reviewer')) { await dashboardScreen(main, this); break; } throw new ApiError(403, 'reviewers only');
			case 'admin': if (this.may('admin')) { await adminScreen(main, this); break; } throw new ApiError(403, 'admins only');
			case 'login': location.hash = '#/documents'; break;
			default: await documentsScreen(main, this, params);
			}
		} catch (e) {
			replace(main, h('h1', null, 'Error'), h('p', {class: 'error'}, e.message || String(e)));
			alertMsg(e.message || String(e));
		}
	},

	async start() {
		setUnauthorizedHandler(() => { say('Your session has ended: log in again'); this.signedOut(true); });
		window.addEventListener('hashchange', () => this.route());
		/* the skip link moves the focus itself: its #main would be a route */
		document.querySelector('.skip').addEventListener('click', (ev) => {
			ev.preventDefault();
			document.getElementById('main').focus();
		});
		document.addEventListener('keydown', (ev) => { if (this.keyHandler) this.keyHandler(ev); });
		try {
			const me = await get('/api/me');
			this.user = me.user;
			setCsrf(me.csrf);
		} catch (e) {
			this.user = null;
		}
		this.nav();
		if (!this.user && location.hash !== '#/login') {
			if (location.hash) this.returnTo = location.hash;
			location.hash = '#/login';
		}
		else this.route();
	},
};

app.start();
