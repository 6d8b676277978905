"""Dossier names against MRZ names: transliteration, separators, truncation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.domain.errors import ValidationError
from kiosk.domain.names import (
    first_given_name,
    given_names_match,
    mrz_form,
    mrz_forms,
    names_match,
)


@pytest.mark.parametrize(
    ("name", "form"),
    [
        ("Le Guénnec-d'Armor", "LE<GUENNEC<D<ARMOR"),
        ("François", "FRANCOIS"),
        ("Hélène  Çelik", "HELENE<CELIK"),
        ("Œdipe", "OEDIPE"),
        ("Lætitia", "LAETITIA"),
        ("Strauß", "STRAUSS"),
        ("Þórsdóttir", "THORSDOTTIR"),
        ("Łukasz Wałęsa", "LUKASZ<WALESA"),
        ("Müller", "MUELLER"),
        ("O’Neill", "O<NEILL"),
        ("St. John", "ST<JOHN"),
        ("  jean -- pierre  ", "JEAN<PIERRE"),
        ("Ｍａｒｔｉｎ", "MARTIN"),  # full-width letters from a copy-paste
        ("Dvořák", "DVORAK"),
    ],
)
def test_icao_spelling_of_names(name: str, form: str) -> None:
    assert mrz_form(name) == form


@pytest.mark.parametrize(
    ("name", "forms"),
    [
        ("Müller", {"MUELLER", "MULLER"}),
        ("Ångström", {"AANGSTROEM", "AANGSTROM", "ANGSTROEM", "ANGSTROM"}),
        ("Søren", {"SOEREN", "SOREN"}),
        ("D'Artagnan", {"D<ARTAGNAN", "DARTAGNAN"}),
        ("Dupont", {"DUPONT"}),
    ],
)
def test_every_accepted_icao_spelling(name: str, forms: set[str]) -> None:
    assert mrz_forms(name) == forms


def test_names_that_cannot_be_spelled_in_latin_letters_are_refused() -> None:
    with pytest.raises(ValidationError, match="lettres latines"):
        mrz_form("Иванов")
    with pytest.raises(ValidationError):
        mrz_form("Louis 14")


@pytest.mark.parametrize(
    ("dossier", "mrz"),
    [
        ("LE GUÉNNEC-D'ARMOR", "LE<GUENNEC<D<ARMOR"),
        ("Le Guénnec-d'Armor", "LE GUENNEC D ARMOR"),  # the words of a parsed MrzData
        ("Le Guennec d'Armor", "LE<GUENNEC<DARMOR"),  # apostrophe dropped, as ICAO says
        ("Müller", "MUELLER"),
        ("Müller", "MULLER"),
        ("Mueller", "MUELLER"),
        ("Œuvray", "OEUVRAY"),
        ("Cæsar", "CAESAR"),
        ("García Márquez", "GARCIA<MARQUEZ"),
        ("Saint-Exupéry", "SAINT<EXUPERY"),
    ],
)
def test_names_that_match(dossier: str, mrz: str) -> None:
    assert names_match(dossier, mrz, truncated=False)


@pytest.mark.parametrize(
    ("dossier", "mrz"),
    [
        ("Martin", "MARTINEZ"),
        ("Martinez", "MARTIN"),
        ("Müller", "MILLER"),
        ("Le Guennec", "LE<GUENNEC<D<ARMOR"),  # a missing word is a different name
        ("Dupont Martin", "MARTIN<DUPONT"),
        ("", "MARTIN"),
        ("Иванов", "IVANOV"),
    ],
)
def test_names_that_do_not_match(dossier: str, mrz: str) -> None:
    assert not names_match(dossier, mrz, truncated=False)


def test_a_full_mrz_name_field_is_compared_as_a_prefix_only_when_truncated() -> None:
    dossier = "Wolfeschlegelsteinhausenbergerdorff"
    cut = "WOLFESCHLEGELSTEINHAUSENBERG"
    assert names_match(dossier, cut, truncated=True)
    assert not names_match(dossier, cut, truncated=False)
    assert names_match("Le Guénnec-d'Armor de la Tour", "LE<GUENNEC<D<ARM", truncated=True)
    assert not names_match("Le Guénnec-d'Armor", "LE<GUENEC<D", truncated=True)
    assert not names_match("Martin", "MARTINEZ", truncated=True)


@pytest.mark.parametrize(
    ("given_names", "first"),
    [
        ("Maëlys-Gaëlle, Marie", "Maëlys-Gaëlle"),
        ("Anna Maria", "Anna"),
        ("Jean-Pierre", "Jean-Pierre"),
        (" , Paul, Jacques", "Paul"),
        ("", ""),
    ],
)
def test_first_given_name_of_a_dossier(given_names: str, first: str) -> None:
    assert first_given_name(given_names) == first


@pytest.mark.parametrize(
    ("dossier", "mrz", "truncated"),
    [
        ("Anna Maria", "ANNA<MARIA", False),
        ("Anna", "ANNA<MARIA", False),
        ("Maëlys-Gaëlle, Marie", "MAELYS GAELLE MARIE", False),
        ("Maëlys-Gaëlle", "MAELYS<GAELLE<MARIE", False),
        ("Jean-Christophe, Marie", "JEAN<CHRIS", True),
        ("Chloé", "CHLOE", False),
    ],
)
def test_given_names_match_on_the_first_given_name(dossier: str, mrz: str, truncated: bool) -> None:
    assert given_names_match(dossier, mrz, truncated)


@pytest.mark.parametrize(
    ("dossier", "mrz", "truncated"),
    [
        ("Maria", "ANNA<MARIA", False),  # the first given name must come first
        ("Marie, Maëlys", "MAELYS<GAELLE<MARIE", False),
        ("Jean-Christophe", "JEAN<CHRIS", False),
        ("Jean-Christophe", "JEAN<CLAUDE", True),
        ("", "ANNA", False),
        ("Anna", "", False),
    ],
)
def test_given_names_that_do_not_match(dossier: str, mrz: str, truncated: bool) -> None:
    assert not given_names_match(dossier, mrz, truncated)


LATIN_NAMES = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzéèêëàâäçîïôöùûüœæßøåñ -'"),
    min_size=1,
    max_size=40,
)


@settings(max_examples=150)
@given(LATIN_NAMES)
def test_a_name_matches_its_own_mrz_spelling(name: str) -> None:
    form = mrz_form(name)
    if form:
        assert names_match(name, form, truncated=False)
        assert names_match(name, form[: max(1, len(form) // 2)].rstrip("<"), truncated=True)
        assert form == mrz_form(form)


@settings(max_examples=150)
@given(st.text(max_size=40), st.text(max_size=40), st.booleans())
def test_matching_never_raises(dossier: str, mrz: str, truncated: bool) -> None:
    assert names_match(dossier, mrz, truncated) in (True, False)
    assert given_names_match(dossier, mrz, truncated) in (True, False)
