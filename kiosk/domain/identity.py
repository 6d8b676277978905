"""Checking an identity document against the dossier's holder, rule by rule.

The report lists one check per rule with a French explanation and the two values side
by side (dossier | document) for the agent's screen. A check is passed, failed, or not
checked (the dossier lacks the value: the agent checks by eye); the identity passes when
no check fails. ``audit_details`` gives only non-secret facts: never the document number
(the service adds a keyed MAC of it) nor the names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from kiosk.domain.appointment_lease import Purpose
from kiosk.domain.audit import DetailValue
from kiosk.domain.document_validity import Validity, document_validity, fr_date
from kiosk.domain.model import Person
from kiosk.domain.mrz import MrzData
from kiosk.domain.names import first_given_name, given_names_match, names_match

RESIDENCE_PERMIT_TYPES = frozenset({"IR", "AR"})
REFUSED_TYPES = frozenset({"AC"})  # crew member certificate: not an identity document
_TRUNCATED_NOTE = " (tronqué dans la MRZ : seul le début est comparé)"


class CheckOutcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_CHECKED = "not_checked"


@dataclass(frozen=True)
class Check:
    rule: str  # "document_type", "surname", "given_name", "birth_date", "expiry"
    label: str
    outcome: CheckOutcome
    explanation: str
    dossier_value: str
    document_value: str

    @property
    def failed(self) -> bool:
        return self.outcome is CheckOutcome.FAILED


@dataclass(frozen=True)
class IdentityReport:
    document: MrzData
    validity: Validity
    checks: tuple[Check, ...]

    @property
    def passed(self) -> bool:
        return not any(check.failed for check in self.checks)

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(check for check in self.checks if check.failed)

    def check(self, rule: str) -> Check:
        found = next((check for check in self.checks if check.rule == rule), None)
        if found is None:
            raise KeyError(rule)
        return found

    def audit_details(self) -> dict[str, DetailValue]:
        doc, validity = self.document, self.validity
        details: dict[str, DetailValue] = {
            "document_format": doc.format.value,
            "document_type": doc.document_type,
            "issuing_country": doc.issuing_country,
            "nationality": doc.nationality,
            "expiry_date": _iso(doc.expiry_date),
            "issue_month": doc.issue_date.strftime("%Y-%m") if doc.issue_date else None,
            "effective_expiry": _iso(validity.effective_expiry),
            "extension_applied": validity.extension_applied,
            "expiry_estimated": validity.estimated,
            "manual_entry": doc.manual,
            "identity_passed": self.passed,
        }
        details.update({f"check_{check.rule}": check.outcome.value for check in self.checks})
        return details


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def document_kind(document_type: str) -> str | None:
    """French label of an accepted kind of document, or None if it is not accepted."""
    if document_type in REFUSED_TYPES:
        return None
    if document_type.startswith("P"):
        return "Passeport"
    if document_type in RESIDENCE_PERMIT_TYPES:
        return "Titre de séjour"
    if document_type[:1] in ("I", "A", "C"):
        return "Carte d'identité"
    return None


def check_identity(
    document: MrzData,
    holder: Person,
    today: date,
    *,
    accept_residence_permits: bool = True,
    purpose: Purpose = Purpose.DELIVERY,
) -> IdentityReport:
    """The document against the holder on ``today``, the day of the appointment held for
    ``purpose`` (the validity row names it: a withdrawal, or another appointment)."""
    validity = document_validity(document)
    checks = (
        _document_type_check(document, accept_residence_permits),
        _surname_check(document, holder),
        _given_name_check(document, holder),
        _birth_date_check(document, holder),
        _expiry_check(validity, today, purpose),
    )
    return IdentityReport(document, validity, checks)


def _document_type_check(document: MrzData, accept_residence_permits: bool) -> Check:
    kind = document_kind(document.document_type)
    if kind == "Titre de séjour" and not accept_residence_permits:
        kind = None
    shown = f"{kind or 'Document'} ({document.document_type}, {document.issuing_country})"
    if document.manual:
        shown += " — saisie manuelle"
    if kind is None:
        return Check(
            "document_type",
            "Type de pièce",
            CheckOutcome.FAILED,
            "Ce type de document n'est pas accepté : présentez une carte d'identité,"
            " un passeport ou un titre de séjour.",
            "Pièce d'identité officielle",
            shown,
        )
    return Check(
        "document_type",
        "Type de pièce",
        CheckOutcome.PASSED,
        f"{kind} : type de pièce accepté.",
        "Pièce d'identité officielle",
        shown,
    )


def _surname_check(document: MrzData, holder: Person) -> Check:
    truncated = document.surname_truncated
    shown = document.surname + ("…" if truncated else "")
    if names_match(holder.surname, document.surname, truncated):
        text = "Le nom du dossier correspond à celui de la pièce"
        return Check(
            "surname",
            "Nom",
            CheckOutcome.PASSED,
            text + (_TRUNCATED_NOTE if truncated else "") + ".",
            holder.surname,
            shown,
        )
    return Check(
        "surname",
        "Nom",
        CheckOutcome.FAILED,
        "Le nom du dossier ne correspond pas à celui de la pièce. Seul le nom de naissance"
        " figure dans la MRZ : vérifiez l'orthographe et le nom d'usage.",
        holder.surname,
        shown,
    )


def _given_name_check(document: MrzData, holder: Person) -> Check:
    truncated = document.given_names_truncated
    shown = " ".join(document.given_names) + ("…" if truncated else "")
    wanted = first_given_name(holder.given_names)
    if given_names_match(holder.given_names, " ".join(document.given_names), truncated):
        text = f"Le premier prénom du dossier ({wanted}) est en tête des prénoms de la pièce"
        return Check(
            "given_name",
            "Prénom",
            CheckOutcome.PASSED,
            text + (_TRUNCATED_NOTE if truncated else "") + ".",
            holder.given_names,
            shown,
        )
    return Check(
        "given_name",
        "Prénom",
        CheckOutcome.FAILED,
        "Le premier prénom du dossier n'est pas en tête des prénoms de la pièce.",
        holder.given_names,
        shown,
    )


def _birth_date_check(document: MrzData, holder: Person) -> Check:
    shown = fr_date(document.birth_date)
    if holder.birth_date is None:
        return Check(
            "birth_date",
            "Date de naissance",
            CheckOutcome.NOT_CHECKED,
            "Date de naissance absente du dossier : contrôlez-la sur la pièce.",
            "—",
            shown,
        )
    expected = fr_date(holder.birth_date)
    if holder.birth_date == document.birth_date:
        return Check(
            "birth_date",
            "Date de naissance",
            CheckOutcome.PASSED,
            "La date de naissance du dossier correspond à celle de la pièce.",
            expected,
            shown,
        )
    return Check(
        "birth_date",
        "Date de naissance",
        CheckOutcome.FAILED,
        "La date de naissance du dossier ne correspond pas à celle de la pièce.",
        expected,
        shown,
    )


def _expiry_check(validity: Validity, today: date, purpose: Purpose) -> Check:
    # A PIN unblock or a revocation hands nothing over: the document must be valid on the
    # day of the appointment, which is not a withdrawal.
    occasion = "Retrait le" if purpose is Purpose.DELIVERY else "Rendez-vous du"
    asked = f"{occasion} {fr_date(today)}"
    end = validity.effective_expiry
    if end is None:
        return Check(
            "expiry",
            "Validité",
            CheckOutcome.FAILED,
            "Date de fin de validité inconnue : la pièce ne peut pas être acceptée.",
            asked,
            "inconnue",
        )
    shown = f"jusqu'au {fr_date(end)}"
    if validity.extension_applied and validity.printed_expiry is not None:
        shown += f" (imprimé : {fr_date(validity.printed_expiry)}, prolongée de 5 ans)"
    notes = "".join(f" {note}" for note in validity.notes)
    if validity.valid_on(today):
        return Check(
            "expiry",
            "Validité",
            CheckOutcome.PASSED,
            f"Pièce en cours de validité jusqu'au {fr_date(end)}.{notes}",
            asked,
            shown,
        )
    return Check(
        "expiry",
        "Validité",
        CheckOutcome.FAILED,
        f"Pièce expirée (fin de validité le {fr_date(end)}) :"
        f" elle ne peut pas être acceptée.{notes}",
        asked,
        shown,
    )
