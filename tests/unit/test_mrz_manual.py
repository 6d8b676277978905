"""Typing a document by hand when its MRZ cannot be read."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.domain.errors import ValidationError
from kiosk.domain.mrz import MrzData, MrzFormat, manual_entry


def test_manual_entry_builds_the_same_record_from_typed_fields() -> None:
    doc = manual_entry(
        document_type="id",
        issuing_country="fra",
        surname="Le Guénnec-d'Armor",
        given_names="Maëlys-Gaëlle Marie",
        document_number=" x4rt bpfw4 ",
        birth_date=date(1990, 7, 13),
        sex="f",
        expiry_date=date(2030, 2, 11),
    )
    assert doc.manual
    assert doc.format is MrzFormat.TD1
    assert doc.surname == "LE GUENNEC D ARMOR"
    assert doc.given_names == ("MAELYS", "GAELLE", "MARIE")
    assert (doc.document_number, doc.issuing_country, doc.nationality) == (
        "X4RTBPFW4",
        "FRA",
        "FRA",
    )
    assert doc.sex == "F"
    assert "X4RTBPFW4" not in repr(doc)
    assert manual_entry(
        document_type="P", issuing_country="UTO", surname="Eriksson", given_names="Anna",
        document_number="L898902C3", birth_date=date(1974, 8, 12), expiry_date=date(2030, 1, 1),
    ).format is MrzFormat.TD3  # fmt: skip


def _manual(**changes: object) -> MrzData:
    fields: dict[str, object] = {
        "document_type": "ID",
        "issuing_country": "FRA",
        "surname": "Berthier",
        "given_names": "Corinne",
        "document_number": "880692310285",
        "birth_date": date(1965, 12, 6),
        "format": MrzFormat.FR_ID_LEGACY,
        "issue_date": date(1988, 6, 20),
    }
    fields.update(changes)
    return manual_entry(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"issue_date": None}, "ancien modèle : saisissez la date de délivrance"),
        ({"format": MrzFormat.TD1}, "date d'expiration de la pièce est obligatoire"),
        ({"document_number": "88-06/923"}, "Numéro de document"),
        ({"document_type": "ID1"}, "Type de document"),
        ({"issuing_country": "FRANCE"}, "Pays émetteur"),
        ({"sex": "H"}, "Sexe"),
        ({"surname": " - "}, "nom de famille est obligatoire"),
        ({"surname": "Иванов"}, "lettres latines"),
        ({"issue_date": date(1960, 1, 1)}, "Dates incohérentes"),
    ],
)
def test_manual_entry_refuses_incomplete_or_wrong_fields(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError) as err:
        _manual(**changes)
    assert message in err.value.message
    assert "880692310285" not in err.value.message
