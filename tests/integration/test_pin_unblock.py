"""PIN unblock at the desk: the holder of a delivered certificate whose PIN is blocked is
found by reference or certificate serial, passes the identity check and the answers, and
sets a new PIN with the SO PIN the back office gives back from its escrow. On the
simulated token (where a PIN really locks, on both engines) and on SoftHSM."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from kiosk.adapters.fakes.fake_token import FakeTokenPort
from kiosk.adapters.token.pkcs11_token import Pkcs11TokenAdapter
from kiosk.domain.appointment_lease import Purpose
from kiosk.domain.desk_receipt import desk_receipt_lines
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.errors import NotFoundError, StateError, ValidationError
from kiosk.domain.personalisation_journal import Delivery
from kiosk.domain.token_ports import PinIncorrectError, PinLockedError, TokenRemovedError
from kiosk.domain.token_register import TokenState
from tests.integration.crl_env import ca_copy, revocable_ca
from tests.integration.db_env import database_url
from tests.integration.fake_desk import OTHER, SERIAL, ca, template, tokens
from tests.integration.journeys_env import NEW_PIN, WRONG, Journeys, OnSoftHsm, journeys, on_softhsm
from tests.integration.personalisation_env import SESSION, USER_PIN
from tests.integration.pg_env import postgres
from tests.integration.softhsm_env import ca_folder, softhsm, token_adapter

pytestmark = pytest.mark.integration
_FIXTURES = (database_url, postgres, template, ca, tokens, softhsm, token_adapter, ca_folder)
_MORE = (ca_copy, revocable_ca, journeys, on_softhsm)
REF = "CS-2026-000777"
DATA = b"Contrat de bail commercial"


@pytest.fixture
def holders() -> tuple[str, ...]:
    return (REF,)


def delivery(journeys: Journeys, ref: str = REF) -> Delivery:
    with journeys.world.db() as uow:
        found = uow.deliveries.get(ref)
    assert found is not None
    return found


def lock_pin(tokens: FakeTokenPort, found: Delivery) -> None:
    for _ in range(tokens.max_pin_tries):
        with pytest.raises((PinIncorrectError, PinLockedError)):
            tokens.sign(found.token_serial, "pas-le-bon-code", found.key_id, DATA)
    with pytest.raises(PinLockedError):
        tokens.sign(found.token_serial, USER_PIN, found.key_id, DATA)


def test_a_blocked_pin_is_unblocked_after_identity_and_answers_and_the_key_signs_again(
    journeys: Journeys, tokens: FakeTokenPort
) -> None:
    journeys.deliver(REF, SERIAL)
    found = delivery(journeys)
    lock_pin(tokens, found)

    typed = ":".join(found.certificate_serial[i : i + 2] for i in range(0, 32, 2)).upper()
    dossier = journeys.lookup.find_delivered(SESSION, typed)
    assert dossier.reference == REF
    appointment = journeys.checked(REF, Purpose.PIN_UNBLOCK)
    assert journeys.pin_unblock.delivered_token(appointment).token_serial == SERIAL
    done = journeys.pin_unblock.unblock(appointment, SERIAL, NEW_PIN, NEW_PIN)

    assert tokens.sign(SERIAL, NEW_PIN, found.key_id, DATA)
    with pytest.raises(PinIncorrectError):
        tokens.sign(SERIAL, USER_PIN, found.key_id, DATA)
    assert done.token_serial == SERIAL and appointment.ended
    assert journeys.world.dossier_state(REF) is DossierState.DELIVERED
    record = journeys.world.record(SERIAL)
    assert record is not None and record.state is TokenState.DELIVERED
    events = journeys.events(REF)
    assert [e for e, _, _ in events][-4:] == [
        "identity.photo",
        "answers.check",
        "pin.unblock_started",
        "pin.unblocked",
    ]
    start = next(d for e, _, d in events if e == "appointment.start" and "purpose" in d)
    assert start["purpose"] == "pin_unblock"
    _, outcome, details = events[-1]
    assert outcome == "success"
    assert details["token"] == SERIAL
    assert details["receipt_digest"] == done.receipt.digest.hex()
    assert done.receipt.audit_seq == journeys.world.audit()[-1].seq
    lines = dict(desk_receipt_lines(done.receipt))
    assert lines["Support (n° de série)"] == SERIAL
    assert "déblocage du code PIN" in desk_receipt_lines(done.receipt)[0][0]
    assert journeys.appointments.open_appointments() == []
    lookups = [d for e, o, d in events if e == "dossier.lookup_delivered" and o == "success"]
    assert lookups == [{"by": "certificate_serial", "office": "BREST", "state": "delivered"}]


def test_no_pin_or_so_pin_reaches_the_audit_log_or_the_database(
    journeys: Journeys, tokens: FakeTokenPort
) -> None:
    journeys.deliver(REF, SERIAL)
    appointment = journeys.checked(REF, Purpose.PIN_UNBLOCK)
    journeys.pin_unblock.unblock(appointment, SERIAL, NEW_PIN, NEW_PIN)

    so_pin = next(t for t in tokens.tokens if t.serial == SERIAL).so_pin
    assert so_pin
    stored = journeys.world.dump()
    for secret in (so_pin, NEW_PIN, USER_PIN):
        assert secret.encode() not in stored
        assert secret not in journeys.audit_text()
    assert so_pin not in repr(journeys.pin_unblock.__dict__)


def test_wrong_answers_block_the_unblock_and_the_token_is_not_touched(
    journeys: Journeys, tokens: FakeTokenPort
) -> None:
    journeys.deliver(REF, SERIAL)
    appointment = journeys.checked(REF, Purpose.PIN_UNBLOCK, answers=WRONG)

    with pytest.raises(StateError, match="questions de révocation"):
        journeys.pin_unblock.unblock(appointment, SERIAL, NEW_PIN, NEW_PIN)
    assert tokens.sign(SERIAL, USER_PIN, delivery(journeys).key_id, DATA)
    assert "pin.unblock_started" not in journeys.event_types(REF)


def test_the_unblock_needs_the_identity_check_and_its_own_appointment(
    journeys: Journeys,
) -> None:
    journeys.deliver(REF, SERIAL)
    unidentified = journeys.open(REF, Purpose.PIN_UNBLOCK)
    with pytest.raises(StateError, match="identité"):
        journeys.pin_unblock.unblock(unidentified, SERIAL, NEW_PIN, NEW_PIN)
    journeys.appointments.leave(unidentified)

    with pytest.raises(StateError, match="aucune remise"):
        journeys.open(REF)  # a delivered dossier: a delivery appointment is refused
    revocation = journeys.checked(REF, Purpose.REVOCATION)
    with pytest.raises(StateError, match="Révocation du certificat"):
        journeys.pin_unblock.unblock(revocation, SERIAL, NEW_PIN, NEW_PIN)


def test_a_pin_unblock_appointment_is_only_for_a_delivered_dossier(journeys: Journeys) -> None:
    with pytest.raises(StateError, match="certificat remis"):
        journeys.open(REF, Purpose.PIN_UNBLOCK)
    with pytest.raises(StateError, match="Convoqué"):
        journeys.lookup.find_delivered(SESSION, REF)


def test_a_pin_the_policy_refuses_or_typed_differently_changes_nothing(
    journeys: Journeys, tokens: FakeTokenPort
) -> None:
    journeys.deliver(REF, SERIAL)
    appointment = journeys.checked(REF, Purpose.PIN_UNBLOCK)

    with pytest.raises(ValidationError, match="suite"):
        journeys.pin_unblock.unblock(appointment, SERIAL, "123456", "123456")
    with pytest.raises(ValidationError, match="ne correspondent pas"):
        journeys.pin_unblock.unblock(appointment, SERIAL, NEW_PIN, NEW_PIN + "x")
    assert tokens.sign(SERIAL, USER_PIN, delivery(journeys).key_id, DATA)
    assert "pin.unblock_started" not in journeys.event_types(REF)


def test_only_the_token_delivered_for_the_dossier_is_unblocked(
    journeys: Journeys, tokens: FakeTokenPort
) -> None:
    journeys.deliver(REF, SERIAL)
    appointment = journeys.checked(REF, Purpose.PIN_UNBLOCK)

    with pytest.raises(StateError, match=f"insérez le support n° {SERIAL}"):
        journeys.pin_unblock.unblock(appointment, OTHER, NEW_PIN, NEW_PIN)
    next(t for t in tokens.tokens if t.serial == SERIAL).present = False
    with pytest.raises(TokenRemovedError):
        journeys.pin_unblock.unblock(appointment, SERIAL, NEW_PIN, NEW_PIN)
    failed = [d for e, o, d in journeys.events(REF) if e == "pin.unblock" and o == "failure"]
    assert len(failed) == 1 and "rebranchez" in str(failed[0]["error"])
    assert not appointment.ended  # plug it back and try again
    next(t for t in tokens.tokens if t.serial == SERIAL).present = True
    journeys.pin_unblock.unblock(appointment, SERIAL, NEW_PIN, NEW_PIN)
    assert tokens.sign(SERIAL, NEW_PIN, delivery(journeys).key_id, DATA)


def test_an_escrow_the_back_office_cannot_serve_is_reported_and_audited(
    journeys: Journeys,
) -> None:
    journeys.deliver(REF, SERIAL)
    with journeys.world.db() as uow:
        record = uow.token_register.get(SERIAL)
        assert record is not None and record.escrow is not None
        uow.token_register.save(record.__class__(**{**record.__dict__, "escrow": None}))
        uow.commit()
    appointment = journeys.checked(REF, Purpose.PIN_UNBLOCK)

    with pytest.raises(NotFoundError, match="Aucun code PIN administrateur séquestré"):
        journeys.pin_unblock.unblock(appointment, SERIAL, NEW_PIN, NEW_PIN)
    assert journeys.event_types(REF)[-2:] == ["pin.unblock_started", "pin.unblock"]


def test_a_holder_is_found_by_reference_only_in_the_agents_office(journeys: Journeys) -> None:
    journeys.deliver(REF, SERIAL)
    elsewhere = SESSION.__class__("yann", "Yann", SESSION.role, "RENNES")

    assert journeys.lookup.find_delivered(SESSION, REF.lower()).reference == REF
    for who, typed in ((elsewhere, REF), (SESSION, "CS-2026-999999"), (SESSION, "ab:cd")):
        with pytest.raises(NotFoundError, match="Aucun dossier remis"):
            journeys.lookup.find_delivered(who, typed)
    outcomes = [o for e, o, _ in journeys.events(REF) if e == "dossier.lookup_delivered"]
    assert outcomes == ["success", "failure"]


# On SoftHSM -------------------------------------------------------------------------------


def test_on_softhsm_the_new_pin_signs_what_the_certificate_verifies(
    on_softhsm: OnSoftHsm, token_adapter: Pkcs11TokenAdapter
) -> None:
    journeys, ref, serial = on_softhsm.journeys, on_softhsm.reference, on_softhsm.token_serial
    key_id = delivery(journeys, ref).key_id

    appointment = journeys.checked(ref, Purpose.PIN_UNBLOCK)
    journeys.pin_unblock.unblock(appointment, serial, NEW_PIN, NEW_PIN)

    signature = token_adapter.sign(serial, NEW_PIN, key_id, DATA)
    public_key = x509.load_der_x509_certificate(on_softhsm.cert_der).public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    public_key.verify(signature, DATA, ec.ECDSA(hashes.SHA256()))
    with pytest.raises(PinIncorrectError):
        token_adapter.sign(serial, USER_PIN, key_id, DATA)
    assert journeys.event_types(ref)[-1] == "pin.unblocked"


def test_an_interrupted_pin_unblock_is_resumed_for_a_pin_unblock(journeys: Journeys) -> None:
    from kiosk.services.resumption import ResumptionService

    journeys.deliver(REF, SERIAL)
    journeys.open(REF, Purpose.PIN_UNBLOCK)  # the kiosk stops here
    resumption = ResumptionService(journeys.world.uow, journeys.appointments)

    [interrupted] = resumption.interrupted(SESSION)
    assert interrupted.step_label.startswith("Déblocage du code PIN")
    appointment = resumption.resume(SESSION, REF)

    assert appointment.purpose is Purpose.PIN_UNBLOCK and not appointment.identity_passed
