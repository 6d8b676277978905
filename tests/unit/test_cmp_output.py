"""What the desk is told when ``openssl cmp`` fails, read from the client's own output
(samples recorded from OpenSSL 3.0 against its mock server)."""

from __future__ import annotations

import pytest

from kiosk.adapters.ca.cmp_output import classify, failure_info
from kiosk.domain.ca_errors import (
    MISMATCH,
    CaAuthenticationError,
    CaError,
    CaOperation,
    CaRejectedError,
    CaResponseMismatchError,
    CaUnreachableError,
)

SERVER = "cmp.ca.example:8080"
SECRET = "s3cr3t-shared"
NOTHING_WRITTEN = "Aucun certificat n'a été écrit sur le support."

KEY_MISMATCH = """\
CMP info: will contact http://cmp.ca.example:8080/pkix/
CMP info: sending P10CR
CMP info: received CP
CMP error: rejecting newly enrolled cert with subject: /CN=ee
CMP error: key values mismatch
CMP info: sending CERTCONF
CMP info: received PKICONF
CMP error: certificate not accepted:rejecting newly enrolled cert with subject: /CN=ee; \
public key in new certificate does not match our enrollment key
"""
WRONG_SECRET = """\
CMP info: sending P10CR
CMP info: received ERROR
CMP warning: verifying PBM-based CMP message protection failed
CMP error: wrong pbm value
CMP error: error validating protection
"""
OTHER_SENDER = """\
CMP info: received CP
CMP info:  actual name in sender DN field = /CN=Mock CA
CMP info:  does not match expected sender = /CN=ee
"""
REJECTED = """\
CMP info: received CP
CMP error: received "rejection" status rather than cert
CMP error: request rejected by server:PKIStatus: rejection; PKIFailureInfo: badPOP; \
StatusString: "bad request"; cannot extract certificate from response
"""
ERROR_MESSAGE = """\
CMP info: received ERROR
CMP error: received error:PKIStatus: rejection; PKIFailureInfo: badRequest, systemFailure; \
StatusString: "error processing message"; errorCode: 1D00009E
"""
REFUSED = """\
CMP info: will contact http://cmp.ca.example:8080/pkix/
CMP info: sending P10CR
CMP error: connect timeout
CMP error: transfer error:request sent: P10CR, expected response: CP
"""
HTTP_426 = """\
CMP info: sending P10CR
CMP error: received error:code=426, reason=Upgrade Required
CMP error: error receiving:server=http://cmp.ca.example:8080
CMP error: transfer error:request sent: P10CR, expected response: CP
"""
NOT_OUR_CA = """\
CMP error: failed to validate newly enrolled cert
CMP error: certificate not accepted:rejecting newly enrolled cert with subject: /CN=Holder; \
CMP client did not accept it
"""


def _classify(output: str, operation: CaOperation = CaOperation.ISSUE) -> CaError:
    return classify(output, operation, server=SERVER, timeout_seconds=10, secret=SECRET)


@pytest.mark.parametrize("output", [KEY_MISMATCH, NOT_OUR_CA], ids=["other-key", "other-ca"])
def test_a_certificate_the_client_refused_is_a_mismatch(output: str) -> None:
    error = _classify(output)

    assert isinstance(error, CaResponseMismatchError)
    assert error.message == MISMATCH


@pytest.mark.parametrize("output", [WRONG_SECRET, OTHER_SENDER], ids=["secret", "sender"])
def test_an_answer_that_does_not_authenticate_is_said_so(output: str) -> None:
    error = _classify(output, CaOperation.REVOKE)  # an issuance's: test_ca_outcome_unknown

    assert isinstance(error, CaAuthenticationError)
    assert error.message.endswith("La révocation n'a pas été enregistrée : recommencez plus tard.")


def test_a_refusal_names_the_failure_in_french() -> None:
    error = _classify(REJECTED)

    assert isinstance(error, CaRejectedError)
    assert error.message == (
        "L'autorité de certification a refusé la demande : preuve de possession de la clé "
        f"refusée. {NOTHING_WRITTEN}"
    )
    assert error.failure_info == ("badPOP",)


def test_an_error_message_lists_every_failure() -> None:
    error = _classify(ERROR_MESSAGE, CaOperation.REVOKE)

    assert isinstance(error, CaRejectedError)
    assert "demande non admise, panne de l'autorité" in error.message
    assert error.message.endswith("La révocation n'a pas été enregistrée : recommencez plus tard.")


@pytest.mark.parametrize(
    ("output", "cause"),
    [
        (REFUSED, f"connexion impossible à {SERVER}"),
        (HTTP_426, f"{SERVER} a répondu par une erreur HTTP 426"),
    ],
    ids=["refused", "http-error"],  # a request sent then unanswered: test_ca_outcome_unknown
)
def test_a_ca_out_of_reach_is_said_not_to_answer(output: str, cause: str) -> None:
    error = _classify(output)

    assert isinstance(error, CaUnreachableError)
    assert error.message == (
        f"L'autorité de certification ne répond pas : {cause}. {NOTHING_WRITTEN}"
    )


def test_anything_else_asks_for_the_administrator_and_keeps_the_diagnostic() -> None:
    output = "CMP error: something new in OpenSSL 3.9\n"

    error = _classify(output)

    assert type(error) is CaError
    assert "prévenez l'administrateur" in error.message
    assert error.detail == "CMP error: something new in OpenSSL 3.9"


def test_the_secret_never_reaches_the_message_or_the_diagnostic() -> None:
    output = f"CMP error: cannot read secret {SECRET}\nCMP error: connect timeout\n"

    error = _classify(output)

    assert SECRET not in error.message and SECRET not in error.detail
    assert "***" in error.detail


def test_the_holder_s_name_quoted_by_the_client_is_left_out_of_the_diagnostic() -> None:
    error = _classify(KEY_MISMATCH)

    assert "/CN=ee" not in error.detail
    assert "key values mismatch" in error.detail


def test_failure_info_reads_every_name_once() -> None:
    assert failure_info(ERROR_MESSAGE + ERROR_MESSAGE) == ("badRequest", "systemFailure")
    assert failure_info(REFUSED) == ()
