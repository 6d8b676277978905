"""A ``Select`` whose drop-down list speaks French in the Footer.

Textual's own overlay names its Échap binding « Dismiss menu »; this one says « Fermer
la liste ». The overlay class is Textual's private ``SelectOverlay``: if a Textual upgrade
moves it, this module is the only place to change.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Select
from textual.widgets._select import SelectCurrent, SelectOverlay


class _FrenchOverlay(SelectOverlay):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Fermer la liste"),
    ]


class Choice(Select[str]):
    def compose(self) -> ComposeResult:
        yield SelectCurrent(self.prompt)
        yield _FrenchOverlay(type_to_search=self._type_to_search).data_bind(compact=Select.compact)

    @property
    def chosen(self) -> str:
        """The chosen value, or an empty string when nothing is chosen."""
        return self.value if isinstance(self.value, str) else ""

    @property
    def expanded_list(self) -> bool:
        return bool(self.expanded)


def in_choice(focused: Widget | None) -> bool:
    """Whether the focus is on a list (or its open drop-down), where Entrée belongs to it."""
    return focused is not None and any(isinstance(n, Choice) for n in focused.ancestors_with_self)
