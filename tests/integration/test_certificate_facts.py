"""What the desk reads about a holder's certificate before an unblock or a revocation: the
certificate delivered, its token in the register, the delivery; for a revoked dossier the
revocation's date, reason and publication. Read only, never audited, never a secret."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from kiosk.adapters.fakes.memory import FixedClock
from kiosk.domain.appointment_lease import Purpose
from kiosk.domain.certificate_revocation import RevocationReason
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.token_register import TokenState
from kiosk.services.certificate_facts import CertificateFacts, CertificateFactsService
from tests.integration.crl_env import ca_copy, revocable_ca
from tests.integration.db_env import database_url
from tests.integration.fake_desk import SERIAL, ca, template, tokens
from tests.integration.journeys_env import (
    PASSPORT,
    RIGHT,
    Journeys,
    OnSoftHsm,
    journeys,
    on_softhsm,
)
from tests.integration.personalisation_env import NOW, SESSION, USER_PIN
from tests.integration.pg_env import postgres
from tests.integration.softhsm_env import ca_folder, softhsm, token_adapter

pytestmark = pytest.mark.integration
_FIXTURES = (database_url, postgres, template, ca, tokens, softhsm, token_adapter, ca_folder)
_MORE = (ca_copy, revocable_ca, journeys, on_softhsm)
REF, WAITING = "CS-2026-000731", "CS-2026-000732"


@pytest.fixture
def holders() -> tuple[str, ...]:
    return (REF, WAITING)


def facts_of(journeys: Journeys, ref: str = REF, at: FixedClock | None = None) -> CertificateFacts:
    service = CertificateFactsService(journeys.world.db, at or journeys.world.clock)
    found = service.certificate_facts(SESSION, ref)
    assert found is not None
    return found


def test_a_delivered_dossier_names_its_certificate_token_and_delivery(journeys: Journeys) -> None:
    journeys.deliver(REF, SERIAL)
    with journeys.world.db() as uow:
        delivery = uow.deliveries.get(REF)
    assert delivery is not None
    events_before = len(journeys.events(REF))

    facts = facts_of(journeys)

    assert facts.state is DossierState.DELIVERED
    assert facts.certificate_serial == delivery.certificate_serial
    assert (facts.not_before, facts.not_after) == (delivery.not_before, delivery.not_after)
    assert facts.token_serial == SERIAL and facts.token_state is TokenState.DELIVERED
    assert facts.delivered_at == delivery.delivered_at and facts.office_name == "Bureau de Brest"
    assert facts.revocation is None
    assert not facts.expired and not facts.expires_soon
    assert len(journeys.events(REF)) == events_before  # the lookup was audited, not this


def test_a_certificate_near_or_past_its_end_says_a_renewal_is_due(journeys: Journeys) -> None:
    journeys.deliver(REF, SERIAL)
    end = facts_of(journeys).not_after

    soon = facts_of(journeys, at=FixedClock(end - timedelta(days=12, hours=1)))
    assert soon.expires_soon and not soon.expired and soon.days_left == 12
    late = facts_of(journeys, at=FixedClock(end + timedelta(days=1)))
    assert late.expired and not late.expires_soon and late.days_left == 0


def test_only_a_delivered_or_revoked_dossier_of_the_agents_office_has_facts(
    journeys: Journeys,
) -> None:
    journeys.deliver(REF, SERIAL)
    service = CertificateFactsService(journeys.world.db, journeys.world.clock)
    elsewhere = replace(SESSION, office_code="RENNES")

    assert service.certificate_facts(elsewhere, REF) is None
    assert service.certificate_facts(SESSION, WAITING) is None  # convoked, not delivered
    assert service.certificate_facts(SESSION, "CS-2026-999999") is None


def test_a_desk_revocation_is_read_with_its_reason_and_left_to_the_back_office(
    journeys: Journeys,
) -> None:
    journeys.deliver(REF, SERIAL)
    appointment = journeys.checked(REF, Purpose.REVOCATION)
    journeys.revocation.revoke(appointment, RevocationReason.KEY_COMPROMISE, token_lost=True)

    facts = facts_of(journeys)

    assert facts.state is DossierState.REVOKED and facts.token_state is TokenState.LOST
    revocation = facts.revocation
    assert revocation is not None
    assert revocation.reason is RevocationReason.KEY_COMPROMISE
    assert revocation.decided_at == NOW
    assert revocation.published is False  # no authority here: the back office publishes
    shown = repr(facts)
    for secret in (USER_PIN, *RIGHT, "19FR84621", PASSPORT):
        assert secret not in shown


def test_a_revocation_the_embedded_ca_published_reads_as_published(on_softhsm: OnSoftHsm) -> None:
    journeys, ref = on_softhsm.journeys, on_softhsm.reference
    appointment = journeys.checked(ref, Purpose.REVOCATION)
    journeys.revocation.revoke(appointment, RevocationReason.CESSATION_OF_OPERATION)

    facts = facts_of(journeys, ref)

    assert facts.certificate_serial == on_softhsm.serial
    assert facts.token_serial == on_softhsm.token_serial
    assert facts.revocation is not None and facts.revocation.published is True
    assert facts.revocation.reason is RevocationReason.CESSATION_OF_OPERATION
