// Generated records in the label server (docs/api.md, "Generated records"),
// against a real `enclave serve` on loopback with records inserted through
// the public record API (tests/tools/mkrecords) and by `enclave augment`:
// listing with filters, paging and counts, one record with its lineage,
// accept / reject / reset with versions (409 when stale), edits of qa,
// instruct, paraphrase and summary records (lineage kept, "edits" and
// "original" added, 409 when stale, 400 for other kinds and bad fields),
// batch decisions (all or nothing), roles, CSRF, an XSS payload returned as
// an inert string, the audit events with the web user as actor, and
// suggest-labels decided by the review of the document's annotations.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeProject, startServer, request, login, cli, XSS } from './lib.mjs';
import { recordLines, insertRecords, judgeLine, synthetic, cp } from './records_fixture.mjs';

let P, S, DOC, TEXT;
const sessions = {};
const byKind = {};

before(async () => {
  P = makeProject('records');
  const d = P.docs.find((x) => x.path.endsWith('doc1.txt'));
  DOC = d.id;
  cli(P.proj, ['label', 'tasks', '--type', 'class']);
  S = await startServer(P.proj);
  for (const n of ['ann', 'bea', 'rev', 'adm']) sessions[n] = await login(S, n);
  TEXT = (await get(`/api/documents/${DOC}`)).json.text;
  assert.equal(insertRecords(P.proj, recordLines(DOC, TEXT, XSS[1])), 6);
  synthetic(P.proj, 3);
  const all = await request(S, 'GET', '/api/records?limit=200', { session: sessions.rev });
  assert.equal(all.status, 200, all.text);
  for (const r of all.json.records) (byKind[r.kind] ||= []).push(r);
  const qa = byKind.qa[0];
  assert.equal(insertRecords(P.proj, [judgeLine(DOC, qa.id)]), 1);
});

after(async () => {
  const code = await S.stop();
  assert.equal(code, 0, `server exit status; stderr:\n${S.stderr()}`);
  assert.doesNotMatch(S.stderr(), /ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:/);
  P.cleanup();
});

const get = (url, who = 'rev') => request(S, 'GET', url, { session: sessions[who] });
const send = (method, url, body, who = 'rev') => request(S, method, url, { session: sessions[who], body });

test('list: filters, paging, counts per kind and status; one record with its lineage', async () => {
  const all = await get('/api/records?limit=200');
  assert.equal(all.json.total, 10, 'six inserted, three synthetic-pii, one judge');
  assert.deepEqual(all.json.counts.qa, { proposed: 2, accepted: 0, rejected: 0 });
  assert.deepEqual(all.json.counts['synthetic-pii'], { proposed: 3, accepted: 0, rejected: 0 });
  assert.equal(all.json.counts.judge.proposed, 1);
  const ids = all.json.records.map((r) => r.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'in id order');
  const qa = await get('/api/records?kind=qa');
  assert.equal(qa.json.total, 2);
  assert.ok(qa.json.records.every((r) => r.kind === 'qa'));
  const page = await get('/api/records?limit=4&offset=4');
  assert.equal(page.json.records.length, 4);
  assert.deepEqual(page.json.records.map((r) => r.id), ids.slice(4, 8));
  const ofDoc = await get(`/api/records?document=${DOC}`);
  assert.equal(ofDoc.json.total, 7);
  assert.equal(ofDoc.json.counts['synthetic-pii'], undefined, 'counts follow the document filter');
  assert.equal((await get('/api/records?status=nope')).status, 400);
  assert.equal((await get('/api/records?limit=0')).status, 400);
  assert.equal((await get('/api/records?limit=201')).status, 400);

  const one = await get(`/api/records/${byKind.qa[0].id}`);
  assert.equal(one.status, 200);
  assert.equal(one.json.payload.question, 'Where did Ana Lima meet the board?');
  assert.equal(one.json.lineage.model, 'qwen2.5:0.5b');
  assert.equal(one.json.lineage.template.sha256, 'ab'.repeat(32));
  assert.equal(one.json.document, DOC);
  assert.match(one.json.version, /^[0-9a-f]{16}$/);
  assert.equal(one.json.status, 'proposed');
  assert.equal((await get('/api/records/999999')).status, 404);
});

test('an XSS payload in record text and payload comes back as an inert JSON string', async () => {
  const x = byKind.qa[1];
  const r = await get(`/api/records/${x.id}`);
  assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(r.text[0], '{');
  assert.equal(r.json.text, XSS[1]);
  assert.equal(r.json.payload.question, XSS[1]);
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  assert.equal(r.headers['content-security-policy'], "default-src 'self'; frame-ancestors 'none'");
  // In a list too, and the payload's markup is a JSON string, never markup of the response.
  const list = await get(`/api/records?kind=qa`);
  assert.ok(list.json.records.some((x) => x.payload.answer === XSS[1]));
  assert.doesNotMatch(list.text, /^\s*</);
});

test('roles and CSRF: annotators may not list or decide records; changes need the token', async () => {
  const id = byKind.summary[0].id;
  for (const [m, url, body] of [['GET', '/api/records'], ['GET', `/api/records/${id}`],
    ['POST', `/api/records/${id}/review`, { decision: 'accept' }], ['POST', '/api/records/review', { decision: 'accept', records: [{ id }] }],
    ['PATCH', `/api/records/${id}`, { version: 'x', text: 'y' }]]) {
    assert.equal((await request(S, m, url, { body })).status, 401, `${m} ${url} without a session`);
    assert.equal((await send(m, url, body, 'ann')).status, 403, `${m} ${url} as annotator`);
    if (m !== 'GET') {
      for (const csrf of [null, 'x'.repeat(64), sessions.bea.csrf]) {
        const r = await request(S, m, url, { session: sessions.rev, csrf, body });
        assert.equal(r.status, 403, `${m} ${url} csrf ${csrf}`);
        assert.deepEqual(r.json, { error: 'csrf' });
      }
    }
  }
  assert.equal((await get(`/api/documents/${DOC}/suggestions`, 'ann')).status, 200, 'annotators see suggestions');
  assert.equal((await get('/api/documents/999999/suggestions', 'ann')).status, 404);
  // Nothing changed through all of that.
  assert.equal((await get(`/api/records/${id}`)).json.status, 'proposed');
});

test('accept, reject, reset: versions, 409 when stale, audited as the reviewer', async () => {
  const r0 = await get(`/api/records/${byKind.summary[0].id}`);
  const a = await send('POST', `/api/records/${r0.json.id}/review`, { decision: 'accept', version: r0.json.version });
  assert.equal(a.status, 200, a.text);
  assert.equal(a.json.status, 'accepted');
  assert.notEqual(a.json.version, r0.json.version);
  const stale = await send('POST', `/api/records/${r0.json.id}/review`, { decision: 'reject', version: r0.json.version });
  assert.equal(stale.status, 409);
  assert.equal((await get(`/api/records/${r0.json.id}`)).json.status, 'accepted', 'a stale decision changes nothing');
  assert.equal((await send('POST', `/api/records/${r0.json.id}/review`, { decision: 'maybe' })).status, 400);
  assert.equal((await send('POST', `/api/records/${r0.json.id}/review`, { decision: 'accept', version: 3 })).status, 400);
  const reset = await send('POST', `/api/records/${r0.json.id}/review`, { decision: 'reset', version: a.json.version }, 'adm');
  assert.equal(reset.json.status, 'proposed');
  assert.equal((await send('POST', '/api/records/999999/review', { decision: 'accept' })).status, 404);
  const log = cli(P.proj, ['audit', 'log', '--json']).trim().split('\n').map((l) => JSON.parse(l));
  const ev = log.filter((e) => e.action === 'augment.record.status' && e.subject === `record:${r0.json.id}`);
  assert.deepEqual(ev.map((e) => [e.actor, e.params.status, e.params.previous]),
    [['user:rev', 'accepted', 'proposed'], ['user:adm', 'proposed', 'accepted']]);
});

test('edit a qa record: fields, evidence, lineage kept with the edit, 409 when stale', async () => {
  const r0 = (await get(`/api/records/${byKind.qa[0].id}`)).json;
  const ev = cp(r0.payload.context, 'the board');
  const e1 = await send('PATCH', `/api/records/${r0.id}`, { version: r0.version,
    payload: { question: 'Whom did Ana Lima meet?', answer: 'The board.', evidence: { start: ev.start, end: ev.end } } });
  assert.equal(e1.status, 200, e1.text);
  assert.equal(e1.json.text, 'The board.', 'the text of a qa record is its answer');
  assert.equal(e1.json.payload.question, 'Whom did Ana Lima meet?');
  assert.deepEqual(e1.json.payload.evidence, { start: ev.start, end: ev.end, text: 'the board' }, 'evidence text from the context');
  assert.equal(e1.json.payload.context, r0.payload.context);
  for (const k of ['generator', 'endpoint', 'model', 'model_digest', 'template', 'sampling', 'source', 'seed'])
    assert.deepEqual(e1.json.lineage[k], r0.lineage[k], `lineage ${k} kept`);
  assert.equal(e1.json.lineage.edits.length, 1);
  assert.equal(e1.json.lineage.edits[0].by, 'user:rev');
  assert.deepEqual(e1.json.lineage.edits[0].fields.sort(), ['answer', 'evidence', 'question']);
  assert.equal(e1.json.lineage.edits[0].text_sha256, r0.text_sha256);
  assert.deepEqual(e1.json.lineage.original, { text: r0.text, payload: r0.payload });
  assert.equal(e1.json.status, 'proposed', 'an edit does not decide');
  const stale = await send('PATCH', `/api/records/${r0.id}`, { version: r0.version, payload: { question: 'again?' } });
  assert.equal(stale.status, 409);
  const e2 = await send('PATCH', `/api/records/${r0.id}`, { version: e1.json.version, payload: { question: 'Who met the board?' } }, 'adm');
  assert.equal(e2.status, 200, e2.text);
  assert.equal(e2.json.lineage.edits.length, 2);
  assert.equal(e2.json.lineage.edits[1].by, 'user:adm');
  assert.deepEqual(e2.json.lineage.original, { text: r0.text, payload: r0.payload }, 'the original is the generator output');
  // Bad edits: 400, nothing changed.
  const v = e2.json.version;
  for (const body of [{ version: v, text: 'x' }, { version: v, payload: { context: 'x' } }, { version: v, payload: { question: '' } },
    { version: v, payload: { evidence: { start: 5, end: 2 } } }, { version: v, payload: { evidence: { start: 0, end: 1e6 } } },
    { version: v }, { text: 'no version' }, { version: v, payload: { question: 'q' }, status: 'accepted' }]) {
    const r = await send('PATCH', `/api/records/${r0.id}`, body);
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
  }
  assert.equal((await get(`/api/records/${r0.id}`)).json.version, v);
  const log = cli(P.proj, ['audit', 'log', '--json']).trim().split('\n').map((l) => JSON.parse(l));
  const ed = log.filter((e) => e.action === 'augment.record.edit' && e.subject === `record:${r0.id}`);
  assert.deepEqual(ed.map((e) => e.actor), ['user:rev', 'user:adm']);
  assert.equal(ed[0].inputs.text_sha256, r0.text_sha256);
  assert.equal(ed[0].outputs.text_sha256, e1.json.text_sha256);
  assert.match(cli(P.proj, ['audit', 'verify']), /^ok: /);
});

test('edit instruct, paraphrase (spans follow the text) and summary; other kinds are not edited', async () => {
  const ins = (await get(`/api/records/${byKind.instruct[0].id}`)).json;
  const ei = await send('PATCH', `/api/records/${ins.id}`, { version: ins.version, payload: { instruction: 'Who met?', input: 'context', response: 'Ana Lima.' } });
  assert.equal(ei.status, 200, ei.text);
  assert.equal(ei.json.text, 'Ana Lima.');
  assert.equal(ei.json.payload.input, 'context');

  const para = (await get(`/api/records/${byKind.paraphrase[0].id}`)).json;
  const nt = 'Ana Lima, once again in Lisbon, met the board.';
  const ep = await send('PATCH', `/api/records/${para.id}`, { version: para.version, text: nt });
  assert.equal(ep.status, 200, ep.text);
  assert.equal(ep.json.text, nt);
  // The spans were in the order Lisbon, Ana Lima: Lisbon is found, Ana Lima (before it now) is not.
  assert.deepEqual(ep.json.payload.spans, [{ ...cp(nt, 'Lisbon'), label: 'LOCATION' }]);
  const spans = [{ ...cp(nt, 'Ana Lima'), label: 'PERSON' }, { ...cp(nt, 'Lisbon'), label: 'LOCATION' }];
  const ep2 = await send('PATCH', `/api/records/${para.id}`, { version: ep.json.version, payload: { spans } });
  assert.deepEqual(ep2.json.payload.spans, spans);
  assert.equal((await send('PATCH', `/api/records/${para.id}`, { version: ep2.json.version, payload: { spans: [{ start: 0, end: 999, label: 'X' }] } })).status, 400);

  const sum = (await get(`/api/records/${byKind.summary[0].id}`)).json;
  const es = await send('PATCH', `/api/records/${sum.id}`, { version: sum.version, text: 'Ana Lima met the board in Lisbon.' });
  assert.equal(es.json.text, 'Ana Lima met the board in Lisbon.');
  assert.equal(es.json.payload.source_chars, sum.payload.source_chars);

  for (const kind of ['synthetic-pii', 'suggest-labels']) {
    const r = byKind[kind][0];
    const cur = (await get(`/api/records/${r.id}`)).json;
    const x = await send('PATCH', `/api/records/${r.id}`, { version: cur.version, text: 'changed' });
    assert.equal(x.status, 400, kind);
    assert.match(x.json.error, /not edited/);
  }
});

test('batch: accept a filtered page at once; one stale version and nothing changes', async () => {
  const syn = (await get('/api/records?kind=synthetic-pii&status=proposed')).json.records;
  assert.equal(syn.length, 3);
  const stale = syn.map((r) => ({ id: r.id, version: r.version }));
  stale[2].version = '0000000000000000';
  const bad = await send('POST', '/api/records/review', { decision: 'reject', records: stale });
  assert.equal(bad.status, 409, bad.text);
  assert.equal((await get('/api/records?kind=synthetic-pii&status=proposed')).json.total, 3, 'all or nothing');
  assert.equal((await send('POST', '/api/records/review', { decision: 'reject', records: [] })).status, 400);
  assert.equal((await send('POST', '/api/records/review', { decision: 'reject', records: [{ id: 'x' }] })).status, 400);
  const ok = await send('POST', '/api/records/review', { decision: 'reject', records: syn.map((r) => ({ id: r.id, version: r.version })) });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.changed, 3);
  assert.ok(ok.json.records.every((r) => r.status === 'rejected' && /^[0-9a-f]{16}$/.test(r.version)));
  const counts = (await get('/api/records')).json.counts['synthetic-pii'];
  assert.deepEqual(counts, { proposed: 0, accepted: 0, rejected: 3 });
  const log = cli(P.proj, ['audit', 'log', '--json']).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(log.filter((e) => e.action === 'augment.record.status' && e.params.via === 'batch' && e.actor === 'user:rev').length, 3);
});

test('suggest-labels: shown to annotators, decided by the review of the ner and class annotations', async () => {
  const sug = await get(`/api/documents/${DOC}/suggestions`, 'ann');
  assert.equal(sug.json.suggestions.length, 1);
  const s = sug.json.suggestions[0];
  assert.equal(s.model, 'qwen2.5:0.5b');
  assert.deepEqual(s.classes, ['legal']);
  assert.equal(s.entities.length, 2);
  // Set a schema with the suggested labels, then annotate the document.
  assert.equal((await send('PUT', '/api/schema', { ner: ['PERSON', 'LOCATION'], classes: { name: 'topic', multi: false, labels: ['legal', 'finance'] }, boxes: [], qa: true }, 'adm')).status, 200);
  const tasks = (await get('/api/tasks?limit=1000')).json;
  const list = Array.isArray(tasks) ? tasks : tasks.tasks;
  const ner = list.find((t) => t.document === DOC && t.type === 'ner');
  const cls = list.find((t) => t.document === DOC && t.type === 'class');
  // bea takes tasks until she holds the ner task of DOC (others are submitted empty).
  async function take(type, id) {
    for (let i = 0; i < 50; i++) {
      const t = (await get(`/api/tasks/next?type=${type}`, 'bea')).json;
      assert.ok(t, `no ${type} task left before ${id}`);
      if (t.id === id) return t;
      const empty = type === 'ner' ? { spans: [] } : { labels: [] };
      assert.equal((await send('POST', '/api/annotations', { task: t.id, result: empty, submit: true }, 'bea')).status, 200);
    }
    throw new Error('task not reached');
  }
  await take('ner', ner.id);
  const ent = s.entities[0]; // Ana Lima, PERSON: accepted; Lisbon left out: rejected
  const sub = await send('POST', '/api/annotations', { task: ner.id, submit: true, result: { spans: [{ start: ent.start, end: ent.end, label: ent.label }] } }, 'bea');
  assert.equal(sub.status, 200, sub.text);
  const rv = await send('POST', '/api/review', { annotation: sub.json.id, decision: 'accept' });
  assert.equal(rv.status, 200, rv.text);
  let rec = (await get(`/api/records/${s.record}`)).json;
  assert.equal(rec.status, 'accepted', 'one suggestion accepted: the record is accepted');
  assert.deepEqual(rec.payload.review.entities, { accepted: 1, rejected: 1, annotation: sub.json.id });

  await take('class', cls.id);
  const csub = await send('POST', '/api/annotations', { task: cls.id, submit: true, result: { labels: ['finance'] } }, 'bea');
  await send('POST', '/api/review', { annotation: csub.json.id, decision: 'accept' });
  rec = (await get(`/api/records/${s.record}`)).json;
  assert.equal(rec.status, 'accepted', 'still accepted: an entity was');
  assert.deepEqual(rec.payload.review.classes, { accepted: 0, rejected: 1, annotation: csub.json.id });
  const log = cli(P.proj, ['audit', 'log', '--json']).trim().split('\n').map((l) => JSON.parse(l));
  const ev = log.filter((e) => e.action === 'augment.record.status' && e.subject === `record:${s.record}`);
  assert.deepEqual(ev.map((e) => [e.actor, e.params.status, e.params.via]), [['user:rev', 'accepted', 'label.review']]);
  const reviews = log.filter((e) => e.action === 'label.review' && e.params.suggestions_decided === 1);
  assert.equal(reviews.length, 2);
});

test('suggest-labels: every suggestion rejected makes the record rejected; a redacted layer is not shown', async () => {
  const d2 = P.docs.find((x) => x.path.endsWith('doc2.txt')).id;
  const t2 = (await get(`/api/documents/${d2}`)).json.text;
  const ana = cp(t2, 'Ana Lima');
  const L = (layer) => ({ kind: 'suggest-labels', document: d2, chunk: -1, text: `entities: 1 (${layer})`, lineage: { model: 'm1' },
    payload: { classes: [], layer, entities: [{ ...ana, label: 'PERSON', text: 'Ana Lima' }] } });
  assert.equal(insertRecords(P.proj, [L('original'), L('redacted')]), 2);
  const sug = (await get(`/api/documents/${d2}/suggestions`, 'ann')).json.suggestions;
  assert.equal(sug.length, 1, 'offsets into the redacted layer do not fit the app\'s text');
  const ner = (await get('/api/tasks?limit=1000')).json;
  const task = (Array.isArray(ner) ? ner : ner.tasks).find((t) => t.document === d2 && t.type === 'ner');
  for (let i = 0; i < 50; i++) {
    const t = (await get('/api/tasks/next?type=ner', 'ann')).json;
    assert.ok(t);
    const mine = t.id === task.id;
    const sub = await send('POST', '/api/annotations', { task: t.id, result: { spans: [] }, submit: true }, 'ann');
    assert.equal(sub.status, 200, sub.text);
    if (mine) {
      assert.equal((await send('POST', '/api/review', { annotation: sub.json.id, decision: 'accept' })).status, 200);
      break;
    }
  }
  const rec = (await get(`/api/records/${sug[0].record}`)).json;
  assert.equal(rec.status, 'rejected', 'no class suggestions, the entity rejected: rejected');
  assert.equal((await get(`/api/documents/${d2}/suggestions`, 'ann')).json.suggestions.length, 0, 'rejected ones are not shown');
  assert.match(cli(P.proj, ['audit', 'verify']), /^ok: /);
});

test('code points, not bytes or UTF-16 units: evidence edits and moved spans past astral and accented characters', async () => {
  const ctx = 'Caf\u00e9 \u{1F4DD} notes: Z\u00f6e met \u{1D49C}lan in S\u00e3o Paulo.';
  const para = '\u{1F600} Z\u00f6e saw S\u00e3o Paulo.';
  const ev0 = cp(ctx, 'Z\u00f6e');
  assert.equal(insertRecords(P.proj, [
    { kind: 'qa', document: DOC, chunk: 0, text: 'Z\u00f6e.', lineage: { model: 'm' },
      payload: { question: 'Who?', answer: 'Z\u00f6e.', evidence: { ...ev0, text: 'Z\u00f6e' }, context: ctx } },
    { kind: 'paraphrase', document: DOC, chunk: 0, text: para, lineage: { model: 'm' },
      payload: { source_text: ctx, spans: [{ ...cp(para, 'Z\u00f6e'), label: 'PERSON' }, { ...cp(para, 'S\u00e3o Paulo'), label: 'LOCATION' }] } },
  ]), 2);
  const list = (await get(`/api/records?document=${DOC}&limit=200`)).json.records;
  const qa = list.find((r) => r.kind === 'qa' && r.payload.context === ctx);
  const ev = cp(ctx, 'S\u00e3o Paulo');
  const e = await send('PATCH', `/api/records/${qa.id}`, { version: qa.version, payload: { evidence: { start: ev.start, end: ev.end } } });
  assert.equal(e.status, 200, e.text);
  assert.equal(e.json.payload.evidence.text, 'S\u00e3o Paulo', 'the evidence text is the context\'s code points [start, end)');
  const pr = list.find((r) => r.kind === 'paraphrase' && r.text === para);
  const nt = '\u{1F600}\u{1F600} In S\u00e3o Paulo, Z\u00f6e was seen.';
  const m = await send('PATCH', `/api/records/${pr.id}`, { version: pr.version, text: nt });
  assert.equal(m.status, 200, m.text);
  // Z\u00f6e came first in the old text; after it moved behind S\u00e3o Paulo, S\u00e3o Paulo (looked for after it) is not found.
  assert.deepEqual(m.json.payload.spans, [{ ...cp(nt, 'Z\u00f6e'), label: 'PERSON' }]);
  const log = cli(P.proj, ['audit', 'log', '--json']).trim().split('\n').map((l) => JSON.parse(l));
  const ed = log.filter((x) => x.action === 'augment.record.edit' && x.subject === `record:${pr.id}`);
  assert.equal(ed[0].params.spans_dropped, 1);
});
