"""The attestation of a PIN unblock or a revocation at the desk, as the holder takes it
away: a PDF read back with pypdf (what it states) and zxing (its QR code, checked against
the audit event that seals the act), printed when a printer is configured. The paper
comes after the act: a PDF that cannot be written or a printer that fails leaves the act
done and says why in French. No secret on the paper or in its file name."""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pypdf
import pytest
import zxingcpp

from kiosk.adapters.fakes.fake_ca import FakeCertificateAuthority
from kiosk.adapters.fakes.fake_token import FakeTokenPort
from kiosk.adapters.receipt.cups_printer import ATTESTATION, CupsPrinter
from kiosk.adapters.receipt.pdf_desk_receipt import PdfDeskReceiptRenderer
from kiosk.domain.appointment_lease import Purpose
from kiosk.domain.audit import AuditEvent
from kiosk.domain.certificate_revocation import RevocationReason
from kiosk.domain.desk_receipt import (
    DeskAct,
    DeskReceipt,
    check_desk_qr_against_event,
    desk_qr_payload,
    parse_desk_qr,
)
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.errors import DeviceError, StorageError
from kiosk.services.desk_revocation import DeskRevocationService
from kiosk.services.pin_unblock import PinUnblockService
from tests.integration.fake_desk import SERIAL, ca, fake_token, template, tokens
from tests.integration.journeys_env import (
    KIOSK,
    NEW_PIN,
    RIGHT,
    Journeys,
    holder_dossier,
)
from tests.integration.personalisation_env import USER_PIN, desk
from tests.unit.desk_receipt_samples import desk_core, desk_receipt

pytestmark = pytest.mark.integration
_FIXTURES = (template, ca, tokens)
REF = "CS-2026-000999"
DOCUMENT_NUMBER = "19FR84621"  # the holder's passport in journeys_env


def _text(pdf: Path) -> str:
    """The PDF's text with every run of blanks as one space."""
    pages = pypdf.PdfReader(pdf).pages
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))


def _qr_codes(pdf: Path) -> list[str]:
    decoded: list[str] = []
    for page in pypdf.PdfReader(pdf).pages:
        for embedded in page.images:
            assert embedded.image is not None, embedded.name
            decoded.extend(code.text for code in zxingcpp.read_barcodes(embedded.image))
    return decoded


@dataclass
class RecordingPrinter:
    """A print queue that keeps what it was given (or refuses, as CUPS can)."""

    down: bool = False
    printed: list[Path] = field(default_factory=list)

    def print_file(self, path: Path) -> str:
        if self.down:
            raise DeviceError(f"Impression impossible : imprimante éteinte — {path} reste.")
        self.printed.append(path)
        return f"accueil-{len(self.printed)}"


@dataclass
class Paper:
    journeys: Journeys
    printer: RecordingPrinter
    pin_unblock: PinUnblockService
    revocation: DeskRevocationService
    folder: Path


def _services(journeys: Journeys, printer: RecordingPrinter, folder: Path) -> Paper:
    world, renderer = journeys.world, PdfDeskReceiptRenderer()
    pin_unblock = PinUnblockService(
        world.db, world.tokens, journeys.recovery, world.clock, KIOSK,
        renderer=renderer, printer=printer, receipts_dir=folder,
    )  # fmt: skip
    revocation = DeskRevocationService(
        world.db, None, world.clock, KIOSK,
        renderer=renderer, printer=printer, receipts_dir=folder,
    )  # fmt: skip
    return Paper(journeys, printer, pin_unblock, revocation, folder)


@pytest.fixture
def journeys(
    template: Path, tmp_path: Path, tokens: FakeTokenPort, ca: FakeCertificateAuthority
) -> Iterator[Journeys]:
    with desk(template, tmp_path, tokens, ca, ca.root_der, dossiers=[holder_dossier(REF)]) as world:
        journeys = Journeys(world, None, tmp_path / "receipts")
        journeys.deliver(REF, SERIAL)
        yield journeys


@pytest.fixture
def paper(journeys: Journeys, tmp_path: Path) -> Paper:
    return _services(journeys, RecordingPrinter(), tmp_path / "attestations")


def _sealing_event(journeys: Journeys, receipt: DeskReceipt) -> AuditEvent:
    return next(e for e in journeys.world.audit() if e.seq == receipt.audit_seq)


def _no_secret_in(paper: Paper, pdf: Path, so_pin: str | None) -> None:
    text, raw = _text(pdf), pdf.read_bytes()
    secrets = [NEW_PIN, USER_PIN, DOCUMENT_NUMBER, *RIGHT]
    if so_pin:
        secrets.append(so_pin)
    for secret in secrets:
        assert secret not in text and secret not in pdf.name
        assert secret.encode() not in raw
        assert secret not in paper.journeys.audit_text()


def test_an_unblocked_pin_is_attested_on_paper_sealed_by_its_audit_event(
    paper: Paper, tokens: FakeTokenPort
) -> None:
    journeys = paper.journeys
    so_pin = fake_token(tokens).so_pin
    appointment = journeys.checked(REF, Purpose.PIN_UNBLOCK)

    done = paper.pin_unblock.unblock(appointment, SERIAL, NEW_PIN, NEW_PIN)

    assert done.problems == () and done.pdf is not None
    assert done.pdf.parent == paper.folder
    assert done.pdf.name == f"{REF}-deblocage-pin-20260414-100000.pdf"  # 08:00 UTC, in Paris
    text = _text(done.pdf)
    serial = done.receipt.core.certificate_serial
    for expected in (
        "Attestation de déblocage du code PIN d'un support de certificat",
        REF,
        serial,
        SERIAL,
        "Nouveau code PIN défini par le titulaire",
        done.receipt.audit_hash,
        f"Événement n° {done.receipt.audit_seq}",
    ):
        assert expected in text, expected
    [code] = _qr_codes(done.pdf)
    assert code == desk_qr_payload(done.receipt)
    qr = parse_desk_qr(code)
    assert qr.act is DeskAct.PIN_UNBLOCK
    check_desk_qr_against_event(qr, _sealing_event(journeys, done.receipt))
    assert paper.printer.printed == [done.pdf] and done.print_job == "accueil-1"
    event, outcome, details = journeys.events(REF)[-1]
    assert (event, outcome) == ("receipt.issued", "success")
    assert details == {
        "act": "pin_unblock",
        "sealed_by": done.receipt.audit_seq,
        "pdf": done.pdf.name,
        "print_job": "accueil-1",
        "problems": 0,
    }
    _no_secret_in(paper, done.pdf, so_pin)


def test_a_revocation_is_attested_with_its_reason_and_the_qr_names_its_event(
    paper: Paper,
) -> None:
    journeys = paper.journeys
    appointment = journeys.checked(REF, Purpose.REVOCATION)

    done = paper.revocation.revoke(appointment, RevocationReason.KEY_COMPROMISE)

    assert done.problems == () and done.pdf is not None and done.print_job == "accueil-1"
    assert done.pdf.name == f"{REF}-revocation-20260414-100000.pdf"
    text = _text(done.pdf)
    for expected in (
        "Attestation de révocation d'un certificat électronique au guichet",
        REF,
        done.receipt.core.certificate_serial,
        f"{RevocationReason.KEY_COMPROMISE.label} (keyCompromise)",
        "publication à venir",  # no CA reachable from this desk: the back office publishes
    ):
        assert expected in text, expected
    [code] = _qr_codes(done.pdf)
    check_desk_qr_against_event(parse_desk_qr(code), _sealing_event(journeys, done.receipt))
    assert journeys.event_types(REF)[-2:] == ["dossier.revoked", "receipt.issued"]
    assert journeys.events(REF)[-1][2]["act"] == "revocation"
    _no_secret_in(paper, done.pdf, None)


def test_an_attestation_that_cannot_be_written_leaves_the_revocation_done(
    journeys: Journeys, tmp_path: Path
) -> None:
    not_a_folder = tmp_path / "attestations"
    not_a_folder.write_text("un fichier, pas un dossier")
    printer = RecordingPrinter()
    paper = _services(journeys, printer, not_a_folder)
    appointment = journeys.checked(REF, Purpose.REVOCATION)

    done = paper.revocation.revoke(appointment, RevocationReason.CESSATION_OF_OPERATION)

    assert journeys.world.dossier_state(REF) is DossierState.REVOKED
    assert appointment.ended and done.receipt.audit_seq > 0
    assert done.pdf is None and done.print_job is None and printer.printed == []
    [problem] = done.problems
    assert problem.startswith("Attestation non enregistrée en PDF : L'attestation n'a pas pu")
    assert "ce chemin n'est pas un dossier" in problem
    event, outcome, details = journeys.events(REF)[-1]
    assert (event, outcome, details["pdf"], details["problems"]) == (
        "receipt.issued",
        "failure",
        None,
        1,
    )


def test_a_printer_that_fails_leaves_the_pin_unblocked_and_its_pdf_filed(
    journeys: Journeys, tmp_path: Path, tokens: FakeTokenPort
) -> None:
    paper = _services(journeys, RecordingPrinter(down=True), tmp_path / "attestations")
    appointment = journeys.checked(REF, Purpose.PIN_UNBLOCK)

    done = paper.pin_unblock.unblock(appointment, SERIAL, NEW_PIN, NEW_PIN)

    assert fake_token(tokens).user_pin == NEW_PIN and appointment.ended
    assert done.pdf is not None and done.pdf.is_file() and done.print_job is None
    assert done.problems == (
        f"Attestation non imprimée : Impression impossible : imprimante éteinte — {done.pdf}"
        " reste.",
    )
    assert journeys.events(REF)[-1][:2] == ("receipt.issued", "failure")


# The renderer alone -----------------------------------------------------------------------


def test_the_same_attestation_renders_to_the_same_file_and_another_never_replaces_it(
    tmp_path: Path,
) -> None:
    receipt = desk_receipt()
    first = PdfDeskReceiptRenderer().render(receipt, tmp_path)
    assert PdfDeskReceiptRenderer().render(receipt, tmp_path) == first
    other = desk_receipt(desk_core(published=False))
    with pytest.raises(StorageError, match="n'a pas été remplacé"):
        PdfDeskReceiptRenderer().render(other, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [first.name]


def test_the_attestation_pdf_says_what_it_is(tmp_path: Path) -> None:
    pdf = PdfDeskReceiptRenderer().render(desk_receipt(desk_core(DeskAct.PIN_UNBLOCK)), tmp_path)
    metadata = pypdf.PdfReader(pdf).metadata
    assert metadata is not None
    assert metadata.title == "Attestation de déblocage du code PIN d'un support de certificat"
    assert metadata.subject == "Dossier CS-2026-000125"
    assert "L'ŒILLET-BÉRANGER" in _text(pdf)


def test_a_missing_font_is_named_with_the_package_to_install(tmp_path: Path) -> None:
    renderer = PdfDeskReceiptRenderer(font_dir=tmp_path / "no-fonts")
    with pytest.raises(DeviceError, match=r"DejaVuSans\.ttf .*attestation.*fonts-dejavu-core"):
        renderer.render(desk_receipt(), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_cups_prints_an_attestation_under_its_name_and_a_failure_says_it_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf = PdfDeskReceiptRenderer().render(desk_receipt(), tmp_path / "attestations")
    folder = tmp_path / "bin"
    folder.mkdir()
    lp = folder / "lp"
    argv = tmp_path / "lp-argv"
    lp.write_text(
        f'#!/bin/sh\nfor arg in "$@"; do printf "%s\\n" "$arg" >> "{argv}"; done\n'
        'echo "request id is accueil-7 (1 file(s))"\n'
    )
    lp.chmod(lp.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{folder}:/usr/bin:/bin")
    printer = CupsPrinter("accueil", document=ATTESTATION)

    assert printer.print_file(pdf) == "accueil-7"
    assert argv.read_text().splitlines()[2:4] == [
        "-t",
        "Attestation CS-2026-000125-revocation-20260714-140509",
    ]
    lp.write_text('#!/bin/sh\necho "lp: Error - Scheduler not responding." >&2\nexit 1\n')
    with pytest.raises(DeviceError) as caught:
        printer.print_file(pdf)
    assert caught.value.message == (
        "Impression impossible : le service d'impression CUPS ne répond pas — l'attestation"
        f" reste disponible dans {pdf}."
    )
