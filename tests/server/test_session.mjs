// Sessions against a real server started with --idle-timeout 2: an idle
// session expires (401), a used one lives on, a disabled user's session
// ends at its next request, a forged or dropped cookie is 401.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeProject, startServer, request, login, cli, sleep } from './lib.mjs';

let P, S;

before(async () => {
  P = makeProject('session');
  S = await startServer(P.proj, ['--idle-timeout', '2']);
});

after(async () => {
  assert.equal(await S.stop(), 0, S.stderr());
  assert.doesNotMatch(S.stderr(), /Sanitizer|runtime error:/);
  P.cleanup();
});

test('an idle session expires; a used one does not', async () => {
  const idle = await login(S, 'ann');
  const busy = await login(S, 'rev');
  assert.equal((await request(S, 'GET', '/api/me', { session: idle })).status, 200);
  for (let i = 0; i < 4; i++) {
    await sleep(900);
    assert.equal((await request(S, 'GET', '/api/me', { session: busy })).status, 200, `busy at ${i}`);
  }
  const r = await request(S, 'GET', '/api/me', { session: idle });
  assert.equal(r.status, 401);
  assert.deepEqual(r.json, { error: 'no valid session' });
  // Expired means gone: it does not come back.
  assert.equal((await request(S, 'GET', '/api/me', { session: idle })).status, 401);
});

test('a disabled user is logged out at the next request and cannot log in', async () => {
  const s = await login(S, 'bea');
  assert.equal((await request(S, 'GET', '/api/me', { session: s })).status, 200);
  cli(P.proj, ['user', 'disable', 'bea']);
  assert.equal((await request(S, 'GET', '/api/me', { session: s })).status, 401);
  const r = await request(S, 'POST', '/api/login', { body: { username: 'bea', password: 'correct horse battery' } });
  assert.equal(r.status, 401);
  assert.deepEqual(r.json, { error: 'invalid username or password' });
});

test('wrong password, unknown user: the same 401; forged cookies: 401', async () => {
  for (const [u, p] of [['ann', 'wrong password'], ['nobody', 'correct horse battery']]) {
    const r = await request(S, 'POST', '/api/login', { body: { username: u, password: p } });
    assert.equal(r.status, 401);
    assert.deepEqual(r.json, { error: 'invalid username or password' });
    assert.equal(r.headers['set-cookie'], undefined);
  }
  for (const cookie of ['enclave_session=' + '0'.repeat(64), 'enclave_session=abc', 'other=1']) {
    const r = await request(S, 'GET', '/api/me', { session: { cookie, csrf: 'x' } });
    assert.equal(r.status, 401, cookie);
  }
});
