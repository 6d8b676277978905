"""``kiosk doctor`` on a demo home: every check passes on a ready kiosk (exit 0); each
thing broken is named with what to do (exit 1); the home ``demo init`` creates is
readable by its owner alone."""

from __future__ import annotations

import stat

import pytest

from tests.integration.demo_home import DemoHome, demo_home

pytestmark = pytest.mark.integration
_FIXTURES = (demo_home,)

TOPICS = [
    "Configuration",
    "Dossier du kiosque",
    "Base de données",
    "Espace disque",
    "Module PKCS#11",
    "Lecteur de cartes",
    "Autorité de certification",
    "Séquestre des codes PIN",
    "Clé d'audit",
]


def verdicts(out: str) -> dict[str, str]:
    """Topic -> « ✓ » or « ✗ », from the doctor's lines."""
    found = {}
    for line in out.splitlines():
        if line[:2] in ("✓ ", "✗ "):
            found[line[2:].split(" : ", 1)[0]] = line[0]
    return found


def test_a_ready_kiosk_passes_every_check(demo_home: DemoHome) -> None:
    done = demo_home.kiosk("doctor")

    assert done.code == 0, done.out + done.err
    assert verdicts(done.out) == dict.fromkeys(TOPICS, "✓")
    assert done.out.strip().endswith("Tout est prêt.")
    assert "à jour (révision" in done.out and "kiosk/BREST/demo-brest-1" in done.out


def test_the_demo_home_is_readable_by_its_owner_alone(demo_home: DemoHome) -> None:
    for folder in (demo_home.home, demo_home.home / "secrets"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((demo_home.home / "secrets" / "site.key").stat().st_mode) == 0o600


def test_each_broken_part_is_named_with_what_to_do(demo_home: DemoHome) -> None:
    empty_db = demo_home.home.parent / "elsewhere" / "empty.db"
    demo_home.home.chmod(0o755)
    try:
        done = demo_home.kiosk(
            "doctor",
            KIOSK_DATABASE_URL=f"sqlite:///{empty_db}",
            KIOSK_PKCS11_MODULE="/usr/lib/nowhere/libmissing.so",
            KIOSK_READER="pcsc",
            PCSCLITE_CSOCK_NAME=str(demo_home.home.parent / "no-pcscd.comm"),
        )
    finally:
        demo_home.home.chmod(0o700)

    assert done.code == 1
    found = verdicts(done.out)
    assert [t for t in TOPICS if found[t] == "✗"] == [
        "Dossier du kiosque",
        "Base de données",
        "Module PKCS#11",
        "Lecteur de cartes",
        "Autorité de certification",
        "Clé d'audit",
    ]
    lines = done.out.splitlines()

    def remedy(topic: str) -> str:
        at = next(i for i, line in enumerate(lines) if line.startswith(f"✗ {topic} : "))
        return lines[at] + "\n" + lines[at + 1]

    assert "lisible par d'autres utilisateurs (droits 0755)" in remedy("Dossier du kiosque")
    assert f"→ chmod 700 {demo_home.home}" in remedy("Dossier du kiosque")
    assert "n'est pas initialisée" in remedy("Base de données")
    assert "→ kiosk db upgrade" in remedy("Base de données")
    assert "libmissing.so est introuvable" in remedy("Module PKCS#11")
    assert "pcscd ne répond pas" in remedy("Lecteur de cartes")
    assert done.out.strip().endswith("6 problème(s) à corriger.")


def test_an_invalid_setting_is_the_one_thing_said(demo_home: DemoHome) -> None:
    done = demo_home.kiosk("doctor", KIOSK_READER="usb")

    assert done.code == 1
    assert done.out.splitlines()[0] == (
        "✗ Configuration : Configuration invalide : KIOSK_READER — « pcsc » ou « simulated » "
        "attendu"
    )
    assert "Base de données" not in done.out
