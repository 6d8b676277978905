"""The paper of an act on screen (agent-facing): the delivery receipt (« Remise », once
the holder has signed it) and the attestation of a desk act (PIN unblock, revocation).

The act is recorded (a desk act's attestation sealed by the audit log) before the PDF is
written and printed: a PDF or printer problem, or a revocation that the back office is
left to publish, is shown as a warning, with where the paper stays available; it never
undoes the act. The wording is the PDF's (``receipt_lines``, ``desk_receipt_lines``);
every value comes from the dossier or the back office and is neutralised before it
reaches the terminal. Entrée or F10 goes back to the lookup screen, which repeats the
notice: « Remise effectuée » (« Renouvellement effectué » for a renewal, with the
certificate it replaces and whether that one is revoked), or the desk act's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from kiosk.domain.desk_receipt import DeskReceipt, desk_receipt_lines
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
NO_PRINTER = "aucune imprimante configurée : imprimez le PDF si le titulaire en veut un exemplaire."
NO_PDF = "non (ce kiosque n'enregistre pas les attestations en PDF : elle est à l'écran)."
REPLACED = "certificat remplacé"


def print_lines(
    pdf: Path | None, print_job: str | None, problems: Sequence[str]
) -> list[tuple[str, str]]:
    """The print job, or why there is none; nothing when a problem says it already."""
    if print_job:
        return [("Impression", f"envoyée (travail {print_job})")]
    if pdf is not None and not problems:
        return [("Impression", NO_PRINTER)]
    return []


def rows_text(lines: Iterable[tuple[str, str]]) -> Text:
    """The paper's sections (bold titles: a row without value) and rows, labels in one
    column."""
    text = Text()
    for number, (label, value) in enumerate(lines):
        if not value:
            text.append(("\n" if number else "") + neutralise(label) + "\n", style="bold")
            continue
        shown = f"{neutralise(label)} :"
        if len(shown) >= LABEL_WIDTH:  # a long label gets its own line
            shown += "\n" + " " * LABEL_WIDTH
        text.append(shown.ljust(LABEL_WIDTH), style="bold")
        text.append(neutralise(value) + "\n")
    return text


class PaperViewScreen(AppointmentScreen):
    """The act done, where its paper is (PDF, print job), each problem as a warning, then
    the paper's rows; the widgets' ids start with ``PREFIX``."""

    STEP = Step.DELIVERY
    PREFIX: ClassVar[str]
    KEPT: ClassVar[str] = ""  # what each warning adds to say the act stands all the same

    def __init__(self, flow: AppointmentFlow, notice: str, problems: Sequence[str]) -> None:
        super().__init__(flow)
        self.notice = notice
        self.problems = tuple(problems)

    def file_lines(self) -> list[tuple[str, str]]:
        raise NotImplementedError

    def paper(self) -> Text:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        prefix = self.PREFIX
        yield SessionBar(self.flow.session, self.flow.info)
        yield self.progress_header()
        with VerticalScroll(id=f"{prefix}-body"):
            yield StatusLine(f"{self.notice} Entrée : terminer.", Kind.OK, id=f"{prefix}-status")
            where = Text()
            for label, value in self.file_lines():
                where.append(f"{label} : ", style="bold")
                where.append(neutralise(value) + "\n")
            yield Static(where, id=f"{prefix}-files", markup=False)
            for number, problem in enumerate(self.problems, start=1):
                yield Static(
                    f"⚠ Attention : {neutralise(problem)}{self.KEPT}",
                    id=f"{prefix}-problem-{number}",
                    classes="receipt-problem",
                    markup=False,
                )
            yield Static(self.paper(), id=prefix, markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(f"#{self.PREFIX}-body", VerticalScroll).focus()

    def action_done(self) -> None:
        self.post_message(ReturnToLookup(self.notice, Kind.OK))


# The delivery receipt


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
    saved = ("PV enregistré", str(delivered.pdf) if delivered.pdf else "non enregistré")
    return [saved, *print_lines(delivered.pdf, delivered.print_job, delivered.problems)]


class ReceiptViewScreen(PaperViewScreen):
    PREFIX = "receipt"
    KEPT = " La remise est bien enregistrée."
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "done", "Terminer la remise", priority=True),
        Binding("f10", "done", "Retour à la recherche"),
    ]

    def __init__(self, flow: AppointmentFlow, delivered: Delivered) -> None:
        super().__init__(flow, delivered_notice(delivered), delivered.problems)
        self.delivered = delivered

    def file_lines(self) -> list[tuple[str, str]]:
        return file_lines(self.delivered)

    def paper(self) -> Text:
        return rows_text(receipt_lines(self.delivered.receipt))


# A desk act's attestation


def attestation_file_lines(
    pdf: Path | None, print_job: str | None, problems: Sequence[str]
) -> list[tuple[str, str]]:
    """Where the attestation is: its PDF, its print job (or why there is none)."""
    # A failed PDF is one of the problems; without any, this kiosk files none.
    unsaved = "non enregistrée" if problems else NO_PDF
    saved = ("Attestation enregistrée", str(pdf) if pdf is not None else unsaved)
    return [saved, *print_lines(pdf, print_job, problems)]


class DeskReceiptViewScreen(PaperViewScreen):
    PREFIX = "desk-receipt"
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
        super().__init__(flow, notice, problems)
        self.receipt = receipt
        self.pdf = pdf
        self.print_job = print_job

    def file_lines(self) -> list[tuple[str, str]]:
        return attestation_file_lines(self.pdf, self.print_job, self.problems)

    def paper(self) -> Text:
        return rows_text(desk_receipt_lines(self.receipt))
