"""When the MRZ field reads by itself: as soon as the text has the shape of a whole MRZ,
whatever a scanner adds around the lines; never on a part of one."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult

from kiosk.ui.widgets.mrz_field import MrzField, looks_complete
from tests.ui.app_env import run_async
from tests.unit.mrz_samples import FR_LEGACY_SPECIMEN, TD1_SPECIMEN, TD2_SPECIMEN, TD3_SPECIMEN


@pytest.mark.parametrize(
    "lines",
    [TD1_SPECIMEN, TD2_SPECIMEN, TD3_SPECIMEN, FR_LEGACY_SPECIMEN],
    ids=["td1-3x30", "td2-2x36", "td3-2x44", "fr-legacy-2x36"],
)
def test_a_whole_mrz_is_complete_however_the_scanner_ends_its_lines(
    lines: tuple[str, ...],
) -> None:
    assert looks_complete("\n".join(lines))
    assert looks_complete("\r\n".join(lines) + "\r\n")
    assert looks_complete("  " + "\n\n".join(line.lower() for line in lines) + " \n")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n",
        TD3_SPECIMEN[0],  # one line only
        TD3_SPECIMEN[0] + "\n" + TD3_SPECIMEN[1][:-1],  # last character still to come
        "\n".join(TD1_SPECIMEN[:2]),  # two lines of 30: the third is missing
        TD3_SPECIMEN[0] + "\n" + TD2_SPECIMEN[1],  # mixed widths
        "".join(TD3_SPECIMEN),  # 88 characters on one line: F2 reads it, not the field
    ],
    ids=["empty", "blank", "one-line", "short", "td1-two-lines", "mixed", "one-long-line"],
)
def test_a_part_of_an_mrz_is_not_complete(text: str) -> None:
    assert not looks_complete(text)


class _OneField(App[None]):
    def compose(self) -> ComposeResult:
        yield MrzField(id="mrz")


@run_async
async def test_the_mrz_can_be_neither_copied_nor_undone_once_taken() -> None:
    app = _OneField()
    async with app.run_test() as pilot:
        field = app.query_one(MrzField)
        field.focus()
        field.insert("\n".join(TD3_SPECIMEN))
        field.select_all()
        await pilot.press("ctrl+c")
        await pilot.press("ctrl+x")
        assert TD3_SPECIMEN[1] not in app.clipboard
        assert field.text == "\n".join(TD3_SPECIMEN)

        assert field.take_text() == "\n".join(TD3_SPECIMEN)
        await pilot.press("ctrl+z")
        assert field.text == ""
