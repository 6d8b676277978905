"""Write a file so that it is either whole on disk or absent, never half written.

The bytes go to a hidden temporary file in the target folder, are flushed to the disk
(fsync), then linked under their final name, and the folder is synced so the name itself
survives a power cut. An existing file of the same name is never replaced: writing the
same bytes again returns it (a retry), other bytes are refused.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from kiosk.domain.errors import StorageError

_DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


NOT_STORED = "Le PV n'a pas pu être enregistré"


def write_atomically(folder: Path, name: str, data: bytes, *, not_stored: str = NOT_STORED) -> Path:
    """Store ``data`` as ``folder/name``; StorageError (French: ``not_stored`` dans
    ``folder``, and why) if the disk refuses."""
    target = folder / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    except OSError as exc:
        raise _storage_error(exc, folder, not_stored) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        _publish(tmp, target, data)
        _sync_folder(folder)
    except OSError as exc:
        raise _storage_error(exc, folder, not_stored) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return target


def _publish(tmp: Path, target: Path, data: bytes) -> None:
    try:
        os.link(tmp, target)  # fails if target exists: never overwrite a receipt
    except FileExistsError:
        if target.read_bytes() != data:
            raise StorageError(
                f"Un autre fichier porte déjà le nom {target.name} dans {target.parent} :"
                " il n'a pas été remplacé."
            ) from None
    except OSError as exc:
        if exc.errno not in {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV}:
            raise
        # A folder without hard links (FAT, some network shares): check, then rename.
        if target.exists():
            raise StorageError(
                f"Un fichier porte déjà le nom {target.name} dans {target.parent} :"
                " il n'a pas été remplacé."
            ) from None
        os.replace(tmp, target)


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _storage_error(exc: OSError, folder: Path, not_stored: str) -> StorageError:
    if exc.errno in _DISK_FULL:
        reason = "le disque est plein"
    elif exc.errno in {errno.EACCES, errno.EPERM, errno.EROFS}:
        reason = "le dossier n'est pas accessible en écriture"
    elif exc.errno in {errno.ENOTDIR, errno.EEXIST}:
        reason = "ce chemin n'est pas un dossier"
    else:
        reason = f"erreur du système de fichiers ({exc.strerror or exc.__class__.__name__})"
    return StorageError(f"{not_stored} dans {folder} : {reason}.")
