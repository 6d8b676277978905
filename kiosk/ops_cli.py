"""The operator's commands (registered by ``kiosk.cli``):

kiosk doctor                      is this kiosk ready? (exit 0 only if every check passes)
kiosk backup DEST                 the home, with a consistent copy of the SQLite database
kiosk restore SRC [--force]       the home back from a backup (verified first)
kiosk appointments list           appointments open on the kiosks sharing the database
kiosk appointments release REF    free a dossier a vanished kiosk still holds (audited)
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

from kiosk.adapters.clock import SystemClock
from kiosk.admin import admin_services
from kiosk.config import load_settings
from kiosk.services.appointment import AppointmentService

Handler = Callable[[argparse.Namespace], int]


def _out(text: str) -> None:
    print(text, flush=True)


def cmd_doctor(_args: argparse.Namespace) -> int:
    from kiosk.doctor import diagnose

    findings = diagnose()
    for finding in findings:
        for line in finding.lines():
            _out(line)
    failures = sum(not f.ok for f in findings)
    _out("Tout est prêt." if not failures else f"{failures} problème(s) à corriger.")
    return 0 if not failures else 1


def cmd_backup(args: argparse.Namespace) -> int:
    from kiosk.backup import backup

    _out(backup(load_settings(), Path(args.destination)).message)
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from kiosk.backup import restore

    # The home named by KIOSK_HOME, read without its settings: it may be what is broken.
    home = Path(os.environ.get("KIOSK_HOME", "var/demo"))
    _out(restore(Path(args.source), home, force=args.force).message)
    return 0


def cmd_appointments_list(_args: argparse.Namespace) -> int:
    clock = SystemClock()
    with admin_services() as admin:
        leases = AppointmentService(admin.uow, clock).open_appointments()
    now = clock.now()
    if not leases:
        _out("Aucun rendez-vous en cours.")
    for lease in leases:
        silent = int((now - lease.heartbeat_at).total_seconds() // 60)
        _out(
            f"{lease.dossier_ref}  kiosque {lease.kiosk}  {lease.agent_name} ({lease.agent})  "
            f"depuis {lease.since(now)}  sans nouvelles depuis {silent} min"
        )
    return 0


def cmd_appointments_release(args: argparse.Namespace) -> int:
    with admin_services() as admin:
        lease = AppointmentService(admin.uow, SystemClock()).release(args.reference, None)
    _out(
        f"Dossier {lease.dossier_ref} libéré (il était tenu par le kiosque {lease.kiosk}, "
        f"{lease.agent_name}). L'opération est inscrite au journal d'audit."
    )
    return 0


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    command: Callable[
        [argparse._SubParsersAction[argparse.ArgumentParser], str, str, Handler],
        argparse.ArgumentParser,
    ],
) -> None:
    command(commands, "doctor", "vérifie que le kiosque est prêt (configuration, base, "
            "supports, lecteur, AC, clé d'audit)", cmd_doctor)  # fmt: skip
    saved = command(commands, "backup", "sauvegarde le dossier du kiosque", cmd_backup)
    saved.add_argument("destination", metavar="DOSSIER", help="dossier neuf ou vide")
    back = command(commands, "restore", "restaure le dossier du kiosque", cmd_restore)
    back.add_argument("source", metavar="SAUVEGARDE")
    back.add_argument(
        "--force", action="store_true", help="remplace un dossier existant (conservé à côté)"
    )
    group = commands.add_parser("appointments", help="rendez-vous en cours").add_subparsers(
        metavar="ACTION", required=True
    )
    command(group, "list", "liste les rendez-vous ouverts sur les kiosques", cmd_appointments_list)
    release = command(
        group, "release", "libère un dossier tenu par un kiosque disparu", cmd_appointments_release
    )
    release.add_argument("reference", metavar="DOSSIER")
