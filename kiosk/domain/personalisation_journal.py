"""The personalisation journal's records: attempts, their steps, revocation requests, deliveries.

A personalisation is an *attempt*: one dossier on one token. Each step is journaled when it
starts and when it ends (done, or failed with its French error). The attempt row carries
what is known so far: token serial, key id, public key, SO PIN escrow, then the issued
certificate (serial, fingerprint, DER, chain).

A certificate issued but not written when a step fails gets a *pending* revocation request
at once: withdrawn if the same certificate is later written and verified, confirmed if the
attempt is abandoned. A dossier never has two live certificates (``live_certificates``):
the service checks it before every issuance.

How an interrupted run is taken up again is in ``kiosk.domain.personalisation_plan``.
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
from kiosk.domain.token_register import SoPinEscrowRecord

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
    # A renewal on the holder's own token: the renewed dossier whose key pair stays beside
    # the new one until the renewal is accepted (never initialised, never declared defective).
    keeps_key_of: str | None = None
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
    published_at: datetime | None = None  # when the CA accepted it
    id: int | None = None

    @property
    def to_publish(self) -> bool:
        """Confirmed, for a certificate the kiosk can name, and the CA not yet told."""
        return (
            self.status is RevocationStatus.CONFIRMED
            and self.certificate_serial is not None
            and self.published_at is None
        )


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


def earlier_keys(entries: Sequence[JournalEntry], current: bytes) -> list[bytes]:
    """The CKA_IDs an attempt's journal names besides ``current``: the keys it made before
    (a run taken up under a new key destroys them, and nothing else on the token)."""
    return list(dict.fromkeys(e.key_id for e in entries if e.key_id and e.key_id != current))
