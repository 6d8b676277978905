"""A CA request sent whose answer was lost is neither a refusal nor a CA out of reach: how
``openssl cmp``'s output is sorted into the three, how such an issuance is journaled, what
a run taken up after it does, and what the desk is told."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from kiosk.adapters.ca.cmp_client import transaction_id
from kiosk.adapters.ca.cmp_output import classify
from kiosk.domain.ca_errors import (
    NOTHING_WRITTEN,
    CaError,
    CaOperation,
    CaOutcomeUnknownError,
    CaRejectedError,
    CaUnreachableError,
)
from kiosk.domain.personalisation_journal import Attempt, Phase, Step, failure_phase
from kiosk.domain.personalisation_plan import Plan, TokenFacts, plan_run
from kiosk.domain.token_ports import TokenRemovedError
from kiosk.ui.token_words import failure_advice

SERVER = "cmp.ca.example:8080"
AT = datetime(2026, 4, 14, 8, 0, tzinfo=UTC)
REF, SERIAL = "CS-2026-000123", "TOK-1"
KEY_ID, SPKI = b"\x01" * 16, b"spki-of-the-first-key"
WITH_KEY = TokenFacts(
    SERIAL, blank=False, user_pin_initialized=True, user_pin_locked=False, key_public_der=SPKI
)
MAYBE_ISSUED = (
    "On ne sait pas si elle a émis un certificat. Aucun certificat n'a été écrit sur le "
    "support ; tout certificat émis pour cette demande sera révoqué et la reprise se fera "
    "avec une nouvelle clé."
)

# Recorded from OpenSSL 3.0's client against loopback servers that read the request, then
# hang, close, answer HTTP 500 or answer bytes that are no PKIMessage; and with no server.
SENT_THEN_SILENT = """\
CMP info: sending P10CR
CMP error: transfer timeout
CMP error: transfer error:request sent: P10CR, expected response: CP
"""
SENT_THEN_CLOSED = """\
CMP info: sending P10CR
CMP error: failed reading data
CMP error: error receiving:server=http://cmp.ca.example:8080
CMP error: transfer error:request sent: P10CR, expected response: CP
"""
SENT_THEN_HTTP_500 = """\
CMP info: sending P10CR
CMP error: received error:code=500, reason=Oops
CMP error: error receiving:server=http://cmp.ca.example:8080
CMP error: transfer error:request sent: P10CR, expected response: CP
"""
SENT_THEN_GARBAGE = """\
CMP info: sending P10CR
CMP error: missing asn1 encoding
CMP error: error receiving:server=http://cmp.ca.example:8080
CMP error: transfer error:request sent: P10CR, expected response: CP
"""
SENT_THEN_UNAUTHENTICATED = """\
CMP info: sending P10CR
CMP info: received IP
CMP error: error validating signature
CMP error: error validating protection
"""
NEVER_CONNECTED = """\
CMP info: sending P10CR
CMP error: connect timeout
CMP error: transfer error:request sent: P10CR, expected response: CP
"""


def _classify(output: str, operation: CaOperation = CaOperation.ISSUE) -> CaError:
    return classify(output, operation, server=SERVER, timeout_seconds=10)


@pytest.mark.parametrize(
    ("output", "cause"),
    [
        (SENT_THEN_SILENT, f"pas de réponse de {SERVER} en 10 s"),
        (SENT_THEN_CLOSED, f"échange interrompu avec {SERVER}"),
        (SENT_THEN_HTTP_500, f"{SERVER} a répondu par une erreur HTTP 500"),
        (SENT_THEN_GARBAGE, f"réponse illisible de {SERVER}"),
        (
            SENT_THEN_UNAUTHENTICATED,
            "sa réponse n'a pas pu être authentifiée (secret partagé ou certificat du "
            "serveur à vérifier par l'administrateur)",
        ),
        (
            "CMP info: sending P10CR\nCMP error: something new in OpenSSL 3.9\n",
            f"réponse inattendue de {SERVER} (prévenez l'administrateur)",
        ),
    ],
    ids=["silent", "closed", "http-500", "unreadable", "unauthenticated", "unknown-after-sending"],
)
def test_a_request_sent_without_a_usable_answer_is_an_unknown_outcome(
    output: str, cause: str
) -> None:
    error = _classify(output)

    assert isinstance(error, CaOutcomeUnknownError)
    assert not isinstance(error, CaUnreachableError | CaRejectedError)
    assert error.message == (
        "L'autorité de certification n'a pas donné de réponse exploitable à la demande "
        f"envoyée : {cause}. {MAYBE_ISSUED}"
    )


def test_a_revocation_whose_answer_was_lost_is_to_be_asked_again() -> None:
    error = _classify(SENT_THEN_CLOSED, CaOperation.REVOKE)

    assert isinstance(error, CaOutcomeUnknownError)
    assert error.message.endswith(
        "On ne sait pas si la révocation a été enregistrée : recommencez (une révocation "
        "déjà faite est reconnue)."
    )


def test_a_connection_never_opened_is_a_ca_out_of_reach_safe_to_ask_again() -> None:
    error = _classify(NEVER_CONNECTED)

    assert type(error) is CaUnreachableError
    assert error.message == (
        f"L'autorité de certification ne répond pas : connexion impossible à {SERVER}. "
        f"{NOTHING_WRITTEN}"
    )


def test_a_probe_that_gets_no_answer_only_says_the_ca_does_not_answer() -> None:
    error = _classify(SENT_THEN_SILENT, CaOperation.PROBE)

    assert type(error) is CaUnreachableError
    assert error.message == (
        f"L'autorité de certification ne répond pas : pas de réponse de {SERVER} en 10 s."
    )


def test_a_failure_before_anything_was_sent_is_no_unknown_outcome() -> None:
    error = _classify("CMP error: cannot load certificate request\n")

    assert type(error) is CaError
    assert error.message.endswith(NOTHING_WRITTEN)


def _der(tag: int, content: bytes) -> bytes:
    assert len(content) < 0x80 or len(content) < 0x100
    length = bytes([len(content)]) if len(content) < 0x80 else bytes([0x81, len(content)])
    return bytes([tag]) + length + content


def test_the_transaction_id_is_read_from_the_request_sent() -> None:
    empty_name = _der(0xA4, _der(0x30, b""))  # sender and recipient: directoryName [4]
    tid = bytes.fromhex("50457C462962D4BC311A800DB8549EA9")
    header = _der(
        0x30,
        _der(0x02, b"\x02")
        + empty_name
        + empty_name
        + _der(0xA2, _der(0x04, b"kiosk-brest-01"))  # senderKID
        + _der(0xA4, _der(0x04, tid))
        + _der(0xA5, _der(0x04, b"\x8f" * 16)),  # senderNonce
    )
    message = _der(0x30, header + _der(0xA4, _der(0x30, b"")))

    assert transaction_id(message) == "50457C462962D4BC311A800DB8549EA9"
    assert transaction_id(b"\x30\x05\x30") is None


def _attempt(**changes: object) -> Attempt:
    base = Attempt(
        1, REF, SERIAL, "amartin", AT, "CCI X", key_id=KEY_ID, public_key_der=SPKI,
        step=Step.ISSUE, phase=Phase.UNKNOWN,
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


LOST = CaOutcomeUnknownError("pas de réponse", CaOperation.ISSUE, transaction_id="AB12")


@pytest.mark.parametrize(
    ("step", "error", "phase"),
    [
        (Step.ISSUE, LOST, Phase.UNKNOWN),
        (Step.ISSUE, CaRejectedError("demande non admise", CaOperation.ISSUE), Phase.FAILED),
        (Step.ISSUE, CaUnreachableError("connexion impossible", CaOperation.ISSUE), Phase.FAILED),
        (Step.WRITE, TokenRemovedError(), Phase.FAILED),
    ],
    ids=["answer-lost", "refused", "not-reached", "other-step"],
)
def test_only_an_issuance_whose_answer_was_lost_is_journaled_unknown(
    step: Step, error: Exception, phase: Phase
) -> None:
    assert failure_phase(step, error) is phase


def test_a_run_taken_up_after_an_unknown_outcome_makes_a_new_key() -> None:
    attempt = _attempt()

    plan = plan_run(REF, attempt, None, WITH_KEY, wipe=False, so_pin_given=False)

    assert attempt.issuance_uncertain and not attempt.issuance_outcome_unknown
    # the key's revocation was requested when the failure was journaled: not again
    assert plan == Plan(Step.GENERATE_KEY, resume=True, new_key=True)


def test_a_refused_issuance_keeps_its_key_where_an_unknown_one_does_not() -> None:
    refused = _attempt(phase=Phase.FAILED)

    plan = plan_run(REF, refused, None, WITH_KEY, wipe=False, so_pin_given=False)

    assert not refused.issuance_uncertain
    assert plan == Plan(Step.BUILD_CSR, resume=True)


def test_another_token_after_an_unknown_outcome_asks_no_second_revocation() -> None:
    blank = TokenFacts("TOK-2", blank=True, user_pin_initialized=False, user_pin_locked=False)

    plan = plan_run(REF, _attempt(), None, blank, wipe=False, so_pin_given=False)

    assert plan == Plan(Step.INITIALISE, abandon_open_attempt=True)


def test_the_desk_is_told_the_answer_is_unknown_and_what_comes_next() -> None:
    advice = failure_advice(LOST)

    assert advice.startswith(LOST.message)
    assert "On ne sait pas si elle a émis un certificat." in advice
    assert "La révocation à vérifier est enregistrée pour le back-office." in advice
    assert "F5 : reprendre avec le même support (une nouvelle clé sera générée)" in advice
    assert "reprend où elle s'est arrêtée" not in advice
