"""The attestation of a desk act (PIN unblock, revocation) as an A4 PDF, stored atomically.

It states ``desk_receipt_lines`` (the same facts as the screen), the audit event that seals
it, and a QR code (``desk_qr_payload``) an auditor checks against that event. The holder
signed nothing with a key: a frame is left for the agent's hand signature and stamp. The
file is named after the dossier, the act and the Paris time: never a secret. The same
attestation always gives the same bytes, so a retried render finds its file.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from kiosk.adapters.receipt import pdf_layout as layout
from kiosk.adapters.receipt.atomic_file import write_atomically
from kiosk.adapters.receipt.pdf_layout import DEJAVU_DIR, MARGIN
from kiosk.domain.desk_receipt import (
    DeskReceipt,
    desk_qr_payload,
    desk_receipt_file_stem,
    desk_receipt_sections,
)
from kiosk.domain.receipt_text import fr_datetime

NOT_STORED = "L'attestation n'a pas pu être enregistrée"


class PdfDeskReceiptRenderer:
    """Implements ``DeskReceiptRenderer``: ``render(receipt, folder) -> Path`` of the PDF."""

    def __init__(self, font_dir: Path = DEJAVU_DIR) -> None:
        self._font_dir = font_dir

    def render(self, receipt: DeskReceipt, folder: Path) -> Path:
        data = self.pdf_bytes(receipt)
        name = f"{desk_receipt_file_stem(receipt)}.pdf"
        return write_atomically(folder, name, data, not_stored=NOT_STORED)

    def pdf_bytes(self, receipt: DeskReceipt) -> bytes:
        core = receipt.core
        heading = core.act.heading
        pdf = layout.new_document(
            font_dir=self._font_dir,
            cannot_make="l'attestation ne peut pas être produite",
            footer=f"Attestation — dossier {core.reference} — poste {core.kiosk_id}",
            title=heading,
            subject=f"Dossier {core.reference}",
            author=core.office_name,
            created=core.done_at,
        )
        layout.title(pdf, heading, f"Dossier {core.reference} — le {fr_datetime(core.done_at)}")
        for section in desk_receipt_sections(receipt):
            layout.section(pdf, section)
        _closing(pdf, receipt)
        return bytes(pdf.output())


def _closing(pdf: FPDF, receipt: DeskReceipt) -> None:
    """Where and when, the agent's frame, and the QR code at the right."""
    core = receipt.core
    top = layout.closing(
        pdf, f"Fait au bureau de retrait {core.office_name}, le {fr_datetime(core.done_at)}."
    )
    layout.signature_box(
        pdf, MARGIN, top, layout.frame_width(pdf), "Signature et cachet de l'agent",
        core.agent_display_name,
    )  # fmt: skip
    layout.qr_code(
        pdf,
        desk_qr_payload(receipt),
        top,
        "Code QR de contrôle de l'attestation",
        "Code de contrôle de l'attestation :\nvérifier avec « kiosk audit verify »",
    )
