"""A one-line message area whose kind is told in words and by colour, never colour alone."""

from __future__ import annotations

from enum import StrEnum

from rich.text import Text
from textual.widgets import Static

from kiosk.ui.safe_text import neutralise


class Kind(StrEnum):
    HINT = "hint"
    PROGRESS = "progress"
    BUSY = "busy"
    OK = "ok"
    ERROR = "error"


_PREFIX: dict[Kind, str] = {
    Kind.HINT: "",
    Kind.PROGRESS: "Saisie : ",
    Kind.BUSY: "En cours : ",
    Kind.OK: "✓ ",
    Kind.ERROR: "✗ Erreur : ",
}


class StatusLine(Static):
    """Shows ``text`` with a prefix naming its kind; CSS colours it by class ``-<kind>``."""

    def __init__(self, text: str = "", kind: Kind = Kind.HINT, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self._kind = kind
        self._text = text

    def on_mount(self) -> None:
        self.show(self._text, self._kind)

    @property
    def kind(self) -> Kind:
        return self._kind

    @property
    def text(self) -> str:
        """What the line reads, prefix included (for tests and screen readers)."""
        return _PREFIX[self._kind] + self._text

    def show(self, text: str, kind: Kind = Kind.HINT) -> None:
        for old in Kind:
            self.remove_class(f"-{old}")
        self.add_class(f"-{kind}")
        self._kind = kind
        self._text = neutralise(text)
        self.update(Text(self.text))
