"""``kiosk doctor``: is this kiosk ready to receive holders? Each check prints « ✓ » or
« ✗ », one plain French sentence, and for a failure what to do. The exit code is 0 only
when every check passed.

The checks read and load, and write nothing: configuration, the kiosk's folder and its
site key, the database (reachable, migrated, the office known), free disk space, the
PKCS#11 module, the card reader daemon, the certification authority (embedded, or a CMP
server that must answer a general message), the SO PIN escrow key, and the audit key. A
check never raises: whatever goes wrong is its « ✗ ».
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import make_url

from kiosk.config import Settings, load_settings
from kiosk.doctor.authority import check_ca
from kiosk.doctor.devices import (
    check_audit_key,
    check_escrow,
    check_pkcs11,
    check_reader,
)
from kiosk.doctor.findings import Check, Finding, failed, passed
from kiosk.domain.errors import ConfigError, KioskError, StorageError

MIN_FREE_BYTES = 200 * 1024 * 1024


def _guarded(topic: str, check: Check, settings: Settings) -> Finding:
    try:
        return check(settings)
    except KioskError as exc:
        return failed(topic, exc.message, "Corrigez la cause indiquée, puis relancez le contrôle.")
    except Exception as exc:
        return failed(
            topic,
            f"contrôle impossible ({type(exc).__name__}).",
            "Relancez avec les droits de l'utilisateur du kiosque ; signalez l'erreur si elle "
            "persiste.",
        )


def check_home(settings: Settings) -> Finding:
    topic, home = "Dossier du kiosque", settings.home
    if not home.is_dir():
        return failed(
            topic,
            f"{home} n'existe pas.",
            "Restaurez une sauvegarde (kiosk restore) ou créez le dossier (kiosk demo init "
            "pour une démonstration).",
        )
    info = home.stat()
    if info.st_uid != os.geteuid():
        return failed(
            topic,
            f"{home} appartient à un autre utilisateur que celui du kiosque.",
            f"chown -R {_user()} {home}",
        )
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        return failed(
            topic,
            f"{home} est lisible par d'autres utilisateurs (droits {mode:04o}).",
            f"chmod 700 {home}",
        )
    key = settings.site_secret_file
    try:
        settings.site_secret()
    except ConfigError as exc:
        return failed(topic, exc.message, "Restaurez secrets/site.key depuis une sauvegarde.")
    if stat.S_IMODE(key.stat().st_mode) & 0o077:
        return failed(topic, f"{key} est lisible par d'autres utilisateurs.", f"chmod 600 {key}")
    return passed(topic, f"{home} réservé à {_user()}, clé du site présente.")


def _user() -> str:
    import pwd

    return pwd.getpwuid(os.geteuid()).pw_name


_REACH_DATABASE = (
    "Vérifiez que le serveur de base de données est démarré et joignable depuis ce poste "
    "(PostgreSQL : systemctl status postgresql, pg_isready), et database_url dans kiosk.toml."
)


def check_database(settings: Settings) -> Finding:
    from kiosk.adapters.db.engine import make_engine
    from kiosk.adapters.db.migrate import current_revision, head_revision
    from kiosk.adapters.db.uow import SqlUnitOfWorkFactory

    topic = "Base de données"
    shown = make_url(settings.database_url).render_as_string(hide_password=True)
    engine = make_engine(settings.database_url)
    try:
        try:
            current, head = current_revision(engine), head_revision()
        except StorageError as exc:
            return failed(topic, f"{shown} : {exc.message}", _REACH_DATABASE)
        if current is None:
            return failed(topic, f"{shown} n'est pas initialisée.", "kiosk db upgrade")
        if current != head:
            return failed(
                topic,
                f"{shown} est à la révision {current}, le kiosque attend la {head}.",
                "Sauvegardez (kiosk backup DOSSIER), puis lancez « kiosk db upgrade ».",
            )
        uow = SqlUnitOfWorkFactory(engine, site=settings.site, kiosk_id=settings.kiosk_id)
        with uow() as tx:
            office = tx.offices.get(settings.site)
            dossiers = tx.dossiers.count()
            interrupted = len(tx.appointments.open_leases(settings.kiosk_id))
    finally:
        engine.dispose()
    if office is None:
        return failed(
            topic,
            f"le bureau {settings.site} n'est pas dans la base {shown}.",
            "kiosk offices import FICHIER (le fichier des bureaux du back-office).",
        )
    note = f", {interrupted} rendez-vous interrompu(s) à reprendre" if interrupted else ""
    return passed(topic, f"{shown} à jour (révision {head}), {dossiers} dossier(s){note}.")


def check_disk(settings: Settings) -> Finding:
    topic = "Espace disque"
    folders = {settings.home}
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        folders.add(Path(url.database).expanduser().resolve().parent)
    for folder in sorted(folders):
        free = shutil.disk_usage(folder).free
        if free < MIN_FREE_BYTES:
            return failed(
                topic,
                f"il reste {free // 2**20} Mo sur le disque de {folder} : la base et les reçus "
                "risquent de ne plus pouvoir être écrits.",
                "Libérez de la place (reçus archivés ailleurs, journaux système).",
            )
    return passed(topic, f"{shutil.disk_usage(settings.home).free // 2**30} Go libres.")


CHECKS: tuple[tuple[str, Check], ...] = (
    ("Dossier du kiosque", check_home),
    ("Base de données", check_database),
    ("Espace disque", check_disk),
    ("Module PKCS#11", check_pkcs11),
    ("Lecteur de cartes", check_reader),
    ("Autorité de certification", check_ca),
    ("Séquestre des codes PIN", check_escrow),
    ("Clé d'audit", check_audit_key),
)


def diagnose(env: Mapping[str, str] | None = None) -> list[Finding]:
    """Every check, in order; the configuration first (the others need it)."""
    try:
        settings = load_settings(env)
    except ConfigError as exc:
        return [
            failed(
                "Configuration",
                " ".join(exc.message.split()),
                "Corrigez ce réglage dans kiosk.toml ou dans la variable KIOSK_… qui le fixe.",
            )
        ]
    found = [configuration(settings)]
    found += [_guarded(topic, check, settings) for topic, check in CHECKS]
    return found


def configuration(settings: Settings) -> Finding:
    """The settings read: the office, the kiosk, its folder, and the PIN rules in force,
    to compare with the tokens in the drawer."""
    pin = settings.pin.policy()
    return passed(
        "Configuration",
        f"bureau {settings.site}, kiosque {settings.kiosk_id}, dossier {settings.home} ; "
        f"code PIN du titulaire : de {pin.min_length} à {pin.max_length} {pin.unit}.",
    )
