/* login.js: the login screen (POST /api/login). */
import {h, replace, alertMsg} from './dom.js';
import {post} from './api.js';

export function loginScreen(main, app) {
	const user = h('input', {type: 'text', id: 'login-user', name: 'username', autocomplete: 'username', required: true});
	const pass = h('input', {type: 'password', id: 'login-pass', name: 'password', autocomplete: 'current-password', required: true});
	const err = h('p', {class: 'error', id: 'login-error', role: 'alert'});
	const btn = h('button', {type: 'submit', class: 'btn primary'}, 'Log in');
	const form = h('form', {class: 'card login', 'aria-labelledby': 'login-h', onsubmit: async (ev) => {
		ev.preventDefault();
		btn.disabled = true;
		err.textContent = '';
		try {
			const r = await post('/api/login', {username: user.value, password: pass.value});
			pass.value = '';
			alertMsg('');
			app.signedIn(r);
		} catch (e) {
			err.textContent = e.status === 401 ? 'Wrong username or password.'
				: e.status === 429 ? 'Too many failed attempts: try again later.' : `Cannot log in: ${e.message}`;
			btn.disabled = false;
			pass.focus();
		}
	}},
	h('h1', {id: 'login-h'}, 'Log in'),
	h('div', {class: 'field'}, h('label', {for: 'login-user'}, 'Username'), user),
	h('div', {class: 'field'}, h('label', {for: 'login-pass'}, 'Password'), pass),
	err, btn);
	replace(main, form);
	user.focus();
}
