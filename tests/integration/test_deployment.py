"""The systemd units of deploy/: systemd itself reads them without a complaint, the kiosk's
is confined (``systemd-analyze security``), and it says what docs/deployment.md promises:
full screen on tty1 for the unprivileged user ``kiosk``, restarted if it dies, its home
readable by that user alone."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPOSITORY = Path(__file__).resolve().parents[2]
DEPLOY = REPOSITORY / "deploy"
UNITS = (
    "kiosk.service",
    "kiosk-backup.service",
    "kiosk-backup.timer",
    "kiosk-revocations.service",
    "kiosk-revocations.timer",
)


@pytest.fixture
def units(tmp_path: Path) -> Path:
    """The units with /opt/kiosk pointing at this checkout, whose executables exist."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (apt: systemd)")
    for name in UNITS:
        text = (DEPLOY / name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(text.replace("/opt/kiosk", str(REPOSITORY)), "utf-8")
    return tmp_path


def _analyze(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["systemd-analyze", *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_systemd_reads_the_units_without_a_complaint(units: Path) -> None:
    done = _analyze("verify", *(str(units / name) for name in UNITS))
    # verify exits 0 even when it ignores a line it cannot parse: its words must be none.
    assert (done.returncode, done.stderr.strip(), done.stdout.strip()) == (0, "", "")


def test_the_kiosk_runs_confined(units: Path) -> None:
    done = _analyze("security", "--offline=yes", "--threshold=30", str(units / "kiosk.service"))
    assert done.returncode == 0, done.stdout[-2000:]  # exposure 3.0 or better (« OK »)


def _settings(name: str) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for raw in (DEPLOY / name).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith(("#", "[")) and "=" in line:
            key, value = line.split("=", 1)
            values.setdefault(key, []).append(value)
    return values


def test_the_kiosk_unit_is_what_the_deployment_guide_promises() -> None:
    unit = _settings("kiosk.service")

    def one(key: str) -> str:
        [value] = unit[key]
        return value

    assert (one("User"), one("Group")) == ("kiosk", "kiosk")
    assert (one("Restart"), one("StandardInput"), one("TTYPath")) == ("always", "tty", "/dev/tty1")
    assert one("Conflicts") == "getty@tty1.service"
    assert (one("StateDirectory"), one("StateDirectoryMode"), one("UMask")) == (
        "kiosk",
        "0700",
        "0077",
    )
    assert (one("ProtectSystem"), one("ReadWritePaths")) == ("strict", "/var/lib/kiosk")
    assert (one("PrivateTmp"), one("NoNewPrivileges"), one("ProtectHome")) == ("yes",) * 3
    assert "KIOSK_HOME=/var/lib/kiosk" in unit["Environment"]
    assert one("ExecStart").endswith("/kiosk run")
