"""Reading MRZs as agents type them and scanners send them."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.domain.errors import ValidationError
from kiosk.domain.mrz import MrzFormat, parse_mrz
from kiosk.domain.mrz_fields import MrzCheckDigitError, check_digit
from tests.unit.mrz_samples import (
    FR_2021_SPECIMEN,
    FR_LEGACY_MIXED_UP,
    FR_LEGACY_SPECIMEN,
    FR_LEGACY_SPECIMEN_1994,
    TD1_SPECIMEN,
    TD2_SPECIMEN,
    TD3_SPECIMEN,
    fr_legacy,
    td1,
    td3,
    text,
)

TODAY = date(2026, 3, 2)


def test_check_digits_of_the_icao_examples() -> None:
    assert check_digit("L898902C3") == "6"
    assert check_digit("740812") == "2"
    assert check_digit("120415") == "9"
    assert check_digit("<<<<<<") == "0"


def test_reads_the_icao_passport_specimen() -> None:
    doc = parse_mrz(text(TD3_SPECIMEN), TODAY)
    assert doc.format is MrzFormat.TD3
    assert (doc.document_type, doc.issuing_country, doc.nationality) == ("P", "UTO", "UTO")
    assert (doc.surname, doc.given_names) == ("ERIKSSON", ("ANNA", "MARIA"))
    assert doc.document_number == "L898902C3"
    assert doc.birth_date == date(1974, 8, 12)
    assert doc.expiry_date == date(2012, 4, 15)
    assert doc.sex == "F"
    assert doc.optional_data == "ZE184226B"
    assert not doc.manual


@pytest.mark.parametrize(
    ("lines", "layout"), [(TD1_SPECIMEN, MrzFormat.TD1), (TD2_SPECIMEN, MrzFormat.TD2)]
)
def test_reads_the_icao_identity_card_specimens(lines: tuple[str, ...], layout: MrzFormat) -> None:
    doc = parse_mrz(text(lines), TODAY)
    assert doc.format is layout
    assert (doc.document_type, doc.issuing_country) == ("I", "UTO")
    assert doc.document_number == "D23145890"
    assert (doc.surname, doc.given_names) == ("ERIKSSON", ("ANNA", "MARIA"))
    assert (doc.birth_date, doc.expiry_date) == (date(1974, 8, 12), date(2012, 4, 15))


def test_reads_the_french_2021_identity_card_specimen() -> None:
    doc = parse_mrz(text(FR_2021_SPECIMEN), TODAY)
    assert doc.format is MrzFormat.TD1
    assert (doc.document_type, doc.issuing_country, doc.nationality) == ("ID", "FRA", "FRA")
    assert doc.document_number == "X4RTBPFW4"
    assert (doc.surname, doc.given_names) == ("MARTIN", ("MAELYS", "GAELLE", "MARIE"))
    assert (doc.birth_date, doc.expiry_date) == (date(1990, 7, 13), date(2030, 2, 11))


@pytest.mark.parametrize(
    ("lines", "number", "issued"),
    [
        (FR_LEGACY_SPECIMEN, "880692310285", date(1988, 6, 1)),
        (FR_LEGACY_SPECIMEN_1994, "940992310285", date(1994, 9, 1)),
    ],
)
def test_reads_the_pre_2021_french_identity_card(
    lines: tuple[str, ...], number: str, issued: date
) -> None:
    doc = parse_mrz(text(lines), TODAY)
    assert doc.format is MrzFormat.FR_ID_LEGACY
    assert (doc.document_type, doc.issuing_country, doc.nationality) == ("ID", "FRA", "FRA")
    assert (doc.surname, doc.given_names) == ("BERTHIER", ("CORINNE",))
    assert doc.document_number == number
    assert doc.birth_date == date(1965, 12, 6)
    assert doc.sex == "F"
    assert doc.expiry_date is None  # not in this MRZ: computed from the issue date
    assert doc.issue_date == issued


def test_old_french_card_lists_given_names_and_flags_a_full_field() -> None:
    lines = (
        "IDFRADOUEL<<<<<<<<<<<<<<<<<<<<932013",
        "0506932020438CHRISTIANE<<NI2906209F3",
    )
    doc = parse_mrz(text(lines), TODAY)
    assert doc.given_names == ("CHRISTIANE", "NI")
    assert doc.given_names_truncated and not doc.surname_truncated
    assert doc.optional_data == "932013"


def test_refuses_the_often_quoted_mixed_up_french_specimen() -> None:
    with pytest.raises(MrzCheckDigitError) as err:
        parse_mrz(text(FR_LEGACY_MIXED_UP), TODAY)
    assert err.value.field == "composite"
    assert err.value.message == "Chiffre de contrôle global de la MRZ invalide."


@pytest.mark.parametrize(
    "raw",
    [
        "  p<utoeriksson<<anna<maria<<<<<<<<<<<<<<<<<<<  \r\n"
        "  l898902c36uto7408122f1204159ze184226b<<<<<10 \r\n",
        "\n\nP<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\n"
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10\n",
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\tL898902C36UTO7408122F1204159ZE184226B<<<<<10",
        "".join(TD3_SPECIMEN),
    ],
    ids=["lowercase-and-spaces", "blank-lines", "tab", "scanner-sends-one-line"],
)
def test_tolerates_how_scanners_and_agents_send_the_lines(raw: str) -> None:
    assert parse_mrz(raw, TODAY) == parse_mrz(text(TD3_SPECIMEN), TODAY)


@pytest.mark.parametrize(
    ("lines", "layout"),
    [
        (TD1_SPECIMEN, MrzFormat.TD1),
        (TD2_SPECIMEN, MrzFormat.TD2),
        (FR_LEGACY_SPECIMEN, MrzFormat.FR_ID_LEGACY),
    ],
)
def test_cuts_a_single_scanned_line_by_its_length(
    lines: tuple[str, ...], layout: MrzFormat
) -> None:
    assert parse_mrz("".join(lines), TODAY).format is layout


BROKEN_DIGITS = [
    # (specimen, line index, position of the check digit, field)
    (TD3_SPECIMEN, 1, 9, "document_number"),
    (TD3_SPECIMEN, 1, 19, "birth_date"),
    (TD3_SPECIMEN, 1, 27, "expiry_date"),
    (TD3_SPECIMEN, 1, 42, "optional_data"),
    (TD3_SPECIMEN, 1, 43, "composite"),
    (TD1_SPECIMEN, 0, 14, "document_number"),
    (TD1_SPECIMEN, 1, 6, "birth_date"),
    (TD1_SPECIMEN, 1, 14, "expiry_date"),
    (TD1_SPECIMEN, 1, 29, "composite"),
    (TD2_SPECIMEN, 1, 9, "document_number"),
    (TD2_SPECIMEN, 1, 19, "birth_date"),
    (TD2_SPECIMEN, 1, 27, "expiry_date"),
    (TD2_SPECIMEN, 1, 35, "composite"),
    (FR_2021_SPECIMEN, 0, 14, "document_number"),
    (FR_2021_SPECIMEN, 1, 6, "birth_date"),
    (FR_2021_SPECIMEN, 1, 14, "expiry_date"),
    (FR_2021_SPECIMEN, 1, 29, "composite"),
    (FR_LEGACY_SPECIMEN, 1, 12, "document_number"),
    (FR_LEGACY_SPECIMEN, 1, 33, "birth_date"),
    (FR_LEGACY_SPECIMEN, 1, 35, "composite"),
]
FIELD_MESSAGES = {
    "document_number": "Chiffre de contrôle du numéro de document invalide.",
    "birth_date": "Chiffre de contrôle de la date de naissance invalide.",
    "expiry_date": "Chiffre de contrôle de la date d'expiration invalide.",
    "optional_data": "Chiffre de contrôle des données facultatives (numéro personnel) invalide.",
    "composite": "Chiffre de contrôle global de la MRZ invalide.",
}


def _replace(lines: tuple[str, ...], index: int, position: int, ch: str) -> str:
    changed = list(lines)
    line = changed[index]
    changed[index] = line[:position] + ch + line[position + 1 :]
    return text(tuple(changed))


@pytest.mark.parametrize(("lines", "index", "position", "field"), BROKEN_DIGITS)
def test_every_wrong_check_digit_is_refused_and_named(
    lines: tuple[str, ...], index: int, position: int, field: str
) -> None:
    wrong = str((int(lines[index][position]) + 1) % 10)
    with pytest.raises(MrzCheckDigitError) as err:
        parse_mrz(_replace(lines, index, position, wrong), TODAY)
    assert err.value.field == field
    assert err.value.message == FIELD_MESSAGES[field]


@pytest.mark.parametrize(
    ("lines", "index", "position", "ch", "field"),
    [
        (TD3_SPECIMEN, 1, 3, "1", "document_number"),  # a misread digit in the number
        (TD3_SPECIMEN, 1, 16, "9", "birth_date"),
        (TD3_SPECIMEN, 1, 22, "3", "expiry_date"),
        (TD3_SPECIMEN, 1, 30, "F", "optional_data"),
        (TD1_SPECIMEN, 0, 20, "X", "composite"),  # optional data only the composite covers
        (FR_LEGACY_SPECIMEN, 0, 6, "F", "composite"),  # the old card's name is covered too
        (FR_LEGACY_SPECIMEN, 1, 14, "A", "composite"),
    ],
)
def test_a_misread_field_is_caught_by_its_check_digit(
    lines: tuple[str, ...], index: int, position: int, ch: str, field: str
) -> None:
    with pytest.raises(MrzCheckDigitError) as err:
        parse_mrz(_replace(lines, index, position, ch), TODAY)
    assert err.value.field == field


def test_a_letter_in_place_of_a_check_digit_is_refused() -> None:
    with pytest.raises(MrzCheckDigitError, match="date d'expiration"):
        parse_mrz(_replace(TD3_SPECIMEN, 1, 27, "O"), TODAY)


def test_an_empty_personal_number_may_carry_a_filler_or_zero_check_digit() -> None:
    line1, line2 = td3(personal="")
    assert line2[42] == "0"
    assert parse_mrz(text((line1, line2)), TODAY).optional_data == ""
    with_filler = line2[:42] + "<" + line2[43:]
    with_filler = with_filler[:43] + check_digit(
        with_filler[0:10] + with_filler[13:20] + with_filler[21:43]
    )
    assert parse_mrz(text((line1, with_filler)), TODAY).optional_data == ""


def test_reads_a_long_document_number_continued_in_the_optional_data() -> None:
    doc = parse_mrz(text(td1(number="AB12345678901", country="UTO", doc_type="I<")), TODAY)
    assert doc.document_number == "AB12345678901"
    assert doc.optional_data == ""


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "MRZ vide"),
        ("   \n \n", "MRZ vide"),
        ("P<UTOERIKSSON", "une seule ligne de 13 caractères"),
        (
            "A" * 40 + "\n" + "B" * 40,
            "Ligne 1 : 40 caractères ; une MRZ à 2 lignes en compte 36 ou 44.",
        ),
        (text((TD3_SPECIMEN[0], TD3_SPECIMEN[1][:-1])), "Ligne 2 : 43 caractères au lieu de 44."),
        (
            text((*TD1_SPECIMEN[:2], TD1_SPECIMEN[2] + "<")),
            "Ligne 3 : 31 caractères au lieu de 30.",
        ),
        (text((*TD1_SPECIMEN, TD1_SPECIMEN[2])), "Une MRZ compte 2 ou 3 lignes (4 reçue(s))."),
        (text((TD3_SPECIMEN[0][:36], TD3_SPECIMEN[1])), "Ligne 2 : 44 caractères au lieu de 36."),
        ("X" * 1001, "Saisie trop longue pour une MRZ."),
    ],
)
def test_wrong_shapes_are_refused_with_a_clear_message(raw: str, message: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_mrz(raw, TODAY)
    assert message in err.value.message


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        (
            text(("P<UTOERIKSSON<<ANNA MARIA<<<<<<<<<<<<<<<<<<<", TD3_SPECIMEN[1])),
            "ligne 1, position 20",
        ),
        (
            text((TD3_SPECIMEN[0], "L898902C36UTO7408122F1204159ZE184226B<<<<-10")),
            "ligne 2, position 42",
        ),
        (
            text(("P<UTOÉRIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", TD3_SPECIMEN[1])),
            "ligne 1, position 6",
        ),
        (  # a letter that upper-cases to two must not slip through as "SS"
            text(("P<UTOERIKßON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<<", TD3_SPECIMEN[1])),
            "ligne 1, position 10",
        ),
    ],
)
def test_invalid_characters_are_refused_with_their_position(raw: str, where: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_mrz(raw, TODAY)
    assert where in err.value.message
    assert "« < »" in err.value.message


def test_visas_are_not_identity_documents() -> None:
    visa = text(("V" + TD3_SPECIMEN[0][1:], TD3_SPECIMEN[1]))
    with pytest.raises(ValidationError, match="visa"):
        parse_mrz(visa, TODAY)


def test_two_digit_years_births_in_the_past_expiries_in_a_window_around_today() -> None:
    young = parse_mrz(text(td3(birth="050101", expiry="350101")), TODAY)
    assert young.birth_date == date(2005, 1, 1)
    assert young.expiry_date == date(2035, 1, 1)
    old = parse_mrz(text(td3(birth="260303", expiry="990101")), TODAY)
    assert old.birth_date == date(1926, 3, 3)  # 2026-03-03 would be tomorrow
    assert old.expiry_date == date(1999, 1, 1)
    assert parse_mrz(text(td3(birth="260302")), TODAY).birth_date == date(2026, 3, 2)


def test_an_impossible_date_with_a_right_check_digit_is_refused() -> None:
    with pytest.raises(ValidationError, match="Date d'expiration impossible"):
        parse_mrz(text(td3(expiry="300230")), TODAY)
    with pytest.raises(ValidationError, match="Date de délivrance illisible"):
        parse_mrz(text(fr_legacy(issued="0513")), TODAY)


def test_repr_never_shows_the_document_number() -> None:
    for lines in (TD3_SPECIMEN, FR_2021_SPECIMEN, FR_LEGACY_SPECIMEN):
        doc = parse_mrz(text(lines), TODAY)
        assert doc.document_number not in repr(doc)
        assert "ERIKSSON" in repr(doc) or "MARTIN" in repr(doc) or "BERTHIER" in repr(doc)
    assert "ZE184226B" not in repr(parse_mrz(text(TD3_SPECIMEN), TODAY))
