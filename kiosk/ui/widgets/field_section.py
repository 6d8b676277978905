"""A titled box of label / value rows, for read-only records."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

Row = tuple[str, Text]


class FieldSection(Static):
    """Labels are ours (plain French); values must already be safe ``Text``
    (see ``kiosk.ui.safe_text``): nothing here is parsed as markup."""

    def __init__(self, title: str, rows: Sequence[Row], *, id: str | None = None) -> None:
        super().__init__(id=id, classes="field-section", markup=False)
        self.border_title = title
        self._rows = list(rows)

    @property
    def rows(self) -> list[Row]:
        return list(self._rows)

    def on_mount(self) -> None:
        table = Table.grid(padding=(0, 1), expand=True)
        table.add_column(style="bold", no_wrap=True)
        table.add_column(ratio=1, overflow="fold")
        for label, value in self._rows:
            table.add_row(Text(label), value)
        self.update(table)
