"""``kiosk``: the TUI and the administrator's and auditor's commands.

Exit codes: 0 success; 1 refused or failed (the French reason on stderr); 2 invalid
configuration (one line naming the setting).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from kiosk.adapters.db.migrate import head_revision, upgrade
from kiosk.admin import admin_services
from kiosk.audit_cli import register as register_audit
from kiosk.config import load_settings
from kiosk.domain.errors import ConfigError, KioskError, ValidationError
from kiosk.ops_cli import register as register_operations
from kiosk.services.agents import parse_role

Handler = Callable[[argparse.Namespace], int]


def _out(text: str) -> None:
    print(text, flush=True)


def cmd_run(_args: argparse.Namespace) -> int:
    from kiosk.bootstrap import make_app

    make_app(load_settings()).run()
    return 0


def cmd_db_upgrade(_args: argparse.Namespace) -> int:
    settings = load_settings()
    upgrade(settings.database_url)
    _out(f"Base de données à jour (révision {head_revision()}).")
    return 0


def cmd_dossiers_import(args: argparse.Namespace) -> int:
    with admin_services() as admin:
        report = admin.importer().import_file(Path(args.file))
    _out(f"Import des dossiers terminé : {report.message}")
    return 0


def cmd_offices_import(args: argparse.Namespace) -> int:
    with admin_services() as admin:
        report = admin.importer().import_offices(Path(args.file))
    _out(f"Import des bureaux de retrait terminé : {report.message}")
    return 0


def cmd_products_import(args: argparse.Namespace) -> int:
    with admin_services() as admin:
        report = admin.importer().import_products(Path(args.file))
    _out(f"Import des produits terminé : {report.message}")
    return 0


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Mot de passe (12 caractères au moins) : ")
    if getpass.getpass("Confirmez le mot de passe : ") != first:
        raise ValidationError("Les deux saisies du mot de passe ne correspondent pas.")
    return first


def cmd_agents_add(args: argparse.Namespace) -> int:
    role = parse_role(args.role)
    with admin_services() as admin:
        password = _read_password(args.password_stdin)
        agent = admin.agents().add(args.login, args.name, role, args.office, password)
    _out(f"Agent « {agent.login} » ajouté : {agent.role.label}, bureau {agent.office_code}.")
    return 0


def cmd_demo_init(args: argparse.Namespace) -> int:
    from kiosk.demo import init_demo

    home = Path(os.environ.get("KIOSK_HOME", "var/demo")).expanduser().resolve()
    for line in init_demo(home, force=args.force):
        _out(line)
    return 0


def cmd_demo_history(args: argparse.Namespace) -> int:
    from kiosk.demo_history import add_history

    with admin_services() as admin:
        _out(add_history(admin.uow.engine, args.events, days=args.days).message)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk",
        description="Remise en face-à-face des certificats de signature (bureau de retrait CCI).",
        add_help=False,
    )
    parser.add_argument("-h", "--help", action="help", help="affiche cette aide")
    commands = parser.add_subparsers(title="commandes", metavar="COMMANDE", required=True)

    def command(
        group: argparse._SubParsersAction[argparse.ArgumentParser],
        name: str,
        help_text: str,
        handler: Handler,
    ) -> argparse.ArgumentParser:
        sub = group.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    command(commands, "run", "lance le kiosque (interface plein écran)", cmd_run)

    demo = commands.add_parser("demo", help="dossier de démonstration").add_subparsers(
        metavar="ACTION", required=True
    )
    init = command(demo, "init", "crée le dossier de démonstration (var/demo)", cmd_demo_init)
    init.add_argument("--force", action="store_true", help="recrée le dossier s'il existe")
    history = command(
        demo, "history", "ajoute un historique d'audit réaliste (60 jours)", cmd_demo_history
    )
    history.add_argument("--events", type=int, default=3000, metavar="N")
    history.add_argument("--days", type=int, default=60, metavar="JOURS")

    db = commands.add_parser("db", help="base de données").add_subparsers(
        metavar="ACTION", required=True
    )
    command(db, "upgrade", "applique les migrations de la base", cmd_db_upgrade)

    for noun, help_text, handler in (
        ("dossiers", "importe des dossiers (JSON), tout ou rien", cmd_dossiers_import),
        ("offices", "importe les bureaux de retrait (JSON)", cmd_offices_import),
        ("products", "importe les produits (JSON)", cmd_products_import),
    ):
        group = commands.add_parser(noun, help=help_text).add_subparsers(
            metavar="ACTION", required=True
        )
        command(group, "import", help_text, handler).add_argument("file", metavar="FICHIER")

    agents = commands.add_parser("agents", help="agents du bureau").add_subparsers(
        metavar="ACTION", required=True
    )
    add = command(agents, "add", "ajoute un agent (mot de passe demandé deux fois)", cmd_agents_add)
    add.add_argument("login", metavar="IDENTIFIANT")
    add.add_argument("--role", required=True, choices=["agent", "auditor", "admin"])
    add.add_argument("--office", required=True, metavar="CODE", help="bureau, ex. BREST")
    add.add_argument("--name", required=True, metavar="NOM", help="nom affiché")
    add.add_argument(
        "--password-stdin", action="store_true", help="lit le mot de passe sur l'entrée standard"
    )

    audit = commands.add_parser("audit", help="journal d'audit").add_subparsers(
        metavar="ACTION", required=True
    )
    register_audit(lambda name, text, handler: command(audit, name, text, handler))
    register_operations(commands, command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except ConfigError as exc:
        print(" ".join(exc.message.split()), file=sys.stderr)
        return 2
    except KioskError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrompu.", file=sys.stderr)
        return 130
