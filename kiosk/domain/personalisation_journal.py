"""The personalisation journal's records, and the rules for taking up an interrupted run.

A personalisation is an *attempt*: one dossier on one token. Each step is journaled when it
starts and when it ends (done, or failed with its French error). The attempt row carries
what is known so far: token serial, key id, public key, SO PIN escrow, then the issued
certificate (serial, fingerprint, DER, chain).

Rules when a run is taken up again (``plan_run``), by what the journal and the token say:

- A token declared defective, lost or already delivered is refused (``token_register``);
  a token whose user PIN is locked is refused and declared defective.
- Same token as the dossier's open attempt, no wipe asked: the attempt resumes.
  * certificate issued, the token still holds the key it was issued for: the SAME
    certificate is written (or only verified again if it is already there);
  * certificate issued but its key is gone: that certificate is confirmed for
    revocation and a new key (new key id) is generated, then a new certificate issued;
  * issuance started but its outcome never recorded (crash inside the CA call): the CA
    may have signed, so every certificate of that key is requested for revocation and a
    new key is generated;
  * issuance whose outcome is unknown (``Phase.UNKNOWN``: the request was sent, the CA's
    answer never came or was lost): the same, except that the revocation of every
    certificate of that key was already requested when the failure was journaled;
  * no certificate yet: the key under the journaled key id is adopted if it exists,
    else generated; then request and issuance;
  * initialisation interrupted, or user PIN not set: the token's content is uncertain:
    it must be wiped (its SO PIN, escrowed, comes from the back office) or replaced.
- Otherwise a new attempt starts on this token, which must be blank, or wiped on the
  agent's explicit request with the token's current SO PIN. The dossier's previous open
  attempt, and any open attempt on this token, is abandoned and its certificate, if any,
  confirmed for revocation.
- A certificate issued but not written when a step fails gets a *pending* revocation
  request at once: withdrawn if the same certificate is later written and verified,
  confirmed if the attempt is abandoned. A dossier never has two live certificates
  (``live_certificates``): the service checks it before every issuance.

Nothing here does I/O.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from kiosk.domain.ca_errors import CaOutcomeUnknownError
from kiosk.domain.certificates import IssuedCertificate
from kiosk.domain.model import Dossier
from kiosk.domain.token_register import SoPinEscrowRecord, TokenRecord, refusal_on_insert

LABEL_MAX_BYTES = 32


class Step(StrEnum):
    CHECK = "blank_checked"
    INITIALISE = "initialised"
    SET_PIN = "pin_set"
    GENERATE_KEY = "key_generated"
    BUILD_CSR = "csr_built"
    ISSUE = "certificate_issued"
    WRITE = "certificate_written"
    VERIFY = "verified"

    @property
    def label(self) -> str:
        return _STEP_LABELS[self]


_STEP_LABELS: dict[Step, str] = {
    Step.CHECK: "Vérification du support",
    Step.INITIALISE: "Initialisation du support",
    Step.SET_PIN: "Code PIN du titulaire",
    Step.GENERATE_KEY: "Génération de la clé",
    Step.BUILD_CSR: "Demande de certificat",
    Step.ISSUE: "Émission du certificat",
    Step.WRITE: "Écriture du certificat",
    Step.VERIFY: "Vérification du certificat",
}


class Phase(StrEnum):
    STARTED = "started"
    DONE = "done"
    FAILED = "failed"  # known not to have happened (for the CA: it answered no)
    UNKNOWN = "unknown"  # failed, and whether it happened is unknown (the CA's answer lost)


def failure_phase(step: Step, error: BaseException) -> Phase:
    """How a failed step is journaled: an issuance whose request was sent and whose answer
    never came is ``UNKNOWN`` (the CA may have signed); anything else ``FAILED``."""
    if step is Step.ISSUE and isinstance(error, CaOutcomeUnknownError):
        return Phase.UNKNOWN
    return Phase.FAILED


class AttemptStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    VERIFIED = "verified"
    DELIVERED = "delivered"
    ABANDONED = "abandoned"

    @property
    def open(self) -> bool:
        return self in (AttemptStatus.IN_PROGRESS, AttemptStatus.VERIFIED)


@dataclass(frozen=True)
class Attempt:
    id: int
    dossier_ref: str
    token_serial: str
    agent: str
    started_at: datetime
    label: str
    status: AttemptStatus = AttemptStatus.IN_PROGRESS
    wipe: bool = False
    step: Step | None = None  # the last step journaled, and how it stood
    phase: Phase | None = None
    key_id: bytes | None = None
    public_key_der: bytes | None = field(default=None, repr=False)
    escrow: SoPinEscrowRecord | None = None
    certificate: IssuedCertificate | None = field(default=None, repr=False)
    error: str | None = None

    @property
    def issuance_outcome_unknown(self) -> bool:
        """The CA was called and nothing was recorded after (a crash): it may have signed,
        and the revocation of that key's certificates is not requested yet."""
        return self.certificate is None and (self.step, self.phase) == (Step.ISSUE, Phase.STARTED)

    @property
    def issuance_uncertain(self) -> bool:
        """The CA was sent the request and its answer was lost (journaled as such): it may
        have signed; the revocation of that key's certificates was requested then."""
        return self.certificate is None and (self.step, self.phase) == (Step.ISSUE, Phase.UNKNOWN)

    @property
    def initialisation_uncertain(self) -> bool:
        return self.step in (Step.INITIALISE, Step.SET_PIN) and self.phase is not Phase.DONE


@dataclass(frozen=True)
class JournalEntry:
    attempt_id: int
    dossier_ref: str
    token_serial: str
    step: Step
    phase: Phase
    at: datetime
    elapsed_ms: int | None = None
    key_id: bytes | None = None
    certificate_serial: str | None = None
    certificate_fingerprint: str | None = None
    error: str | None = None


class RevocationStatus(StrEnum):
    PENDING = "pending"  # the same certificate may still be written on its token
    CONFIRMED = "confirmed"  # the back office must revoke it
    WITHDRAWN = "withdrawn"  # written and verified after all: nothing to revoke


@dataclass(frozen=True)
class RevocationRequest:
    """A certificate (or, when its serial is unknown, every certificate of a public key)
    the back office must revoke. ``attempt_id`` is None for a certificate no attempt of
    this kiosk issued (one delivered before the kiosk, superseded or revoked at the desk)."""

    dossier_ref: str
    attempt_id: int | None
    reason: str
    status: RevocationStatus
    requested_at: datetime
    agent: str
    token_serial: str | None = None
    certificate_serial: str | None = None
    certificate_fingerprint: str | None = None
    certificate_der: bytes | None = field(default=None, repr=False)
    public_key_sha256: str | None = None
    decided_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True)
class Delivery:
    dossier_ref: str
    certificate_serial: str
    certificate_fingerprint: str
    not_before: datetime
    not_after: datetime
    token_serial: str
    key_id: bytes
    acceptance_digest: bytes
    acceptance_signature: bytes = field(repr=False)
    agent: str = ""
    delivered_at: datetime | None = None


@dataclass(frozen=True)
class TokenFacts:
    """What the check read from the inserted token (the key and certificate under the open
    attempt's key id, when there is one)."""

    serial: str
    blank: bool
    user_pin_initialized: bool
    user_pin_locked: bool
    key_public_der: bytes | None = field(default=None, repr=False)
    certificate_der: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Refusal:
    message: str
    mark_defective: bool = False
    wipe_would_help: bool = False  # the agent may choose to wipe the token instead


@dataclass(frozen=True)
class Plan:
    first_step: Step
    resume: bool = False  # continue the dossier's open attempt on this token
    wipe: bool = False  # start over from a wipe of this token
    abandon_open_attempt: bool = False
    new_key: bool = False  # resume under a fresh key id
    revoke_open_certificate: bool = False  # confirm revocation of the open attempt's cert
    revoke_open_key: bool = False  # request revocation of every cert of the open key
    already_verified: bool = False


PIN_LOCKED = (
    "Le code PIN de ce support est bloqué : il ne peut plus être utilisé au guichet et est "
    "déclaré défectueux. Prenez un autre support."
)
NOT_BLANK = (
    "Ce support n'est pas vierge. Il ne sera effacé que si vous le demandez explicitement "
    "(effacement avec son code PIN administrateur) ; sinon, prenez un support vierge."
)
UNCERTAIN = (
    "L'initialisation de ce support a été interrompue : son contenu est incertain. "
    "Effacez-le (code PIN administrateur fourni par le back-office) ou prenez un autre support."
)
SO_PIN_NEEDED = (
    "Pour effacer ce support, saisissez son code PIN administrateur (SO) : le kiosque ne le "
    "conserve pas, le back-office le fournit (service de déblocage)."
)


def plan_run(
    dossier_ref: str,
    open_attempt: Attempt | None,
    record: TokenRecord | None,
    facts: TokenFacts,
    *,
    wipe: bool,
    so_pin_given: bool,
    reuse_for: str | None = None,
) -> Plan | Refusal:
    """What a run for ``dossier_ref`` on the inserted token does: see the module rules.
    ``reuse_for``: a renewal may take the token delivered for that dossier (wiped)."""
    refusal = refusal_on_insert(record, dossier_ref, reuse_for=reuse_for)
    if refusal is not None:
        return Refusal(refusal)
    if facts.user_pin_locked and not facts.blank:
        return Refusal(PIN_LOCKED, mark_defective=True)
    if open_attempt is not None and not open_attempt.status.open:
        open_attempt = None
    same_token = (
        open_attempt is not None
        and bool(facts.serial)
        and open_attempt.token_serial == facts.serial
    )
    if open_attempt is not None and same_token and not wipe and not facts.blank:
        return _resume(open_attempt, facts)
    if facts.blank:
        wipe = False  # nothing to wipe
    elif not wipe:
        return Refusal(NOT_BLANK, wipe_would_help=True)
    elif not so_pin_given:
        return Refusal(SO_PIN_NEEDED, wipe_would_help=True)
    if open_attempt is None:
        return Plan(first_step=Step.INITIALISE, wipe=wipe)
    return Plan(
        first_step=Step.INITIALISE,
        wipe=wipe,
        abandon_open_attempt=True,
        revoke_open_certificate=open_attempt.certificate is not None,
        revoke_open_key=open_attempt.issuance_outcome_unknown,
    )


def _resume(attempt: Attempt, facts: TokenFacts) -> Plan | Refusal:
    if attempt.initialisation_uncertain or not facts.user_pin_initialized:
        return Refusal(UNCERTAIN, wipe_would_help=True)
    if attempt.status is AttemptStatus.VERIFIED:
        return Plan(first_step=Step.VERIFY, resume=True, already_verified=True)
    key_present = facts.key_public_der is not None
    key_is_ours = key_present and (
        attempt.public_key_der is None or facts.key_public_der == attempt.public_key_der
    )
    if attempt.certificate is not None:
        if key_is_ours and attempt.public_key_der is not None:
            on_token = facts.certificate_der == attempt.certificate.cert_der
            return Plan(first_step=Step.VERIFY if on_token else Step.WRITE, resume=True)
        return Plan(
            first_step=Step.GENERATE_KEY, resume=True, new_key=True, revoke_open_certificate=True
        )
    if attempt.issuance_outcome_unknown:
        return Plan(first_step=Step.GENERATE_KEY, resume=True, new_key=True, revoke_open_key=True)
    if attempt.issuance_uncertain:
        # Never the same request again: why, in kiosk.services.uncertain_issuance.
        return Plan(first_step=Step.GENERATE_KEY, resume=True, new_key=True)
    if key_is_ours:
        return Plan(first_step=Step.BUILD_CSR, resume=True)
    return Plan(first_step=Step.GENERATE_KEY, resume=True, new_key=key_present)


def live_certificates(
    attempts: Sequence[Attempt], requests: Sequence[RevocationRequest]
) -> list[str]:
    """Serials of the dossier's certificates not confirmed for revocation. A pending
    request still counts as live: the certificate may yet be written."""
    revoked = {
        r.certificate_serial
        for r in requests
        if r.status is RevocationStatus.CONFIRMED and r.certificate_serial
    }
    return [
        a.certificate.serial_hex
        for a in attempts
        if a.certificate is not None and a.certificate.serial_hex not in revoked
    ]


# Letters Unicode does not decompose into an ASCII base letter.
_LIGATURES = str.maketrans(
    {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ł": "l", "Ł": "L", "ø": "o",
     "Ø": "O", "đ": "d", "Đ": "D"}
)  # fmt: skip


def _ascii_upper(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    kept = "".join(c for c in decomposed if c.isascii() and (c.isalnum() or c in " -'"))
    return " ".join(kept.upper().split())


def token_label(dossier: Dossier) -> str:
    """``CCI <SURNAME> <reference>`` in ASCII, at most 32 bytes: the surname is shortened
    first, the reference is kept whole (it is what the desk searches by)."""
    reference = _ascii_upper(dossier.reference).replace(" ", "")
    room = LABEL_MAX_BYTES - len("CCI ") - len(reference) - 1
    surname = _ascii_upper(dossier.holder.surname)[: max(room, 0)].rstrip(" -'")
    label = f"CCI {surname} {reference}" if surname else f"CCI {reference}"
    return label[:LABEL_MAX_BYTES].rstrip()
