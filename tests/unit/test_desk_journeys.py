"""The rules of the journeys after a delivery, without I/O: renewal dossiers against what
they renew, the renewal's receipt, the desk attestations, and appointments opened for a
PIN unblock or a revocation (in-memory database)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from kiosk.domain.appointment_lease import Purpose
from kiosk.domain.desk_receipt import (
    DeskAct,
    DeskReceipt,
    DeskReceiptCore,
    canonical_desk_receipt,
    desk_receipt_digest,
    desk_receipt_lines,
)
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.errors import IntegrityError, NotFoundError, StateError, ValidationError
from kiosk.domain.model import Company, Dossier, KeyAlgorithm, Person, Product
from kiosk.domain.personalisation_journal import Attempt, Phase, Step
from kiosk.domain.receipt import canonical_receipt_bytes, receipt_audit_details, receipt_digest
from kiosk.domain.receipt_text import receipt_lines
from kiosk.domain.renewal import Renewal, same_holder_problems
from kiosk.services.appointment import EndReason
from kiosk.services.auth import AgentSession
from tests.ui.sample_data import REF_CONVOKED, REF_DELIVERED, World
from tests.unit.receipt_samples import sample_core, sample_receipt
from tests.unit.world_env import session, world

_FIXTURES = (world, session)

AT = datetime(2026, 7, 14, 12, 5, 9, tzinfo=UTC)
OLD_SERIAL = "1127de3cfe77ed9d14211879f34f7832"


def _dossier(**changes: Any) -> Dossier:
    base = Dossier(
        reference="CS-2023-000412",
        state=DossierState.DELIVERED,
        office_code="BREST",
        company=Company("842317653", "84231765300017", "Conserverie Penn ar Bed", "SAS"),
        product=Product("RGS2-SIGN-3Y", "3 ans", 3, KeyAlgorithm.RSA_2048),
        holder=Person("Le Gall", "Yannick", birth_date=date(1971, 5, 2)),
        legal_representative=Person("Le Gall", "Yannick", role_title="Président"),
    )
    return replace(base, **changes)


# Renewal dossiers -----------------------------------------------------------------------------


def test_a_renewal_of_the_same_holder_company_and_duration_is_accepted() -> None:
    renewal = _dossier(reference="CS-2026-001327", state=DossierState.CONVOKED)
    assert same_holder_problems(_dossier(), renewal, 3) == []
    unknown_birth = replace(renewal, holder=Person("Le Gall", "Yannick"))
    assert same_holder_problems(_dossier(), unknown_birth, 3) == []


@pytest.mark.parametrize(
    ("previous", "renewal", "years", "words"),
    [
        ({"state": DossierState.CONVOKED}, {}, 3, "seul un certificat remis"),
        ({"state": DossierState.REVOKED}, {}, 3, "Révoqué"),
        ({}, {"holder": Person("Le Gall", "Yann", birth_date=date(1971, 5, 2))}, 3, "titulaire"),
        ({}, {"holder": Person("Le Gall", "Yannick", birth_date=date(1971, 5, 3))}, 3, "naissance"),
        ({}, {"company": Company("552100554", "55210055400013", "Autre", "SA")}, 3, "SIREN"),
        ({}, {}, 1, "durée de validité (1 an(s))"),
    ],
)  # fmt: skip
def test_a_renewal_that_differs_from_what_it_renews_is_named(
    previous: dict[str, Any], renewal: dict[str, Any], years: int, words: str
) -> None:
    problems = same_holder_problems(_dossier(**previous), _dossier(**renewal), years)
    assert len(problems) == 1 and words in problems[0]


def test_only_the_token_delivered_for_the_renewed_dossier_may_be_reused() -> None:
    renewal = Renewal("CS-2026-001327", "CS-2023-000412", OLD_SERIAL, "TOK-1", token_reuse=True)
    assert renewal.may_reuse("TOK-1")
    assert not renewal.may_reuse("TOK-2") and not renewal.may_reuse("")
    assert not replace(renewal, token_reuse=False).may_reuse("TOK-1")
    assert not replace(renewal, previous_token=None).may_reuse("")


def test_the_old_key_counts_as_erased_only_once_a_wipe_of_the_holders_token_is_done() -> None:
    renewal = Renewal("CS-2026-001327", "CS-2023-000412", OLD_SERIAL, "TOK-1", token_reuse=True)
    run = Attempt(1, renewal.reference, "TOK-1", "camille", AT, "CCI", wipe=True)

    def erased(step: Step, phase: Phase, **changes: Any) -> bool:
        return renewal.holder_key_erased([replace(run, step=step, phase=phase, **changes)])

    assert erased(Step.INITIALISE, Phase.DONE) and erased(Step.ISSUE, Phase.FAILED)
    assert erased(Step.GENERATE_KEY, Phase.STARTED)
    # a wrong SO PIN, a run stopped mid-initialisation: the old key may still be there
    assert not erased(Step.INITIALISE, Phase.FAILED)
    assert not erased(Step.INITIALISE, Phase.STARTED) and not erased(Step.CHECK, Phase.DONE)
    # another token, or no wipe (a blank token): the holder's token was never touched
    assert not erased(Step.ISSUE, Phase.FAILED, token_serial="TOK-2")
    assert not erased(Step.ISSUE, Phase.FAILED, wipe=False)
    assert not renewal.holder_key_erased([])


# The renewal's receipt -------------------------------------------------------------------------


def test_a_first_delivery_receipt_is_what_it_always_was() -> None:
    body = json.loads(canonical_receipt_bytes(sample_core()))
    assert "renewal" not in body
    assert "supersedes_certificate_serial" not in receipt_audit_details(sample_core())
    assert "renouvellement" not in receipt_lines(sample_receipt())[0][0]


def test_a_renewal_receipt_says_so_and_signs_the_certificate_it_replaces() -> None:
    core = sample_core(superseded_certificate_serial=OLD_SERIAL)
    body = json.loads(canonical_receipt_bytes(core))

    assert body["renewal"] == {"supersedes": OLD_SERIAL}
    assert receipt_digest(core) != receipt_digest(sample_core())
    assert receipt_audit_details(core)["supersedes_certificate_serial"] == OLD_SERIAL
    lines = receipt_lines(sample_receipt(core))
    assert lines[0][0].endswith("(renouvellement)")
    assert ("Nature de la remise", "Renouvellement") in lines
    assert ("Certificat remplacé (révoqué)", OLD_SERIAL) in lines
    statement = dict(lines)["Déclaration"]
    assert f"renouvelle le certificat n° {OLD_SERIAL}" in statement


@pytest.mark.parametrize(
    ("serial", "words"),
    [("11:27:DE", "hexadécimal"), ("4f2a9c0de1b7a3556e01c9d2b8f7a6e5d4c3b2a1", "ne remplace pas")],
)
def test_a_renewal_receipt_names_a_well_formed_other_certificate(serial: str, words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        sample_core(superseded_certificate_serial=serial)


# Desk attestations ------------------------------------------------------------------------------


def _desk_core(**changes: Any) -> DeskReceiptCore:
    core = DeskReceiptCore(
        act=DeskAct.REVOCATION,
        reference="CS-2026-000125",
        holder_surname="L'ŒILLET",
        holder_given_names="Zoé",
        company_name="Œuvres portuaires",
        company_siren="732829320",
        office_name="Bureau de Brest",
        agent_display_name="Maëlle Le Gœnnec",
        agent_login="mlegoennec",
        kiosk_id="brest-guichet-2",
        done_at=AT,
        certificate_serial="4f2a9c0de1b7a3556e01c9d2b8f7a6e5",
        token_serial="0F1E2D3C4B5A",
        identity_checks=(("Contrôle de la bande MRZ", "conforme"),),
        reason_code="keyCompromise",
        reason_label="Clé compromise",
        published=True,
    )
    return replace(core, **changes)


_OTHER_DESK_VALUES: dict[str, Any] = {
    "act": DeskAct.PIN_UNBLOCK,
    "reference": "CS-2026-000126",
    "holder_surname": "L'OEILLET",
    "holder_given_names": "Zoe",
    "company_name": "Oeuvres portuaires",
    "company_siren": "552100554",
    "office_name": "Bureau de Quimper",
    "agent_display_name": "Maëlle",
    "agent_login": "mlg",
    "kiosk_id": "brest-guichet-1",
    "done_at": datetime(2026, 7, 14, 12, 5, 10, tzinfo=UTC),
    "certificate_serial": "4f2a9c0de1b7a3556e01c9d2b8f7a6e6",
    "token_serial": None,
    "identity_checks": (("Contrôle de la bande MRZ", "non vérifié"),),
    "reason_code": "superseded",
    "reason_label": "Clé compromise",  # the label is what the code says: not signed apart
    "published": False,
}


def test_every_fact_of_an_attestation_but_the_reasons_wording_is_in_its_digest() -> None:
    names = {field.name for field in dataclasses.fields(DeskReceiptCore)}
    assert names == set(_OTHER_DESK_VALUES)
    original = desk_receipt_digest(_desk_core())
    for name, value in _OTHER_DESK_VALUES.items():
        if name in ("act", "reason_label"):
            continue
        assert desk_receipt_digest(_desk_core(**{name: value})) != original, name
    unblock = _desk_core(act=DeskAct.PIN_UNBLOCK, reason_code=None, reason_label=None)
    assert desk_receipt_digest(unblock) != original
    assert (
        desk_receipt_digest(_desk_core())
        == hashlib.sha256(canonical_desk_receipt(_desk_core())).digest()
    )


def test_an_attestation_is_sealed_by_its_own_digest_and_a_real_audit_event() -> None:
    core = _desk_core()
    sealed = DeskReceipt(core, desk_receipt_digest(core), 42, "a" * 64)
    lines = dict(desk_receipt_lines(sealed))
    assert lines["Motif (RFC 5280)"] == "Clé compromise (keyCompromise)"
    assert lines["Événement n°"] == "42"
    with pytest.raises(IntegrityError, match="ne correspond pas"):
        DeskReceipt(core, desk_receipt_digest(_desk_core(published=False)), 42, "a" * 64)
    with pytest.raises(ValidationError, match="Événement"):
        DeskReceipt(core, desk_receipt_digest(core), 0, "a" * 64)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"reason_code": None, "reason_label": None}, "motif"),
        ({"act": DeskAct.PIN_UNBLOCK}, "motif"),
        ({"identity_checks": ()}, "vérifications"),
        ({"certificate_serial": "4F:2A"}, "hexadécimal"),
        ({"done_at": datetime(2026, 7, 14, 12, 5, 9)}, "fuseau"),
        ({"agent_login": " "}, "agent"),
    ],
)
def test_an_incomplete_attestation_is_refused_in_french(
    changes: dict[str, Any], words: str
) -> None:
    with pytest.raises(ValidationError, match=words):
        _desk_core(**changes)


# Appointments for a delivered dossier (in-memory database) -------------------------------------


def _dossier_of(world: World, reference: str) -> Dossier:
    with world.db() as uow:
        found = uow.dossiers.get(reference)
    assert found is not None
    return found


@pytest.mark.parametrize("purpose", [Purpose.PIN_UNBLOCK, Purpose.REVOCATION])
def test_a_delivered_dossier_is_opened_for_a_pin_unblock_or_a_revocation_only(
    world: World, session: AgentSession, purpose: Purpose
) -> None:
    appointments = world.services.appointments
    delivered = _dossier_of(world, REF_DELIVERED)

    with pytest.raises(StateError, match="aucune remise"):
        appointments.open(session, delivered)
    with pytest.raises(StateError, match="certificat remis"):
        appointments.open(session, _dossier_of(world, REF_CONVOKED), purpose=purpose)
    appointment = appointments.open(session, delivered, purpose=purpose)

    assert appointment.purpose is purpose
    [lease] = appointments.open_appointments()
    assert lease.purpose is purpose and lease.dossier_ref == REF_DELIVERED
    start = [e for e in world.db.audit_events() if e.event_type == "appointment.start"][-1]
    assert start.details["purpose"] == purpose.value
    appointments.end(appointment, EndReason.HOLDER_DECLINES)
    assert _dossier_of(world, REF_DELIVERED).state is DossierState.DELIVERED
    assert appointments.open_appointments() == []


def test_an_appointment_serves_only_the_purpose_it_was_opened_for(
    world: World, session: AgentSession
) -> None:
    appointment = world.services.appointments.open(
        session, _dossier_of(world, REF_DELIVERED), purpose=Purpose.REVOCATION
    )
    appointment.identity_passed = appointment.photo_confirmed = appointment.answers_passed = True

    appointment.require_checks(Purpose.REVOCATION)
    with pytest.raises(StateError, match="Déblocage du code PIN"):
        appointment.require_checks(Purpose.PIN_UNBLOCK)
    appointment.answers_passed = False
    with pytest.raises(StateError, match="questions de révocation"):
        appointment.require_checks(Purpose.REVOCATION)


def test_a_delivered_holder_is_found_by_certificate_serial_in_any_form(
    world: World, session: AgentSession
) -> None:
    world.db.state.delivered_certificates["4f2a9c0de1b7"] = REF_DELIVERED

    for typed in ("4f2a9c0de1b7", "00:4F:2A:9C:0D:E1:B7", " 0x4F2A9C0DE1B7 "):
        assert world.services.lookup.find_delivered(session, typed).reference == REF_DELIVERED
    with pytest.raises(StateError, match="Convoqué"):
        world.services.lookup.find_delivered(session, REF_CONVOKED)
    with pytest.raises(NotFoundError):
        world.services.lookup.find_delivered(session, "4f2a9c0de1b8")
    with pytest.raises(ValidationError, match="Saisissez"):
        world.services.lookup.find_delivered(session, "  ")
    kinds = [
        (e.outcome.value, e.details.get("by"))
        for e in world.db.audit_events()
        if e.event_type == "dossier.lookup_delivered"
    ]
    assert kinds == [("success", "certificate_serial")] * 3 + [
        ("refused", "reference"),
        ("failure", "certificate_serial"),
    ]
