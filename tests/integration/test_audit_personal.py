"""Personal data beside the audit log: kept apart from what the chain commits to (a salted
commitment only), checked against it while kept, erased by the retention job while the
log, its tree and its checkpoints still verify."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.domain.checkpoint_schedule import CheckpointSchedule
from kiosk.domain.errors import ValidationError
from kiosk.domain.model import Role
from kiosk.domain.personal_data import PERSONAL_DETAIL_KEY, verify_personal
from kiosk.services.appointment import AppointmentService
from kiosk.services.audit_checkpoints import AuditCheckpoints
from kiosk.services.audit_integrity import AuditIntegrity
from kiosk.services.audit_retention import PersonalDataRetention, months_before, parse_months
from kiosk.services.auth import AgentSession
from kiosk.services.identity import IdentityService
from tests.integration.audit_env import (
    ORIGIN,
    Home,
    append_events,
    home,
    run,
    software_signer,
    stored_events,
)
from tests.integration.db_env import (
    FIXTURES,
    SITE_SECRET,
    Db,
    database_url,
    migrated_db,
    seed_reference_data,
)
from tests.integration.pg_env import postgres
from tests.integration.softhsm_env import softhsm
from tests.unit.mrz_samples import td3, text

pytestmark = pytest.mark.integration
_FIXTURES = (database_url, postgres, home, softhsm)

HOLDER = {"surname": "Kerhervé", "birth_date": "1973-05-04"}
KEY = software_signer()


@pytest.fixture
def db(tmp_path: Path, database_url: str) -> Iterator[Db]:
    with migrated_db(tmp_path, url=database_url) as database:
        yield database


def integrity(db: Db) -> AuditIntegrity:
    return AuditIntegrity(db.uow, KEY.verifier(), ORIGIN)


def test_personal_fields_never_reach_the_chain_only_their_commitment(db: Db) -> None:
    (event,) = append_events(db, 1, personal=HOLDER)
    commitment = event.details[PERSONAL_DETAIL_KEY]
    assert isinstance(commitment, str) and len(commitment) == 64
    stored = db.sql("SELECT details FROM audit_events")[0][0]
    assert "Kerhervé" not in stored and "1973" not in stored
    with db.uow() as tx:
        entry = tx.personal_data.get(event.seq)
    assert entry is not None and entry.record is not None
    assert dict(entry.record.fields) == HOLDER
    assert "Kerhervé" not in repr(entry)
    assert verify_personal(entry.record.fields, entry.record.salt, commitment)
    assert integrity(db).verify().ok


def test_the_identity_check_keeps_the_holders_document_facts_apart(db: Db) -> None:
    seed_reference_data(db)
    db.importer().import_file(FIXTURES / "dossiers.json")
    with db.uow() as tx:
        dossier = tx.dossiers.get("CS-2026-001047")
    assert dossier is not None
    agent = AgentSession("camille", "Camille Le Goff", Role.AGENT, "BREST")
    appointment = AppointmentService(db.uow, db.clock).open(agent, dossier)
    identity = IdentityService(db.uow, db.clock, SITE_SECRET)
    mrz = text(
        td3(
            name="KERHERVE<<ZOE",
            number="19FR84621",
            birth="730504",
            expiry="310210",
            personal="",
            country="FRA",
        )
    )
    assert identity.check(appointment, identity.read_mrz(appointment, mrz)).passed

    check = next(e for e in stored_events(db) if e.event_type == "identity.check")
    assert {"nationality", "expiry_date", "issue_month"}.isdisjoint(check.details)
    assert check.details["check_expiry"] == "passed"  # the verdicts stay in the chain
    with db.uow() as tx:
        entry = tx.personal_data.get(check.seq)
    assert entry is not None and entry.record is not None
    assert entry.record.fields == {"nationality": "FRA", "expiry_date": "2031-02-10"}
    assert "19FR84621" not in str(db.raw_bytes())  # the document number, nowhere
    assert integrity(db).verify().ok


def test_the_retention_job_erases_old_personal_data_and_the_log_still_verifies(
    db: Db,
) -> None:
    db.clock.set(datetime(2025, 1, 10, 9, 0, tzinfo=UTC))
    old = append_events(db, 4, personal=HOLDER, step=timedelta(days=30))  # Jan to Apr 2025
    db.clock.set(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    recent = append_events(db, 2, personal=HOLDER)
    checkpoint = AuditCheckpoints(
        db.uow, lambda: KEY, KEY.verifier(), ORIGIN, db.clock, CheckpointSchedule()
    ).make()
    assert checkpoint is not None

    db.clock.set(datetime(2026, 3, 16, 7, 0, tzinfo=UTC))
    erasure = PersonalDataRetention(db.uow, db.clock, 12).erase()
    assert erasure.cutoff == datetime(2025, 3, 16, 7, 0, tzinfo=UTC)
    assert erasure.erased == 3  # 10 January, 9 February and 11 March 2025; not 10 April
    with db.uow() as tx:
        entries = {e.seq: tx.personal_data.get(e.seq) for e in [*old, *recent]}
    erased = [seq for seq, entry in entries.items() if entry and entry.record is None]
    kept = [seq for seq, entry in entries.items() if entry and entry.record is not None]
    assert erased == [e.seq for e in old if e.at < erasure.cutoff]
    assert kept == [e.seq for e in [*old, *recent] if e.at >= erasure.cutoff]
    assert all(getattr(entries[seq], "erased_at", None) == db.clock.now() for seq in erased)
    still_named = db.sql("SELECT seq FROM audit_personal_data WHERE fields LIKE '%Kerhervé%'")
    assert sorted(row[0] for row in still_named) == kept

    report = integrity(db).verify()
    assert report.ok, report.lines
    assert (
        f"Données personnelles : {len(kept)} conservée(s), conformes ; {len(erased)} effacée(s)."
        in (report.lines)
    )
    last = stored_events(db)[-1]
    assert (last.event_type, last.details["erased"]) == ("audit.personal_erased", len(erased))
    assert PersonalDataRetention(db.uow, db.clock, 12).erase().erased == 0


def test_an_erased_entry_without_its_date_or_a_deleted_one_is_named(db: Db) -> None:
    append_events(db, 3, personal=HOLDER)
    db.sql("UPDATE audit_personal_data SET fields = NULL, salt = NULL WHERE seq = 2")
    report = integrity(db).verify()
    assert report.lines[0] == (
        "Données personnelles altérées à l'événement n° 2 : effacées sans date d'effacement."
    )
    db.sql("DELETE FROM audit_personal_data WHERE seq = 2")
    report = integrity(db).verify()
    assert report.lines[0].startswith("Données personnelles altérées à l'événement n° 2 : ")


def test_retention_periods_read_as_months() -> None:
    assert [parse_months(t) for t in ("12m", "12 mois", "6", " 24M ")] == [12, 12, 6, 24]
    for bad in ("", "0m", "douze", "12y", "-3m"):
        with pytest.raises(ValidationError):
            parse_months(bad)
    assert months_before(datetime(2026, 3, 31, 8, tzinfo=UTC), 1) == datetime(
        2026, 2, 28, 8, tzinfo=UTC
    )
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 13) == datetime(
        2024, 12, 15, tzinfo=UTC
    )


def test_erase_personal_from_the_command_line(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    home.db.clock.set(datetime.now(UTC) - timedelta(days=800))
    append_events(home.db, 2, personal=HOLDER)
    home.db.clock.set(datetime.now(UTC) - timedelta(days=10))
    append_events(home.db, 1, personal=HOLDER)
    assert run(capsys, "audit", "checkpoint", "--out", str(home.folder / "cp.txt"))[0] == 0
    code, out, err = run(capsys, "audit", "erase-personal", "--older-than", "24m")
    assert (code, err) == (0, "")
    assert out.startswith("Données personnelles effacées : 2 événement(s) antérieur(s) au ")
    code, out, _ = run(capsys, "audit", "verify", "--checkpoint", str(home.folder / "cp.txt"))
    assert code == 0
    assert "Données personnelles : 1 conservée(s), conformes ; 2 effacée(s)." in out
    code, _, err = run(capsys, "audit", "erase-personal", "--older-than", "douze")
    assert code == 1
    assert "Durée de conservation invalide" in err


def test_a_log_read_in_many_short_transactions_verifies_across_their_boundaries(
    db: Db,
) -> None:
    append_events(db, 7, personal=HOLDER)
    append_events(db, 6)
    append_events(db, 7, personal=HOLDER)
    checker = integrity(db)
    for chunk in (1, 2, 3, 7, 20, 21):
        checker.chunk = chunk
        report = checker.verify()
        assert report.ok, (chunk, report.lines)
        assert "Données personnelles : 14 conservée(s), conformes ; 0 effacée(s)." in report.lines
    db.sql("UPDATE audit_personal_data SET salt = :s WHERE seq = 7", s=b"\x00" * 16)
    checker.chunk = 7  # the last event of a chunk
    assert (
        checker.verify().lines[0].startswith("Données personnelles altérées à l'événement n° 7 : ")
    )
