"""Until when an identity document is valid, French identity card rules included.

- Passports, residence permits and the French card since 2021 carry their expiry date
  in the MRZ: that date is the end of validity.
- The French card issued before 2021 has no expiry in its MRZ, only its issue year and
  month (start of the card number). It was valid 10 years; 15 years for an adult from
  2014-01-01; and cards issued to an adult between 2004-01-02 and 2013-12-31 were
  extended by 5 years beyond the date printed on them (décret 2013-1188). Cards issued
  to minors keep their 10 years. The printed date is the day before the tenth (or
  fifteenth) anniversary of issue.
- Read from the MRZ, the issue date is known to the month only: we take the first day
  of that month, which gives the earliest possible end of validity and judges the
  holder's majority at its most doubtful: a doubt never extends a card.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from kiosk.domain.mrz import MrzData, MrzFormat

EXTENSION_START = date(2004, 1, 2)
EXTENSION_END = date(2013, 12, 31)
FIFTEEN_YEARS_FROM = date(2014, 1, 1)
ADULT_AGE = 18
EXTENSION_NOTE = "Prolongation de 5 ans appliquée (CNI délivrée entre 2004 et 2013 à un majeur)"


@dataclass(frozen=True)
class Validity:
    """How long a document is valid, and how that was worked out (French ``notes``)."""

    printed_expiry: date | None  # as printed on the document (computed for the old card)
    effective_expiry: date | None  # the date that counts, extension included
    extension_applied: bool = False
    estimated: bool = False  # computed from the issue month: the earliest possible date
    notes: tuple[str, ...] = ()

    def valid_on(self, day: date) -> bool:
        return self.effective_expiry is not None and day <= self.effective_expiry


def add_years(day: date, years: int) -> date:
    """Same day ``years`` later; 29 February falls back to the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def fr_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def adult_on(birth: date, day: date) -> bool:
    # Born on 29 February: of age on 1 March of non-leap years (the later, safer day).
    try:
        majority = birth.replace(year=birth.year + ADULT_AGE)
    except ValueError:
        majority = date(birth.year + ADULT_AGE, 3, 1)
    return majority <= day


def document_validity(document: MrzData) -> Validity:
    if document.format is not MrzFormat.FR_ID_LEGACY:
        return Validity(document.expiry_date, document.expiry_date)
    if document.issue_date is not None:
        return _legacy_from_issue(document.birth_date, document.issue_date, not document.manual)
    if document.expiry_date is not None:
        return _legacy_from_printed(document.birth_date, document.expiry_date)
    return Validity(None, None, notes=("Date de fin de validité inconnue.",))


def _legacy_from_issue(birth: date, issue: date, month_only: bool) -> Validity:
    adult = adult_on(birth, issue)
    years = 15 if adult and issue >= FIFTEEN_YEARS_FROM else 10
    printed = add_years(issue, years) - timedelta(days=1)
    if month_only:
        in_window = (2004, 1) <= (issue.year, issue.month) <= (2013, 12)
    else:
        in_window = EXTENSION_START <= issue <= EXTENSION_END
    notes: list[str] = []
    if month_only:
        notes.append(
            f"Fin de validité calculée depuis le mois de délivrance ({issue:%m/%Y}) :"
            f" au plus tôt le {fr_date(printed)} ; la date imprimée sur la carte fait foi."
        )
    if not adult:
        notes.append("Carte délivrée à un mineur : valable 10 ans, sans prolongation.")
    return _extended(printed, adult and in_window, month_only, notes)


def _legacy_from_printed(birth: date, printed: date) -> Validity:
    # Before 2014 every card was valid 10 years, so a printed date before 2024 tells
    # the issue date; a later one belongs to a card that already had its 15 (or 10) years.
    issue = add_years(printed + timedelta(days=1), -10)
    in_window = EXTENSION_START <= issue <= EXTENSION_END
    adult = adult_on(birth, issue)
    notes = []
    if in_window and not adult:
        notes.append("Carte délivrée à un mineur : valable 10 ans, sans prolongation.")
    return _extended(printed, in_window and adult, False, notes)


def _extended(printed: date, extension: bool, estimated: bool, notes: list[str]) -> Validity:
    if not extension:
        return Validity(printed, printed, False, estimated, tuple(notes))
    effective = add_years(printed, 5)
    notes.insert(0, f"{EXTENSION_NOTE} : valable jusqu'au {fr_date(effective)}.")
    return Validity(printed, effective, True, estimated, tuple(notes))
