"""The rules for taking up an interrupted personalisation, the live-certificate count and
the token label."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from kiosk.domain.certificates import IssuedCertificate
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.model import Company, Dossier, KeyAlgorithm, Person, Product
from kiosk.domain.personalisation_journal import (
    Attempt,
    AttemptStatus,
    Phase,
    RevocationRequest,
    RevocationStatus,
    Step,
    live_certificates,
    token_label,
)
from kiosk.domain.personalisation_plan import (
    HOLDER_PIN_LOCKED,
    NOT_BLANK,
    PIN_LOCKED,
    SO_PIN_NEEDED,
    UNCERTAIN,
    Plan,
    Refusal,
    TokenFacts,
    plan_run,
)
from kiosk.domain.token_register import TokenRecord, TokenState

AT = datetime(2026, 4, 14, 8, 0, tzinfo=UTC)
REF, SERIAL, OTHER = "CS-2026-000123", "TOK-1", "TOK-2"
KEY_ID, SPKI = b"\x01" * 16, b"spki-of-the-key"
CERT = IssuedCertificate(b"cert", [b"issuing", b"root"], "0a" * 16, AT, AT, "f" * 64)

BLANK = TokenFacts(SERIAL, blank=True, user_pin_initialized=False, user_pin_locked=False)
READY = TokenFacts(SERIAL, blank=False, user_pin_initialized=True, user_pin_locked=False)
WITH_KEY = replace(READY, key_public_der=SPKI)
WITH_CERT = replace(WITH_KEY, certificate_der=CERT.cert_der)


def _attempt(**changes: object) -> Attempt:
    base = Attempt(1, REF, SERIAL, "amartin", AT, "CCI X", step=Step.SET_PIN, phase=Phase.DONE)
    return replace(base, **changes)  # type: ignore[arg-type]


def _plan(
    attempt: Attempt | None,
    facts: TokenFacts,
    *,
    record: TokenRecord | None = None,
    wipe: bool = False,
    so_pin: bool = False,
) -> Plan | Refusal:
    return plan_run(REF, attempt, record, facts, wipe=wipe, so_pin_given=so_pin)


def test_a_blank_token_starts_a_new_attempt() -> None:
    assert _plan(None, BLANK) == Plan(first_step=Step.INITIALISE)


def test_a_token_not_blank_is_refused_unless_wiped_with_its_so_pin() -> None:
    assert _plan(None, READY) == Refusal(NOT_BLANK, wipe_would_help=True)
    assert _plan(None, READY, wipe=True) == Refusal(SO_PIN_NEEDED, wipe_would_help=True)
    assert _plan(None, READY, wipe=True, so_pin=True) == Plan(Step.INITIALISE, wipe=True)


def test_a_locked_token_is_refused_and_put_out_of_service() -> None:
    locked = replace(READY, user_pin_locked=True)
    assert _plan(_attempt(), locked) == Refusal(PIN_LOCKED, mark_defective=True)


def test_a_renewal_wipes_the_holders_own_token_even_when_its_pin_is_locked() -> None:
    locked = replace(READY, user_pin_locked=True)
    delivered = TokenRecord(SERIAL, TokenState.DELIVERED, AT, dossier_ref="CS-2023-000412")
    plan = plan_run(
        REF, None, delivered, locked, wipe=True, so_pin_given=True, reuse_for="CS-2023-000412"
    )
    assert plan == Plan(first_step=Step.INITIALISE, wipe=True)


def test_a_renewal_makes_its_key_beside_the_holders_unless_the_agent_wipes_their_token() -> None:
    renewed = "CS-2023-000412"
    delivered = TokenRecord(SERIAL, TokenState.DELIVERED, AT, dossier_ref=renewed)

    def plan(attempt: Attempt | None, facts: TokenFacts, wipe: bool = False) -> Plan | Refusal:
        return plan_run(
            REF, attempt, delivered, facts, wipe=wipe, so_pin_given=True, reuse_for=renewed
        )

    assert plan(None, WITH_CERT) == Plan(first_step=Step.GENERATE_KEY, keeps_key_of=renewed)
    assert plan(None, WITH_CERT, wipe=True) == Plan(first_step=Step.INITIALISE, wipe=True)
    # the holder's PIN locked: their key cannot be used; the agent may wipe the token
    locked = replace(READY, user_pin_locked=True)
    assert plan(None, locked) == Refusal(HOLDER_PIN_LOCKED, wipe_would_help=True)
    # a run beside their key taken up where it stopped; or abandoned for a wipe
    beside = _attempt(step=Step.GENERATE_KEY, phase=Phase.FAILED, keeps_key_of=renewed)
    assert plan(beside, READY) == Plan(first_step=Step.GENERATE_KEY, resume=True)
    assert plan(beside, READY, wipe=True) == Plan(
        first_step=Step.INITIALISE, wipe=True, abandon_open_attempt=True
    )


def test_a_defective_token_is_refused_whatever_the_agent_asks() -> None:
    record = TokenRecord(SERIAL, TokenState.DEFECTIVE, AT, note="cassé")
    plan = _plan(None, BLANK, record=record, wipe=True, so_pin=True)
    assert isinstance(plan, Refusal) and "défectueux" in plan.message


@pytest.mark.parametrize(
    ("attempt", "facts", "first_step"),
    [
        (_attempt(), READY, Step.GENERATE_KEY),
        (_attempt(key_id=KEY_ID), READY, Step.GENERATE_KEY),  # key never made
        (_attempt(key_id=KEY_ID), WITH_KEY, Step.BUILD_CSR),  # made, not journaled: adopted
        (_attempt(key_id=KEY_ID, public_key_der=SPKI), WITH_KEY, Step.BUILD_CSR),
        (_attempt(key_id=KEY_ID, public_key_der=SPKI, certificate=CERT), WITH_KEY, Step.WRITE),
        (_attempt(key_id=KEY_ID, public_key_der=SPKI, certificate=CERT), WITH_CERT, Step.VERIFY),
    ],
    ids=["no-key", "key-not-made", "key-adopted", "key-journaled", "rewrite", "verify-only"],
)
def test_the_same_token_resumes_where_it_stopped(
    attempt: Attempt, facts: TokenFacts, first_step: Step
) -> None:
    assert _plan(attempt, facts) == Plan(first_step=first_step, resume=True)


def test_a_certificate_whose_key_is_gone_is_revoked_and_a_new_key_made() -> None:
    attempt = _attempt(key_id=KEY_ID, public_key_der=SPKI, certificate=CERT)
    other_key = replace(READY, key_public_der=b"another key")
    expected = Plan(Step.GENERATE_KEY, resume=True, new_key=True, revoke_open_certificate=True)
    assert _plan(attempt, READY) == expected
    assert _plan(attempt, other_key) == expected


def test_an_issuance_without_recorded_outcome_revokes_the_key_and_makes_a_new_one() -> None:
    attempt = _attempt(key_id=KEY_ID, public_key_der=SPKI, step=Step.ISSUE, phase=Phase.STARTED)
    assert attempt.issuance_outcome_unknown
    assert _plan(attempt, WITH_KEY) == Plan(
        Step.GENERATE_KEY, resume=True, new_key=True, revoke_open_key=True
    )


def test_a_failed_issuance_is_known_not_issued_and_keeps_the_key() -> None:
    attempt = _attempt(key_id=KEY_ID, public_key_der=SPKI, step=Step.ISSUE, phase=Phase.FAILED)
    assert _plan(attempt, WITH_KEY) == Plan(Step.BUILD_CSR, resume=True)


@pytest.mark.parametrize(
    ("attempt", "facts"),
    [
        (_attempt(step=Step.INITIALISE, phase=Phase.STARTED), READY),
        (_attempt(step=Step.INITIALISE, phase=Phase.FAILED), READY),
        (_attempt(), replace(READY, user_pin_initialized=False)),
    ],
    ids=["crashed", "failed", "pin-not-set"],
)
def test_an_interrupted_initialisation_needs_a_wipe_or_another_token(
    attempt: Attempt, facts: TokenFacts
) -> None:
    assert _plan(attempt, facts) == Refusal(UNCERTAIN, wipe_would_help=True)
    assert _plan(attempt, facts, wipe=True, so_pin=True) == Plan(
        Step.INITIALISE, wipe=True, abandon_open_attempt=True
    )


def test_another_token_abandons_the_open_attempt_and_revokes_its_certificate() -> None:
    attempt = _attempt(key_id=KEY_ID, public_key_der=SPKI, certificate=CERT)
    other = replace(BLANK, serial=OTHER)
    assert _plan(attempt, other) == Plan(
        Step.INITIALISE, abandon_open_attempt=True, revoke_open_certificate=True
    )


def test_the_same_token_found_blank_again_starts_over() -> None:
    attempt = _attempt(key_id=KEY_ID)
    assert _plan(attempt, BLANK) == Plan(Step.INITIALISE, abandon_open_attempt=True)


def test_a_verified_attempt_is_not_run_twice() -> None:
    attempt = _attempt(status=AttemptStatus.VERIFIED, certificate=CERT)
    plan = _plan(attempt, WITH_CERT)
    assert isinstance(plan, Plan) and plan.already_verified


def test_a_closed_attempt_is_not_taken_up() -> None:
    attempt = _attempt(status=AttemptStatus.ABANDONED)
    assert _plan(attempt, READY) == Refusal(NOT_BLANK, wipe_would_help=True)


def _request(status: RevocationStatus, serial: str | None = CERT.serial_hex) -> RevocationRequest:
    return RevocationRequest(REF, 1, "motif", status, AT, "amartin", certificate_serial=serial)


@pytest.mark.parametrize(
    ("requests", "live"),
    [
        ([], [CERT.serial_hex]),
        ([_request(RevocationStatus.PENDING)], [CERT.serial_hex]),  # may still be written
        ([_request(RevocationStatus.WITHDRAWN)], [CERT.serial_hex]),
        ([_request(RevocationStatus.CONFIRMED)], []),
        ([_request(RevocationStatus.CONFIRMED, serial=None)], [CERT.serial_hex]),  # by key
    ],
    ids=["none", "pending", "withdrawn", "confirmed", "by-key"],
)
def test_a_certificate_is_live_until_its_revocation_is_confirmed(
    requests: list[RevocationRequest], live: list[str]
) -> None:
    attempts = [_attempt(certificate=CERT), _attempt(id=2)]
    assert live_certificates(attempts, requests) == live


def _dossier(surname: str, reference: str = REF) -> Dossier:
    return Dossier(
        reference=reference,
        state=DossierState.CONVOKED,
        office_code="BREST",
        company=Company("732829320", "73282932000074", "SARL X", "SARL"),
        product=Product("P", "Signature", 3, KeyAlgorithm.EC_P256),
        holder=Person(surname, "Anne", birth_date=date(1980, 1, 1)),
        legal_representative=Person("Y", "Z"),
    )


@pytest.mark.parametrize(
    ("surname", "label"),
    [
        ("Lefèvre", "CCI LEFEVRE CS-2026-000123"),
        ("Le Goff-Kerbœuf", "CCI LE GOFF-KERBO CS-2026-000123"),
        ("Du Pont de Nemours d'Argenson", "CCI DU PONT DE NE CS-2026-000123"),
        ("Łódź", "CCI LODZ CS-2026-000123"),
        ("Bœuf", "CCI BOEUF CS-2026-000123"),
        ("李", "CCI CS-2026-000123"),
    ],
)
def test_the_token_label_names_the_holder_and_keeps_the_whole_reference(
    surname: str, label: str
) -> None:
    made = token_label(_dossier(surname))
    assert made == label
    assert len(made.encode("utf-8")) <= 32 and made.isascii()
