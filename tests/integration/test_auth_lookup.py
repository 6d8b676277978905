"""Login and lookup over the real database and real Argon2id: lockout, rehash, office
confinement, forgiving typing and legacy numbers."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.adapters.crypto.argon2_hasher import Argon2Hasher
from kiosk.domain import withdrawal
from kiosk.domain.errors import AuthError, NotFoundError, ValidationError
from kiosk.domain.model import Role
from kiosk.services.agents import AgentAdmin
from kiosk.services.auth import WRONG_CREDENTIALS, AgentSession, AuthService
from kiosk.services.lookup import NOT_FOUND, LookupService
from tests.integration.db_env import (
    FIXTURES,
    SITE_SECRET,
    Db,
    database_url,
    first_record,
    migrated_db,
    seed_reference_data,
)
from tests.integration.pg_env import postgres

pytestmark = pytest.mark.integration
_FIXTURES = (database_url, postgres)

PASSWORD = "Guichet-Brest-2026"


@pytest.fixture
def db(tmp_path: Path, database_url: str) -> Any:
    with migrated_db(tmp_path, url=database_url) as database:
        seed_reference_data(database)
        database.importer().import_file(FIXTURES / "dossiers.json")
        admin = AgentAdmin(database.uow, database.hasher)
        admin.add("Camille", "Camille Le Gall", Role.AGENT, "BREST", PASSWORD)
        admin.add("yann", "Yann Kerjean", Role.AGENT, "rennes", "Guichet-Rennes-2026")
        yield database


def auth(db: Db, hasher: Argon2Hasher | None = None) -> AuthService:
    return AuthService(db.uow, hasher or db.hasher, db.clock, max_failures=5, lock_minutes=15)


def login_events(db: Db) -> list[tuple[str, str, dict[str, Any]]]:
    rows = db.sql(
        "SELECT event_type, outcome, details FROM audit_events "
        "WHERE event_type LIKE 'agent.%' AND event_type != 'agent.add' ORDER BY seq"
    )
    return [(r.event_type, r.outcome, json.loads(r.details)) for r in rows]


def test_an_agent_logs_in_with_a_login_in_any_case(db: Db) -> None:
    session = auth(db).login("  CAMILLE ", PASSWORD)
    assert session == AgentSession("camille", "Camille Le Gall", Role.AGENT, "BREST")
    assert login_events(db) == [("agent.login", "success", {"role": "agent"})]


def test_five_failures_lock_the_login_for_fifteen_minutes(db: Db) -> None:
    service = auth(db)
    for _ in range(4):
        with pytest.raises(AuthError, match=WRONG_CREDENTIALS):
            service.login("camille", "pas le bon mot de passe")
    with pytest.raises(AuthError, match="verrouillé pendant 15 minutes"):
        service.login("camille", "pas le bon mot de passe")

    db.clock.advance(timedelta(minutes=14, seconds=30))
    with pytest.raises(AuthError, match="réessayez dans 1 min"):
        service.login("camille", PASSWORD)  # even the right password waits

    db.clock.advance(timedelta(seconds=30))
    assert service.login("camille", PASSWORD).login == "camille"

    events = login_events(db)
    assert [(e[0], e[1]) for e in events] == [
        *[("agent.login", "failure")] * 5,
        ("agent.locked", "success"),
        ("agent.login", "refused"),
        ("agent.login", "success"),
    ]
    assert [e[2].get("failures") for e in events[:5]] == [1, 2, 3, 4, 5]
    assert events[5][2] == {"minutes": 15}
    with db.uow() as tx:
        agent = tx.agents.get("camille")
    assert agent is not None
    assert (agent.failed_logins, agent.locked_until) == (0, None)


def test_an_unknown_login_gets_the_same_answer_as_a_wrong_password(db: Db) -> None:
    with pytest.raises(AuthError) as unknown:
        auth(db).login("personne", PASSWORD)
    with pytest.raises(AuthError) as wrong:
        auth(db).login("camille", "pas le bon mot de passe")
    assert unknown.value.message == wrong.value.message == WRONG_CREDENTIALS


def test_a_password_hash_is_renewed_when_the_cost_settings_change(db: Db) -> None:
    with db.uow() as tx:
        agent = tx.agents.get("camille")
    assert agent is not None
    assert "m=8,t=1,p=1" in agent.password_hash
    stronger = Argon2Hasher(time_cost=2, memory_kib=64, parallelism=1)

    auth(db, stronger).login("camille", PASSWORD)

    with db.uow() as tx:
        renewed = tx.agents.get("camille")
    assert renewed is not None
    assert "m=64,t=2,p=1" in renewed.password_hash
    assert stronger.verify(renewed.password_hash, PASSWORD)
    assert auth(db, stronger).login("camille", PASSWORD).login == "camille"


def session(db: Db, login: str, password: str = PASSWORD) -> AgentSession:
    return auth(db).login(login, password)


def lookup(db: Db) -> LookupService:
    return LookupService(db.uow, SITE_SECRET)


def test_an_agent_finds_a_dossier_of_their_office(db: Db) -> None:
    record = first_record(office="BREST", state="convoked")
    dossier = lookup(db).lookup(session(db, "camille"), record["withdrawal_code"])
    assert dossier.reference == record["reference"]
    assert dossier.office_code == "BREST"


@pytest.mark.parametrize("style", ["lower", "spaces", "letter-o", "no-dashes"])
def test_typing_is_forgiving(db: Db, style: str) -> None:
    record = first_record(office="BREST", state="convoked")
    code: str = record["withdrawal_code"]
    typed = {
        "lower": code.lower(),
        "spaces": " " + code.replace("-", " ") + " ",
        "letter-o": code.replace("0", "O").replace("1", "l"),
        "no-dashes": code.replace("-", ""),
    }[style]
    assert lookup(db).lookup(session(db, "camille"), typed).reference == record["reference"]


def test_another_office_dossier_looks_exactly_like_an_unknown_code(db: Db) -> None:
    rennes = first_record(office="RENNES", state="convoked")
    camille = session(db, "camille")
    with pytest.raises(NotFoundError) as other_office:
        lookup(db).lookup(camille, rennes["withdrawal_code"])
    with pytest.raises(NotFoundError) as unknown:
        lookup(db).lookup(camille, withdrawal.generate())
    assert other_office.value.message == unknown.value.message == NOT_FOUND
    # ... while Rennes' own agent finds it.
    yann = session(db, "yann", "Guichet-Rennes-2026")
    assert lookup(db).lookup(yann, rennes["withdrawal_code"]).reference == rennes["reference"]
    reasons = [
        json.loads(r.details)["reason"]
        for r in db.sql(
            "SELECT details FROM audit_events WHERE event_type = 'dossier.lookup' "
            "AND outcome = 'failure' ORDER BY seq"
        )
    ]
    assert reasons == ["other_office", "unknown_code"]  # the auditor can tell them apart


def test_a_mistyped_code_is_caught_before_any_lookup(db: Db) -> None:
    record = first_record(office="BREST", state="convoked")
    code: str = record["withdrawal_code"]
    swapped = code[1] + code[0] + code[2:] if code[0] != code[1] else code[:-1] + "Z"
    with pytest.raises(ValidationError):
        lookup(db).lookup(session(db, "camille"), swapped)


def test_legacy_numeric_numbers_are_found(db: Db) -> None:
    legacy_only = first_record(office="BREST", legacy_withdrawal_number=_legacy_number("BREST"))
    camille = session(db, "camille")
    found = lookup(db).lookup(camille, " ".join(legacy_only["legacy_withdrawal_number"]))
    assert found.reference == legacy_only["reference"]


def test_a_dossier_with_both_numbers_is_found_by_either(db: Db) -> None:
    both = next(
        r
        for r in json.loads((FIXTURES / "dossiers.json").read_text(encoding="utf-8"))
        if "withdrawal_code" in r and "legacy_withdrawal_number" in r
    )
    camille = session(db, "camille")
    by_code = lookup(db).lookup(camille, both["withdrawal_code"])
    by_legacy = lookup(db).lookup(camille, both["legacy_withdrawal_number"])
    assert by_code.reference == by_legacy.reference == both["reference"]


def _legacy_number(office: str) -> str:
    records = json.loads((FIXTURES / "dossiers.json").read_text(encoding="utf-8"))
    return next(
        str(r["legacy_withdrawal_number"])
        for r in records
        if r["office"] == office and "withdrawal_code" not in r
    )
