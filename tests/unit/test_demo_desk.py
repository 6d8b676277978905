"""The demo's desk journeys as printed: each holder's passport MRZ passes the identity
check against the dossier, whatever the day, and the « À essayer » lines name what a
newcomer types for each journey."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kiosk.demo_desk import (
    DECLINED,
    PIN_UNBLOCK,
    RENEWAL,
    REVOCATION,
    DeskDossier,
    first_deliveries,
    for_import,
    journeys_to_try,
    passport_mrz,
    renewals,
)
from kiosk.domain.identity import check_identity
from kiosk.domain.model import Person
from kiosk.domain.mrz import parse_mrz

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "desk-journeys.json"
RECORDS: list[dict[str, Any]] = json.loads(FIXTURE.read_text(encoding="utf-8"))


def holder(record: dict[str, Any]) -> Person:
    h = record["holder"]
    return Person(h["surname"], h["given_names"], date.fromisoformat(h["birth_date"]))


@pytest.mark.parametrize("today", [date(2026, 11, 26), date(2028, 2, 29), date(2026, 1, 1)])
@pytest.mark.parametrize("record", RECORDS, ids=[r["reference"] for r in RECORDS])
def test_each_printed_passport_passes_the_identity_check(
    record: dict[str, Any], today: date
) -> None:
    document = parse_mrz("\n".join(passport_mrz(record["holder"], today)), today)

    report = check_identity(document, holder(record), today)

    assert report.passed, [c.explanation for c in report.failures]


def test_the_fixture_has_a_dossier_for_each_journey_and_imports_without_demo_keys() -> None:
    journeys = {r["demo_journey"]: r for r in RECORDS}
    assert set(journeys) == {PIN_UNBLOCK, REVOCATION, "renewed", DECLINED, RENEWAL}
    assert [r["reference"] for r in renewals(RECORDS)] == [journeys[RENEWAL]["reference"]]
    assert journeys[RENEWAL]["renews"] == journeys["renewed"]["reference"]
    assert len(first_deliveries(RECORDS)) == 4  # three delivered, one declined
    assert all("demo_journey" not in r for r in for_import(RECORDS))


def test_what_to_try_names_the_reference_serial_code_passport_and_answers() -> None:
    today = date(2026, 11, 26)
    desk = [
        DeskDossier(r["demo_journey"], r, f"serial-{r['reference']}", "token")
        for r in first_deliveries(RECORDS)
    ] + [DeskDossier(RENEWAL, r) for r in renewals(RECORDS)]

    text = "\n".join(journeys_to_try("BREST", "camille", desk, today, Path("/srv/demo")))

    journeys = {r["demo_journey"]: r for r in RECORDS}
    for journey in (PIN_UNBLOCK, REVOCATION):
        reference = journeys[journey]["reference"]
        assert reference in text and f"serial-{reference}" in text
    assert journeys[RENEWAL]["withdrawal_code"] in text
    for journey in (PIN_UNBLOCK, REVOCATION, RENEWAL):
        assert "\n".join(passport_mrz(journeys[journey]["holder"], today)) in text.replace(
            "\n      ", "\n"
        )
    renewed_answers = " / ".join(q["answer"] for q in journeys["renewed"]["questions"])
    assert f"réponses : {renewed_answers}" in text  # a renewal keeps the renewed answers
    declined = journeys[DECLINED]["reference"]
    assert f"{declined} (Gwenaëlle KERJEAN) a refusé la remise après l'émission" in text
    assert f"son certificat serial-{declined} est à révoquer" in text
    assert "KIOSK_HOME=/srv/demo .venv/bin/kiosk revocations publish" in text
