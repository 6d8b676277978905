"""A private SoftHSM for the personalisation bench, and a drawer that keeps it small.

SoftHSM reads ``SOFTHSM2_CONF`` once, when the module is first loaded in the process, and
python-pkcs11 keeps that module loaded: the configuration is set before anything loads
it, and the bench refuses to run if something already has (its tokens would be someone
else's). The folder is removed at the end.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kiosk.config import DEFAULT_PKCS11_MODULE

MODULE = DEFAULT_PKCS11_MODULE
_CONF = "SOFTHSM2_CONF"


def _module_loaded() -> bool:
    maps = Path("/proc/self/maps")
    return maps.exists() and Path(MODULE).name in maps.read_text(encoding="utf-8", errors="replace")


@contextmanager
def private_softhsm(folder: Path) -> Iterator[Path]:
    """A token directory of this process's own; yields it."""
    if _module_loaded():
        raise RuntimeError(f"{MODULE} is already loaded: {_CONF} can no longer be chosen")
    base = Path(tempfile.mkdtemp(prefix="softhsm-", dir=folder))
    tokens = base / "tokens"
    tokens.mkdir()
    conf = base / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {tokens}\n"
        "objectstore.backend = file\n"
        "log.level = ERROR\n"
        "slots.removable = false\n",
        encoding="utf-8",
    )
    previous = os.environ.get(_CONF)
    os.environ[_CONF] = str(conf)
    try:
        yield tokens
    finally:
        if previous is None:
            os.environ.pop(_CONF, None)
        else:
            os.environ[_CONF] = previous
        shutil.rmtree(base)


class TokenDrawer:
    """Drops the tokens a run made, so that every run meets the same slots (the CA's token
    and one blank), as a kiosk with one token inserted does: slot scans cost a few ms per
    token, and would otherwise grow with every run."""

    def __init__(self, tokens: Path) -> None:
        self._tokens = tokens
        self._keep = set(tokens.iterdir())

    def drop_new(self) -> None:
        """Only between runs: reloading the module ends every session of the process."""
        from kiosk.adapters.token.library import Pkcs11Library

        for made in set(self._tokens.iterdir()) - self._keep:
            shutil.rmtree(made)
        # SoftHSM reads its token folder only when initialised.
        lib = Pkcs11Library.shared(MODULE).lib
        lib.reinitialize()
        present = len(lib.get_slots(token_present=True))
        assert present == len(self._keep) + 1, f"{present} slots: tokens were not dropped"
