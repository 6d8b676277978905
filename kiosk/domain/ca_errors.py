"""What can go wrong with a certification authority reached over the network, as the
kiosk's French errors. Every one of them means the same for the holder's token: nothing
was written on it. What they mean at the CA differs, and a service must tell them apart:

- ``CaUnreachableError``: the request never left (no connection): nothing happened at
  the CA, asking again is safe;
- ``CaRejectedError``: the CA answered no: nothing was issued (or revoked);
- ``CaOutcomeUnknownError``: the request was sent and no usable answer came back (time
  out, connection dropped, answer unreadable): the CA may have done it. For an issuance,
  a certificate may exist that the kiosk never saw.

Messages are built from fixed text and non-secret facts only (a server address, a
timeout, a failure code): never the shared secret, never the CA's own text.
"""

from __future__ import annotations

from enum import StrEnum

from kiosk.domain.errors import DeviceError

NOTHING_WRITTEN = "Aucun certificat n'a été écrit sur le support."
NOT_REVOKED = "La révocation n'a pas été enregistrée : recommencez plus tard."
MAYBE_ISSUED = (
    "On ne sait pas si elle a émis un certificat. Aucun certificat n'a été écrit sur le "
    "support ; tout certificat émis pour cette demande sera révoqué et la reprise se fera "
    "avec une nouvelle clé."
)
MAYBE_REVOKED = (
    "On ne sait pas si la révocation a été enregistrée : recommencez (une révocation déjà "
    "faite est reconnue)."
)


class CaOperation(StrEnum):
    """What the kiosk was asking: the consequence told to the person depends on it.
    ``PROBE`` (a general message, ``kiosk doctor``) changes nothing at the CA: a lost
    answer to it is only a CA that does not answer."""

    ISSUE = "issue"
    REVOKE = "revoke"
    PROBE = "probe"

    @property
    def consequence(self) -> str:
        return _CONSEQUENCES[self]

    @property
    def changes_the_ca(self) -> bool:
        return self is not CaOperation.PROBE


_CONSEQUENCES = {
    CaOperation.ISSUE: NOTHING_WRITTEN,
    CaOperation.REVOKE: NOT_REVOKED,
    CaOperation.PROBE: "",
}


class CaError(DeviceError):
    """Any failure of the authority; ``detail`` keeps the client's own diagnostic for the
    administrator (never shown, never holding the secret)."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


class CaUnreachableError(CaError):
    """The request never reached the CA (no connection, or the HTTP server in front of it
    turned it away): nothing happened there, asking again is safe."""

    def __init__(self, cause: str, operation: CaOperation, detail: str = "") -> None:
        super().__init__(
            f"L'autorité de certification ne répond pas : {cause}. {operation.consequence}".strip(),
            detail,
        )


class CaOutcomeUnknownError(CaError):
    """The request was sent and no usable answer came back: the CA may have acted on it.
    ``transaction_id``: the CMP transaction's identifier (hex) when the client knows it,
    what the CA's operators look a request up by. Nothing in it is secret."""

    def __init__(
        self,
        cause: str,
        operation: CaOperation,
        detail: str = "",
        *,
        transaction_id: str | None = None,
    ) -> None:
        consequence = MAYBE_ISSUED if operation is CaOperation.ISSUE else MAYBE_REVOKED
        super().__init__(
            "L'autorité de certification n'a pas donné de réponse exploitable à la demande "
            f"envoyée : {cause}. "
            f"{consequence}",
            detail,
        )
        self.operation = operation
        self.transaction_id = transaction_id


class CaRejectedError(CaError):
    """The authority answered, and said no (or answered with an error). ``failure_info``:
    the PKIFailureInfo names it gave (RFC 4210), e.g. ``badPOP``."""

    def __init__(
        self,
        why: str,
        operation: CaOperation,
        detail: str = "",
        *,
        failure_info: tuple[str, ...] = (),
    ) -> None:
        super().__init__(
            f"L'autorité de certification a refusé la demande : {why}. {operation.consequence}",
            detail,
        )
        self.failure_info = failure_info


class CaAuthenticationError(CaError):
    """The authority's answer could not be authenticated (shared secret, pinned server
    certificate or expected sender): it is not used, whatever it says. For an issuance
    whose request was sent, that is a ``CaOutcomeUnknownError`` instead: the CA had the
    request and may have signed."""

    def __init__(self, operation: CaOperation, detail: str = "") -> None:
        super().__init__(
            "La réponse de l'autorité de certification n'a pas pu être authentifiée "
            "(secret partagé ou certificat du serveur à vérifier par l'administrateur). "
            f"{operation.consequence}",
            detail,
        )


MISMATCH = (
    "Le certificat renvoyé par l'autorité ne correspond pas à la demande : rien n'a été écrit."
)


class CaResponseMismatchError(CaError):
    """The certificate returned is not the one asked for: other public key, other
    subject, or not issued by the expected CA. ``revocation_requested`` says whether the
    kiosk asked the authority to revoke it (when the authority had taken it as accepted:
    ``certificate_der`` is then that certificate, for the record; None when the client
    refused it in its confirmation, which tells the authority itself)."""

    def __init__(
        self,
        detail: str = "",
        *,
        revocation_requested: bool | None = None,
        certificate_der: bytes | None = None,
    ) -> None:
        message = MISMATCH
        if revocation_requested is True:
            message += " Sa révocation a été demandée à l'autorité."
        elif revocation_requested is False:
            message += " Sa révocation n'a pas pu être demandée : prévenez l'administrateur."
        super().__init__(message, detail)
        self.revocation_requested = revocation_requested
        self.certificate_der = certificate_der
