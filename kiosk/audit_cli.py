"""``kiosk audit …``: the auditor's and the administrator's commands on the tamper-evident
audit log (registered by ``kiosk.cli``).

    kiosk audit verify [--checkpoint FILE]…        chain, tree, checkpoints, personal data
    kiosk audit verify --offline FILE --key PEM    an export or a proof, without the database
    kiosk audit checkpoint [--out FILE] [--if-due] sign and store a checkpoint
    kiosk audit prove --seq N [--checkpoint FILE] [--out FILE]
    kiosk audit consistency OLD NEW
    kiosk audit export --format csv|jsonl [--from DATE] [--to DATE] [--personal] OUT
    kiosk audit create-key                         the audit key, on a blank token (once)
    kiosk audit export-key [--out FILE]
    kiosk audit erase-personal [--older-than 12m]

Exit codes as for every command: 0 when all verifies or was done, 1 refused or failed,
2 invalid configuration.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path

from kiosk.admin import admin_services
from kiosk.domain.errors import StorageError, ValidationError
from kiosk.services.audit_export import FORMATS, Period
from kiosk.services.audit_integrity import HeldCheckpoint
from kiosk.services.audit_retention import parse_months

Handler = Callable[[argparse.Namespace], int]
Register = Callable[[str, str, Handler], argparse.ArgumentParser]


def _out(text: str) -> None:
    print(text, flush=True)


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"Fichier illisible : {path}.") from exc


def write_file(path: Path, chunks: Iterable[str], mode: int = 0o644) -> None:
    """Whole or absent: written beside, then renamed over ``path``."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise StorageError(f"Écriture impossible : {path} ({exc.strerror}).") from exc
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def parse_day(text: str) -> date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValidationError(f"Date invalide « {text} » : AAAA-MM-JJ ou JJ/MM/AAAA attendu.")


def cmd_verify(args: argparse.Namespace) -> int:
    if args.offline is not None:
        from kiosk.audit_offline import verify_offline

        if args.key is None:
            raise ValidationError("--offline demande la clé publique du kiosque : --key FICHIER.")
        verdict = verify_offline(args.offline, args.key, args.event_hash, args.seq)
        for line in verdict.lines:
            _out(line)
        return 0 if verdict.ok else 1
    held = [HeldCheckpoint(path, read_text(Path(path))) for path in args.checkpoint]
    with admin_services() as admin:
        report = admin.audit_integrity().verify(held)
    for line in report.lines:
        _out(line)
    return 0 if report.ok else 1


def cmd_checkpoint(args: argparse.Namespace) -> int:
    with admin_services() as admin:
        checkpoints = admin.audit_checkpoints()
        made = checkpoints.make_if_due() if args.if_due else checkpoints.make()
    if made is None:
        _out("Aucun point de contrôle dû : rien à signer.")
        return 0
    if args.out is None:
        sys.stdout.write(made.text)
        return 0
    write_file(Path(args.out), [made.text])
    _out(f"Point de contrôle signé et enregistré : {made.checkpoint.describe()} → {args.out}")
    return 0


def cmd_prove(args: argparse.Namespace) -> int:
    held = read_text(Path(args.checkpoint)) if args.checkpoint else None
    with admin_services() as admin:
        proof = admin.audit_proofs().inclusion(args.seq, held)
    if args.out is None:
        sys.stdout.write(proof.text)
        return 0
    write_file(Path(args.out), [proof.text])
    _out(
        f"Preuve d'inclusion de l'événement n° {args.seq} (empreinte {proof.event.hash}) "
        f"sous le {proof.checkpoint.describe()} → {args.out}"
    )
    return 0


def cmd_consistency(args: argparse.Namespace) -> int:
    older, newer = read_text(Path(args.old)), read_text(Path(args.new))
    with admin_services() as admin:
        proof = admin.audit_proofs().consistency(older, newer)
    _out(proof.message)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    period = Period(
        parse_day(args.start) if args.start else None, parse_day(args.end) if args.end else None
    )
    out = Path(args.out)
    with admin_services() as admin:
        exporter = admin.audit_export()
        if exporter.uncovered(period):
            admin.audit_checkpoints().make()  # the period's last events, signed too
        stream = exporter.stream(args.format, period, personal=args.personal)
        write_file(out, stream.lines, 0o600 if args.personal else 0o644)
    if args.format == "csv":
        write_file(out.with_name(out.name + ".checkpoint"), [stream.checkpoint_text])
    extent = f"événements n° {stream.first_seq} à n° {stream.last_seq}" if stream.count else "aucun"
    _out(
        f"Export {args.format} écrit : {out} ({stream.count} événement(s), {extent}), "
        f"sous le {stream.checkpoint.describe()}."
    )
    return 0


def cmd_export_key(args: argparse.Namespace) -> int:
    with admin_services() as admin:
        pem = admin.audit_key_pem()
    if args.out is None:
        sys.stdout.write(pem.decode("ascii"))
        return 0
    write_file(Path(args.out), [pem.decode("ascii")])
    _out(f"Clé publique d'audit exportée : {args.out}")
    return 0


def cmd_create_key(_args: argparse.Namespace) -> int:
    with admin_services() as admin:
        audit = admin.create_audit_key()
    _out(
        f"Clé d'audit (ECDSA P-256) créée sur le support {audit.token_label} ; clé publique "
        f"à remettre aux auditeurs : {audit.public_key_file}"
    )
    return 0


def cmd_erase_personal(args: argparse.Namespace) -> int:
    months = parse_months(args.older_than) if args.older_than else None
    with admin_services() as admin:
        erasure = admin.personal_retention().erase(months)
    _out(erasure.message)
    return 0


def register(command: Register) -> None:
    """Add the audit subcommands through ``kiosk.cli``'s ``command`` helper."""
    verify = command(
        "verify",
        "vérifie le journal d'audit : chaînage, arbre de Merkle, points de contrôle signés",
        cmd_verify,
    )
    verify.add_argument(
        "--checkpoint",
        action="append",
        default=[],
        metavar="FICHIER",
        help="point de contrôle détenu par l'auditeur : le journal doit le prolonger",
    )
    verify.add_argument(
        "--offline",
        metavar="FICHIER",
        help="vérifie un export (csv, jsonl) ou une preuve sans la base de données",
    )
    verify.add_argument("--key", metavar="PEM", help="clé publique d'audit du kiosque")
    verify.add_argument(
        "--event-hash", metavar="EMPREINTE", help="empreinte de l'événement (code QR du PV)"
    )
    verify.add_argument("--seq", type=int, metavar="N", help="numéro de l'événement (code QR)")

    checkpoint = command(
        "checkpoint", "signe et enregistre un point de contrôle du journal", cmd_checkpoint
    )
    checkpoint.add_argument("--out", metavar="FICHIER", help="écrit le point de contrôle")
    checkpoint.add_argument(
        "--if-due",
        action="store_true",
        help="seulement s'il est dû (tous les N événements ou T minutes) : pour un minuteur",
    )

    prove = command("prove", "preuve d'inclusion d'un événement (fichier tlog-proof)", cmd_prove)
    prove.add_argument("--seq", type=int, required=True, metavar="N", help="numéro d'événement")
    prove.add_argument("--checkpoint", metavar="FICHIER", help="point de contrôle de l'auditeur")
    prove.add_argument("--out", metavar="FICHIER", help="écrit la preuve dans ce fichier")

    consistency = command(
        "consistency", "prouve qu'un point de contrôle prolonge un autre", cmd_consistency
    )
    consistency.add_argument("old", metavar="ANCIEN")
    consistency.add_argument("new", metavar="RÉCENT")

    export = command("export", "exporte le journal avec ses preuves (csv, jsonl)", cmd_export)
    export.add_argument("--format", required=True, choices=FORMATS)
    export.add_argument("--from", dest="start", metavar="DATE", help="premier jour (inclus)")
    export.add_argument("--to", dest="end", metavar="DATE", help="dernier jour (inclus)")
    export.add_argument(
        "--personal", action="store_true", help="joint les données personnelles (jsonl)"
    )
    export.add_argument("out", metavar="FICHIER")

    command(
        "create-key", "crée la clé d'audit sur un support vierge (une seule fois)", cmd_create_key
    )
    key = command("export-key", "exporte la clé publique d'audit (PEM)", cmd_export_key)
    key.add_argument("--out", metavar="FICHIER")

    erase = command(
        "erase-personal", "efface les données personnelles anciennes du journal", cmd_erase_personal
    )
    erase.add_argument(
        "--older-than", metavar="DURÉE", help="ancienneté en mois, ex. 12m (défaut : réglage)"
    )
