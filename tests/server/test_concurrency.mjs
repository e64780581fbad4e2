// Annotators working at the same time against a real server: four of them
// (k = 2) take, save and submit tasks in parallel until none is left. Every
// task must end with exactly 2 distinct annotators, nobody may get a task
// twice, and the audit chain must verify (writes from the pool threads are
// committed, and the signed head written, in order).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeProject, startServer, request, login, cli, PASSWORD } from './lib.mjs';

let P, S;
before(async () => {
  P = makeProject('concurrency', { nerK: 2 });
  for (const n of ['cat', 'dan']) cli(P.proj, ['user', 'add', n, '--role', 'annotator', '--password-stdin'], PASSWORD + '\n');
  S = await startServer(P.proj);
});
after(async () => {
  assert.equal(await S.stop(), 0, S.stderr());
  assert.doesNotMatch(S.stderr(), /Sanitizer|runtime error:/);
  P.cleanup();
});

async function work(session) {
  const done = [];
  for (;;) {
    const t = await request(S, 'GET', '/api/tasks/next?type=ner', { session });
    if (t.status === 204) return done;
    assert.equal(t.status, 200, t.text);
    assert.ok(!done.includes(t.json.id), `task ${t.json.id} given twice to ${session.user.name}`);
    const d = await request(S, 'POST', '/api/annotations', { session, body: { task: t.json.id, result: { spans: [] } } });
    assert.equal(d.status, 200, d.text);
    const s = await request(S, 'POST', '/api/annotations', { session, body: { task: t.json.id, version: d.json.version, submit: true, result: { spans: [{ start: 0, end: 3, label: 'ORG' }] } } });
    assert.equal(s.status, 200, s.text);
    done.push(t.json.id);
  }
}

test('four annotators in parallel, k = 2', async () => {
  const sessions = await Promise.all(['ann', 'bea', 'cat', 'dan'].map((n) => login(S, n)));
  const done = await Promise.all(sessions.map(work));
  const ntasks = P.docs.filter((d) => d.status === 'ok').length;
  assert.equal(done.flat().length, 2 * ntasks, 'every task done by exactly k annotators');
  const rev = await login(S, 'rev');
  const all = await request(S, 'GET', '/api/tasks?limit=1000', { session: rev });
  assert.equal(all.json.tasks.length, ntasks);
  for (const t of all.json.tasks) {
    assert.equal(t.status, 'done', JSON.stringify(t));
    const users = t.assignments.map((a) => a.user);
    assert.equal(new Set(users).size, 2, JSON.stringify(t));
    assert.ok(t.assignments.every((a) => a.status === 'submitted'));
  }
  assert.match(cli(P.proj, ['audit', 'verify']), /^ok: /);
});
