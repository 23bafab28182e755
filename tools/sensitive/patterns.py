"""Value-pattern detectors over a column's distinct-value sample.

Each detector takes a ``Values`` (the sample plus shared normalised forms) and returns
``PatternResult``s: how many sampled values match a format, and, where the format has a check
(Luhn, mod-97, mod-11, HMRC prefix rules, SSN rules, phone-number plans), how many of those pass it.
Regular expressions run through pandas' vectorised string methods, or arrow's RE2 where a pattern needs
Unicode classes (emails of any script); per-value Python only where a library has to parse
(phonenumbers, ipaddress) and then on at most a few hundred values.
Nothing here keeps or reports a raw value: results are counts. Dates, free text and masked values
have their own modules (``dates``, ``freetext``, ``masking``).
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
from collections import Counter
from datetime import date

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from tools.sensitive.checksums import (
    card_brand,
    iban_valid,
    luhn_valid_many,
    nhs_valid_many,
    nino_valid,
    ssn_valid,
)
from tools.sensitive.dates import DateFacts, dob_result, parse_dates
from tools.sensitive.emails import EMAIL
from tools.sensitive.freetext import detect_free_text
from tools.sensitive.names import fold, words
from tools.sensitive.plates import detect_vehicle_registration
from tools.sensitive.values import (
    REGION_LOCALE,
    PatternResult,
    Values,
    name_list,
    parse_phone,
    vocabulary,
    word_list,
)

PHONE_PARSE_LIMIT = 200

# ---------------------------------------------------------------- detectors


def detect_email(v: Values) -> list[PatternResult]:
    """Internationalised addresses too (UTF-8 local parts, IDN domains): RE2 through arrow for ``\\p{L}``."""
    hits = pc.sum(pc.match_substring_regex(v.arrow, f"^(?:{EMAIL})$")).as_py() or 0
    return [PatternResult("email", "email address format", v.n, float(hits), 0.98)]


_EXTENSION = r"\s*(?:x|ext\.?|extension|#)\s*\d{1,6}$"
_DATE_SHAPE = r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[ T][\d:.]+)?|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}(?: [\d:.]+)?"
_IPV4 = r"(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_DECIMAL = r"-?\d+\.\d+"  # one point and digits only: a measurement; numbers written with dots have two


def detect_phone(v: Values) -> list[PatternResult]:
    base = v.raw.str.replace(_EXTENSION, "", regex=True, flags=re.IGNORECASE)
    digit_count = base.str.count(r"\d")
    date_or_ip = base.str.fullmatch(_DATE_SHAPE).astype(bool) | base.str.fullmatch(_IPV4).astype(bool)
    decimal = base.str.fullmatch(_DECIMAL).astype(bool)  # 4.31806333496276 is a log wage, not a phone
    shaped = base.str.fullmatch(r"(?:\+|00|\()?[\d\s().\-/]+").astype(bool) & digit_count.between(7, 15)
    shaped &= ~date_or_ip & ~decimal
    formatted = shaped & base.str.contains(r"^(?:\+|00|0|\()|[\s().\-/]", regex=True)
    bare = shaped & ~formatted
    matched = int(shaped.sum())
    valid = 0
    locales: Counter[str] = Counter()
    msisdn_valid = 0
    msisdn_locales: Counter[str] = Counter()
    candidates = base[shaped]
    if len(candidates) > PHONE_PARSE_LIMIT:
        candidates = candidates.iloc[:PHONE_PARSE_LIMIT]
    scale = matched / max(len(candidates), 1)
    for index, text in candidates.items():
        ok, region = parse_phone(text)
        if ok:
            valid += 1
            if region in REGION_LOCALE:
                locales[REGION_LOCALE[region]] += 1
        if bare[index] and 11 <= len(text) <= 15:
            ok_int, region_int = parse_phone("+" + text)
            if ok_int:
                msisdn_valid += 1
                if region_int in REGION_LOCALE:
                    msisdn_locales[REGION_LOCALE[region_int]] += 1
    formatted_share = float(formatted.sum()) / matched if matched else 0.0
    results = [
        PatternResult(
            "phone",
            "phone number shape" if formatted_share >= 0.5 else "phone number shape (bare digits)",
            v.n,
            float(matched),
            0.9 if formatted_share >= 0.5 else 0.45,
            validator="phone numbering plans (phonenumbers)",
            valid=round(valid * scale),
            locales=dict(locales),
        )
    ]
    if msisdn_valid:
        results.append(
            PatternResult(
                "msisdn",
                "international number without '+' (MSISDN form)",
                v.n,
                msisdn_valid * scale,
                0.85,
                locales=dict(msisdn_locales),
            )
        )
    return results


_UK_POSTCODE = (
    r"(?:GIR ?0AA|[A-PR-UWYZ](?:\d{1,2}|[A-HK-Y]\d{1,2}|\d[A-HJKPSTUW]|[A-HK-Y]\d[ABEHMNPRV-Y]) ?\d[ABD-HJLNP-UW-Z]{2})"
)


def detect_postcode(v: Values) -> list[PatternResult]:
    uk = v.upper.str.fullmatch(_UK_POSTCODE).sum()
    zip5 = v.raw.str.fullmatch(r"\d{5}")
    zip9 = v.raw.str.fullmatch(r"\d{5}-\d{4}").sum()
    nl = v.upper.str.fullmatch(r"[1-9]\d{3} ?[A-Z]{2}").sum()
    ca = v.upper.str.fullmatch(r"[ABCEGHJ-NPRSTVXY]\d[A-Z] ?\d[A-Z]\d").sum()
    results = [PatternResult("postcode", "UK postcode format", v.n, float(uk), 0.92, locales={"en_GB": int(uk)})]
    if zip9:
        results.append(
            PatternResult("postcode", "US ZIP+4 format", v.n, float(zip9 + zip5.sum()), 0.85, locales={"en_US": 1})
        )
    results.append(PatternResult("postcode", "five-digit postal code format", v.n, float(zip5.sum()), 0.3))
    results.append(PatternResult("postcode", "Dutch postcode format", v.n, float(nl), 0.8, locales={"nl_NL": 1}))
    results.append(PatternResult("postcode", "Canadian postal code format", v.n, float(ca), 0.85, locales={"en_CA": 1}))
    return results


def detect_ip(v: Values) -> list[PatternResult]:
    v4 = int(v.raw.str.fullmatch(_IPV4).sum())
    v6 = 0
    for text in v.raw[v.raw.str.fullmatch(r"[0-9A-Fa-f:.]{2,45}") & v.raw.str.contains(":")].iloc[:500]:
        with contextlib.suppress(ValueError):
            v6 += isinstance(ipaddress.ip_address(text), ipaddress.IPv6Address)
    return [PatternResult("ip_address", "IPv4/IPv6 address format", v.n, float(v4 + v6), 0.92)]


def detect_nino(v: Values) -> list[PatternResult]:
    compact = v.upper.str.replace(" ", "", regex=False)
    shaped = compact[compact.str.fullmatch(r"[A-Z]{2}\d{6}[A-Z]?")]
    valid = sum(nino_valid(x) for x in shaped)
    return [
        PatternResult(
            "uk_nino",
            "UK National Insurance number format",
            v.n,
            float(len(shaped)),
            0.9,
            validator="HMRC prefix and suffix rules",
            valid=valid,
            decisive=True,
            strict=True,
            locales={"en_GB": 1},
        )
    ]


def detect_ssn(v: Values) -> list[PatternResult]:
    shaped = v.raw[v.raw.str.fullmatch(r"\d{3}([- .]?)\d{2}\1\d{4}")]
    if shaped.empty:
        return []
    delimited = float(shaped.str.contains(r"\D").mean())
    valid = sum(ssn_valid(x) for x in shaped)
    return [
        PatternResult(
            "us_ssn",
            "US SSN format" if delimited >= 0.5 else "nine-digit number (SSN-like)",
            v.n,
            float(len(shaped)),
            0.85 if delimited >= 0.5 else 0.35,
            validator="SSN validity rules",
            valid=valid,
            strict=True,
            locales={"en_US": 1},
        )
    ]


def detect_nhs(v: Values) -> list[PatternResult]:
    shaped = v.compact[v.is_digits & (v.length == 10)]
    if shaped.empty:
        return []
    valid = int(nhs_valid_many(shaped.tolist()).sum())
    return [
        PatternResult(
            "nhs_number",
            "ten-digit number",
            v.n,
            float(len(shaped)),
            0.3,
            validator="NHS mod-11 check digit",
            valid=valid,
            decisive=True,
            strict=True,
            locales={"en_GB": 1},
        )
    ]


def detect_card(v: Values) -> list[PatternResult]:
    shaped = v.compact[v.is_digits & v.length.between(13, 19)]
    if shaped.empty:
        return []
    digits = shaped.tolist()
    luhn = luhn_valid_many(digits)
    branded = np.array([card_brand(d) is not None for d in digits])
    lengths = Counter(len(d) for d in digits)
    common = lengths.most_common(1)[0][0]
    return [
        PatternResult(
            "payment_card",
            f"{common}-digit numbers",
            v.n,
            float(len(digits)),
            0.45,
            validator="Luhn check and card issuer prefix",
            valid=int((luhn & branded).sum()),
            decisive=True,
            strict=True,
        )
    ]


def detect_iban(v: Values) -> list[PatternResult]:
    shaped = v.compact_upper[v.compact_upper.str.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")]
    if shaped.empty:
        return []
    valid = [iban_valid(x) for x in shaped]
    countries = Counter(x[:2] for x, ok in zip(shaped, valid, strict=True) if ok)
    locales = {REGION_LOCALE[c]: k for c, k in countries.items() if c in REGION_LOCALE}
    return [
        PatternResult(
            "iban",
            "IBAN format",
            v.n,
            float(len(shaped)),
            0.6,
            validator="IBAN country length and mod-97",
            valid=sum(valid),
            decisive=True,
            strict=True,
            locales=locales,
        )
    ]


def detect_bank_numbers(v: Values) -> list[PatternResult]:
    """Sort codes (12-34-56) and eight-digit account numbers: weak alone, telling beside each other."""
    dashed = v.raw.str.fullmatch(r"\d{2}-\d{2}-\d{2}").sum()
    six = (v.is_digits & (v.length == 6) & ~v.raw.str.contains("-")).sum()
    eight = (v.raw.str.fullmatch(r"\d{8}")).sum()
    account = (v.raw.str.fullmatch(r"\d{6,12}")).sum()
    results = [
        PatternResult("sort_code", "sort code format (nn-nn-nn)", v.n, float(dashed), 0.75, locales={"en_GB": 1}),
        PatternResult("sort_code", "six-digit number", v.n, float(six), 0.15),
        PatternResult("bank_account", "eight-digit number (UK account form)", v.n, float(eight), 0.2),
        PatternResult("bank_account", "6-12 digit number (account number form)", v.n, float(account), 0.16),
    ]
    return [r for r in results if r.matched]


_MCC = {
    "234", "235", "310", "311", "312", "313", "314", "315", "316", "262", "208", "214", "204", "222", "272",
    "228", "232", "206", "240", "242", "238", "244", "260", "302", "505", "440", "460", "404", "405", "724",
}  # fmt: skip


def detect_device_ids(v: Values) -> list[PatternResult]:
    """IMEI (15 digits, Luhn, not an Amex prefix) and IMSI (15 digits starting with a country code)."""
    fifteen = v.raw.str.replace(r"[\s\-/]", "", regex=True)
    fifteen = fifteen[fifteen.str.fullmatch(r"\d{15}")]
    if fifteen.empty:
        return []
    not_amex = ~fifteen.str.match(r"3[47]")
    luhn = luhn_valid_many(fifteen.tolist())
    mcc = fifteen.str[:3].isin(_MCC)
    return [
        PatternResult(
            "imei",
            "15-digit device number format",
            v.n,
            float(not_amex.sum()),
            0.3,
            validator="Luhn check",
            valid=int((luhn & not_amex.to_numpy()).sum()),
            decisive=True,
            strict=True,
        ),
        PatternResult(
            "imsi", "15-digit number starting with a mobile country code", v.n, float(mcc.sum()), 0.75, full=0.9
        ),
    ]


_TITLES = words(
    "mr mrs ms miss mx dr prof sir dame herr frau dr. mme mlle m sr sra srta dhr mevr med docteur dra dott mevrouw"
)
# a title, then a name: "Dr H. Tanaka", "Dr. med. Anna Schmidt", "Prof. Dr. Weber", "dr. J. de Vries"
_TITLED = re.compile(
    r"(?i:(?:mr|mrs|ms|miss|mx|dr|prof|sir|dame|herr|frau|mme|mlle|sra?|srta|dhr|mevr|docteur|dra|dott)\.?"
    r"(?:\s+(?i:med|dr)\.?)*)\s+(?:[A-Z]\.\s*){0,3}(?:(?:van|von|de|der|den|del|la|le|du|da|dos|ten|ter|'t)\s+)*"
    r"[A-ZÀ-ÖØ-Þ][^\W\d_'’\-]+(?:[\s\-][A-ZÀ-ÖØ-Þ][^\W\d_'’\-]+){0,2}"
)
_COMMON_WORDS = words(
    "long young green white black brown gray grey king hill wood rose stone fox rice price bell lane hunt ford "
    "frank gross lang graf winter sommer stein otto park west cole moss hall cook baker mason"
    " may grace max mark will"
)
_NAME_SHAPE = r"[^\W\d_][^\W\d_'’.\-]*(?:[\s,'’.\-]+[^\W\d_][^\W\d_'’.\-]*){0,4}\.?"


def name_shape_share(values: list[str]) -> float:
    """Share of values shaped like names: 1-5 words of letters (hyphens, apostrophes), no digits."""
    if not values:
        return 0.0
    return float(pd.Series(values, dtype=object).str.fullmatch(_NAME_SHAPE).mean())


def detect_person_names(v: Values) -> list[PatternResult]:
    first, last = name_list("first_names"), name_list("surnames")
    titled = v.raw.str.fullmatch(_TITLED).astype(bool)
    shaped = v.raw.str.fullmatch(_NAME_SHAPE).astype(bool) | titled
    single = full = half = only_first = only_last = 0
    full += int(titled.sum())  # a title before a capitalised word is a person, on the lists or not
    for text in v.raw[shaped & ~titled]:
        tokens = [t for t in re.split(r"[\s,.\-]+", fold(text).lower()) if t and t not in _TITLES]
        if not tokens:
            continue
        if len(tokens) == 1:
            single += 1
            only_first += tokens[0] in first
            only_last += tokens[0] in last
            continue
        if "," in text:  # "Last, First"
            tokens = tokens[1:] + tokens[:1]
        has_first = tokens[0] in first
        has_last = tokens[-1] in last or any(t in last and t not in _COMMON_WORDS for t in tokens[1:-1])
        if has_first and has_last:
            full += 1
        elif (has_first and tokens[0] not in _COMMON_WORDS) or (has_last and tokens[-1] not in _COMMON_WORDS):
            half += 1
    shape_share = float(shaped.mean()) if v.n else 0.0
    strength = 0.85 if shape_share >= 0.8 else 0.4
    return [
        PatternResult(
            "person_name",
            "first and last names from the name lists",
            v.n,
            full + 0.5 * half,
            strength,
            floor=0.08,
            full=0.4,
        ),
        PatternResult(
            "first_name", "first names from the name list", v.n, float(only_first), strength, floor=0.08, full=0.4
        ),
        PatternResult(
            "last_name", "surnames from the name list", v.n, float(only_last), strength, floor=0.08, full=0.4
        ),
    ]


# ---------------------------------------------------------------- health (special-category data)

# ICD-10 (WHO, -GM, -CM): a letter, two characters, optionally a dot and up to four more (J18.9, S72.001A)
_ICD10 = r"[A-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?[+*!]?"
_BLOOD = r"(?:A|B|AB|O|0)(?:RH)?(?:[+-]|POS|NEG|POSITIVE|NEGATIVE)?"


def detect_icd10(v: Values) -> list[PatternResult]:
    """Diagnosis codes: most values ICD-10 shaped, across several chapters (letters); telling when many
    carry the dotted subcategory, weak otherwise (three-character codes look like postcode districts)."""
    compact = v.upper.str.replace(" ", "", regex=False)
    shaped = compact[compact.str.fullmatch(_ICD10)]
    if len(shaped) < 5:
        return []
    dotted = float(shaped.str.contains(".", regex=False).mean())
    chapters = shaped.str[0].nunique()
    telling = dotted >= 0.3 and chapters >= 3
    return [
        PatternResult(
            "medical_condition",
            "ICD-10 diagnosis code format",
            v.n,
            float(len(shaped)),
            0.6 if telling else 0.25,
            floor=0.3,
            full=0.8,
            note=f"{chapters} chapters",
        )
    ]


def detect_blood_group(v: Values) -> list[PatternResult]:
    """ABO/Rh blood groups (A+, 0 Rh-, AB neg): a handful of values that include O or AB, which school
    grades (A+, B-) never do."""
    if v.n == 0 or v.n > 16:
        return []
    compact = v.upper.str.replace(r"[\s.]", "", regex=True)
    shaped = compact[compact.str.fullmatch(_BLOOD)]
    groups = set(shaped.str.replace(r"(?:RH)?(?:[+-]|POS|NEG|POSITIVE|NEGATIVE)$", "", regex=True))
    if not groups & {"O", "0", "AB"} or len(groups) < 2:
        return []
    return [PatternResult("medical_condition", "ABO/Rh blood groups", v.n, float(len(shaped)), 0.75, 0.5, 0.9)]


def detect_health_terms(v: Values) -> list[PatternResult]:
    """Values naming a specialty, a condition, a drug or an allergen (health_terms.txt, five languages).
    Moderate alone: a department list of a hospital is not about a person; a name or context must agree."""
    terms = vocabulary("health_terms")
    folded = v.raw.iloc[:TEXT_VALUES].map(lambda s: fold(s).lower())
    hits = folded.map(lambda s: any(w in terms for w in re.findall(r"[a-z]+", s))).sum()
    return [
        PatternResult(
            "medical_condition",
            "medical terms (specialties, conditions, drugs, allergens)",
            len(folded),
            float(hits),
            0.45,
            floor=0.15,
            full=0.5,
        )
    ]


TEXT_VALUES = 300


# street suffixes: USPS Publication 28 (common ones) and British usage
_STREET_SUFFIXES = (
    "alley|annex|arcade|avenue|ave|bayou|beach|bend|bluff|bottom|boulevard|blvd|branch|bridge|brook|burg|bypass|"
    "camp|canyon|cape|causeway|center|centre|circle|cir|cliff|club|common|corner|course|court|ct|cove|creek|"
    "crescent|cres|crest|crossing|crossroad|curve|dale|dam|divide|drive|dr|estate|expressway|extension|fall|"
    "ferry|field|flat|ford|forest|forge|fork|fort|freeway|garden|gateway|glen|green|grove|harbor|harbour|haven|"
    "heights|highway|hwy|hill|hollow|inlet|island|isle|junction|key|knoll|lake|land|landing|lane|ln|light|loaf|"
    "lock|lodge|loop|mall|manor|meadow|mews|mill|mission|motorway|mount|mountain|neck|orchard|oval|overpass|park|"
    "parkway|pkwy|pass|passage|path|pike|pine|place|pl|plain|plaza|point|port|prairie|radial|ramp|ranch|rapid|rest|"
    "ridge|rise|river|road|rd|route|row|run|shoal|shore|skyway|spring|spur|square|sq|station|stravenue|stream|"
    "street|st|summit|terrace|throughway|trace|track|trafficway|trail|trailer|tunnel|turnpike|underpass|union|"
    "vale|valley|via|viaduct|view|village|ville|vista|walk|wall|way|well|wharf|quay|broadway|drove|wynd|close|"
    "gate|yard"
)
_STREET_PATTERNS = [
    # 12 High Street, 1600 Pennsylvania Ave NW, 10 Downing St., 662 Dunn Squares
    rf"\b\d+[a-z]?,?\s+(?:[a-z'.\-]+\s+){{0,4}}(?:{_STREET_SUFFIXES})(?:e?s)?\b",
    # Hauptstraße 5, Kerkstraat 12, Lindenweg 3a
    r"\b[a-z\-]*(?:strasse|str\.|weg|allee|platz|gasse|ring|damm|ufer|chaussee|straat|laan|plein|gracht|kade|"
    r"singel|dijk|hof|pad|steeg)\s*\d+",
    # 12 rue de la Paix, 5 bis avenue Foch
    r"\b\d+(?:\s*(?:bis|ter))?,?\s+(?:rue|avenue|av\.?|boulevard|bd|chemin|impasse|allee|place|quai|route|cours|"
    r"passage|square)\b",
    # Calle Mayor 5, Avenida de America 12
    r"\b(?:calle|c/|avenida|avda\.?|plaza|pza\.?|paseo|camino|carretera|ronda|via|travesia|acceso|urbanizacion|"
    r"callejon|glorieta|pasaje|rambla|cuesta|alameda|poligono)\s+.*\d+",
    # PO Box 123, Postfach 12 34
    r"\b(?:p\.?\s?o\.?\s*box|postfach|apartado|bp)\s*\d+",
    # Flat 3, 12 ... / Apartment 4B
    r"^(?:flat|apartment|apt|unit|suite|studio)\s+\w+",
]
_STREET = re.compile("|".join(f"(?:{p})" for p in _STREET_PATTERNS))
_HOUSE_NUMBER_WORDS = r"\d{1,5}[A-Za-z]?\s+[A-Za-z][\w'.\-]+(?:\s+[A-Za-z][\w'.\-]+){1,4}"


def detect_street_address(v: Values) -> list[PatternResult]:
    folded = v.raw.map(lambda s: fold(s).lower())
    strong = folded.str.contains(_STREET)
    weak = ~strong & v.raw.str.fullmatch(_HOUSE_NUMBER_WORDS).astype(bool)
    matched = float(strong.sum()) + 0.5 * float(weak.sum())
    return [PatternResult("street_address", "street address patterns", v.n, matched, 0.85, floor=0.1, full=0.5)]


def detect_city(v: Values) -> list[PatternResult]:
    cities = word_list("cities")
    hits = v.raw.map(lambda s: fold(s).lower().strip() in cities).sum()
    return [PatternResult("city", "city names from the city list", v.n, float(hits), 0.5, floor=0.1, full=0.5)]


_GENDER = words(
    "m f male female man woman men women x u other unknown diverse non-binary nonbinary nb w d mannlich weiblich "
    "divers homme femme masculin feminin hombre mujer masculino femenino vrouw vrouwelijk mannelijk"
)
_GENDER_SPECIFIC = words(
    "male female man woman mannlich weiblich homme femme masculin feminin hombre mujer masculino femenino vrouw "
    "vrouwelijk mannelijk non-binary"
)


def detect_gender(v: Values) -> list[PatternResult]:
    if v.n == 0 or v.n > 12:
        return []
    lower = v.raw.map(lambda s: fold(s).lower().strip())
    hits = int(lower.isin(_GENDER).sum())
    specific = bool(lower.isin(_GENDER_SPECIFIC).any()) or set(lower) >= {"m", "f"}
    strength = 0.6 if specific else 0.2
    return [PatternResult("gender", "gender codes", v.n, float(hits), strength, floor=0.8, full=0.95)]


def detect_numbers(v: Values) -> list[PatternResult]:
    """Plain numbers, weak support for ages and personal amounts (a name must carry them)."""
    numbers = pd.to_numeric(v.raw.str.replace(r"[,\s£$€]", "", regex=True), errors="coerce")
    ages = numbers.between(0, 120) & (numbers == numbers.round())
    return [
        PatternResult("age", "whole numbers between 0 and 120", v.n, float(ages.sum()), 0.25, floor=0.5, full=0.9),
        PatternResult("salary", "numeric amounts", v.n, float(numbers.notna().sum()), 0.2, floor=0.5, full=0.9),
    ]


# ---------------------------------------------------------------- all together

DETECTORS = (
    detect_email,
    detect_phone,
    detect_postcode,
    detect_ip,
    detect_nino,
    detect_ssn,
    detect_nhs,
    detect_card,
    detect_iban,
    detect_bank_numbers,
    detect_device_ids,
    detect_vehicle_registration,
    detect_person_names,
    detect_street_address,
    detect_city,
    detect_gender,
    detect_numbers,
    detect_icd10,
    detect_blood_group,
    detect_health_terms,
)


def run_detectors(
    values: list[str], text_like: bool, today: date | None = None, phrase_like: bool = False
) -> tuple[list[PatternResult], DateFacts]:
    """Every detector on a sample; the date facts too. Free text runs on sentence-like columns, and on
    short phrases (payment references) that no other detector explains and that are not names."""
    v = Values(values)
    results: list[PatternResult] = []
    if v.n == 0:
        return results, DateFacts(0, 0, None, 0, 0, 0, 0, 0.0, None)
    for detector in DETECTORS:
        results.extend(detector(v))
    explained = max((r.score() for r in results), default=0.0) >= 0.5
    if text_like or (phrase_like and not explained and name_shape_share(values) < 0.7):
        results.extend(detect_free_text(v))
    facts = parse_dates(v, today)
    results.append(dob_result(facts))
    return results, facts
