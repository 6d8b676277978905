"""The PIN unblock at the desk, from the keyboard on the real kiosk (SQLite), on the
in-memory token which really blocks a PIN: the holder comes back without a withdrawal
code, is found by the certificate's serial or the dossier's reference (F6 « Titulaire
équipé »), passes the identity check and the answers, the agent inserts the token
delivered (another is refused, naming the right one), the holder chooses a new PIN (the
policy's refusals are said and the PIN typed again), and the attestation is shown. The
new PIN signs; no PIN is on screen, in the audit log or in the database."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from kiosk.domain.dossier_state import DossierState
from kiosk.domain.errors import ValidationError
from kiosk.domain.token_ports import PinIncorrectError
from kiosk.services.appointment import Appointment, EndReason
from kiosk.services.lookup import NOT_FOUND_DELIVERED as NOT_FOUND
from kiosk.services.pin_unblock import PinUnblocked, PinUnblockService
from kiosk.ui.screens.dossier import DossierScreen
from kiosk.ui.screens.end_appointment import EndAppointmentScreen
from kiosk.ui.screens.find_delivered import FindDeliveredScreen
from kiosk.ui.screens.holder_cue import TO_AGENT, TO_HOLDER, HolderCueScreen
from kiosk.ui.screens.holder_pin import NewPinScreen
from kiosk.ui.screens.lookup import LookupScreen
from kiosk.ui.screens.pin_unblock import PinUnblockScreen
from kiosk.ui.screens.receipt_view import DeskReceiptViewScreen
from kiosk.ui.screens.unblock_progress import UnblockProgressScreen
from kiosk.ui.widgets.secret_input import SecretInput
from tests.integration.softhsm_env import SoftHsm, ca_folder, softhsm
from tests.ui.app_env import (
    KioskPilot,
    log_in,
    run_async,
    screen_text,
    settle,
    status_text,
    type_into,
)
from tests.ui.journey_env import deliver_first
from tests.ui.sample_data import REF_CONVOKED, REF_DELIVERED, REF_OTHER_OFFICE
from tests.ui.token_env import (
    HOLDER_PIN,
    fake_token_app,
    said,
    shows,
    softhsm_app,
    until,
)
from tests.ui.unblock_env import (
    NEW_PIN,
    SIGNED,
    deliver_then_block,
    delivery_of,
    fake_unblock_app,
    find_delivered,
    new_pin,
    open_unblock_step,
    through_checks,
    to_unblock_step,
)

_FIXTURES = (softhsm, ca_folder)
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


async def holder_sets_new_pin(pilot: KioskPilot, pin: str = NEW_PIN) -> None:
    """The delivered token read: the holder's screen, ``pin`` typed twice, the screen
    back to the agent, where the unblock runs."""
    await to_holder_pin(pilot)
    await new_pin(pilot, pin)
    await back_to_agent(pilot)


@run_async
async def test_a_blocked_pin_is_unblocked_for_a_holder_found_by_certificate_serial(
    tmp_path: Path,
) -> None:
    app, desk, devices = fake_unblock_app(tmp_path / "home")
    async with app.run_test(size=(100, 30)) as pilot:
        found = await deliver_then_block(pilot, desk, devices)

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
        await holder_sets_new_pin(pilot)

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


@run_async
async def test_a_delivered_dossier_is_found_by_reference_and_the_refusals_are_said(
    tmp_path: Path,
) -> None:
    app, desk, _ = fake_unblock_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await type_into(pilot, "#code", "7K2M9Q")  # a code half typed, then F6
        await find_delivered(pilot, REF_DELIVERED.lower())
        assert isinstance(app.screen, DossierScreen)
        assert app.screen.dossier.reference == REF_DELIVERED
        assert "Yann" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, FindDeliveredScreen)
        assert app.screen.typed_input.value == ""

        refusals = {
            "CS-2026-999999": NOT_FOUND,
            REF_OTHER_OFFICE: NOT_FOUND,  # another office's: the same answer
            REF_CONVOKED: f"Le dossier {REF_CONVOKED} est à l'état « Convoqué » : son "
            "certificat n'est pas en service.",
            "   ": "Saisissez la référence du dossier ou le numéro de série du certificat.",
        }
        for typed, text in refusals.items():
            await type_into(pilot, "#find-typed", typed)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, FindDeliveredScreen)
            assert status_text(app.screen, "#find-status") == f"✗ Erreur : {text}"
            app.screen.typed_input.clear()

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)
        assert app.screen.code_input.value == ""  # the code did not wait behind the screen

    found = [e for e in desk.desk.audit_events() if e.event_type == "dossier.lookup_delivered"]
    assert [(e.outcome.value, e.details.get("by")) for e in found] == [
        ("success", "reference"),
        ("failure", "reference"),
        ("failure", "reference"),
        ("refused", "reference"),
    ]


@run_async
async def test_another_token_is_refused_naming_the_one_delivered_and_refused_pins_are_typed_again(
    tmp_path: Path,
) -> None:
    app, desk, devices = fake_unblock_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        found = await deliver_then_block(pilot, desk, devices)
        assert found.token_serial == "FT-0001"
        devices.tokens.tokens[0].present = False  # the holder's token is not in the reader

        await to_unblock_step(pilot, REF_CONVOKED)
        assert isinstance(app.screen, PinUnblockScreen)
        wrong = (
            "Ce support (n° FT-0002) n'est pas celui remis pour ce dossier : insérez le "
            "support n° FT-0001."
        )
        await shows(pilot, wrong)
        await pilot.press("enter")  # nothing to hand over
        await settle(pilot)
        assert isinstance(app.screen, PinUnblockScreen)

        devices.tokens.reinsert("FT-0001")
        await pilot.press("f6")  # demo reader: the card out...
        await shows(pilot, "Support retiré")
        await pilot.press("f7")  # ... and the holder's in
        await to_holder_pin(pilot)

        refused = {
            ("345678", "345678"): "Le code PIN ne doit pas être une suite de caractères "
            "consécutifs.",
            ("07031985", "07031985"): "Le code PIN ne doit pas contenir la date de naissance "
            "du titulaire.",
            (NEW_PIN, NEW_PIN + "x"): "Les deux saisies du code PIN ne correspondent pas.",
        }
        for (pin, confirm), text in refused.items():
            await new_pin(pilot, pin, confirm)
            assert isinstance(app.screen, NewPinScreen)
            assert status_text(app.screen, "#pin-status") == f"✗ Erreur : {text}"
            no_pin_on_screen(pilot)
            assert pin not in screen_text(app)
        await new_pin(pilot)
        await back_to_agent(pilot)
        await until(pilot, lambda: isinstance(app.screen, DeskReceiptViewScreen), "attestation")

    assert devices.tokens.sign("FT-0001", NEW_PIN, found.key_id, SIGNED)
    assert [kind for kind, _ in desk.kinds()].count("pin.unblocked") == 1


@run_async
async def test_a_token_pulled_out_during_the_unblock_is_put_back_and_f5_finishes_it(
    tmp_path: Path,
) -> None:
    app, desk, devices = fake_unblock_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await deliver_first(pilot, desk)
        found = delivery_of(desk)
        await to_unblock_step(pilot, found.certificate_serial.lower())
        await to_holder_pin(pilot)
        devices.tokens.tokens[0].present = False  # pulled out while the holder types
        await new_pin(pilot)
        await back_to_agent(pilot)

        assert isinstance(app.screen, UnblockProgressScreen)
        await shows(pilot, "Support retiré ou introuvable : rebranchez-le, puis F5 : réessayer")
        no_pin_on_screen(pilot)
        devices.tokens.reinsert("FT-0001")
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, DeskReceiptViewScreen), "attestation")

    assert devices.tokens.sign("FT-0001", NEW_PIN, found.key_id, SIGNED)
    kinds = desk.kinds()
    assert ("pin.unblock", "failure") in kinds and ("pin.unblocked", "success") in kinds


@run_async
async def test_an_so_pin_the_token_refuses_is_final_and_f9_ends_with_the_dossier_delivered(
    tmp_path: Path,
) -> None:
    app, desk, devices = fake_unblock_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await deliver_first(pilot, desk)
        devices.tokens.tokens[0].so_pin = "plus-le-meme"  # the token was reset elsewhere
        await to_unblock_step(pilot)
        await holder_sets_new_pin(pilot)

        assert isinstance(app.screen, UnblockProgressScreen)
        screen = app.screen
        await shows(pilot, "ne correspond pas à ce support : le déblocage est impossible")
        assert not screen.run.pin  # forgotten: nothing more to try with it
        assert screen.check_action("again", ()) is False
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, EndAppointmentScreen)
        assert "Motif choisi : Support défectueux" in said(app)
        assert "Le dossier reste « Remis » et son certificat reste en service" in said(app)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)
        assert "Le dossier reste remis, son certificat en service." in said(app)

    assert desk.dossier().state is DossierState.DELIVERED
    assert ("pin.unblock", "failure") in desk.kinds()
    assert "pin.unblocked" not in [kind for kind, _ in desk.kinds()]


class RefusingOnce(PinUnblockService):
    """The service refuses the first PIN (as a stricter back-office policy would)."""

    refused = False

    def unblock(
        self, appointment: Appointment, serial: str, new_pin: str, confirm: str
    ) -> PinUnblocked:
        if not self.refused:
            self.refused = True
            raise ValidationError("Ce code PIN a déjà servi sur ce support.")
        return super().unblock(appointment, serial, new_pin, confirm)


@run_async
async def test_a_pin_the_service_refuses_sends_the_holder_back_to_choose_another(
    tmp_path: Path,
) -> None:
    app, desk, devices = fake_unblock_app(tmp_path / "home", service=RefusingOnce)
    async with app.run_test(size=(80, 24)) as pilot:
        await deliver_first(pilot, desk)
        await to_unblock_step(pilot)
        await holder_sets_new_pin(pilot, "Premier-9c")

        await until(pilot, lambda: isinstance(app.screen, HolderCueScreen), "the cue")
        cue = app.screen
        assert isinstance(cue, HolderCueScreen) and cue.title_text == TO_HOLDER
        refusal = "Ce code PIN a déjà servi sur ce support. Choisissez un autre code PIN."
        assert cue.detail_text == refusal
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, NewPinScreen)
        assert status_text(app.screen, "#pin-status") == f"✗ Erreur : {refusal}"
        assert not app.screen.pin  # the refused PIN is not kept
        await new_pin(pilot)
        await back_to_agent(pilot)
        await until(pilot, lambda: isinstance(app.screen, DeskReceiptViewScreen), "attestation")

    found = delivery_of(desk)
    assert devices.tokens.sign(found.token_serial, NEW_PIN, found.key_id, SIGNED)


def _slot_of(softhsm: SoftHsm, serial: str) -> str:
    """The slot ID of the SoftHSM token ``serial``: other tests of the session deliver the
    same dossier, so its label names several tokens; a serial names one."""
    slots = softhsm.run("pkcs11-tool", "--module", softhsm.module, "--list-token-slots")
    slot = ""
    for line in slots.splitlines():
        key, _, value = line.partition(":")
        if line.startswith("Slot ") and "(" in key:
            slot = key[key.index("(") + 1 : key.index(")")]
        elif key.strip() == "serial num" and value.strip() == serial:
            return slot
    raise AssertionError(f"token {serial} not listed:\n{slots}")


def _logs_in(softhsm: SoftHsm, slot: str, pin: str) -> bool:
    command = ["pkcs11-tool", "--module", softhsm.module, "--slot", slot]
    done = subprocess.run(
        [*command, "--login", "--pin", pin, "--list-objects"],
        env=softhsm.env(),
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


@pytest.mark.integration
@run_async
async def test_on_softhsm_the_kiosk_as_built_sets_the_new_pin_with_the_back_offices_so_pin(
    tmp_path: Path, softhsm: SoftHsm, ca_folder: Path
) -> None:
    app, desk = softhsm_app(tmp_path / "home", ca_folder)
    assert app.services.pin_unblock is not None  # the demo's back-office key beside the home
    async with app.run_test(size=(80, 24)) as pilot:
        await deliver_first(pilot, desk)
        found = delivery_of(desk)
        await to_unblock_step(pilot, found.certificate_serial)
        assert isinstance(app.screen, PinUnblockScreen)
        await shows(pilot, f"Insérez le support n° {found.token_serial}")
        await holder_sets_new_pin(pilot)  # the delivered token, beside SoftHSM's blank slot
        await until(pilot, lambda: isinstance(app.screen, DeskReceiptViewScreen), "attestation")
        screen = app.screen
        assert isinstance(screen, DeskReceiptViewScreen)
        assert screen.pdf is not None and screen.pdf.read_bytes().startswith(b"%PDF-")
        no_pin_on_screen(pilot)

    slot = _slot_of(softhsm, found.token_serial)
    assert _logs_in(softhsm, slot, NEW_PIN)
    assert not _logs_in(softhsm, slot, HOLDER_PIN)
    assert ("pin.unblocked", "success") in desk.kinds()


@run_async
async def test_a_kiosk_without_the_back_offices_key_says_why_it_cannot_unblock(
    tmp_path: Path,
) -> None:
    app, desk, _ = fake_token_app(tmp_path / "home")  # no back-office key: no unblock
    assert app.services.pin_unblock is None
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await open_unblock_step(pilot, desk)  # as an interrupted appointment taken up would be

        screen = app.screen
        assert isinstance(screen, PinUnblockScreen)
        text = status_text(screen, "#unblock-status")
        assert text.startswith("✗ Erreur : Déblocage du code PIN indisponible sur ce kiosque")
        assert "(pki.back_office_key)" in text and "Adressez le titulaire au back-office" in text
        assert screen.check_action("go_on", ()) is False
        assert screen.check_action("end_appointment", ()) is True
        assert screen.proposed_end is EndReason.OTHER


@run_async
async def test_a_dossier_delivered_without_a_trace_here_is_sent_to_the_back_office(
    tmp_path: Path,
) -> None:
    app, desk, _ = fake_unblock_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await open_unblock_step(pilot, desk)  # imported as delivered: no record on this kiosk

        screen = app.screen
        assert isinstance(screen, PinUnblockScreen)
        await shows(pilot, "remis sans que ce kiosque en garde la trace")
        assert "F9 : terminer le rendez-vous (le dossier reste remis" in said(app)
        assert screen.check_action("go_on", ()) is False
        assert screen.check_action("read_again", ()) is False
