// Lineage round trip of LLM records (issue 7; docs/cli/export.md "Generated
// records", docs/formats.md): `enclave augment --task qa` against a real
// fakellm on loopback, the records accepted through the label server's API
// (a real `enclave serve`), then `enclave export --records qa` as chat and
// as jsonl. Every row's lineage must say what made it, checked against
// independent sources: the endpoint and model as configured, the digest as
// the server's /api/tags reports it, the template's SHA-256 resolving to
// the template's text in the project's blob store (and equal to the file's
// hash), the source chunk's SHA-256 equal to the hash of that chunk's text
// as `export --format chunks` cuts it; the manifest's `generated` summary
// counts them; `enclave verify` passes on both packages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startServer, request, login, cli, PASSWORD, TOOLS_DIR, ENCLAVE } from './lib.mjs';

let dir, proj, S, FAKE, PORT;
const sessions = {};
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');
const lines = (f) => fs.readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l));

before(async () => {
  dir = fs.mkdtempSync(path.join(process.env.TEST_TMP || os.tmpdir(), 'server-llm-lineage-'));
  const input = path.join(dir, 'in');
  fs.mkdirSync(input);
  fs.writeFileSync(path.join(input, 'budget.txt'),
    'The annual budget was approved by the committee on the second day. Write to maria@example.com for the minutes.\n\n' +
    'The regional office will move to a new building next year. Greta Lindqvist leads the move.\n');
  fs.writeFileSync(path.join(input, 'archive.txt'),
    'The archive keeps every signed contract for ten years. Old files go to the basement store.\n');
  fs.writeFileSync(path.join(input, 'garden.txt'),
    'The garden has many old trees. A gardener waters them every morning in the summer.\n');
  proj = path.join(dir, 'proj');
  execFileSync(ENCLAVE, ['init', proj], { stdio: 'pipe' });
  cli(proj, ['ingest', input]);
  cli(proj, ['clean', '--pii', '--operator', 'tag']);
  cli(proj, ['user', 'add', 'rev', '--role', 'reviewer', '--password-stdin'], PASSWORD + '\n');
  FAKE = spawn(path.join(TOOLS_DIR, 'fakellm'), ['--listen', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  PORT = await new Promise((resolve, reject) => {
    let out = '';
    FAKE.stdout.on('data', (d) => { out += d; const m = /port (\d+)/.exec(out); if (m) resolve(Number(m[1])); });
    FAKE.on('exit', (c) => reject(new Error(`fakellm exited ${c}`)));
  });
  fs.appendFileSync(path.join(proj, 'enclave.yaml'),
    `llm:\n  local:\n    kind: ollama\n    base_url: http://127.0.0.1:${PORT}\n    model: fake\n    retries: 0\n`);
  S = await startServer(proj);
  sessions.rev = await login(S, 'rev');
});

after(async () => {
  if (S) {
    const code = await S.stop();
    assert.equal(code, 0, `server exit status; stderr:\n${S.stderr()}`);
    assert.doesNotMatch(S.stderr(), /ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:/);
  }
  if (FAKE) FAKE.kill('SIGTERM');
  fs.rmSync(dir, { recursive: true, force: true });
});

// The digest fakellm's /api/tags reports for "fake:latest" (what Ollama would).
function servedDigest() {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: PORT, path: '/api/tags', agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve(JSON.parse(body).models.find((m) => m.name === 'fake:latest').digest));
    }).on('error', reject);
  });
}

test('qa records accepted through the API keep their lineage through chat and jsonl exports', async () => {
  const run = JSON.parse(cli(proj, ['augment', '--task', 'qa', '--llm', 'local', '--n', '2', '--seed', '4', '--json']));
  assert.ok(run.made >= 6, `made ${run.made}`);
  const digest = await servedDigest();
  const tmplText = fs.readFileSync(path.join(proj, 'templates', 'qa.md'));
  const tmplSha = sha(tmplText);

  // Accept them all through the label server, with their versions.
  const list = await request(S, 'GET', '/api/records?kind=qa&limit=200', { session: sessions.rev });
  assert.equal(list.status, 200, list.text);
  const recs = list.json.records;
  assert.equal(recs.length, run.made);
  const rv = await request(S, 'POST', '/api/records/review',
    { session: sessions.rev, body: { decision: 'accept', records: recs.map((r) => ({ id: r.id, version: r.version })) } });
  assert.equal(rv.status, 200, rv.text);

  // The chunks the records were made from, as the export's chunker cuts them.
  const chunksOut = path.join(dir, 'chunks');
  cli(proj, ['export', '--format', 'chunks', chunksOut]);
  const chunkSha = new Map(lines(path.join(chunksOut, 'chunks.jsonl')).map((c) => [`${c.document_id}:${c.chunk}`, sha(c.text)]));

  const check = (l, doc, what) => {
    assert.equal(l.generator, 'enclave-augment/qa', what);
    assert.equal(l.endpoint, 'local', what);
    assert.equal(l.base_url, `http://127.0.0.1:${PORT}`, what);
    assert.equal(l.kind, 'ollama', what);
    assert.equal(l.model, 'fake', what);
    assert.equal(l.model_digest, digest, `${what}: the digest the server reports`);
    assert.deepEqual(l.template, { name: 'qa', sha256: tmplSha }, what);
    const blob = path.join(proj, 'blobs', tmplSha.slice(0, 2), tmplSha.slice(2));
    assert.ok(fs.existsSync(blob), `${what}: the template's blob`);
    assert.equal(sha(fs.readFileSync(blob)), tmplSha, `${what}: the blob is the template`);
    assert.equal(l.source.document_id, doc, what);
    const want = chunkSha.get(`${l.source.document_id}:${l.source.chunk}`);
    assert.ok(want, `${what}: chunk ${l.source.document_id}:${l.source.chunk} exists`);
    assert.equal(l.source.chunk_sha256, want, `${what}: the source chunk's hash`);
    assert.equal(l.seed, 4, what);
    assert.ok(l.tokens.prompt > 0 && l.tokens.completion > 0, what);
  };
  const summary = (out, n) => {
    const g = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')).generated;
    assert.equal(g.records, n);
    assert.equal(g.record_status, 'accepted');
    assert.deepEqual(g.kinds, { qa: n });
    assert.deepEqual(g.generators, { 'enclave-augment/qa': n });
    assert.deepEqual(g.endpoints, { local: n });
    assert.deepEqual(g.models, [{ model: 'fake', digest, records: n }]);
    assert.deepEqual(g.templates, [{ name: 'qa', sha256: tmplSha, records: n }]);
    assert.equal(g.without_source, 0);
  };
  const byId = new Map(recs.map((r) => [r.id, r]));

  const jsonlOut = path.join(dir, 'jsonl');
  cli(proj, ['export', '--records', 'qa', '--format', 'jsonl', jsonlOut]);
  const rows = lines(path.join(jsonlOut, 'data.jsonl'));
  assert.equal(rows.length, recs.length, 'every accepted record');
  for (const r of rows) {
    assert.equal(r.status, 'accepted');
    assert.ok(byId.has(r.id));
    check(r.lineage, r.document_id, `jsonl record ${r.id}`);
    assert.equal(r.source_sha256, r.lineage.source.chunk_sha256);
    assert.equal(sha(r.payload.context), r.lineage.source.chunk_sha256, 'the context is the chunk');
    assert.equal(r.text_sha256, sha(r.text));
  }
  summary(jsonlOut, rows.length);
  execFileSync(ENCLAVE, ['verify', jsonlOut], { stdio: 'pipe' });

  const chatOut = path.join(dir, 'chat');
  cli(proj, ['export', '--records', 'qa', '--format', 'chat', chatOut]);
  const chats = lines(path.join(chatOut, 'data.chat.jsonl'));
  assert.equal(chats.length, recs.length);
  const jsonlById = new Map(rows.map((r) => [r.id, r]));
  for (const c of chats) {
    const r = jsonlById.get(c.record_id);
    assert.ok(r, `chat row of record ${c.record_id}`);
    assert.equal(c.kind, 'qa');
    check(c.lineage, r.document_id, `chat record ${c.record_id}`);
    assert.deepEqual(c.lineage, r.lineage, 'the same lineage in both formats');
    const user = c.messages.find((m) => m.role === 'user'), asst = c.messages.find((m) => m.role === 'assistant');
    assert.equal(user.content, r.payload.question);
    assert.equal(asst.content, r.payload.answer);
  }
  summary(chatOut, chats.length);
  execFileSync(ENCLAVE, ['verify', chatOut], { stdio: 'pipe' });
});
