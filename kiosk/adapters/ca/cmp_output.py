"""What a failed ``openssl cmp`` run means, read from its output.

The OpenSSL 3 client reports through a non-zero exit status and "CMP error:" lines whose
wording is stable across 3.x. They are sorted here, most specific first: a certificate
the client refused, an answer whose protection does not verify, a refusal by the
authority (PKIStatus with its PKIFailureInfo), then transport failures. The French
message is built from fixed text, the configured server address and the failure codes;
the CA's own status text is kept only in ``detail``, scrubbed of the shared secret.

Transport failures are split by whether the request may have reached the CA. Only a
connection that never opened (OpenSSL reports a refused connection and an unknown host as
"connect timeout" too) or an HTTP 4xx status (turned away in front of the CA) is
``CaUnreachableError``. Everything after the connection opened (time out waiting, the
connection dropped, an HTTP 5xx, an answer that cannot be read, and, for an issuance, an
answer that cannot be authenticated) is ``CaOutcomeUnknownError``: the CA may have
issued, and the kiosk must act as if it had.
Erring that way costs a key generation and a revocation to check; erring the other way
leaves a qualified certificate live that nobody knows of.
"""

from __future__ import annotations

import re

from kiosk.domain.ca_errors import (
    CaAuthenticationError,
    CaError,
    CaOperation,
    CaOutcomeUnknownError,
    CaRejectedError,
    CaResponseMismatchError,
    CaUnreachableError,
)

_CERTIFICATE_REFUSED = (
    "does not match our enrollment key",
    "key values mismatch",
    "failed to validate newly enrolled cert",
    "client did not accept it",
)
_PROTECTION = (
    "wrong pbm value",
    "error validating protection",
    "missing protection",
    "does not match expected sender",
    "no suitable sender cert",
    "error validating signature",
    "missing trust store",
    "untrusted server",
)
_CONNECT = ("connect timeout", "error connecting", "connection refused", "connect error")
_SILENT = ("transfer timeout", "read timeout", "total timeout", "timeout")
_TRANSPORT = ("transfer error", "error receiving", "error sending", "tls connection")
_SENDING = "cmp info: sending "  # the client says so before each request it sends
_ANSWER_UNREADABLE = ("missing asn1 encoding", "unexpected pkibody")

UNAUTHENTICATED = (
    "sa réponse n'a pas pu être authentifiée (secret partagé ou certificat du serveur à "
    "vérifier par l'administrateur)"
)

_SUBJECT = re.compile(r"subject: [^;\n]*")
_HTTP_STATUS = re.compile(r"received error:code=(\d{3})")
_FAILURE_INFO = re.compile(r"PKIFailureInfo: ([A-Za-z, ]+?)(?:;|$)", re.MULTILINE)

FAILURE_LABELS: dict[str, str] = {
    "badAlg": "algorithme non admis",
    "badMessageCheck": "contrôle d'intégrité du message en échec",
    "badRequest": "demande non admise",
    "badTime": "horloge du kiosque hors tolérance",
    "badCertId": "certificat inconnu de l'autorité",
    "badDataFormat": "données mal formées",
    "wrongAuthority": "ce n'est pas la bonne autorité",
    "incorrectData": "données incorrectes",
    "badPOP": "preuve de possession de la clé refusée",
    "certRevoked": "certificat déjà révoqué",
    "wrongIntegrity": "protection du message non admise",
    "unacceptedPolicy": "politique de certification non admise",
    "unacceptedExtension": "extension non admise",
    "badCertTemplate": "contenu du certificat demandé refusé",
    "signerNotTrusted": "kiosque non reconnu par l'autorité",
    "notAuthorized": "kiosque non autorisé pour cette demande",
    "systemUnavail": "service momentanément indisponible",
    "systemFailure": "panne de l'autorité",
    "duplicateCertReq": "demande en double",
    "transactionIdInUse": "identifiant de transaction déjà utilisé",
    "unsupportedVersion": "version du protocole non prise en charge",
}


def error_lines(output: str, secret: str | None) -> str:
    """The client's error lines for ``detail``: without the secret, and without the
    holder's name the client quotes from a certificate it rejects."""
    kept = [line.strip() for line in output.splitlines() if "error" in line.lower()]
    text = _SUBJECT.sub("subject: …", "\n".join(kept))[:2000]
    if secret:
        text = text.replace(secret, "***")
    return text


def failure_info(output: str) -> tuple[str, ...]:
    names: list[str] = []
    for found in _FAILURE_INFO.findall(output):
        names.extend(name.strip() for name in found.split(",") if name.strip())
    return tuple(dict.fromkeys(names))


def _refusal_reason(failures: tuple[str, ...]) -> str:
    labels = [FAILURE_LABELS.get(name, f"code {name}") for name in failures]
    return ", ".join(labels) if labels else "refus sans motif précisé"


def classify(
    output: str,
    operation: CaOperation,
    *,
    server: str,
    timeout_seconds: int,
    secret: str | None = None,
) -> CaError:
    """The error for a run that exited non-zero with ``output`` (stdout and stderr)."""
    detail = error_lines(output, secret)
    lowered = output.lower()
    if operation is CaOperation.ISSUE and any(s in lowered for s in _CERTIFICATE_REFUSED):
        return CaResponseMismatchError(detail)
    if any(s in lowered for s in _PROTECTION):
        if operation is CaOperation.ISSUE and _SENDING in lowered:
            # The CA had the request (authenticated by the kiosk's MAC) and may have
            # signed: a pinned server certificate wrong on the kiosk's side only is enough.
            return CaOutcomeUnknownError(UNAUTHENTICATED, operation, detail)
        return CaAuthenticationError(operation, detail)
    if "pkistatus:" in lowered or "rejected by server" in lowered:
        failures = failure_info(output)
        return CaRejectedError(_refusal_reason(failures), operation, detail, failure_info=failures)
    http = _HTTP_STATUS.search(output)
    if http and http.group(1).startswith("4"):
        cause = f"{server} a répondu par une erreur HTTP {http.group(1)}"
        return CaUnreachableError(cause, operation, detail)
    if any(s in lowered for s in _CONNECT):
        return CaUnreachableError(f"connexion impossible à {server}", operation, detail)
    if http:
        cause = f"{server} a répondu par une erreur HTTP {http.group(1)}"
    elif any(s in lowered for s in _SILENT):
        cause = f"pas de réponse de {server} en {timeout_seconds} s"
    elif any(s in lowered for s in _ANSWER_UNREADABLE):
        cause = f"réponse illisible de {server}"
    elif any(s in lowered for s in _TRANSPORT):
        cause = f"échange interrompu avec {server}"
    else:
        if not operation.changes_the_ca or _SENDING not in lowered:  # failed before sending
            return CaError(
                "L'autorité de certification a répondu de façon inattendue : prévenez "
                f"l'administrateur. {operation.consequence}".strip(),
                detail,
            )
        cause = f"réponse inattendue de {server} (prévenez l'administrateur)"
    return sent_without_answer(cause, operation, detail)


def sent_without_answer(cause: str, operation: CaOperation, detail: str = "") -> CaError:
    """The request may have reached the CA and no answer is known: an unknown outcome,
    except for a probe, which changes nothing there."""
    if operation.changes_the_ca:
        return CaOutcomeUnknownError(cause, operation, detail)
    return CaUnreachableError(cause, operation, detail)
