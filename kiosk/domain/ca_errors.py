"""What can go wrong with a certification authority reached over the network, as the
kiosk's French errors. A service may tell them apart (retry later, call the administrator)
but every one of them means the same for the holder's token: nothing was written on it.

Messages are built from fixed text and non-secret facts only (a server address, a
timeout, a failure code): never the shared secret, never the CA's own text.
"""

from __future__ import annotations

from enum import StrEnum

from kiosk.domain.errors import DeviceError

NOTHING_WRITTEN = "Aucun certificat n'a été écrit sur le support."
NOT_REVOKED = "La révocation n'a pas été enregistrée : recommencez plus tard."


class CaOperation(StrEnum):
    """What the kiosk was asking: the consequence told to the person depends on it."""

    ISSUE = "issue"
    REVOKE = "revoke"

    @property
    def consequence(self) -> str:
        return NOTHING_WRITTEN if self is CaOperation.ISSUE else NOT_REVOKED


class CaError(DeviceError):
    """Any failure of the authority; ``detail`` keeps the client's own diagnostic for the
    administrator (never shown, never holding the secret)."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


class CaUnreachableError(CaError):
    def __init__(self, cause: str, operation: CaOperation, detail: str = "") -> None:
        super().__init__(
            f"L'autorité de certification ne répond pas : {cause}. {operation.consequence}",
            detail,
        )


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
    certificate or expected sender): it is not used, whatever it says."""

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
