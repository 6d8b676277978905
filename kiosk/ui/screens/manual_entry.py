"""Entering a damaged document by hand, when its MRZ cannot be read.

The fields are those of the MRZ; the record is built by ``kiosk.domain.mrz.manual_entry``
(flagged manual, which the audit records) and checked like a read one. The document
number is masked and never copied while masked. Dates are typed JJ/MM/AAAA.
"""

from __future__ import annotations

import re
from datetime import date
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Footer, Input, Label

from kiosk.domain.errors import ValidationError
from kiosk.domain.mrz import MrzData, MrzFormat, manual_entry
from kiosk.ui.widgets.choice import Choice, in_choice
from kiosk.ui.widgets.secret_input import SecretInput
from kiosk.ui.widgets.status_line import Kind, StatusLine

_DAY = re.compile(r"(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})|(\d{2})(\d{2})(\d{4})")
LEGACY_FR_ID = "ID-FR-2004"
DOCUMENT_TYPES = [
    ("Carte d'identité (ID)", "ID"),
    ("Carte d'identité française d'avant 2021", LEGACY_FR_ID),
    ("Passeport (P)", "P"),
    ("Titre de séjour (IR)", "IR"),
]
SEXES = [("F", "F"), ("M", "M"), ("X (non précisé)", "X")]
HINT = "Tab : champ suivant — Entrée : valider — Échap : annuler"


def parse_day(raw: str, label: str) -> date:
    """``07/03/1985`` (or 07-03-1985, 07.03.1985, 07031985) as a date; French error."""
    match = _DAY.fullmatch(raw.strip())
    if match is None:
        raise ValidationError(f"{label} : saisissez-la au format JJ/MM/AAAA.")
    day, month, year = (int(g) for g in match.groups() if g is not None)
    try:
        return date(year, month, day)
    except ValueError:
        raise ValidationError(f"{label} : cette date n'existe pas.") from None


class ManualEntryScreen(ModalScreen[MrzData | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority, except on a list: there Entrée opens it or picks the highlighted item.
        Binding("enter", "submit", "Valider la saisie", priority=True),
        Binding("escape", "cancel", "Annuler", priority=True),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="manual-panel", classes="panel modal-panel") as panel:
            panel.border_title = "Saisie manuelle de la pièce (MRZ illisible)"
            with Grid(id="manual-grid"):
                yield Label("Type de pièce")
                yield Choice(
                    DOCUMENT_TYPES, value="ID", allow_blank=False, compact=True, id="doc-type"
                )
                yield Label("Pays émetteur")
                yield Input("FRA", max_length=3, compact=True, id="country")
                yield Label("Nom")
                yield Input(max_length=80, compact=True, id="surname")
                yield Label("Prénoms")
                yield Input(max_length=120, compact=True, id="given-names")
                yield Label("N° de document")
                number = SecretInput(max_length=20, id="number")
                number.compact = True
                yield number
                yield Label("Né(e) le")
                yield Input(placeholder="JJ/MM/AAAA", max_length=10, compact=True, id="birth")
                yield Label("Sexe")
                yield Choice(SEXES, value="X", allow_blank=False, compact=True, id="sex")
                yield Label("Fin de validité")
                yield Input(placeholder="JJ/MM/AAAA", max_length=10, compact=True, id="expiry")
            yield StatusLine(HINT, id="manual-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#surname", Input).focus()

    @property
    def status(self) -> StatusLine:
        return self.query_one("#manual-status", StatusLine)

    def _text(self, selector: str) -> str:
        return self.query_one(selector, Input).value

    def _choice(self, selector: str) -> str:
        return self.query_one(selector, Choice).chosen

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "submit":
            return not in_choice(self.focused)
        return True

    def action_submit(self) -> None:
        inputs = list(self.query_one("#manual-grid").query(Input))
        empty: list[Widget] = [field for field in inputs if not field.value.strip()]
        if empty and self.focused not in empty:
            empty[0].focus()  # Enter on a filled field goes to the next one still empty
            return
        try:
            document = self._document()
        except ValidationError as exc:
            self.status.show(exc.message, Kind.ERROR)
            return
        self.query_one("#number", SecretInput).clear_secret()
        self.dismiss(document)

    def _document(self) -> MrzData:
        kind = self._choice("#doc-type")
        legacy = kind == LEGACY_FR_ID
        return manual_entry(
            document_type="ID" if legacy else kind,
            issuing_country=self._text("#country"),
            surname=self._text("#surname"),
            given_names=self._text("#given-names"),
            document_number=self._text("#number"),
            birth_date=parse_day(self._text("#birth"), "Date de naissance"),
            sex=self._choice("#sex"),
            expiry_date=parse_day(self._text("#expiry"), "Fin de validité"),
            format=MrzFormat.FR_ID_LEGACY if legacy else None,
        )

    def action_cancel(self) -> None:
        self.query_one("#number", SecretInput).clear_secret()
        self.dismiss(None)
