// Where the server listens: beyond loopback without TLS it refuses (exit 2)
// unless --insecure (then it warns); with a self-signed certificate made
// here by openssl it serves HTTPS (the cookie gets Secure), and refuses
// plain HTTP on that port.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { makeProject, startServer, request, login, ENCLAVE } from './lib.mjs';

let P;
before(() => { P = makeProject('listen'); });
after(() => P.cleanup());

test('beyond loopback without TLS: refused', () => {
  for (const addr of ['0.0.0.0:0', '[::]:0', '192.0.2.1:8484']) {
    const r = spawnSync(ENCLAVE, ['-C', P.proj, 'serve', '--listen', addr], { encoding: 'utf8', timeout: 20000 });
    assert.equal(r.status, 2, `${addr}: ${r.stderr}`);
    assert.match(r.stderr, /refusing to listen on .* without TLS/);
  }
  const bad = spawnSync(ENCLAVE, ['-C', P.proj, 'serve', '--listen', 'localhost'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  const half = spawnSync(ENCLAVE, ['-C', P.proj, 'serve', '--tls-cert', 'x.pem'], { encoding: 'utf8' });
  assert.equal(half.status, 2);
});

test('--insecure beyond loopback: served, with a warning', async () => {
  const S = await startServer(P.proj, ['--listen', '0.0.0.0:0', '--insecure']);
  assert.match(S.stderr(), /warning: listening beyond loopback without TLS/);
  const r = await request(S, 'GET', '/');
  assert.equal(r.status, 200);
  assert.equal(await S.stop(), 0);
});

test('TLS with a self-signed certificate', async () => {
  const cert = path.join(P.dir, 'cert.pem'), key = path.join(P.dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'pipe' });
  const S = await startServer(P.proj, ['--listen', '0.0.0.0:0', '--tls-cert', cert, '--tls-key', key],
    { tls: { ca: fs.readFileSync(cert) } });
  assert.equal(S.scheme, 'https');
  assert.doesNotMatch(S.stderr(), /warning/);
  const s = await login(S, 'ann'); // asserts the Secure flag under TLS
  const me = await request(S, 'GET', '/api/me', { session: s });
  assert.equal(me.status, 200);
  assert.equal(me.json.user.name, 'ann');
  // Plain HTTP to the TLS port gets no HTTP answer.
  const plain = await new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: S.port, path: '/', agent: false, timeout: 5000 },
      (res) => resolve(res.statusCode));
    req.on('error', () => resolve('error'));
    req.on('timeout', () => { req.destroy(); resolve('timeout'); });
  });
  assert.notEqual(plain, 200);
  assert.equal(await S.stop(), 0);
  // A key that is not PEM: refused at start.
  fs.writeFileSync(key, 'not a key');
  const r = spawnSync(ENCLAVE, ['-C', P.proj, 'serve', '--tls-cert', cert, '--tls-key', key, '--listen', '127.0.0.1:0'], { encoding: 'utf8', timeout: 20000 });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /not a PEM file/);
});
