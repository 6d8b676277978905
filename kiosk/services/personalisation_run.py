"""The steps of one personalisation run, from where the plan says to start: initialise
(with the SO PIN escrowed first), key pair, request, issuance, writing, verification.

The SO PIN exists in clear only inside ``initialise``: it is encrypted to the escrow key
and journaled before the token is touched, so no token ever holds an SO PIN the back
office cannot recover. The user PIN is passed to each token call and kept nowhere.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field, replace
from datetime import datetime

from kiosk.domain.certificates import CertificateAuthority, IssuedCertificate, IssueProfile
from kiosk.domain.errors import DeviceError, IntegrityError
from kiosk.domain.personalisation_journal import (
    Attempt,
    AttemptStatus,
    Step,
    earlier_keys,
    live_certificates,
)
from kiosk.domain.personalisation_plan import Plan
from kiosk.domain.personalisation_ports import (
    CertificateChecker,
    PersonalisationUnitOfWork,
    PersonalisationUnitOfWorkFactory,
    SoPinEscrow,
)
from kiosk.domain.ports import Clock
from kiosk.domain.so_pin_recovery import escrow_context
from kiosk.domain.token_ports import DiscardedKeys, TokenInfo, TokenPort
from kiosk.domain.token_register import SoPinEscrowRecord, TokenState
from kiosk.services import revocations
from kiosk.services.personalisation_start import RunContext
from kiosk.services.personalisation_steps import StepRunner
from kiosk.services.token_register import change_state, discarded_keys_event, keep_escrow

KEY_ID_BYTES = 16
CHALLENGE_BYTES = 32
SO_PIN_ALPHABET = string.ascii_uppercase + string.digits
VERIFICATION_NOTE = "Certificat écrit sur le support mais refusé à la vérification."
STEP_ORDER = (Step.INITIALISE, Step.GENERATE_KEY, Step.BUILD_CSR, Step.WRITE, Step.VERIFY)


class CertificateVerificationError(IntegrityError):
    """The certificate on the token does not pass a cryptographic check."""


def new_so_pin(length: int) -> str:
    return "".join(secrets.choice(SO_PIN_ALPHABET) for _ in range(length))


@dataclass(frozen=True)
class Devices:
    tokens: TokenPort
    ca: CertificateAuthority
    checker: CertificateChecker
    escrow: SoPinEscrow
    clock: Clock
    uow: PersonalisationUnitOfWorkFactory


@dataclass
class Run:
    devices: Devices
    ctx: RunContext
    plan: Plan
    runner: StepRunner
    profile: IssueProfile
    user_pin: str = field(repr=False)
    so_pin: str | None = field(default=None, repr=False)  # a wipe's current SO PIN
    so_pin_length: int = 16

    @property
    def attempt(self) -> Attempt:
        return self.runner.attempt

    @property
    def agent(self) -> str:
        return self.ctx.session.login

    def execute(self) -> IssuedCertificate:
        first = STEP_ORDER.index(self.plan.first_step)
        if first <= STEP_ORDER.index(Step.INITIALISE):
            self._initialise()
        if first <= STEP_ORDER.index(Step.GENERATE_KEY):
            self._generate_key()
        if first <= STEP_ORDER.index(Step.BUILD_CSR):
            self._issue(self._build_csr())
        if first <= STEP_ORDER.index(Step.WRITE):
            self._write()
        if not self.plan.already_verified:
            self._verify()
        return self._certificate()

    # Steps ---------------------------------------------------------------------------------

    def _initialise(self) -> None:
        tokens, ref = self.devices.tokens, self.ctx.reference
        so_pin = self.so_pin if self.plan.wipe and self.so_pin else new_so_pin(self.so_pin_length)

        def prepare(uow: PersonalisationUnitOfWork, attempt: Attempt) -> Attempt:
            escrow = self._escrow_for(attempt.token_serial, so_pin)
            if attempt.token_serial:
                keep_escrow(
                    uow, attempt.token_serial, escrow, attempt.label, self._now(), self.agent
                )
            return replace(attempt, escrow=escrow)

        def initialise() -> TokenInfo:
            attempt = self.attempt
            info = tokens.initialise(
                attempt.token_serial, attempt.label, so_pin, self.user_pin, wipe=self.plan.wipe
            )
            if not info.user_pin_initialized:
                raise DeviceError("Le code PIN du titulaire n'a pas pu être défini sur le support.")
            return info

        def initialised(
            uow: PersonalisationUnitOfWork, attempt: Attempt, info: TokenInfo
        ) -> Attempt:
            now, serial = self._now(), info.serial
            if uow.token_register.get(serial) is None:  # a blank token without a serial before
                change_state(uow, serial, TokenState.BLANK, now, self.agent)
            if self.plan.wipe:
                change_state(uow, serial, TokenState.WIPED, now, self.agent)
            change_state(uow, serial, TokenState.PERSONALISING, now, self.agent, dossier_ref=ref)
            escrow = attempt.escrow
            if escrow is not None and not attempt.token_serial:
                # A blank token had no serial when the SO PIN was escrowed: bind the escrow
                # to the serial it now has, so it cannot be passed off for another token.
                escrow = self._escrow_for(serial, so_pin)
            if escrow is not None:
                keep_escrow(uow, serial, escrow, attempt.label, now, self.agent)
            return replace(attempt, token_serial=serial, escrow=escrow)

        self.runner.run(Step.INITIALISE, initialise, prepare=prepare, update=initialised)
        self.runner.record_done(Step.SET_PIN)

    def _generate_key(self) -> None:
        key_id = self.attempt.key_id or secrets.token_bytes(KEY_ID_BYTES)
        algorithm = self.ctx.dossier.product.key_algorithm
        tokens, serial = self.devices.tokens, self.attempt.token_serial

        stale: list[bytes] = []

        def prepare(uow: PersonalisationUnitOfWork, attempt: Attempt) -> Attempt:
            # A fresh run starts from an initialised (empty) token: only a resumed one can
            # hold a key pair it made before, and this cleans it however often it reruns.
            if self.plan.resume:
                stale[:] = earlier_keys(uow.journal.entries(attempt.id), key_id)
            if attempt.keeps_key_of and self.so_pin and attempt.escrow is None:
                # The token goes to the renewal once accepted: its SO PIN (the back
                # office's) is escrowed for it now, bound to the renewal's reference.
                escrow = self._escrow_for(attempt.token_serial, self.so_pin)
                attempt = replace(attempt, escrow=escrow)
            return replace(attempt, key_id=key_id, public_key_der=None)

        def generate() -> tuple[bytes, DiscardedKeys]:
            discarded = tokens.discard_keys(serial, self.user_pin, stale) if stale else None
            spki = tokens.generate_key_pair(serial, self.user_pin, algorithm, key_id)
            return spki, discarded or DiscardedKeys()

        def generated(
            uow: PersonalisationUnitOfWork, attempt: Attempt, done: tuple[bytes, DiscardedKeys]
        ) -> Attempt:
            spki, discarded = done
            if discarded:
                uow.audit.append(discarded_keys_event(attempt, stale, discarded))
            return replace(attempt, public_key_der=spki)

        self.runner.run(
            Step.GENERATE_KEY,
            generate,
            prepare=prepare,
            update=generated,
        )

    def _build_csr(self) -> bytes:
        attempt = self.attempt
        key_id = _required(attempt.key_id)
        return self.runner.run(
            Step.BUILD_CSR,
            lambda: self.devices.tokens.build_csr(
                attempt.token_serial, self.user_pin, key_id, self.ctx.subject
            ),
        )

    def _issue(self, csr_der: bytes) -> None:
        ref = self.ctx.reference

        def no_live_certificate(uow: PersonalisationUnitOfWork, attempt: Attempt) -> Attempt:
            live = live_certificates(uow.journal.attempts(ref), uow.revocations.for_dossier(ref))
            if live:
                raise IntegrityError(
                    f"Le dossier {ref} a déjà un certificat en service ({live[0]}) : "
                    "aucun autre ne sera émis. Prévenez l'administrateur."
                )
            return attempt

        self.runner.run(
            Step.ISSUE,
            lambda: self.devices.ca.issue(
                csr_der,
                self.ctx.subject,
                self.profile,
                expected_public_key_der=self.attempt.public_key_der,
            ),
            prepare=no_live_certificate,
            update=lambda _uow, attempt, issued: replace(attempt, certificate=issued),
        )

    def _write(self) -> None:
        attempt, cert = self.attempt, self._certificate()
        self.runner.run(
            Step.WRITE,
            lambda: self.devices.tokens.write_certificates(
                attempt.token_serial,
                self.user_pin,
                _required(attempt.key_id),
                cert.cert_der,
                cert.chain_der,
                attempt.label,
            ),
        )

    def _verify(self) -> None:
        ref = self.ctx.reference

        def verified(uow: PersonalisationUnitOfWork, attempt: Attempt, _: None) -> Attempt:
            now = self._now()
            revocations.withdraw(uow, attempt, self.agent, now)
            if attempt.keeps_key_of is None:  # else the holder's until the acceptance
                change_state(
                    uow, attempt.token_serial, TokenState.PERSONALISED, now, self.agent,
                    dossier_ref=ref,
                )  # fmt: skip
            return replace(attempt, status=AttemptStatus.VERIFIED)

        self.runner.run(Step.VERIFY, self._checks, update=verified)

    def _checks(self) -> None:
        tokens, checker = self.devices.tokens, self.devices.checker
        attempt, cert = self.attempt, self._certificate()
        serial, key_id = attempt.token_serial, _required(attempt.key_id)
        if tokens.read_certificate(serial, key_id) != cert.cert_der:
            raise CertificateVerificationError(
                "Le certificat lu sur le support n'est pas celui qui a été émis."
            )
        public = tokens.public_key(serial, key_id)
        if public is None or not checker.public_key_matches(cert.cert_der, public):
            raise CertificateVerificationError(
                "La clé publique du certificat n'est pas celle du support."
            )
        challenge = secrets.token_bytes(CHALLENGE_BYTES)
        signature = tokens.sign(serial, self.user_pin, key_id, challenge)
        if not checker.signature_verifies(cert.cert_der, challenge, signature):
            raise CertificateVerificationError(
                "Le support ne signe pas avec la clé que certifie le certificat."
            )
        if not checker.chain_verifies(cert.cert_der, cert.chain_der, self._now()):
            raise CertificateVerificationError(
                "Le certificat ne remonte pas à l'autorité de certification racine."
            )

    # Helpers -------------------------------------------------------------------------------

    def _now(self) -> datetime:
        return self.devices.clock.now()

    def _escrow_for(self, serial: str, so_pin: str) -> SoPinEscrowRecord:
        context = escrow_context(serial, self.ctx.reference)
        ciphertext = self.devices.escrow.encrypt(so_pin, context)
        return SoPinEscrowRecord(ciphertext, context, self.devices.escrow.key_id)

    def _certificate(self) -> IssuedCertificate:
        cert = self.attempt.certificate
        if cert is None:
            raise IntegrityError("Aucun certificat émis n'est enregistré pour cette tentative.")
        return cert


def _required(key_id: bytes | None) -> bytes:
    if key_id is None:
        raise IntegrityError("Aucun identifiant de clé n'est enregistré pour cette tentative.")
    return key_id
