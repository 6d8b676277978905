"""The back office's revocations: the requests still to act on, and their publication to
the certification authority.

The kiosk records a revocation request wherever it learns that a certificate must not
live: an attempt abandoned after issuance, a token found PIN-locked or failing the check,
a desk revocation or a renewal whose CA did not answer, an issuance whose answer was lost.
The desk asks the CA at once for the acts the holder is there for (a revocation, a
renewal's supersession) and, as an appointment ends, for the certificates of its dossier
left behind (``publish`` for one dossier); what the CA did not take then waits here for
the back office (``kiosk revocations``, a timer in deployment).

``publish`` asks the CA, through the port the desk uses, to revoke every confirmed request
that names a certificate and was not accepted yet: one ``ca.revoke`` audit event each,
marked published when the CA accepts. What it cannot do stays listed, said in words:
a request naming only a key (an issuance whose answer was lost: the back office searches
the CA's records for that key), a pending one (its appointment may still write the same
certificate: withdrawn then, confirmed if abandoned), a CA refusal (its message kept).
``close`` is the back office saying it settled a confirmed request itself (a key's
certificates searched and revoked at the CA, or none found), with a note, audited.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from kiosk.domain.audit import AuditDraft, Outcome
from kiosk.domain.certificate_revocation import CertificateRevocation, RevocationReason
from kiosk.domain.desk_ports import DeskUnitOfWorkFactory
from kiosk.domain.errors import NotFoundError, ValidationError
from kiosk.domain.personalisation_journal import RevocationRequest, RevocationStatus
from kiosk.domain.ports import Clock
from kiosk.services.desk_acts import publish_revocation

NO_AUTHORITY = "Aucune autorité de certification n'est configurée sur ce poste."
MAX_NOTE = 200
NOTE_NEEDED = f"Dites en quelques mots ce qui a été fait ({MAX_NOTE} caractères au plus)."
# Requests the desk confirmed name their RFC 5280 reason last, e.g. "… [keyCompromise]".
_REASON_TAG = re.compile(r"\[(\w+)\]$")
# A certificate the kiosk issued and never handed over, or took back: no longer needed.
UNDELIVERED = RevocationReason.CESSATION_OF_OPERATION


def reason_of(request: RevocationRequest) -> RevocationReason:
    """The RFC 5280 reason to give the CA for ``request``."""
    tag = _REASON_TAG.search(request.reason)
    if tag and tag.group(1) in {reason.value for reason in RevocationReason}:
        return RevocationReason(tag.group(1))
    return UNDELIVERED


def state_of(request: RevocationRequest) -> str:
    """What is left to do, in French."""
    if request.status is RevocationStatus.PENDING:
        return "en attente : le rendez-vous peut encore remettre ce certificat"
    if request.certificate_serial is None:
        return "à rechercher : tout certificat émis pour cette clé, à révoquer à l'AC"
    return "à publier : l'AC ne l'a pas encore révoqué"


@dataclass(frozen=True)
class PublishReport:
    published: Sequence[RevocationRequest]
    refused: Sequence[tuple[RevocationRequest, str]]  # with the CA's French message
    left: Sequence[RevocationRequest]  # by key, or pending: not for the CA by serial


class RevocationBacklog:
    def __init__(
        self,
        uow: DeskUnitOfWorkFactory,
        authority: CertificateRevocation | None,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._authority = authority
        self._clock = clock

    def open_requests(self, dossier_ref: str | None = None) -> Sequence[RevocationRequest]:
        """Pending, or confirmed and not yet accepted by the CA (of one dossier, or all);
        oldest first."""
        with self._uow() as uow:
            found = uow.revocations.open_requests()
        return [r for r in found if dossier_ref is None or r.dossier_ref == dossier_ref]

    def close(self, request_id: int, operator: str, note: str) -> RevocationRequest:
        """The back office settled a confirmed request itself (it revoked at the CA every
        certificate of the key, or found none; or it revoked the certificate by other
        means): ``note`` says what, audited ``revocation.closed``; it leaves the list."""
        note = " ".join(note.split())
        if not 3 <= len(note) <= MAX_NOTE:
            raise ValidationError(NOTE_NEEDED)
        with self._uow() as uow:
            found = next((r for r in uow.revocations.open_requests() if r.id == request_id), None)
            if found is None or found.status is not RevocationStatus.CONFIRMED:
                raise NotFoundError(
                    f"Aucune demande de révocation confirmée n° {request_id} à clore "
                    "(kiosk revocations list)."
                )
            now = self._clock.now()
            uow.revocations.mark_published(request_id, now)
            uow.audit.append(
                AuditDraft(
                    "revocation.closed",
                    Outcome.SUCCESS,
                    operator,
                    found.dossier_ref,
                    {
                        "request": request_id,
                        "certificate_serial": found.certificate_serial,
                        "public_key_sha256": found.public_key_sha256,
                        "note": note,
                    },
                )
            )
            uow.commit()
        return found

    def publish(self, operator: str, dossier_ref: str | None = None) -> PublishReport:
        """Ask the CA to revoke each confirmed request naming a certificate (of one dossier:
        the desk, as an appointment ends; or all: the back office); see the module. Each
        request is its own exchange with the CA: one refusal stops no other."""
        published: list[RevocationRequest] = []
        refused: list[tuple[RevocationRequest, str]] = []
        left: list[RevocationRequest] = []
        for request in self.open_requests(dossier_ref):
            if not request.to_publish or request.certificate_serial is None:
                left.append(request)
                continue
            problem = publish_revocation(
                self._uow, self._authority, agent=operator, dossier_ref=request.dossier_ref,
                serial=request.certificate_serial, reason=reason_of(request),
                at=request.decided_at or self._clock.now(),
                certificate_der=request.certificate_der, unreachable=NO_AUTHORITY,
            )  # fmt: skip
            if problem is None:
                published.append(request)
            else:
                refused.append((request, problem))
        return PublishReport(published, refused, left)
