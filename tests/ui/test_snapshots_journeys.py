"""SVG snapshots of the desk journeys after a delivery (revocation, PIN unblock). Update
with ``pytest tests/ui/test_snapshots_journeys.py --snapshot-update`` and look at the
result before committing.

Everything shown is fixed: the desk's date, the certificate, token and attestation
(``journey_env.ScriptedRevocation``). No snapshot may show an answer, a document number, a
code or a PIN (checked below, and over every folder by the appointment snapshots).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from tests.ui.app_env import KioskPilot, log_in, no_blink, settle
from tests.ui.appointment_env import AppointmentDesk
from tests.ui.journey_env import REVOCATION_KEY, scripted_revocation_app, to_journey_step
from tests.ui.sample_data import REF_DELIVERED
from tests.ui.test_snapshots_appointment import SNAPSHOTS, _secrets, _svg_text
from tests.ui.token_env import HOLDER_PIN, shows

SnapCompare = Callable[..., bool]
Scenario = Callable[[KioskPilot, AppointmentDesk], Awaitable[None]]
FOLDER = SNAPSHOTS / "test_snapshots_journeys"


# Revocation ---------------------------------------------------------------------------


def _revocation_snap(
    snap_compare: SnapCompare, home: Path, scenario: Scenario, size: tuple[int, int]
) -> bool:
    app, desk = scripted_revocation_app(home)

    async def run_before(pilot: KioskPilot) -> None:
        await scenario(pilot, desk)
        no_blink(pilot.app)

    return snap_compare(app, terminal_size=size, run_before=run_before)


async def _revocation_reason(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    """The certificate shown, « Clé compromise » chosen, the token declared lost."""
    await log_in(pilot)
    await to_journey_step(pilot, desk, REVOCATION_KEY, REF_DELIVERED)
    await shows(pilot, "Choisissez le motif donné par le titulaire")
    await pilot.press("enter", "down", "down", "enter")  # the second reason
    await pilot.press("space")  # support perdu ou volé
    await settle(pilot)


async def _revocation_attestation(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await _revocation_reason(pilot, desk)
    await pilot.press("enter")  # the holder's confirmation
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    await shows(pilot, "Révocation effectuée")


def test_revocation_reason(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert _revocation_snap(snap_compare, tmp_path / "home", _revocation_reason, (80, 24))


def test_revocation_attestation(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert _revocation_snap(snap_compare, tmp_path / "home", _revocation_attestation, (120, 40))


# Secrets ------------------------------------------------------------------------------


def test_no_journey_snapshot_shows_a_secret(request: pytest.FixtureRequest) -> None:
    if request.config.getoption("--snapshot-update"):
        pytest.skip("snapshots are written at the end of this run: checked on the next one")
    names = {svg.name for svg in FOLDER.glob("*.svg")}
    for test in ("test_revocation_reason", "test_revocation_attestation"):
        assert f"{test}.svg" in names, "run pytest tests/ui --snapshot-update"
    for svg in sorted(FOLDER.glob("*.svg")):
        raw = svg.read_text(encoding="utf-8")
        shown = _svg_text(raw)
        for secret in [HOLDER_PIN, *_secrets()]:
            for variant in {secret, secret.lower(), secret.upper()}:
                assert variant not in raw, f"{svg.name} contains a secret"
                assert variant not in shown, f"{svg.name} shows a secret"


# PIN unblock --------------------------------------------------------------------------
# (imports local to the section: the file is shared, its head left as it was)


async def _find_delivered_refused(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    """F6 « Titulaire équipé » on the home; a convoked dossier's reference is refused."""
    from tests.ui.sample_data import REF_CONVOKED
    from tests.ui.unblock_env import find_delivered

    await log_in(pilot)
    await find_delivered(pilot, REF_CONVOKED)
    await shows(pilot, "est à l'état « Convoqué »")


async def _new_pin_half_typed(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    """A first delivery, then the unblock: the holder has typed the new PIN once."""
    from tests.ui.app_env import type_into
    from tests.ui.journey_env import deliver_first
    from tests.ui.unblock_env import NEW_PIN, to_unblock_step

    await deliver_first(pilot, desk)
    await to_unblock_step(pilot)
    await shows(pilot, "C'est le support remis pour ce dossier")
    await pilot.press("enter")  # to the holder...
    await settle(pilot)
    await pilot.press("enter")  # ... who has the screen
    await settle(pilot)
    await type_into(pilot, "#pin", NEW_PIN)
    await shows(pilot, "Code PIN conforme. Saisissez-le une seconde fois.")


def _unblock_snap(
    snap_compare: SnapCompare, home: Path, scenario: Scenario, size: tuple[int, int]
) -> bool:
    from tests.ui.unblock_env import fake_unblock_app

    app, desk, _ = fake_unblock_app(home)

    async def run_before(pilot: KioskPilot) -> None:
        await scenario(pilot, desk)
        no_blink(pilot.app)

    return snap_compare(app, terminal_size=size, run_before=run_before)


def test_find_delivered_refused(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert _unblock_snap(snap_compare, tmp_path / "home", _find_delivered_refused, (80, 24))


def test_unblock_new_pin(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert _unblock_snap(snap_compare, tmp_path / "home", _new_pin_half_typed, (80, 24))


def test_no_unblock_snapshot_shows_a_pin(request: pytest.FixtureRequest) -> None:
    from tests.ui.unblock_env import NEW_PIN

    if request.config.getoption("--snapshot-update"):
        pytest.skip("snapshots are written at the end of this run: checked on the next one")
    for test in ("test_find_delivered_refused", "test_unblock_new_pin"):
        svg = FOLDER / f"{test}.svg"
        assert svg.exists(), "run pytest tests/ui/test_snapshots_journeys.py --snapshot-update"
        raw = svg.read_text(encoding="utf-8")
        for secret in (NEW_PIN, HOLDER_PIN, *_secrets()):
            assert secret not in raw and secret not in _svg_text(raw), f"{svg.name}: a secret"


# Renewal ------------------------------------------------------------------------------
# (imports local to the section: the file is shared, its head left as it was)


async def _renewal_dossier(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    """The renewal of the sample delivered dossier, its « Renouvellement » section read."""
    from tests.ui.app_env import look_up
    from tests.ui.renewal_env import RENEWAL_CODE

    await log_in(pilot)
    await look_up(pilot, RENEWAL_CODE)
    await shows(pilot, "État : Convoqué")
    await settle(pilot)
    assert pilot.app.screen.query("#sec-renewal"), "the renewal section is shown"


def test_renewal_dossier(snap_compare: SnapCompare, tmp_path: Path) -> None:
    from tests.ui.renewal_env import OLD_SERIAL, import_renewal, renewal_app, renewal_record

    app, desk, _ = renewal_app(tmp_path / "home")
    import_renewal(desk, renewal_record(REF_DELIVERED, serial=OLD_SERIAL))

    async def run_before(pilot: KioskPilot) -> None:
        await _renewal_dossier(pilot, desk)
        no_blink(pilot.app)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_no_renewal_snapshot_shows_its_withdrawal_code(request: pytest.FixtureRequest) -> None:
    from tests.ui.renewal_env import RENEWAL_CODE

    if request.config.getoption("--snapshot-update"):
        pytest.skip("snapshots are written at the end of this run: checked on the next one")
    svg = FOLDER / "test_renewal_dossier.svg"
    assert svg.exists(), "run pytest tests/ui/test_snapshots_journeys.py --snapshot-update"
    raw = svg.read_text(encoding="utf-8")
    for secret in (RENEWAL_CODE, RENEWAL_CODE.replace("-", ""), *RENEWAL_CODE.split("-")):
        assert secret not in raw and secret not in _svg_text(raw), f"{svg.name}: a secret"


# The certificate of a delivered dossier ------------------------------------------------
# (imports local to the section: the file is shared, its head left as it was)


def test_dossier_certificate(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """The sample delivered dossier with a delivery fixed byte for byte: its « Certificat »
    section, read on the desk's fixed day."""
    from dataclasses import replace
    from datetime import timedelta

    from kiosk.adapters.fakes.memory import FixedClock
    from kiosk.domain.token_register import TokenRecord, TokenState
    from kiosk.services.certificate_facts import CertificateFactsService
    from tests.ui.app_env import look_up
    from tests.ui.journey_env import FIXED_TOKEN, fixed_delivery
    from tests.ui.sample_data import NOW
    from tests.ui.token_env import fake_token_app

    app, desk, _ = fake_token_app(tmp_path / "home")
    with desk.uow() as tx:
        tx.deliveries.add(fixed_delivery(REF_DELIVERED))
        tx.token_register.save(
            TokenRecord(FIXED_TOKEN, TokenState.DELIVERED, NOW - timedelta(days=40), REF_DELIVERED)
        )
        tx.commit()
    facts = CertificateFactsService(desk.uow, FixedClock(NOW))
    app.services = replace(app.services, certificate_facts=facts)

    async def run_before(pilot: KioskPilot) -> None:
        await log_in(pilot)
        await look_up(pilot, desk.code(REF_DELIVERED))
        await settle(pilot)
        assert pilot.app.screen.query("#sec-certificate"), "the certificate section is shown"
        no_blink(pilot.app)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
