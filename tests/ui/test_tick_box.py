"""A ticked box reads ticked in plain text, not by its colour only."""

from __future__ import annotations

from textual.app import App, ComposeResult

from kiosk.ui.widgets.tick_box import TickBox
from tests.ui.app_env import run_async


class _OneBox(App[None]):
    def compose(self) -> ComposeResult:
        yield TickBox("J'accepte ce certificat", id="box")


def _drawn(app: _OneBox) -> str:
    return str(app.query_one(TickBox).render())


@run_async
async def test_the_box_shows_an_x_only_once_ticked() -> None:
    app = _OneBox()
    async with app.run_test() as pilot:
        assert _drawn(app).startswith("▐ ▌")
        app.query_one(TickBox).focus()
        await pilot.press("space")
        assert _drawn(app).startswith("▐X▌")
        await pilot.press("space")
        assert _drawn(app).startswith("▐ ▌")
