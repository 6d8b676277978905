"""The attestation of a desk act (PIN unblock, revocation) on screen, agent-facing.

The act is recorded, and its attestation sealed by the audit log, before the PDF is
written and printed: a PDF or printer problem, or a revocation that the back office is
left to publish, is a warning here and never undoes the act. The attestation's wording is
the PDF's (``desk_receipt_lines``). Entrée or F10 goes back to the lookup screen, which
repeats ``notice``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from kiosk.domain.desk_receipt import DeskReceipt, desk_receipt_lines
from kiosk.ui.appointment_flow import AppointmentFlow, ReturnToLookup
from kiosk.ui.safe_text import neutralise
from kiosk.ui.screens.appointment_screen import AppointmentScreen
from kiosk.ui.widgets.progress_header import Step
from kiosk.ui.widgets.session_bar import SessionBar
from kiosk.ui.widgets.status_line import Kind, StatusLine

LABEL_WIDTH = 28
NO_PDF = "non (ce kiosque n'enregistre pas les attestations en PDF : elle est à l'écran)."
NO_PRINTER = "aucune imprimante configurée : imprimez le PDF si le titulaire en veut un exemplaire."


def attestation_file_lines(
    pdf: Path | None, print_job: str | None, problems: Sequence[str]
) -> list[tuple[str, str]]:
    """Where the attestation is: its PDF, its print job (or why there is none)."""
    # A failed PDF is one of the problems; without any, this kiosk files none.
    unsaved = "non enregistrée" if problems else NO_PDF
    lines = [("Attestation enregistrée", str(pdf) if pdf is not None else unsaved)]
    if print_job:
        lines.append(("Impression", f"envoyée (travail {print_job})"))
    elif pdf is not None and not problems:
        lines.append(("Impression", NO_PRINTER))
    return lines


def attestation_text(receipt: DeskReceipt) -> Text:
    """The attestation's sections (bold titles) and rows, labels in one column."""
    text = Text()
    for number, (label, value) in enumerate(desk_receipt_lines(receipt)):
        if not value:
            text.append(("\n" if number else "") + neutralise(label) + "\n", style="bold")
            continue
        shown = f"{neutralise(label)} :"
        if len(shown) >= LABEL_WIDTH:  # a long label gets its own line
            shown += "\n" + " " * LABEL_WIDTH
        text.append(shown.ljust(LABEL_WIDTH), style="bold")
        text.append(neutralise(value) + "\n")
    return text


class DeskReceiptViewScreen(AppointmentScreen):
    STEP = Step.DELIVERY
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "done", "Terminer", priority=True),
        Binding("f10", "done", "Retour à la recherche"),
    ]

    def __init__(
        self,
        flow: AppointmentFlow,
        receipt: DeskReceipt,
        notice: str,
        *,
        pdf: Path | None = None,
        print_job: str | None = None,
        problems: Sequence[str] = (),
    ) -> None:
        super().__init__(flow)
        self.receipt = receipt
        self.notice = notice
        self.pdf = pdf
        self.print_job = print_job
        self.problems = tuple(problems)

    def compose(self) -> ComposeResult:
        yield SessionBar(self.flow.session, self.flow.info)
        yield self.progress_header()
        with VerticalScroll(id="desk-receipt-body"):
            yield StatusLine(f"{self.notice} Entrée : terminer.", Kind.OK, id="desk-receipt-status")
            files = Text()
            for label, value in attestation_file_lines(self.pdf, self.print_job, self.problems):
                files.append(f"{label} : ", style="bold")
                files.append(neutralise(value) + "\n")
            yield Static(files, id="desk-receipt-files", markup=False)
            for number, problem in enumerate(self.problems, start=1):
                yield Static(
                    f"⚠ Attention : {neutralise(problem)}",
                    id=f"desk-receipt-problem-{number}",
                    classes="receipt-problem",
                    markup=False,
                )
            yield Static(attestation_text(self.receipt), id="desk-receipt", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#desk-receipt-body", VerticalScroll).focus()

    def action_done(self) -> None:
        self.post_message(ReturnToLookup(self.notice, Kind.OK))
