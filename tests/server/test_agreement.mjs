// GET /api/agreement against a real server: two annotators label the same
// class and ner tasks (k = 2) through the API; the figures must be the ones
// worked out by hand here (Cohen 0.5, Fleiss 7/15, span F1 2/3), and only
// reviewers may read them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeProject, startServer, request, login, cli } from './lib.mjs';

let P, S;
before(async () => {
  P = makeProject('agreement', { nerK: 2 });
  cli(P.proj, ['label', 'tasks', '--type', 'class', '--k', '2']);
  cli(P.proj, ['label', 'tasks', '--type', 'box', '--k', '2']);
  S = await startServer(P.proj);
});
after(async () => {
  assert.equal(await S.stop(), 0, S.stderr());
  P.cleanup();
});

// Both annotators take their next task of `type` (the same one: k = 2 and
// started tasks come first) and submit `ra` and `rb`.
async function both(ann, bea, type, ra, rb) {
  const ta = await request(S, 'GET', `/api/tasks/next?type=${type}`, { session: ann });
  const tb = await request(S, 'GET', `/api/tasks/next?type=${type}`, { session: bea });
  assert.equal(ta.status, 200);
  assert.equal(tb.json.id, ta.json.id, 'the second annotator gets the started task');
  for (const [s, r] of [[ann, ra], [bea, rb]]) {
    const x = await request(S, 'POST', '/api/annotations', { session: s, body: { task: ta.json.id, result: r, submit: true } });
    assert.equal(x.status, 200, x.text);
  }
}

test('agreement figures from annotations made through the API', async () => {
  const ann = await login(S, 'ann'), bea = await login(S, 'bea'), rev = await login(S, 'rev');
  const L = (l) => ({ labels: [l] });
  for (const [a, b] of [['A', 'A'], ['A', 'B'], ['B', 'B'], ['B', 'B']]) await both(ann, bea, 'class', L(a), L(b));
  // A draft does not count.
  const t = await request(S, 'GET', '/api/tasks/next?type=class', { session: ann });
  await request(S, 'POST', '/api/annotations', { session: ann, body: { task: t.json.id, result: L('B') } });

  const c = await request(S, 'GET', '/api/agreement?type=class', { session: rev });
  assert.equal(c.status, 200, c.text);
  assert.equal(c.json.type, 'class');
  assert.equal(c.json.items, 4);
  assert.equal(c.json.annotators, 2);
  assert.equal(c.json.cohen_kappa.length, 1);
  assert.deepEqual([c.json.cohen_kappa[0].a, c.json.cohen_kappa[0].b].sort(), [ann.user.id, bea.user.id].sort());
  assert.ok(Math.abs(c.json.cohen_kappa[0].kappa - 0.5) < 1e-9, JSON.stringify(c.json));
  assert.ok(Math.abs(c.json.fleiss_kappa - 7 / 15) < 1e-9, JSON.stringify(c.json));

  await both(ann, bea, 'ner',
    { spans: [{ start: 0, end: 8, label: 'PERSON' }] },
    { spans: [{ start: 0, end: 8, label: 'PERSON' }, { start: 12, end: 20, label: 'ORG' }] });
  const n = await request(S, 'GET', '/api/agreement?type=ner', { session: rev });
  assert.equal(n.status, 200, n.text);
  assert.equal(n.json.pairs.length, 1);
  assert.ok(Math.abs(n.json.pairs[0].f1 - 2 / 3) < 1e-9, JSON.stringify(n.json));
  assert.ok(Math.abs(n.json.f1 - 2 / 3) < 1e-9);

  await both(ann, bea, 'box',
    { boxes: [{ page: 1, bbox: [0, 0, 10, 10], label: 'stamp' }] },
    { boxes: [{ page: 1, bbox: [1, 1, 10, 10], label: 'stamp' }] }); // IoU 0.81: a match
  const b = await request(S, 'GET', '/api/agreement?type=box', { session: rev });
  assert.equal(b.json.pairs[0].f1, 1);

  assert.equal((await request(S, 'GET', '/api/agreement?type=qa', { session: rev })).status, 400);
  assert.equal((await request(S, 'GET', '/api/agreement?type=class', { session: ann })).status, 403);
  assert.equal((await request(S, 'GET', '/api/agreement?type=class')).status, 401);
});
