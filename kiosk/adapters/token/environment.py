"""What a PKCS#11 module needs from the process environment before it is first loaded."""

from __future__ import annotations

import os
from pathlib import Path

SOFTHSM_CONF_ENV = "SOFTHSM2_CONF"


def use_softhsm_conf(conf: Path | None) -> None:
    """Point SoftHSM at the kiosk's token folder. SoftHSM reads its configuration once,
    when the module is initialised, so this must run before the first token call; an
    explicit ``SOFTHSM2_CONF`` in the environment is left as it is."""
    if conf is not None:
        os.environ.setdefault(SOFTHSM_CONF_ENV, str(conf))


def write_softhsm_conf(folder: Path) -> Path:
    """A private SoftHSM configuration whose tokens live in ``folder/tokens``."""
    tokens = folder / "tokens"
    tokens.mkdir(mode=0o700, parents=True, exist_ok=True)
    conf = folder / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n",
        encoding="utf-8",
    )
    return conf
