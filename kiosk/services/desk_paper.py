"""The paper of a desk act's attestation: its PDF and, when a printer is configured, its
print; then ``receipt.issued`` in the audit log (``act``: ``pin_unblock`` or
``revocation``; the delivery's receipt records the same event without ``act``).

It runs after the act is sealed: whatever goes wrong here becomes a French problem for
the agent and never undoes or hides the act (the attestation stays on screen and in the
audit log, its PDF can be made again: the same attestation gives the same file).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kiosk.domain.audit import AuditDraft, DetailValue, Outcome
from kiosk.domain.desk_ports import DeskUnitOfWorkFactory
from kiosk.domain.desk_receipt import DeskReceipt, DeskReceiptRenderer
from kiosk.domain.errors import KioskError
from kiosk.domain.receipt import Printer
from kiosk.services.appointment import Appointment

ISSUED = "receipt.issued"


@dataclass(frozen=True)
class Paper:
    pdf: Path | None = None
    print_job: str | None = None
    problems: tuple[str, ...] = ()  # French


class AttestationPaper:
    def __init__(
        self,
        uow: DeskUnitOfWorkFactory,
        renderer: DeskReceiptRenderer,
        printer: Printer | None,
        folder: Path,
    ) -> None:
        self._uow = uow
        self._renderer = renderer
        self._printer = printer
        self._folder = folder

    def issue(self, appointment: Appointment, receipt: DeskReceipt) -> Paper:
        """Render, print, record; never raises a ``KioskError``."""
        problems: list[str] = []
        pdf: Path | None = None
        job: str | None = None
        try:
            pdf = self._renderer.render(receipt, self._folder)
        except KioskError as exc:
            problems.append(f"Attestation non enregistrée en PDF : {exc.message}")
        except Exception as exc:  # the act is sealed: report a broken renderer, never undo it
            problems.append(
                "Attestation non enregistrée en PDF : erreur inattendue du générateur"
                f" ({exc.__class__.__name__})."
            )
        if pdf is not None and self._printer is not None:
            try:
                job = self._printer.print_file(pdf)
            except KioskError as exc:
                problems.append(f"Attestation non imprimée : {exc.message}")
        self._record(appointment, receipt, pdf, job, problems)
        return Paper(pdf, job, tuple(problems))

    def _record(
        self,
        appointment: Appointment,
        receipt: DeskReceipt,
        pdf: Path | None,
        job: str | None,
        problems: list[str],
    ) -> None:
        details: dict[str, DetailValue] = {
            "act": receipt.core.act.value,
            "sealed_by": receipt.audit_seq,
            "pdf": pdf.name if pdf else None,
            "print_job": job,
            "problems": len(problems),
        }
        draft = AuditDraft(
            ISSUED,
            Outcome.FAILURE if problems else Outcome.SUCCESS,
            appointment.session.login,
            appointment.reference,
            details,
        )
        try:
            with self._uow() as uow:
                uow.audit.append(draft)
                uow.commit()
        except KioskError as exc:
            # The act and its attestation's digest are recorded; only this note is lost.
            problems.append(f"Journal de l'attestation non écrit : {exc.message}")


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
