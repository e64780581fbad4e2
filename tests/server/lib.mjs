// Helpers of the server tests: a real project made with the enclave binary,
// a real `enclave serve` on a loopback port, and an HTTP client on node:http
// (node:https for TLS) that can pick its source address (127.0.0.x, for the
// per-address throttling) and checks the security headers on EVERY response.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';

export const ENCLAVE = process.env.ENCLAVE;
export const SRC_DIR = process.env.SRC_DIR;
export const TOOLS_DIR = process.env.TOOLS_DIR;
export const PASSWORD = 'correct horse battery';
if (!ENCLAVE) throw new Error('ENCLAVE is not set (run through ctest)');

export const CSP = "default-src 'self'; frame-ancestors 'none'";

// Run the enclave CLI in `dir`; its stdout. `input` goes to stdin.
export function cli(dir, args, input) {
  return execFileSync(ENCLAVE, ['-C', dir, ...args], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

// XSS payloads planted in documents: they must come back as plain JSON strings.
export const XSS = [
  '<script>alert("x1")</script>',
  '<img src=x onerror=alert(2)>',
  '"><svg onload=alert(3)>',
  "javascript:alert(4)//'--></style></script>",
];

// A fresh project under TEST_TMP: documents (plain text, one with every XSS
// payload, an HTML page whose title is one, a PDF when mkpdf is there),
// users ann (annotator), rev (reviewer), adm (admin) and a second annotator
// bea, and ner tasks for every document (k = nerK, default 1).
export function makeProject(name, { nerK = 1 } = {}) {
  const base = process.env.TEST_TMP || os.tmpdir();
  fs.mkdirSync(base, { recursive: true });
  const dir = fs.mkdtempSync(path.join(base, `server-${name}-`));
  const input = path.join(dir, 'in');
  fs.mkdirSync(input);
  for (let i = 0; i < 6; i++)
    fs.writeFileSync(path.join(input, `doc${i}.txt`), `Document ${i}: Ana Lima met the board in Lisbon on ${i + 1} May.\n`);
  fs.writeFileSync(path.join(input, 'xss.txt'), XSS.join('\n\n') + '\n');
  fs.writeFileSync(path.join(input, 'xss.html'),
    '<html><head><title>&lt;img src=x onerror=alert(5)&gt;</title></head><body><p>&lt;script&gt;alert(6)&lt;/script&gt;</p></body></html>\n');
  let pdf = false;
  if (TOOLS_DIR && fs.existsSync(path.join(TOOLS_DIR, 'mkpdf'))) {
    execFileSync(path.join(TOOLS_DIR, 'mkpdf'), ['simple', path.join(input, 'page.pdf'), 'A page to draw boxes on.']);
    pdf = true;
  }
  const proj = path.join(dir, 'proj');
  execFileSync(ENCLAVE, ['init', proj], { stdio: 'pipe' });
  cli(proj, ['ingest', input]);
  cli(proj, ['user', 'add', 'ann', '--role', 'annotator', '--password-stdin'], PASSWORD + '\n');
  cli(proj, ['user', 'add', 'bea', '--role', 'annotator', '--password-stdin'], PASSWORD + '\n');
  cli(proj, ['user', 'add', 'rev', '--role', 'reviewer', '--password-stdin'], PASSWORD + '\n');
  cli(proj, ['user', 'add', 'adm', '--role', 'admin', '--password-stdin'], PASSWORD + '\n');
  cli(proj, ['label', 'tasks', '--type', 'ner', '--k', String(nerK)]);
  const docs = cli(proj, ['ls', '--json']).trim().split('\n').map((l) => JSON.parse(l));
  return { dir, proj, docs, pdf, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

// Start `enclave serve` on 127.0.0.1:0 (or as `args` say) and wait for the
// "listening on" line. Resolves { url, port, proc, stderr(), stop() }.
export function startServer(proj, args = [], { tls = null } = {}) {
  const listen = args.includes('--listen') ? [] : ['--listen', '127.0.0.1:0'];
  const proc = spawn(ENCLAVE, ['-C', proj, 'serve', ...listen, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${err}`)), 20000);
    proc.stderr.on('data', (d) => {
      err += d;
      const m = /listening on (https?):\/\/[^\s]*:(\d+)/.exec(err);
      if (m && timer) {
        clearTimeout(timer);
        const port = Number(m[2]);
        resolve({
          port, scheme: m[1], proc, tls,
          stderr: () => err,
          stop: () => new Promise((res) => {
            if (proc.exitCode !== null) return res(proc.exitCode);
            proc.on('exit', (code) => res(code));
            proc.kill('SIGTERM');
          }),
        });
      }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}: ${err}`)); });
  });
}

// Check the headers every response must carry.
export function checkHeaders(res, what) {
  assert.equal(res.headers['content-security-policy'], CSP, `CSP on ${what}`);
  assert.equal(res.headers['x-content-type-options'], 'nosniff', `nosniff on ${what}`);
  assert.equal(res.headers['referrer-policy'], 'no-referrer', `Referrer-Policy on ${what}`);
}

// One request. opts: { body (object: JSON), raw (string), type, session
// ({cookie, csrf}), csrf (override; null: none), from (source address), headers }.
// Resolves { status, headers, text, json }.
export function request(srv, method, urlPath, opts = {}) {
  const headers = { ...(opts.headers || {}) };
  let body = null;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['Content-Type'] = opts.type || 'application/json';
  } else if (opts.raw !== undefined) {
    body = opts.raw;
    headers['Content-Type'] = opts.type || 'application/json';
  }
  if (opts.session) {
    headers.Cookie = opts.session.cookie;
    const csrf = opts.csrf === undefined ? opts.session.csrf : opts.csrf;
    if (csrf !== null && method !== 'GET') headers['X-CSRF-Token'] = csrf;
  }
  if (body !== null) headers['Content-Length'] = Buffer.byteLength(body);
  const mod = srv.scheme === 'https' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request({
      host: '127.0.0.1', port: srv.port, method, path: urlPath, headers,
      localAddress: opts.from, ca: srv.tls ? srv.tls.ca : undefined, servername: 'localhost',
      agent: false,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        const text = buf.toString('utf8');
        let json = null;
        if ((res.headers['content-type'] || '').startsWith('application/json') && text.length) json = JSON.parse(text);
        try { checkHeaders(res, `${method} ${urlPath} (${res.statusCode})`); } catch (e) { return reject(e); }
        resolve({ status: res.statusCode, headers: res.headers, text, buf, json });
      });
    });
    req.on('error', reject);
    if (body !== null) req.write(body);
    req.end();
  });
}

// Log in; resolves { cookie, csrf, user } (asserting 200 and the cookie's flags).
export async function login(srv, name, password = PASSWORD, from) {
  const r = await request(srv, 'POST', '/api/login', { body: { username: name, password }, from });
  assert.equal(r.status, 200, `login ${name}: ${r.text}`);
  const set = r.headers['set-cookie'][0];
  assert.match(set, /^enclave_session=[0-9a-f]{64};/);
  assert.match(set, /HttpOnly/);
  assert.match(set, /SameSite=Strict/);
  assert.match(set, /Path=\//);
  if (srv.scheme === 'https') assert.match(set, /Secure/);
  else assert.doesNotMatch(set, /Secure/);
  return { cookie: set.split(';')[0], csrf: r.json.csrf, user: r.json.user };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
