"""The renewal's token check, as the token step asks it: the holder's current token is
recognised (and always wiped), and any other token keeps the agent's decision to erase a
token that is not blank (F4), which the check must be told."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.adapters.fakes.fake_ca import FakeCertificateAuthority
from kiosk.adapters.fakes.fake_token import FakeToken, FakeTokenPort
from kiosk.domain.renewal import RenewalLink
from kiosk.services.renewal import ReusedTokenCheck
from tests.integration.db_env import database_url
from tests.integration.fake_desk import SERIAL, ca, template, tokens
from tests.integration.journeys_env import Journeys, holder_dossier
from tests.integration.personalisation_env import desk
from tests.integration.pg_env import postgres

pytestmark = pytest.mark.integration
_FIXTURES = (database_url, postgres, template, ca, tokens)

PREVIOUS, RENEWAL = "CS-2023-000512", "CS-2026-001427"
USED = "TOK-0009"  # somebody else's old token, not blank


@pytest.fixture
def journeys(
    template: Path,
    tmp_path: Path,
    tokens: FakeTokenPort,
    ca: FakeCertificateAuthority,
    database_url: str,
) -> Iterator[Journeys]:
    """``PREVIOUS`` delivered on ``SERIAL``; ``RENEWAL`` renews it."""
    with desk(
        template, tmp_path, tokens, ca, ca.root_der, url=database_url,
        dossiers=[holder_dossier(PREVIOUS), holder_dossier(RENEWAL)],
    ) as world:  # fmt: skip
        found = Journeys(world, None, tmp_path / "receipts")
        found.deliver(PREVIOUS, SERIAL)
        with world.db() as uow:
            uow.lineage.record(RenewalLink(RENEWAL, PREVIOUS))
            uow.commit()
        tokens.tokens.append(FakeToken(USED, label="ANCIEN", initialized=True, so_pin="SO-9"))
        yield found


def test_a_token_that_is_not_blank_is_checked_as_a_wipe_once_the_agent_chose_to_erase_it(
    journeys: Journeys,
) -> None:
    appointment = journeys.checked(RENEWAL)

    before = journeys.renewals.check_token(appointment, USED)
    chosen = journeys.renewals.check_token(appointment, USED, wipe=True)

    assert before.refusal is not None and "pas vierge" in before.refusal
    assert before.wipe_would_help and not isinstance(before, ReusedTokenCheck)
    assert chosen.refusal is None and not isinstance(chosen, ReusedTokenCheck)


def test_the_holders_current_token_is_told_as_reused_when_the_product_allows_it(
    journeys: Journeys,
) -> None:
    appointment = journeys.checked(RENEWAL)
    refused = journeys.renewals.check_token(appointment, SERIAL)
    journeys.allow_token_reuse("SIGN-p256")

    reused = journeys.renewals.check_token(appointment, SERIAL)
    also_with_wipe = journeys.renewals.check_token(appointment, SERIAL, wipe=True)

    assert refused.refusal is not None and not isinstance(refused, ReusedTokenCheck)
    assert isinstance(reused, ReusedTokenCheck) and reused.renews == PREVIOUS
    assert reused.refusal is None and reused.serial == SERIAL and not reused.blank
    assert isinstance(also_with_wipe, ReusedTokenCheck) and also_with_wipe.refusal is None
