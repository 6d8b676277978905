"""The read-only dossier screen: every field the agent checks, and imported data kept inert."""

from __future__ import annotations

from pathlib import Path

from kiosk.ui.screens.dossier import DossierScreen
from kiosk.ui.screens.login import LoginScreen
from kiosk.ui.screens.lookup import LookupScreen
from kiosk.ui.widgets.field_section import FieldSection
from tests.ui.app_env import (
    KioskPilot,
    log_in,
    look_up,
    memory_app,
    real_app,
    run_async,
    screen_text,
    settle,
)
from tests.ui.sample_data import (
    HOSTILE_COMPANY,
    HOSTILE_GIVEN_NAMES,
    REF_CONVOKED,
    REF_DELIVERED,
    REF_HOSTILE,
)


def _section(pilot: KioskPilot, section_id: str) -> dict[str, str]:
    section = pilot.app.screen.query_one(f"#{section_id}", FieldSection)
    return {label: value.plain for label, value in section.rows}


@run_async
async def test_the_dossier_shows_what_the_agent_checks(tmp_path: Path) -> None:
    app, world = real_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await log_in(pilot)
        await look_up(pilot, world.code(REF_CONVOKED))
        shown = screen_text(app)

        assert "Dossier CS-2026-000123 — État : Convoqué — remise possible" in shown
        assert _section(pilot, "sec-dossier") == {
            "Convocation": "mardi 14/04/2026 à 09:30",
            "Bureau": "Bureau de Brest (BREST)",
        }
        assert _section(pilot, "sec-company") == {
            "Raison sociale": "Exemple Industries",
            "Forme": "SAS",
            "SIREN": "123 456 782",
            "SIRET": "123 456 782 00010",
        }
        assert _section(pilot, "sec-product") == {
            "Offre": "Signature qualifiée RGS** / eIDAS",
            "Validité": "3 ans",
            "Clé": "RSA 2048 bits",
        }
        assert _section(pilot, "sec-holder") == {
            "Nom": "LE GOFF",
            "Prénoms": "Jeanne Marie",
            "Naissance": "07/03/1985",
            "Courriel": "jeanne.legoff@exemple.fr",
        }
        assert _section(pilot, "sec-legal") == {"Nom": "Paul KERMARREC", "Qualité": "Président"}
        assert _section(pilot, "sec-delegate") == {"Nom": "aucun"}
        assert _section(pilot, "sec-revocation") == {"Questions": "3 enregistrées"}
        for label in ("SIREN", "123 456 782 00010", "LE GOFF", "Paul KERMARREC", "Révocation"):
            assert label in shown


@run_async
async def test_revocation_answers_and_questions_are_never_shown(tmp_path: Path) -> None:
    app, world = real_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await log_in(pilot)
        await look_up(pilot, world.code(REF_CONVOKED))
        shown = screen_text(app)

        assert isinstance(app.screen, DossierScreen)
        for question in app.screen.dossier.questions:
            assert question.question not in shown
            assert question.answer_hash not in shown


@run_async
async def test_a_delivered_dossier_offers_the_unblock_and_the_revocation_not_a_delivery(
    tmp_path: Path,
) -> None:
    app, world = real_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await look_up(pilot, world.code(REF_DELIVERED))

        shown = " ".join(screen_text(app).split())  # the banner wraps at 80 columns
        assert "État : Remis — déblocage du PIN ou révocation possibles" in shown
        assert app.screen.check_action("start_appointment", ("delivery",)) is False
        assert _section(pilot, "sec-delegate") == {
            "Nom": "Annaïg TANGUY",
            "Qualité": "Responsable administrative",
        }


@run_async
async def test_markup_and_terminal_escapes_in_imported_names_are_shown_literally() -> None:
    app, world = memory_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await log_in(pilot)
        await look_up(pilot, world.code(REF_HOSTILE))
        shown = screen_text(app)

        assert "[BOLD RED]PIRATE[/]" in shown  # the surname, in capitals, not in red bold
        assert "␛[31mRouge␛[0m Éva" in shown
        assert "x␇@exemple.fr" in shown
        assert "\x1b" not in shown and "\x07" not in shown
        holder = _section(pilot, "sec-holder")
        assert holder["Prénoms"] == HOSTILE_GIVEN_NAMES.replace("\x1b", "␛")
        assert _section(pilot, "sec-company")["Raison sociale"] == HOSTILE_COMPANY


@run_async
async def test_escape_goes_back_to_an_empty_lookup_field(tmp_path: Path) -> None:
    app, world = real_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await look_up(pilot, world.code(REF_CONVOKED))
        await pilot.press("escape")
        await pilot.pause()

        assert isinstance(app.screen, LookupScreen)
        assert app.focused is app.screen.query_one("#code")
        assert app.screen.code_input.value == ""
        assert "Dossier CS-2026-000123 consulté." in screen_text(app)


@run_async
async def test_f10_on_the_dossier_logs_out_to_the_login_screen(tmp_path: Path) -> None:
    app, world = real_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await look_up(pilot, world.code(REF_CONVOKED))
        await pilot.press("f10")
        await settle(pilot)

        assert isinstance(app.screen, LoginScreen)
        assert len(app.screen_stack) == 2
        assert "CS-2026-000123" not in screen_text(app)
