"""The ``kiosk`` command as an administrator and an auditor use it: demo home, agents,
imports, audit verification, configuration errors, and no secret left in the database."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kiosk.admin import admin_services
from kiosk.cli import main
from kiosk.config import Argon2Params, load_settings
from kiosk.demo import DEMO_AGENTS, OFFICES_TZ, local_today
from kiosk.demo_desk import RENEWED_PIN
from tests.integration.db_env import DATA, FAST_ARGON_ENV, FIXTURES, TABLES
from tests.integration.softhsm_env import SoftHsm, softhsm

pytestmark = pytest.mark.integration
_FIXTURES = (softhsm,)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, softhsm: SoftHsm) -> Path:
    # ``softhsm`` first: SoftHSM reads its configuration once per process, and demo init
    # loads it; the session's private token folder must be the one it reads.
    for key in list(os.environ):
        if key.startswith("KIOSK_"):
            monkeypatch.delenv(key)
    folder = tmp_path / "demo"
    monkeypatch.setenv("KIOSK_HOME", str(folder))
    for key, value in FAST_ARGON_ENV.items():
        monkeypatch.setenv(key, value)
    return folder


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def demo(capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    code, out, err = run(capsys, "demo", "init", *extra)
    assert (code, err) == (0, "")
    return out


def row_counts(home: Path) -> dict[str, int]:
    import sqlite3

    with sqlite3.connect(home / "kiosk.db") as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def printed_numbers(out: str) -> list[str]:
    """The withdrawal numbers ``demo init`` prints for Brest (not the other office's)."""
    lines = out.split("aujourd'hui :")[1].split("\n\n", maxsplit=1)[0].splitlines()
    return [
        line.split()[1] for line in lines if line.startswith("  ") and "autre bureau" not in line
    ]


def test_help_lists_every_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    for command in ("run", "demo", "db", "dossiers", "agents", "audit"):
        assert f"\n    {command} " in result.stdout


def test_demo_init_builds_a_ready_home(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = demo(capsys)

    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    key = home / "secrets" / "site.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert len(bytes.fromhex(key.read_text().strip())) == 32
    settings = load_settings()
    assert (settings.site, settings.kiosk_id) == ("BREST", "demo-brest-1")
    for agent in DEMO_AGENTS:
        assert agent.login in out
        assert agent.password in out
    numbers = printed_numbers(out)
    assert len(numbers) == 4
    assert any(n.isdigit() for n in numbers)  # one legacy number among them

    with admin_services(settings) as admin, admin.uow() as tx:
        today = tx.dossiers.convocations("BREST", local_today())
        assert tx.agents.get("camille") is not None
    slots = [
        d.convocation_at.astimezone(OFFICES_TZ).strftime("%H:%M") for d in today if d.convocation_at
    ]
    assert len(today) == 13  # with the renewal of the desk journeys, at noon
    assert slots[0] == "09:00"
    assert slots[-1] == "16:30"
    assert all(d.office_code == "BREST" for d in today)


def test_the_back_office_lists_and_closes_what_is_left_to_revoke(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo(capsys)  # one delivery declined after issuance, its revocation not published

    listed = run(capsys, "revocations", "list")
    wrong = run(capsys, "revocations", "close", "99", "--note", "révoqué à l'AC")
    closed = run(capsys, "revocations", "close", "1", "--note", "révoqué à l'AC  par téléphone")
    after = run(capsys, "revocations", "list")

    assert listed[0] == 0 and listed[1].startswith("n° 1  CS-2026-000974  certificat ")
    assert "à publier : l'AC ne l'a pas encore révoqué" in listed[1]
    assert wrong[0] == 1 and "Aucune demande de révocation confirmée n° 99" in wrong[2]
    assert closed == (
        0,
        "Demande n° 1 (CS-2026-000974) close : révoqué à l'AC par téléphone. "
        "L'opération est inscrite au journal d'audit.\n",
        "",
    )
    assert after[1].strip() == "Aucune demande de révocation en cours."


def test_demo_init_twice_duplicates_nothing_and_force_recreates(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo(capsys)
    counts, key = row_counts(home), (home / "secrets" / "site.key").read_text()

    again = demo(capsys)
    assert "existe déjà" in again
    assert row_counts(home) == counts
    assert (home / "secrets" / "site.key").read_text() == key

    demo(capsys, "--force")
    assert row_counts(home) == counts
    assert (home / "secrets" / "site.key").read_text() != key  # a new site


def test_force_never_erases_a_folder_that_is_not_a_demo_home(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home.mkdir()
    (home / "kiosk.toml").write_text('site = "RENNES"\n', encoding="utf-8")
    (home / "precious.txt").write_text("keep me", encoding="utf-8")
    code, _, err = run(capsys, "demo", "init", "--force")
    assert code == 1
    assert "n'est pas un dossier de démonstration" in err
    assert (home / "precious.txt").exists()


def test_a_missing_setting_is_one_line_naming_it_and_exit_2(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "audit", "verify")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert "KIOSK_SITE" in err


def test_an_invalid_setting_is_named(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    demo(capsys)
    monkeypatch.setenv("KIOSK_ARGON2_TIME_COST", "beaucoup")
    code, _, err = run(capsys, "audit", "verify")
    assert code == 2
    assert err.startswith("Configuration invalide : KIOSK_ARGON2_TIME_COST")


def add_agent(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    password: str,
    *argv: str,
) -> tuple[int, str, str]:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    return run(capsys, "agents", "add", *argv, "--password-stdin")


def test_agents_are_added_and_their_password_never_shown(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    demo(capsys)
    password = "Kouign-Amann-2026!"
    code, out, err = add_agent(
        capsys, monkeypatch, password, "Gwen", "--role", "agent", "--office", "quimper",
        "--name", "Gwenn Ar Gall",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out.strip() == "Agent « gwen » ajouté : Agent de retrait, bureau QUIMPER."
    assert password not in out

    code, _, err = add_agent(
        capsys, monkeypatch, password, "gwen", "--role", "agent", "--office", "BREST",
        "--name", "Autre",
    )  # fmt: skip
    assert (code, err.strip()) == (1, "L'identifiant « gwen » existe déjà.")

    code, _, err = add_agent(
        capsys, monkeypatch, "trop-court", "lena", "--role", "auditor", "--office", "BREST",
        "--name", "Léna",
    )  # fmt: skip
    assert code == 1
    assert "12 caractères au moins" in err
    assert "trop-court" not in err

    code, _, err = add_agent(
        capsys, monkeypatch, password, "lena", "--role", "auditor", "--office", "PARIS",
        "--name", "Léna",
    )  # fmt: skip
    assert (code, err.strip()) == (1, "Bureau de retrait inconnu : « PARIS ».")


def test_the_password_is_asked_twice_without_echo(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    demo(capsys)
    answers = iter(["Premier-essai-2026", "Second-essai-2026"])
    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    code, _, err = run(
        capsys, "agents", "add", "lena", "--role", "agent", "--office", "BREST", "--name", "Léna"
    )
    assert len(prompts) == 2
    assert (code, err.strip()) == (1, "Les deux saisies du mot de passe ne correspondent pas.")


def test_production_hashes_with_owasp_argon2_parameters(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    demo(capsys)
    for key in FAST_ARGON_ENV:
        monkeypatch.delenv(key)
    assert load_settings().argon2 == Argon2Params(time_cost=2, memory_kib=19456, parallelism=1)

    code, _, _ = add_agent(
        capsys, monkeypatch, "Mot-de-passe-solide-2026", "erwan", "--role", "admin",
        "--office", "BREST", "--name", "Erwan",
    )  # fmt: skip
    assert code == 0
    with admin_services() as admin, admin.uow() as tx:
        agent = tx.agents.get("erwan")
    assert agent is not None
    assert agent.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_dossier_import_reports_counts_or_every_problem(
    home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    demo(capsys)
    before = row_counts(home)
    code, out, err = run(capsys, "dossiers", "import", str(DATA / "bad_fields.json"))
    assert (code, out) == (1, "")
    assert err.startswith("Fichier refusé, rien n'a été importé (11 erreur(s)) :")
    assert err.count("\n  - dossier n° ") == 11
    assert row_counts(home) == before

    fresh = json.loads((DATA / "bad_fields.json").read_text(encoding="utf-8"))[1:2]
    path = tmp_path / "one.json"
    path.write_text(json.dumps(fresh, ensure_ascii=False), encoding="utf-8")
    assert run(capsys, "dossiers", "import", str(path))[:2] == (
        0,
        "Import des dossiers terminé : 1 créé(s), 0 inchangé(s).\n",
    )
    assert run(capsys, "dossiers", "import", str(path))[1].endswith("0 créé(s), 1 inchangé(s).\n")


def test_audit_verify_names_the_first_tampered_event(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    demo(capsys)
    code, out, _ = run(capsys, "audit", "verify")
    assert code == 0
    assert out.startswith("Journal intègre : ")

    with sqlite3.connect(home / "kiosk.db") as conn:
        conn.execute("UPDATE audit_events SET details = '{\"created\": 0}' WHERE seq = 3")
    code, out, _ = run(capsys, "audit", "verify")
    assert code == 1
    assert out.strip() == "Journal altéré à l'événement n° 3 : contenu modifié (empreinte invalide)"


def secret_forms(out: str) -> set[str]:
    """Every form in which a demo secret could leak: codes as printed, canonical and in
    lower case; passwords; answers as given and in their normal form."""
    from kiosk.domain.answers import normalise_answer

    records: list[dict[str, Any]] = [
        *json.loads((FIXTURES / "dossiers.json").read_text(encoding="utf-8")),
        *json.loads((FIXTURES / "desk-journeys.json").read_text(encoding="utf-8")),
    ]
    forms: set[str] = set()
    for record in records:
        for key in ("withdrawal_code", "legacy_withdrawal_number"):
            if key in record:
                code = record[key]
                for form in (code, code.replace("-", "")):
                    forms |= {form, form.lower()}
        for question in record.get("questions", []):
            forms |= {question["answer"], normalise_answer(question["answer"])}
    forms |= {agent.password for agent in DEMO_AGENTS}
    assert set(printed_numbers(out)) <= forms
    return forms


def standing_alone(form: str) -> re.Pattern[bytes]:
    base64_letter = rb"[A-Za-z0-9+/]"
    return re.compile(
        rb"(?<!%s)%s(?!%s)" % (base64_letter, re.escape(form.encode()), base64_letter)
    )


def test_a_short_answer_is_found_alone_but_not_inside_base64() -> None:
    pattern = standing_alone("Tic")
    assert pattern.search(b"INSERT INTO t VALUES('Tic');")
    assert pattern.search(b'{"answer": "Tic"}')
    assert not pattern.search(b"$argon2id$v=19$m=19456$f+yWqTicJIlBS91$GsBTq3CV")
    assert not pattern.search(b'["MIIEzDCCAzSgAwIBTic+rvRKMWSYS4DANBgkqhkiG9w0BAQsFADBnMQsw"]')


def test_no_secret_reaches_the_database_files(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kiosk.bootstrap import make_services
    from kiosk.domain.errors import KioskError

    out = demo(capsys)
    services = make_services(load_settings())
    camille = services.auth.login("camille", "Guichet-Brest-2026")
    for attempt in ("Guichet-Brest-2025", "admin-admin-admin"):
        with pytest.raises(KioskError):
            services.auth.login("camille", attempt)
    for number in printed_numbers(out):
        services.lookup.lookup(camille, number.lower().replace("-", " "))
    with pytest.raises(KioskError):
        services.lookup.lookup(camille, "0000000000")

    leaked = []
    stored = b"".join(
        path.read_bytes() for path in (home / "kiosk.db", home / "kiosk.db-wal") if path.exists()
    )
    assert len(stored) > 100_000
    # Short forms (a 3-letter answer) would match random tree hashes and salts by chance:
    # look for them in a text dump, where binary columns are written as hex, and only where
    # they stand alone: base64 text (argon2 hashes, certificates, signatures) holds « Tic »
    # by chance about once in 260,000 letters, while a leaked answer is a value of its own.
    with sqlite3.connect(home / "kiosk.db") as connection:
        dump = "\n".join(connection.iterdump()).encode()
    # The renewed holder's PIN, printed for the demo: digits, which hex text (digests,
    # serials) holds by chance, so looked for standing alone too.
    for form in secret_forms(out) | {"Guichet-Brest-2025", "admin-admin-admin", RENEWED_PIN}:
        if len(form.encode()) >= 6 and not form.isdigit():
            found = form.encode() in stored
        else:
            found = standing_alone(form).search(dump) is not None
        if found:
            leaked.append(form)
    assert leaked == []
    # The scan does see what is stored in clear: names, which are not secret.
    assert "Kerhervé".encode() in stored
