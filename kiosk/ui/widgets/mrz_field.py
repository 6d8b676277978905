"""The multi-line field where an MRZ is typed by the agent or by a keyboard-wedge scanner.

A scanner types each line then Enter, faster than a person: as soon as the text has the
shape of a whole MRZ (3 lines of 30, 2 of 36 or 2 of 44 characters) the field says so,
and the screen reads it. The text holds a document number: ``take_text`` hands it over
and empties the field, undo history included, so it does not stay on screen; copy and
cut are refused for the same reason.
"""

from __future__ import annotations

import re

from textual import on
from textual.message import Message
from textual.widgets import TextArea

MRZ_SHAPES = frozenset({(30, 3), (36, 2), (44, 2)})  # (line width, line count)
_LINE_BREAKS = re.compile(r"[\r\n\t]+")


def looks_complete(text: str) -> bool:
    """Whether ``text`` has the shape of a whole MRZ (its content is checked later)."""
    lines = [line.strip() for line in _LINE_BREAKS.split(text)]
    lines = [line for line in lines if line]
    if not lines:
        return False
    width = len(lines[0])
    return (width, len(lines)) in MRZ_SHAPES and all(len(line) == width for line in lines)


class MrzField(TextArea):
    class Complete(Message):
        """The field holds a whole MRZ: time to read it."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            soft_wrap=False,
            tab_behavior="focus",
            show_line_numbers=False,
            highlight_cursor_line=False,
            max_checkpoints=1,
            id=id,
        )

    @on(TextArea.Changed)
    def _changed(self, event: TextArea.Changed) -> None:
        if event.text_area is self and looks_complete(self.text):
            self.post_message(self.Complete())

    def action_copy(self) -> None:
        """Refused: the document number must not reach the terminal's clipboard."""

    def action_cut(self) -> None:
        """Refused, as copying is."""

    def take_text(self) -> str:
        """The typed text; the field is left empty, with nothing to undo."""
        text = self.text
        self.load_text("")
        return text
