"""The identity check an agent sees: one line per rule, dossier and document side by side."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.domain.document_validity import EXTENSION_NOTE, add_years, document_validity
from kiosk.domain.identity import CheckOutcome, check_identity, document_kind
from kiosk.domain.model import Person
from kiosk.domain.mrz import MrzData, MrzFormat, manual_entry, parse_mrz
from tests.unit.mrz_samples import (
    FR_2021_SPECIMEN,
    FR_LEGACY_SPECIMEN,
    TD3_SPECIMEN,
    fr_legacy,
    td1,
    text,
)

TODAY = date(2026, 3, 2)
MAELYS = Person(surname="Martin", given_names="Maëlys-Gaëlle, Marie", birth_date=date(1990, 7, 13))
CORINNE = Person(surname="Berthier", given_names="Corinne", birth_date=date(1965, 12, 6))


def _doc(lines: tuple[str, ...], today: date = TODAY) -> MrzData:
    return parse_mrz(text(lines), today)


def test_a_matching_valid_document_passes_every_check() -> None:
    report = check_identity(_doc(FR_2021_SPECIMEN), MAELYS, TODAY)
    assert report.passed
    assert [c.rule for c in report.checks] == [
        "document_type",
        "surname",
        "given_name",
        "birth_date",
        "expiry",
    ]
    assert all(c.outcome is CheckOutcome.PASSED for c in report.checks)
    surname = report.check("surname")
    assert (surname.label, surname.dossier_value, surname.document_value) == (
        "Nom",
        "Martin",
        "MARTIN",
    )
    assert report.check("given_name").document_value == "MAELYS GAELLE MARIE"
    assert report.check("birth_date").dossier_value == "13/07/1990"
    assert report.check("expiry").explanation == "Pièce en cours de validité jusqu'au 11/02/2030."
    assert report.check("document_type").document_value == "Carte d'identité (ID, FRA)"


def test_a_different_holder_fails_with_the_reasons_shown() -> None:
    someone = Person(surname="Martinez", given_names="Marie", birth_date=date(1990, 7, 14))
    report = check_identity(_doc(FR_2021_SPECIMEN), someone, TODAY)
    assert not report.passed
    assert [c.rule for c in report.failures] == ["surname", "given_name", "birth_date"]
    assert "ne correspond pas" in report.check("surname").explanation
    assert "nom d'usage" in report.check("surname").explanation
    assert report.check("given_name").explanation == (
        "Le premier prénom du dossier n'est pas en tête des prénoms de la pièce."
    )
    birth = report.check("birth_date")
    assert (birth.dossier_value, birth.document_value) == ("14/07/1990", "13/07/1990")


def test_a_dossier_without_birth_date_leaves_it_to_the_agent() -> None:
    holder = Person(surname="Martin", given_names="Maëlys-Gaëlle")
    report = check_identity(_doc(FR_2021_SPECIMEN), holder, TODAY)
    assert report.check("birth_date").outcome is CheckOutcome.NOT_CHECKED
    assert "contrôlez-la sur la pièce" in report.check("birth_date").explanation
    assert report.passed


def test_an_accented_hyphenated_name_matches_its_mrz() -> None:
    lines = td1(name="LE<GUENNEC<D<ARMOR<<ANNE<SOPHIE")
    holder = Person(surname="Le Guénnec-d'Armor", given_names="Anne-Sophie")
    report = check_identity(_doc(lines), holder, TODAY)
    assert report.check("surname").outcome is CheckOutcome.PASSED
    assert report.check("given_name").outcome is CheckOutcome.PASSED


def test_a_truncated_mrz_name_is_compared_by_its_start_and_says_so() -> None:
    lines = td1(name="DE<LA<ROCHEFOUCAULD<<MARIE<ALEXANDRA")
    doc = _doc(lines)
    assert doc.given_names_truncated and not doc.surname_truncated
    holder = Person(surname="de La Rochefoucauld", given_names="Marie-Alexandra")
    report = check_identity(doc, holder, TODAY)
    assert report.passed
    assert "tronqué" in report.check("given_name").explanation
    assert report.check("given_name").document_value == "MARIE ALE…"


def test_expiry_is_inclusive_of_the_last_day() -> None:
    passport = _doc(TD3_SPECIMEN)
    anna = Person(surname="Eriksson", given_names="Anna Maria", birth_date=date(1974, 8, 12))
    assert check_identity(passport, anna, date(2012, 4, 15)).passed
    late = check_identity(passport, anna, date(2012, 4, 16))
    assert [c.rule for c in late.failures] == ["expiry"]
    assert late.check("expiry").explanation.startswith(
        "Pièce expirée (fin de validité le 15/04/2012)"
    )
    assert late.check("expiry").dossier_value == "Retrait le 16/04/2012"


def test_old_french_card_issued_to_an_adult_in_2005_is_extended_by_five_years() -> None:
    doc = _doc(fr_legacy(issued="0506"))  # June 2005, holder born 1965
    validity = document_validity(doc)
    assert validity.printed_expiry == date(2015, 5, 31)
    assert validity.effective_expiry == date(2020, 5, 31)
    assert validity.extension_applied and validity.estimated
    report = check_identity(doc, CORINNE, date(2019, 6, 1))
    assert report.passed
    expiry = report.check("expiry")
    assert EXTENSION_NOTE in expiry.explanation
    assert "Prolongation de 5 ans appliquée (CNI délivrée entre 2004 et 2013 à un majeur)" in (
        expiry.explanation
    )
    assert "mois de délivrance (06/2005)" in expiry.explanation
    assert expiry.document_value == "jusqu'au 31/05/2020 (imprimé : 31/05/2015, prolongée de 5 ans)"
    expired = check_identity(doc, CORINNE, date(2020, 6, 1))
    assert not expired.passed
    assert EXTENSION_NOTE in expired.check("expiry").explanation


def test_old_french_card_issued_to_a_minor_keeps_ten_years() -> None:
    doc = _doc(fr_legacy(issued="1003", birth="950101"))  # 15 years old in March 2010
    validity = document_validity(doc)
    assert not validity.extension_applied
    assert validity.effective_expiry == date(2020, 2, 29)
    report = check_identity(doc, Person("Berthier", "Corinne"), date(2021, 1, 1))
    assert report.check("expiry").outcome is CheckOutcome.FAILED
    assert "délivrée à un mineur" in report.check("expiry").explanation


def test_a_doubtful_majority_in_the_issue_month_does_not_extend_the_card() -> None:
    doc = _doc(fr_legacy(issued="1006", birth="920615"))  # 18 on 15 June 2010
    assert not document_validity(doc).extension_applied


def test_old_french_card_of_an_adult_from_2014_is_valid_fifteen_years_without_note() -> None:
    doc = _doc(fr_legacy(issued="1603"))
    validity = document_validity(doc)
    assert validity.effective_expiry == date(2031, 2, 28)
    assert not validity.extension_applied
    report = check_identity(doc, CORINNE, TODAY)
    assert report.passed
    assert EXTENSION_NOTE not in report.check("expiry").explanation


def test_old_french_card_from_before_2004_kept_its_ten_years() -> None:
    report = check_identity(_doc(FR_LEGACY_SPECIMEN), CORINNE, TODAY)
    assert document_validity(report.document).effective_expiry == date(1998, 5, 31)
    assert [c.rule for c in report.failures] == ["expiry"]


def _manual_old_card(expiry_date: date | None = None, issue_date: date | None = None) -> MrzData:
    return manual_entry(
        document_type="ID",
        issuing_country="FRA",
        surname="Berthier",
        given_names="Corinne",
        document_number="050692310285",
        birth_date=date(1965, 12, 6),
        format=MrzFormat.FR_ID_LEGACY,
        expiry_date=expiry_date,
        issue_date=issue_date,
    )


def test_manual_old_card_with_its_printed_date_gets_the_extension() -> None:
    doc = _manual_old_card(expiry_date=date(2019, 6, 11))  # issued 12/06/2009
    report = check_identity(doc, CORINNE, TODAY)
    validity = report.validity
    assert (validity.effective_expiry, validity.extension_applied) == (date(2024, 6, 11), True)
    assert not validity.estimated
    assert "saisie manuelle" in report.check("document_type").document_value
    late = _manual_old_card(expiry_date=date(2026, 6, 11))  # a minor's card of 2016
    assert not document_validity(late).extension_applied


def test_manual_old_card_with_its_exact_issue_date() -> None:
    extended = document_validity(_manual_old_card(issue_date=date(2013, 12, 31)))
    assert extended.extension_applied
    assert extended.effective_expiry == add_years(date(2023, 12, 30), 5)
    new_year = document_validity(_manual_old_card(issue_date=date(2004, 1, 1)))
    assert not new_year.extension_applied  # the decree starts on 2 January 2004


@pytest.mark.parametrize(
    ("document_type", "kind"),
    [
        ("P", "Passeport"),
        ("PO", "Passeport"),
        ("ID", "Carte d'identité"),
        ("I", "Carte d'identité"),
        ("IR", "Titre de séjour"),
        ("AR", "Titre de séjour"),
        ("AC", None),
        ("V", None),
        ("X", None),
    ],
)
def test_accepted_kinds_of_documents(document_type: str, kind: str | None) -> None:
    assert document_kind(document_type) == kind


def test_refused_document_types_fail_the_report() -> None:
    permit = _doc(td1(doc_type="IR"))
    assert check_identity(permit, MAELYS, TODAY).passed
    refused = check_identity(permit, MAELYS, TODAY, accept_residence_permits=False)
    assert [c.rule for c in refused.failures] == ["document_type"]
    crew = _doc(td1(doc_type="AC"))
    assert (
        "n'est pas accepté"
        in check_identity(crew, MAELYS, TODAY).check("document_type").explanation
    )


def test_audit_details_hold_facts_but_no_document_number_nor_names() -> None:
    doc = _doc(fr_legacy(issued="0506"))
    details = check_identity(doc, CORINNE, date(2019, 6, 1)).audit_details()
    assert details == {
        "document_format": "FR_ID_LEGACY",
        "document_type": "ID",
        "issuing_country": "FRA",
        "nationality": "FRA",
        "expiry_date": None,
        "issue_month": "2005-06",
        "effective_expiry": "2020-05-31",
        "extension_applied": True,
        "expiry_estimated": True,
        "manual_entry": False,
        "identity_passed": True,
        "check_document_type": "passed",
        "check_surname": "passed",
        "check_given_name": "passed",
        "check_birth_date": "passed",
        "check_expiry": "passed",
    }
    flat = repr(details)
    assert doc.document_number not in flat
    assert "BERTHIER" not in flat.upper()
