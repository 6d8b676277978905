"""The paper after a desk act: its document's PDF and, when a printer is configured, its
print; then ``receipt.issued`` in the audit log. One path for the delivery's receipt
(procès-verbal de remise) and for the attestations of a PIN unblock or a revocation
(whose event adds ``act`` and ``sealed_by``).

It runs after the act is sealed: whatever goes wrong here becomes a French problem for
the agent and never undoes or hides the act (the document stays on screen and in the
audit log, its PDF can be made again: the same document gives the same file).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from kiosk.domain.audit import AuditDraft, DetailValue, Outcome
from kiosk.domain.desk_ports import DeskUnitOfWorkFactory
from kiosk.domain.desk_receipt import DeskReceipt, DeskReceiptRenderer
from kiosk.domain.errors import KioskError
from kiosk.domain.ports import UnitOfWorkFactory
from kiosk.domain.receipt import Printer
from kiosk.services.appointment import Appointment

ISSUED = "receipt.issued"


@dataclass(frozen=True)
class Paper:
    pdf: Path | None = None
    print_job: str | None = None
    problems: tuple[str, ...] = ()  # French


@dataclass(frozen=True)
class PaperWords:
    """How each problem is introduced to the agent (French); ``not_printed`` None: the
    printer's own message says it all."""

    not_saved: str
    not_printed: str | None
    not_journaled: str

    def said(self, intro: str | None, message: str) -> str:
        return f"{intro} : {message}" if intro else message


ATTESTATION_WORDS = PaperWords(
    "Attestation non enregistrée en PDF",
    "Attestation non imprimée",
    "Journal de l'attestation non écrit",
)
DELIVERY_WORDS = PaperWords("PV non enregistré en PDF", None, "Journal du PV non écrit")


class PaperIssuer:
    """Render → print → record, for any document whose act is already sealed."""

    def __init__(self, uow: UnitOfWorkFactory, printer: Printer | None, words: PaperWords):
        self._uow = uow
        self._printer = printer
        self._words = words

    def issue(
        self,
        render: Callable[[], Path],
        appointment: Appointment,
        details: Mapping[str, DetailValue] | None = None,
        earlier: Sequence[str] = (),
    ) -> Paper:
        """Never raises a ``KioskError``. ``earlier``: the act's own late problems, counted
        in the event and returned first; ``details`` lead the event's own."""
        words = self._words
        problems = list(earlier)
        pdf: Path | None = None
        job: str | None = None
        try:
            pdf = render()
        except KioskError as exc:
            problems.append(words.said(words.not_saved, exc.message))
        except Exception as exc:  # the act is sealed: report a broken renderer, never undo it
            problems.append(
                f"{words.not_saved} : erreur inattendue du générateur ({exc.__class__.__name__})."
            )
        if pdf is not None and self._printer is not None:
            try:
                job = self._printer.print_file(pdf)
            except KioskError as exc:
                problems.append(words.said(words.not_printed, exc.message))
        recorded: dict[str, DetailValue] = {
            **(details or {}),
            "pdf": pdf.name if pdf else None,
            "print_job": job,
            "problems": len(problems),
        }
        outcome = Outcome.FAILURE if problems else Outcome.SUCCESS
        draft = AuditDraft(
            ISSUED, outcome, appointment.session.login, appointment.reference, recorded
        )
        try:
            with self._uow() as uow:
                uow.audit.append(draft)
                uow.commit()
        except KioskError as exc:
            # The act and its document's digest are recorded; only this note is lost.
            problems.append(words.said(words.not_journaled, exc.message))
        return Paper(pdf, job, tuple(problems))


class AttestationPaper:
    def __init__(
        self,
        uow: DeskUnitOfWorkFactory,
        renderer: DeskReceiptRenderer,
        printer: Printer | None,
        folder: Path,
    ) -> None:
        self._renderer = renderer
        self._folder = folder
        self._issuer = PaperIssuer(uow, printer, ATTESTATION_WORDS)

    def issue(self, appointment: Appointment, receipt: DeskReceipt) -> Paper:
        """Render, print, record; never raises a ``KioskError``."""
        return self._issuer.issue(
            lambda: self._renderer.render(receipt, self._folder),
            appointment,
            {"act": receipt.core.act.value, "sealed_by": receipt.audit_seq},
        )


def attestation_paper(
    uow: DeskUnitOfWorkFactory,
    renderer: DeskReceiptRenderer | None,
    printer: Printer | None,
    folder: Path | None,
) -> AttestationPaper | None:
    """The paper when a renderer and a folder are configured; else none (screen only)."""
    if renderer is None or folder is None:
        return None
    return AttestationPaper(uow, renderer, printer, folder)
