"""The demo home: ``kiosk demo init`` builds a ready-to-try kiosk for the Brest office.

Demo data only: the fixture files hold withdrawal numbers and answers in clear so that a
visitor can try them; the database, as always, receives only their hashes.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tomllib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.adapters.token.environment import write_softhsm_conf
from kiosk.demo_desk import (
    DECLINED,
    DESK_FIXTURE,
    RENEWAL,
    DeskDossier,
    deliver_at_desk,
    first_deliveries,
    for_import,
    journeys_to_try,
    renewals,
)
from kiosk.demo_pki import prepare_pki
from kiosk.domain.errors import KioskError
from kiosk.domain.model import Role

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DEMO_SITE = "BREST"
DEMO_KIOSK_ID = "demo-brest-1"
OFFICES_TZ = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class DemoAgent:
    login: str
    display_name: str
    role: Role
    office: str
    password: str  # demo only: printed on the screen at the end of ``demo init``


DEMO_AGENTS: tuple[DemoAgent, ...] = (
    DemoAgent("camille", "Camille Le Gall", Role.AGENT, "BREST", "Guichet-Brest-2026"),
    DemoAgent("yann", "Yann Kerjean", Role.AGENT, "RENNES", "Guichet-Rennes-2026"),
    DemoAgent("auditrice", "Maëlle Tanguy", Role.AUDITOR, "BREST", "Journal-Brest-2026"),
    DemoAgent("admin", "Administrateur du kiosque", Role.ADMIN, "BREST", "Console-Brest-2026"),
)


def is_demo_home(home: Path) -> bool:
    try:
        values = tomllib.loads((home / "kiosk.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return False
    return values.get("demo") is True


def prepare_home(home: Path, force: bool) -> None:
    """Create the home (0700), its site key (0600) and kiosk.toml; ``force`` first removes
    a previous demo home, and never a folder that is not one."""
    if home.exists() and force:
        if not is_demo_home(home):
            raise KioskError(
                f"{home} n'est pas un dossier de démonstration : il n'a pas été effacé."
            )
        shutil.rmtree(home)
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o700)
    secrets_dir = home / "secrets"
    secrets_dir.mkdir(mode=0o700, exist_ok=True)
    secrets_dir.chmod(0o700)
    key_file = secrets_dir / "site.key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(32) + "\n")
    (home / "kiosk.toml").write_text(
        "# Kiosque de démonstration, créé par « kiosk demo init ».\n"
        "demo = true\n"
        f'site = "{DEMO_SITE}"\n'
        f'kiosk_id = "{DEMO_KIOSK_ID}"\n'
        f'softhsm_conf = "{write_softhsm_conf(home / "softhsm")}"\n',
        encoding="utf-8",
    )


def load_fixture(name: str) -> list[Any]:
    data = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise KioskError(f"Fichier de démonstration illisible : {FIXTURES / name}")
    return data


def local_today() -> date:
    return datetime.now(OFFICES_TZ).date()


def shift_convocations(records: Sequence[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    """Move every convocation by the same number of days, keeping its local wall-clock
    time, so that the busiest day of the demo site's convocations becomes ``today``."""
    days = Counter(
        datetime.fromisoformat(r["convocation_at"]).astimezone(OFFICES_TZ).date()
        for r in records
        if r.get("office") == DEMO_SITE and r.get("convocation_at")
    )
    if not days:
        return [dict(r) for r in records]
    delta = today - days.most_common(1)[0][0]
    shifted = []
    for original in records:
        record = dict(original)
        if record.get("convocation_at"):
            local = datetime.fromisoformat(record["convocation_at"]).astimezone(OFFICES_TZ)
            wall = local.replace(tzinfo=None) + timedelta(days=delta.days)
            record["convocation_at"] = wall.replace(tzinfo=OFFICES_TZ).isoformat()
        shifted.append(record)
    return shifted


def numbers_to_try(records: Sequence[dict[str, Any]], today: date) -> list[str]:
    """Lines for the end of ``demo init``: today's Brest numbers, as on the convocation."""
    lines: list[str] = []
    todays = sorted(
        (r for r in records if r.get("office") == DEMO_SITE and r.get("state") == "convoked"),
        key=lambda r: str(r.get("convocation_at")),
    )
    picked = [r for r in todays if r.get("withdrawal_code")][:3]
    picked += [r for r in todays if r.get("legacy_withdrawal_number")][:1]
    for record in sorted(picked, key=lambda r: str(r["convocation_at"])):
        at = datetime.fromisoformat(record["convocation_at"]).astimezone(OFFICES_TZ)
        when = at.strftime("%H:%M") if at.date() == today else at.strftime("%d/%m %H:%M")
        number = record.get("withdrawal_code") or record["legacy_withdrawal_number"]
        holder = record["holder"]
        lines.append(
            f"  {when}  {number:<22} {holder['given_names']} {holder['surname'].upper()}"
            f" — {record['company']['name']}"
        )
    elsewhere = next(
        (r for r in records if r.get("office") != DEMO_SITE and r.get("withdrawal_code")), None
    )
    if elsewhere is not None:
        lines.append(
            f"  (autre bureau, introuvable depuis Brest : {elsewhere['withdrawal_code']}"
            f" — {elsewhere['office'].title()})"
        )
    return lines


DEMO_HISTORY_EVENTS = 3000


TRY_FILE = "a-essayer.txt"  # the « À essayer » lines, printed again by scripts/demo


def init_demo(home: Path, force: bool = False) -> list[str]:
    """Build the demo home and return the lines to print; a second run changes nothing."""
    from kiosk.adapters.db.migrate import upgrade
    from kiosk.admin import admin_services
    from kiosk.config import load_settings
    from kiosk.demo_history import add_history

    if (home / "kiosk.toml").exists() and not force:
        return [
            f"Le dossier de démonstration existe déjà : {home}",
            "Rien n'a été modifié. « kiosk demo init --force » le recrée.",
            *saved_lines_to_try(home),
        ]
    prepare_home(home, force)
    settings = load_settings(home=home)
    upgrade(settings.database_url)
    pki_lines = prepare_pki(settings)
    today = local_today()
    main_fixture, desk_fixture = load_fixture("dossiers.json"), load_fixture(DESK_FIXTURE)
    # One shift for both files, so that their days keep their distance.
    shifted = shift_convocations(main_fixture + desk_fixture, today)
    records, desk_records = shifted[: len(main_fixture)], shifted[len(main_fixture) :]
    with admin_services(settings) as admin:
        history = add_history(
            admin.uow.engine, DEMO_HISTORY_EVENTS
        )  # the past first: times in order
        importer = admin.importer()
        importer.import_offices(FIXTURES / "offices.json")
        importer.import_products(FIXTURES / "products.json")
        report = importer.import_records(records, source="dossiers.json")
        firsts = first_deliveries(desk_records)
        importer.import_records(for_import(firsts), source=DESK_FIXTURE)
        for agent in DEMO_AGENTS:
            admin.agents().add(
                agent.login, agent.display_name, agent.role, agent.office, agent.password
            )
    desk_agent = DEMO_AGENTS[0]
    desk = deliver_at_desk(settings, desk_agent.login, desk_agent.password, firsts, today)
    with admin_services(settings) as admin:
        # A renewal is accepted only for a dossier delivered: imported after the deliveries.
        later = admin.importer().import_records(
            for_import(renewals(desk_records)), source=DESK_FIXTURE
        )
        made = admin.audit_checkpoints().make()
    desk += [DeskDossier(RENEWAL, record) for record in renewals(desk_records)]
    created = report.created + len(firsts) + later.created
    delivered = sum(d.journey not in (DECLINED, RENEWAL) for d in desk)
    lines = [
        f"Dossier de démonstration prêt : {home}",
        f"Bureau servi : {settings.site} (kiosque {settings.kiosk_id}), "
        f"{created} dossiers importés, dont {delivered} remis sur support SoftHSM.",
        "",
        "Comptes de démonstration (identifiant / mot de passe) :",
    ]
    lines += [
        f"  {a.login:<10} {a.password:<20} {a.role.label}, bureau {a.office}" for a in DEMO_AGENTS
    ]
    lines += ["", *pki_lines]
    lines += [
        "",
        history.message,
        f"Premier point de contrôle signé par la clé d'audit : {made.checkpoint.describe()}",
    ]
    to_try = [f"Numéros de retrait à essayer au bureau de {settings.site} aujourd'hui :"]
    to_try += numbers_to_try(records, today)
    to_try += ["", *journeys_to_try(settings.site, desk_agent.login, desk, today, home)]
    save_lines_to_try(home, to_try)
    lines += ["", *to_try, "", "Lancez le kiosque : kiosk run"]
    return lines


def save_lines_to_try(home: Path, lines: Sequence[str]) -> None:
    """Demo fixtures only (codes and answers in clear, as printed): owner-only file."""
    path = home / TRY_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")


def saved_lines_to_try(home: Path) -> list[str]:
    try:
        text = (home / TRY_FILE).read_text(encoding="utf-8")
    except OSError:
        return []
    return ["", *text.splitlines()]
