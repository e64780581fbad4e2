// The label server's API against a real `enclave serve` on loopback:
// the authorisation matrix (every role, and no session, against every
// endpoint), CSRF, XSS payloads returned inert, the headers on every
// response (checked by lib.mjs on each one), the embedded web app (no
// external URL in any served file), request bodies (415, 413, 400), a
// whole annotate-submit-review round, and the audit trail afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { makeProject, startServer, request, login, cli, XSS, SRC_DIR, TOOLS_DIR, ENCLAVE } from './lib.mjs';

let P, S;
const sessions = {};

before(async () => {
  P = makeProject('api');
  S = await startServer(P.proj);
  for (const n of ['ann', 'bea', 'rev', 'adm']) sessions[n] = await login(S, n);
});

after(async () => {
  const code = await S.stop();
  assert.equal(code, 0, `server exit status; stderr:\n${S.stderr()}`);
  assert.doesNotMatch(S.stderr(), /ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:/);
  P.cleanup();
});

const RANK = { none: 0, annotator: 1, reviewer: 2, admin: 3 };

test('authorisation matrix: every role against every endpoint', async () => {
  const doc = P.docs.find((d) => d.status === 'ok').id;
  const pdf = P.docs.find((d) => d.format === 'pdf');
  // bea submits an annotation for the reviewers to review.
  const bt = await request(S, 'GET', '/api/tasks/next', { session: sessions.bea });
  assert.equal(bt.status, 200);
  const bs = await request(S, 'POST', '/api/annotations', { session: sessions.bea,
    body: { task: bt.json.id, result: { spans: [] }, submit: true } });
  assert.equal(bs.status, 200, bs.text);

  const own = {}; // role -> its own annotation id, made through the matrix
  const task = {};
  const endpoints = [
    ['GET', '/api/me', 'annotator', [200]],
    ['GET', '/api/schema', 'annotator', [200]],
    ['PUT', '/api/schema', 'admin', [200], () => ({ ner: ['PERSON', 'ORG', 'LOCATION', 'DATE'], classes: { name: 'topic', multi: false, labels: [] }, boxes: ['stamp'], qa: true })],
    ['GET', '/api/settings', 'admin', [200]],
    ['PUT', '/api/settings', 'admin', [200], () => ({ k: 1 })],
    ['GET', '/api/documents?offset=0&limit=5', 'annotator', [200]],
    ['GET', `/api/documents/${doc}`, 'annotator', [200]],
    ['GET', `/api/documents/${doc}/blocks?offset=0&limit=10`, 'annotator', [200]],
    ['GET', `/api/documents/${pdf ? pdf.id : doc}/pages/1/image`, 'annotator', [pdf ? 200 : 404]],
    ['GET', '/api/tasks/next', 'annotator', [200]],
    ['GET', '/api/tasks?status=assigned', 'reviewer', [200]],
    ['POST', '/api/annotations', 'annotator', [200], (role) => ({ task: task[role], result: { spans: [{ start: 0, end: 8, label: 'PERSON' }] } })],
    ['GET', (role) => `/api/annotations/${own[role] ?? bs.json.id}`, 'annotator', [200]],
    ['GET', '/api/review/next', 'reviewer', [200, 204]],
    ['POST', '/api/review', 'reviewer', [200, 409], () => ({ annotation: bs.json.id, decision: 'accept' })],
    ['GET', '/api/agreement?type=class', 'reviewer', [200]],
    ['GET', '/api/progress', 'reviewer', [200]],
    ['GET', '/api/users', 'admin', [200]],
    ['GET', '/api/export/labelstudio', 'reviewer', [200]],
    ['POST', '/api/import/labelstudio', 'admin', [200], () => []],
    ['GET', '/api/records?limit=10', 'reviewer', [200]],
    ['GET', '/api/records/999999', 'reviewer', [404]],
    ['PATCH', '/api/records/999999', 'reviewer', [404], () => ({ version: '0000000000000000', text: 'x' })],
    ['POST', '/api/records/999999/review', 'reviewer', [404], () => ({ decision: 'accept' })],
    ['POST', '/api/records/review', 'reviewer', [404], () => ({ decision: 'reject', records: [{ id: 999999 }] })],
    ['GET', `/api/documents/${doc}/suggestions`, 'annotator', [200]],
  ];
  for (const role of ['none', 'annotator', 'reviewer', 'admin']) {
    const name = { annotator: 'ann', reviewer: 'rev', admin: 'adm' }[role];
    const session = name ? sessions[name] : undefined;
    for (const [method, p, lowest, ok, body] of endpoints) {
      const url = typeof p === 'function' ? p(role) : p;
      const opts = { session };
      if (body) opts.body = body(role);
      const r = await request(S, method, url, opts);
      const what = `${role} ${method} ${url}: ${r.status} ${r.text.slice(0, 200)}`;
      if (role === 'none') {
        assert.equal(r.status, 401, what);
        assert.deepEqual(r.json, { error: 'no valid session' }, what);
      } else if (RANK[role] < RANK[lowest]) {
        assert.equal(r.status, 403, what);
        assert.ok(r.json.error, what);
      } else {
        assert.ok(ok.includes(r.status), what);
        if (url === '/api/tasks/next') task[role] = r.json.id;
        if (url === '/api/annotations') own[role] = r.json.id;
      }
      if (r.status !== 204 && !url.endsWith('/image') || r.status >= 400)
        assert.match(r.headers['content-type'], /^application\/json; charset=utf-8$/, what);
      if (url.startsWith('/api/')) assert.equal(r.headers['cache-control'], 'no-store', what);
      if (url.endsWith('/image') && r.status === 200) {
        assert.equal(r.headers['content-type'], 'image/png');
        assert.deepEqual([...r.buf.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'a PNG');
      }
    }
  }
  // Someone else's annotation: an annotator may not read it, a reviewer may.
  assert.equal((await request(S, 'GET', `/api/annotations/${bs.json.id}`, { session: sessions.ann })).status, 403);
  assert.equal((await request(S, 'GET', `/api/annotations/${bs.json.id}`, { session: sessions.rev })).status, 200);
  // Logout, for every role, with a session of its own.
  assert.equal((await request(S, 'POST', '/api/logout', {})).status, 401);
  for (const n of ['ann', 'rev', 'adm']) {
    const s = await login(S, n);
    assert.equal((await request(S, 'POST', '/api/logout', { session: s })).status, 204);
    assert.equal((await request(S, 'GET', '/api/me', { session: s })).status, 401, 'the session is gone server-side');
  }
});

test('CSRF: a change without the session token, or with a wrong one, is 403', async () => {
  const t = await request(S, 'GET', '/api/tasks/next', { session: sessions.ann });
  assert.equal(t.status, 200);
  const body = { task: t.json.id, result: { spans: [] } };
  for (const csrf of [null, '', 'x'.repeat(64), sessions.bea.csrf, sessions.ann.csrf.toUpperCase()]) {
    const r = await request(S, 'POST', '/api/annotations', { session: sessions.ann, csrf, body });
    assert.equal(r.status, 403, `token ${csrf}`);
    assert.deepEqual(r.json, { error: 'csrf' });
  }
  const r = await request(S, 'PUT', '/api/settings', { session: sessions.adm, csrf: null, body: { k: 2 } });
  assert.equal(r.status, 403);
  assert.equal((await request(S, 'POST', '/api/logout', { session: sessions.ann, csrf: null })).status, 403);
  // GET /api/me gives the token back; it works.
  const me = await request(S, 'GET', '/api/me', { session: sessions.ann });
  assert.equal(me.json.csrf, sessions.ann.csrf);
  const ok = await request(S, 'POST', '/api/annotations', { session: { ...sessions.ann, csrf: me.json.csrf }, body });
  assert.ok([200, 409].includes(ok.status), ok.text);
});

test('XSS payloads in document text and titles come back as inert JSON strings', async () => {
  const xdoc = P.docs.find((d) => d.path.endsWith('xss.txt'));
  const r = await request(S, 'GET', `/api/documents/${xdoc.id}`, { session: sessions.ann });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  assert.equal(r.json.text, XSS.join('\n\n'), 'the text is returned exactly, as data');
  for (const [i, x] of XSS.entries()) assert.equal(r.json.blocks[i].text, x);
  // The body is JSON, not HTML: it starts with '{' and parses.
  assert.equal(r.text[0], '{');
  const hdoc = P.docs.find((d) => d.path.endsWith('xss.html'));
  const h = await request(S, 'GET', `/api/documents/${hdoc.id}`, { session: sessions.ann });
  assert.equal(h.json.title, '<img src=x onerror=alert(5)>');
  assert.match(h.json.text, /<script>alert\(6\)<\/script>/);
  const list = await request(S, 'GET', `/api/documents?q=${encodeURIComponent('xss')}`, { session: sessions.ann });
  assert.equal(list.json.total, 2);
  assert.ok(list.json.documents.some((d) => d.title === '<img src=x onerror=alert(5)>'));
});

test('the web app: every file of web/ is served, with the headers, and none names an external URL', async () => {
  const web = path.join(SRC_DIR, 'web');
  const files = [];
  const walk = (d) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const f = path.join(d, e.name);
    if (e.isDirectory()) walk(f); else files.push(path.relative(web, f));
  } };
  walk(web);
  assert.ok(files.includes('index.html'));
  // XML namespace names are identifiers, never fetched: the only http:// allowed.
  const NS = /http:\/\/www\.w3\.org\/(2000\/svg|1999\/xlink|1999\/xhtml)/g;
  const served = [['/', 'index.html'], ...files.map((f) => ['/' + f.split(path.sep).join('/'), f])];
  for (const [url, f] of served) {
    const r = await request(S, 'GET', url);
    assert.equal(r.status, 200, url);
    assert.ok(r.buf.equals(fs.readFileSync(path.join(web, f))), `${url} is web/${f} as built`);
    const text = r.text.replace(NS, '');
    assert.doesNotMatch(text, /https?:\/\//i, `${url} names an external URL`);
    assert.doesNotMatch(text, /(^|[\s"'(=,`])\/\/[a-z0-9-]+(\.[a-z0-9-]+)+/im, `${url} has a protocol-relative URL`);
    assert.equal(r.headers['cache-control'], undefined);
  }
  assert.match((await request(S, 'GET', '/')).headers['content-type'], /^text\/html/);
  for (const url of ['/nope.js', '/api', '/api/nope', '/../etc/passwd', '/index.html/x']) {
    const r = await request(S, 'GET', url);
    assert.equal(r.status, 404, url);
  }
  assert.equal((await request(S, 'DELETE', '/api/me', { session: sessions.ann })).status, 405);
});

test('request bodies: 415 without JSON, 413 past 4 MiB, 400 when malformed', async () => {
  const s = sessions.adm;
  assert.equal((await request(S, 'PUT', '/api/settings', { session: s, raw: '{"k":1}', type: 'text/plain' })).status, 415);
  assert.equal((await request(S, 'PUT', '/api/settings', { session: s, raw: '{"k":' })).status, 400);
  assert.equal((await request(S, 'PUT', '/api/settings', { session: s, raw: '[1]' })).status, 400);
  assert.equal((await request(S, 'PUT', '/api/settings', { session: s, body: { k: 0 } })).status, 400);
  assert.equal((await request(S, 'PUT', '/api/settings', { session: s, body: { wat: 1 } })).status, 400);
  assert.equal((await request(S, 'PUT', '/api/schema', { session: s, body: { ner: 'PERSON' } })).status, 400);
  const big = JSON.stringify({ task: 1, result: { spans: [] }, pad: 'x'.repeat(4 << 20) });
  assert.equal((await request(S, 'POST', '/api/annotations', { session: sessions.ann, raw: big })).status, 413);
  assert.equal((await request(S, 'GET', '/api/documents?limit=100000', { session: s })).status, 400);
  assert.equal((await request(S, 'GET', '/api/documents/999999', { session: s })).status, 404);
  assert.equal((await request(S, 'POST', '/api/login', { body: { username: 'ann' } })).status, 400);
});

test('a round: draft, stale version, submit, review; audited with the web user as actor', async () => {
  const s = sessions.bea;
  const t = await request(S, 'GET', '/api/tasks/next?type=ner', { session: s });
  assert.equal(t.status, 200, t.text);
  assert.equal(t.json.assignment.user, s.user.id);
  const again = await request(S, 'GET', '/api/tasks/next?type=ner', { session: s });
  assert.equal(again.json.id, t.json.id, 'the task in hand comes back');
  const r1 = await request(S, 'POST', '/api/annotations', { session: s, body: { task: t.json.id, result: { spans: [] } } });
  assert.equal(r1.status, 200, r1.text);
  assert.equal(r1.json.version, 1);
  assert.equal(r1.json.status, 'draft');
  const t2 = await request(S, 'GET', '/api/tasks/next?type=ner', { session: s });
  assert.equal(t2.json.draft.version, 1, 'the draft comes with the task');
  const r2 = await request(S, 'POST', '/api/annotations', { session: s, body: { task: t.json.id, version: 1, result: { spans: [{ start: 0, end: 8, label: 'PERSON' }] } } });
  assert.equal(r2.json.version, 2);
  const stale = await request(S, 'POST', '/api/annotations', { session: s, body: { task: t.json.id, version: 1, result: { spans: [] } } });
  assert.equal(stale.status, 409);
  const bad = await request(S, 'POST', '/api/annotations', { session: s, body: { task: t.json.id, version: 2, result: { spans: [{ start: 0, end: 1e6, label: 'PERSON' }] } } });
  assert.equal(bad.status, 400);
  const sub = await request(S, 'POST', '/api/annotations', { session: s, body: { task: t.json.id, version: 2, submit: true, result: r2.json.result } });
  assert.equal(sub.json.status, 'submitted');
  const notmine = await request(S, 'POST', '/api/annotations', { session: sessions.ann, body: { task: t.json.id, result: { spans: [] } } });
  assert.equal(notmine.status, 403);
  const rv = await request(S, 'POST', '/api/review', { session: sessions.rev, body: { annotation: sub.json.id, decision: 'correct', result: { spans: [] }, comment: 'no name there' } });
  assert.equal(rv.status, 200, rv.text);
  assert.equal(rv.json.status, 'accepted');
  assert.deepEqual(rv.json.result, { spans: [] });
  const prog = await request(S, 'GET', '/api/progress', { session: sessions.rev });
  const bea = prog.json.users.find((u) => u.name === 'bea');
  assert.ok(bea.accepted >= 2, JSON.stringify(bea));
  const log = cli(P.proj, ['audit', 'log', '--json']).trim().split('\n').map((l) => JSON.parse(l));
  const by = (a, actor) => log.filter((e) => e.action === a && e.actor === actor).length;
  assert.ok(by('label.annotation.save', 'user:bea') >= 2);
  assert.ok(by('label.annotation.submit', 'user:bea') >= 2);
  assert.ok(by('label.review', 'user:rev') >= 2);
  assert.ok(by('label.schema.set', 'user:adm') >= 1);
  assert.match(cli(P.proj, ['audit', 'verify']), /^ok: /);
});

test("a scan's page image: an ingested PNG is decoded and served as a PNG of the page", async (t) => {
  if (!TOOLS_DIR || !fs.existsSync(path.join(TOOLS_DIR, 'mkpng'))) return t.skip('mkpng not built');
  const dir = fs.mkdtempSync(path.join(process.env.TEST_TMP || '/tmp', 'server-scan-'));
  try {
    const input = path.join(dir, 'in');
    fs.mkdirSync(input);
    execFileSync(path.join(TOOLS_DIR, 'mkpdf'), ['simple', path.join(dir, 'scan.pdf'), 'A scanned page with a stamp.']);
    execFileSync(path.join(TOOLS_DIR, 'mkpng'), [path.join(dir, 'scan.pdf'), path.join(input, 'scan.png'), '100']);
    const proj = path.join(dir, 'proj');
    execFileSync(ENCLAVE, ['init', proj], { stdio: 'pipe' });
    cli(proj, ['ingest', input]);
    cli(proj, ['user', 'add', 'ann', '--role', 'annotator', '--password-stdin'], 'correct horse battery\n');
    const doc = JSON.parse(cli(proj, ['ls', '--json']).trim().split('\n')[0]);
    const srv = await startServer(proj);
    try {
      const s = await login(srv, 'ann');
      const r = await request(srv, 'GET', `/api/documents/${doc.id}/pages/1/image`, { session: s });
      assert.equal(r.status, 200, r.buf.toString());
      assert.equal(r.headers['content-type'], 'image/png');
      assert.deepEqual([...r.buf.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'a PNG');
      assert.equal((await request(srv, 'GET', `/api/documents/${doc.id}/pages/2/image`, { session: s })).status, 404);
    } finally {
      assert.equal(await srv.stop(), 0);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
