"""The PIN unblock at the desk, from the keyboard on the real kiosk (SQLite), on the
in-memory token which really blocks a PIN: the holder comes back without a withdrawal
code, is found by the certificate's serial or the dossier's reference (F6 « Titulaire
équipé »), passes the identity check and the answers, the agent inserts the token
delivered (another is refused, naming the right one), the holder chooses a new PIN (the
policy's refusals are said and the PIN typed again), and the attestation is shown. The
new PIN signs; no PIN is on screen, in the audit log or in the database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.domain.dossier_state import DossierState
from kiosk.domain.token_ports import PinIncorrectError
from kiosk.ui.screens.desk_receipt_view import DeskReceiptViewScreen
from kiosk.ui.screens.dossier import DossierScreen
from kiosk.ui.screens.holder_cue import TO_AGENT, TO_HOLDER, HolderCueScreen
from kiosk.ui.screens.lookup import LookupScreen
from kiosk.ui.screens.new_pin import NewPinScreen
from kiosk.ui.screens.pin_unblock import PinUnblockScreen
from kiosk.ui.widgets.secret_input import SecretInput
from tests.ui.app_env import KioskPilot, run_async, screen_text, settle, status_text
from tests.ui.journey_env import deliver_first
from tests.ui.token_env import HOLDER_PIN, FakeDevices, said, shows, until
from tests.ui.unblock_env import (
    NEW_PIN,
    SIGNED,
    delivery_of,
    fake_unblock_app,
    find_delivered,
    lock_pin,
    new_pin,
    through_checks,
)

UNBLOCKED = (
    "Code PIN débloqué : le titulaire a choisi un nouveau code PIN pour le support n° FT-0001"
)


def colon_serial(serial: str) -> str:
    """The serial as printed on a certificate: upper case, bytes split by colons."""
    return ":".join(serial[i : i + 2] for i in range(0, len(serial), 2)).upper()


def no_pin_on_screen(pilot: KioskPilot) -> None:
    shown = screen_text(pilot.app)  # type: ignore[arg-type]
    for pin in (NEW_PIN, HOLDER_PIN):
        assert pin not in shown
    for field in pilot.app.screen.query(SecretInput):
        assert field.value == ""


async def to_holder_pin(pilot: KioskPilot) -> None:
    """On the unblock step with the delivered token read: Entrée, the cue, the PIN screen."""
    await shows(pilot, "C'est le support remis pour ce dossier")
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, HolderCueScreen)
    assert pilot.app.screen.title_text == TO_HOLDER
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, NewPinScreen)


async def back_to_agent(pilot: KioskPilot) -> None:
    """The holder hands the screen back: the unblock runs on the agent's screen."""
    assert isinstance(pilot.app.screen, HolderCueScreen)
    assert pilot.app.screen.title_text == TO_AGENT
    no_pin_on_screen(pilot)
    await pilot.press("enter")
    await settle(pilot)


def token(devices: FakeDevices, serial: str) -> object:
    return next(t for t in devices.tokens.tokens if t.serial == serial)


@run_async
async def test_a_blocked_pin_is_unblocked_for_a_holder_found_by_certificate_serial(
    tmp_path: Path,
) -> None:
    app, desk, devices = fake_unblock_app(tmp_path / "home")
    async with app.run_test(size=(100, 30)) as pilot:
        await deliver_first(pilot, desk)
        found = delivery_of(desk)
        lock_pin(devices, found)

        await find_delivered(pilot, colon_serial(found.certificate_serial))
        assert isinstance(app.screen, DossierScreen)
        assert "déblocage du PIN ou révocation possibles" in screen_text(app)
        await pilot.press("f6")
        await settle(pilot)
        assert "Nouveau PIN › Attestation" in screen_text(app)
        await through_checks(pilot)

        assert isinstance(app.screen, PinUnblockScreen)
        await shows(pilot, f"Insérez le support n° {found.token_serial}")
        assert f"certificat n° {found.certificate_serial}" in said(app)
        await shows(pilot, "C'est le support remis pour ce dossier ; son code PIN est bloqué.")
        assert "▶ [Nouveau PIN]" in screen_text(app)
        await to_holder_pin(pilot)
        await new_pin(pilot)
        await back_to_agent(pilot)

        await until(pilot, lambda: isinstance(app.screen, DeskReceiptViewScreen), "attestation")
        shown = said(app)
        assert UNBLOCKED in shown
        assert "Nouveau code PIN défini par le titulaire ; support débloqué" in shown
        assert "▶ [Attestation]" in screen_text(app)
        no_pin_on_screen(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)
        assert UNBLOCKED in status_text(app.screen, "#lookup-status")

    assert devices.tokens.sign(found.token_serial, NEW_PIN, found.key_id, SIGNED)
    with pytest.raises(PinIncorrectError):
        devices.tokens.sign(found.token_serial, HOLDER_PIN, found.key_id, SIGNED)
    assert desk.dossier().state is DossierState.DELIVERED
    kinds = [kind for kind, _ in desk.kinds()]
    started = kinds.index("pin.unblock_started")
    assert kinds[started + 1] == "pin.unblocked"
    assert desk.last("pin.unblocked").outcome.value == "success"
    lookup = desk.last("dossier.lookup_delivered").details
    assert lookup["by"] == "certificate_serial"
    audit = json.dumps([dict(e.details) for e in desk.desk.audit_events()], ensure_ascii=False)
    database = Path(desk.desk.settings.database_url.removeprefix("sqlite:///"))
    for pin in (NEW_PIN, HOLDER_PIN):
        assert pin not in audit
        for path in database.parent.glob(database.name + "*"):
            assert pin.encode() not in path.read_bytes()
    attestations = list(desk.desk.settings.receipts_dir.glob("*.pdf"))
    assert len(attestations) == 2  # the delivery's receipt and the unblock's attestation
