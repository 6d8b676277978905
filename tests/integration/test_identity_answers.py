"""The identity check and the revocation answers on a real database: what the desk sees,
what the dossier becomes and what the auditor finds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from kiosk.domain.answers import FIRST_QUESTIONS, SECOND_QUESTIONS, AnswerEntry
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.errors import AuthError, StateError, ValidationError
from kiosk.domain.identity import CheckOutcome
from kiosk.domain.model import Role
from kiosk.services.answers import AnswersService
from kiosk.services.appointment import Appointment, AppointmentService, EndReason
from kiosk.services.auth import AgentSession
from kiosk.services.identity import IdentityService
from tests.integration.db_env import (
    FIXTURES,
    SITE_SECRET,
    Db,
    database_url,
    migrated_db,
    record,
    seed_reference_data,
)
from tests.integration.pg_env import postgres
from tests.unit.mrz_samples import td3, text

pytestmark = pytest.mark.integration
_FIXTURES = (database_url, postgres)

AGENT = AgentSession("camille", "Camille Le Goff", Role.AGENT, "BREST")
ADMIN = AgentSession("admin", "Admin", Role.ADMIN, "BREST")
REF = "CS-2026-001047"  # Zoé Kerhervé, born 1973-05-04, three questions on file
PASSPORT_NUMBER = "19FR84621"
RIGHT = ["Les Tilleuls", "Citroën Visa", "galettes saucisse"]
WRONG = ["les tilleuls", "citroen visa", "crêpes"]


def passport(**overrides: str) -> str:
    fields = {
        "name": "KERHERVE<<ZOE",
        "number": PASSPORT_NUMBER,
        "birth": "730504",
        "expiry": "310210",
        "personal": "",
        "country": "FRA",
    }
    fields.update(overrides)
    return text(td3(**fields))


@pytest.fixture
def db(tmp_path: Path, database_url: str) -> Iterator[Db]:
    with migrated_db(tmp_path, url=database_url) as database:
        seed_reference_data(database)
        database.importer().import_file(FIXTURES / "dossiers.json")
        yield database


def services(db: Db) -> tuple[AppointmentService, IdentityService, AnswersService]:
    return (
        AppointmentService(db.uow, db.clock),
        IdentityService(db.uow, db.clock, SITE_SECRET),
        AnswersService(db.uow, db.hasher),
    )


def open_appointment(db: Db, reference: str = REF) -> Appointment:
    with db.uow() as uow:
        dossier = uow.dossiers.get(reference)
    assert dossier is not None
    return AppointmentService(db.uow, db.clock).open(AGENT, dossier)


def identified(db: Db, reference: str = REF, mrz: str | None = None) -> Appointment:
    appointment = open_appointment(db, reference)
    identity = IdentityService(db.uow, db.clock, SITE_SECRET)
    report = identity.check(appointment, identity.read_mrz(appointment, mrz or passport()))
    assert report.passed, [c.explanation for c in report.failures]
    identity.confirm_photo(appointment, matches=True)
    return appointment


def events(db: Db, reference: str = REF) -> list[tuple[str, str, dict[str, Any]]]:
    rows = db.sql(
        "SELECT event_type, outcome, details FROM audit_events WHERE dossier_ref = :r ORDER BY seq",
        r=reference,
    )
    return [(r.event_type, r.outcome, json.loads(r.details)) for r in rows]


def state(db: Db, reference: str = REF) -> DossierState:
    with db.uow() as uow:
        dossier = uow.dossiers.get(reference)
    assert dossier is not None
    return dossier.state


def test_a_holder_with_the_right_document_and_answers_passes(db: Db) -> None:
    appointment = identified(db)
    result = AnswersService(db.uow, db.hasher).check(appointment, RIGHT)

    assert result.ok and appointment.answers_passed
    kinds = [(t, o) for t, o, _ in events(db)]
    assert kinds[-4:] == [
        ("appointment.start", "success"),
        ("identity.check", "success"),
        ("identity.photo", "success"),
        ("answers.check", "success"),
    ]
    check = next(d for t, _, d in events(db) if t == "identity.check")
    assert check["document_type"] == "P" and check["issuing_country"] == "FRA"
    assert check["check_surname"] == "passed" and check["manual_entry"] is False
    assert len(check["document_mac"]) == 32


def test_answers_are_compared_after_normalisation(db: Db) -> None:
    appointment = identified(db)
    typed = ["  LES tilleuls ", "citroen   VISA!", "Galettes-Saucisse"]
    assert AnswersService(db.uow, db.hasher).check(appointment, typed).ok


def test_a_bad_check_digit_is_refused_naming_the_field_and_audited(db: Db) -> None:
    appointment = open_appointment(db)
    line1, line2 = passport().split("\n")
    broken = line2[:27] + str((int(line2[27]) + 1) % 10) + line2[28:]  # expiry digit
    with pytest.raises(ValidationError, match="date d'expiration"):
        IdentityService(db.uow, db.clock, SITE_SECRET).read_mrz(appointment, line1 + "\n" + broken)
    last = events(db)[-1]
    assert last[:2] == ("identity.mrz", "refused")
    assert last[2]["check_digit_field"] == "expiry_date"


def test_an_expired_document_and_a_wrong_name_are_explained(db: Db) -> None:
    appointment = open_appointment(db)
    identity = IdentityService(db.uow, db.clock, SITE_SECRET)
    doc = identity.read_mrz(appointment, passport(name="KERVELLA<<ZOE", expiry="250101"))
    report = identity.check(appointment, doc)

    assert not report.passed
    assert {c.rule for c in report.failures} == {"surname", "expiry"}
    assert report.check("given_name").outcome is CheckOutcome.PASSED
    assert events(db)[-1][:2] == ("identity.check", "refused")
    with pytest.raises(StateError):
        identity.confirm_photo(appointment, matches=True)
    with pytest.raises(StateError, match="identité"):
        AnswersService(db.uow, db.hasher).check(appointment, RIGHT)


def test_refusal_ends_the_appointment_and_the_dossier_can_come_back(db: Db) -> None:
    appointment = open_appointment(db)
    AppointmentService(db.uow, db.clock).end(appointment, EndReason.DOCUMENT_REFUSED)
    assert state(db) is DossierState.REFUSED
    assert events(db)[-1][:2] == ("appointment.end", "aborted")

    again = open_appointment(db)
    assert state(db) is DossierState.CONVOKED
    assert not again.ended


def test_three_wrong_sets_end_the_appointment_without_saying_which_was_wrong(db: Db) -> None:
    appointment = identified(db)
    answers = AnswersService(db.uow, db.hasher)
    first = answers.check(appointment, WRONG)
    assert not first.ok and first.attempts_left == 2 and not first.appointment_over
    assert "Au moins une réponse" in first.message
    assert "3" not in first.message.replace("Essais restants : 2", "")
    answers.check(appointment, WRONG)
    third = answers.check(appointment, [*RIGHT[:2], "mauvaise"])
    assert third.appointment_over and not third.dossier_locked
    failures = [d for t, o, d in events(db) if t == "answers.check" and o == "failure"]
    assert [d["appointment_failures"] for d in failures] == [1, 2, 3]


def test_ten_wrong_sets_lock_the_dossier_until_an_admin_unlocks_it(db: Db) -> None:
    answers = AnswersService(db.uow, db.hasher)
    result = None
    for _ in range(4):
        appointment = identified(db)
        for _ in range(3):
            if result is not None and result.dossier_locked:
                break
            result = answers.check(appointment, WRONG)
        if result is not None and result.dossier_locked:
            break
    assert result is not None and result.dossier_locked
    assert "verrouillé" in result.message
    with pytest.raises(StateError, match="verrouillé"):
        open_appointment(db)
    assert ("dossier.answers_locked", "success") in [(t, o) for t, o, _ in events(db)]

    with pytest.raises(AuthError):
        answers.unlock(AGENT, REF)
    answers.unlock(ADMIN, REF)
    assert events(db)[-1][:2] == ("dossier.answers_unlocked", "success")
    assert answers.check(identified(db), RIGHT).ok


def test_a_holder_without_questions_chooses_them_at_the_desk(db: Db) -> None:
    reference = next(
        r["reference"]
        for r in json.loads((FIXTURES / "dossiers.json").read_text(encoding="utf-8"))
        if not r.get("questions") and r["office"] == "BREST" and r["state"] == "convoked"
    )
    holder = record(reference)["holder"]
    from kiosk.domain.names import mrz_form

    birth = holder["birth_date"].replace("-", "")[2:]
    name = mrz_form(holder["surname"]) + "<<" + mrz_form(holder["given_names"].split(",")[0])
    appointment = identified(db, reference, passport(name=name, birth=birth))
    answers = AnswersService(db.uow, db.hasher)
    assert answers.questions(appointment) == ()

    with pytest.raises(ValidationError, match="ne correspondent pas"):
        answers.define(
            appointment,
            AnswerEntry(FIRST_QUESTIONS[0], "Le Bihan", "Le Bihan"),
            AnswerEntry(SECOND_QUESTIONS[0], "Renault", "Renaud"),
            AnswerEntry("Quelle est ma couleur préférée ?", "vert", "vert"),
        )
    answers.define(
        appointment,
        AnswerEntry(FIRST_QUESTIONS[0], "Le Bihan", "le bihan"),
        AnswerEntry(SECOND_QUESTIONS[0], "Renault", "RENAULT"),
        AnswerEntry("Quelle est ma couleur préférée ?", "vert", "vert"),
    )
    assert appointment.answers_passed
    assert events(db, reference)[-1][:2] == ("answers.defined", "success")
    later = identified(db, reference, passport(name=name, birth=birth))
    assert answers.check(later, ["le bihan", "renault", "Vert"]).ok


def test_rehash_when_the_cost_parameters_change(db: Db) -> None:
    from kiosk.adapters.crypto.argon2_hasher import Argon2Hasher

    stronger = Argon2Hasher(time_cost=2, memory_kib=16, parallelism=1)
    appointment = identified(db)
    assert AnswersService(db.uow, stronger).check(appointment, RIGHT).ok
    with db.uow() as uow:
        dossier = uow.dossiers.get(REF)
    assert dossier is not None
    assert all("t=2" in q.answer_hash for q in dossier.questions)


def test_no_answer_and_no_document_number_reach_the_database(db: Db) -> None:
    appointment = identified(db)
    AnswersService(db.uow, db.hasher).check(appointment, WRONG)
    AnswersService(db.uow, db.hasher).check(appointment, RIGHT)
    db.engine.dispose()
    raw = db.raw_bytes()
    for secret in [PASSPORT_NUMBER, *RIGHT, *WRONG, "Tilleuls", "tilleuls"]:
        assert secret.encode() not in raw, secret


def test_an_appointment_cannot_open_on_a_closed_dossier(db: Db) -> None:
    with db.uow() as uow:
        dossier = uow.dossiers.get(REF)
    assert dossier is not None
    delivered = replace(dossier, state=DossierState.DELIVERED)
    with pytest.raises(StateError, match="Remis"):
        AppointmentService(db.uow, db.clock).open(AGENT, delivered)
