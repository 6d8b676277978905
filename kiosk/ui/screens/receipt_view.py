"""« Remise »: the delivery receipt on screen (agent-facing), once the holder has signed it.

The delivery is recorded before the PDF is written and printed: a PDF or printer problem
is shown as a warning, with where the receipt stays available; it never undoes the
delivery. The receipt's wording is the PDF's (``receipt_lines``). Entrée or F10 goes back
to the lookup screen, which says « Remise effectuée » (« Renouvellement effectué » for a
renewal, with the certificate it replaces and whether that one is revoked).
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from kiosk.domain.receipt import receipt_lines
from kiosk.domain.receipt_text import holder_name
from kiosk.services.delivery import Delivered
from kiosk.ui.appointment_flow import AppointmentFlow, ReturnToLookup
from kiosk.ui.safe_text import neutralise
from kiosk.ui.screens.appointment_screen import AppointmentScreen
from kiosk.ui.widgets.progress_header import Step
from kiosk.ui.widgets.session_bar import SessionBar
from kiosk.ui.widgets.status_line import Kind, StatusLine

LABEL_WIDTH = 28
REPLACED = "certificat remplacé"
NO_PRINTER = "aucune imprimante configurée : imprimez le PDF si le titulaire en veut un exemplaire."


def replaced_revoked(delivered: Delivered) -> bool:
    """Whether the certificate a renewal replaces was revoked at the CA: when it was not,
    ``DeliveryService.accept`` says so among the problems, naming « certificat remplacé »."""
    return not any(REPLACED in problem.lower() for problem in delivered.problems)


def delivered_notice(delivered: Delivered) -> str:
    receipt = delivered.receipt
    done = f"dossier {receipt.reference} remis à {holder_name(receipt)}"
    replaced = receipt.core.superseded_certificate_serial
    if replaced is None:
        return f"Remise effectuée : {done}."
    fate = "révoqué" if replaced_revoked(delivered) else "révocation à publier par le back-office"
    return f"Renouvellement effectué : {done} ; certificat remplacé n° {replaced} : {fate}."


def file_lines(delivered: Delivered) -> list[tuple[str, str]]:
    """Where the receipt is: its PDF, its print job (or why there is none)."""
    lines = [("PV enregistré", str(delivered.pdf) if delivered.pdf else "non enregistré")]
    if delivered.print_job:
        lines.append(("Impression", f"envoyée (travail {delivered.print_job})"))
    elif delivered.pdf is not None and not delivered.problems:
        lines.append(("Impression", NO_PRINTER))
    return lines


def receipt_text(delivered: Delivered) -> Text:
    """The receipt's sections (bold titles) and rows, labels in one column."""
    text = Text()
    for number, (label, value) in enumerate(receipt_lines(delivered.receipt)):
        if not value:
            text.append(("\n" if number else "") + neutralise(label) + "\n", style="bold")
            continue
        shown = f"{neutralise(label)} :"
        if len(shown) >= LABEL_WIDTH:  # a long label gets its own line
            shown += "\n" + " " * LABEL_WIDTH
        text.append(shown.ljust(LABEL_WIDTH), style="bold")
        text.append(neutralise(value) + "\n")
    return text


class ReceiptViewScreen(AppointmentScreen):
    STEP = Step.DELIVERY
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "done", "Terminer la remise", priority=True),
        Binding("f10", "done", "Retour à la recherche"),
    ]

    def __init__(self, flow: AppointmentFlow, delivered: Delivered) -> None:
        super().__init__(flow)
        self.delivered = delivered

    def compose(self) -> ComposeResult:
        delivered = self.delivered
        yield SessionBar(self.flow.session, self.flow.info)
        yield self.progress_header()
        with VerticalScroll(id="receipt-body"):
            yield StatusLine(
                f"{delivered_notice(delivered)} Entrée : terminer.", Kind.OK, id="receipt-status"
            )
            files = Text()
            for label, value in file_lines(delivered):
                files.append(f"{label} : ", style="bold")
                files.append(neutralise(value) + "\n")
            yield Static(files, id="receipt-files", markup=False)
            for number, problem in enumerate(delivered.problems, start=1):
                yield Static(
                    f"⚠ Attention : {neutralise(problem)} La remise est bien enregistrée.",
                    id=f"receipt-problem-{number}",
                    classes="receipt-problem",
                    markup=False,
                )
            yield Static(receipt_text(delivered), id="receipt", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#receipt-body", VerticalScroll).focus()

    def action_done(self) -> None:
        self.post_message(ReturnToLookup(delivered_notice(self.delivered), Kind.OK))
