"""The delivery receipt as an A4 PDF (fpdf2), with its QR code, stored atomically.

French text needs more than Latin-1 (Œ, œ, typographic quotes), so the PDF embeds the
DejaVu fonts of the Debian package fonts-dejavu-core. The same receipt always gives the
same bytes (the PDF's dates are the delivery time), so a retried render finds its file.
"""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

import qrcode
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from qrcode.constants import ERROR_CORRECT_M

from kiosk.adapters.receipt.atomic_file import write_atomically
from kiosk.domain.errors import DeviceError
from kiosk.domain.receipt import DeliveryReceipt, qr_payload
from kiosk.domain.receipt_text import (
    TITLE,
    ReceiptRow,
    ReceiptSection,
    fr_datetime,
    holder_name,
    receipt_file_stem,
    receipt_sections,
)

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
_FONT_FILES = {
    ("Sans", ""): "DejaVuSans.ttf",
    ("Sans", "B"): "DejaVuSans-Bold.ttf",
    ("Mono", ""): "DejaVuSansMono.ttf",
}
MARGIN = 15.0
LABEL_WIDTH = 44.0
LINE = 4.2
QR_SIZE = 34.0
_GREY = (90, 90, 90)
_BAND = (232, 236, 242)


class _ReceiptPdf(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self._footer_text = footer_text

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Sans", "", 7)
        self.set_text_color(*_GREY)
        self.cell(0, 4, f"{self._footer_text} — page {self.page_no()}/{{nb}}", align="C")


class PdfReceiptRenderer:
    """Implements ``ReceiptRenderer``: ``render(receipt, folder) -> Path`` of the PDF."""

    def __init__(self, font_dir: Path = DEJAVU_DIR) -> None:
        self._font_dir = font_dir

    def render(self, receipt: DeliveryReceipt, folder: Path) -> Path:
        data = self.pdf_bytes(receipt)
        return write_atomically(folder, f"{receipt_file_stem(receipt)}.pdf", data)

    def pdf_bytes(self, receipt: DeliveryReceipt) -> bytes:
        core = receipt.core
        pdf = _ReceiptPdf(f"PV de remise — dossier {core.reference} — poste {core.kiosk_id}")
        self._add_fonts(pdf)
        pdf.set_title(TITLE)
        pdf.set_subject(f"Dossier {core.reference}")
        pdf.set_author(core.office_name)
        pdf.set_lang("fr-FR")
        pdf.set_creation_date(core.delivered_at)
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.set_auto_page_break(auto=True, margin=18)
        pdf.add_page()
        _title(pdf, receipt)
        for section in receipt_sections(receipt):
            _section(pdf, section)
        _signatures(pdf, receipt)
        return bytes(pdf.output())

    def _add_fonts(self, pdf: FPDF) -> None:
        for (family, style), file_name in _FONT_FILES.items():
            path = self._font_dir / file_name
            if not path.is_file():
                raise DeviceError(
                    f"Police {file_name} introuvable dans {self._font_dir} : le PV ne peut pas"
                    " être produit. Installer le paquet Debian fonts-dejavu-core."
                )
            pdf.add_font(family, style, str(path))


def _title(pdf: FPDF, receipt: DeliveryReceipt) -> None:
    pdf.set_font("Sans", "B", 12.5)
    pdf.multi_cell(0, 6, TITLE, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Sans", "", 9.5)
    pdf.set_text_color(*_GREY)
    core = receipt.core
    subtitle = f"Dossier {core.reference} — remis le {fr_datetime(core.delivered_at)}"
    pdf.multi_cell(0, 5, subtitle, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(2)


def _section(pdf: FPDF, section: ReceiptSection) -> None:
    if pdf.will_page_break(6 + 2 * LINE):  # keep a heading with its first rows
        pdf.add_page()
    pdf.set_fill_color(*_BAND)
    pdf.set_font("Sans", "B", 9.5)
    pdf.cell(0, 5.5, f" {section.title}", fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(0.8)
    if section.statement:
        pdf.set_font("Sans", "", 9)
        statement = _printable(section.statement)
        pdf.multi_cell(0, LINE, statement, align="J", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(0.8)
    for row in section.rows:
        _row(pdf, row)
    pdf.ln(1.2)


def _row(pdf: FPDF, row: ReceiptRow) -> None:
    row = ReceiptRow(_printable(row.label), _printable(row.value), row.mono)
    value_width = pdf.epw - LABEL_WIDTH
    _value_font(pdf, row)
    value_lines = _line_count(pdf, value_width, row.value)
    pdf.set_font("Sans", "", 8.5)
    label_lines = _line_count(pdf, LABEL_WIDTH - 2, row.label)
    height = LINE * max(value_lines, label_lines)
    if pdf.will_page_break(height):
        pdf.add_page()
    top = pdf.get_y()
    pdf.set_text_color(*_GREY)
    pdf.multi_cell(LABEL_WIDTH - 2, LINE, row.label, align="L")
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(MARGIN + LABEL_WIDTH, top)
    _value_font(pdf, row)
    pdf.multi_cell(value_width, LINE, row.value, align="L")
    pdf.set_xy(MARGIN, top + height + 0.3)


def _printable(text: str) -> str:
    """Control characters (a stray tab in an imported address) print as a space."""
    return "".join(" " if ch != "\n" and unicodedata.category(ch) == "Cc" else ch for ch in text)


def _line_count(pdf: FPDF, width: float, text: str) -> int:
    lines = pdf.multi_cell(width, LINE, text, dry_run=True, output="LINES")
    assert isinstance(lines, list)
    return len(lines)


def _value_font(pdf: FPDF, row: ReceiptRow) -> None:
    if row.mono:
        pdf.set_font("Mono", "", 8)
    else:
        pdf.set_font("Sans", "", 9)


def _signatures(pdf: FPDF, receipt: DeliveryReceipt) -> None:
    """Where the holder and the agent sign by hand, and the QR code at the right."""
    core = receipt.core
    if pdf.will_page_break(6 + QR_SIZE + 8):
        pdf.add_page()
    pdf.set_font("Sans", "", 8.5)
    place = _printable(
        f"Fait au bureau de retrait {core.office_name}, le {fr_datetime(core.delivered_at)}."
    )
    pdf.multi_cell(0, 4, place, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)
    top = pdf.get_y()
    box_width = (pdf.epw - QR_SIZE - 8) / 2
    for index, (who, name) in enumerate(
        (
            ("Signature du titulaire", holder_name(receipt)),
            ("Signature de l'agent de retrait", core.agent_display_name),
        )
    ):
        x = MARGIN + index * (box_width + 3)
        pdf.set_draw_color(150, 150, 150)
        pdf.rect(x, top, box_width, QR_SIZE)
        pdf.set_xy(x + 2, top + 1.5)
        pdf.set_font("Sans", "B", 8.5)
        pdf.multi_cell(box_width - 4, 4, who, new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font("Sans", "", 8)
        pdf.multi_cell(box_width - 4, 4, _printable(name), new_x=XPos.LEFT, new_y=YPos.NEXT)
    _qr(pdf, receipt, MARGIN + pdf.epw - QR_SIZE, top)


def _qr(pdf: FPDF, receipt: DeliveryReceipt, x: float, y: float) -> None:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=8, border=4)
    code.add_data(qr_payload(receipt))
    code.make(fit=True)
    png = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(png)
    png.seek(0)
    pdf.image(png, x=x, y=y, w=QR_SIZE, h=QR_SIZE, alt_text="Code QR de contrôle du PV")
    pdf.set_xy(x - 4, y + QR_SIZE)
    pdf.set_font("Sans", "", 6.5)
    pdf.set_text_color(*_GREY)
    caption = "Code de contrôle du PV :\nvérifier avec « kiosk audit verify »"
    pdf.multi_cell(QR_SIZE + 8, 3, caption, align="C")
    pdf.set_text_color(0, 0, 0)
