// pii_npm.mjs LIB FILE: the npm PII libraries of bench/pii_speed.sh over a
// text file, one line at a time (as `enclave scan` reads it, in one pass),
// timed inside node so that start-up and module loading are left out.
// Prints "LIB MB/s BYTES SECONDS FINDINGS".
//
//   redactpii      @redactpii/node: Redactor().redact(line), its 5 built-in
//                  recognisers (names after greetings, e-mail, US phone,
//                  cards, SSN)
//   openredaction  openredaction: OpenRedaction().detect(line), its 570-odd
//                  patterns (async)
import { readFileSync } from 'node:fs';

const [, , lib, file] = process.argv;
const text = readFileSync(file, 'utf8');
const bytes = Buffer.byteLength(text);
let found = 0;
const t0 = process.hrtime.bigint();
const lines = text.split('\n');
if (lib === 'redactpii') {
  const { Redactor } = await import('@redactpii/node');
  const r = new Redactor();
  for (const line of lines) {
    const out = r.redact(line);
    if (out !== line) found++;
  }
} else if (lib === 'openredaction') {
  const { OpenRedaction } = await import('openredaction');
  const r = new OpenRedaction();
  for (const line of lines) {
    const res = await r.detect(line);
    found += res.detections ? res.detections.length : 0;
  }
} else {
  console.error('pii_npm.mjs: unknown library ' + lib);
  process.exit(2);
}
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`${lib} ${(bytes / secs / 1e6).toFixed(2)} ${bytes} ${secs.toFixed(3)} ${found}`);
