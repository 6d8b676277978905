"""The validity row of the identity comparison names the day it is checked for: the
withdrawal of a delivery, or the appointment of a PIN unblock or a revocation."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.domain.appointment_lease import Purpose
from kiosk.domain.identity import check_identity
from kiosk.domain.model import Person
from kiosk.domain.mrz import parse_mrz
from tests.unit.mrz_samples import TD3_SPECIMEN, text

ANNA = Person(surname="Eriksson", given_names="Anna Maria", birth_date=date(1974, 8, 12))
DAY = date(2012, 4, 10)


def test_a_delivery_checks_the_document_on_the_withdrawal_day() -> None:
    report = check_identity(parse_mrz(text(TD3_SPECIMEN), DAY), ANNA, DAY)
    assert report.check("expiry").dossier_value == "Retrait le 10/04/2012"


@pytest.mark.parametrize("purpose", [Purpose.PIN_UNBLOCK, Purpose.REVOCATION])
def test_an_unblock_or_a_revocation_names_the_appointment_not_a_withdrawal(
    purpose: Purpose,
) -> None:
    report = check_identity(parse_mrz(text(TD3_SPECIMEN), DAY), ANNA, DAY, purpose=purpose)
    expiry = report.check("expiry")
    assert expiry.dossier_value == "Rendez-vous du 10/04/2012"
    assert report.passed


def test_an_expired_document_is_refused_whatever_the_appointment() -> None:
    late = date(2012, 4, 16)
    report = check_identity(
        parse_mrz(text(TD3_SPECIMEN), late), ANNA, late, purpose=Purpose.REVOCATION
    )
    assert [c.rule for c in report.failures] == ["expiry"]
    assert report.check("expiry").dossier_value == "Rendez-vous du 16/04/2012"
