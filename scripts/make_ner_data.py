#!/usr/bin/python3
"""Write NER training sentences that look like PII text, as CoNLL/IOB.

A training-time tool, not a run-time dependency: its output is not kept in
the repository, only the model trained from it (models/README.md gives the
recipe). Run it with Debian's python3 (Faker is a Debian package here):

    /usr/bin/python3 scripts/make_ner_data.py [--seed N] [--templated N]
        [--clinical N] [--templates FILE] OUT.conll

Two kinds of sentences, one token a line (`TOKEN<TAB>TAG`, tags O and
B-/I- PER, ORG, LOC), a blank line between sentences:

1. Templated (--templated N): the sentence templates of Microsoft's
   presidio-research data generator (MIT; read at training time from
   --templates, by default the copy in the shared corpus, never copied
   into the repository), their `{{slot}}`s filled with values of our own
   from Faker (several locales) and lists written here. People, cities,
   countries, states and organisations (Faker companies, names built from
   word lists, invented brands like "Kyvora" or "PowerWeb") are tagged
   PER, LOC and ORG; every
   other slot (addresses, phone numbers, titles, jobs, ...) is filled with
   a realistic value tagged O, so the tagger learns that those are not
   names. A title before a name is O, as presidio's TITLE is not PERSON.
2. Clinical (--clinical N): nursing-note lines written here (not taken
   from any corpus): section headers and findings full of medical
   abbreviations and drug names with no entity at all, in upper, lower and
   mixed case, and lines with names after titles and relations
   ("pt seen by dr KLEIN", "wife HELEN called", "d/w RN smith"), hospitals
   and home towns.

Tokens are cut the way the C tokeniser (ner_tokenize_window in
src/lib/clean/pii/ner.c) cuts text, so training sees the tokens the tagger
will see. The output depends only on the arguments (Faker is seeded).
"""
import argparse
import random
import re
import sys

try:
    from faker import Faker
except ImportError:
    sys.exit("make_ner_data.py: needs Debian's python3-fake-factory "
             "(apt-get install python3-fake-factory; run with /usr/bin/python3)")

DEFAULT_TEMPLATES = "/work/shared/corpus/pii/presidio_research/generator/templates.txt"

# ---------------------------------------------------------------- the tokeniser (ner.c's)

ABBREV = set("dr mr mrs ms st jr sr prof inc ltd co corp mt ft gen sen rep gov no vs capt "
             "col lt sgt rev ave dept univ fr hon pres messrs".split())
PUNCT_SEP = re.compile("[\u00ab\u00bb\u2010-\u201f\u2026]")
SPACE_SEP = re.compile("[\u00a0\u2000-\u200b]")


def is_word(c):
    if c < "\x80":
        return c.isascii() and c.isalnum()
    return not PUNCT_SEP.match(c) and not SPACE_SEP.match(c)


def tokenize(text):
    """(start, end) character offsets of ner.c's tokens (one window)."""
    toks, p, n = [], 0, len(text)
    while p < n:
        c = text[p]
        if c.isspace() or SPACE_SEP.match(c):
            p += 1
            continue
        if PUNCT_SEP.match(c):
            toks.append((p, p + 1))
            p += 1
            continue
        start = p
        if is_word(c):
            dotted = False
            while p < n and p - start < 256:
                if is_word(text[p]):
                    p += 1
                    continue
                if text[p] in "'-.&" and p + 1 < n and is_word(text[p + 1]):
                    if (text[p] == "'" and text[p + 1] in "sS" and
                            (p + 2 >= n or not is_word(text[p + 2]))):
                        break
                    dotted |= text[p] == "."
                    p += 2
                    continue
                break
            if p < n and text[p] == "." and (dotted or p - start == 1 or
                                             text[start:p].lower() in ABBREV):
                p += 1
        elif c == "'" and p + 1 < n and text[p + 1] in "sS" and (
                p + 2 >= n or not is_word(text[p + 2])):
            p += 2
        else:
            while p < n and text[p] == c and p - start < 16:
                p += 1
        toks.append((start, p))
    return toks


def emit(out, text, spans):
    """Write `text` as IOB lines; spans are (start, end, type) in characters."""
    toks = tokenize(text)
    if not toks:
        return 0
    prev = None
    for a, b in toks:
        tag, ent = "O", None
        for k, (s, e, t) in enumerate(spans):
            if a >= s and a < e:
                ent = k
                tag = ("I-" if prev == k else "B-") + t
                break
        prev = ent
        out.write("%s\t%s\n" % (text[a:b], tag))
    out.write("\n")
    return 1


class Builder:
    """A sentence with its entity spans, built piece by piece."""

    def __init__(self):
        self.parts, self.spans, self.len = [], [], 0

    def add(self, s, typ=None):
        if typ and s:
            self.spans.append((self.len, self.len + len(s), typ))
        self.parts.append(s)
        self.len += len(s)

    def text(self):
        return "".join(self.parts)


# ---------------------------------------------------------------- values

LOCALES = ["en_US"] * 6 + ["en_GB"] * 2 + ["de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL",
                                          "pl_PL", "pt_BR", "sv_SE", "en_NZ", "es_MX"]

ORG_WORDS = """Global Systems, Analytics, Logistics, Health, Medical Group, Partners, Capital,
Holdings, Software, Networks, Energy, Foods, Motors, Pharmaceuticals, Biotech, Insurance,
Bank, Credit Union, Consulting, Solutions, Labs, Technologies, Airlines, Media, Studios,
Publishing, Realty, Construction, Engineering, Security, Telecom, Robotics, Dynamics,
Industries, Manufacturing, Trading, Ventures, Foundation, Institute, Associates, Brewing,
Outfitters, Hospitality, Hotels, Logistics Group, Data, Cloud, Semiconductor, Chemicals""".split(",")
ORG_SUFFIX = ["Inc.", "Inc", "LLC", "Ltd", "Ltd.", "Corp.", "Corporation", "Co.", "Group",
              "GmbH", "S.A.", "PLC", "LLP", "AG", "& Co.", "Company", "Limited"]
ORG_STEMS = """Apex, Blue Ridge, Brightline, Cedar, Summit, Northwind, Redwood, Silverline,
Evergreen, Ironbridge, Lakeside, Pinnacle, Horizon, Keystone, Meridian, Oakmont, Riverbend,
Starlight, Sunrise, Trident, Vanguard, Westfield, Zenith, Aurora, Beacon, Crescent, Falcon,
Granite, Harbor, Juniper, Liberty, Maple, Nova, Orion, Polaris, Quantum, Sterling, Titan,
Unity, Vertex, Willow, Atlas, Cobalt, Delta, Echo, Frontier, Gemini, Helix, Indigo""".split(",")
ORG_PREFIX = ["University of", "Bank of", "Department of", "Ministry of", "Museum of",
              "Institute of", "College of", "Church of", "Hospital of"]
UNIS = ["State University", "Community College", "University", "Medical Center",
        "General Hospital", "Memorial Hospital", "Public Library", "School District",
        "Children's Hospital", "City Council", "Fire Department", "Police Department"]
ACRONYMS = ["IBM", "ACME", "NHS", "FBI", "UNICEF", "NASA", "WHO", "UN", "EU", "NATO", "BBC",
            "CNN", "AT&T", "3M", "HSBC", "KPMG", "EY", "SAP", "BMW", "UPS", "FedEx", "DHL"]
# Brand-like names (invented here): syllables, and compounds of common words.
BRAND_SYL = ("ka zi vo ra lo nex tri pax a ta ly xa ri va on o ra e qu mi sta zen ku ve "
             "lu tas cor den gra fi no vi sa ty ar el is um ex ia go be da").split()
BRAND_WORDS = ("power web mystic planet eco health coach lend club insight civic clean "
               "finance market markets data cloud care flight aware advocate recycle "
               "instruct scrap book credit social open counter storm trans union bio "
               "bright smart quick true blue green red iron gold silver star sun moon "
               "river stone rock wave spark pulse signal vector matrix logic mind brain "
               "trust secure safe shield guard path way link net hub lab labs works "
               "forge craft mint leaf seed root tree farm field home house space orbit "
               "rocket jet sky air cargo ship freight route map geo local civic public "
               "people crowd fund pay cash coin bank loan rent deal shop store cart "
               "learn school tutor skill talent hire job career doc med pharma gene cell "
               "legal law policy vote gov city metro urban rural energy solar volt grid").split()
TITLES_M = ["Mr.", "Mr", "Dr.", "Dr", "Prof.", "Sir", "Rev.", "Capt.", "Mister"]
TITLES_F = ["Ms.", "Mrs.", "Miss", "Dr.", "Mrs", "Ms", "Prof.", "Lady", "Madam"]
NATIONALITIES = ["American", "British", "French", "German", "Italian", "Spanish", "Mexican",
                 "Canadian", "Brazilian", "Indian", "Chinese", "Japanese", "Korean", "Polish",
                 "Dutch", "Swedish", "Irish", "Scottish", "Nigerian", "Kenyan", "Egyptian",
                 "Israeli", "Turkish", "Greek", "Russian", "Ukrainian", "Vietnamese", "Thai",
                 "Filipino", "Australian", "Argentinian", "Chilean", "Peruvian", "Cuban"]


class Values:
    """Fake values for the template slots, seeded."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.fakers = {}
        for loc in sorted(set(LOCALES)):
            f = Faker(loc)
            self.fakers[loc] = f
        Faker("en_US").seed(seed)  # Faker 0.9's generators share one random
        self.us = self.fakers["en_US"]

    def faker(self, us_share=0.0):
        if self.rng.random() < us_share:
            return self.us
        return self.fakers[self.rng.choice(LOCALES)]

    def first(self, gender=None):
        f = self.faker()
        if gender == "m" and hasattr(f, "first_name_male"):
            return f.first_name_male()
        if gender == "f" and hasattr(f, "first_name_female"):
            return f.first_name_female()
        return f.first_name()

    def last(self):
        return self.faker().last_name()

    def person(self, gender=None):
        """A full name: first last, with a middle name or initial now and then."""
        r = self.rng.random()
        first, last = self.first(gender), self.last()
        if r < 0.15:
            return "%s %s. %s" % (first, self.rng.choice("ABCDEFGHJKLMNPRSTW"), last)
        if r < 0.22:
            return "%s %s %s" % (first, self.first(gender), last)
        if r < 0.27:
            return "%s %s-%s" % (first, last, self.last())
        return "%s %s" % (first, last)

    def city(self):
        r = self.rng.random()
        if r < 0.5:
            return self.us.city()
        return self.faker().city()

    def country(self):
        return self.us.country()

    def state(self):
        return self.us.state()

    def brand(self):
        """An invented brand: 'Kyvora', 'Powerweb', 'PowerWeb', 'Civic Insight'."""
        rng = self.rng
        r = rng.random()
        if r < 0.35:
            return "".join(rng.choice(BRAND_SYL) for _ in range(rng.randrange(2, 4))).capitalize()
        a, b = rng.choice(BRAND_WORDS), rng.choice(BRAND_WORDS)
        if r < 0.65:
            return (a + b).capitalize()
        if r < 0.85:
            return a.capitalize() + b.capitalize()
        if r < 0.97:
            return "%s %s" % (a.capitalize(), b.capitalize())
        return "%s %s %s" % (a.capitalize(), b.capitalize(),
                             rng.choice(BRAND_WORDS).capitalize())

    def organization(self):
        r, rng = self.rng.random(), self.rng
        if r < 0.45:
            return self.brand()
        r = rng.random()
        if r < 0.3:
            return self.faker(0.6).company()
        if r < 0.5:
            return "%s %s" % (rng.choice(ORG_STEMS).strip(), rng.choice(ORG_WORDS).strip())
        if r < 0.62:
            return "%s %s" % (rng.choice(ORG_STEMS).strip(), rng.choice(ORG_SUFFIX))
        if r < 0.72:
            return "%s %s" % (self.last(), rng.choice(ORG_WORDS).strip())
        if r < 0.8:
            return "%s %s" % (rng.choice(ORG_PREFIX), self.us.state() if rng.random() < 0.5
                              else self.us.city())
        if r < 0.9:
            return "%s %s" % (self.us.city(), rng.choice(UNIS))
        return rng.choice(ACRONYMS) + ("" if rng.random() < 0.6 else " " +
                                       rng.choice(ORG_SUFFIX))

    def address(self):
        a = self.us.address() if self.rng.random() < 0.7 else self.faker().address()
        return a.replace("\n", ", ")


def fill_slot(v, slot):
    """(value, type or None, title or None) for one template slot."""
    f, rng = v.us, v.rng
    g = "m" if slot.endswith("_male") else "f" if slot.endswith("_female") else None
    if slot in ("person", "name", "name_male", "name_female"):
        title = None
        if rng.random() < 0.12:
            title = rng.choice(TITLES_F if g == "f" else TITLES_M)
        return v.person(g), "PER", title
    if slot.startswith("first_name"):
        return v.first(g), "PER", None
    if slot.startswith("last_name"):
        return v.last(), "PER", None
    if slot in ("city",):
        return v.city(), "LOC", None
    if slot in ("country",):
        return v.country(), "LOC", None
    if slot in ("state", "state_abbr"):
        return (v.state() if slot == "state" or rng.random() < 0.3 else f.state_abbr()), "LOC", None
    if slot == "organization":
        return v.organization(), "ORG", None
    simple = {
        "address": v.address,
        "street_name": f.street_name,
        "building_number": f.building_number,
        "secondary_address": f.secondary_address,
        "postcode": f.postcode,
        "zipcode": f.zipcode,
        "phone_number": f.phone_number,
        "credit_card_number": f.credit_card_number,
        "email": f.email,
        "url": f.url,
        "iban": f.iban,
        "ssn": f.ssn,
        "ip_address": f.ipv4,
        "job": f.job,
        "year": f.year,
        "day_of_week": f.day_of_week,
        "us_driver_license": lambda: "%s%07d" % (rng.choice("ABCDEFGHJKLMNPRSTWXYZ"),
                                                 rng.randrange(10 ** 7)),
        "age": lambda: str(rng.randrange(1, 99)),
        "prefix": lambda: rng.choice(TITLES_M + TITLES_F),
        "prefix_male": lambda: rng.choice(TITLES_M),
        "prefix_female": lambda: rng.choice(TITLES_F),
        "nationality": lambda: rng.choice(NATIONALITIES),
        "nation_woman": lambda: rng.choice(NATIONALITIES) + " woman",
        "nation_plural": lambda: rng.choice(NATIONALITIES) + "s",
        "date_time": lambda: f.date_time().strftime(
            rng.choice(["%B %d, %Y", "%d/%m/%Y", "%Y-%m-%d %H:%M", "%b %d", "%m/%d/%Y"])),
        "date_of_birth": lambda: f.date_of_birth().strftime(
            rng.choice(["%B %d, %Y", "%m/%d/%Y", "%d.%m.%Y"])),
    }
    if slot in simple:
        return str(simple[slot]()), None, None
    return f.word(), None, None


def templated(out, v, templates, n):
    count, slot_re = 0, re.compile(r"\{\{\s*([a-z_0-9]+)\s*\}\}")
    while count < n:
        t = v.rng.choice(templates)
        b, pos = Builder(), 0
        for m in slot_re.finditer(t):
            b.add(t[pos:m.start()])
            value, typ, title = fill_slot(v, m.group(1))
            if title and not t[max(0, m.start() - 12):m.start()].rstrip().endswith(("}}", ".")):
                b.add(title + " ")
            b.add(value, typ)
            pos = m.end()
        b.add(t[pos:])
        text = b.text().replace("\ufffd", "-")
        r = v.rng.random()
        if r < 0.05:
            text = text.lower()
        elif r < 0.08:
            text = text.upper()
        count += emit(out, text, b.spans)


# ---------------------------------------------------------------- clinical lines

HEADERS = """NEURO, CV, CVS, RESP, PULM, GI, GU, GI/GU, ID, SKIN, ENDO, HEME, RENAL, SOCIAL,
PLAN, A/P, ASSESSMENT, ACCESS, LINES, F/E/N, FEN, MS, PSYCH, PAIN, ACTIVITY, DISPO, CODE,
LABS, EVENTS, ALLERGIES, PMH, HPI, ROS, INTEGUMENT, MUSCULOSKELETAL, CARDIAC, RESPIRATORY,
NUTRITION, COMFORT, SAFETY, TEACHING, MICU NPN, CCU NPN, NPN, NURSING NOTE, ADDENDUM,
SHIFT SUMMARY, REVIEW OF SYSTEMS, PHYSICAL EXAM, S, O, A, P, D, R""".split(",")

FINDINGS = """A&OX3, A&OX2, A+OX3, ALERT AND ORIENTED, MAE, MAE X4, PERRL, PERRLA, FOLLOWS COMMANDS,
NO FOCAL DEFICITS, SEDATED W/ PROPOFOL, FENTANYL GTT, VERSED PRN, RASS -2, GCS 15, CAM NEG,
HR 80S SR, HR 90-100S ST, NSR, SR WITH OCC PVCS, AFIB RVR, SB 50S, NO ECTOPY, BP 110-130/60S,
SBP 90S-100S, MAP > 65, PA CATHETER IN PLACE, A-LINE DAMPENED, CVP 8-10, PULSES PALPABLE,
PP DOPPLERABLE, EDEMA 1+, TRACE EDEMA, SKIN WARM AND DRY, LS CLEAR, LS CLEAR BILAT,
LS COARSE, DIMINISHED BASES, CRACKLES AT BASES, RHONCHI, EXP WHEEZES, SATS 95-98%,
O2 SAT 97% ON 2L NC, 4L NC, 40% FM, 50% FACE TENT, CPAP 5/PS 10, AC 500 X 14, PEEP 5,
FIO2 40%, ABG 7.38/42/98, SX FOR THICK TAN SPUTUM, SM AMT WHITE SECRETIONS, ETT 22 AT LIP,
TRACH, CXR PENDING, CXR UNCHANGED, ABD SOFT, ABD SOFT NT/ND, +BS, BS HYPOACTIVE, NO STOOL,
STOOL X2 GUAIAC NEG, NPO, NPO AFTER MN, TF AT GOAL, TF @ 60CC/HR, PEG, NGT TO LCS, OGT,
BILIOUS OUTPUT, TOL CLEAR LIQUIDS, DIET ADV, FOLEY, FOLEY PATENT, U/O 30-50CC/HR,
UO ADEQUATE, CLEAR YELLOW URINE, AMBER URINE, LASIX 40MG IV, DIURESED WELL, NEG 1L,
BUN/CR 32/1.4, K 3.6, K+ 3.2, REPLETED WITH 40 MEQ KCL, MG 1.8, MAG REPLETED, CA 8.1,
TMAX 101.2, AFEBRILE, WBC 12.3, BLOOD CX SENT, URINE CX SENT, ON VANCO AND ZOSYN,
CONTS ON LEVOFLOXACIN, FLAGYL, CIPRO, ABX AS ORDERED, HCT 27, HCT STABLE, 1 UNIT PRBC,
INR 2.1, PTT 65, HEPARIN GTT AT 800U/HR, COUMADIN HELD, PLT 150, FS 120-180, RISS,
INSULIN GTT, NPH, LANTUS, SKIN INTACT, SACRAL DECUB STAGE 2, DSD, DRSG D/I, TURNED Q2H,
OOB TO CHAIR, BEDREST, BSC, PT/OT CONSULT, FULL CODE, DNR/DNI, CMO, PAIN 3/10,
MSO4 2MG IV, DILAUDID PRN, TYLENOL PO, PERCOCET, ATIVAN 1MG, HALDOL, ZYPREXA, LOPRESSOR,
METOPROLOL 25MG PO BID, CAPTOPRIL, ISORDIL, NITRO GTT, NEO GTT, LEVOPHED, DOPAMINE,
DOBUTAMINE, AMIODARONE BOLUS, DILTIAZEM, DIGOXIN, PROTONIX, COLACE, SENNA, DULCOLAX,
LACTULOSE, ZOFRAN, REGLAN, ASA, PLAVIX, LIPITOR, IVF @ 100CC/HR, NS BOLUS 500CC, LR,
D5W, TPN, PICC, R IJ TLC, L SC CVL, 2 PIVS, #20G IV LFA, IABP 1:1, CABG X3, S/P CATH,
CT HEAD NEG, MRI, EKG, ECHO, EF 30%, CHF, COPD, CAD, HTN, DM2, ESRD, HD, CRI, ARF, UTI,
PNA, MRSA, VRE, C.DIFF, SEPSIS, GIB, BRBPR, MI, NSTEMI, CVA, TIA, DVT, PE, ETOH, SOB,
DOE, CP, N/V, R/O MI, R/I, C/O, S/P, W/U, F/U, D/C, D/C'D, DC'D, CONT TO MONITOR,
WILL CONT TO MONITOR, CONT CURRENT PLAN, AWAIT RESULTS, MONITOR LYTES, WEAN AS TOL,
PULM TOILET, IS 750, CDB, ADVANCE DIET AS TOL, FAMILY UPDATED, EMOTIONAL SUPPORT GIVEN,
HO AWARE, MD AWARE, TEAM AWARE, MICU TEAM NOTIFIED, CCU, SICU, ICU, OR, ER, ED, PACU,
CALL OUT TO FLOOR, MOVE TO FLOOR ONCE BED AVAIL, SCREENED FOR REHAB, CASE MGMT,
SOCIAL WORK INVOLVED, PHARMACY, NUTRITION CONSULT, GYN CONSULT, RENAL CONSULT, ABD U/S,
GALLSTONE, CHOLECYSTITIS, ANGINA, ANEMIA, HYPOKALEMIA, HYPOTENSION, TACHYCARDIA,
BRADYCARDIA, DYSPNEA, ORTHOPNEA, SYNCOPE, DELIRIUM, AGITATION, RESTRAINTS, SITTER,
NORMAL RANGE, WNL, UNREMARKABLE, STABLE, UNCHANGED, IMPROVED, WORSENING, RESOLVED""".split(",")

LOWER_FINDINGS = """pt alert, oriented x3, follows commands, no acute distress, resting comfortably,
lungs clear, sats mid 90s, tol po, voiding qs, ambulating with assist, c/o mild nausea,
denies cp, denies sob, vss, afebrile, cont on abx, npo for now, ngt to lis,
draining brown material, foley to gravity, flatus, no stool, abd soft, obese, distended,
skin intact, pressure areas checked, turned and repositioned, family at bedside,
will cont to monitor, plan to wean vent, plan per team, labs pending, meds as ordered,
has strong cough, source of fever unclear, details in flowsheet, see careview""".split(",")

CONNECT = [", ", ". ", "; ", " / ", ", ", ". "]

RELATIONS = ["wife", "husband", "daughter", "son", "mother", "father", "sister", "brother",
             "niece", "nephew", "grandson", "granddaughter", "friend", "neighbor", "partner",
             "fiance", "aunt", "uncle", "cousin", "HCP", "dtr", "sons", "daughters"]
CLIN_TITLES = ["dr", "dr.", "Dr.", "Dr", "DR", "DR.", "RN", "rn", "NP", "PA", "MD", "attending",
               "resident", "fellow", "intern", "nurse", "SW", "PT", "CM"]
HOSP_WORDS = ["Hospital", "Medical Center", "General Hospital", "Memorial Hospital",
              "Rehab", "Nursing Home", "Rehabilitation Center", "Clinic", "Health Center",
              "Regional Medical Center", "VA", "Manor", "Healthcare Center"]
NAME_LINES = [
    "pt seen by {T} {L}", "seen by {T} {L} today", "{T} {L} aware", "{T} {L} notified",
    "d/w {T} {L}", "d/w {T} {F}", "discussed with {T} {L}, will cont current plan",
    "{R} {F} called", "{R} {F} called for update", "{R} {F} in to visit",
    "{R} {F} and {R2} {F2} in to visit, updated by RN", "spoke with {R} {F} re: plan",
    "{R} ({F}) is HCP", "{F} {L} ({R}) is health care proxy", "{R} {F} {L} phone call",
    "family meeting with {T} {L} and {R} {F}", "paged {T} {L} re: {FIND}",
    "{T} {L} at bedside, {FIND}", "per {T} {L} {FIND}", "cards fellow {T} {L} aware",
    "transferred from {H}", "transferred from {H} for {FIND}", "pt from {H}",
    "to {H} when bed avail", "screened by {H} rehab", "lives in {C} with {R} {F}",
    "pt lives in {C}, {R} {F} lives nearby", "{R} drove in from {C}",
    "pt is a retired teacher from {C}", "{R} {F} will call {T} {L} in am",
    "covering {T} is {T2} {L}", "plan per {T} {L}: {FIND}", "{F} {L} is pt's pcp",
    "pcp {T} {L} at {H}", "{T} {L} from renal consulted", "report given to {T} {F}",
]


class Clinical:
    def __init__(self, v):
        self.v, self.rng = v, v.rng

    def findings(self, k):
        rng = self.rng
        out = []
        for _ in range(k):
            if rng.random() < 0.25:
                out.append(rng.choice(LOWER_FINDINGS).strip())
            else:
                out.append(rng.choice(FINDINGS).strip())
        return out

    def case(self, text, mode):
        if mode == "upper":
            return text.upper()
        if mode == "lower":
            return text.lower()
        return text

    def header_line(self):
        rng = self.rng
        mode = rng.choice(["upper"] * 5 + ["lower"] * 2 + ["mixed"] * 3)
        parts = self.findings(rng.randrange(2, 7))
        text = ""
        for i, p in enumerate(parts):
            text += (rng.choice(CONNECT) if i else "") + (p if mode != "mixed" or rng.random()
                                                          < 0.5 else p.lower())
        head = rng.choice(HEADERS).strip()
        sep = rng.choice([": ", ":", " - ", "-- ", ": ", "- "])
        if rng.random() < 0.85:
            text = head + sep + text
        return self.case(text, mode), []

    def name_line(self):
        rng, v = self.rng, self.v
        tmpl = rng.choice(NAME_LINES)
        mode = rng.choice(["upper"] * 4 + ["lower"] * 3 + ["mixed"] * 2 + ["lowerup"] * 3)
        vals = {
            "T": rng.choice(CLIN_TITLES), "T2": rng.choice(CLIN_TITLES),
            "R": rng.choice(RELATIONS), "R2": rng.choice(RELATIONS),
            "F": v.first(), "F2": v.first(), "L": v.last(), "C": v.city(),
            "H": self.hospital(), "FIND": rng.choice(FINDINGS).strip().lower(),
        }
        types = {"F": "PER", "F2": "PER", "L": "PER", "C": "LOC", "H": "ORG"}
        b, pos = Builder(), 0
        for m in re.finditer(r"\{([A-Z0-9]+)\}", tmpl):
            b.add(self.case_part(tmpl[pos:m.start()], mode, False))
            key = m.group(1)
            val = vals[key]
            if key == "L" and rng.random() < 0.1:
                val = "%s %s" % (v.first(), val)  # "dr John KLEIN"
            b.add(self.case_part(val, mode, key in types), types.get(key))
            pos = m.end()
        b.add(self.case_part(tmpl[pos:], mode, False))
        text = b.text()
        if rng.random() < 0.3:
            pre = self.findings(rng.randrange(1, 3))
            pre_text = self.case_part(", ".join(p.strip() for p in pre) + ". ", mode, False)
            b.spans = [(s + len(pre_text), e + len(pre_text), t) for s, e, t in b.spans]
            text = pre_text + text
        return text, b.spans

    def case_part(self, s, mode, entity):
        if mode == "upper":
            return s.upper()
        if mode == "lower":
            return s.lower()
        if mode == "lowerup":  # lower-case note, names in capitals
            return s.upper() if entity else s.lower()
        return s

    def hospital(self):
        rng, v = self.rng, self.v
        r = rng.random()
        if r < 0.4:
            return "%s %s" % (v.us.city(), rng.choice(HOSP_WORDS))
        if r < 0.7:
            return "%s %s" % (v.last(), rng.choice(HOSP_WORDS))
        if r < 0.85:
            return "St. %s's %s" % (v.first(), rng.choice(HOSP_WORDS))
        return "%s %s" % (rng.choice(ORG_STEMS).strip(), rng.choice(HOSP_WORDS))


def clinical(out, v, n):
    c = Clinical(v)
    count = 0
    while count < n:
        text, spans = c.name_line() if v.rng.random() < 0.35 else c.header_line()
        count += emit(out, text, spans)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=20240917)
    ap.add_argument("--templated", type=int, default=8000)
    ap.add_argument("--clinical", type=int, default=6000)
    ap.add_argument("--templates", default=DEFAULT_TEMPLATES)
    a = ap.parse_args()
    with open(a.templates, encoding="utf-8", errors="replace") as f:
        templates = [line.strip() for line in f if line.strip()]
    v = Values(a.seed)
    with open(a.out, "w", encoding="utf-8") as out:
        templated(out, v, templates, a.templated)
        clinical(out, v, a.clinical)


if __name__ == "__main__":
    main()
