"""The line under the header that says who is logged in, for which office."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from kiosk.services.auth import AgentSession
from kiosk.services.container import KioskInfo
from kiosk.ui.safe_text import neutralise


def office_label(office_code: str, info: KioskInfo) -> str:
    """``Bureau de Brest (BREST)`` for this kiosk's office, the bare code for another."""
    if office_code == info.site:
        return f"{neutralise(info.site_name)} ({office_code})"
    return neutralise(office_code)


class SessionBar(Static):
    def __init__(self, session: AgentSession, info: KioskInfo) -> None:
        super().__init__(id="session-bar", markup=False)
        self.session = session
        self.info = info

    def on_mount(self) -> None:
        text = Text.assemble(
            ("Agent : ", "bold"),
            neutralise(self.session.display_name),
            f" — {self.session.role.label} — ",
            office_label(self.session.office_code, self.info),
        )
        self.update(text)
