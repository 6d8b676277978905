"""``kiosk backup`` and ``kiosk restore`` on a demo home: a backup taken, the home damaged,
restored; the audit log then verifies, a withdrawal number is found again, and the doctor
passes. A backup never holds the back office's private key; a tampered backup, or a
restore over a home that is not empty, is refused without touching anything."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from kiosk.admin import admin_services
from kiosk.backup import backup, restore
from kiosk.config import Settings, load_settings
from kiosk.domain.errors import IntegrityError, ValidationError
from kiosk.domain.model import Role
from kiosk.services.auth import AgentSession
from kiosk.services.lookup import LookupService
from tests.integration.db_env import FAST_ARGON_ENV, fixture_records
from tests.integration.demo_home import DemoHome, demo_home

pytestmark = pytest.mark.integration
_FIXTURES = (demo_home,)

AGENT = AgentSession("camille", "Camille Le Gall", Role.AGENT, "BREST")


def _a_brest_code() -> str:
    return str(
        next(
            r["withdrawal_code"]
            for r in fixture_records()
            if r.get("office") == "BREST"
            and r.get("state") == "convoked"
            and r.get("withdrawal_code")
        )
    )


def _lookup(home: Path, code: str) -> str:
    """A desk's lookup on the home's database (no token involved: in this process)."""
    settings = _settings(home)
    with admin_services(settings) as admin:
        found = LookupService(admin.uow, settings.site_secret()).lookup(AGENT, code)
    return found.reference


def _settings(home: Path) -> Settings:
    return load_settings({"KIOSK_HOME": str(home), **FAST_ARGON_ENV})


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_backup_damage_restore_and_the_kiosk_works_again(
    demo_home: DemoHome, tmp_path: Path
) -> None:
    home, saved = demo_home.home, tmp_path / "backup"
    code = _a_brest_code()
    reference = _lookup(home, code)

    done = demo_home.kiosk("backup", str(saved))
    assert done.code == 0, done.err
    assert "base SQLite comprise" in done.out
    private = (demo_home.back_office / "so-pin-escrow.key.pem").read_bytes()
    backed_up = _files(saved)
    assert not any(private in content for content in backed_up.values())
    assert {"kiosk.db", "secrets/site.key", "kiosk.toml", "ca/ca.json"} <= set(backed_up)
    assert any(name.startswith("softhsm/tokens/") for name in backed_up)

    # The disk goes bad: the database is garbage, the site key gone.
    (home / "kiosk.db").write_bytes(b"\0" * 4096)
    for side in ("kiosk.db-wal", "kiosk.db-shm"):
        (home / side).unlink(missing_ok=True)
    (home / "secrets" / "site.key").unlink()

    refused = demo_home.kiosk("restore", str(saved))
    assert refused.code == 1 and "n'est pas vide : rien n'a été restauré" in refused.err
    restored = demo_home.kiosk("restore", "--force", str(saved))
    assert restored.code == 0, restored.err
    assert "L'ancien dossier est conservé dans" in restored.out

    verified = demo_home.kiosk("audit", "verify")
    assert verified.code == 0, verified.out + verified.err
    assert _lookup(home, code) == reference
    doctor = demo_home.kiosk("doctor")
    assert doctor.code == 0, doctor.out
    set_aside = [p for p in home.parent.iterdir() if p.name.startswith("home.before-restore-")]
    assert len(set_aside) == 1 and (set_aside[0] / "kiosk.db").read_bytes()[:4] == b"\0" * 4


def test_the_database_copy_is_consistent_while_the_kiosk_writes(
    demo_home: DemoHome, tmp_path: Path
) -> None:
    """The online backup API: a transaction left open in the WAL is not half-copied."""
    writer = sqlite3.connect(demo_home.home / "kiosk.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE dossiers SET refusal_reason = 'en cours' WHERE 1 = 1")
    try:
        backup(_settings(demo_home.home), tmp_path / "live")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    copy = sqlite3.connect(tmp_path / "live" / "kiosk.db")
    half = copy.execute("SELECT count(*) FROM dossiers WHERE refusal_reason = 'en cours'")
    assert half.fetchone() == (0,)
    copy.close()


def test_a_tampered_backup_is_refused_and_nothing_is_restored(
    demo_home: DemoHome, tmp_path: Path
) -> None:
    saved = tmp_path / "backup"
    backup(_settings(demo_home.home), saved)
    with (saved / "secrets" / "site.key").open("a") as key:
        key.write("00\n")
    target = tmp_path / "new-home"

    with pytest.raises(IntegrityError, match=r"altérée ou incomplète \(secrets/site.key\)"):
        restore(saved, target)

    assert not target.exists()


def test_a_backup_goes_to_a_new_folder_outside_the_home(
    demo_home: DemoHome, tmp_path: Path
) -> None:
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "note.txt").write_text("x")
    inside = demo_home.home / "backup"

    settings = _settings(demo_home.home)

    with pytest.raises(ValidationError, match="n'est pas vide"):
        backup(settings, occupied)
    with pytest.raises(ValidationError, match="hors du dossier du kiosque"):
        backup(settings, inside)
    assert not inside.exists() and _files(occupied) == {"note.txt": b"x"}


def test_a_home_restored_elsewhere_finds_its_tokens(demo_home: DemoHome, tmp_path: Path) -> None:
    saved = tmp_path / "backup"
    backup(_settings(demo_home.home), saved)
    moved = DemoHome(tmp_path / "moved" / "home")
    manifest = json.loads((saved / "kiosk-backup.json").read_text())
    assert manifest["home"] == str(demo_home.home)

    assert moved.kiosk("restore", str(saved)).code == 0

    assert str(demo_home.home) not in (moved.home / "kiosk.toml").read_text()
    doctor = moved.kiosk("doctor")
    assert doctor.code == 0, doctor.out
