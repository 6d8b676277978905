"""A yes / no question for a deliberate decision (photo conforming, unlocking a dossier).

Entrée confirms, Échap goes back: the question says what each key does, in words.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "answer(True)", "Confirmer", priority=True),
        Binding("escape", "answer(False)", "Annuler", priority=True),
    ]

    def __init__(self, title: str, question: str, yes: str, no: str) -> None:
        super().__init__()
        self._title = title
        self._question = question
        self._yes = yes
        self._no = no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-panel", classes="panel modal-panel") as panel:
            panel.border_title = self._title
            yield Static(self._question, id="confirm-question", markup=False)
            yield Static(f"Entrée : {self._yes}", classes="confirm-choice", markup=False)
            yield Static(f"Échap : {self._no}", classes="confirm-choice", markup=False)
        yield Footer()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
