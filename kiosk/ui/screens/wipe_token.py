"""Erasing a token that is not blank: a deliberate decision of the agent, with the token's
SO PIN (the back office's PIN-unblock service gives it; the kiosk never keeps it).

Nothing is erased here: the modal only records the decision and holds the SO PIN for the
run, which erases the token as its first step (audited by the service: register
« wiped »). The SO PIN field is masked and emptied as soon as it is read.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, Static

from kiosk.domain.token_ports import TokenInfo
from kiosk.ui.safe_text import neutralise
from kiosk.ui.screens.confirm import ConfirmScreen
from kiosk.ui.token_run import HeldSecret
from kiosk.ui.widgets.secret_input import SecretInput
from kiosk.ui.widgets.status_line import Kind, StatusLine

MAX_SO_PIN = 64
NEEDS_SO_PIN = "Saisissez le code PIN administrateur (SO) du support."


class WipeTokenScreen(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "confirm", "Effacer ce support", priority=True),
        Binding("escape", "cancel", "Ne pas l'effacer", priority=True),
    ]

    def __init__(self, token: TokenInfo, so_pin: HeldSecret) -> None:
        super().__init__()
        self._token = token
        self._so_pin = so_pin

    def compose(self) -> ComposeResult:
        token = self._token
        label = f" (« {neutralise(token.label.strip())} »)" if token.label.strip() else ""
        with Vertical(id="wipe-panel", classes="panel modal-panel") as panel:
            panel.border_title = "Effacer le support ?"
            yield Static(
                f"Le support n° {neutralise(token.serial) or '—'}{label} n'est pas vierge. "
                "L'effacer détruit tout ce qu'il contient (clés et certificats) ; "
                "l'effacement est enregistré au journal d'audit.",
                markup=False,
            )
            yield Label(
                "Code PIN administrateur (SO) du support, fourni par le back-office",
                classes="field-label",
            )
            yield SecretInput(max_length=MAX_SO_PIN, id="so-pin")
            yield StatusLine("Entrée : effacer puis personnaliser — Échap : ne pas l'effacer",
                             id="wipe-status")  # fmt: skip
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#so-pin", SecretInput).focus()

    def action_confirm(self) -> None:
        field = self.query_one("#so-pin", SecretInput)
        value = field.value
        field.clear_secret()
        if not value:
            self.query_one("#wipe-status", StatusLine).show(NEEDS_SO_PIN, Kind.ERROR)
            return
        self._so_pin.keep(value)
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.query_one("#so-pin", SecretInput).clear_secret()
        self._so_pin.forget()
        self.dismiss(False)


def wipe_holders_token() -> ConfirmScreen:
    """The holder's own token, taken back by a renewal: the back office gives its SO PIN;
    the agent only decides (the holder's PIN forgotten or locked)."""
    return ConfirmScreen(
        "Effacer le support du titulaire ?",
        "Sa clé et son certificat actuels seront détruits avant que le nouveau certificat "
        "n'existe ; le code PIN administrateur vient du back-office, et le titulaire "
        "choisira un nouveau code PIN. À ne faire que si son code PIN actuel est oublié "
        "ou bloqué.",
        "oui, effacer le support",
        "revenir au support",
    )
