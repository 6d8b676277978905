"""The delivery receipt as an A4 PDF (fpdf2), with its QR code, stored atomically.

The layout (DejaVu fonts, sections, rows, QR code) is ``pdf_layout``'s, shared with the
desk acts' attestations. The same receipt always gives the same bytes (the PDF's dates
are the delivery time), so a retried render finds its file.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from kiosk.adapters.receipt import pdf_layout as layout
from kiosk.adapters.receipt.atomic_file import write_atomically
from kiosk.adapters.receipt.pdf_layout import DEJAVU_DIR, MARGIN
from kiosk.domain.receipt import DeliveryReceipt, qr_payload
from kiosk.domain.receipt_text import (
    TITLE,
    fr_datetime,
    holder_name,
    receipt_file_stem,
    receipt_sections,
)

__all__ = ["DEJAVU_DIR", "PdfReceiptRenderer"]


class PdfReceiptRenderer:
    """Implements ``ReceiptRenderer``: ``render(receipt, folder) -> Path`` of the PDF."""

    def __init__(self, font_dir: Path = DEJAVU_DIR) -> None:
        self._font_dir = font_dir

    def render(self, receipt: DeliveryReceipt, folder: Path) -> Path:
        data = self.pdf_bytes(receipt)
        return write_atomically(folder, f"{receipt_file_stem(receipt)}.pdf", data)

    def pdf_bytes(self, receipt: DeliveryReceipt) -> bytes:
        core = receipt.core
        pdf = layout.new_document(
            font_dir=self._font_dir,
            cannot_make="le PV ne peut pas être produit",
            footer=f"PV de remise — dossier {core.reference} — poste {core.kiosk_id}",
            title=TITLE,
            subject=f"Dossier {core.reference}",
            author=core.office_name,
            created=core.delivered_at,
        )
        layout.title(
            pdf, TITLE, f"Dossier {core.reference} — remis le {fr_datetime(core.delivered_at)}"
        )
        for section in receipt_sections(receipt):
            layout.section(pdf, section)
        _signatures(pdf, receipt)
        return bytes(pdf.output())


def _signatures(pdf: FPDF, receipt: DeliveryReceipt) -> None:
    """Where the holder and the agent sign by hand, and the QR code at the right."""
    core = receipt.core
    top = layout.closing(
        pdf, f"Fait au bureau de retrait {core.office_name}, le {fr_datetime(core.delivered_at)}."
    )
    width = layout.frame_width(pdf)
    for index, (who, name) in enumerate(
        (
            ("Signature du titulaire", holder_name(receipt)),
            ("Signature de l'agent de retrait", core.agent_display_name),
        )
    ):
        layout.signature_box(pdf, MARGIN + index * (width + 3), top, width, who, name)
    layout.qr_code(
        pdf,
        qr_payload(receipt),
        top,
        "Code QR de contrôle du PV",
        "Code de contrôle du PV :\nvérifier avec « kiosk audit verify »",
    )
