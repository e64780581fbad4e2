#!/usr/bin/env python3
"""Find string literals, comments and lines in the repository that share a
24-character window with the shared corpora (PhysioNet notes, Presidio's
synthetic set and demo, WikiANN). Usage: scripts/check_corpus_copies.py
[REPO] (default: this checkout); the corpora from ENCLAVE_CORPUS or
../shared/corpus beside the checkout. Exits 1 on a hit, 0
on none or when the corpora are absent (it is a development check: the
repository may quote no corpus text; see the brief). Slow: minutes."""
import json, re, glob, sys, os
repo = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
C = os.environ.get('ENCLAVE_CORPUS', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'shared', 'corpus'))
if not os.path.isdir(C):
    print('skip: no corpus at %s' % C)
    sys.exit(0)
texts = [json.loads(l)['text'] for l in open(C + '/pii/physionet_deid/dev.jsonl')]
texts += [r['full_text'] for r in json.load(open(C + '/pii/presidio_research/synth_dataset_v2.json'))]
texts.append(open(C + '/pii/presidio_demo/demo.txt').read())
for f in [C + '/ner/wikiann_en/train', C + '/ner/wikiann_en/dev']:
    sent = []
    for line in open(f):
        line = line.strip()
        if not line:
            texts.append(' '.join(sent)); sent = []
        else:
            sent.append(line.split('\t')[0][3:])
big = '\n'.join(texts)
hits = 0
files = []
for pat in ['tests/**/*', 'fuzz/**/*', 'src/**/*.c', 'src/**/*.h', 'docs/**/*.md', 'examples/*', 'bench/*', 'scripts/*', 'models/*.md']:
    files += glob.glob(os.path.join(repo, pat), recursive=True)
for f in sorted(set(files)):
    if not os.path.isfile(f) or '/build' in f:
        continue
    try:
        s = open(f, errors='replace').read()
    except Exception:
        continue
    if f.endswith(('.c', '.h')):
        lits = re.findall(r'"((?:[^"\\\n]|\\.){16,})"', s) + re.findall(r'/\*.*?\*/', s, re.S)
    else:
        lits = [l for l in s.splitlines() if len(l) >= 24]
    for l in lits:
        l2 = l.replace('\\n', '\n')
        for i in range(0, max(1, len(l2) - 24 + 1), 3):
            w = l2[i:i + 24]
            if len(w) >= 24 and w.strip() == w and w in big and not w.isspace():
                print('%s: %r' % (os.path.relpath(f, repo), w)); hits += 1
                break
print('%d hits' % hits)
sys.exit(1 if hits else 0)
