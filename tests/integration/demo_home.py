"""A demo home built by ``kiosk demo init``, and the ``kiosk`` command run on it, each in a
process of its own: the demo loads SoftHSM with its own configuration, which must not be
this test process's (``softhsm_env`` sets it once per process).

Import the fixture explicitly: ``from tests.integration.demo_home import demo_home``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.db_env import FAST_ARGON_ENV

REPOSITORY = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


@dataclass(frozen=True)
class DemoHome:
    home: Path

    @property
    def back_office(self) -> Path:
        return self.home.parent / f"{self.home.name}-back-office"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
        env.pop("SOFTHSM2_CONF", None)  # the home's own, from its kiosk.toml
        return {**env, **FAST_ARGON_ENV, "KIOSK_HOME": str(self.home), **extra}

    def kiosk(self, *args: str, **extra_env: str) -> Run:
        return self.python("-m", "kiosk", *args, **extra_env)

    def python(self, *args: str, **extra_env: str) -> Run:
        """``python ARGS`` on the home, in the repository (tests.* importable)."""
        done = subprocess.run(
            [sys.executable, *args],
            cwd=REPOSITORY,
            env=self.env(**extra_env),
            capture_output=True,
            timeout=300,
            check=False,
        )
        return Run(done.returncode, done.stdout.decode(), done.stderr.decode())


def build(folder: Path) -> DemoHome:
    demo = DemoHome(folder / "home")
    made = demo.kiosk("demo", "init")
    assert made.code == 0, made.out + made.err
    return demo


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> DemoHome:
    return build(tmp_path_factory.mktemp("demo"))
