"""README's settings table names every setting the kiosk reads: the test loads the
settings from an environment that notes each ``KIOSK_…`` variable asked for, and reads
the table's first column (``KIOSK_X_Y``, then ``_Z`` for ``KIOSK_X_Z`` after it)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from kiosk.audit_settings import load_audit_settings
from kiosk.config import load_settings

README = Path(__file__).resolve().parents[2] / "README.md"
_NAME = re.compile(r"`(KIOSK_[A-Z0-9_]+|_[A-Z0-9_]+)`")


class NotingEnvironment(Mapping[str, str]):
    """An environment holding only the required site, noting every variable looked up."""

    def __init__(self) -> None:
        self.given = {"KIOSK_SITE": "BREST", "KIOSK_KIOSK_ID": "kiosque-1"}
        self.asked: set[str] = set()

    def __getitem__(self, key: str) -> str:
        self.asked.add(key)
        return self.given[key]

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.asked.add(key)
        return key in self.given

    def __iter__(self) -> Iterator[str]:
        return iter(self.given)

    def __len__(self) -> int:
        return len(self.given)


def settings_read(home: Path) -> set[str]:
    env = NotingEnvironment()
    load_audit_settings(load_settings(env, home), env)
    return {name for name in env.asked if name.startswith("KIOSK_")}


def settings_in_readme() -> set[str]:
    """The variables in the first column of the table under « ## Configuration »."""
    section = README.read_text(encoding="utf-8").split("\n## Configuration", 1)[1]
    section = section.split("\n## ", 1)[0]
    named: set[str] = set()
    for line in section.splitlines():
        if not line.startswith("|"):
            continue
        last = ""
        for name in _NAME.findall(line.split("|")[1]):
            if name.startswith("KIOSK_"):
                last = name
                named.add(name)
            else:  # `_Z` after `KIOSK_X_Y`: a sibling, whichever prefix of the last it shares
                parts = last.split("_")
                named.update("_".join(parts[:n]) + name for n in range(1, len(parts)))
    return named


def test_every_setting_the_kiosk_reads_has_its_row_in_the_readme(tmp_path: Path) -> None:
    read = settings_read(tmp_path)

    assert {"KIOSK_SITE", "KIOSK_CMP_OPENSSL", "KIOSK_AUDIT_FOLDER"} <= read  # the probe works
    assert sorted(read - settings_in_readme()) == []


def test_the_readme_table_is_read_with_its_shorthand_rows() -> None:
    named = settings_in_readme()

    assert {"KIOSK_ARGON2_MEMORY_KIB", "KIOSK_ARGON2_PARALLELISM", "KIOSK_CMP_REF"} <= named
    assert "KIOSK_AUDIT_CHECKPOINT_EVERY_MINUTES" in named
