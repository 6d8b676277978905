"""The desk journeys of the demo home: Brest dossiers really delivered at ``kiosk demo
init`` (a SoftHSM token, a certificate of the embedded CA), so that a PIN unblock, a
revocation and a renewal can be tried in the TUI right away; and one declined by its
holder once the certificate was issued, so that the back office has a revocation to
publish (``kiosk revocations``).

The deliveries go through the services the kiosk runs (``make_services``: login, lookup,
appointment, identity, answers, personalisation, receipt), as the agent at the desk would;
the renewal dossier is imported afterwards, since a renewal is only accepted for a
delivered dossier. Demo data only: the fixture holds codes and answers in clear.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from kiosk.config import Settings
from kiosk.domain.errors import KioskError
from kiosk.domain.mrz_fields import check_digit
from kiosk.domain.names import mrz_form
from kiosk.domain.pin_policy import PinPolicy, pin_problem
from kiosk.services.appointment_state import EndReason
from kiosk.services.auth import AgentSession
from kiosk.services.container import Services

DESK_FIXTURE = "desk-journeys.json"
JOURNEY = "demo_journey"  # the fixture's own key: which journey the dossier is there for
PIN_UNBLOCK, REVOCATION, RENEWED, RENEWAL = "pin_unblock", "revocation", "renewed", "renewal"
# Declined after issuance: the certificate is confirmed for revocation, the back office's.
DECLINED = "declined"
DECLINED_NOTE = "démonstration : le titulaire refuse la remise après l'émission"


@dataclass(frozen=True)
class DeskDossier:
    """A dossier of the desk journeys, with what was delivered for it (if it was)."""

    journey: str
    record: Mapping[str, Any]
    certificate_serial: str = ""
    token_serial: str = ""

    @property
    def reference(self) -> str:
        return str(self.record["reference"])


def for_import(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The records as the importer takes them: without the demo's own key."""
    return [{k: v for k, v in r.items() if k != JOURNEY} for r in records]


def first_deliveries(records: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [r for r in records if r.get("kind", "first") == "first"]


def renewals(records: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [r for r in records if r.get("kind") == "renewal"]


def passport_mrz(holder: Mapping[str, Any], today: date) -> tuple[str, str]:
    """A French passport of the holder (TD3, check digits right, valid five more years):
    what the agent types or scans at the Identity step."""
    name = mrz_form(holder["surname"]).replace(" ", "<")
    given = "<".join(mrz_form(g) for g in str(holder["given_names"]).split())
    line1 = f"P<FRA{name}<<{given}".ljust(44, "<")[:44]
    born = date.fromisoformat(holder["birth_date"]).strftime("%y%m%d")
    expiry = date(today.year + 5, today.month, min(today.day, 28)).strftime("%y%m%d")
    number = f"{26 + len(holder['surname']):02d}DM{int(born) % 100000:05d}"[:9]
    personal = "<" * 14
    body = number + check_digit(number) + "FRA" + born + check_digit(born) + "<"
    body += expiry + check_digit(expiry) + personal + check_digit(personal)
    composite = check_digit(body[0:10] + body[13:20] + body[21:43])
    return line1, body + composite


# The renewed holder's PIN, printed: the renewal is tried on their own token, beside
# their key, with the PIN they have (demo data only; no other demo PIN is ever shown).
RENEWED_PIN = "73915062"


def _holder_pin(birth: date) -> str:
    """A PIN the policy accepts; nobody needs it afterwards (an unblock sets a new one)."""
    while True:
        pin = "".join(secrets.choice("0123456789") for _ in range(8))
        if pin_problem(pin, birth, PinPolicy()) is None:
            return pin


def deliver_at_desk(
    settings: Settings,
    login: str,
    password: str,
    records: Sequence[Mapping[str, Any]],
    today: date,
) -> list[DeskDossier]:
    """Deliver each record (convoked, imported) as the agent ``login`` would at the desk,
    on SoftHSM's free slot; returns the dossiers with their certificate and token."""
    from kiosk.bootstrap import make_services

    services = make_services(settings)
    if services.pki_problem is not None:
        raise KioskError(f"Remises de démonstration impossibles : {services.pki_problem}")
    session = services.auth.login(login, password)
    try:
        return [_deliver(services, session, record, today) for record in records]
    finally:
        services.auth.logout(session)


def _deliver(
    services: Services, session: AgentSession, record: Mapping[str, Any], today: date
) -> DeskDossier:
    delivery, personalisation, media = services.delivery, services.personalisation, services.media
    assert delivery is not None and personalisation is not None and media is not None
    dossier = services.lookup.lookup(session, record["withdrawal_code"])
    appointment = services.appointments.open(session, dossier)
    typed = "\n".join(passport_mrz(record["holder"], today))
    report = services.identity.check(appointment, services.identity.read_mrz(appointment, typed))
    if not report.passed:
        raise KioskError(f"{dossier.reference} : passeport de démonstration refusé.")
    services.identity.confirm_photo(appointment, matches=True)
    answers = [q["answer"] for q in record.get("questions", [])]
    if not services.answers.check(appointment, answers).ok:
        raise KioskError(f"{dossier.reference} : réponses de démonstration refusées.")
    token = media.token_in(appointment, services.reader.readers()[0])
    birth = date.fromisoformat(record["holder"]["birth_date"])
    pin = RENEWED_PIN if record.get(JOURNEY) == RENEWED else _holder_pin(birth)
    result = personalisation.personalise(appointment, token.serial, pin)
    if record.get(JOURNEY) == DECLINED:
        # As the desk ends it (abandon, then end), but without asking the CA, as when it
        # did not answer: the revocation is left for the back office to publish.
        personalisation.abandon(appointment)
        services.appointments.end(appointment, EndReason.HOLDER_DECLINES, DECLINED_NOTE)
        return DeskDossier(DECLINED, record, result.certificate.serial_hex, result.token_serial)
    core = delivery.receipt_core(appointment, result)
    delivered = delivery.accept(appointment, result, pin, core)
    return DeskDossier(
        str(record.get(JOURNEY, "")),
        record,
        delivered.receipt.core.certificate_serial,
        delivered.receipt.core.token_serial,
    )


def journeys_to_try(
    site: str, login: str, desk: Sequence[DeskDossier], today: date, home: Path | None = None
) -> list[str]:
    """The « À essayer » lines of the desk journeys, for the end of ``demo init``; ``home``
    is named in the back office's commands."""
    by_journey = {d.journey: d for d in desk}
    lines = [f"À essayer au guichet de {site} (compte {login}) : les démarches après une remise."]
    lines.append("  À l'accueil, F6 « Titulaire équipé », la référence ou le n° de série, puis :")
    for journey, what in ((PIN_UNBLOCK, "F6 Débloquer le PIN"), (REVOCATION, "F7 Révoquer")):
        found = by_journey.get(journey)
        if found is not None:
            lines.append(f"  {what:<20} {found.reference}  — {_holder(found.record)}")
            lines.append(f"  {'':<20} n° de série : {found.certificate_serial}")
    renewal = by_journey.get(RENEWAL)
    if renewal is not None:
        lines.append("  À l'accueil, le code de retrait, puis F5 comme pour une remise :")
        lines.append(
            f"  {'Renouvellement':<20} {renewal.record['withdrawal_code']}  — "
            f"{_holder(renewal.record)}, convocation à {_local_time(renewal.record)}"
        )
        lines.append(
            f"  {'':<20} remplace le certificat du dossier {renewal.record.get('renews')}"
            " (révoqué après la remise)"
        )
    renewed = by_journey.get(RENEWED)
    if renewal is not None and renewed is not None:
        lines.append(
            f"  {'':<20} sur son support n° {renewed.token_serial} : code PIN "
            f"{RENEWED_PIN} (oublié : F4 l'efface)"
        )
    lines.append("  Passeports (MRZ, étape Identité) et réponses aux questions :")
    for journey in (PIN_UNBLOCK, REVOCATION, RENEWAL):
        found = by_journey.get(journey)
        if found is None:
            continue
        asked = found.record.get("questions") or (renewed.record if renewed else {}).get(
            "questions", []
        )
        lines.append(f"    {_holder(found.record)} ({found.reference})")
        lines += [f"      {line}" for line in passport_mrz(found.record["holder"], today)]
        lines.append("      réponses : " + " / ".join(q["answer"] for q in asked))
    declined = by_journey.get(DECLINED)
    if declined is not None:
        who = f"{declined.reference} ({_holder(declined.record)})"
        lines.append(
            f"  Au back-office, dans un terminal : {who} a refusé la remise après l'émission,"
        )
        lines.append("  un jour où l'AC ne répondait pas ;")
        lines.append(f"  son certificat {declined.certificate_serial} est à révoquer :")
        command = f"KIOSK_HOME={home} .venv/bin/kiosk revocations" if home else "kiosk revocations"
        lines.append(f"    {command} list")
        lines.append(f"    {command} publish")
    lines.append(
        "  La révocation et le renouvellement sont définitifs : "
        "« kiosk demo init --force » recommence."
    )
    return lines


def _local_time(record: Mapping[str, Any]) -> str:
    # Shifted convocations carry the office's offset: their wall-clock time is local.
    return datetime.fromisoformat(record["convocation_at"]).strftime("%H:%M")


def _holder(record: Mapping[str, Any]) -> str:
    holder = record["holder"]
    return f"{holder['given_names']} {str(holder['surname']).upper()}"
