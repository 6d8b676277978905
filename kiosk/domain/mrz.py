"""Reading the machine-readable zone (MRZ) of an identity document.

The text comes from an agent typing or from a keyboard-wedge scanner: lines end with
Enter (or a tab), may carry spaces around them and lowercase letters, and a scanner may
send every line in one go when the total length says how to cut it. Supported layouts:
ICAO 9303 TD1 (3 x 30: French identity card since 2021, residence permits), TD2
(2 x 36), TD3 (2 x 44: passports), and the French identity card issued before 2021
(2 x 36 starting ``IDFRA``, with its own layout and no expiry date in the MRZ).

Every check digit is verified; nothing is ever corrected silently. When the MRZ cannot
be read, ``manual_entry`` builds the same record from fields typed by hand, flagged
``manual=True``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from kiosk.domain import mrz_fields as f
from kiosk.domain.errors import ValidationError
from kiosk.domain.names import mrz_form

MAX_INPUT = 1000
_LINE_BREAKS = re.compile(r"[\r\n\t]+")
_MRZ_CHARS = re.compile(r"[A-Za-z0-9<]")  # before upper-casing: "ß" must not pass as "SS"
_CONCATENATED = {90: (30, 3), 88: (44, 2), 72: (36, 2)}


class MrzFormat(StrEnum):
    TD1 = "TD1"
    TD2 = "TD2"
    TD3 = "TD3"
    FR_ID_LEGACY = "FR_ID_LEGACY"


@dataclass(frozen=True)
class MrzData:
    """What an identity document says about its holder. Names are in MRZ letters (A–Z)
    with spaces between words; the document number never shows in ``repr``."""

    format: MrzFormat
    document_type: str  # "P", "ID", "IR", "I"...: fillers dropped
    issuing_country: str
    surname: str
    given_names: tuple[str, ...]
    document_number: str = field(repr=False)
    nationality: str
    birth_date: date
    sex: str  # "M", "F" or "X"
    expiry_date: date | None  # None for the pre-2021 French card: see issue_date
    optional_data: str = field(default="", repr=False)
    issue_date: date | None = None  # pre-2021 French card: first day of the issue month
    surname_truncated: bool = False
    given_names_truncated: bool = False
    manual: bool = False


def parse_mrz(text: str, today: date) -> MrzData:
    """Parse a typed or scanned MRZ; raise ``ValidationError`` (French) on any problem."""
    if len(text) > MAX_INPUT:
        raise ValidationError("Saisie trop longue pour une MRZ.")
    lines = _split_lines(text)
    for number, line in enumerate(lines, start=1):
        for position, ch in enumerate(line, start=1):
            if not _MRZ_CHARS.fullmatch(ch):
                raise ValidationError(
                    f"Caractère non autorisé dans la MRZ, ligne {number}, position {position} :"
                    " seuls les lettres A à Z, les chiffres et « < » sont admis."
                )
    lines = [line.upper() for line in lines]
    return _PARSERS[_detect(lines)](lines, today)


def _split_lines(text: str) -> list[str]:
    lines = [line.strip() for line in _LINE_BREAKS.split(text)]
    lines = [line for line in lines if line]
    if len(lines) == 1 and len(lines[0]) in _CONCATENATED:
        width, count = _CONCATENATED[len(lines[0])]
        lines = [lines[0][i * width : (i + 1) * width] for i in range(count)]
    return lines


def _detect(lines: Sequence[str]) -> MrzFormat:
    if not lines:
        raise ValidationError("MRZ vide : scannez ou saisissez les lignes du bas de la pièce.")
    if len(lines) == 1:
        raise ValidationError(
            f"MRZ incomplète : une seule ligne de {len(lines[0])} caractères ; une MRZ compte"
            " 2 lignes de 36 ou 44 caractères, ou 3 lignes de 30."
        )
    if len(lines) not in (2, 3):
        raise ValidationError(f"Une MRZ compte 2 ou 3 lignes ({len(lines)} reçue(s)).")
    if len(lines) == 3:
        width = 30
    elif len(lines[0]) in (36, 44):
        width = len(lines[0])
    else:
        raise ValidationError(
            f"Ligne 1 : {len(lines[0])} caractères ; une MRZ à 2 lignes en compte 36 ou 44."
        )
    for number, line in enumerate(lines, start=1):
        if len(line) != width:
            raise ValidationError(f"Ligne {number} : {len(line)} caractères au lieu de {width}.")
    if lines[0][0] == "V":
        raise ValidationError("Un visa n'est pas une pièce d'identité acceptée.")
    if width == 30:
        return MrzFormat.TD1
    if width == 44:
        return MrzFormat.TD3
    return MrzFormat.FR_ID_LEGACY if lines[0].startswith("IDFRA") else MrzFormat.TD2


def _parse_td1(lines: Sequence[str], today: date) -> MrzData:
    l1, l2, l3 = lines
    number, optional = f.read_document_number(l1[5:14], l1[14], l1[15:30])
    birth = _checked_date(l2[0:6], l2[6], "birth_date", today)
    expiry = _checked_date(l2[8:14], l2[14], "expiry_date", today)
    f.verify(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29], l2[29], "composite")
    surname, given, surname_cut, given_cut = f.split_icao_name(l3)
    return MrzData(
        format=MrzFormat.TD1,
        document_type=f.read_code(l1[0:2], "Type de document"),
        issuing_country=f.read_code(l1[2:5], "Pays émetteur"),
        surname=surname,
        given_names=given,
        document_number=number,
        nationality=f.read_code(l2[15:18], "Nationalité"),
        birth_date=birth,
        sex=f.read_sex(l2[7]),
        expiry_date=expiry,
        optional_data=_optional(optional, l2[18:29]),
        surname_truncated=surname_cut,
        given_names_truncated=given_cut,
    )


def _parse_td2_td3(lines: Sequence[str], today: date) -> MrzData:
    l1, l2 = lines
    td3 = len(l1) == 44
    if td3 and l1[0] != "P":
        raise ValidationError("MRZ à 2 lignes de 44 caractères : seuls les passeports sont lus.")
    optional_end = 42 if td3 else 35
    number, optional = f.read_document_number(l2[0:9], l2[9], l2[28:optional_end])
    birth = _checked_date(l2[13:19], l2[19], "birth_date", today)
    expiry = _checked_date(l2[21:27], l2[27], "expiry_date", today)
    if td3:
        f.verify(l2[28:42], l2[42], "optional_data", filler_allowed=True)
    f.verify(l2[0:10] + l2[13:20] + l2[21:-1], l2[-1], "composite")
    surname, given, surname_cut, given_cut = f.split_icao_name(l1[5:])
    return MrzData(
        format=MrzFormat.TD3 if td3 else MrzFormat.TD2,
        document_type=f.read_code(l1[0:2], "Type de document"),
        issuing_country=f.read_code(l1[2:5], "Pays émetteur"),
        surname=surname,
        given_names=given,
        document_number=number,
        nationality=f.read_code(l2[10:13], "Nationalité"),
        birth_date=birth,
        sex=f.read_sex(l2[20]),
        expiry_date=expiry,
        optional_data=_optional(optional),
        surname_truncated=surname_cut,
        given_names_truncated=given_cut,
    )


def _parse_fr_legacy(lines: Sequence[str], today: date) -> MrzData:
    """Line 1: ID, FRA, surname (25), administrative code (6). Line 2: card number (12:
    issue YYMM, office, sequence), its check digit, given names (14, separated by
    ``<<``), birth date and check digit, sex, and a check digit over both lines."""
    l1, l2 = lines
    number = l2[0:12]
    f.verify(number, l2[12], "document_number")
    birth = _checked_date(l2[27:33], l2[33], "birth_date", today)
    f.verify(l1 + l2[:35], l2[35], "composite")
    if f.FILLER in number:
        raise ValidationError("Numéro de carte illisible dans la MRZ.")
    surname_field, given_field = l1[5:30], l2[13:27]
    f.check_name_field(surname_field)
    f.check_name_field(given_field)
    surname = f.display_name(surname_field)
    if not surname:
        raise ValidationError("Nom absent de la MRZ.")
    given = tuple(name for name in map(f.display_name, given_field.split("<<")) if name)
    return MrzData(
        format=MrzFormat.FR_ID_LEGACY,
        document_type="ID",
        issuing_country="FRA",
        surname=surname,
        given_names=given,
        document_number=number,
        nationality="FRA",
        birth_date=birth,
        sex=f.read_sex(l2[34]),
        expiry_date=None,
        optional_data=_optional(l1[30:36]),
        issue_date=f.read_year_month(number[:4], "Date de délivrance", today),
        surname_truncated=not surname_field.endswith(f.FILLER),
        given_names_truncated=not given_field.endswith(f.FILLER),
    )


def _checked_date(raw: str, digit: str, field_name: str, today: date) -> date:
    f.verify(raw, digit, field_name)
    label = "Date d'expiration" if field_name == "expiry_date" else "Date de naissance"
    return f.read_date(raw, label, today, future_window=field_name == "expiry_date")


def _optional(*parts: str) -> str:
    return " ".join(p for p in (f.display_name(part) for part in parts) if p)


_PARSERS: dict[MrzFormat, Callable[[Sequence[str], date], MrzData]] = {
    MrzFormat.TD1: _parse_td1,
    MrzFormat.TD2: _parse_td2_td3,
    MrzFormat.TD3: _parse_td2_td3,
    MrzFormat.FR_ID_LEGACY: _parse_fr_legacy,
}

_DOCUMENT_NUMBER = re.compile(r"[A-Z0-9]{1,20}")
_LETTERS = re.compile(r"[A-Z]{1,3}")


def manual_entry(
    *,
    document_type: str,
    issuing_country: str,
    surname: str,
    given_names: str,
    document_number: str,
    birth_date: date,
    sex: str = "X",
    nationality: str | None = None,
    expiry_date: date | None = None,
    issue_date: date | None = None,
    format: MrzFormat | None = None,  # the name of MrzData's field
) -> MrzData:
    """The record of a document whose MRZ cannot be read, from fields typed by the agent.

    Names may be typed as printed (accents, hyphens): they are stored in MRZ letters. A
    pre-2021 French card needs its issue date or its printed end of validity; any other
    document needs its expiry date.
    """
    doc_type = document_type.strip().upper()
    if not _LETTERS.fullmatch(doc_type) or len(doc_type) > 2:
        raise ValidationError("Type de document : une ou deux lettres (P, ID, IR...).")
    country = _country(issuing_country, "Pays émetteur")
    layout = format or (MrzFormat.TD3 if doc_type.startswith("P") else MrzFormat.TD1)
    number = "".join(document_number.upper().split())
    if not _DOCUMENT_NUMBER.fullmatch(number):
        raise ValidationError("Numéro de document : 1 à 20 lettres ou chiffres, sans accent.")
    if sex.strip().upper() not in ("M", "F", "X"):
        raise ValidationError("Sexe : M, F ou X.")
    family = f.display_name(mrz_form(surname))
    if not family:
        raise ValidationError("Le nom de famille est obligatoire.")
    if layout is MrzFormat.FR_ID_LEGACY:
        if issue_date is None and expiry_date is None:
            raise ValidationError(
                "Carte d'identité ancien modèle : saisissez la date de délivrance"
                " ou la date de fin de validité imprimée."
            )
    elif expiry_date is None:
        raise ValidationError("La date d'expiration de la pièce est obligatoire.")
    if (expiry_date and expiry_date <= birth_date) or (issue_date and issue_date < birth_date):
        raise ValidationError("Dates incohérentes : vérifiez la date de naissance de la pièce.")
    return MrzData(
        format=layout,
        document_type=doc_type,
        issuing_country=country,
        surname=family,
        given_names=tuple(p for p in mrz_form(given_names).split(f.FILLER) if p),
        document_number=number,
        nationality=_country(nationality or country, "Nationalité"),
        birth_date=birth_date,
        sex=sex.strip().upper(),
        expiry_date=expiry_date,
        issue_date=issue_date,
        manual=True,
    )


def _country(raw: str, label: str) -> str:
    code = raw.strip().upper()
    if not _LETTERS.fullmatch(code):
        raise ValidationError(f"{label} : code pays de 1 à 3 lettres (FRA, DEU, D...).")
    return code
