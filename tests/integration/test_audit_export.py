"""Exports of the audit log for an auditor: a period's events with their inclusion proofs
under the signed checkpoint, verified offline with the public key only; an export edited,
cut or reordered afterwards is caught and the event named."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.domain.audit_export import read_csv, read_jsonl
from kiosk.domain.audit_export_verification import ExportVerdict, verify_export
from kiosk.domain.checkpoint_schedule import CheckpointSchedule
from kiosk.domain.errors import ValidationError
from kiosk.domain.offices import OFFICES_TZ
from kiosk.services.audit_checkpoints import AuditCheckpoints
from kiosk.services.audit_export import AuditExport, Period
from kiosk.services.audit_retention import PersonalDataRetention
from tests.integration.audit_env import (
    ORIGIN,
    Home,
    append_events,
    home,
    run,
    software_signer,
)
from tests.integration.db_env import Db, database_url, migrated_db
from tests.integration.pg_env import postgres
from tests.integration.softhsm_env import softhsm

pytestmark = pytest.mark.integration
_FIXTURES = (database_url, postgres, home, softhsm)

KEY = software_signer()
PERSONAL = {"nationality": "FRA", "expiry_date": "2031-02-10"}


@pytest.fixture
def db(tmp_path: Path, database_url: str) -> Iterator[Db]:
    """Three days of events (15, 16 and 17 March 2026, 8 a day, every other one with
    personal data) under a signed checkpoint."""
    with migrated_db(tmp_path, url=database_url) as database:
        for day in (15, 16, 17):
            database.clock.set(datetime(2026, 3, day, 8, 0, tzinfo=UTC))
            for n in range(8):
                append_events(database, 1, personal=PERSONAL if n % 2 else None)
        checkpoints(database).make()
        yield database


def checkpoints(db: Db) -> AuditCheckpoints:
    return AuditCheckpoints(
        db.uow, lambda: KEY, KEY.verifier(), ORIGIN, db.clock, CheckpointSchedule()
    )


def exporter(db: Db) -> AuditExport:
    return AuditExport(db.uow, KEY.verifier(), ORIGIN, OFFICES_TZ)


def jsonl(db: Db, period: Period | None = None, personal: bool = False) -> list[str]:
    return list(exporter(db).stream("jsonl", period or Period(), personal=personal).lines)


def offline(lines: list[str]) -> ExportVerdict:
    header, events = read_jsonl(lines)
    return verify_export(header.checkpoint, events, KEY.verifier(), header)


def test_a_whole_log_export_verifies_offline_as_the_whole_log(db: Db) -> None:
    lines = jsonl(db)
    assert len(lines) == 1 + 24
    verdict = offline(lines)
    assert verdict.ok
    assert verdict.lines[0].startswith(
        "Export intègre : 24 événement(s) vérifié(s), le journal entier, prouvé(s) dans le "
        "journal « kiosk/BREST/test-kiosk » signé"
    )


def test_a_period_exports_the_events_of_those_local_days(db: Db) -> None:
    lines = jsonl(db, Period(date(2026, 3, 16), date(2026, 3, 16)))
    header = json.loads(lines[0])
    assert (header["first_seq"], header["last_seq"], header["from"]) == (9, 16, "2026-03-16")
    assert [json.loads(line)["seq"] for line in lines[1:]] == list(range(9, 17))
    verdict = offline(lines)
    assert verdict.ok
    assert "les événements n° 9 à n° 16" in verdict.lines[0]
    assert jsonl(db, Period(date(2026, 4, 1)))[1:] == []


def test_events_after_the_latest_checkpoint_wait_for_the_next_one(db: Db) -> None:
    db.clock.set(datetime(2026, 3, 18, 8, 0, tzinfo=UTC))
    append_events(db, 2)
    export = exporter(db)
    assert export.uncovered(Period(date(2026, 3, 18)))
    assert not export.uncovered(Period(date(2026, 3, 15), date(2026, 3, 17)))
    assert json.loads(jsonl(db)[-1])["seq"] == 24
    checkpoints(db).make()
    assert not export.uncovered(Period(date(2026, 3, 18)))
    assert offline(jsonl(db)).ok


def test_personal_data_goes_along_only_when_asked_and_is_checked(db: Db) -> None:
    assert all('personal":{' not in line for line in jsonl(db))
    lines = jsonl(db, personal=True)
    assert sum('"nationality":"FRA"' in line for line in lines) == 12
    verdict = offline(lines)
    assert verdict.ok
    assert "Données personnelles : 12 conforme(s) à leur engagement." in verdict.lines
    edited = [line.replace('"FRA"', '"BEL"', 1) if '"seq":4,' in line else line for line in lines]
    verdict = offline(edited)
    assert (verdict.ok, verdict.first_bad_seq) == (False, 4)
    assert "données personnelles ne correspondent pas" in verdict.lines[0]
    with pytest.raises(ValidationError, match="JSON Lines"):
        exporter(db).stream("csv", Period(), personal=True)


def test_erased_personal_data_exports_as_erased_and_still_verifies(db: Db) -> None:
    db.clock.set(datetime(2027, 6, 1, tzinfo=UTC))
    PersonalDataRetention(db.uow, db.clock, 12).erase()
    checkpoints(db).make()
    lines = jsonl(db, personal=True)
    assert sum('"erased_at":' in line for line in lines) == 12
    assert offline(lines).ok


def edited(lines: list[str], seq: int, old: str, new: str) -> list[str]:
    return [line.replace(old, new) if f'"seq":{seq},' in line else line for line in lines]


def test_an_export_edited_cut_or_reordered_afterwards_is_caught(db: Db) -> None:
    lines = jsonl(db)
    changed = offline(edited(lines, 7, '"n":0', '"n":1'))
    assert (changed.ok, changed.first_bad_seq) == (False, 7)
    assert changed.lines[0].startswith("Export altéré à l'événement n° 7 : ")

    middle = offline(lines[:5] + lines[6:])
    assert (middle.ok, middle.first_bad_seq) == (False, 6)
    assert "l'événement n° 5 manque ou a été déplacé" in middle.lines[0]

    tail = offline(lines[:-1])
    assert (tail.ok, tail.first_bad_seq) == (False, 24)
    assert tail.lines[0].startswith("Export incomplet : l'en-tête annonce les événements n° 1 à")

    swapped = offline([lines[0], lines[2], lines[1], *lines[3:]])
    assert (swapped.ok, swapped.first_bad_seq) == (False, 2)

    forged_checkpoint = json.loads(lines[0])
    forged_checkpoint["checkpoint"] = forged_checkpoint["checkpoint"].replace("\n24\n", "\n23\n")
    with pytest.raises(Exception, match="Signature du point de contrôle invalide"):
        offline([json.dumps(forged_checkpoint) + "\n", *lines[1:]])


def test_a_csv_export_verifies_with_its_checkpoint_beside_it(db: Db) -> None:
    stream = exporter(db).stream("csv", Period(date(2026, 3, 17)))
    lines = list(stream.lines)
    assert lines[0] == "seq,at,site,kiosk,agent,dossier,type,outcome,details,prev,hash,proof\n"
    assert len(lines) == 1 + 8
    verdict = verify_export(stream.checkpoint_text, read_csv(lines), KEY.verifier())
    assert verdict.ok, verdict.lines
    tampered = [lines[0], lines[1].replace("camille", "yann"), *lines[2:]]
    verdict = verify_export(stream.checkpoint_text, read_csv(tampered), KEY.verifier())
    assert (verdict.ok, verdict.first_bad_seq) == (False, 17)


def test_export_and_offline_verification_from_the_command_line(
    home: Home, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    home.db.clock.set(datetime.now(UTC) - timedelta(days=3))
    append_events(home.db, 5, personal=PERSONAL, step=timedelta(hours=20))
    key = ("--key", str(home.public_key))
    for fmt in ("jsonl", "csv"):
        out = tmp_path / f"journal.{fmt}"
        code, said, err = run(capsys, "audit", "export", "--format", fmt, str(out))
        assert (code, err) == (0, "")  # no checkpoint yet: one is made and signed first
        assert said.startswith(f"Export {fmt} écrit : {out} (5 événement(s), ")
        code, said, _ = run(capsys, "audit", "verify", "--offline", str(out), *key)
        assert code == 0
        assert said.startswith("Export intègre : 5 événement(s) vérifié(s), le journal entier")
    assert (tmp_path / "journal.csv.checkpoint").exists()

    out = tmp_path / "personal.jsonl"
    today = datetime.now(OFFICES_TZ).date().isoformat()
    code, _, _ = run(
        capsys, "audit", "export", "--format", "jsonl", "--to", today, "--personal", str(out)
    )
    assert code == 0
    assert oct(out.stat().st_mode & 0o777) == "0o600"  # personal data: the owner only

    text = (tmp_path / "journal.jsonl").read_text().replace('"n":2', '"n":7')
    (tmp_path / "journal.jsonl").write_text(text)
    code, said, _ = run(
        capsys, "audit", "verify", "--offline", str(tmp_path / "journal.jsonl"), *key
    )
    assert code == 1
    assert said.startswith("Export altéré à l'événement n° 3 : ")
    code, _, err = run(capsys, "audit", "export", "--format", "jsonl", "--from", "hier", "x")
    assert (code, err.strip()) == (1, "Date invalide « hier » : AAAA-MM-JJ ou JJ/MM/AAAA attendu.")
