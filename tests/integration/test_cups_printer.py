"""Printing through ``lp``: a fake ``lp`` first on PATH records what it was asked to do."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from kiosk.adapters.receipt.cups_printer import NO_PRINT_JOB, CupsPrinter, NullPrinter
from kiosk.adapters.receipt.pdf_receipt import PdfReceiptRenderer
from kiosk.domain.errors import ConfigError, DeviceError
from tests.unit.receipt_samples import sample_receipt

pytestmark = pytest.mark.integration


@pytest.fixture
def receipt_pdf(tmp_path: Path) -> Path:
    return PdfReceiptRenderer().render(sample_receipt(), tmp_path / "receipts")


@pytest.fixture
def fake_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", f"{folder}:/usr/bin:/bin")
    return folder


def _fake_lp(folder: Path, body: str) -> Path:
    script = folder / "lp"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_the_receipt_goes_to_the_named_queue_and_the_job_id_comes_back(
    fake_bin: Path, receipt_pdf: Path, tmp_path: Path
) -> None:
    argv_file = tmp_path / "lp-argv"
    _fake_lp(
        fake_bin,
        f'for arg in "$@"; do printf "%s\\n" "$arg" >> "{argv_file}"; done\n'
        'echo "request id is accueil-brest-12 (1 file(s))"',
    )
    job = CupsPrinter("accueil-brest").print_file(receipt_pdf)
    assert job == "accueil-brest-12"
    assert argv_file.read_text().splitlines() == [
        "-d",
        "accueil-brest",
        "-t",
        "PV CS-2026-000123-20260714-140509",
        str(receipt_pdf),
    ]


@pytest.mark.parametrize(
    ("lp_says", "reason"),
    [
        (
            "lp: The printer or class does not exist.",
            "l'imprimante « accueil » est inconnue de CUPS",
        ),
        ("lp: Error - Scheduler not responding.", "le service d'impression CUPS ne répond pas"),
        ("lp: Unsupported document-format", "lp a répondu « lp: Unsupported document-format »"),
    ],
)
def test_a_refusal_by_lp_tells_where_the_receipt_stays(
    fake_bin: Path, receipt_pdf: Path, lp_says: str, reason: str
) -> None:
    _fake_lp(fake_bin, f'echo "{lp_says}" >&2\nexit 1')
    with pytest.raises(DeviceError) as caught:
        CupsPrinter("accueil").print_file(receipt_pdf)
    assert caught.value.message == (
        f"Impression impossible : {reason} — le PV reste disponible dans {receipt_pdf}."
    )


def test_a_silent_failure_of_lp_gives_its_exit_code(fake_bin: Path, receipt_pdf: Path) -> None:
    _fake_lp(fake_bin, "exit 3")
    with pytest.raises(DeviceError, match=r"lp a échoué \(code 3\)"):
        CupsPrinter("accueil").print_file(receipt_pdf)


def test_a_kiosk_without_cups_is_told_so(fake_bin: Path, receipt_pdf: Path) -> None:
    printer = CupsPrinter("accueil", lp_command=str(fake_bin / "lp"))
    with pytest.raises(DeviceError, match=r"commande lp \(CUPS\) est absente"):
        printer.print_file(receipt_pdf)


def test_an_lp_that_cannot_run_is_named(tmp_path: Path, receipt_pdf: Path) -> None:
    broken = tmp_path / "lp"
    broken.write_text("not a program")  # not executable
    with pytest.raises(DeviceError, match="ne peut pas être lancée"):
        CupsPrinter("accueil", lp_command=str(broken)).print_file(receipt_pdf)


def test_a_printer_that_hangs_is_given_up_after_the_timeout(
    fake_bin: Path, receipt_pdf: Path
) -> None:
    _fake_lp(fake_bin, "exec sleep 30")
    with pytest.raises(DeviceError, match="ne répond pas") as caught:
        CupsPrinter("accueil", timeout_seconds=0.5).print_file(receipt_pdf)
    assert str(receipt_pdf) in caught.value.message


def test_an_answer_without_a_job_id_is_not_taken_for_a_print(
    fake_bin: Path, receipt_pdf: Path
) -> None:
    _fake_lp(fake_bin, 'echo "ok"')
    with pytest.raises(DeviceError, match="Impression non confirmée"):
        CupsPrinter("accueil").print_file(receipt_pdf)


def test_a_receipt_file_that_is_gone_is_named(fake_bin: Path, tmp_path: Path) -> None:
    _fake_lp(fake_bin, 'echo "request id is accueil-1 (1 file(s))"')
    with pytest.raises(DeviceError, match="introuvable"):
        CupsPrinter("accueil").print_file(tmp_path / "CS-2026-000999-20260714-140509.pdf")


@pytest.mark.parametrize("name", ["", "-o", "accueil brest", "a/b", "a#b"])
def test_a_queue_name_lp_would_misread_is_a_configuration_error(name: str) -> None:
    with pytest.raises(ConfigError, match="nom de file d'impression CUPS invalide"):
        CupsPrinter(name)


def test_without_a_printer_nothing_is_printed_and_nothing_fails(receipt_pdf: Path) -> None:
    assert NullPrinter().print_file(receipt_pdf) == NO_PRINT_JOB
