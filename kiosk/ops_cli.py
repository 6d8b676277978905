"""The operator's commands (registered by ``kiosk.cli``):

kiosk doctor                      is this kiosk ready? (exit 0 only if every check passes)
kiosk backup DEST                 the home, with a consistent copy of the SQLite database
kiosk restore SRC [--force]       the home back from a backup (verified first)
kiosk appointments list           appointments open on the kiosks sharing the database
kiosk appointments release REF    free a dossier a vanished kiosk still holds (audited)
kiosk revocations list            revocation requests still to act on (the back office's)
kiosk revocations publish         ask the CA to revoke the confirmed ones (each audited)
kiosk revocations close N --note  a request the back office settled itself (audited)
"""

from __future__ import annotations

import argparse
import getpass
import os
from collections.abc import Callable
from pathlib import Path

from kiosk.adapters.clock import SystemClock
from kiosk.admin import admin_services
from kiosk.config import load_settings
from kiosk.domain.offices import OFFICES_TZ
from kiosk.domain.personalisation_journal import RevocationRequest
from kiosk.services.appointment import AppointmentService
from kiosk.services.revocation_backlog import state_of

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


def _request_line(request: RevocationRequest) -> str:
    named = (
        f"certificat {request.certificate_serial}"
        if request.certificate_serial
        else f"clé SHA-256 {request.public_key_sha256}"
    )
    since = request.requested_at.astimezone(OFFICES_TZ).strftime("%d/%m/%Y %H:%M")
    return (
        f"n° {request.id}  {request.dossier_ref}  {named}  (depuis le {since})\n"
        f"    {state_of(request)}\n    motif : {request.reason}"
    )


def cmd_revocations_list(_args: argparse.Namespace) -> int:
    with admin_services() as admin:
        requests = admin.revocation_backlog(with_authority=False).open_requests()
    if not requests:
        _out("Aucune demande de révocation en cours.")
    for request in requests:
        _out(_request_line(request))
    return 0


def cmd_revocations_publish(_args: argparse.Namespace) -> int:
    operator = f"système:{getpass.getuser()}"[:32]
    with admin_services() as admin:
        report = admin.revocation_backlog(with_authority=True).publish(operator)
    for request in report.published:
        _out(f"Révoqué par l'AC : {_request_line(request).splitlines()[0]}")
    for request, problem in report.refused:
        _out(f"Non révoqué : {_request_line(request).splitlines()[0]}\n    {problem}")
    if not (report.published or report.refused or report.left):
        _out("Aucune révocation à publier.")
        return 0
    _out(
        f"{len(report.published)} révocation(s) publiée(s), {len(report.refused)} en échec, "
        f"{len(report.left)} à traiter par le back-office (kiosk revocations list)."
    )
    return 1 if report.refused else 0


def cmd_revocations_close(args: argparse.Namespace) -> int:
    operator = f"système:{getpass.getuser()}"[:32]
    with admin_services() as admin:
        closed = admin.revocation_backlog(with_authority=False).close(
            args.request, operator, args.note
        )
    _out(
        f"Demande n° {closed.id} ({closed.dossier_ref}) close : {' '.join(args.note.split())}. "
        "L'opération est inscrite au journal d'audit."
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
    revocations = commands.add_parser(
        "revocations", help="demandes de révocation (back-office)"
    ).add_subparsers(metavar="ACTION", required=True)
    command(revocations, "list", "demandes de révocation encore à traiter", cmd_revocations_list)
    command(
        revocations,
        "publish",
        "demande à l'AC de révoquer les certificats confirmés (chaque demande est auditée)",
        cmd_revocations_publish,
    )
    close = command(
        revocations,
        "close",
        "clôt une demande traitée par le back-office lui-même (auditée)",
        cmd_revocations_close,
    )
    close.add_argument("request", type=int, metavar="N", help="n° de la demande (list)")
    close.add_argument("--note", required=True, metavar="TEXTE", help="ce qui a été fait")
