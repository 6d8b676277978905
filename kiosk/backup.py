"""``kiosk backup DEST`` and ``kiosk restore SRC``: the kiosk's home, whole, in a folder.

The SQLite database is copied with SQLite's online backup API (a consistent copy while
the kiosk runs), then checked; every other file of the home is copied as it is: site key,
kiosk.toml, CA folder, audit key description, the back office's *public* escrow key,
SoftHSM tokens, receipts. A manifest lists each file with its SHA-256, and a restore
refuses a backup that does not match it. Nothing outside the home is copied: the back
office's private escrow key is never there, and a private key found in the escrow folder
is left out.

A PostgreSQL database is not in the home: the backup says so, and the operator dumps it
with ``pg_dump`` (docs/deployment.md).

A restore never deletes: the home it replaces (``--force``) is renamed beside it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from kiosk.config import Settings
from kiosk.domain.errors import IntegrityError, StateError, StorageError, ValidationError

MANIFEST = "kiosk-backup.json"
FORMAT = 1
DATABASE_FILE = "kiosk.db"


@dataclass(frozen=True)
class BackupReport:
    folder: Path
    files: int
    database: str  # "sqlite" (inside) or "postgresql" (dump it separately)

    @property
    def message(self) -> str:
        text = f"Sauvegarde faite dans {self.folder} : {self.files} fichier(s)"
        if self.database == "sqlite":
            return text + ", base SQLite comprise (copie cohérente, vérifiée)."
        return text + ". La base PostgreSQL n'en fait pas partie : sauvegardez-la avec pg_dump."


@dataclass(frozen=True)
class RestoreReport:
    home: Path
    files: int
    set_aside: Path | None

    @property
    def message(self) -> str:
        text = f"Dossier du kiosque restauré dans {self.home} ({self.files} fichier(s) vérifiés)."
        if self.set_aside is not None:
            text += f" L'ancien dossier est conservé dans {self.set_aside}."
        return text + " Vérifiez ensuite : kiosk audit verify, puis kiosk doctor."


def _sqlite_path(settings: Settings) -> Path | None:
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        return None
    return Path(url.database).expanduser().resolve()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _is_private_key(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return b"PRIVATE KEY" in handle.read(4096)
    except OSError:
        return False


def _home_files(home: Path, database: Path | None) -> Iterator[Path]:
    """Files of the home to copy as they are (relative paths)."""
    skipped = set()
    if database is not None:
        skipped = {database, Path(f"{database}-wal"), Path(f"{database}-shm")}
    for path in sorted(home.rglob("*")):
        if path.is_symlink() or not path.is_file() or path.resolve() in skipped:
            continue
        relative = path.relative_to(home)
        if relative.parts[0] == "escrow" and _is_private_key(path):
            continue  # the back office's private key never travels with the kiosk
        if path.name.endswith(".lock"):
            continue
        yield relative


def _copy_database(source: Path, target: Path) -> None:
    try:
        origin = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        copy = sqlite3.connect(target)
        try:
            origin.backup(copy)  # pages copied under SQLite's locks: a consistent snapshot
            (verdict,) = copy.execute("PRAGMA integrity_check").fetchone()
        finally:
            copy.close()
            origin.close()
    except sqlite3.Error as exc:
        message = f"Copie de la base impossible ({exc}) : rien n'a été sauvegardé."
        raise StorageError(message) from exc
    if verdict != "ok":
        raise IntegrityError(f"La base copiée ne se vérifie pas ({verdict}).")


def _empty_or_absent(folder: Path) -> bool:
    return not folder.exists() or (folder.is_dir() and not any(folder.iterdir()))


def backup(settings: Settings, destination: Path) -> BackupReport:
    home = settings.home
    destination = destination.expanduser().resolve()
    if destination == home or home in destination.parents:
        raise ValidationError("La sauvegarde doit être écrite hors du dossier du kiosque.")
    if not _empty_or_absent(destination):
        raise ValidationError(f"{destination} n'est pas vide : choisissez un dossier neuf.")
    database = _sqlite_path(settings)
    destination.mkdir(mode=0o700, parents=True, exist_ok=True)
    destination.chmod(0o700)
    files: dict[str, str] = {}
    try:
        if database is not None:
            _copy_database(database, destination / DATABASE_FILE)
            files[DATABASE_FILE] = _sha256(destination / DATABASE_FILE)
        for relative in _home_files(home, database):
            target = destination / relative
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            shutil.copy2(home / relative, target)
            files[str(relative)] = _sha256(target)
    except OSError as exc:
        raise StorageError(f"Écriture de la sauvegarde impossible : {exc.strerror}.") from exc
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "home": str(home),
        "site": settings.site,
        "kiosk_id": settings.kiosk_id,
        "database": "sqlite" if database is not None else "postgresql",
        "files": files,
    }
    (destination / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return BackupReport(destination, len(files), "sqlite" if database else "postgresql")


def _read_manifest(source: Path) -> dict[str, object]:
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        message = f"{source} n'est pas une sauvegarde du kiosque ({MANIFEST} illisible)."
        raise ValidationError(message) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValidationError(f"Format de sauvegarde inconnu dans {source}.")
    return manifest


def _verified_files(source: Path, manifest: dict[str, object]) -> dict[str, str]:
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise ValidationError(f"Sauvegarde incomplète : {MANIFEST} ne liste aucun fichier.")
    for relative, digest in files.items():
        path = source / relative
        if ".." in Path(relative).parts or not path.is_file() or _sha256(path) != digest:
            raise IntegrityError(
                f"La sauvegarde est altérée ou incomplète ({relative}) : rien n'a été restauré."
            )
    return {str(k): str(v) for k, v in files.items()}


def restore(source: Path, home: Path, *, force: bool = False) -> RestoreReport:
    source, home = source.expanduser().resolve(), home.expanduser().resolve()
    manifest = _read_manifest(source)
    files = _verified_files(source, manifest)
    if not _empty_or_absent(home) and not force:
        raise StateError(
            f"{home} n'est pas vide : rien n'a été restauré. « kiosk restore --force » le "
            "remplace (l'ancien dossier est conservé à côté)."
        )
    staging = home.with_name(f".{home.name}.restoring")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir(mode=0o700, parents=True)
        for relative in files:
            target = staging / relative
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            shutil.copy2(source / relative, target)
        _relocate(staging, Path(str(manifest.get("home", home))), home)
        set_aside = None
        if home.exists():
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
            set_aside = home.with_name(f"{home.name}.before-restore-{stamp}")
            home.rename(set_aside)
        staging.rename(home)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise StorageError(f"Restauration impossible : {exc.strerror}.") from exc
    home.chmod(0o700)
    return RestoreReport(home, len(files), set_aside)


def _relocate(staging: Path, old_home: Path, new_home: Path) -> None:
    """A home restored elsewhere: the absolute paths of its SoftHSM files follow it."""
    if old_home == new_home:
        return
    for relative in ("kiosk.toml", "softhsm/softhsm2.conf"):
        path = staging / relative
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace(str(old_home), str(new_home)), encoding="utf-8")
