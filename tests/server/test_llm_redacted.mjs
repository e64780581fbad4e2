// The LLM tasks on the redacted layer (docs/cli/augment.md, docs/api.md "LLM
// label suggestions"), against a real fakellm and a real `enclave serve` on
// loopback, on a project cleaned with `clean --pii --operator tag`:
//   - suggest-labels on the default (redacted) layer: the label app's
//     suggestions endpoint returns them at offsets into the original text:
//     outside redactions shifted, an entity overlapping a tag covering the
//     whole PII span (the original text there, each redacted span put back
//     as its tag, is the entity's text); the record holds no PII
//   - paraphrase on the redacted layer: accepted NER annotations become
//     placeholders too (mapped onto the layer; one overlapping a tag covers
//     it and replaces it), the other tags stay placeholders
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, request, login, cli, PASSWORD, TOOLS_DIR, ENCLAVE } from './lib.mjs';

const TEXT = 'The annual budget was approved by the Finance Committee on the second day. ' +
  'Write to maria@example.com for the minutes of the meeting.\n\n' +
  'The regional office will move to a new building next year. Call 212-555-0143 to book a visit. ' +
  'Greta Lindqvist leads the Relocation Office team.\n';
const PII = ['maria@example.com', '212-555-0143', 'Finance Committee'];
let dir, proj, S, FAKE, DOC;
const sessions = {};

const get = (url, who = 'rev') => request(S, 'GET', url, { session: sessions[who] });
const send = (method, url, body, who = 'rev') => request(S, method, url, { session: sessions[who], body });
const sql = (q) => execFileSync('sqlite3', ['-json', path.join(proj, 'enclave.db'), q], { encoding: 'utf8' });
const rows = (q) => { const t = sql(q).trim(); return t ? JSON.parse(t) : []; };
const cps = (s) => [...s];

// The original text's [start, end) with each redacted PII span in it put back as its tag.
function retag(text, start, end, spans) {
  const t = cps(text);
  let out = '', i = start;
  for (const s of spans.filter((x) => x.start >= start && x.end <= end).sort((a, b) => a.start - b.start)) {
    out += t.slice(i, s.start).join('') + `[${s.label}]`;
    i = s.end;
  }
  return out + t.slice(i, end).join('');
}

before(async () => {
  dir = fs.mkdtempSync(path.join(process.env.TEST_TMP || os.tmpdir(), 'server-llm-redacted-'));
  const input = path.join(dir, 'in');
  fs.mkdirSync(input);
  fs.writeFileSync(path.join(input, 'budget.txt'), TEXT);
  proj = path.join(dir, 'proj');
  execFileSync(ENCLAVE, ['init', proj], { stdio: 'pipe' });
  cli(proj, ['ingest', input]);
  cli(proj, ['clean', '--pii', '--operator', 'tag']);
  for (const [u, role] of [['ann', 'annotator'], ['rev', 'reviewer'], ['adm', 'admin']])
    cli(proj, ['user', 'add', u, '--role', role, '--password-stdin'], PASSWORD + '\n');
  cli(proj, ['label', 'tasks', '--type', 'ner']);
  DOC = JSON.parse(cli(proj, ['ls', '--json']).trim().split('\n')[0]).id;
  FAKE = spawn(path.join(TOOLS_DIR, 'fakellm'), ['--listen', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    FAKE.stdout.on('data', (d) => { out += d; const m = /port (\d+)/.exec(out); if (m) resolve(Number(m[1])); });
    FAKE.on('exit', (c) => reject(new Error(`fakellm exited ${c}`)));
  });
  fs.appendFileSync(path.join(proj, 'enclave.yaml'),
    `llm:\n  local:\n    kind: ollama\n    base_url: http://127.0.0.1:${port}\n    model: fake\n    retries: 0\n`);
  S = await startServer(proj);
  for (const n of ['ann', 'rev', 'adm']) sessions[n] = await login(S, n);
  const schema = { ner: ['ORG', 'PERSON'], classes: { name: 'topic', multi: false, labels: ['finance', 'legal'] }, boxes: [], qa: true };
  assert.equal((await send('PUT', '/api/schema', schema, 'adm')).status, 200);
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

test('suggest-labels on the redacted layer: original offsets in the label app, no PII in the record', async () => {
  cli(proj, ['augment', '--task', 'suggest-labels', '--llm', 'local']);
  const doc = (await get(`/api/documents/${DOC}`, 'ann')).json;
  const red = rows(`SELECT start, "end", label FROM spans WHERE document_id = ${DOC} AND out_start >= 0`);
  assert.equal(red.length, 3, 'three redacted PII spans');
  const sug = (await get(`/api/documents/${DOC}/suggestions`, 'ann')).json.suggestions;
  assert.equal(sug.length, 1, 'the suggest-labels record is shown');
  const ents = sug[0].entities;
  let covering = 0, shifted = 0;
  for (const e of ents) {
    assert.equal(retag(doc.text, e.start, e.end, red), e.text, `entity ${JSON.stringify(e)}`);
    const orig = cps(doc.text).slice(e.start, e.end).join('');
    if (e.text.includes('[')) {
      covering++;
      assert.ok(PII.some((p) => orig.includes(p)), `'${orig}' covers a PII span`);
    } else if (e.start > red[0].end) {
      shifted++;
      assert.equal(orig, e.text);
    }
  }
  assert.ok(covering >= 3, `entities overlapping a tag: ${covering}`);
  assert.ok(shifted >= 2, `entities after a redaction: ${shifted}`);
  const [rec] = rows("SELECT text, payload, lineage FROM records WHERE kind = 'suggest-labels'");
  for (const p of PII.slice(0, 2)) assert.ok(!JSON.stringify(rec).includes(p), `no '${p}' in the record`);
  const payload = JSON.parse(rec.payload);
  assert.equal(payload.layer, 'original');
  assert.equal(payload.mapped_from, 'redacted');
  assert.equal(JSON.parse(rec.lineage).layer, 'redacted', 'the lineage says what was sent');
});

test('paraphrase on the redacted layer: accepted annotations are placeholders too', async () => {
  const doc = (await get(`/api/documents/${DOC}`, 'ann')).json;
  const at = (part) => {
    const i = doc.text.indexOf(part);
    assert.ok(i >= 0, part);
    const start = cps(doc.text.slice(0, i)).length;
    return { start, end: start + cps(part).length };
  };
  const t = (await get('/api/tasks/next?type=ner', 'ann')).json;
  assert.equal(t.document, DOC);
  const spans = [{ ...at('Greta Lindqvist'), label: 'PERSON' }, { ...at('the Finance Committee'), label: 'ORG' }];
  const sub = await send('POST', '/api/annotations', { task: t.id, submit: true, result: { spans } }, 'ann');
  assert.equal(sub.status, 200, sub.text);
  assert.equal((await send('POST', '/api/review', { annotation: sub.json.id, decision: 'accept' })).status, 200);
  cli(proj, ['augment', '--task', 'paraphrase', '--llm', 'local']);
  const recs = rows("SELECT text, payload FROM records WHERE kind = 'paraphrase'").map((r) => ({ text: r.text, p: JSON.parse(r.payload) }));
  assert.ok(recs.length >= 4, `paraphrases: ${recs.length}`);
  const found = {};
  for (const r of recs) {
    const v = cps(r.text);
    for (const s of r.p.spans) {
      const got = v.slice(s.start, s.end).join('');
      found[s.label] = (found[s.label] || []).concat(got);
      if (s.label === 'PERSON') assert.equal(got, 'Greta Lindqvist');
      else if (s.label === 'ORG') assert.equal(got, 'the [ORGANIZATION]');
      else assert.equal(got, `[${s.label}]`, 'a tag not annotated stays a placeholder');
    }
    assert.ok(!r.text.includes('maria@'), 'no PII in a paraphrase');
  }
  assert.ok(found.PERSON, 'the PERSON annotation is a placeholder');
  assert.ok(found.ORG, 'the ORG annotation overlapping a tag is a placeholder');
  assert.ok(!found.ORGANIZATION, 'the tag the ORG annotation covers is not a placeholder of its own');
  assert.ok(found.EMAIL_ADDRESS && found.PHONE_NUMBER, 'the other tags stay placeholders');
});
