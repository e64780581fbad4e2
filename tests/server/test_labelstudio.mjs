// Label Studio JSON in and out through the real server: an admin imports
// tasks with annotations of two Label Studio users (spans, a choice, an
// emoji that is 2 UTF-16 units and 1 code point), the documents, tasks and
// annotations appear, agreement sees both annotators, the export gives the
// same spans back in Label Studio's units, and a second import adds no
// document twice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { makeProject, startServer, request, login, cli } from './lib.mjs';

let P, S;
before(async () => { P = makeProject('labelstudio'); S = await startServer(P.proj); });
after(async () => { assert.equal(await S.stop(), 0, S.stderr()); P.cleanup(); });

const TEXT = 'Hi \u{1F600} Ana Lima joined ACME in Lisbon.';
const span = (start, end, label) => ({ type: 'labels', from_name: 'label', to_name: 'text',
  value: { start, end, text: TEXT.slice(start, end), labels: [label] } });
const TASKS = [
  { id: 101, data: { text: TEXT }, annotations: [
    { id: 1, completed_by: 7, result: [span(6, 14, 'PERSON'), span(22, 26, 'ORG'),
      { type: 'choices', from_name: 'topic', to_name: 'text', value: { choices: ['news'] } }] },
    { id: 2, completed_by: 8, result: [span(6, 14, 'PERSON')] }] },
  { id: 102, data: { text: 'A second note, not yet annotated.' }, annotations: [] },
  { id: 103, data: { image: '/x.png' } },
];

test('import, agreement, export, re-import', async () => {
  const adm = await login(S, 'adm'), rev = await login(S, 'rev');
  assert.equal((await request(S, 'POST', '/api/import/labelstudio', { session: rev, body: TASKS })).status, 403);
  const r = await request(S, 'POST', '/api/import/labelstudio', { session: adm, body: TASKS });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.documents, 2);
  assert.equal(r.json.annotations, 3); // 2 ner, 1 class
  assert.equal(r.json.tasks, 2);
  assert.equal(r.json.errors.length, 1, JSON.stringify(r.json.errors)); // the image-only task
  const docs = await request(S, 'GET', '/api/documents?q=labelstudio%3Atask', { session: rev });
  assert.equal(docs.json.total, 2);
  const doc = await request(S, 'GET', `/api/documents/${docs.json.documents[0].id}`, { session: rev });
  assert.equal(doc.json.text, TEXT);

  const ag = await request(S, 'GET', '/api/agreement?type=ner', { session: rev });
  assert.equal(ag.json.annotators, 2);
  assert.ok(Math.abs(ag.json.f1 - 2 / 3) < 1e-9, JSON.stringify(ag.json));
  const users = await request(S, 'GET', '/api/users', { session: adm });
  const ls7 = users.json.users.find((u) => u.name === 'ls-7');
  assert.ok(ls7 && ls7.disabled, 'imported users cannot log in');

  const ex = await request(S, 'GET', '/api/export/labelstudio', { session: rev });
  assert.equal(ex.status, 200);
  assert.match(ex.headers['content-type'], /^application\/json/);
  const out = JSON.parse(ex.text);
  const mine = out.filter((t) => t.data.text === TEXT);
  const ner = mine.find((t) => t.annotations.some((a) => a.result.some((x) => x.type === 'labels')));
  const a7 = ner.annotations.find((a) => a.completed_by === ls7.id);
  const spans = a7.result.map((x) => [x.value.start, x.value.end, x.value.labels[0], x.value.text]).sort();
  assert.deepEqual(spans, [[22, 26, 'ORG', 'ACME'], [6, 14, 'PERSON', 'Ana Lima']]);

  const again = await request(S, 'POST', '/api/import/labelstudio', { session: adm, body: TASKS.slice(0, 2) });
  assert.equal(again.status, 200);
  assert.equal(again.json.documents, 0, 'no document twice');
  assert.equal((await request(S, 'POST', '/api/import/labelstudio', { session: adm, raw: '{"not": "tasks"' })).status, 400);
  const log = cli(P.proj, ['audit', 'log', '--json']).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(log.filter((e) => e.action === 'label.annotation.import' && e.actor === 'user:adm').length, 3);
  // The export carried original text out: who took it and the file's hash are in the chain.
  const exports = log.filter((e) => e.action === 'label.export.labelstudio');
  assert.equal(exports.length, 1);
  assert.equal(exports[0].actor, 'user:rev');
  assert.equal(exports[0].outputs.sha256, crypto.createHash('sha256').update(ex.buf).digest('hex'));
  assert.match(cli(P.proj, ['audit', 'verify']), /^ok: /);
});
