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
  names and words; no copyrightable selection of anyone else's).

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


if __name__ == "__main__":
    main()
