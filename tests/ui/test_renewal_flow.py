"""A renewal from the keyboard: the dossier screen says what the renewal renews, the token
step recognises the holder's current token when the product lets it be reused (and
honours the agent's F4 on any other token that is not blank), the receipt says
« Renouvellement effectué » and names the certificate replaced, which is revoked; and a
kiosk stopped before that revocation finishes it at the next login."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.adapters.fakes.fake_token import FakeToken
from kiosk.admin import admin_services
from kiosk.domain.certificate_revocation import RevocationReason
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.model import Role
from kiosk.domain.token_register import TokenState
from kiosk.services.delivery import Delivered
from kiosk.ui.app import KioskApp
from kiosk.ui.screens.auditor_home import AuditorHomeScreen
from kiosk.ui.screens.dossier import DossierScreen
from kiosk.ui.screens.lookup import LookupScreen
from kiosk.ui.screens.personalise_progress import PersonaliseProgressScreen
from kiosk.ui.screens.receipt_view import ReceiptViewScreen, delivered_notice
from kiosk.ui.screens.token_insert import TokenInsertScreen
from kiosk.ui.widgets.field_section import FieldSection
from tests.integration.softhsm_env import SoftHsm, ca_folder, softhsm
from tests.ui.app_env import (
    KioskPilot,
    log_in,
    look_up,
    run_async,
    screen_text,
    settle,
    status_text,
    type_into,
)
from tests.ui.appointment_env import AppointmentDesk
from tests.ui.desk_env import IdleClock
from tests.ui.lock_env import idle_for, unlock
from tests.ui.renewal_env import (
    OLD_SERIAL,
    REF_RENEWAL,
    RENEWAL_CODE,
    RecordingAuthority,
    allow_token_reuse,
    import_renewal,
    renewal_app,
    renewal_identified,
    renewal_record,
    with_renewals,
)
from tests.ui.sample_data import (
    AGENT_LOGIN,
    AGENT_PASSWORD,
    FIXED_CODES,
    REF_CONVOKED,
    REF_DELIVERED,
    SITE,
)
from tests.ui.token_env import (
    FAKE_SERIALS,
    FakeDevices,
    end_with_proposed_reason,
    fake_token_app,
    no_pin_anywhere,
    said,
    shows,
    softhsm_app,
    start_run,
    to_personalised,
    to_pin_screen,
    to_receipt,
    to_token_step,
    type_current_pin,
    until,
)
from tests.unit.receipt_samples import sample_core, sample_receipt

_FIXTURES = (softhsm, ca_folder)
HOLDERS_TOKEN = FAKE_SERIALS[0]


async def renewal_section(pilot: KioskPilot) -> dict[str, str]:
    """The « Renouvellement » section of the renewal's dossier screen, once read (the
    lookup screen is back afterwards)."""
    await look_up(pilot, RENEWAL_CODE)
    screen = pilot.app.screen
    assert isinstance(screen, DossierScreen)
    await until(pilot, lambda: bool(screen.query("#sec-renewal")), "the renewal section")
    section = screen.query_one("#sec-renewal", FieldSection)
    assert section.border_title == "Renouvellement"
    assert "Renouvelle" in screen_text(pilot.app)  # type: ignore[arg-type]
    rows = {label: value.plain for label, value in section.rows}
    await pilot.press("escape")
    await settle(pilot)
    return rows


async def finish_delivery(
    pilot: KioskPilot, *, replaces: str | None = None, current: bool = False
) -> str:
    """From a token that checked out to the receipt; what the receipt screen says. The
    holder is told, before accepting, which certificate the new one ``replaces``;
    ``current``: they type the PIN of their own token instead of choosing one."""
    await to_personalised(pilot, current=current)
    told = f"ce certificat remplace votre certificat n° {replaces}, qui sera révoqué"
    await to_receipt(pilot, acceptance_says=told if replaces else None)
    assert isinstance(pilot.app.screen, ReceiptViewScreen)
    shown = said(pilot.app)
    no_pin_anywhere(pilot)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, LookupScreen)
    return shown


async def renewable_on_holders_token(
    pilot: KioskPilot, desk: AppointmentDesk, devices: FakeDevices
) -> str:
    """A first delivery on the holder's token, then its renewal imported, the product
    letting it reuse that token, which is the only one in the reader: the serial of the
    certificate to replace."""
    await to_token_step(pilot, desk)
    await finish_delivery(pilot)
    first = desk.last("dossier.delivered", REF_CONVOKED).details["certificate_serial"]
    import_renewal(desk, renewal_record(REF_CONVOKED))
    allow_token_reuse(desk)
    devices.tokens.tokens[1].present = False
    return str(first)


def audited(desk: AppointmentDesk, reference: str) -> list[str]:
    return [kind for kind, _ in desk.kinds(reference)]


@pytest.mark.integration
@run_async
async def test_a_renewal_on_a_blank_token_on_softhsm_revokes_the_certificate_it_replaces(
    tmp_path: Path, softhsm: SoftHsm, ca_folder: Path
) -> None:
    app, desk = softhsm_app(tmp_path / "home", ca_folder)
    import_renewal(desk, renewal_record(REF_DELIVERED, serial=OLD_SERIAL))
    async with app.run_test(size=(100, 30)) as pilot:
        await log_in(pilot)
        assert await renewal_section(pilot) == {
            "Renouvelle": f"dossier {REF_DELIVERED}",
            "Certificat remplacé": OLD_SERIAL,
            "Support actuel": "non réutilisable (offre) : prenez un support vierge",
        }

        await renewal_identified(pilot, REF_DELIVERED, login=False)
        assert isinstance(app.screen, TokenInsertScreen)
        await shows(pilot, "Support vierge : prêt pour la personnalisation.")
        shown = await finish_delivery(pilot, replaces=OLD_SERIAL)

        assert "Renouvellement effectué : dossier CS-2026-000140 remis à Yann Morvan" in shown
        assert f"certificat remplacé n° {OLD_SERIAL} : révoqué." in shown
        assert "renouvellement" in shown and "Attention" not in shown
        lookup_status = status_text(app.screen, "#lookup-status")
        assert "Renouvellement effectué" in lookup_status and OLD_SERIAL in lookup_status

        await look_up(pilot, FIXED_CODES[REF_DELIVERED])
        await shows(pilot, "État : Révoqué")

    assert desk.dossier(REF_RENEWAL).state is DossierState.DELIVERED
    assert desk.dossier(REF_DELIVERED).state is DossierState.REVOKED
    assert "renewal.superseded" in audited(desk, REF_RENEWAL)
    revoked = desk.last("ca.revoke", REF_DELIVERED)
    assert revoked.outcome.value == "success"
    assert revoked.details["certificate_serial"] == OLD_SERIAL
    assert revoked.details["reason"] == "superseded"


@run_async
async def test_the_holders_current_token_is_reused_when_the_product_allows_it(
    tmp_path: Path,
) -> None:
    authority = RecordingAuthority()
    app, desk, devices = renewal_app(tmp_path / "home", authority)
    async with app.run_test(size=(100, 30)) as pilot:
        first = await renewable_on_holders_token(pilot, desk, devices)

        assert await renewal_section(pilot) == {
            "Renouvelle": f"dossier {REF_CONVOKED}",
            "Certificat remplacé": first,
            "Support actuel": f"réutilisable : support n° {HOLDERS_TOKEN}",
        }

        holders = devices.tokens.tokens[0]
        [old_key] = holders.keys

        await renewal_identified(pilot, REF_CONVOKED, login=False)
        await shows(pilot, "Support actuel du titulaire (certificat du dossier CS-2026-000123")
        assert "la nouvelle clé y est créée à côté de l'actuelle" in said(app)
        await to_pin_screen(pilot)
        shown = " ".join(said(app).split())
        assert "l'actuel y reste utilisable jusqu'à ce que vous acceptiez le nouveau" in shown
        assert not app.screen.query("#pin-confirm")  # typed once, as they have had it
        await type_current_pin(pilot)
        await shows(pilot, "Support personnalisé et vérifié")
        assert said(app).count("déjà fait (support du titulaire)") == 2  # init, PIN
        assert old_key in holders.keys and len(holders.keys) == 2  # theirs until accepted
        await to_receipt(pilot)
        shown = said(app)
        await pilot.press("enter")
        await settle(pilot)

        assert "Renouvellement effectué : dossier CS-2026-000140" in shown
        assert f"certificat remplacé n° {first} : révoqué." in shown
    assert old_key not in holders.keys and len(holders.keys) == 1
    assert list(holders.certificates) == list(holders.keys)

    assert authority.revoked == [(first, RevocationReason.SUPERSEDED)]
    assert desk.dossier(REF_CONVOKED).state is DossierState.REVOKED
    kinds = audited(desk, REF_RENEWAL)
    assert kinds.index("renewal.token_reuse") < kinds.index("personalisation.started")
    assert "renewal.superseded" in kinds
    with desk.uow() as tx:
        record = tx.token_register.get(HOLDERS_TOKEN)
    assert record is not None and record.dossier_ref == REF_RENEWAL
    assert record.state is TokenState.DELIVERED


@run_async
async def test_a_holder_whose_pin_is_locked_renews_on_their_own_token(tmp_path: Path) -> None:
    authority = RecordingAuthority()
    app, desk, devices = renewal_app(tmp_path / "home", authority)
    async with app.run_test(size=(100, 30)) as pilot:
        first = await renewable_on_holders_token(pilot, desk, devices)
        devices.tokens.tokens[0].tries_left = 0  # three years on, the PIN is forgotten

        await renewal_identified(pilot, REF_CONVOKED, login=False)
        await shows(pilot, "Le code PIN du titulaire est bloqué sur ce support")
        assert "défectueux" not in said(app)
        await wipe_holders_token(pilot)
        shown = await finish_delivery(pilot)  # a new PIN chosen

    assert f"certificat remplacé n° {first} : révoqué." in shown
    assert authority.revoked == [(first, RevocationReason.SUPERSEDED)]
    with desk.uow() as tx:
        record = tx.token_register.get(HOLDERS_TOKEN)
    assert record is not None and record.state is TokenState.DELIVERED
    assert record.dossier_ref == REF_RENEWAL


@run_async
async def test_a_renewal_ended_after_wiping_the_holders_token_revokes_the_old_certificate(
    tmp_path: Path,
) -> None:
    authority = RecordingAuthority()
    app, desk, devices = renewal_app(tmp_path / "home", authority)
    async with app.run_test(size=(100, 30)) as pilot:
        first = await renewable_on_holders_token(pilot, desk, devices)
        devices.ca.fail_next()  # the CA fails once the holder's token is wiped

        await renewal_identified(pilot, REF_CONVOKED, login=False)
        await shows(pilot, "Support actuel du titulaire (certificat du dossier CS-2026-000123")
        await wipe_holders_token(pilot)  # the holder forgot their PIN
        await start_run(pilot)
        await until(pilot, lambda: "Erreur" in said(app), "the CA's failure")
        assert authority.revoked == []  # the run may still be taken up: nothing revoked
        await end_with_proposed_reason(pilot)
        notice = " ".join(status_text(app.screen, "#lookup-status").split())

    assert (
        f"L'ancien certificat n° {first}, dont la clé a été effacée du support, est révoqué."
        in notice
    )
    assert authority.revoked == [(first, RevocationReason.CESSATION_OF_OPERATION)]
    assert desk.dossier(REF_CONVOKED).state is DossierState.REVOKED
    kinds = audited(desk, REF_RENEWAL)
    assert kinds[-3:] == ["personalisation.abandoned", "appointment.end", "renewal.old_key_erased"]


@run_async
async def test_a_renewal_honours_the_agents_choice_to_erase_a_token_that_is_not_blank(
    tmp_path: Path,
) -> None:
    used = FakeToken("FT-0009", label="ANCIEN", initialized=True, so_pin="SO-9-back-office")
    authority = RecordingAuthority(refuse=True)
    app, desk, devices = renewal_app(tmp_path / "home", authority)
    devices.tokens.tokens[:] = [used]
    import_renewal(desk, renewal_record(REF_DELIVERED, serial=OLD_SERIAL))
    async with app.run_test(size=(100, 30)) as pilot:
        await renewal_identified(pilot, REF_DELIVERED)
        await shows(pilot, "Ce support n'est pas vierge.")
        await pilot.press("f4")
        await settle(pilot)
        await type_into(pilot, "#so-pin", "SO-9-back-office")
        await pilot.press("enter")
        await settle(pilot)
        await shows(pilot, "Le support sera effacé, puis personnalisé pour ce dossier.")
        shown = await finish_delivery(pilot)

    # The CA did not answer: the delivery stands, the revocation is to be published.
    assert "Renouvellement effectué : dossier CS-2026-000140" in shown
    assert "révocation à publier par le back-office" in shown
    assert "l'autorité de certification ne répond pas." in shown
    assert used.label.startswith("CCI MORVAN")
    assert desk.dossier(REF_DELIVERED).state is DossierState.REVOKED
    assert desk.last("ca.revoke", REF_DELIVERED).outcome.value == "failure"


@pytest.mark.parametrize("answers", [True, False], ids=["ca-answers", "ca-silent"])
@run_async
async def test_the_next_login_revokes_what_a_renewal_delivered_before_a_stop_replaced(
    tmp_path: Path, answers: bool
) -> None:
    stopped, desk, _ = fake_token_app(tmp_path / "home")  # delivers, never revokes
    import_renewal(desk, renewal_record(REF_DELIVERED, serial=OLD_SERIAL))
    async with stopped.run_test(size=(100, 30)) as pilot:
        await renewal_identified(pilot, REF_DELIVERED)
        await finish_delivery(pilot)
    assert desk.dossier(REF_DELIVERED).state is DossierState.DELIVERED  # still in service

    authority = RecordingAuthority(refuse=not answers)
    app = with_renewals(KioskApp(stopped.services), desk, authority)
    async with app.run_test(size=(100, 30)) as pilot:
        await log_in(pilot)
        assert isinstance(app.screen, LookupScreen)
        status = status_text(app.screen, "#lookup-status")

    assert desk.dossier(REF_DELIVERED).state is DossierState.REVOKED
    assert "renewal.superseded" in audited(desk, REF_RENEWAL)
    if answers:
        assert status == "✓ 1 certificat remplacé révoqué (renouvellement CS-2026-000140)."
        assert authority.revoked == [(OLD_SERIAL, RevocationReason.SUPERSEDED)]
    else:
        assert "Révocation du certificat remplacé par le renouvellement CS-2026-000140" in status
        assert "l'autorité de certification ne répond pas." in status
        assert desk.last("ca.revoke", REF_DELIVERED).outcome.value == "failure"


@run_async
async def test_a_holders_token_refusing_the_back_offices_so_pin_asks_for_another_token(
    tmp_path: Path,
) -> None:
    app, desk, devices = renewal_app(tmp_path / "home")
    async with app.run_test(size=(100, 30)) as pilot:
        await renewable_on_holders_token(pilot, desk, devices)
        holders = devices.tokens.tokens[0]
        holders.so_pin = "changé-hors-du-kiosque"  # the escrow no longer matches the token

        await renewal_identified(pilot, REF_CONVOKED, login=False)
        await shows(pilot, "Support actuel du titulaire")
        await wipe_holders_token(pilot)
        await to_personalised_or_failed(pilot)
        shown = said(app)

        assert "Code PIN administrateur (SO) incorrect." in shown
        assert "donné par le back-office ne convient pas à ce support" in shown
        assert "F3 : prendre un autre support" in shown
        assert "le titulaire saisit à nouveau son code PIN" not in shown
        await pilot.press("enter")  # the holder is not asked for a PIN again
        await settle(pilot)
        assert isinstance(app.screen, PersonaliseProgressScreen)

    assert desk.dossier(REF_CONVOKED).state is DossierState.DELIVERED
    assert holders.label.startswith("CCI LE GOFF")  # untouched: not wiped


async def wipe_holders_token(pilot: KioskPilot) -> None:
    """F4 on the holder's own token, and the agent's « oui »: checked again as a wipe."""
    await pilot.press("f4")
    await settle(pilot)
    assert "Sa clé et son certificat actuels seront détruits" in said(pilot.app)
    await pilot.press("enter")
    await settle(pilot)
    await shows(pilot, "effacé avec son code PIN administrateur donné par le back-office")


async def to_personalised_or_failed(pilot: KioskPilot) -> None:
    """From a token that checked out to the end of the run, however it ends."""
    await start_run(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, PersonaliseProgressScreen)
    await until(pilot, lambda: not screen.busy, "the run is over")


@run_async
async def test_an_auditors_login_leaves_the_renewals_to_the_agents(tmp_path: Path) -> None:
    authority = RecordingAuthority()
    app, desk, _ = renewal_app(tmp_path / "home", authority)
    import_renewal(desk, renewal_record(REF_DELIVERED, serial=OLD_SERIAL, state="delivered"))
    add_auditor(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await log_in(pilot, "ines", "Audit-Brest-2026")
        assert isinstance(app.screen, AuditorHomeScreen)

    assert authority.revoked == []
    assert desk.dossier(REF_DELIVERED).state is DossierState.DELIVERED


@run_async
async def test_an_agent_taking_over_a_locked_auditors_desk_finishes_the_renewals(
    tmp_path: Path,
) -> None:
    authority = RecordingAuthority()
    app, desk, _ = renewal_app(tmp_path / "home", authority)
    import_renewal(desk, renewal_record(REF_DELIVERED, serial=OLD_SERIAL, state="delivered"))
    add_auditor(desk)
    idle = IdleClock()
    app.idle_clock = idle
    async with app.run_test(size=(100, 30)) as pilot:
        await log_in(pilot, "ines", "Audit-Brest-2026")
        await idle_for(pilot, idle, 600)
        await unlock(pilot, AGENT_LOGIN, AGENT_PASSWORD)
        await until(pilot, lambda: isinstance(app.screen, LookupScreen), "the agent's home")
        await settle(pilot)
        status = status_text(app.screen, "#lookup-status")

    assert authority.revoked == [(OLD_SERIAL, RevocationReason.SUPERSEDED)]
    assert desk.dossier(REF_DELIVERED).state is DossierState.REVOKED
    assert status == "✓ 1 certificat remplacé révoqué (renouvellement CS-2026-000140)."


def add_auditor(desk: AppointmentDesk) -> None:
    with admin_services(desk.desk.settings) as admin:
        admin.agents().add("ines", "Inès Le Gall", Role.AUDITOR, SITE, "Audit-Brest-2026")


def test_the_receipts_notice_says_renewal_and_whether_the_replaced_certificate_is_revoked() -> None:
    receipt = sample_receipt()
    renewal = sample_receipt(sample_core(superseded_certificate_serial="0abc"))
    late = "Révocation du certificat remplacé à publier par le back-office : CA muette."

    first = delivered_notice(Delivered(receipt, None, None))
    revoked = delivered_notice(Delivered(renewal, None, None))
    not_yet = delivered_notice(Delivered(renewal, None, None, (late,)))

    assert first.startswith("Remise effectuée : dossier ") and "remplacé" not in first
    assert revoked.startswith("Renouvellement effectué : dossier ")
    assert revoked.endswith("; certificat remplacé n° 0abc : révoqué.")
    assert not_yet.endswith(
        "certificat remplacé n° 0abc : révocation à publier par le back-office."
    )
