"""The PDF receipt read back as an auditor would: its text with pypdf, its QR code with zxing.

pdftoppm (poppler-utils) also turns the page into pixels, and the QR code must decode from
that picture of the page, as a phone would read the printed sheet.
"""

from __future__ import annotations

import re
import resource
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pypdf
import pytest
import zxingcpp
from PIL import Image

from kiosk.adapters.receipt.pdf_receipt import PdfReceiptRenderer
from kiosk.domain.errors import DeviceError, StorageError
from kiosk.domain.receipt import DeliveryReceipt, qr_payload
from tests.unit.receipt_samples import LONG_COMPANY, sample_core, sample_receipt

pytestmark = pytest.mark.integration

FILE_NAME = "CS-2026-000123-20260714-140509.pdf"  # delivered 12:05:09 UTC, 14:05:09 in Paris


def _text(pdf: Path) -> str:
    """The PDF's text with every run of blanks as one space (justified lines stretch them)."""
    pages = pypdf.PdfReader(pdf).pages
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))


def _decoded_qr_codes(image: Image.Image) -> list[str]:
    return [code.text for code in zxingcpp.read_barcodes(image)]


def _qr_codes_on(page: pypdf.PageObject) -> list[str]:
    """Decode the QR codes of the images embedded in a page, as they are stored."""
    decoded: list[str] = []
    for embedded in page.images:
        assert embedded.image is not None, embedded.name
        decoded.extend(_decoded_qr_codes(embedded.image))
    return decoded


@pytest.fixture
def receipt() -> DeliveryReceipt:
    return sample_receipt()


@pytest.fixture
def rendered(tmp_path: Path, receipt: DeliveryReceipt) -> Path:
    return PdfReceiptRenderer().render(receipt, tmp_path / "receipts")


def test_the_receipt_is_filed_under_its_reference_and_paris_time(
    rendered: Path, tmp_path: Path
) -> None:
    assert rendered == tmp_path / "receipts" / FILE_NAME
    assert sorted(p.name for p in rendered.parent.iterdir()) == [FILE_NAME]
    assert rendered.read_bytes().startswith(b"%PDF-")


def test_the_pdf_text_states_the_delivery(rendered: Path, receipt: DeliveryReceipt) -> None:
    text = _text(rendered)
    core = receipt.core
    for expected in (
        "Procès-verbal de remise en face-à-face d'un certificat électronique",
        "CS-2026-000123",
        "L'ŒILLET-BÉRANGER",
        "Zoé Anaïs",
        LONG_COMPANY,
        "732 829 320",
        "CCI Bretagne Ouest — bureau de Brest",
        "1 place du 19e Régiment d'Infanterie, 29200 Brest",
        "Maëlle Le Gœnnec (mlegoennec)",
        "14/07/2026 à 14:05:09 (heure de Paris)",
        core.certificate_serial,
        core.certificate_fingerprint,
        "0F1E2D3C4B5A",
        "Carte nationale d'identité",
        "version CGU-2026.1 acceptée",
        "Signature du titulaire",
        "Signature de l'agent de retrait",
        receipt.audit_hash,
    ):
        assert expected in text, expected


def test_the_pdf_says_what_it_is(rendered: Path) -> None:
    metadata = pypdf.PdfReader(rendered).metadata
    assert metadata is not None
    assert metadata.title == "Procès-verbal de remise en face-à-face d'un certificat électronique"
    assert metadata.subject == "Dossier CS-2026-000123"


def test_the_qr_code_image_in_the_pdf_reads_as_the_receipt_payload(
    rendered: Path, receipt: DeliveryReceipt
) -> None:
    assert _qr_codes_on(pypdf.PdfReader(rendered).pages[-1]) == [qr_payload(receipt)]


def test_the_qr_code_reads_from_a_picture_of_the_page(
    rendered: Path, receipt: DeliveryReceipt, tmp_path: Path
) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm absent (paquet poppler-utils)")
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", rendered, tmp_path / "page"],
        check=True,
        timeout=60,
    )
    with Image.open(tmp_path / "page.png") as picture:
        assert _decoded_qr_codes(picture) == [qr_payload(receipt)]


def test_a_crowded_receipt_goes_on_to_a_second_page_with_its_qr_code(tmp_path: Path) -> None:
    checks = tuple((f"Vérification complémentaire n° {i}", "conforme") for i in range(1, 16))
    address = "Zone d'activité de Kergaradec — " * 6 + "29850 Gouesnou"
    receipt = sample_receipt(sample_core(identity_checks=checks, office_address=address))
    pdf = PdfReceiptRenderer().render(receipt, tmp_path)
    pages = pypdf.PdfReader(pdf).pages
    assert len(pages) == 2
    assert "Vérification complémentaire n° 15" in _text(pdf)
    assert _qr_codes_on(pages[1]) == [qr_payload(receipt)]


def test_rendering_the_same_receipt_again_finds_the_same_file(
    rendered: Path, receipt: DeliveryReceipt
) -> None:
    first = rendered.read_bytes()
    assert PdfReceiptRenderer().render(receipt, rendered.parent) == rendered
    assert rendered.read_bytes() == first


def test_another_receipt_never_replaces_a_stored_one(rendered: Path) -> None:
    first = rendered.read_bytes()
    other = sample_receipt(audit_seq=4813)
    with pytest.raises(StorageError, match="n'a pas été remplacé"):
        PdfReceiptRenderer().render(other, rendered.parent)
    assert rendered.read_bytes() == first
    assert [p.name for p in rendered.parent.iterdir()] == [FILE_NAME]


def test_a_folder_that_cannot_exist_gives_a_french_storage_error(
    tmp_path: Path, receipt: DeliveryReceipt
) -> None:
    blocker = tmp_path / "receipts"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(StorageError, match=r"Le PV n'a pas pu être enregistré dans .*receipts"):
        PdfReceiptRenderer().render(receipt, blocker / "2026")
    assert [p.name for p in tmp_path.iterdir()] == ["receipts"]


@contextmanager
def _files_limited_to(size: int) -> Iterator[None]:
    # The kernel refuses any write past ``size`` bytes (EFBIG), like a disk that fills up
    # in the middle of the file. Python ignores SIGXFSZ, so the write fails with OSError.
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


def test_a_disk_that_fills_up_mid_write_leaves_no_partial_receipt(
    tmp_path: Path, receipt: DeliveryReceipt
) -> None:
    folder = tmp_path / "receipts"
    folder.mkdir()
    renderer = PdfReceiptRenderer()
    with _files_limited_to(4096), pytest.raises(StorageError, match="le disque est plein"):
        renderer.render(receipt, folder)
    assert list(folder.iterdir()) == []


def test_a_missing_font_is_named_with_the_package_to_install(
    tmp_path: Path, receipt: DeliveryReceipt
) -> None:
    with pytest.raises(DeviceError, match=r"DejaVuSans\.ttf .*fonts-dejavu-core"):
        PdfReceiptRenderer(font_dir=tmp_path / "no-fonts").render(receipt, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_stray_tab_in_an_imported_address_prints_as_a_space(tmp_path: Path) -> None:
    receipt = sample_receipt(sample_core(office_address="1 place\tdu Port, 29200 Brest"))
    pdf = PdfReceiptRenderer().render(receipt, tmp_path)
    assert "1 place du Port, 29200 Brest" in _text(pdf)
