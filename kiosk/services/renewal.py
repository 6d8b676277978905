"""Renewal at the desk: a renewal dossier delivered like a first one, after which the
certificate it renews is revoked as superseded. See ``kiosk.domain.renewal``.

The front end treats a renewal dossier as a delivery (lookup by withdrawal code, identity,
answers, token, acceptance), with three differences, all here:

1. ``renewal(reference)`` says it is one, which certificate it replaces, and whether the
   holder's current token may take the new certificate (``token_reuse`` of the product);
2. ``check_token`` and ``personalise`` stand in for the personalisation's: given that
   token, still registered as delivered for the renewed dossier, the new key pair is made
   beside the holder's, with their current PIN (the old certificate stays usable until
   the acceptance, which destroys its key pair: ``kiosk.services.replaced_keys``); at the
   agent's choice (``wipe``: a PIN forgotten or locked) the token is wiped with its SO
   PIN from the back office (``SoPinRecovery``) and personalised again. Either way the
   token's SO PIN is escrowed again for the renewal. Any other token goes the usual way;
3. once the holder has accepted the new certificate, ``supersede`` (called by
   ``DeliveryService.accept``) confirms the old certificate's revocation for
   ``superseded``, marks the renewed dossier REVOKED and asks the CA to revoke it (the
   embedded CA publishes its CRL at once). It is idempotent: ``unfinished()`` lists the
   renewals delivered whose old certificate is still in service (a kiosk stopped in
   between), and ``supersede`` completes them.

Wiping the holder's token destroys the old key before the new certificate exists. So the
CA is asked first whether it answers (``CaAvailability``: a CMP general message; the
embedded CA always answers): while it does not, the token is left as it is, its
certificate in service. A renewal whose appointment ends without a delivery after the
wipe (a token pulled for good, a CA that refuses) has left the old certificate without a
key: ``holder_key_erased`` then revokes it (``cessationOfOperation``), as the appointment
ends. Beside the holder's key none of this arises: until the acceptance, the token is
theirs as it was, plus a key pair (and perhaps a certificate, revoked) of a run that
never finished.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

from kiosk.domain.appointment_lease import Purpose
from kiosk.domain.audit import AuditDraft, Outcome
from kiosk.domain.certificate_revocation import CertificateRevocation, RevocationReason
from kiosk.domain.certificates import CaAvailability
from kiosk.domain.desk_ports import DeskUnitOfWork, DeskUnitOfWorkFactory
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.errors import ConfigError, DeviceError, StateError
from kiosk.domain.ports import Clock
from kiosk.domain.renewal import Renewal
from kiosk.domain.so_pin_recovery import SoPinRecovery
from kiosk.domain.token_register import TokenState
from kiosk.services.appointment import Appointment
from kiosk.services.auth import AgentSession
from kiosk.services.desk_acts import (
    publish_revocation,
)
from kiosk.services.personalisation import (
    PersonalisationResult,
    PersonalisationService,
    TokenCheck,
)
from kiosk.services.personalisation_steps import ProgressCallback
from kiosk.services.renewal_retirement import ERASED, Superseded, retire, supersede
from kiosk.services.transactions import in_transaction

NO_AUTHORITY = "Aucune autorité de certification n'est joignable depuis ce kiosque."
CA_SILENT = (
    "{problem} Le support actuel du titulaire n'a pas été effacé : il garde son certificat "
    "en service. Recommencez quand l'autorité de certification répond, ou prenez un "
    "support vierge."
)
NO_BACK_OFFICE = (
    "Le service de déblocage du back-office n'est pas configuré : le support actuel ne peut "
    "pas être réutilisé. Prenez un support vierge."
)


@dataclass(frozen=True)
class ReusedTokenCheck(TokenCheck):
    """The check of the holder's current token: the new key pair is made beside theirs
    (``keeps_key``, with their current PIN), or, at the agent's choice (a PIN forgotten
    or locked), the token is wiped with its SO PIN from the back office."""

    renews: str = ""  # the dossier whose token it is
    keeps_key: bool = True


class RenewalService:
    def __init__(
        self,
        uow: DeskUnitOfWorkFactory,
        personalisation: PersonalisationService,
        clock: Clock,
        *,
        recovery: SoPinRecovery | None = None,
        authority: CertificateRevocation | None = None,
        availability: CaAvailability | None = None,
    ) -> None:
        self._uow = uow
        self._personalisation = personalisation
        self._clock = clock
        self._recovery = recovery
        self._authority = authority
        self._availability = availability

    def renewal(self, reference: str) -> Renewal | None:
        """The renewal ``reference`` is, or None for a first delivery."""
        with self._uow() as uow:
            return _renewal(uow, reference)

    def reusable_token(self, reference: str) -> str | None:
        """The holder's current token, when the renewal ``reference`` may take it: the
        token step prefers it to a blank one (F3, another token, goes back to blank)."""
        found = self.renewal(reference)
        return found.previous_token if found is not None and found.token_reuse else None

    def superseded_serial(self, reference: str) -> str | None:
        """The serial of the certificate a renewal replaces, for its receipt."""
        found = self.renewal(reference)
        return found.superseded_serial if found else None

    # The token ------------------------------------------------------------------------

    def check_token(
        self, appointment: Appointment, serial: str, *, wipe: bool = False
    ) -> TokenCheck:
        """``PersonalisationService.check_token``, knowing the holder's current token: that
        one is always wiped and its check is a ``ReusedTokenCheck``; any other token is
        checked as usual, ``wipe`` being the agent's decision to erase it."""
        reuse = self._reuse(appointment.reference, serial)
        if reuse is None:
            return self._personalisation.check_token(appointment, serial, wipe=wipe)
        check = self._personalisation.check_token(appointment, serial, wipe=wipe, reuse_for=reuse)
        facts = {field.name: getattr(check, field.name) for field in fields(check)}
        return ReusedTokenCheck(**facts, renews=reuse, keeps_key=not wipe)

    def personalise(
        self,
        appointment: Appointment,
        serial: str,
        user_pin: str,
        *,
        wipe: bool = False,
        so_pin: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> PersonalisationResult:
        """``PersonalisationService.personalise``; the holder's current token (when the
        product allows it) is wiped with its SO PIN from the back office, then personalised
        for the renewal. Raises what ``personalise`` raises, and the ``SoPinRecovery``
        errors (``NotFoundError``, ``ConfigError``, ``IntegrityError``)."""
        reuse = self._reuse(appointment.reference, serial)
        if reuse is None:
            return self._personalisation.personalise(
                appointment, serial, user_pin, wipe=wipe, so_pin=so_pin, progress=progress
            )
        if self._recovery is None:
            raise ConfigError("back_office_key", NO_BACK_OFFICE)
        appointment.require_checks(Purpose.DELIVERY)  # before the back office is asked
        # The wipe cannot be undone: with the CA silent, the holder would leave with an
        # erased token and no new certificate. Ask it first (nothing issued). Beside the
        # holder's key nothing is erased: a silent CA only stops the run.
        silent = self._availability.unavailable() if wipe and self._availability else None
        with self._uow() as uow:
            uow.audit.append(
                AuditDraft(
                    "renewal.token_reuse",
                    Outcome.SUCCESS if silent is None else Outcome.REFUSED,
                    appointment.session.login,
                    appointment.reference,
                    {
                        "token": serial,
                        "renews": reuse,
                        "keeps_key": not wipe,
                        "ca_problem": silent,
                    },
                )
            )
            uow.commit()
        if silent is not None:
            raise DeviceError(CA_SILENT.format(problem=silent))
        # Wiped, the token needs its current SO PIN; beside the holder's key, the token
        # keeps it, escrowed again for the renewal it is handed over for.
        current_so_pin = self._recovery.recover_so_pin(serial, reuse)
        try:
            return self._personalisation.personalise(
                appointment, serial, user_pin, wipe=wipe, so_pin=current_so_pin,
                progress=progress, reuse_for=reuse,
            )  # fmt: skip
        finally:
            del current_so_pin  # dropped at once: the kiosk never keeps an SO PIN

    def _reuse(self, reference: str, serial: str) -> str | None:
        """The renewed dossier whose delivered token ``serial`` is, if it may be reused."""
        with self._uow() as uow:
            found = _renewal(uow, reference)
            if found is None or not found.may_reuse(serial):
                return None
            record = uow.token_register.get(serial)
        delivered = record is not None and record.state is TokenState.DELIVERED
        return found.renews if delivered and record and record.dossier_ref == found.renews else None

    # After the acceptance ----------------------------------------------------------------

    def supersede(self, session: AgentSession, reference: str) -> Superseded | None:
        """Revoke, as superseded, the certificate the delivered renewal ``reference``
        replaces (nothing for a first delivery). The request and the dossier's state are
        recorded once whatever the calls; each call asks the CA again, which keeps the
        first revocation: calling again publishes what an unreachable CA missed."""

        def decide(uow: DeskUnitOfWork) -> tuple[Superseded, bytes | None] | None:
            now = self._clock.now()
            renewal = _renewal(uow, reference)
            if renewal is None:
                return None
            current = uow.dossiers.get(reference)
            if current is None or current.state is not DossierState.DELIVERED:
                raise StateError(f"Le renouvellement {reference} n'est pas encore remis.")
            return supersede(uow, session, renewal, now)

        decided = in_transaction(self._uow, decide)
        return self._publish(session, decided, RevocationReason.SUPERSEDED)

    def holder_key_erased(self, session: AgentSession, reference: str) -> Superseded | None:
        """After the renewal ``reference``'s appointment ended without a delivery: when one
        of its runs wiped the holder's current token (``Renewal.holder_key_erased``), the
        certificate it renews has no key left; it is revoked (``cessationOfOperation``)
        and its dossier REVOKED, audited ``renewal.old_key_erased``. None otherwise; once
        done, a later delivery of the renewal revokes nothing more."""

        def decide(uow: DeskUnitOfWork) -> tuple[Superseded, bytes | None] | None:
            renewal = _renewal(uow, reference)
            current = uow.dossiers.get(reference)
            if renewal is None or current is None or current.state is DossierState.DELIVERED:
                return None
            previous = uow.dossiers.get(renewal.renews)
            if previous is None or previous.state is not DossierState.DELIVERED:
                return None
            if not renewal.holder_key_erased(uow.journal.attempts(reference)):
                return None
            why = (
                f"Clé effacée du support n° {renewal.previous_token} pour le renouvellement "
                f"{reference}, non remis"
            )
            return retire(uow, session, renewal, self._clock.now(), ERASED, why)

        decided = in_transaction(self._uow, decide)
        return self._publish(session, decided, RevocationReason.CESSATION_OF_OPERATION)

    def _publish(
        self,
        session: AgentSession,
        decided: tuple[Superseded, bytes | None] | None,
        reason: RevocationReason,
    ) -> Superseded | None:
        if decided is None:
            return None
        superseded, certificate_der = decided
        problem = publish_revocation(
            self._uow, self._authority, agent=session.login, dossier_ref=superseded.renewed,
            serial=superseded.certificate_serial, reason=reason, at=self._clock.now(),
            certificate_der=certificate_der, unreachable=NO_AUTHORITY,
        )  # fmt: skip
        return Superseded(
            superseded.renewal, superseded.renewed, superseded.certificate_serial,
            problem is None, problem,
        )  # fmt: skip

    def unfinished(self) -> Sequence[str]:
        """Renewals delivered whose renewed dossier is still delivered (its certificate in
        service): ``supersede`` each."""
        with self._uow() as uow:
            return [link.reference for link in uow.lineage.unsuperseded()]


def _renewal(uow: DeskUnitOfWork, reference: str) -> Renewal | None:
    link = uow.lineage.link(reference)
    if link is None:
        return None
    delivery = uow.deliveries.get(link.renews)
    dossier = uow.dossiers.get(reference)
    return Renewal(
        reference=reference,
        renews=link.renews,
        superseded_serial=delivery.certificate_serial if delivery else link.certificate_serial,
        previous_token=delivery.token_serial if delivery else None,
        token_reuse=dossier is not None and uow.product_options.token_reuse(dossier.product.code),
    )
