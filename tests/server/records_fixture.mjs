// Generated records for the server and browser tests: one of each kind the
// llm tasks make (qa, instruct, paraphrase, summary, suggest-labels, judge:
// the payloads of their contract), inserted through the public record API
// by tests/tools/mkrecords, plus synthetic-pii records made by
// `enclave augment`. Offsets are code points, computed here from the texts.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { cli } from './lib.mjs';

export const LINEAGE = (task, doc, chunk = 0) => ({
  generator: `enclave-augment/${task}`, version: '1', endpoint: 'http://127.0.0.1:11434', kind: 'ollama',
  model: 'qwen2.5:0.5b', model_digest: 'sha256:4f1c0ffee', template: { name: task, sha256: 'ab'.repeat(32) },
  sampling: { temperature: 0.2, top_p: 0.9, max_tokens: 256 }, seed: 7,
  source: { document_id: doc, chunk, chunk_sha256: 'cd'.repeat(32) }, created_at: '2026-12-01T04:00:00Z',
  tokens: { prompt: 120, completion: 30 },
});

// Code point offsets of `part` in `text` (the first occurrence).
export function cp(text, part) {
  const at = text.indexOf(part);
  if (at < 0) throw new Error(`'${part}' not in '${text}'`);
  const start = [...text.slice(0, at)].length;
  return { start, end: start + [...part].length };
}

// The lines mkrecords reads for document `doc` (its text `text`), with
// `xss` planted in one qa record's question and answer.
export function recordLines(doc, text, xss) {
  const ctx = text;
  const ev = cp(ctx, 'Lisbon');
  const para = 'In Lisbon, Ana Lima met the board.';
  const ana = cp(text, 'Ana Lima');
  const lis = cp(text, 'Lisbon');
  return [
    { kind: 'qa', document: doc, chunk: 0, text: 'In Lisbon.', lineage: LINEAGE('qa', doc),
      payload: { question: 'Where did Ana Lima meet the board?', answer: 'In Lisbon.', evidence: { ...ev, text: 'Lisbon' }, context: ctx } },
    { kind: 'qa', document: doc, chunk: 0, text: xss, lineage: LINEAGE('qa', doc),
      payload: { question: xss, answer: xss, evidence: { ...ev, text: 'Lisbon' }, context: ctx } },
    { kind: 'instruct', document: doc, chunk: 0, text: 'Ana Lima met the board.', lineage: LINEAGE('instruct', doc),
      payload: { instruction: 'Summarise who met whom.', input: '', response: 'Ana Lima met the board.' } },
    { kind: 'paraphrase', document: doc, chunk: 0, text: para, lineage: LINEAGE('paraphrase', doc),
      payload: { source_text: text, spans: [{ ...cp(para, 'Lisbon'), label: 'LOCATION' }, { ...cp(para, 'Ana Lima'), label: 'PERSON' }] } },
    { kind: 'summary', document: doc, chunk: -1, text: 'A board meeting in Lisbon.', lineage: LINEAGE('summary', doc, -1),
      payload: { source_chars: [...text].length } },
    { kind: 'suggest-labels', document: doc, chunk: -1, text: 'classes: legal; entities: 2', lineage: LINEAGE('suggest-labels', doc, -1),
      payload: { classes: ['legal'], layer: 'original',
        entities: [{ ...ana, label: 'PERSON', text: 'Ana Lima' }, { ...lis, label: 'LOCATION', text: 'Lisbon' }] } },
  ];
}

// Insert `lines`; returns the number inserted.
export function insertRecords(proj, lines) {
  const tool = path.join(process.env.TOOLS_DIR, 'mkrecords');
  const out = execFileSync(tool, [proj], { input: lines.map((l) => JSON.stringify(l)).join('\n') + '\n', encoding: 'utf8' });
  return Number(out.trim());
}

// A judge record of record `id`.
export const judgeLine = (doc, id) => ({ kind: 'judge', document: doc, chunk: 0, text: 'The answer is supported by the evidence.',
  lineage: LINEAGE('judge', doc), payload: { record_id: id, score: 4, rubric_sha256: 'ef'.repeat(32), criteria: { faithful: 5, fluent: 4 } } });

export function synthetic(proj, n = 3) {
  cli(proj, ['augment', '--task', 'synthetic-pii', '--n', String(n), '--seed', '3']);
}
