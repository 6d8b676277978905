"""The end of a delivery: the receipt (procès-verbal de remise) the holder accepts by
signing it with the new key, then its PDF and, when a printer is configured, its print
(``desk_paper.PaperIssuer``, the path the attestations of the other desk acts take).

The receipt states what happened: who, what, where, which checks, which certificate. Its
SHA-256 digest is what the holder signs; the ``dossier.delivered`` audit event records the
digest, so the QR code on the receipt can be checked against the audit log. The delivery
is recorded before the PDF is written: a PDF or printer failure is reported, it never
undoes or fakes a delivery.

A renewal's receipt says so and names the certificate it replaces; once the renewal is
delivered, that certificate is revoked as superseded (``RenewalService.supersede``): a
failure there is reported with the others, the delivery stands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kiosk.domain.errors import KioskError, StateError
from kiosk.domain.identity import CheckOutcome, document_kind
from kiosk.domain.ports import Clock, UnitOfWorkFactory
from kiosk.domain.receipt import (
    DeliveryReceipt,
    Printer,
    ReceiptCore,
    ReceiptRenderer,
    RevocationAnswers,
    receipt_audit_details,
    receipt_digest,
)
from kiosk.services.appointment import Appointment
from kiosk.services.desk_paper import DELIVERY_WORDS, PaperIssuer
from kiosk.services.personalisation import PersonalisationResult, PersonalisationService
from kiosk.services.renewal import RenewalService

_OUTCOME_LABELS = {
    CheckOutcome.PASSED: "conforme",
    CheckOutcome.FAILED: "non conforme",
    CheckOutcome.NOT_CHECKED: "non vérifié",
}


@dataclass(frozen=True)
class Delivered:
    receipt: DeliveryReceipt
    pdf: Path | None
    print_job: str | None
    problems: tuple[str, ...] = field(default=())  # French: what went wrong after delivery


class DeliveryService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        personalisation: PersonalisationService,
        renderer: ReceiptRenderer,
        printer: Printer | None,
        receipts_dir: Path,
        clock: Clock,
        kiosk_id: str,
        terms_version: str,
        *,
        renewals: RenewalService | None = None,
    ) -> None:
        self._uow = uow
        self._personalisation = personalisation
        self._renderer = renderer
        self._paper = PaperIssuer(uow, printer, DELIVERY_WORDS)
        self._receipts_dir = receipts_dir
        self._clock = clock
        self._kiosk_id = kiosk_id
        self.terms_version = terms_version
        self._renewals = renewals

    def receipt_core(self, appointment: Appointment, result: PersonalisationResult) -> ReceiptCore:
        """What the holder reads, then signs: built once, shown, then passed to ``accept``."""
        appointment.require_identity()
        report = appointment.identity_report
        if report is None or not appointment.answers_passed:
            raise StateError("Les contrôles du rendez-vous ne sont pas tous validés.")
        dossier = appointment.dossier
        with self._uow() as uow:
            office = uow.offices.get(dossier.office_code)
        document = report.document
        expiry = report.validity.effective_expiry
        if expiry is None:  # a passing report always has one: a document must be valid
            raise StateError("La date de validité de la pièce d'identité est inconnue.")
        checks = tuple((c.label, _OUTCOME_LABELS[c.outcome]) for c in report.checks)
        checks += (("Photographie comparée par l'agent", "conforme"),)
        cert = result.certificate
        return ReceiptCore(
            reference=dossier.reference,
            holder_surname=dossier.holder.surname,
            holder_given_names=dossier.holder.given_names,
            company_name=dossier.company.name,
            company_siren=dossier.company.siren,
            product_label=dossier.product.label,
            office_name=office.name if office else dossier.office_code,
            office_address=office.address if office else "—",
            agent_display_name=appointment.session.display_name,
            agent_login=appointment.session.login,
            kiosk_id=self._kiosk_id,
            delivered_at=self._clock.now(),
            certificate_serial=cert.serial_hex.lower(),
            certificate_fingerprint=cert.sha256_fingerprint.lower(),
            not_before=cert.not_before,
            not_after=cert.not_after,
            token_serial=result.token_serial,
            identity_checks=checks,
            document_type=document_kind(document.document_type) or document.document_type,
            document_country=document.issuing_country,
            document_expiry=expiry,
            revocation_answers=(
                RevocationAnswers.SET_AT_DESK
                if appointment.answers_defined_at_desk
                else RevocationAnswers.VERIFIED
            ),
            terms_version=self.terms_version,
            superseded_certificate_serial=(
                self._superseded(dossier.reference) if self._renewals else None
            ),
        )

    def _superseded(self, reference: str) -> str | None:
        serial = self._renewals.superseded_serial(reference) if self._renewals else None
        return serial.lower() if serial else None

    def accept(
        self,
        appointment: Appointment,
        result: PersonalisationResult,
        user_pin: str,
        core: ReceiptCore,
    ) -> Delivered:
        """The holder's acceptance: signature, delivery recorded, then PDF and print."""
        digest = receipt_digest(core)
        signature, event = self._personalisation.accept(
            appointment, result.token_serial, user_pin, result.key_id, digest,
            receipt_audit_details(core),
        )  # fmt: skip
        receipt = DeliveryReceipt(core, signature, digest, event.seq, event.hash)
        late: list[str] = []
        if self._renewals is not None and core.renewal:
            late = self._supersede(appointment)
        paper = self._paper.issue(
            lambda: self._renderer.render(receipt, self._receipts_dir), appointment, earlier=late
        )
        return Delivered(receipt, paper.pdf, paper.print_job, paper.problems)

    def _supersede(self, appointment: Appointment) -> list[str]:
        """Revoke the certificate a renewal replaces; what went wrong, in French."""
        assert self._renewals is not None
        try:
            done = self._renewals.supersede(appointment.session, appointment.reference)
        except KioskError as exc:
            return [f"Certificat remplacé non révoqué (le back-office le fera) : {exc.message}"]
        if done is not None and done.problem:
            return [
                f"Révocation du certificat remplacé à publier par le back-office : {done.problem}"
            ]
        return []
