"""Renewal dossiers in the import file: linked to the dossier they renew, checked against
it (delivered, same holder, company and duration, serial known), questions carried over
when the renewal has none; and the products whose renewal may reuse the holder's token."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kiosk.domain.dossier_state import DossierState
from kiosk.domain.errors import ImportFileError
from kiosk.domain.model import Role
from kiosk.domain.renewal import RenewalLink
from kiosk.services.answers import AnswersService
from kiosk.services.appointment import Appointment
from kiosk.services.auth import AgentSession
from tests.integration.db_env import (
    FIXTURES,
    Db,
    database_url,
    fixture_records,
    migrated_db,
    record,
    seed_reference_data,
)
from tests.integration.pg_env import postgres

pytestmark = pytest.mark.integration
_FIXTURES = (database_url, postgres)
AGENT = AgentSession("camille", "Camille Le Goff", Role.AGENT, "BREST")
PREVIOUS = "CS-2023-000412"


@pytest.fixture
def db(tmp_path: Path, database_url: str) -> Iterator[Db]:
    with migrated_db(tmp_path, url=database_url) as database:
        seed_reference_data(database)
        yield database


def write(tmp_path: Path, records: Any, name: str = "renewals.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def renewal_of(previous: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A renewal record of ``previous`` (same holder and company), convoked."""
    renewal = {
        **previous,
        "reference": "CS-2026-009001",
        "state": "convoked",
        "convocation_at": "2026-03-17T16:00:00+01:00",
        "withdrawal_code": "M624QR-31DRBV-ESNM2D",
        "kind": "renewal",
        "renews": previous["reference"],
        "renews_certificate_serial": "0A:BC:DE:F0:12",
        "questions": [],
    }
    renewal.pop("legacy_withdrawal_number", None)
    return {**renewal, **changes}


def test_the_fixture_renewals_are_linked_to_the_delivered_dossiers_they_renew(db: Db) -> None:
    db.importer().import_file(FIXTURES / "dossiers.json")

    renewals = [r for r in fixture_records() if r.get("kind") == "renewal"]
    assert len(renewals) == 3
    with db.uow() as uow:
        for source in renewals:
            link = uow.lineage.link(source["reference"])
            assert link == RenewalLink(
                source["reference"], source["renews"], source["renews_certificate_serial"]
            )
            previous = uow.dossiers.get(source["renews"])
            assert previous is not None and previous.state is DossierState.DELIVERED
            assert previous.office_code == "BREST"
            assert uow.lineage.renewals_of(source["renews"]) == [link]
        assert uow.lineage.link("CS-2026-001047") is None  # a first delivery
        assert uow.product_options.token_reuse("RGS2-SIGN-3Y-EC")
        assert not uow.product_options.token_reuse("RGS2-SIGN-3Y")


def test_a_renewal_without_questions_takes_those_of_the_dossier_it_renews(
    db: Db, tmp_path: Path
) -> None:
    previous = dict(record(PREVIOUS))
    db.importer().import_file(write(tmp_path, [previous, renewal_of(previous)]))

    with db.uow() as uow:
        renewed = uow.dossiers.get(PREVIOUS)
        renewal = uow.dossiers.get("CS-2026-009001")
        link = uow.lineage.link("CS-2026-009001")
    assert renewed is not None and renewal is not None
    assert renewal.questions == renewed.questions and len(renewal.questions) == 3
    assert link == RenewalLink("CS-2026-009001", PREVIOUS, "abcdef012")
    appointment = Appointment(
        AGENT, renewal, datetime(2026, 3, 17, 15, tzinfo=UTC),
        identity_passed=True, photo_confirmed=True,
    )  # fmt: skip
    known_answers = [q["answer"] for q in previous["questions"]]
    assert AnswersService(db.uow, db.hasher).check(appointment, known_answers).ok


def test_importing_the_file_again_changes_nothing_once_the_renewed_dossier_is_revoked(
    db: Db, tmp_path: Path
) -> None:
    previous = dict(record(PREVIOUS))
    path = write(tmp_path, [previous, renewal_of(previous)])
    db.importer().import_file(path)
    with db.uow() as uow:
        uow.dossiers.set_state(PREVIOUS, DossierState.REVOKED, None)
        uow.commit()

    report = db.importer().import_file(path)

    assert (report.created, report.unchanged) == (0, 2)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"holder": {"surname": "Le Bihan", "given_names": "Yannick"}}, "renews", "titulaire"),
        ({"company": {**record(PREVIOUS)["company"], "siren": "552100554",
                      "siret": "55210055400013"}}, "renews", "SIREN"),
        ({"product": "RGS2-SIGN-1Y"}, "renews", "durée de validité (1 an(s))"),
        ({"renews": "CS-2026-001047"}, "renews", "état « Convoqué »"),
        ({"renews": "CS-2020-000001"}, "renews", "dossier renouvelé inconnu"),
        ({"renews_certificate_serial": None}, "renews_certificate_serial", "requis"),
        ({"renews_certificate_serial": "zz"}, "renews_certificate_serial", "hexadécimal"),
        ({"kind": None}, "kind", "seul un renouvellement"),
        ({"kind": "renouvellement"}, "kind", "nature inconnue"),
        ({"renews": None}, "renews", "requis"),
        ({"renews": "CS-2026-009001"}, "renews", "ne se renouvelle pas lui-même"),
    ],
)  # fmt: skip
def test_a_renewal_that_does_not_match_what_it_renews_is_refused(
    db: Db, tmp_path: Path, changes: dict[str, Any], field: str, words: str
) -> None:
    db.importer().import_file(FIXTURES / "dossiers.json")
    before = db.counts()
    previous = dict(record(PREVIOUS))
    renewal = {k: v for k, v in renewal_of(previous, **changes).items() if v is not None}

    with pytest.raises(ImportFileError) as caught:
        db.importer().import_file(write(tmp_path, [renewal]))

    problem = next(p for p in caught.value.problems if f"champ « {field} »" in p)
    assert problem.startswith("dossier n° 1 (CS-2026-009001)") and words in problem, problem
    assert db.counts() == before


def test_a_dossier_is_renewed_once(db: Db, tmp_path: Path) -> None:
    db.importer().import_file(FIXTURES / "dossiers.json")
    source = record("CS-2026-001327")  # already renews CS-2023-000412
    again = renewal_of(dict(record(PREVIOUS)))

    with pytest.raises(ImportFileError, match="déjà renouvelé") as caught:
        db.importer().import_file(write(tmp_path, [again]))
    assert source["renews"] == PREVIOUS
    assert len(caught.value.problems) == 1


def test_a_products_token_reuse_is_imported_and_updated(db: Db, tmp_path: Path) -> None:
    products = json.loads((FIXTURES / "products.json").read_text(encoding="utf-8"))
    changed = [{**p, "token_reuse": p["code"] == "RGS2-SIGN-3Y"} for p in products]

    report = db.importer().import_products(write(tmp_path, changed, "products.json"))

    assert (report.created, report.updated) == (0, 3)  # 3Y on, 3Y-EC and 3Y-RSA3072 off
    with db.uow() as uow:
        assert uow.product_options.token_reuse("RGS2-SIGN-3Y")
        assert not uow.product_options.token_reuse("RGS2-SIGN-3Y-EC")
    wrong = [{**products[0], "token_reuse": "oui"}]
    with pytest.raises(ImportFileError, match="token_reuse"):
        db.importer().import_products(write(tmp_path, wrong, "wrong.json"))
