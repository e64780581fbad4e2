#!/usr/bin/python3
"""Write src/lib/clean/pii/clinical_common.c: the clinical recogniser's common words.

A dev-time tool, not a build or run-time dependency: its output is committed.

    apt-get install wamerican          # or: scripts/deps.sh gen
    /usr/bin/python3 scripts/make_common_words.py [OUT_FILE]

A word in the common list is a name only where a gazetteer says it is one
(src/lib/clean/pii/clinical.c). Sources, none of them the notes we score on:
- Debian's `wamerican` (/usr/share/dict/american-english, SCOWL, free to use
  and redistribute): its lower-case entries only (proper names there are
  capitalised, so "bay" is in, "Baltimore" and "Helen" are not), less those
  also listed capitalised ("miller"/"Miller", "will"/"Will": names as often);
- models/gazetteers/medical.txt (written for the tagger, see
  scripts/make_gazetteers.py): its one-word entries, lower-cased;
- ABBREVIATIONS below, written here: clinical abbreviations, drug names and
  note shorthand that a dictionary lacks.

The two lists are disjoint (a clinical word is in the second only).
Words are ASCII letters only (the recogniser's tokens), 2 to 31 letters,
sorted by byte value and deduplicated, so running it twice gives the same
file.
"""
import os
import re
import sys

DICT = "/usr/share/dict/american-english"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MEDICAL = os.path.join(ROOT, "models", "gazetteers", "medical.txt")
OUT = os.path.join(ROOT, "src", "lib", "clean", "pii", "clinical_common.c")

ABBREVIATIONS = """
carevue coli fib pcv ve lt max contin nsurg
micu sicu cvicu nicu picu ticu tsicu msicu ccu csru pacu ew eu cvru ctsicu
abd abdo abg abgs abx acls adl adls afeb afib aflutter ako ams amio amt angio
antx approx asa asap assess assoc ativan auscult avr bal bcx bilat bipap bka
bld bm bmp bms bnp bp bpm bps brbpr bs bsa bsc bss bun bx ca cabg cad cal caps
cardiomyopathy cath cbc cc ccb ccu cdiff chem chf chg ck cks cl cmo cmv cns co
colace comfortable cont copd coumadin cp cpap cpk cpr cr crackles crit csf
csru ct cta cv cva cvl cvp cvvh cvvhd cx cxr cxs dbp dc dcd dcs decr def dep
dig dilaudid dispo diuresed diuresis dka dm dnr dni doe dopa dr drsg dsd dt dvt
dx ecg echo ed eeg ef egd ekg endo eom er esrd etoh ett ews exam ext extub extubated
fb febrile fen ffp fio flagyl fluc foley freq fs fsbs ft fu fx gcs gerd gi gib
gj gnr gpc gt gtt gtts gu gyn hct hcts hd hemo hemodynamically heparin hep hgb
hhn hob hocm hosp hpi hr hrs hs htn hx iabp icd icp icu id idk ij ileus imdur
incont incr inr insp int intub intubated ipap irreg isr ivf ivp jp jvd kcl
labs lad lasix lcx lfts lg liq lll llq lol lopressor lr ls lue lul lv lvad
lvef lvh lyte lytes mae maew mag map mdi meds mgso mi min mmhg mod mrsa ms
mso mvi mvr na nad nc neb nebs neo neuro ngt nitro nkda npo nrb ns nsg nsr
ntg nv ob occ ogt ok oob or osh ot oxycodone pacu pad palp pcn pcp pcwp pe
peep peg pep percocet perrl pftf picc plt plts pmh pneumo po poss postop ppi
ppn prbc prbcs preop prn propofol prot psv psych pt ptca ptt pts pvc pvcs
qd qh qhs qid qod ra rbc rca req resp rll rlq rn ro rom rr rrt rsbi rt rue
rul rv rx sats sbp sc sh simv sl slp sob spo sq sr ssi st stat sts sub
supp svg svr svt sx tbd tc temp tf tfs tid tko tlc tmax tnk tpa tpn tr trach
tte tx ua ucx uo uop uri usoh uti vap vanco vasc vd vent vf vfib vs vss vt
vtach wbc wbcs wc wd wdl wf wk wnl wob wt xfer xray yo yr yrs
"""


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else OUT
    try:
        with open(DICT, encoding="utf-8") as f:
            english = [w.strip() for w in f]
    except OSError:
        sys.exit("make_common_words.py: needs Debian's wamerican (%s)" % DICT)
    with open(MEDICAL, encoding="utf-8") as f:
        medical = [w.strip().lower() for w in f]
    # A lower-case entry whose capitalised form is an entry too ("miller" and
    # "Miller", "rob" and "Rob") is a name as often as a word: left out, so
    # the recogniser's cues decide, unless our clinical lists have it.
    proper = set(w for w in english if w[:1].isupper())
    words = set()
    for w in english:
        if re.fullmatch(r"[a-z]{2,31}", w) and w.capitalize() not in proper:
            words.add(w)
    clinical = set()
    for w in medical + ABBREVIATIONS.split():
        if re.fullmatch(r"[a-z]{2,31}", w):
            clinical.add(w)
    words = sorted(words - clinical, key=lambda w: w.encode())
    clinical = sorted(clinical, key=lambda w: w.encode())
    def c_list(ws):
        lines = []
        line = "\t"
        for w in ws:
            item = '"%s",' % w
            if len(line) + len(item) + 1 > 96:
                lines.append(line.rstrip())
                line = "\t"
            line += item + " "
        lines.append(line.rstrip())
        return "\n".join(lines) + "\n"
    with open(out, "w", encoding="utf-8") as f:
        f.write("/*\n"
                " * The clinical recogniser's common words: %d lower-case words of\n"
                " * English (Debian's wamerican) and %d clinical abbreviations, drug\n"
                " * names and note words. GENERATED by scripts/make_common_words.py\n"
                " * (which says where each comes from); do not edit, run the script.\n"
                " */\n" % (len(words), len(clinical)))
        f.write('#include "clinical_int.h"\n\n')
        f.write("/* clang-format off */\n")
        f.write("const char *const pii_clinical_english[] = {\n" + c_list(words) + "};\n\n")
        f.write("const char *const pii_clinical_medical[] = {\n" + c_list(clinical) + "};\n")
        f.write("/* clang-format on */\n\n")
        f.write("const size_t pii_clinical_nenglish = sizeof(pii_clinical_english) / "
                "sizeof(pii_clinical_english[0]);\n")
        f.write("const size_t pii_clinical_nmedical = sizeof(pii_clinical_medical) / "
                "sizeof(pii_clinical_medical[0]);\n")
    print("%s: %d + %d words" % (out, len(words), len(clinical)))


if __name__ == "__main__":
    main()
