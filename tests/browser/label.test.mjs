/*
 * Browser tests of the label web app (web/): playwright-core drives
 * Debian's chromium headless against a real `enclave serve` on loopback,
 * with a project this test creates (init, ingest of generated files,
 * clean --pii, users, tasks). Run through run.sh (which installs the npm
 * packages when missing); ctest registers it as browser/label.
 *
 * Environment: ENCLAVE (the binary), TOOLS_DIR (mkpdf), TEST_TMP (scratch),
 * ARTIFACTS (screenshots and the log go there), CHROMIUM (default
 * /usr/bin/chromium). BASE_URL instead of ENCLAVE runs the same steps
 * against a server already running with users admin, ann and rev whose
 * password is PASSWORD, and a project like the one made here (for working
 * on the app).
 *
 * Every step fails the test on a console error, an uncaught exception or a
 * CSP violation in the page.
 */
import {spawn, execFileSync} from 'node:child_process';
import {pathToFileURL} from 'node:url';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import crypto from 'node:crypto';

/* playwright-core from NODE_DIR/node_modules (run.sh installs it there). */
const NODE_DIR = path.resolve(process.env.NODE_DIR || path.dirname(new URL(import.meta.url).pathname));
const {chromium} = await import(pathToFileURL(path.join(NODE_DIR, 'node_modules', 'playwright-core', 'index.mjs')).href);

const ART = path.resolve(process.env.ARTIFACTS || 'browser-artifacts');
const TMP = path.resolve(process.env.TEST_TMP || '/tmp');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
fs.mkdirSync(ART, {recursive: true});
/* this run's artefacts only: drop the screenshots and logs of the last one */
for (const f of fs.readdirSync(ART)) if (/\.(png|log)$/.test(f)) fs.rmSync(path.join(ART, f));
fs.mkdirSync(TMP, {recursive: true});
const logFile = fs.createWriteStream(path.join(ART, 'label-test.log'));
const log = (...a) => { const line = a.join(' '); console.log(line); logFile.write(`${line}\n`); };

/* ------------------------------------------------------------------ setup */

const LONG_BLOCKS = 10000;
/* An astral character (two UTF-16 units, one code point) and an accented
 * one come before the spans, so that offsets counted in UTF-16 units or in
 * bytes instead of code points are caught. */
const NOTES = 'Meeting notes \u{1F4DD} from the caf\u00e9\n\nAlice Smith met Bob Jones at Acme Corp in Paris on Tuesday.\n\n' +
	'They agreed to call Alice Smith again next week.\n';
/* Markup in a document's text must come out as text, never run. */
const XSS = 'Markup test\n\n<img src=x onerror="window.__xss=1"> and <script>window.__xss=2</script> and <b onmouseover="window.__xss=3">bold</b>\n';
const MEMO = 'Memo\n\nBob Jones will visit London in March with Carol White.\n';
const INVOICE = 'Invoice 2041\nPayment terms are thirty days.\nSigned by Alice Smith of Acme Corp in Paris.';

function run(args, opts = {}) {
	log(`$ enclave ${args.join(' ')}`);
	try {
		return execFileSync(process.env.ENCLAVE, args, {cwd: opts.cwd, input: opts.input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], timeout: 300000});
	} catch (e) {
		throw new Error(`enclave ${args.join(' ')} failed (${e.status}): ${e.stderr || e.message}`);
	}
}

async function waitForPort(port, child, ms) {
	const until = Date.now() + ms;
	while (Date.now() < until) {
		if (child.exitCode !== null) throw new Error(`enclave serve exited with ${child.exitCode}`);
		const ok = await new Promise((r) => { const c = net.connect(port, '127.0.0.1', () => { c.end(); r(true); }); c.on('error', () => r(false)); });
		if (ok) return;
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`enclave serve did not listen on port ${port} within ${ms} ms`);
}

/* Create the project, start the server; returns {base, users, stop}. */
async function startServer() {
	if (process.env.BASE_URL) {
		const pw = process.env.PASSWORD || 'pw';
		return {base: process.env.BASE_URL, users: {admin: pw, ann: pw, bea: pw, rev: pw}, stop: async () => {}};
	}
	assert.ok(process.env.ENCLAVE, 'ENCLAVE (the enclave binary) is not set');
	const dir = fs.mkdtempSync(path.join(TMP, 'browser-'));
	const proj = path.join(dir, 'proj');
	const files = path.join(dir, 'files');
	fs.mkdirSync(files);
	fs.mkdirSync(path.join(dir, 'pdf'));
	fs.writeFileSync(path.join(files, 'notes.txt'), NOTES);
	fs.writeFileSync(path.join(files, 'memo.txt'), MEMO);
	execFileSync(path.join(process.env.TOOLS_DIR, 'mkpdf'), ['simple', path.join(dir, 'pdf', 'invoice.pdf'), INVOICE]);
	const lines = [];
	for (let i = 1; i <= LONG_BLOCKS; i++) lines.push(`Paragraph ${i} of the long report, with a few words to read.`);
	fs.writeFileSync(path.join(dir, 'long.txt'), `${lines.join('\n\n')}\n`);

	run(['init', proj]);
	/* NER, class and Q&A tasks for the two text files (the first NER task is
	 * the notes'), box tasks for them and the PDF; the long document gets none. */
	run(['-C', proj, 'ingest', path.join(files, 'notes.txt')]); /* first: the first NER task */
	run(['-C', proj, 'ingest', path.join(files, 'memo.txt')]);
	run(['-C', proj, 'clean', '--pii']);
	/* class tasks go to two annotators, for the agreement figures */
	for (const t of ['ner', 'qa']) run(['-C', proj, 'label', 'tasks', '--type', t]);
	run(['-C', proj, 'label', 'tasks', '--type', 'class', '--k', '2']);
	run(['-C', proj, 'ingest', path.join(dir, 'pdf', 'invoice.pdf')]);
	run(['-C', proj, 'label', 'tasks', '--type', 'box']); /* all three documents */
	fs.writeFileSync(path.join(dir, 'markup.txt'), XSS);
	run(['-C', proj, 'ingest', path.join(dir, 'long.txt'), path.join(dir, 'markup.txt')]);
	const users = {};
	for (const [name, role] of [['admin', 'admin'], ['ann', 'annotator'], ['bea', 'annotator'], ['rev', 'reviewer']]) {
		users[name] = crypto.randomBytes(12).toString('base64url');
		run(['-C', proj, 'user', 'add', name, '--role', role, '--password-stdin'], {input: `${users[name]}\n`});
	}
	/* port 0: the server takes a free port and names it on stderr */
	const child = spawn(process.env.ENCLAVE, ['-C', proj, 'serve', '--listen', '127.0.0.1:0'], {stdio: ['ignore', 'pipe', 'pipe']});
	const serverLog = fs.createWriteStream(path.join(ART, 'server.log'));
	child.stdout.pipe(serverLog);
	const base = await new Promise((resolve, reject) => {
		let seen = '';
		const timer = setTimeout(() => reject(new Error(`enclave serve named no address within 20 s: ${seen}`)), 20000);
		child.stderr.on('data', (d) => {
			serverLog.write(d);
			seen += d.toString();
			const m = seen.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
			if (m) { clearTimeout(timer); resolve(m[1]); }
		});
		child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`enclave serve exited with ${code}: ${seen}`)); });
	});
	await waitForPort(Number(new URL(base).port), child, 20000);
	return {
		base,
		users,
		proj,
		stop: async () => {
			if (child.exitCode === null) {
				child.kill('SIGTERM');
				await new Promise((r) => { child.once('exit', r); setTimeout(r, 5000); });
			}
			fs.rmSync(dir, {recursive: true, force: true});
		},
	};
}

/* ---------------------------------------------------------------- helpers */

const problems = [];

/* A fresh browser context and page that records console errors, uncaught
 * exceptions and CSP violations into `problems`. */
async function newPage(browser, base, name) {
	const ctx = await browser.newContext({viewport: {width: 1280, height: 900}});
	const page = await ctx.newPage();
	page.on('console', (m) => {
		if (m.type() !== 'error' && m.type() !== 'warning') return;
		const url = m.location() && m.location().url ? m.location().url : '';
		/* The app asks GET /api/me once at load to find out whether a session
		 * exists: a 401 there is the expected answer before logging in. */
		if (/status of 401/.test(m.text()) && url.endsWith('/api/me')) return;
		problems.push(`${name}: console ${m.type()}: ${m.text()} ${url}`);
	});
	page.on('pageerror', (e) => problems.push(`${name}: uncaught: ${e.message}`));
	await page.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (e) => {
			console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
		});
	});
	page.setDefaultTimeout(15000);
	return {ctx, page};
}

async function shot(page, name) {
	const file = path.join(ART, `${name}.png`);
	await page.screenshot({path: file, fullPage: false});
	log(`  screenshot ${file}`);
}

async function login(page, base, user, pass) {
	await page.goto(`${base}/`);
	await page.locator('#login-user').waitFor();
	await page.fill('#login-user', user);
	await page.fill('#login-pass', pass);
	await page.press('#login-pass', 'Enter');
	await page.locator('#who').getByText(user, {exact: false}).waitFor();
}

/* Drag the mouse across `text` inside the element matched by `root`. */
async function mouseSelect(page, root, text) {
	const box = await page.evaluate(([sel, needle]) => {
		const el = document.querySelector(sel);
		const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
		/* the text can be split over several segments: join them */
		const nodes = [];
		let all = '';
		for (let n = walker.nextNode(); n; n = walker.nextNode()) { nodes.push([n, all.length]); all += n.data; }
		const at = all.indexOf(needle);
		if (at < 0) return null;
		const locate = (i) => { for (let k = nodes.length - 1; k >= 0; k--) if (nodes[k][1] <= i) return [nodes[k][0], i - nodes[k][1]]; return null; };
		const rectOf = (i) => { const [n, o] = locate(i); const r = document.createRange(); r.setStart(n, o); r.setEnd(n, o + 1); return r.getBoundingClientRect(); };
		const [sn] = locate(at);
		sn.parentElement.scrollIntoView({block: 'center'});
		const a = rectOf(at), z = rectOf(at + needle.length - 1);
		return {x0: a.left + 1, y0: a.top + a.height / 2, x1: z.right - 1, y1: z.top + z.height / 2};
	}, [root, text]);
	assert.ok(box, `'${text}' is not in ${root}`);
	await page.mouse.move(box.x0, box.y0);
	await page.mouse.down();
	await page.mouse.move((box.x0 + box.x1) / 2, box.y1, {steps: 4});
	await page.mouse.move(box.x1, box.y1, {steps: 4});
	await page.mouse.up();
}

/* The code point slice [start, end) of `text`. */
const cpSlice = (text, start, end) => Array.from(text).slice(start, end).join('');

/* Wait for the POST /api/annotations whose body matches `pred`; its reply. */
async function annotationPost(page, pred, action) {
	const [resp] = await Promise.all([
		page.waitForResponse((r) => r.url().endsWith('/api/annotations') && r.request().method() === 'POST' && pred(r.request().postDataJSON())),
		action(),
	]);
	const req = resp.request();
	assert.equal(resp.status(), 200, `POST /api/annotations: ${resp.status()} ${await resp.text()}`);
	assert.ok(req.headers()['x-csrf-token'], 'POST /api/annotations without X-CSRF-Token');
	return {body: req.postDataJSON(), reply: await resp.json()};
}

async function docText(page, base, id) {
	const r = await page.request.get(`${base}/api/documents/${id}`);
	assert.equal(r.status(), 200);
	return (await r.json()).text;
}

/* After a submit: wait until the next task (another id) or "no task" is shown. */
async function nextShown(page, old) {
	await page.waitForFunction((id) => {
		if (document.querySelector('.empty')) return true;
		const head = document.querySelector('.task-head');
		const m = head && head.textContent.match(/Task (\d+)/);
		return m && Number(m[1]) !== id && document.activeElement && document.activeElement !== document.body;
	}, old);
}

async function currentTask(page) {
	const txt = await page.locator('.task-head').innerText();
	const m = txt.match(/Task (\d+)/);
	assert.ok(m, `no task id in '${txt}'`);
	return Number(m[1]);
}

/*
 * Accessibility checks of what is on screen: every text has a contrast of at
 * least 4.5:1 against its background (3:1 when large: 24 px, or 18.66 px
 * bold), WCAG AA; every button, link and form control has an accessible
 * name. Returns the failures.
 */
async function a11yProblems(page) {
	return page.evaluate(() => {
		const out = [];
		const parse = (c) => { const m = c.match(/[\d.]+/g); return m ? m.map(Number) : [0, 0, 0, 0]; };
		const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
		const bgOf = (el) => {
			for (let e = el; e; e = e.parentElement) {
				const c = parse(getComputedStyle(e).backgroundColor);
				if (c.length < 4 || c[3] > 0.5) return c;
			}
			return [255, 255, 255];
		};
		const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		const seen = new Set();
		for (let n = walker.nextNode(); n; n = walker.nextNode()) {
			const el = n.parentElement;
			if (!n.data.trim() || seen.has(el) || el.closest('svg, [hidden], [aria-hidden="true"]')) continue;
			seen.add(el);
			const r = el.getBoundingClientRect();
			if (!r.width || !r.height || r.bottom < 0 || r.top > innerHeight) continue;
			if (el.closest('button:disabled, input:disabled')) continue; /* inactive controls are exempt */
			const st = getComputedStyle(el);
			if (st.visibility === 'hidden' || Number(st.opacity) === 0) continue;
			const fg = parse(st.color), bg = bgOf(el);
			const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
			const ratio = (a + 0.05) / (b + 0.05);
			const size = parseFloat(st.fontSize), bold = Number(st.fontWeight) >= 700;
			const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
			if (ratio < need) out.push(`contrast ${ratio.toFixed(2)} < ${need} for '${n.data.trim().slice(0, 30)}' (${st.color} on rgb(${bg.slice(0, 3)}))`);
		}
		for (const el of document.querySelectorAll('button, a[href], input, textarea, select, [tabindex="0"]')) {
			const r = el.getBoundingClientRect();
			if (!r.width || el.closest('[hidden]')) continue;
			let name = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.getAttribute('title') || '';
			if (!name && el.labels && el.labels.length) name = el.labels[0].textContent;
			if (!name && !['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName)) name = el.textContent;
			if (!name.trim()) out.push(`no accessible name: <${el.tagName.toLowerCase()} class="${el.getAttribute('class') || ''}">`);
		}
		return out;
	});
}

async function checkA11y(page, where) {
	const p = await a11yProblems(page);
	assert.deepEqual(p, [], `accessibility problems on ${where}:\n  ${p.join('\n  ')}`);
}

/* ------------------------------------------------------------------ steps */

const steps = [];
const step = (name, fn) => steps.push({name, fn});
const ctx = {};

step('headers: CSP on the app and its modules', async ({page, base}) => {
	const r = await page.request.get(`${base}/`);
	assert.equal(r.status(), 200);
	assert.match(r.headers()['content-security-policy'] || '', /default-src 'self'/);
	assert.equal(r.headers()['x-content-type-options'], 'nosniff');
	const html = await r.text();
	assert.doesNotMatch(html, /https?:\/\//, 'index.html names an external URL');
	const js = await page.request.get(`${base}/js/app.js`);
	assert.equal(js.status(), 200);
	assert.match(js.headers()['content-type'] || '', /javascript/);
});

step('admin: log in, edit the label schema and a setting', async ({page, base, users}) => {
	await login(page, base, 'admin', users.admin);
	await page.click('#nav a[href="#/admin"]');
	await page.locator('#schema-ner').waitFor();
	await page.fill('#schema-ner', 'PERSON\nORG\nLOCATION');
	await page.fill('#schema-cname', 'topic');
	await page.fill('#schema-classes', 'finance\nlegal\nmedical');
	await page.fill('#schema-boxes', 'signature\nstamp');
	await page.check('#schema-qa');
	const [resp] = await Promise.all([
		page.waitForResponse((r) => r.url().endsWith('/api/schema') && r.request().method() === 'PUT'),
		page.click('text=Save schema'),
	]);
	assert.equal(resp.status(), 200, `PUT /api/schema: ${resp.status()}`);
	assert.ok(resp.request().headers()['x-csrf-token'], 'PUT /api/schema without X-CSRF-Token');
	const schema = await (await page.request.get(`${base}/api/schema`)).json();
	assert.deepEqual(schema.ner, ['PERSON', 'ORG', 'LOCATION']);
	assert.deepEqual(schema.classes.labels, ['finance', 'legal', 'medical']);
	assert.deepEqual(schema.boxes, ['signature', 'stamp']);
	await page.fill('#set-idle_timeout', '3600');
	const [sresp] = await Promise.all([
		page.waitForResponse((r) => r.url().endsWith('/api/settings') && r.request().method() === 'PUT'),
		page.click('text=Save settings'),
	]);
	assert.equal(sresp.status(), 200, `PUT /api/settings: ${sresp.status()}`);
	assert.equal((await (await page.request.get(`${base}/api/settings`)).json()).idle_timeout, 3600);
	await shot(page, 'admin-schema');
	await checkA11y(page, 'the admin screen');
	await page.click('text=Log out');
	await page.locator('#login-user').waitFor();
});

step('annotator: wrong password is refused', async ({page, base}) => {
	await page.goto(`${base}/`);
	await page.fill('#login-user', 'ann');
	await page.fill('#login-pass', 'not-the-password');
	await page.press('#login-pass', 'Enter');
	await page.locator('#login-error').getByText('Wrong username or password').waitFor();
	/* the refused login itself logs a 401 resource error: expected here */
	for (let i = problems.length - 1; i >= 0; i--) if (/status of 401/.test(problems[i]) && /\/api\/login/.test(problems[i])) problems.splice(i, 1);
});

step('annotator: label a span with the mouse, accept a proposal, the draft saved and reloaded, submit', async ({page, base, users}) => {
	await login(page, base, 'ann', users.ann);
	const [next] = await Promise.all([
		page.waitForResponse((r) => r.url().includes('/api/tasks/next')),
		page.click('#nav a[href="#/task/ner"]'),
	]);
	assert.equal(next.status(), 200, `GET /api/tasks/next?type=ner: ${next.status()}`);
	ctx.nerDoc = (await next.json()).document;
	await page.locator('.textview .block').first().waitFor();
	const task = await currentTask(page);
	await mouseSelect(page, '.textview .text', 'Acme Corp');
	await page.locator('.selinfo').getByText('Acme Corp').waitFor();
	await page.keyboard.press('2'); /* ORG */
	await page.locator('.side .items[aria-label="Your spans"] li').filter({hasText: 'Acme Corp'}).waitFor();
	/* accept the first proposal (the PII detections of clean --pii) */
	const prop = page.locator('.items[aria-label="Proposals"] li').first();
	await prop.waitFor();
	const propText = await prop.locator('q').innerText();
	await prop.focus();
	const saved = annotationPost(page, (b) => b.task === task && b.submit === false && b.result.spans.some((s) => s.from !== undefined), () => page.keyboard.press('a'));
	await prop.locator('.state').getByText('accepted').waitFor();
	const draft = await saved;
	assert.equal(draft.reply.status, 'draft');
	assert.ok(Number.isInteger(draft.reply.version), 'the draft reply has no version');
	await page.locator('.save-state').getByText('Draft saved').waitFor();
	/* the draft survives a reload: the same task comes back with it */
	await page.reload();
	await page.locator('.save-state').getByText('Draft loaded').waitFor();
	assert.equal(await currentTask(page), task, 'a reload gave another task');
	await page.locator('.items[aria-label="Your spans"] li').filter({hasText: 'Acme Corp'}).waitFor();
	await prop.locator('.state').getByText('accepted').waitFor();
	await shot(page, 'ner-labelled');
	await checkA11y(page, 'the NER task');
	const sub = await annotationPost(page, (b) => b.task === task && b.submit === true, () => page.click('.task-head button.primary'));
	assert.equal(sub.reply.status, 'submitted');
	assert.equal(sub.body.version, draft.reply.version, 'submit did not carry the draft version');
	await nextShown(page, task);
	const spans = sub.body.result.spans;
	const org = spans.find((s) => s.label === 'ORG');
	assert.ok(org, 'no ORG span submitted');
	const accepted = spans.find((s) => s.from !== undefined);
	assert.ok(accepted, 'no accepted proposal submitted');
	ctx.nerAnnotation = sub.reply.id;
	ctx.nerCheck = {org, accepted, propText};
});

step('annotator: the submitted spans are at the right code points', async ({page, base}) => {
	const r = await page.request.get(`${base}/api/annotations/${ctx.nerAnnotation}`);
	assert.equal(r.status(), 200, `GET /api/annotations/${ctx.nerAnnotation}: ${r.status()}`);
	assert.equal((await r.json()).status, 'submitted');
	const text = await docText(page, base, ctx.nerDoc);
	assert.equal(cpSlice(text, ctx.nerCheck.org.start, ctx.nerCheck.org.end), 'Acme Corp');
	assert.equal(cpSlice(text, ctx.nerCheck.accepted.start, ctx.nerCheck.accepted.end), ctx.nerCheck.propText);
});

step('annotator: draw a box, move it with the keyboard, delete one, submit', async ({page}) => {
	await page.click('#nav a[href="#/task/box"]');
	/* `label tasks --type box` made box tasks for the text files too: they
	 * have no page images, and are submitted empty until the PDF's comes */
	for (let i = 0; ; i++) {
		await page.locator('.stage img, .editor.box .muted:has-text("no page images")').first().waitFor();
		if (await page.locator('.stage img').count()) break;
		assert.ok(i < 3, 'no box task with page images');
		const t = await currentTask(page);
		const sub = await annotationPost(page, (x) => x.task === t && x.submit === true, () => page.keyboard.press('Control+Enter'));
		assert.deepEqual(sub.body.result, {boxes: []});
		await nextShown(page, t);
	}
	await page.waitForFunction(() => { const i = document.querySelector('.stage img'); return i && i.complete && i.naturalWidth > 0; });
	const task = await currentTask(page);
	const b = await page.locator('.stage .overlay').boundingBox();
	await page.mouse.move(b.x + b.width * 0.2, b.y + b.height * 0.2);
	await page.mouse.down();
	await page.mouse.move(b.x + b.width * 0.35, b.y + b.height * 0.27, {steps: 5});
	await page.mouse.move(b.x + b.width * 0.5, b.y + b.height * 0.3, {steps: 5});
	await page.mouse.up();
	await page.locator('.overlay rect.box').first().waitFor();
	assert.equal(await page.locator('.overlay rect.box').count(), 1);
	const x0 = Number(await page.locator('.overlay rect.box').first().getAttribute('x'));
	await page.keyboard.press('ArrowRight');
	await page.keyboard.press('Shift+ArrowRight');
	const x1 = Number(await page.locator('.overlay rect.box').first().getAttribute('x'));
	assert.ok(Math.abs(x1 - x0 - 11) < 0.01, `the arrow keys moved the box by ${x1 - x0}, not 11`);
	await page.keyboard.press('n');
	assert.equal(await page.locator('.overlay rect.box').count(), 2);
	await page.keyboard.press('Delete');
	assert.equal(await page.locator('.overlay rect.box').count(), 1);
	await shot(page, 'box-drawn');
	await checkA11y(page, 'the box task');
	const pw = Number((await page.locator('.stage .overlay').getAttribute('viewBox')).split(' ')[2]);
	const sub = await annotationPost(page, (x) => x.task === task && x.submit === true, () => page.keyboard.press('Control+Enter'));
	await nextShown(page, task);
	const boxes = sub.body.result.boxes;
	assert.equal(boxes.length, 1);
	assert.equal(boxes[0].page, 1);
	assert.equal(boxes[0].label, 'signature');
	const [bx0, by0, bx1, by1] = boxes[0].bbox;
	assert.ok(bx0 < bx1 && by0 < by1, `bad box ${boxes[0].bbox}`);
	/* drawn from 20% to 50% of the page's width, then moved right by 11 points */
	assert.ok(Math.abs(bx0 - (0.2 * pw + 11)) < 3 && Math.abs(bx1 - (0.5 * pw + 11)) < 3, `box ${boxes[0].bbox} on a page ${pw} wide`);
	assert.equal(sub.reply.status, 'submitted');
});

step('annotator: write a Q&A pair with its evidence; a stale second tab is refused and reloads; submit', async ({page, base}) => {
	await page.click('#nav a[href="#/task/qa"]');
	await page.locator('.textview .block').first().waitFor();
	const task = await currentTask(page);
	await mouseSelect(page, '.textview .text', 'Alice Smith');
	await page.locator('#qa-evidence').getByText('Alice Smith').waitFor();
	await page.fill('#qa-q', 'Who signed or met about the matter?');
	await page.fill('#qa-a', 'Alice Smith');
	await page.click('text=Add pair');
	await page.locator('.items[aria-label="Question and answer pairs"] li').filter({hasText: 'Who signed'}).waitFor();
	await page.locator('.save-state').getByText('Draft saved').waitFor();
	await shot(page, 'qa-pair');

	/* the same task open in a second tab that loaded before the draft was
	 * saved: its save is refused (409), it says so and offers Reload, which
	 * brings the other tab's draft */
	const other = await page.context().newPage();
	other.on('pageerror', (e) => problems.push(`second tab: uncaught: ${e.message}`));
	await other.route('**/api/tasks/next*', async (route) => {
		/* the task as it was before the first tab saved: no draft */
		const r = await route.fetch();
		const t = await r.json();
		t.draft = null;
		await route.fulfill({response: r, json: t});
	});
	await other.goto(`${base}/#/task/qa`);
	await other.locator('.textview .block').first().waitFor();
	assert.equal(await currentTask(other), task, 'the second tab got another task');
	await mouseSelect(other, '.textview .text', 'Bob Jones');
	await other.fill('#qa-q', 'Who else was there?');
	await other.fill('#qa-a', 'Bob Jones');
	const [conflict] = await Promise.all([
		other.waitForResponse((r) => r.url().endsWith('/api/annotations') && r.request().method() === 'POST'),
		other.click('text=Add pair'),
	]);
	assert.equal(conflict.status(), 409, `a save over another tab's draft: ${conflict.status()}`);
	await other.locator('.save-state:has-text("changed elsewhere")').waitFor();
	await other.unroute('**/api/tasks/next*');
	await other.click('.task-head button:has-text("Reload")');
	await other.locator('.items[aria-label="Question and answer pairs"] li').filter({hasText: 'Who signed'}).waitFor();
	await other.close();
	await checkA11y(page, 'the Q&A task');
	const sub = await annotationPost(page, (x) => x.task === task && x.submit === true, () => page.click('.task-head button.primary'));
	await nextShown(page, task);
	const pairs = sub.body.result.pairs;
	assert.equal(pairs.length, 1);
	assert.equal(pairs[0].answer, 'Alice Smith');
	ctx.qa = {annotation: sub.reply.id, evidence: pairs[0].evidence};
});

step('annotator: keyboard only: a NER task (select words, label, edit and reject proposals) and a class task', async ({page, base}) => {
	/* from here on no mouse: Tab to the navigation, Enter, keys */
	/* a screen focuses its heading; Shift+Tab from there reaches the skip
	 * link, which moves the focus to the content, not to a route */
	await page.goto(`${base}/#/documents`);
	await page.locator('table.grid').waitFor();
	const before = page.url();
	for (let i = 0; i < 30 && await page.evaluate(() => document.activeElement.className !== 'skip'); i++) await page.keyboard.press('Shift+Tab');
	assert.equal(await page.evaluate(() => document.activeElement.className), 'skip', 'Shift+Tab never reached the skip link');
	await page.keyboard.press('Enter');
	assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
	assert.equal(page.url(), before, 'the skip link changed the route');
	await page.evaluate(() => document.activeElement && document.activeElement.blur());
	const tabTo = async (pred, max = 60) => {
		for (let i = 0; i < max; i++) {
			await page.keyboard.press('Tab');
			if (await page.evaluate(pred)) return;
		}
		throw new Error(`Tab never reached ${pred}`);
	};
	await tabTo(() => document.activeElement && document.activeElement.getAttribute('href') === '#/task/ner');
	const ring = await page.evaluate(() => { const st = getComputedStyle(document.activeElement); return `${st.outlineStyle} ${st.outlineWidth}`; });
	assert.ok(!/^none/.test(ring) && !/ 0px$/.test(ring), `no visible focus on the focused link (outline ${ring})`);
	const [next] = await Promise.all([page.waitForResponse((r) => r.url().includes('/api/tasks/next')), page.keyboard.press('Enter')]);
	assert.equal(next.status(), 200, 'no second NER task');
	const docId = (await next.json()).document;
	await page.locator('.textview .block').first().waitFor();
	const text = await page.locator('.textview .text').innerText();
	if (!/\w/.test(text)) throw new Error('the second NER task has no text');
	const task = await currentTask(page);
	/* the editor focuses the text: select the first two words */
	assert.ok(await page.evaluate(() => document.activeElement.classList.contains('text')), 'the text is not focused');
	/* the first word of the first block, then of the second, extended by one word */
	await page.keyboard.press('ArrowDown');
	await page.keyboard.press('ArrowDown');
	await page.keyboard.press('Shift+ArrowRight');
	const sel = (await page.locator('.selinfo').innerText()).replace(/[“”]/g, '');
	assert.ok(/^\S+ \S+$/.test(sel), `the keys selected '${sel}', not two words`);
	await page.keyboard.press('3'); /* LOCATION */
	await page.locator('.items[aria-label="Your spans"] li').filter({hasText: 'LOCATION'}).waitFor();
	/* the proposals: edit the first (shrink it by a word, or grow it by one,
	 * and give it PERSON), reject the next */
	const props = page.locator('.items[aria-label="Proposals"] li');
	assert.ok(await props.count() >= 2, 'the memo has fewer than two proposals');
	await tabTo(() => document.activeElement && document.activeElement.closest('.items[aria-label="Proposals"]') !== null);
	const first = (await props.first().locator('q').innerText()).replace(/[“”"]/g, '');
	await page.keyboard.press('e');
	await page.waitForFunction(() => document.activeElement.classList.contains('text'));
	await page.keyboard.press(first.includes(' ') ? 'Shift+ArrowLeft' : 'Shift+ArrowRight');
	const edited = (await page.locator('.selinfo').innerText()).replace(/[“”]/g, '');
	assert.notEqual(edited, first, 'Shift+arrow did not change the edited range');
	await page.keyboard.press('1'); /* PERSON */
	await props.first().locator('.state:has-text("edited")').waitFor();
	await tabTo(() => document.activeElement && document.activeElement.closest('.items[aria-label="Proposals"]') !== null);
	await page.keyboard.press('ArrowDown'); /* from the edited one to the next */
	const focusedText = await page.evaluate(() => document.activeElement.querySelector('q').textContent);
	await page.keyboard.press('r');
	await page.locator('.items[aria-label="Proposals"] li.rejected').first().waitFor();
	assert.ok(await page.evaluate(() => document.activeElement.closest('.items[aria-label="Proposals"]') !== null), 'focus left the proposals after r');
	await shot(page, 'ner-keyboard');
	const sub = await annotationPost(page, (x) => x.task === task && x.submit === true, () => page.keyboard.press('Control+Enter'));
	await nextShown(page, task);
	const loc = sub.body.result.spans.find((s) => s.label === 'LOCATION');
	assert.ok(loc, `no LOCATION span (selection was ${sel})`);
	const memo = await docText(page, new URL(page.url()).origin, docId);
	assert.equal(cpSlice(memo, loc.start, loc.end), sel);
	const ed = sub.body.result.spans.find((s) => s.from !== undefined);
	assert.ok(ed, 'the edited proposal is not in the result');
	assert.equal(ed.label, 'PERSON');
	assert.equal(cpSlice(memo, ed.start, ed.end), edited);
	assert.ok(!sub.body.result.spans.some((s) => cpSlice(memo, s.start, s.end) === focusedText.replace(/[“”"]/g, '') && s.from !== undefined && s.from !== ed.from),
		'the rejected proposal is in the result');

	await page.evaluate(() => document.activeElement && document.activeElement.blur());
	await tabTo(() => document.activeElement && document.activeElement.getAttribute('href') === '#/task/class');
	await page.keyboard.press('Enter');
	await page.locator('fieldset.choices').waitFor();
	const ctask = await currentTask(page);
	await page.keyboard.press('2'); /* legal */
	assert.ok(await page.locator('fieldset.choices input[value="legal"]').isChecked());
	/* and Tab/arrow through the radio group to the third one */
	await page.keyboard.press('ArrowDown');
	await shot(page, 'class-keyboard');
	const csub = await annotationPost(page, (x) => x.task === ctask && x.submit === true, () => page.keyboard.press('Control+Enter'));
	assert.deepEqual(csub.body.result.labels, ['medical']);
	ctx.classTask = ctask;
	await nextShown(page, ctask);
});

step('second annotator: the same class task, another answer', async ({page, base, users}) => {
	await login(page, base, 'bea', users.bea);
	const [next] = await Promise.all([page.waitForResponse((r) => r.url().includes('/api/tasks/next')), page.click('#nav a[href="#/task/class"]')]);
	assert.equal(next.status(), 200);
	const task = await next.json();
	assert.equal(task.id, ctx.classTask, 'the second annotator did not get the class task the first one did');
	await page.locator('fieldset.choices').waitFor();
	await page.keyboard.press('2'); /* legal, where ann chose medical */
	const sub = await annotationPost(page, (x) => x.task === task.id && x.submit === true, () => page.keyboard.press('Control+Enter'));
	assert.deepEqual(sub.body.result.labels, ['legal']);
	await nextShown(page, task.id);
});

step('reviewer: review the submissions: accept, reject, correct', async ({page, base, users}) => {
	await login(page, base, 'rev', users.rev);
	await page.click('#nav a[href="#/review"]');
	const decide = async (label, decision) => {
		await page.locator('.review-bar').waitFor();
		const [resp] = await Promise.all([
			page.waitForResponse((r) => r.url().endsWith('/api/review') && r.request().method() === 'POST'),
			page.click(`.review-bar button:has-text("${label}")`),
		]);
		assert.equal(resp.status(), 200, `POST /api/review: ${resp.status()} ${await resp.text()}`);
		assert.equal(resp.request().postDataJSON().decision, decision);
		assert.ok(resp.request().headers()['x-csrf-token']);
		return resp.request().postDataJSON();
	};
	await page.locator('.review-bar').waitFor();
	await page.locator('.editor').waitFor();
	assert.match(await page.locator('.task-head').innerText(), /Entities/, 'the first annotation to review is not the NER one');
	await page.locator('.items[aria-label="Your spans"] li').filter({hasText: 'Acme Corp'}).waitFor();
	await shot(page, 'review');
	await checkA11y(page, 'the review screen');
	await decide('Accept', 'accept');
	await decide('Reject', 'reject');
	/* correct the next one that can be changed (an empty box annotation of a
	 * text file, with no page to draw on, is accepted as it is): the keys of
	 * its editor change it */
	for (let i = 0; ; i++) {
		assert.ok(i < 8, 'no annotation to correct');
		await page.locator('.review-bar').waitFor();
		const heading = await page.locator('.task-head').innerText();
		if (/Classification/.test(heading)) { await page.locator('fieldset.choices input').first().focus(); await page.keyboard.press('1'); break; }
		if (/Boxes/.test(heading) && await page.locator('.overlay').count()) { await page.locator('.overlay').focus(); await page.keyboard.press('n'); break; }
		if (/Entities/.test(heading)) { await page.locator('.textview .text').focus(); await page.keyboard.press('ArrowRight'); await page.keyboard.press('1'); break; }
		if (/Questions/.test(heading)) { await page.locator('.items button:has-text("Remove")').first().click(); break; }
		await decide('Accept', 'accept');
	}
	assert.ok(await page.locator('.review-bar button:has-text("Save correction")').isEnabled(), 'the change did not enable Save correction');
	const body = await decide('Save correction', 'correct');
	assert.ok(body.result, 'a correction without a result');
});

step('reviewer: the dashboard shows progress per user and the agreement of the two', async ({page}) => {
	await page.click('#nav a[href="#/dashboard"]');
	await page.locator('h2:has-text("Progress per user")').waitFor();
	await page.locator('table.grid').first().waitFor();
	await page.locator('table.grid th[scope="row"]:has-text("ann")').waitFor();
	/* one class item, two annotators who disagree: Cohen's kappa 0 */
	const pair = page.locator('section[aria-label="Classification"] table.grid tbody tr');
	await pair.first().waitFor();
	const cells = await pair.first().locator('td').allInnerTexts();
	assert.deepEqual(cells.slice(0, 2).sort(), ['ann', 'bea'], `pair ${cells}`);
	assert.equal(cells[2], '0.000', `Cohen's kappa ${cells[2]}`);
	assert.equal(cells[3], '1', `items ${cells[3]}`);
	await shot(page, 'dashboard');
	await checkA11y(page, 'the dashboard');
});

/* ------------------------------------------- generated records (augment) */

/* Code point offsets of `part` in `text`. */
const cpOf = (text, part) => {
	const at = text.indexOf(part);
	assert.ok(at >= 0, `'${part}' is not in the text`);
	const start = Array.from(text.slice(0, at)).length;
	return {start, end: start + Array.from(part).length};
};
const LLM_LINEAGE = (task, doc) => ({generator: `enclave-augment/${task}`, version: '1', endpoint: 'http://127.0.0.1:11434', kind: 'ollama',
	model: 'qwen2.5:0.5b', model_digest: 'sha256:4f1c0ffee', template: {name: task, sha256: 'ab'.repeat(32)},
	sampling: {temperature: 0.2, top_p: 0.9, max_tokens: 256}, seed: 7, source: {document_id: doc, chunk: 0, chunk_sha256: 'cd'.repeat(32)},
	created_at: '2026-12-01T04:00:00Z', tokens: {prompt: 100, completion: 20}});

/* Insert records (the llm tasks' kinds) through tests/tools/mkrecords. */
function insertRecords(proj, lines) {
	execFileSync(path.join(process.env.TOOLS_DIR, 'mkrecords'), [proj], {input: lines.map((l) => JSON.stringify(l)).join('\n') + '\n', encoding: 'utf8'});
}

step('reviewer (generated): review a qa record by keyboard: edit, save, accept; the judge beside it', async ({page, base, users, proj}) => {
	assert.ok(proj, 'this step needs the project the test made (not BASE_URL)');
	await login(page, base, 'rev', users.rev);
	const docs = (await (await page.request.get(`${base}/api/documents?limit=100`)).json()).documents;
	const notes = docs.find((d) => /notes/.test(d.title || d.path || '')) || docs[0];
	const memo = docs.find((d) => /memo/.test(d.title || d.path || ''));
	const text = await docText(page, base, notes.id);
	const mtext = await docText(page, base, memo.id);
	const ev = cpOf(text, 'Paris');
	insertRecords(proj, [
		{kind: 'qa', document: notes.id, chunk: 0, text: 'In Paris.', lineage: LLM_LINEAGE('qa', notes.id),
			payload: {question: 'Where did Alice Smith meet Bob Jones?', answer: 'In Paris.', evidence: {...ev, text: 'Paris'}, context: text}},
		{kind: 'instruct', document: notes.id, chunk: 0, text: 'Alice Smith and Bob Jones.', lineage: LLM_LINEAGE('instruct', notes.id),
			payload: {instruction: 'Who met?', input: '', response: 'Alice Smith and Bob Jones.'}},
		{kind: 'paraphrase', document: notes.id, chunk: 0, text: 'In Paris, Alice Smith met Bob Jones.', lineage: LLM_LINEAGE('paraphrase', notes.id),
			payload: {source_text: text, spans: [{...cpOf('In Paris, Alice Smith met Bob Jones.', 'Paris'), label: 'LOCATION'}]}},
		{kind: 'summary', document: notes.id, chunk: -1, text: 'A meeting in Paris.', lineage: LLM_LINEAGE('summary', notes.id), payload: {source_chars: Array.from(text).length}},
		{kind: 'suggest-labels', document: memo.id, chunk: -1, text: 'classes: legal; entities: 1', lineage: LLM_LINEAGE('suggest-labels', memo.id),
			payload: {classes: ['legal'], layer: 'original', entities: [{...cpOf(mtext, 'London'), label: 'LOCATION', text: 'London'}]}},
	]);
	run(['-C', proj, 'augment', '--task', 'synthetic-pii', '--n', '3', '--seed', '5']);
	const qa = (await (await page.request.get(`${base}/api/records?kind=qa`)).json()).records[0];
	insertRecords(proj, [{kind: 'judge', document: notes.id, chunk: 0, text: 'Supported by the evidence.', lineage: LLM_LINEAGE('judge', notes.id),
		payload: {record_id: qa.id, score: 4, rubric_sha256: 'ef'.repeat(32), criteria: {faithful: 5}}}]);

	await page.click('#nav a[href="#/generated"]');
	await page.locator('#gen-kind').waitFor();
	await page.selectOption('#gen-kind', 'qa');
	const item = page.locator(`.queue li[data-id="${qa.id}"]`);
	await item.waitFor();
	await page.locator('#rec-title:has-text("qa")').waitFor();
	assert.equal(await page.locator('.rec-view mark.evid').innerText().then((t) => t.trim().startsWith('Paris')), true, 'the evidence is not highlighted');
	await page.locator('.rec-view:has-text("Where did Alice Smith meet Bob Jones?")').waitFor();
	await page.locator('.lineage:has-text("qwen2.5:0.5b")').waitFor();
	await page.locator(`.lineage a[href="#/doc/${notes.id}"]`).waitFor();
	await shot(page, 'generated-qa');
	await checkA11y(page, 'the generated records screen');
	/* the keyboard only: e edits, Ctrl+Enter saves, a accepts */
	await item.focus();
	await page.keyboard.press('e');
	await page.locator('#ed-question').waitFor();
	assert.equal(await page.evaluate(() => document.activeElement.id), 'ed-question', 'the editor did not take the focus');
	await page.keyboard.press('Control+a');
	await page.keyboard.type('Where did they meet?');
	const [patch] = await Promise.all([
		page.waitForResponse((r) => r.url().endsWith(`/api/records/${qa.id}`) && r.request().method() === 'PATCH'),
		page.keyboard.press('Control+Enter'),
	]);
	assert.equal(patch.status(), 200, `PATCH: ${await patch.text()}`);
	assert.ok(patch.request().headers()['x-csrf-token']);
	assert.deepEqual(patch.request().postDataJSON().payload, {question: 'Where did they meet?'});
	await page.locator('.rec-view:has-text("Where did they meet?")').waitFor();
	await page.locator(`.queue li[data-id="${qa.id}"]:focus`).waitFor();
	const [acc] = await Promise.all([
		page.waitForResponse((r) => r.url().endsWith(`/api/records/${qa.id}/review`)),
		page.keyboard.press('a'),
	]);
	assert.equal(acc.status(), 200);
	assert.equal(acc.request().postDataJSON().decision, 'accept');
	const after = await (await page.request.get(`${base}/api/records/${qa.id}`)).json();
	assert.equal(after.status, 'accepted');
	assert.equal(after.payload.question, 'Where did they meet?');
	assert.equal(after.lineage.edits[0].by, 'user:rev');
	assert.equal(after.lineage.model, 'qwen2.5:0.5b', 'the lineage is kept');
	/* the judge, with the record it judged */
	await page.selectOption('#gen-kind', 'judge');
	await page.locator('.rec-view .score:has-text("Score 4 / 5")').waitFor();
	await page.locator('.rec-view .judged:has-text("Where did they meet?")').waitFor();
	await checkA11y(page, 'the judge view');
});

step('reviewer (generated): bulk reject a filtered page', async ({page, base}) => {
	await page.goto(`${base}/#/generated?kind=synthetic-pii&status=proposed`);
	await page.locator('.queue li[data-id]').first().waitFor();
	const n = await page.locator('.queue li[data-id]').count();
	assert.equal(n, 3);
	await page.locator('.rec-view mark').first().waitFor(); /* planted PII spans highlighted */
	const [resp] = await Promise.all([
		page.waitForResponse((r) => r.url().endsWith('/api/records/review') && r.request().method() === 'POST'),
		page.click('#bulk-reject'),
	]);
	assert.equal(resp.status(), 200, await resp.text());
	assert.equal(resp.request().postDataJSON().records.length, 3);
	assert.ok(resp.request().postDataJSON().records.every((r) => /^[0-9a-f]{16}$/.test(r.version)), 'the batch names the versions it saw');
	await page.locator('.queue li.empty').waitFor();
	const left = await (await page.request.get(`${base}/api/records?kind=synthetic-pii&status=rejected`)).json();
	assert.equal(left.total, 3);
	await checkA11y(page, 'the empty queue');
});

step('annotator (LLM): accept an LLM class suggestion in the class task', async ({page, base, users}) => {
	await login(page, base, 'ann', users.ann);
	const [next] = await Promise.all([page.waitForResponse((r) => r.url().includes('/api/tasks/next')), page.click('#nav a[href="#/task/class"]')]);
	const task = await next.json();
	assert.ok(task, 'no class task left for ann');
	const memo = (await (await page.request.get(`${base}/api/documents/${task.document}`)).json());
	assert.match(memo.text, /London/, 'the next class task is not the memo');
	const sugg = page.locator('.items[aria-label="Suggested classes"] li[data-label="legal"]');
	await sugg.waitFor();
	assert.match(await sugg.innerText(), /LLM qwen2\.5:0\.5b/);
	assert.match(await sugg.innerText(), /pending/);
	await shot(page, 'llm-class-suggestion');
	await checkA11y(page, 'the class task with suggestions');
	await page.click('button[aria-label="Accept suggested class legal"]');
	assert.ok(await page.locator('fieldset.choices input[value="legal"]').isChecked(), 'accepting did not choose the label');
	await page.locator('.items[aria-label="Suggested classes"] li[data-label="legal"]:has-text("accepted")').waitFor();
	const sub = await annotationPost(page, (x) => x.task === task.id && x.submit === true, () => page.keyboard.press('Control+Enter'));
	assert.deepEqual(sub.body.result.labels, ['legal']);
	await nextShown(page, task.id);
});

step('annotator, same session: accept an LLM entity suggestion with the keyboard in an entity task', async ({page, base, proj}) => {
	run(['-C', proj, 'label', 'tasks', '--type', 'ner']); /* the documents added later get one */
	const tr = await page.request.get(`${base}/api/tasks/next?type=ner`);
	assert.equal(tr.status(), 200, 'no entity task left for ann');
	const task = await tr.json();
	const text = await docText(page, base, task.document);
	const word = (text.match(/[A-Za-z]{4,}/) || [])[0];
	assert.ok(word, 'no word in the task\'s document');
	const at = cpOf(text, word);
	insertRecords(proj, [{kind: 'suggest-labels', document: task.document, chunk: -1, text: 'entities: 1', lineage: LLM_LINEAGE('suggest-labels', task.document),
		payload: {classes: [], layer: 'original', entities: [{...at, label: 'ORG', text: word}]}}]);
	await page.goto(`${base}/#/documents`);
	await page.click('#nav a[href="#/task/ner"]');
	const item = page.locator('.items[aria-label="Proposals"] li').filter({hasText: 'LLM qwen2.5:0.5b'});
	await item.waitFor();
	assert.match(await item.innerText(), /pending/);
	await page.locator('.textview .seg.prop.llm').first().waitFor();
	await checkA11y(page, 'the entity task with an LLM suggestion');
	await page.keyboard.press('a');
	await page.locator('.items[aria-label="Proposals"] li.accepted').filter({hasText: 'LLM'}).waitFor();
	const sub = await annotationPost(page, (x) => x.task === task.id && x.submit === true, () => page.keyboard.press('Control+Enter'));
	assert.deepEqual(sub.body.result.spans, [{start: at.start, end: at.end, label: 'ORG'}], 'the accepted suggestion is a span at its place, without from');
	await nextShown(page, task.id); /* the next task is loading: let it land before the next step moves on */
});

step('the 10,000-block document opens and scrolls', async ({page, base}) => {
	await page.goto(`${base}/#/documents`);
	const link = page.locator('table.grid a:has-text("long")');
	await link.waitFor();
	const t0 = Date.now();
	await link.click();
	await page.locator('.pager-info:has-text("of 10000")').waitFor();
	const opened = Date.now() - t0;
	assert.ok(await page.locator('.textview .block').count() <= 200, 'more than a page of blocks in the DOM');
	await page.locator('.textview .text').evaluate((el) => { el.scrollTop = el.scrollHeight; });
	await page.locator('.textview .block:has-text("Paragraph 100 of")').waitFor();
	const t1 = Date.now();
	await page.fill('.goto', '9999');
	await page.press('.goto', 'Enter');
	await page.locator('.textview .block:has-text("Paragraph 9999 of")').waitFor();
	const jumped = Date.now() - t1;
	const target = page.locator('.textview .block.goto-target');
	assert.match(await target.innerText(), /^Paragraph 9999 of/, 'block 9999 is not the one marked');
	assert.ok(await target.isVisible() && await target.evaluate((el) => {
		const r = el.getBoundingClientRect(), v = el.parentElement.getBoundingClientRect();
		return r.top >= v.top && r.bottom <= v.bottom;
	}), 'block 9999 is not scrolled into view');
	await page.locator('.textview .text').focus();
	const t2 = Date.now();
	await page.keyboard.press('[');
	await page.locator('.textview .block:has-text("Paragraph 9801 of")').waitFor();
	const back = Date.now() - t2;
	await shot(page, 'long-document');
	await checkA11y(page, 'the document view');
	log(`  long document: opened in ${opened} ms, jump to block 9999 in ${jumped} ms, page back in ${back} ms`);
	assert.ok(opened < 5000 && jumped < 5000 && back < 5000, 'the long document is slow');
});

step('markup in document text is shown as text and never runs', async ({page, base}) => {
	await page.goto(`${base}/#/documents`);
	const link = page.locator('table.grid a:has-text("markup")');
	await link.waitFor();
	await link.click();
	await page.locator('.textview .block:has-text("onerror")').waitFor();
	const text = await page.locator('.textview .text').innerText();
	assert.ok(text.includes('<img src=x onerror="window.__xss=1">') && text.includes('<script>'), `the markup is not shown as text: ${text}`);
	assert.equal(await page.locator('.textview img, .textview script, .textview b').count(), 0, 'document markup became elements');
	await page.locator('.textview .block:has-text("onmouseover")').hover();
	assert.equal(await page.evaluate(() => window.__xss), undefined, 'document markup ran');
	await shot(page, 'markup-as-text');
});

step('admin: Label Studio export and import', async ({page, base, users}) => {
	await login(page, base, 'admin', users.admin);
	await page.click('#nav a[href="#/admin"]');
	const link = page.locator('a[href="/api/export/labelstudio"]');
	await link.waitFor();
	const exp = await page.request.get(`${base}/api/export/labelstudio`);
	assert.equal(exp.status(), 200, `GET /api/export/labelstudio: ${exp.status()} ${await exp.text()}`);
	const tasks = await exp.json();
	assert.ok(Array.isArray(tasks) && tasks.some((t) => t.data && typeof t.data.text === 'string' && t.data.text.includes('Acme Corp')),
		'the export lacks the notes');
	const before = (await (await page.request.get(`${base}/api/documents`)).json()).total;
	const text = 'Imported note: Dana Reyes called about the lease on Friday.';
	await page.setInputFiles('#ls-file', {name: 'ls.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify([{data: {text}}]))});
	const [resp] = await Promise.all([
		page.waitForResponse((r) => r.url().endsWith('/api/import/labelstudio') && r.request().method() === 'POST'),
		page.click('button:has-text("Import")'),
	]);
	assert.equal(resp.status(), 200, `POST /api/import/labelstudio: ${resp.status()} ${await resp.text()}`);
	assert.ok(resp.request().headers()['x-csrf-token'], 'the import was sent without X-CSRF-Token');
	await page.locator('#status:has-text("Imported 1 documents")').waitFor();
	const after = (await (await page.request.get(`${base}/api/documents`)).json()).total;
	assert.equal(after, before + 1, 'the import made no document');
	await checkA11y(page, 'the admin screen');
});

step('every file the app loaded is same-origin and names no external URL', async ({page, base}) => {
	const urls = await page.evaluate(() => [location.href, ...performance.getEntriesByType('resource').map((e) => e.name)]);
	const files = [...new Set(urls.map((u) => u.split('#')[0]).filter((u) => !u.includes('/api/')))];
	assert.ok(files.some((u) => u.endsWith('.js')) && files.some((u) => u.endsWith('.css')), `too few files loaded: ${files}`);
	for (const u of files) {
		assert.ok(u.startsWith(`${base}/`), `loaded from another origin: ${u}`);
		const body = await (await page.request.get(u)).body();
		assert.doesNotMatch(body.toString('latin1'), /(https?|wss?|ftp):\/\//i, `${u} names an external URL`);
	}
	log(`  ${files.length} files checked`);
});

/* ------------------------------------------------------------------- main */

async function main() {
	const server = await startServer();
	log(`server ${server.base}`);
	const browser = await chromium.launch({executablePath: CHROMIUM, headless: true, args: ['--no-sandbox']});
	let failed = 0;
	let pg = await newPage(browser, server.base, 'setup');
	try {
		for (const s of steps) {
			const before = problems.length;
			const t = Date.now();
			try {
				/* a fresh browser (no cookies) for each user */
				const fresh = {'annotator: wrong': 'annotator', 'second annotator': 'second annotator', 'reviewer: review': 'reviewer', 'admin: Label Studio': 'admin',
					'reviewer (generated): review': 'reviewer-generated', 'annotator (LLM)': 'annotator-llm'};
				const who = Object.keys(fresh).find((k) => s.name.startsWith(k));
				if (who) { await pg.ctx.close(); pg = await newPage(browser, server.base, fresh[who]); }
				await s.fn({page: pg.page, base: server.base, users: server.users, proj: server.proj});
				if (problems.length > before) throw new Error(`page problems:\n    ${problems.slice(before).join('\n    ')}`);
				log(`ok   ${s.name} (${Date.now() - t} ms)`);
			} catch (e) {
				failed++;
				log(`FAIL ${s.name}: ${e.stack || e.message}`);
				await pg.page.screenshot({path: path.join(ART, `FAIL-${steps.indexOf(s)}.png`)}).catch(() => {});
				/* later steps go on: most stand alone, and all failures are reported */
			}
		}
	} finally {
		await browser.close();
		await server.stop();
	}
	log(failed ? `${failed} step(s) failed` : `all ${steps.length} steps passed`);
	logFile.end();
	process.exitCode = failed ? 1 : 0;
}

main().catch((e) => { log(`FAIL setup: ${e.stack || e.message}`); logFile.end(); process.exitCode = 1; });
