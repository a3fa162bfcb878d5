"""Whether a place names a country: a which-country question is answered with one, and a
question asking for a place inside a country is not.

"Di negara manakah letak kota Shanghai?" is not answered with "Kabupaten Katingan", nor
"Which country declared victory …?" with "Tedros Adhanom Ghebreyesus"; "Di provinsi mana
rakyat Ekuador turun ke jalan?" is not answered with "Nigeria, Bolivia". Country names come
from pycountry (ISO 3166-1, in English and, through its Indonesian translations, as Indonesian
official names write them: "Jerman", "Korea Utara") and the shipped place names both
languages use (``vocab.PLACE_NAMES``: "Rusia", "Inggris", "Tiongkok"). English news often
names a country by its people's adjective ("Iranian lawmakers have urged …"): demonyms come
from countryinfo, so asked which country, "Iranian" answers "Iran".
"""

from __future__ import annotations

import gettext
import re
from functools import cache

import countryinfo
import pycountry

from bot.answering.vocab import PLACE_NAMES

# Short forms and spellings the news writes for a country.
ALIASES = frozenset(
    {"as", "us", "usa", "u.s.", "uk", "ri", "rrc", "korut", "korsel", "uae", "jordania",
     "papua niugini"}
)  # fmt: skip
# Official forms' leading words ("Federasi Rusia" is Rusia, "Republic of Korea" Korea).
_FORMAL_RE = re.compile(
    r"^(?:the\s+)?(?:(?:federasi|republik|kerajaan|keamiran|kesultanan|negara|persatuan|"
    r"republic|kingdom|federation|state|commonwealth|union)(?:\s+(?:of|the))*\s+)+",
    re.IGNORECASE,
)
_PART_RE = re.compile(r"[^,()]+")
_LEADS = ("di ", "ke ", "dari ", "in ", "to ", "from ")


@cache
def country_names() -> frozenset[str]:
    """Return every casefolded way of naming a country Warta knows."""
    indonesian = _indonesian()
    names: set[str] = set(ALIASES)
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            name = getattr(country, attr, None)
            if not name:
                continue
            for said in (name, indonesian.gettext(name)):
                names.add(said.casefold())
                names.add(_FORMAL_RE.sub("", said).casefold())
                names.add(said.split(",")[0].casefold())  # "Korea, Republic of" - "korea"
    for id_name, en_name in PLACE_NAMES:
        if id_name.casefold() in names or en_name.casefold() in names:
            names.update((id_name.casefold(), en_name.casefold()))
    return frozenset(n.strip() for n in names if n.strip())


@cache
def _demonyms() -> dict[str, str]:
    """Return each casefolded demonym and the country it names ("iranian": "Iran"); one
    written for several (French: France, Martinique …) names the most populous."""
    best: dict[str, tuple[int, str]] = {}
    for country in countryinfo.all_countries():
        said, name = (country.demonym() or "").strip(), (country.name() or "").strip()
        if not said or not name:
            continue
        people = country.population() or 0
        if said.casefold() not in best or people > best[said.casefold()][0]:
            best[said.casefold()] = (people, name)
    return {said: name for said, (_, name) in best.items()}


def demonym_country(phrase: str, lang: str = "en") -> str | None:
    """Return the country a phrase names by its people's adjective, as a whole ("Iranian",
    "Saudi Arabian" - "Iran", "Saudi Arabia"; "American Airlines" names none), else None;
    in Indonesian (``lang`` "id") as pycountry's translation writes it ("Arab Saudi")."""
    name = _demonyms().get(_bare_place(phrase).strip(" .,"))
    if name is None or lang != "id":
        return name
    try:
        country = pycountry.countries.lookup(name)
    except LookupError:
        return name
    official = getattr(country, "common_name", None) or country.name
    return _indonesian().gettext(official)


@cache
def _indonesian() -> gettext.NullTranslations:
    """Return pycountry's Indonesian translations of country names."""
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["id"])


def _bare_place(phrase: str) -> str:
    """Return a place phrase casefolded, without the preposition it is framed with."""
    text = phrase.strip().casefold()
    for lead in _LEADS:
        if text.startswith(lead):
            return text[len(lead) :]
    return text


def names_country(phrase: str) -> bool:
    """Tell whether a place phrase names a country: as a whole, by its people's adjective
    ("Iranian"), as one of its parts ("Di Suzuka (Jepang)", "Kourou, Guyana Prancis") or as
    its first words ("Siprus Utara", "Amerika Serikat Robert H Grubbs")."""
    text = _bare_place(phrase)
    known = country_names()
    if demonym_country(text) is not None:
        return True
    if any(part.strip() in known for part in [text, *_PART_RE.findall(text)]):
        return True
    words = text.split()
    return any(" ".join(words[:n]) in known for n in range(1, len(words)))


_ASKS_COUNTRY_RE = re.compile(r"\bnegara (?:mana|apa)\w*|\b(?:which|what) country\b", re.I)


def asks_country(question: str) -> bool:
    """Tell whether a question asks which country ("Di negara manakah …", "Which country …")."""
    return bool(_ASKS_COUNTRY_RE.search(question))


# A place inside a country: a province, a city, a district, a village, a state. (An island
# may be a country: "Di pulau mana …" - "Siprus".)
_ASKS_WITHIN_RE = re.compile(
    r"\b(?:provinsi|kota|kabupaten|kecamatan|kelurahan|desa|dusun|kampung|negara bagian)"
    r" (?:mana|apa)\w*|\b(?:which|what) (?:province|city|town|village|state|district)\b",
    re.I,
)
# Countries that are one city, or share their name with a state ("Georgia"): they may answer.
_CITY_STATES = frozenset(
    {"singapura", "singapore", "monaco", "vatikan", "vatican", "hong kong", "makau", "macau",
     "macao", "luksemburg", "luxembourg", "kuwait", "djibouti", "georgia"}
)  # fmt: skip
_LIST_RE = re.compile(r"\s*(?:,|\bdan\b|\band\b|&)\s*", re.I)


def asks_within_country(question: str) -> bool:
    """Tell whether a question asks for a place inside a country ("Di provinsi manakah …",
    "Which city …")."""
    return bool(_ASKS_WITHIN_RE.search(question))


def only_countries(phrase: str) -> bool:
    """Tell whether a place phrase names countries and nothing else ("Di Nigeria, Bolivia",
    "Amerika Serikat"; not "Manila, Filipina", nor "Singapura")."""
    text = _bare_place(phrase)
    parts = [p.strip(" .") for p in _LIST_RE.split(text) if p.strip(" .")]
    known = country_names()
    return bool(parts) and all(p in known and p not in _CITY_STATES for p in parts)
