"""The A4 layout shared by the kiosk's PDF documents (the delivery receipt, the desk acts'
attestations): DejaVu fonts, a footer with page numbers, banded section headings, label
and value rows, and a QR code image with its caption.

French text needs more than Latin-1 (Œ, œ, typographic quotes), so the PDF embeds the
DejaVu fonts of the Debian package fonts-dejavu-core. A document's dates are its facts'
dates, so the same document always gives the same bytes and a retried render finds its
file.
"""

from __future__ import annotations

import io
import unicodedata
from datetime import datetime
from pathlib import Path

import qrcode
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from qrcode.constants import ERROR_CORRECT_M

from kiosk.domain.errors import DeviceError
from kiosk.domain.receipt_text import ReceiptRow, ReceiptSection

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
GREY = (90, 90, 90)
_BAND = (232, 236, 242)


class _FooteredPdf(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self._footer_text = footer_text

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Sans", "", 7)
        self.set_text_color(*GREY)
        self.cell(0, 4, f"{self._footer_text} — page {self.page_no()}/{{nb}}", align="C")


def new_document(
    *,
    font_dir: Path,
    cannot_make: str,
    footer: str,
    title: str,
    subject: str,
    author: str,
    created: datetime,
) -> FPDF:
    """An A4 PDF with its fonts, metadata and first page. ``cannot_make`` says in French
    what cannot be made without them (« le PV ne peut pas être produit »)."""
    pdf = _FooteredPdf(footer)
    for (family, style), file_name in _FONT_FILES.items():
        path = font_dir / file_name
        if not path.is_file():
            raise DeviceError(
                f"Police {file_name} introuvable dans {font_dir} : {cannot_make}. Installer le"
                " paquet Debian fonts-dejavu-core."
            )
        pdf.add_font(family, style, str(path))
    pdf.set_title(title)
    pdf.set_subject(subject)
    pdf.set_author(author)
    pdf.set_lang("fr-FR")
    pdf.set_creation_date(created)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    return pdf


def title(pdf: FPDF, heading: str, subtitle: str) -> None:
    pdf.set_font("Sans", "B", 12.5)
    pdf.multi_cell(0, 6, heading, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Sans", "", 9.5)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(0, 5, printable(subtitle), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(2)


def section(pdf: FPDF, part: ReceiptSection) -> None:
    if pdf.will_page_break(6 + 2 * LINE):  # keep a heading with its first rows
        pdf.add_page()
    pdf.set_fill_color(*_BAND)
    pdf.set_font("Sans", "B", 9.5)
    pdf.cell(0, 5.5, f" {part.title}", fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(0.8)
    if part.statement:
        pdf.set_font("Sans", "", 9)
        statement = printable(part.statement)
        pdf.multi_cell(0, LINE, statement, align="J", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(0.8)
    for row in part.rows:
        _row(pdf, row)
    pdf.ln(1.2)


def _row(pdf: FPDF, row: ReceiptRow) -> None:
    row = ReceiptRow(printable(row.label), printable(row.value), row.mono)
    value_width = pdf.epw - LABEL_WIDTH
    _value_font(pdf, row)
    value_lines = _line_count(pdf, value_width, row.value)
    pdf.set_font("Sans", "", 8.5)
    label_lines = _line_count(pdf, LABEL_WIDTH - 2, row.label)
    height = LINE * max(value_lines, label_lines)
    if pdf.will_page_break(height):
        pdf.add_page()
    top = pdf.get_y()
    pdf.set_text_color(*GREY)
    pdf.multi_cell(LABEL_WIDTH - 2, LINE, row.label, align="L")
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(MARGIN + LABEL_WIDTH, top)
    _value_font(pdf, row)
    pdf.multi_cell(value_width, LINE, row.value, align="L")
    pdf.set_xy(MARGIN, top + height + 0.3)


def printable(text: str) -> str:
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


def closing(pdf: FPDF, place: str) -> float:
    """The place and date, kept on one page with the frames and the QR code below them;
    returns their top."""
    if pdf.will_page_break(6 + QR_SIZE + 8):
        pdf.add_page()
    pdf.set_font("Sans", "", 8.5)
    pdf.multi_cell(0, 4, printable(place), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)
    return pdf.get_y()


def frame_width(pdf: FPDF) -> float:
    """Two signature frames side by side leave the right for the QR code."""
    return (pdf.epw - QR_SIZE - 8) / 2


def signature_box(pdf: FPDF, x: float, top: float, width: float, who: str, name: str) -> None:
    """A frame, as high as the QR code, where someone signs by hand under their name."""
    pdf.set_draw_color(150, 150, 150)
    pdf.rect(x, top, width, QR_SIZE)
    pdf.set_xy(x + 2, top + 1.5)
    pdf.set_font("Sans", "B", 8.5)
    pdf.multi_cell(width - 4, 4, who, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font("Sans", "", 8)
    pdf.multi_cell(width - 4, 4, printable(name), new_x=XPos.LEFT, new_y=YPos.NEXT)


def qr_code(pdf: FPDF, payload: str, y: float, alt_text: str, caption: str) -> None:
    """The QR code of ``payload`` at the right margin from ``y``, ``caption`` below it."""
    x = MARGIN + pdf.epw - QR_SIZE
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=8, border=4)
    code.add_data(payload)
    code.make(fit=True)
    png = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(png)
    png.seek(0)
    pdf.image(png, x=x, y=y, w=QR_SIZE, h=QR_SIZE, alt_text=alt_text)
    pdf.set_xy(x - 4, y + QR_SIZE)
    pdf.set_font("Sans", "", 6.5)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(QR_SIZE + 8, 3, caption, align="C")
    pdf.set_text_color(0, 0, 0)
