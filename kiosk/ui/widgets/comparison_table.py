"""The identity check, side by side: what the dossier says, what the document says, and
the verdict of each check in words (« ✓ conforme », « ✗ non conforme », « — non vérifié »).

Below the table: the document (kind, country, end of validity), the explanation of every
check that did not pass, and the validity notes (the 5-year extension of French identity
cards issued 2004–2013). The document number is never shown: the report's values do not
hold it, and nothing here reads ``MrzData.document_number``.
"""

from __future__ import annotations

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from kiosk.domain.document_validity import fr_date
from kiosk.domain.identity import Check, CheckOutcome, IdentityReport, document_kind
from kiosk.ui.safe_text import neutralise, safe_text

VERDICTS: dict[CheckOutcome, tuple[str, str]] = {
    CheckOutcome.PASSED: ("✓ conforme", "bold"),
    CheckOutcome.FAILED: ("✗ non conforme", "bold reverse"),
    CheckOutcome.NOT_CHECKED: ("— non vérifié", "italic"),
}


def verdict(check: Check) -> str:
    return VERDICTS[check.outcome][0]


def document_line(report: IdentityReport) -> Text:
    """``Pièce : Passeport — pays émetteur FRA — valable jusqu'au 10/02/2031``."""
    doc, validity = report.document, report.validity
    kind = document_kind(doc.document_type) or f"Document de type {doc.document_type}"
    text = Text.assemble(("Pièce : ", "bold"), kind, f" — pays émetteur {doc.issuing_country}")
    if validity.effective_expiry is None:
        text.append(" — fin de validité inconnue")
    else:
        text.append(f" — valable jusqu'au {fr_date(validity.effective_expiry)}")
        if validity.estimated:
            text.append(" (au plus tôt)")
    if doc.manual:
        text.append(" — saisie manuelle")
    return text


def _table(report: IdentityReport) -> Table:
    table = Table(box=box.SIMPLE_HEAD, expand=True, padding=(0, 1), show_edge=False)
    table.add_column("Contrôle", style="bold", no_wrap=True)
    # The document's values run longer (kind and country, extended validity).
    table.add_column("Dossier", ratio=2, overflow="fold")
    table.add_column("Document", ratio=3, overflow="fold")
    table.add_column("Résultat", no_wrap=True)
    for check in report.checks:
        shown, style = VERDICTS[check.outcome]
        table.add_row(
            Text(check.label),
            safe_text(check.dossier_value),
            safe_text(check.document_value),
            Text(shown, style=style),
        )
    return table


def explanation_lines(report: IdentityReport) -> list[Text]:
    """Why each check that did not pass did not, then the validity notes."""
    lines = [
        Text.assemble(
            (f"{verdict(check)[0]} {check.label} : ", "bold"), neutralise(check.explanation)
        )
        for check in report.checks
        if check.outcome is not CheckOutcome.PASSED
    ]
    lines += [Text(f"Note : {neutralise(note)}") for note in report.validity.notes]
    return lines


class ComparisonTable(Static):
    """Shows an ``IdentityReport``; ``show_report(None)`` empties it."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.report: IdentityReport | None = None

    def show_report(self, report: IdentityReport | None) -> None:
        self.report = report
        if report is None:
            self.update("")
            return
        self.update(Group(_table(report), document_line(report), *explanation_lines(report)))
