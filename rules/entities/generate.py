"""Regenerate the shipped entity catalogue (the YAML files next to this script).

    /work/venv/bin/python rules/entities/generate.py

Countries come from pycountry (every ISO 3166-1 entry: name, official and common names),
plus the hand-kept tables below: the names newsrooms actually use, demonyms/adjectives and
capitals for the most newsworthy countries, international organisations with their acronyms
in major languages, and weapon classes. The committed YAML is what newsradar loads at run
time; this script only exists so the catalogue can be rebuilt and reviewed as a diff.

Aliases with capitals are case-sensitive when matching (Turkey the country is not turkey the
bird); see monitor/rules/casing.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pycountry
import yaml

HERE = Path(__file__).resolve().parent

# Entity name newsrooms use, where ISO's short name is not it (inverted or formal names).
NAMES = {
    "BO": "Bolivia",
    "BN": "Brunei",
    "BQ": "Caribbean Netherlands",
    "CC": "Cocos Islands",
    "CD": "Democratic Republic of the Congo",
    "CG": "Republic of the Congo",
    "CV": "Cape Verde",
    "CZ": "Czech Republic",
    "FK": "Falkland Islands",
    "FM": "Micronesia",
    "IR": "Iran",
    "KP": "North Korea",
    "KR": "South Korea",
    "LA": "Laos",
    "MD": "Moldova",
    "MF": "Saint Martin",
    "PS": "Palestine",
    "RU": "Russia",
    "SH": "Saint Helena",
    "SX": "Sint Maarten",
    "SY": "Syria",
    "TR": "Turkey",
    "TW": "Taiwan",
    "TZ": "Tanzania",
    "VA": "Vatican City",
    "VE": "Venezuela",
    "VG": "British Virgin Islands",
    "VI": "US Virgin Islands",
    "VN": "Vietnam",
}
# pycountry strings not used as aliases (inverted forms nobody writes; disputed designations).
SKIP = {"Taiwan, Province of China"}

# Other names in common use, for any country.
EXTRA = {
    "AE": ["UAE", "Emirates"],
    "BA": ["Bosnia", "Bosnia-Herzegovina"],
    "BQ": ["Bonaire", "Sint Eustatius", "Saba"],
    "CC": ["Keeling Islands"],
    "CD": ["DRC", "DR Congo", "Congo-Kinshasa", "Congo"],
    "CG": ["Congo-Brazzaville", "Congo"],
    "CI": ["Ivory Coast"],
    "CZ": ["Czechia"],
    "DE": ["Deutschland"],
    "ES": ["España"],
    "FK": ["Falklands", "Malvinas"],
    "GB": ["UK", "U.K.", "Britain", "Great Britain"],
    "GR": ["Hellas"],
    "IT": ["Italia"],
    "KP": ["DPRK"],
    "MK": ["Macedonia"],
    "MM": ["Burma"],
    "NL": ["Holland", "The Netherlands"],
    "PL": ["Polska"],
    "PS": ["State of Palestine", "Palestinian territories"],
    "RU": ["Россия", "Rossiya"],
    "SZ": ["Swaziland"],
    "TL": ["East Timor"],
    "TR": ["Türkiye", "Turkiye", "Republic of Turkey"],
    "UA": ["Україна", "Украина"],
    "US": ["US", "U.S.", "USA", "U.S.A.", "America"],
    "VA": ["Holy See", "Vatican"],
    "VI": ["U.S. Virgin Islands"],
    "VN": ["Viet Nam"],
}

# Demonyms/adjectives and capitals of the most newsworthy countries (ISO code -> lists).
# No capital for Israel and Palestine: which city that is, is itself the news. Words that are
# mostly something else ("Pole", "Finn", "Kiwi", "Persian" as in Persian Gulf) are left out.
PEOPLE_AND_CAPITALS: dict[str, tuple[list[str], list[str]]] = {
    "AF": (["Afghan"], ["Kabul"]),
    "AM": (["Armenian"], ["Yerevan"]),
    "AR": (["Argentine", "Argentinian"], ["Buenos Aires"]),
    "AT": (["Austrian"], ["Vienna"]),
    "AU": (["Australian"], ["Canberra"]),
    "AZ": (["Azerbaijani", "Azeri"], ["Baku"]),
    "BD": (["Bangladeshi"], ["Dhaka"]),
    "BE": (["Belgian"], ["Brussels"]),
    "BG": (["Bulgarian"], ["Sofia"]),
    "BH": (["Bahraini"], ["Manama"]),
    "BR": (["Brazilian"], ["Brasília", "Brasilia"]),
    "BY": (["Belarusian", "Belarusan"], ["Minsk"]),
    "CA": (["Canadian"], ["Ottawa"]),
    "CD": (["Congolese"], ["Kinshasa"]),
    "CH": (["Swiss"], ["Bern", "Berne"]),
    "CL": (["Chilean"], ["Santiago"]),
    "CN": (["Chinese"], ["Beijing", "Peking"]),
    "CO": (["Colombian"], ["Bogotá", "Bogota"]),
    "CU": (["Cuban"], ["Havana"]),
    "CZ": (["Czech"], ["Prague"]),
    "DE": (["German"], ["Berlin"]),
    "DK": (["Danish", "Dane"], ["Copenhagen"]),
    "DZ": (["Algerian"], ["Algiers"]),
    "EE": (["Estonian"], ["Tallinn"]),
    "EG": (["Egyptian"], ["Cairo"]),
    "ES": (["Spanish", "Spaniard"], ["Madrid"]),
    "ET": (["Ethiopian"], ["Addis Ababa"]),
    "FI": (["Finnish"], ["Helsinki"]),
    "FR": (["French", "Frenchman", "Frenchwoman"], ["Paris"]),
    "GB": (["British", "Briton"], ["London"]),
    "GE": (["Georgian"], ["Tbilisi"]),
    "GR": (["Greek"], ["Athens"]),
    "HR": (["Croatian", "Croat"], ["Zagreb"]),
    "HT": (["Haitian"], ["Port-au-Prince"]),
    "HU": (["Hungarian"], ["Budapest"]),
    "ID": (["Indonesian"], ["Jakarta"]),
    "IE": (["Irish"], ["Dublin"]),
    "IL": (["Israeli"], []),
    "IN": (["Indian"], ["New Delhi"]),
    "IQ": (["Iraqi"], ["Baghdad"]),
    "IR": (["Iranian"], ["Tehran", "Teheran"]),
    "IT": (["Italian"], ["Rome"]),
    "JO": (["Jordanian"], ["Amman"]),
    "JP": (["Japanese"], ["Tokyo"]),
    "KE": (["Kenyan"], ["Nairobi"]),
    "KP": (["North Korean"], ["Pyongyang"]),
    "KR": (["South Korean"], ["Seoul"]),
    "KW": (["Kuwaiti"], ["Kuwait City"]),
    "KZ": (["Kazakh", "Kazakhstani"], ["Astana"]),
    "LB": (["Lebanese"], ["Beirut"]),
    "LT": (["Lithuanian"], ["Vilnius"]),
    "LV": (["Latvian"], ["Riga"]),
    "LY": (["Libyan"], ["Tripoli"]),
    "MA": (["Moroccan"], ["Rabat"]),
    "MD": (["Moldovan"], ["Chișinău", "Chisinau"]),
    "ML": (["Malian"], ["Bamako"]),
    "MM": (["Burmese", "Myanmarese"], ["Naypyidaw", "Naypyitaw"]),
    "MX": (["Mexican"], ["Mexico City"]),
    "MY": (["Malaysian"], ["Kuala Lumpur"]),
    "NE": (["Nigerien"], ["Niamey"]),
    "NG": (["Nigerian"], ["Abuja"]),
    "NL": (["Dutch", "Dutchman", "Dutchwoman"], ["Amsterdam", "The Hague"]),
    "NO": (["Norwegian"], ["Oslo"]),
    "NZ": (["New Zealander"], ["Wellington"]),
    "OM": (["Omani"], ["Muscat"]),
    "PE": (["Peruvian"], ["Lima"]),
    "PH": (["Filipino", "Philippine"], ["Manila"]),
    "PK": (["Pakistani"], ["Islamabad"]),
    "PL": (["Polish"], ["Warsaw"]),
    "PS": (["Palestinian"], []),
    "PT": (["Portuguese"], ["Lisbon"]),
    "QA": (["Qatari"], ["Doha"]),
    "RO": (["Romanian"], ["Bucharest"]),
    "RS": (["Serbian", "Serb"], ["Belgrade"]),
    "RU": (["Russian"], ["Moscow", "Kremlin"]),
    "SA": (["Saudi"], ["Riyadh"]),
    "SD": (["Sudanese"], ["Khartoum"]),
    "SE": (["Swedish", "Swede"], ["Stockholm"]),
    "SG": (["Singaporean"], []),
    "SK": (["Slovak", "Slovakian"], ["Bratislava"]),
    "SN": (["Senegalese"], ["Dakar"]),
    "SO": (["Somali", "Somalian"], ["Mogadishu"]),
    "SS": (["South Sudanese"], ["Juba"]),
    "SY": (["Syrian"], ["Damascus"]),
    "TH": (["Thai"], ["Bangkok"]),
    "TN": (["Tunisian"], ["Tunis"]),
    "TR": (["Turkish", "Turk"], ["Ankara"]),
    "TW": (["Taiwanese"], ["Taipei"]),
    "UA": (["Ukrainian"], ["Kyiv", "Kiev"]),
    "US": (["American"], ["Washington"]),
    "UZ": (["Uzbek", "Uzbekistani"], ["Tashkent"]),
    "VE": (["Venezuelan"], ["Caracas"]),
    "VN": (["Vietnamese"], ["Hanoi"]),
    "YE": (["Yemeni"], ["Sanaa", "Sana'a"]),
    "ZA": (["South African"], ["Pretoria"]),
}

# Not in ISO 3166-1 (no code assigned), but in the news.
NON_ISO = {
    "Kosovo": ["Republic of Kosovo", "Kosovar", "Kosovan", "Pristina", "Prishtina"],
}

ORGANISATIONS: dict[str, list[str]] = {
    "NATO": [
        "North Atlantic Treaty Organization",
        "North Atlantic Treaty Organisation",
        "North Atlantic Alliance",
        "OTAN",
        "НАТО",
        "Organisation du traité de l'Atlantique nord",
        "Organización del Tratado del Atlántico Norte",
        "الناتو",
        "حلف شمال الأطلسي",
    ],
    "United Nations": [
        "UN",
        "U.N.",
        "UNO",
        "ONU",
        "ООН",
        "Nations unies",
        "Naciones Unidas",
        "Vereinte Nationen",
        "Organização das Nações Unidas",
        "الأمم المتحدة",
    ],
    "UN Security Council": [
        "UNSC",
        "Security Council",
        "United Nations Security Council",
        "Conseil de sécurité",
        "Consejo de Seguridad",
        "Sicherheitsrat",
        "Совбез ООН",
        "Совет Безопасности ООН",
    ],
    "UN General Assembly": [
        "UNGA",
        "General Assembly",
        "United Nations General Assembly",
        "Assemblée générale des Nations unies",
        "Генассамблея ООН",
    ],
    "European Union": [
        "EU",
        "E.U.",
        "UE",
        "ЕС",
        "Europäische Union",
        "Union européenne",
        "Unión Europea",
        "União Europeia",
        "Unione europea",
        "Avrupa Birliği",
        "Евросоюз",
        "Европейский союз",
    ],
    "European Commission": [
        "Commission européenne",
        "Comisión Europea",
        "EU-Kommission",
        "Europäische Kommission",
        "Еврокомиссия",
    ],
    "European Parliament": [
        "Parlement européen",
        "Parlamento Europeo",
        "Europäisches Parlament",
        "Европарламент",
    ],
    "European Central Bank": [
        "ECB",
        "EZB",
        "BCE",
        "ЕЦБ",
        "Banque centrale européenne",
        "Banco Central Europeo",
        "Europäische Zentralbank",
    ],
    "Council of Europe": ["Conseil de l'Europe", "Consejo de Europa", "Europarat", "Совет Европы"],
    "World Health Organization": [
        "WHO",
        "World Health Organisation",
        "OMS",
        "ВОЗ",
        "Organisation mondiale de la santé",
        "Organización Mundial de la Salud",
        "Weltgesundheitsorganisation",
        "منظمة الصحة العالمية",
    ],
    "IAEA": [
        "International Atomic Energy Agency",
        "AIEA",
        "OIEA",
        "МАГАТЭ",
        "IAEO",
        "Agence internationale de l'énergie atomique",
        "Organismo Internacional de Energía Atómica",
        "Internationale Atomenergiebehörde",
        "الوكالة الدولية للطاقة الذرية",
    ],
    "International Monetary Fund": [
        "IMF",
        "FMI",
        "IWF",
        "МВФ",
        "Fonds monétaire international",
        "Fondo Monetario Internacional",
        "Internationaler Währungsfonds",
        "صندوق النقد الدولي",
    ],
    "World Bank": [
        "Banque mondiale",
        "Banco Mundial",
        "Weltbank",
        "Всемирный банк",
        "البنك الدولي",
    ],
    "World Trade Organization": [
        "WTO",
        "World Trade Organisation",
        "OMC",
        "ВТО",
        "Organisation mondiale du commerce",
        "Organización Mundial del Comercio",
        "Welthandelsorganisation",
    ],
    "OPEC": ["Organization of the Petroleum Exporting Countries", "OPEP", "ОПЕК", "OPEC+", "أوبك"],
    "OSCE": [
        "Organization for Security and Co-operation in Europe",
        "OSZE",
        "ОБСЕ",
        "Organisation pour la sécurité et la coopération en Europe",
    ],
    "International Criminal Court": [
        "ICC",
        "CPI",
        "IStGH",
        "МУС",
        "Cour pénale internationale",
        "Corte Penal Internacional",
        "Internationaler Strafgerichtshof",
    ],
    "International Court of Justice": [
        "ICJ",
        "CIJ",
        "IGH",
        "Cour internationale de justice",
        "Corte Internacional de Justicia",
        "Internationaler Gerichtshof",
        "Международный суд ООН",
    ],
    "UNHCR": [
        "UN Refugee Agency",
        "United Nations High Commissioner for Refugees",
        "ACNUR",
        "HCR",
        "УВКБ ООН",
        "Haut Commissariat des Nations unies pour les réfugiés",
    ],
    "UNICEF": ["United Nations Children's Fund", "ЮНИСЕФ"],
    "UNESCO": ["United Nations Educational, Scientific and Cultural Organization", "ЮНЕСКО"],
    "UNRWA": ["United Nations Relief and Works Agency", "БАПОР", "الأونروا"],
    "World Food Programme": [
        "WFP",
        "World Food Program",
        "PAM",
        "ВПП",
        "Programme alimentaire mondial",
        "Programa Mundial de Alimentos",
        "Welternährungsprogramm",
    ],
    "Red Cross": [
        "ICRC",
        "International Committee of the Red Cross",
        "CICR",
        "IKRK",
        "МККК",
        "Red Crescent",
        "Croix-Rouge",
        "Cruz Roja",
        "Rotes Kreuz",
        "Красный Крест",
    ],
    "Interpol": ["INTERPOL", "Интерпол", "International Criminal Police Organization"],
    "Europol": ["Европол"],
    "African Union": [
        "AU",
        "UA",
        "Union africaine",
        "Unión Africana",
        "Afrikanische Union",
        "Африканский союз",
    ],
    "ASEAN": ["Association of Southeast Asian Nations", "АСЕАН"],
    "Arab League": [
        "League of Arab States",
        "Ligue arabe",
        "Liga Árabe",
        "Arabische Liga",
        "Лига арабских государств",
        "جامعة الدول العربية",
    ],
    "Gulf Cooperation Council": [
        "GCC",
        "Cooperation Council for the Arab States of the Gulf",
        "CCG",
        "ССАГПЗ",
        "مجلس التعاون الخليجي",
    ],
    "G7": ["Group of Seven", "G-7", "Большая семёрка"],
    "G20": ["Group of Twenty", "G-20", "Большая двадцатка"],
    "BRICS": ["БРИКС"],
    "Shanghai Cooperation Organisation": [
        "SCO",
        "Shanghai Cooperation Organization",
        "ШОС",
        "OCS",
        "Organisation de coopération de Shanghai",
    ],
    "CSTO": ["Collective Security Treaty Organization", "ОДКБ", "OTSC"],
    "OECD": ["Organisation for Economic Co-operation and Development", "OCDE", "OCDE", "ОЭСР"],
    "OPCW": ["Organisation for the Prohibition of Chemical Weapons", "OIAC", "ОЗХО", "OVCW"],
    "CTBTO": ["Comprehensive Nuclear-Test-Ban Treaty Organization", "ОДВЗЯИ"],
    "Organization of American States": [
        "OAS",
        "OEA",
        "ОАГ",
        "Organización de los Estados Americanos",
    ],
    "Mercosur": ["Mercosul", "Меркосур"],
    "Commonwealth of Nations": ["Commonwealth"],
    "International Energy Agency": ["IEA", "AIE", "МЭА", "Internationale Energieagentur"],
    "Frontex": ["European Border and Coast Guard Agency", "Фронтекс"],
    "International Olympic Committee": ["IOC", "CIO", "IOK", "МОК"],
    "FAO": ["Food and Agriculture Organization", "Организация ООН по вопросам продовольствия"],
    "International Labour Organization": [
        "ILO",
        "OIT",
        "IAO",
        "МОТ",
        "International Labor Organization",
    ],
    "IPCC": ["Intergovernmental Panel on Climate Change", "GIEC", "МГЭИК", "Weltklimarat"],
}

# Acronyms that people search by, as entity names of their own: each expands to the full
# entity (an alias naming another entity expands to it), so `WHO` and "World Health
# Organization" in a query both mean the organisation.
ACRONYMS = {
    "WHO": "World Health Organization",
    "UN": "United Nations",
    "EU": "European Union",
    "IMF": "International Monetary Fund",
    "WTO": "World Trade Organization",
    "ICC": "International Criminal Court",
    "ICJ": "International Court of Justice",
    "UNSC": "UN Security Council",
    "UNGA": "UN General Assembly",
    "ECB": "European Central Bank",
    "WFP": "World Food Programme",
    "ICRC": "Red Cross",
    "AU": "African Union",
    "GCC": "Gulf Cooperation Council",
    "SCO": "Shanghai Cooperation Organisation",
    "OAS": "Organization of American States",
    "IEA": "International Energy Agency",
    "IOC": "International Olympic Committee",
    "ILO": "International Labour Organization",
}
COUNTRY_ACRONYMS = {
    "US": "United States",
    "USA": "United States",
    "UK": "United Kingdom",
    "UAE": "United Arab Emirates",
    "DRC": "Democratic Republic of the Congo",
    "DPRK": "North Korea",
}

# Weapon classes. Names are lower case: a class is matched in any case, acronyms in capitals.
# An alias that names another class expands to it ("missile" covers "ICBM" via
# "ballistic missile").
WEAPONS: dict[str, list[str]] = {
    "missile": [
        "ballistic missile",
        "cruise missile",
        "hypersonic missile",
        "anti-ship missile",
        "surface-to-air missile",
        "air-to-air missile",
        "anti-tank missile",
        "guided missile",
        "missile strike",
    ],
    "ballistic missile": [
        "ICBM",
        "IRBM",
        "MRBM",
        "SRBM",
        "SLBM",
        "intercontinental ballistic missile",
        "intermediate-range ballistic missile",
        "medium-range ballistic missile",
        "short-range ballistic missile",
        "submarine-launched ballistic missile",
        "Scud",
        "ballistische Rakete",
        "missile balistique",
        "misil balístico",
        "баллистическая ракета",
    ],
    "cruise missile": [
        "land-attack cruise missile",
        "anti-ship cruise missile",
        "LACM",
        "ALCM",
        "SLCM",
        "GLCM",
        "missile de croisière",
        "misil de crucero",
        "Marschflugkörper",
        "крылатая ракета",
    ],
    "hypersonic missile": [
        "hypersonic weapon",
        "hypersonic glide vehicle",
        "HGV",
        "гиперзвуковая ракета",
    ],
    "air defence": [
        "air defense",
        "air-defence system",
        "air-defense system",
        "missile defence",
        "missile defense",
        "anti-aircraft",
        "surface-to-air missile",
        "SAM",
        "interceptor missile",
        "MANPADS",
        "Patriot missile",
        "Iron Dome",
        "défense aérienne",
        "Luftabwehr",
        "ПВО",
        "противовоздушная оборона",
    ],
    "drone": [
        "UAV",
        "UAS",
        "UCAV",
        "unmanned aerial vehicle",
        "unmanned aircraft",
        "unmanned aerial system",
        "loitering munition",
        "kamikaze drone",
        "combat drone",
        "attack drone",
        "quadcopter",
        "Drohne",
        "dron",
        "беспилотник",
        "БПЛА",
    ],
    "nuclear weapon": [
        "nuclear warhead",
        "nuclear bomb",
        "atomic bomb",
        "atom bomb",
        "hydrogen bomb",
        "thermonuclear weapon",
        "H-bomb",
        "A-bomb",
        "nuclear arsenal",
        "arme nucléaire",
        "Atomwaffe",
        "Kernwaffe",
        "ядерное оружие",
    ],
    "chemical weapon": [
        "nerve agent",
        "sarin",
        "VX",
        "novichok",
        "mustard gas",
        "chemical attack",
        "arme chimique",
        "Chemiewaffe",
        "химическое оружие",
    ],
    "biological weapon": [
        "bioweapon",
        "biological agent",
        "germ warfare",
        "arme biologique",
        "Biowaffe",
        "биологическое оружие",
    ],
    "fighter jet": [
        "fighter aircraft",
        "fighter plane",
        "warplane",
        "combat aircraft",
        "fighter-bomber",
        "stealth fighter",
        "Kampfjet",
        "avion de chasse",
    ],
    "warship": [
        "frigate",
        "destroyer",
        "corvette",
        "aircraft carrier",
        "cruiser",
        "naval vessel",
        "Kriegsschiff",
        "navire de guerre",
    ],
    "submarine": ["nuclear submarine", "SSBN", "U-boat", "sous-marin", "U-Boot", "подводная лодка"],
    "artillery": [
        "howitzer",
        "multiple rocket launcher",
        "MLRS",
        "HIMARS",
        "rocket artillery",
        "mortar fire",
        "shelling",
    ],
    "main battle tank": ["battle tank", "MBT", "Kampfpanzer", "char de combat"],
    "landmine": ["land mine", "anti-personnel mine", "anti-tank mine", "Landmine"],
    "cluster munition": [
        "cluster bomb",
        "Streumunition",
        "armes à sous-munitions",
        "кассетный боеприпас",
    ],
}


def _clean(name: str | None) -> str | None:
    if not name or name in SKIP or ", " in name:
        return None
    return name[4:] if name.startswith("the ") else name


def countries() -> dict[str, dict[str, list[str]]]:
    entries: dict[str, dict[str, list[str]]] = {}
    for country in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        code = country.alpha_2
        name = NAMES.get(code) or getattr(country, "common_name", None) or country.name
        found = [
            _clean(country.name),
            _clean(getattr(country, "official_name", None)),
            _clean(getattr(country, "common_name", None)),
            *EXTRA.get(code, []),
        ]
        people, capitals = PEOPLE_AND_CAPITALS.get(code, ([], []))
        aliases = [a for a in dict.fromkeys([*found, *people, *capitals]) if a and a != name]
        entries[name] = {"aliases": aliases}
    for name, aliases in NON_ISO.items():
        entries[name] = {"aliases": aliases}
    for acronym, name in COUNTRY_ACRONYMS.items():
        assert name in entries, name
        entries[acronym] = {"aliases": [name]}
    return dict(sorted(entries.items()))


def _write(filename: str, header: str, entities: dict[str, dict[str, list[str]]]) -> None:
    body = yaml.safe_dump({"entities": entities}, allow_unicode=True, sort_keys=False, width=100)
    (HERE / filename).write_text(header + body, encoding="utf-8")


def main() -> int:
    for name in ACRONYMS.values():
        assert name in ORGANISATIONS, name
    note = "# Generated by rules/entities/generate.py - edit the script, then rerun it.\n"
    _write(
        "countries.yaml",
        note + "# Every ISO 3166-1 country (pycountry), with demonyms and capitals for the most"
        " newsworthy.\n",
        countries(),
    )
    _write(
        "organisations.yaml",
        note + "# International organisations with their acronyms in major languages.\n",
        {
            **{name: {"aliases": list(dict.fromkeys(a))} for name, a in ORGANISATIONS.items()},
            **{acronym: {"aliases": [name]} for acronym, name in ACRONYMS.items()},
        },
    )
    _write(
        "weapons.yaml",
        note + "# Weapon classes; an alias naming another class expands to it.\n",
        {name: {"aliases": aliases} for name, aliases in WEAPONS.items()},
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
