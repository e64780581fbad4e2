#!/usr/bin/python3
"""Write the NER gazetteers, models/gazetteers/*.txt, one entry a line.

A dev-time tool, not a run-time dependency: `enclave train ner` embeds the
lists into the model file (one SHA-256 covers both). Run it with Debian's
python3 (the Faker package is a Debian one, not a pip one):

    apt-get install python3-fake-factory     # or: scripts/deps.sh bench
    /usr/bin/python3 scripts/make_gazetteers.py [OUT_DIR]   # default models/gazetteers

Sources (models/README.md says the same):
- first_names.txt, surnames.txt: Faker's en_US person provider (MIT), whose
  lists are the US Census Bureau's frequent first names and surnames (public
  domain);
- us_states.txt: Faker's en_US address provider (state names and postal
  abbreviations; facts, MIT);
- countries.txt: Faker's `en` address provider (country names, MIT) plus a
  few common short forms written here;
- cities.txt, org_suffixes.txt, titles.txt: written here (well-known place
  names and words; no copyrightable selection of anyone else's);
- medical.txt: written here: the abbreviations, section headers, drug names
  and findings of clinical notes (words that look like names in upper-case
  text but are not);
- relations.txt: written here: the words before a relative's or a
  carer's name (wife, son, HCP, ...).

The output is sorted and deduplicated, so running it twice gives the same
files.
"""
import os
import sys

try:
    from faker.providers.address.en import Provider as AddressEn
    from faker.providers.address.en_US import Provider as AddressUS
    from faker.providers.person.en_US import Provider as PersonUS
except ImportError:
    sys.exit("make_gazetteers.py: needs Debian's python3-fake-factory "
             "(apt-get install python3-fake-factory; run with /usr/bin/python3)")

CITIES = """
New York, Los Angeles, Chicago, Houston, Phoenix, Philadelphia, San Antonio, San Diego,
Dallas, San Jose, Austin, Jacksonville, Fort Worth, Columbus, Charlotte, San Francisco,
Indianapolis, Seattle, Denver, Washington, Boston, El Paso, Nashville, Detroit, Oklahoma City,
Portland, Las Vegas, Memphis, Louisville, Baltimore, Milwaukee, Albuquerque, Tucson, Fresno,
Sacramento, Kansas City, Mesa, Atlanta, Omaha, Colorado Springs, Raleigh, Miami, Long Beach,
Virginia Beach, Oakland, Minneapolis, Tulsa, Tampa, Arlington, New Orleans, Wichita, Cleveland,
Bakersfield, Aurora, Anaheim, Honolulu, Santa Ana, Riverside, Corpus Christi, Lexington,
Stockton, Henderson, Saint Paul, St. Paul, St. Louis, Saint Louis, Cincinnati, Pittsburgh,
Greensboro, Anchorage, Plano, Lincoln, Orlando, Irvine, Newark, Toledo, Durham, Chula Vista,
Fort Wayne, Jersey City, St. Petersburg, Laredo, Madison, Chandler, Buffalo, Lubbock,
Scottsdale, Reno, Glendale, Gilbert, Winston-Salem, North Las Vegas, Norfolk, Chesapeake,
Garland, Irving, Hialeah, Fremont, Boise, Richmond, Baton Rouge, Spokane, Des Moines, Tacoma,
San Bernardino, Modesto, Fontana, Santa Clarita, Birmingham, Oxnard, Fayetteville, Moreno Valley,
Rochester, Salt Lake City, Little Rock, Hartford, Providence, Albany, Syracuse, Springfield,
Worcester, New Haven, Charleston, Savannah, Knoxville, Chattanooga, Jackson, Montgomery,
Mobile, Shreveport, Dayton, Akron, Ann Arbor, Grand Rapids, Lansing, Flint, Green Bay,
Sioux Falls, Fargo, Billings, Cheyenne, Santa Fe, Juneau, Augusta, Concord, Montpelier,
Burlington, Trenton, Dover, Annapolis, Harrisburg, Tallahassee, Topeka, Jefferson City,
Bismarck, Pierre, Helena, Olympia, Salem, Carson City, Berkeley, Palo Alto, Pasadena,
Cambridge, Princeton, New Brunswick, Yonkers, Brooklyn, Manhattan, Queens, Bronx,
Staten Island, Hoboken, Scranton, Allentown, Erie, Bethesda, Silver Spring, Alexandria,
London, Paris, Berlin, Madrid, Rome, Milan, Naples, Turin, Venice, Florence, Lisbon, Porto,
Barcelona, Seville, Valencia, Amsterdam, Rotterdam, The Hague, Brussels, Antwerp, Vienna,
Zurich, Geneva, Bern, Basel, Munich, Hamburg, Frankfurt, Cologne, Stuttgart, Dusseldorf,
Dresden, Leipzig, Prague, Warsaw, Krakow, Budapest, Bucharest, Sofia, Belgrade, Zagreb,
Athens, Istanbul, Ankara, Moscow, Saint Petersburg, Kiev, Kyiv, Minsk, Riga, Vilnius, Tallinn,
Helsinki, Stockholm, Oslo, Copenhagen, Reykjavik, Dublin, Belfast, Edinburgh, Glasgow,
Manchester, Liverpool, Leeds, Sheffield, Bristol, Newcastle, Nottingham, Leicester, Coventry,
Oxford, Brighton, Southampton, Cardiff, Swansea, Aberdeen, Lyon, Marseille, Toulouse, Nice,
Nantes, Strasbourg, Bordeaux, Lille, Toronto, Montreal, Vancouver, Calgary, Ottawa, Edmonton,
Winnipeg, Quebec City, Halifax, Victoria, Mexico City, Guadalajara, Monterrey, Tijuana,
Havana, Kingston, San Juan, Bogota, Medellin, Lima, Quito, Caracas, Santiago, Buenos Aires,
Montevideo, Sao Paulo, Rio de Janeiro, Brasilia, Salvador, Recife, La Paz, Asuncion, Cairo,
Alexandria, Lagos, Abuja, Accra, Nairobi, Addis Ababa, Johannesburg, Cape Town, Durban,
Pretoria, Casablanca, Rabat, Tunis, Algiers, Tripoli, Khartoum, Dakar, Kinshasa, Luanda,
Dar es Salaam, Kampala, Harare, Lusaka, Tel Aviv, Jerusalem, Haifa, Beirut, Damascus, Amman,
Baghdad, Tehran, Riyadh, Jeddah, Mecca, Medina, Dubai, Abu Dhabi, Doha, Kuwait City, Muscat,
Karachi, Lahore, Islamabad, Kabul, Delhi, New Delhi, Mumbai, Bombay, Kolkata, Calcutta, Chennai,
Madras, Bangalore, Bengaluru, Hyderabad, Ahmedabad, Pune, Jaipur, Lucknow, Dhaka, Kathmandu,
Colombo, Beijing, Peking, Shanghai, Guangzhou, Shenzhen, Hong Kong, Chengdu, Wuhan, Tianjin,
Nanjing, Xi'an, Chongqing, Hangzhou, Taipei, Tokyo, Osaka, Kyoto, Yokohama, Nagoya, Sapporo,
Kobe, Hiroshima, Fukuoka, Seoul, Busan, Pyongyang, Manila, Jakarta, Bangkok, Hanoi,
Ho Chi Minh City, Saigon, Singapore, Kuala Lumpur, Yangon, Phnom Penh, Sydney, Melbourne,
Brisbane, Perth, Adelaide, Canberra, Auckland, Wellington, Christchurch
"""

ORG_SUFFIXES = """
Inc, Inc., Incorporated, LLC, L.L.C., Ltd, Ltd., Limited, PLC, plc, Corp, Corp., Corporation,
Co, Co., Company, GmbH, AG, SA, S.A., NV, BV, SpA, Pty, LLP, LP, Group, Holdings, Partners,
Associates, Bank, Trust, Fund, Foundation, Institute, Institution, University, College,
School, Academy, Hospital, Clinic, Medical Center, Medical Centre, Health System, Healthcare,
Health Center, Laboratories, Labs, Pharmaceuticals, Pharma, Therapeutics, Systems,
Technologies, Solutions, Software, Services, Industries, Enterprises, International,
Agency, Authority, Department, Ministry, Council, Committee, Commission, Association,
Society, Union, League, Federation, Party, Church, Club, Team, Press, Times, News, Airlines,
Airways, Motors, Electric, Energy, Petroleum, Insurance, Capital, Investments, Ventures,
Network, Records, Studios, Entertainment, Media, Communications, Telecom
"""

TITLES = """
Dr, Dr., Doctor, Mr, Mr., Mrs, Mrs., Ms, Ms., Miss, Mister, Madam, Mx, Prof, Prof., Professor,
Sir, Dame, Lord, Lady, Rev, Rev., Reverend, Fr, Fr., Father, Sister, Brother, Pastor, Rabbi,
Imam, Sen, Sen., Senator, Rep, Rep., Representative, Gov, Gov., Governor, Pres, President,
Mayor, Judge, Justice, Capt, Capt., Captain, Col, Col., Colonel, Gen, Gen., General, Lt,
Lt., Lieutenant, Sgt, Sgt., Sergeant, Maj, Maj., Major, Adm, Admiral, Cmdr, Commander,
Officer, Detective, Nurse, RN, NP, PA, MD, DO, DDS, DVM, PhD, Jr, Jr., Sr, Sr., King, Queen,
Prince, Princess, Pope, Saint, St., Chancellor, Minister, Secretary, Ambassador, Coach
"""

EXTRA_COUNTRIES = """
USA, U.S., U.S.A., US, United States, America, UK, U.K., Britain, Great Britain, England,
Scotland, Wales, Northern Ireland, Russia, South Korea, North Korea, Iran, Syria, Vietnam,
Laos, Bolivia, Venezuela, Tanzania, Czech Republic, Czechia, Ivory Coast, Burma, Myanmar,
Holland, Taiwan, Macedonia, North Macedonia, Moldova, Palestine, Vatican City, Kosovo,
South Sudan, East Timor, Eswatini, Congo, Europe, Asia, Africa, Oceania, Antarctica,
North America, South America, Latin America, Middle East, Caribbean, Scandinavia
"""

MEDICAL = """
A&O, A&OX3, A&OX2, A&OX1, AAA, ABD, ABG, ABGS, ABX, AC, ACE, ACCESS, ADDENDUM, ADL, ADLS,
AFEB, AFEBRILE, AFIB, AFLUTTER, AKI, ALLERGIES, ALT, AMA, AMB, AMIODARONE, AMP, ANGINA,
ANGIO, ANEMIA, AP, A/P, ARDS, ARF, ASA, ASSESSMENT, AST, ATIVAN, AV, AVR, BCX, BID, BILAT,
BIPAP, BM, BMP, BP, BPM, BRBPR, BS, BSC, BUN, CA, CABG, CAD, CAM, CARDIAC, CARDS, CATH,
CBC, CC, CCU, CDB, CHEM, CHF, CIPRO, CKD, CL, CMO, CMV, CNS, CO2, COAG, CODE, COLACE,
COPD, COUMADIN, CP, CPAP, CPK, CR, CRI, CSRU, CT, CTA, CV, CVA, CVICU, CVL, CVP, CVS, CX,
CXR, D5W, DC, D/C, DCD, DIGOXIN, DILAUDID, DILTIAZEM, DIM, DISPO, DKA, DM, DM2, DNI, DNR,
DOBUTAMINE, DOPAMINE, DOE, DRSG, DSD, DT, DTS, DULCOLAX, DVT, DX, ECG, ECHO, ED, EDEMA, EEG,
EF, EGD, EKG, ENDO, ER, ESRD, ETOH, ETT, EVENTS, EXT, FEN, F/E/N, FENTANYL, FFP, FIO2, FLAGYL,
FOLEY, FS, FSBS, FX, F/U, GCS, GERD, GI, GIB, GI/GU, GNR, GPC, GTT, GTTS, GU, GYN, HCO3,
HCT, HD, HEENT, HEME, HEPARIN, HGB, HO, HOB, HPI, HR, HTN, HX, IABP, ICD, ICU, ID, IJ, IM,
INR, INSULIN, INTEG, IS, ISORDIL, IV, IVF, IVP, JP, K, KCL, KUB, LABS, LACTATE, LACTULOSE,
LANTUS, LASIX, LCS, LFA, LFTS, LGI, LIS, LLE, LLL, LLQ, LOC, LOPRESSOR, LR, LS, LUE, LUL,
LUQ, LVEF, MAE, MAG, MAP, MD, MEQ, METOPROLOL, MG, MI, MICU, MN, MRI, MRSA, MS, MSO4, MVI,
NA, NAD, NC, NEB, NEBS, NEO, NEURO, NG, NGT, NIF, NITRO, NKDA, NPH, NPN, NPO, NS, NSR,
NSTEMI, NT, ND, N/V, O2, OB, OCC, OG, OGT, OOB, OR, OT, PACU, PAIN, PCA, PCP, PE, PEEP,
PEG, PERCOCET, PERRL, PERRLA, PICC, PIV, PIVS, PLAN, PLAVIX, PLT, PLTS, PMH, PNA, PO,
PPD, PRBC, PRBCS, PRN, PROPOFOL, PROTONIX, PS, PSV, PSYCH, PT, PTA, PTT, PULM, PULSES,
PVC, PVCS, Q2H, Q4H, Q6H, QD, QID, QHS, RA, RASS, RBC, RESP, RHONCHI, RISS, RLE, RLL, RLQ,
ROS, RR, RRR, RSBI, RUE, RUL, RUQ, RVR, RX, SAT, SATS, SB, SBP, SBT, SC, SCDS, SICU, SL,
SOB, SOCIAL, SQ, SR, SS, ST, STAT, STEMI, SX, SVT, TBB, TCU, TEE, TF, TFS, TID, TKO, TLC,
TMAX, TPN, TSICU, TTE, TYLENOL, UA, UGI, UO, U/O, UOP, URINE, US, U/S, UTI, VAP, VANCO,
VANCOMYCIN, VAC, VENT, VERSED, VF, VRE, VS, VSS, VT, WBC, WNL, ZOFRAN, ZOSYN, ZYPREXA,
HALDOL, LEVOPHED, LEVOFLOXACIN, SENNA, REGLAN, LIPITOR, CAPTOPRIL, NEOSYNEPHRINE, VASOPRESSIN,
PEPCID, MORPHINE, TORADOL, ZOSYN, CEFTRIAXONE, AZITHROMYCIN, ALBUTEROL, ATROVENT, SOLUMEDROL,
PREDNISONE, HYDRALAZINE, LABETALOL, NIPRIDE, ESMOLOL, PROCAINAMIDE, ADENOSINE, ATROPINE,
EPINEPHRINE, NARCAN, KAYEXALATE, CALCIUM, POTASSIUM, MAGNESIUM, PHOSPHORUS, SODIUM,
GLUCOSE, ALBUMIN, LIPASE, AMYLASE, TROPONIN, TROP, BNP, DDIMER, FIBRINOGEN, AFEBRILE,
TACHY, BRADY, TACHYCARDIA, BRADYCARDIA, HYPOTENSION, HYPERTENSION, HYPOKALEMIA, SEPSIS,
STABLE, UNCHANGED, IMPROVED, CLEAR, COARSE, DIMINISHED, CRACKLES, WHEEZES, SPUTUM,
SECRETIONS, SUCTIONED, INTUBATED, EXTUBATED, SEDATED, AGITATED, RESTRAINTS, DIURESIS,
GALLSTONE, CHOLECYSTITIS, DELIRIUM, SYNCOPE, DYSPNEA, ORTHOPNEA, PALPABLE, DOPPLERABLE,
DISTENDED, FLATUS, STOOL, GUAIAC, BILIOUS, PATENT, AMBER, TURNED, REPOSITIONED, BEDREST,
NURSING, PHARMACY, CONSULT, CATHETER, TRACH, DECUB, CONTS, CONT, REC'D, D/W, R/O, S/P,
W/U, C/O, A&OX, AOX3, HCP, FULL CODE, COMFORT, DISPOSITION, INTEGUMENT, MUSCULOSKELETAL,
RESPIRATORY, CARDIOVASCULAR, GASTROINTESTINAL, GENITOURINARY, NEUROLOGICAL, PSYCHOSOCIAL
"""

RELATIONS = """
wife, husband, spouse, partner, daughter, son, daughters, sons, dtr, mother, father, mom,
dad, sister, brother, sis, bro, niece, nephew, grandson, granddaughter, grandmother,
grandfather, grandchild, grandchildren, aunt, uncle, cousin, friend, neighbor, neighbour,
fiance, fiancee, girlfriend, boyfriend, roommate, HCP, proxy, guardian, stepson,
stepdaughter, stepmother, stepfather, son-in-law, daughter-in-law, mother-in-law,
father-in-law, brother-in-law, sister-in-law, family, relative, caregiver, attending,
resident, fellow, intern, pcp, nurse, rn, np, pa, sw, cm
"""


def split_list(text):
    """The comma-separated entries of a block of text."""
    return [s.strip() for s in text.replace("\n", " ").split(",") if s.strip()]


# What the model file holds (src/lib/clean/pii/ner_int.h): at most 4 words, 64 bytes.
MAX_WORDS, MAX_BYTES = 4, 64


def write(out_dir, name, entries):
    """Write the sorted, deduplicated entries that fit the model to OUT_DIR/NAME."""
    fit = set()
    for e in entries:
        e = " ".join(e.split("(")[0].split())  # "Korea (North)" -> "Korea"
        if e and len(e.split()) <= MAX_WORDS and len(e.encode()) <= MAX_BYTES:
            fit.add(e)
    clean = sorted(fit)
    path = os.path.join(out_dir, name)
    with open(path, "w", encoding="utf-8") as f:
        for e in clean:
            f.write(e + "\n")
    print(f"{os.path.normpath(path)}: {len(clean)} entries")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "models", "gazetteers")
    os.makedirs(out_dir, exist_ok=True)
    write(out_dir, "first_names.txt",
          list(PersonUS.first_names_female) + list(PersonUS.first_names_male))
    write(out_dir, "surnames.txt", list(PersonUS.last_names))
    write(out_dir, "us_states.txt",
          list(AddressUS.states) + list(AddressUS.states_abbr)
          + ["District of Columbia", "Puerto Rico", "Guam"])
    write(out_dir, "countries.txt", list(AddressEn.countries) + split_list(EXTRA_COUNTRIES))
    write(out_dir, "cities.txt", split_list(CITIES))
    write(out_dir, "org_suffixes.txt", split_list(ORG_SUFFIXES))
    titles = split_list(TITLES) + list(PersonUS.prefixes_female) + list(PersonUS.prefixes_male)
    write(out_dir, "titles.txt", titles)
    write(out_dir, "medical.txt", split_list(MEDICAL))
    write(out_dir, "relations.txt", split_list(RELATIONS))


if __name__ == "__main__":
    main()
