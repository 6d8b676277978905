"""A checkbox whose state reads in text: « ▐X▌ » ticked, « ▐ ▌ » not.

Textual's checkbox always draws its X and tells the state by colour alone, which a
monochrome terminal, a screenshot in grey or a colour-blind agent cannot read; the
holder's acceptance and the declaration of a lost token must be unambiguous.
"""

from __future__ import annotations

from textual.widgets import Checkbox

TICKED = "X"
UNTICKED = " "


class TickBox(Checkbox):
    def __init__(
        self, label: str, value: bool = False, *, id: str | None = None, compact: bool = False
    ) -> None:
        super().__init__(label, value, id=id, compact=compact)
        self.BUTTON_INNER = TICKED if value else UNTICKED

    def watch_value(self) -> None:
        super().watch_value()
        self.BUTTON_INNER = TICKED if self.value else UNTICKED
        self.refresh()
