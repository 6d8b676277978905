"""Today's convocations as a table: time slot, holder, company, state in words, dossier.

Names and companies come from imports: every cell is a ``Text`` built by ``safe_text``
(a ``str`` cell would be read as Rich markup by ``DataTable``). The name and company
columns share the width left by the others, so the table fits 80 columns without a
horizontal scroll; a longer value ends with an ellipsis.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import events
from textual.widgets import DataTable

from kiosk.services.convocations import Convocation
from kiosk.ui import formatting as fmt
from kiosk.ui.safe_text import safe_text

SLOT, STATE, REFERENCE = 5, 13, 14
NAME_MAX, COMPANY_MAX = 32, 28
_PADDING = 2  # DataTable's cell padding, one column each side


def state_words(convocation: Convocation, kiosk_id: str) -> str:
    """« Convoqué », « Remis »…, or « En cours ici » / « Autre kiosque » (in an
    appointment here or at another kiosk)."""
    if convocation.in_progress_at is None:
        return convocation.state.label.split(" (")[0]  # « Validé (en attente…) » -> « Validé »
    return "En cours ici" if convocation.in_progress_at == kiosk_id else "Autre kiosque"


def _cell(value: Text) -> Text:
    value.no_wrap = True
    value.overflow = "ellipsis"
    return value


class ConvocationList(DataTable[Text]):
    def __init__(self, kiosk_id: str, *, id: str | None = None) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, id=id)
        self._kiosk_id = kiosk_id
        self.convocations: list[Convocation] = []
        self._built_width = 0

    def show(self, convocations: Sequence[Convocation]) -> None:
        self.convocations = list(convocations)
        self._rebuild()

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._built_width:
            self._rebuild()

    def _rebuild(self) -> None:
        self._built_width = self.size.width
        flexible = max(20, self._built_width - SLOT - STATE - REFERENCE - 5 * _PADDING)
        name = min(NAME_MAX, flexible * 3 // 5)  # names first: they are who comes
        company = min(COMPANY_MAX, flexible - name)
        row = self.cursor_row
        self.clear(columns=True)
        self.add_column("Heure", width=SLOT)
        self.add_column("Titulaire", width=name)
        self.add_column("Entreprise", width=company)
        self.add_column("État", width=STATE)
        self.add_column("Dossier", width=REFERENCE)
        for convocation in self.convocations:
            self.add_row(
                Text(convocation.slot),
                _cell(safe_text(fmt.full_name(convocation.holder))),
                _cell(safe_text(convocation.company)),
                _cell(Text(state_words(convocation, self._kiosk_id))),
                _cell(safe_text(convocation.reference)),
                key=convocation.reference,
            )
        if self.convocations:
            self.move_cursor(row=min(row, len(self.convocations) - 1))

    @property
    def selected(self) -> Convocation | None:
        if not self.convocations:
            return None
        return self.convocations[min(self.cursor_row, len(self.convocations) - 1)]
