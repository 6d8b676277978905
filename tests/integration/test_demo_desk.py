"""The demo home's desk journeys: ``kiosk demo init`` really delivers Brest dossiers onto
SoftHSM tokens (checked from outside with ``pkcs11-tool``), prints what a newcomer needs to
try the PIN unblock, the revocation and the renewal, and a second run changes nothing.
The journeys then run on the home with exactly what was printed."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kiosk.demo import DEMO_AGENTS, OFFICES_TZ, local_today
from tests.integration.demo_home import DemoHome, build, demo_home
from tests.integration.softhsm_env import MODULE

pytestmark = pytest.mark.integration
_FIXTURES = (demo_home,)
FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "desk-journeys.json"
DELIVERED = ("CS-2026-000981", "CS-2026-000988", "CS-2026-000995")
RENEWAL = "CS-2026-001348"


@dataclass(frozen=True)
class Token:
    label: str
    serial: str
    certificate_serials: tuple[str, ...]


def slots(demo: DemoHome) -> str:
    return subprocess.run(
        ["pkcs11-tool", "--module", MODULE, "--list-token-slots"],
        env=_softhsm_env(demo), capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip


def _softhsm_env(demo: DemoHome) -> dict[str, str]:
    return demo.env(SOFTHSM2_CONF=str(demo.home / "softhsm" / "softhsm2.conf"))


def tokens(demo: DemoHome) -> list[Token]:
    """The home's initialised SoftHSM tokens as pkcs11-tool lists them, with the serials
    of the certificates on each."""
    env, listed = _softhsm_env(demo), slots(demo)
    found = []
    for label, serial in re.findall(
        r"token label\s*: (.*)\n(?:.*\n)*?\s*serial num\s*: (\S+)", listed
    ):
        objects = subprocess.run(
            ["pkcs11-tool", "--module", MODULE, "--token-label", label, "--list-objects",
             "--type", "cert"],
            env=env, capture_output=True, text=True, check=True, timeout=60,
        ).stdout  # fmt: skip
        serials = tuple(s.lower() for s in re.findall(r"serial:\s*(\S+)", objects))
        found.append(Token(label.strip(), serial, serials))
    return found


def rows(demo: DemoHome, query: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(demo.home / "kiosk.db") as connection:
        return connection.execute(query).fetchall()


def printed(text: str) -> dict[str, Any]:
    """What the « À essayer » lines give a newcomer, read as a newcomer would."""
    block = text.split("À essayer au guichet", 1)[1]
    unblock = re.search(r"Débloquer le PIN\s+(\S+).*\n\s+n° de série : (\S+)", block)
    revoke = re.search(r"Révoquer\s+(\S+).*\n\s+n° de série : (\S+)", block)
    renewal = re.search(
        r"Renouvellement\s+(\S+)(?:.*\n)+?\s+sur son support n° (\S+) : code PIN (\d+)",
        block,
    )
    declined = re.search(
        r"(CS-[\d-]+) \(.*\) a refusé la remise(?:.*\n)+?\s+son certificat (\S+)", block
    )
    assert unblock and revoke and renewal and declined, block
    holders = {
        ref: {"mrz": [line1, line2], "answers": answers.split(" / ")}
        for ref, line1, line2, answers in re.findall(
            r"\((CS-[\d-]+)\)\n\s+(P<\S+)\n\s+(\S+)\n\s+réponses : (.*)", block
        )
    }
    camille = DEMO_AGENTS[0]
    return {
        "login": camille.login,
        "password": camille.password,
        "pin_unblock": {"reference": unblock[1], "serial": unblock[2], **holders[unblock[1]]},
        "revocation": {"reference": revoke[1], "serial": revoke[2], **holders[revoke[1]]},
        "renewal": {"code": renewal[1], "token": renewal[2], "pin": renewal[3], **holders[RENEWAL]},
        "declined": {"reference": declined[1], "serial": declined[2]},
    }


def test_demo_init_delivers_dossiers_onto_softhsm_tokens_with_the_ca_s_certificates(
    demo_home: DemoHome,
) -> None:
    delivered = dict(
        rows(demo_home, "SELECT dossier_ref, cert_serial || ' ' || token_serial FROM deliveries")
    )
    assert sorted(delivered) == list(DELIVERED)
    states = dict(rows(demo_home, "SELECT reference, state FROM dossiers"))
    assert [states[ref] for ref in DELIVERED] == ["delivered"] * 3

    on_tokens = {t.serial: t for t in tokens(demo_home)}
    for ref, pair in delivered.items():
        cert_serial, token_serial = pair.split()
        token = on_tokens[token_serial]  # the token the dossier was delivered on is there
        assert ref in token.label
        assert cert_serial.lstrip("0") in [s.lstrip("0") for s in token.certificate_serials]
    # SoftHSM's free slot, the blank token the demo's reader stands for, is still free.
    assert slots(demo_home).count("token state:   uninitialized") == 1


def test_the_renewal_renews_a_delivered_dossier_and_is_convoked_today(
    demo_home: DemoHome,
) -> None:
    [(renews, serial, convocation)] = rows(
        demo_home,
        f"SELECT renews_reference, renews_serial, convocation_at FROM dossiers "
        f"WHERE reference = '{RENEWAL}' AND kind = 'renewal' AND state = 'convoked'",
    )
    [(delivered_serial,)] = rows(
        demo_home, f"SELECT cert_serial FROM deliveries WHERE dossier_ref = '{renews}'"
    )
    assert renews in DELIVERED and serial in (None, delivered_serial)
    when = datetime.fromisoformat(convocation).replace(tzinfo=UTC).astimezone(OFFICES_TZ)
    assert when.date() == local_today()


def test_demo_init_prints_what_to_try_and_keeps_it_in_the_home(demo_home: DemoHome) -> None:
    saved = (demo_home.home / "a-essayer.txt").read_text(encoding="utf-8")
    assert (demo_home.home / "a-essayer.txt").stat().st_mode & 0o077 == 0
    to_try = printed(saved)
    serials = dict(rows(demo_home, "SELECT dossier_ref, cert_serial FROM deliveries"))
    assert to_try["pin_unblock"]["serial"] == serials[to_try["pin_unblock"]["reference"]]
    assert to_try["revocation"]["serial"] == serials[to_try["revocation"]["reference"]]
    records = {r["reference"]: r for r in json.loads(FIXTURE.read_text(encoding="utf-8"))}
    assert to_try["renewal"]["code"] == records[RENEWAL]["withdrawal_code"]

    again = demo_home.kiosk("demo", "init")
    assert again.code == 0 and "existe déjà" in again.out
    assert "À essayer au guichet" in again.out and to_try["renewal"]["code"] in again.out


def test_demo_init_again_changes_neither_the_database_nor_the_tokens(demo_home: DemoHome) -> None:
    before = (tokens(demo_home), rows(demo_home, "SELECT count(*) FROM audit_events"))

    assert demo_home.kiosk("demo", "init").code == 0

    assert (tokens(demo_home), rows(demo_home, "SELECT count(*) FROM audit_events")) == before


def test_no_printed_passport_number_reaches_the_database(demo_home: DemoHome) -> None:
    to_try = printed((demo_home.home / "a-essayer.txt").read_text(encoding="utf-8"))
    numbers = [to_try[j]["mrz"][1][:9] for j in ("pin_unblock", "revocation", "renewal")]
    stored = b"".join(p.read_bytes() for p in demo_home.home.glob("kiosk.db*") if p.is_file())
    assert [n for n in numbers if n.encode() in stored] == []


def test_the_three_desk_journeys_run_on_a_fresh_demo_home_with_what_was_printed(
    tmp_path: Path,
) -> None:
    demo = build(tmp_path)
    to_try = printed((demo.home / "a-essayer.txt").read_text(encoding="utf-8"))

    run = demo.python("-m", "tests.integration.demo_desk_child", json.dumps(to_try))

    assert run.code == 0, run.err
    done = json.loads(run.out)
    states = dict(rows(demo, "SELECT reference, state FROM dossiers"))
    unblocked = to_try["pin_unblock"]["reference"]
    [(token,)] = rows(
        demo, f"SELECT token_serial FROM deliveries WHERE dossier_ref = '{unblocked}'"
    )
    assert done["unblocked_token"] == token
    assert states[unblocked] == "delivered"  # a new PIN, the same certificate
    assert done["revoked"] == {"published": True, "problem": None}
    assert states[to_try["revocation"]["reference"]] == "revoked"
    assert done["renewal_keeps_key"] and done["renewal"]["problems"] == []
    assert states[RENEWAL] == "delivered" and states["CS-2026-000995"] == "revoked"
    # the holder's own token, the renewal's certificate on it, the old one gone
    [renewed_on] = [t for t in tokens(demo) if t.serial == to_try["renewal"]["token"]]
    assert done["renewal"]["token"] == renewed_on.serial
    on_token = {s.lstrip("0") for s in renewed_on.certificate_serials}
    delivered = dict(rows(demo, "SELECT dossier_ref, cert_serial FROM deliveries"))
    assert delivered[RENEWAL].lstrip("0") in on_token
    assert delivered["CS-2026-000995"].lstrip("0") not in on_token

    # The back office, with the commands printed: only the declined delivery's certificate
    # is left to revoke (the desk's revocation and the renewal's were published at once).
    listed = demo.kiosk("revocations", "list")
    published = demo.kiosk("revocations", "publish")
    after = demo.kiosk("revocations", "list")

    declined = to_try["declined"]
    assert listed.code == 0 and listed.out.count("n° ") == 1, listed.out
    assert declined["reference"] in listed.out and declined["serial"] in listed.out
    assert "à publier : l'AC ne l'a pas encore révoqué" in listed.out
    assert published.code == 0 and "1 révocation(s) publiée(s), 0 en échec" in published.out
    assert after.out.strip() == "Aucune demande de révocation en cours."
    crl = subprocess.run(
        ["openssl", "crl", "-in", str(demo.home / "ca" / "crl.pem"), "-noout", "-text"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    assert f"Serial Number: {declined['serial'].upper()}" in crl
    assert "Cessation Of Operation" in crl
