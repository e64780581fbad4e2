// Login throttling against a real server: 5 failures in 15 minutes for a
// user name, or from an address, then 429 with Retry-After, even for the
// right password. The client binds to different loopback addresses
// (127.0.0.x) to tell the two apart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeProject, startServer, request, PASSWORD } from './lib.mjs';

let P, S;

before(async () => {
  P = makeProject('throttle');
  S = await startServer(P.proj);
});

after(async () => {
  assert.equal(await S.stop(), 0, S.stderr());
  P.cleanup();
});

const attempt = (username, password, from) =>
  request(S, 'POST', '/api/login', { body: { username, password }, from });

function throttled(r, what) {
  assert.equal(r.status, 429, what);
  const wait = Number(r.headers['retry-after']);
  assert.ok(Number.isInteger(wait) && wait > 0 && wait <= 901, `Retry-After ${r.headers['retry-after']}`);
  assert.match(r.json.error, /too many failed logins/);
}

test('per user name: the 6th attempt is 429, from any address, right password or not', async () => {
  for (let i = 0; i < 5; i++)
    assert.equal((await attempt('ann', 'wrong password', '127.0.0.2')).status, 401, `failure ${i + 1}`);
  throttled(await attempt('ann', 'wrong password', '127.0.0.2'), 'same address');
  throttled(await attempt('ann', PASSWORD, '127.0.0.3'), 'right password, other address');
  // Another user from a fresh address is not held up.
  assert.equal((await attempt('rev', PASSWORD, '127.0.0.3')).status, 200);
});

test('per address: 5 failures over several names hold up the address', async () => {
  for (let i = 0; i < 5; i++)
    assert.equal((await attempt(`ghost${i}`, 'wrong password', '127.0.0.4')).status, 401);
  throttled(await attempt('adm', PASSWORD, '127.0.0.4'), 'a valid login from the address');
  assert.equal((await attempt('adm', PASSWORD, '127.0.0.5')).status, 200, 'the same user elsewhere');
});
