"""A realistic audit history for the demo (``kiosk demo history``, run by ``demo init``):
a few thousand events over the last weeks, at several offices and by several agents —
logins, lookups, identity checks, answers, personalisation steps, deliveries, refusals
with their reasons, abandoned appointments — appended through the real ``SqlAuditLog``, so
the chain, the Merkle tree and the personal data kept apart are the real thing.

Demo data only: references, serials and digests are made up (fixed seed, the same history
every time); no withdrawal number, answer or document number appears anywhere.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from kiosk.adapters.db.audit_log import SqlAuditLog
from kiosk.adapters.db.errors import storage_error
from kiosk.adapters.db.transaction import Transaction
from kiosk.domain.audit import AuditDraft, DetailValue, Outcome
from kiosk.domain.offices import OFFICES_TZ
from kiosk.domain.personalisation_journal import Step

EVENTS_PER_APPOINTMENT = 23  # on average, with the day's logins and logouts
# (office, kiosk, agents): the demo kiosk's site first; the others share its database.
OFFICES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("BREST", "demo-brest-1", ("camille", "erwan")),
    ("QUIMPER", "demo-quimper-1", ("soizic",)),
    ("RENNES", "demo-rennes-1", ("yann", "gaelle")),
    ("SAINT-BRIEUC", "demo-saint-brieuc-1", ("loic",)),
)
END_REASONS = (
    "holder_absent",
    "document_refused",
    "answers_failed",
    "token_defective",
    "holder_declines",
    "other",
)


@dataclass(frozen=True)
class Planned:
    at: datetime
    office: str
    draft: AuditDraft


@dataclass(frozen=True)
class History:
    events: int
    first: datetime | None
    last: datetime | None

    @property
    def message(self) -> str:
        if self.first is None or self.last is None:
            return "Historique d'audit : aucun événement ajouté."
        return (
            f"Historique d'audit de démonstration : {self.events} événements du "
            f"{self.first.astimezone(OFFICES_TZ):%d/%m/%Y} au "
            f"{self.last.astimezone(OFFICES_TZ):%d/%m/%Y}, {len(OFFICES)} bureaux."
        )


class _ScriptedClock:
    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def now(self) -> datetime:
        return self.at


class _Day:
    """One office's working day: events at increasing times."""

    def __init__(self, rng: random.Random, office: str, day: date) -> None:
        self.rng = rng
        self.office = office
        self.at = datetime.combine(day, time(8, 50), OFFICES_TZ)
        self.planned: list[Planned] = []

    def add(
        self,
        event_type: str,
        outcome: Outcome,
        agent: str | None,
        dossier: str | None = None,
        details: dict[str, DetailValue] | None = None,
        personal: dict[str, str] | None = None,
        pause: tuple[int, int] = (2, 40),
    ) -> None:
        self.at += timedelta(seconds=self.rng.randint(*pause))
        draft = AuditDraft(event_type, outcome, agent, dossier, details or {}, personal)
        self.planned.append(Planned(self.at, self.office, draft))


def _hex(rng: random.Random, size: int) -> str:
    return rng.randbytes(size).hex()


def _appointment(d: _Day, agent: str, ref: str) -> None:
    rng = d.rng
    if rng.random() < 0.04:
        d.add("dossier.lookup", Outcome.FAILURE, agent, None, {"reason": "unknown_code"})
    d.add("dossier.lookup", Outcome.SUCCESS, agent, ref, {"state": "convoked", "office": d.office})
    if rng.random() < 0.06:
        d.add("appointment.start", Outcome.SUCCESS, agent, ref, {"previous_state": "convoked"})
        d.add("appointment.end", Outcome.ABORTED, agent, ref, {"reason": "holder_absent"})
        return
    d.add("appointment.start", Outcome.SUCCESS, agent, ref, {"previous_state": "convoked"})
    if rng.random() < 0.08:
        d.add("identity.mrz", Outcome.REFUSED, agent, ref, {"check_digit_field": "expiry_date"})
    passed = rng.random() > 0.07
    expiry = date(2026 + rng.randint(1, 9), rng.randint(1, 12), rng.randint(1, 28))
    checks: dict[str, DetailValue] = {
        "document_format": rng.choice(("TD1", "TD3", "FR_ID_LEGACY")),
        "document_type": rng.choice(("ID", "P")),
        "issuing_country": "FRA",
        "manual_entry": rng.random() < 0.1,
        "identity_passed": passed,
        "check_document_type": "passed",
        "check_surname": "passed" if passed else "failed",
        "check_given_name": "passed",
        "check_birth_date": "passed",
        "check_expiry": "passed",
        "document_mac": _hex(rng, 16),
    }
    checks["effective_expiry"] = expiry.isoformat()
    personal = {
        "nationality": "FRA",
        "expiry_date": expiry.isoformat(),
        "issue_month": f"{expiry.year - 10}-{expiry.month:02d}",
    }
    outcome = Outcome.SUCCESS if passed else Outcome.REFUSED
    d.add("identity.check", outcome, agent, ref, checks, personal, pause=(30, 120))
    if not passed:
        d.add("appointment.end", Outcome.ABORTED, agent, ref, {"reason": "document_refused"})
        return
    d.add("identity.photo", Outcome.SUCCESS, agent, ref, {"photo_matches": True})
    if rng.random() < 0.1:
        d.add("answers.check", Outcome.FAILURE, agent, ref, {"appointment_failures": 1})
    if rng.random() < 0.05:
        d.add("appointment.end", Outcome.ABORTED, agent, ref, {"reason": "answers_failed"})
        return
    d.add("answers.check", Outcome.SUCCESS, agent, ref, {"appointment_failures": 0})
    _personalisation(d, agent, ref)


def _personalisation(d: _Day, agent: str, ref: str) -> None:
    rng = d.rng
    token = f"SHSM{rng.randint(10**7, 10**8 - 1)}"
    attempt = rng.randint(1, 10**6)
    base: dict[str, DetailValue] = {"attempt": attempt, "token": token}
    if rng.random() < 0.03:
        d.add("personalisation.refused", Outcome.REFUSED, agent, ref, {**base, "reason": "token"})
        d.add("appointment.end", Outcome.ABORTED, agent, ref, {"reason": "token_defective"})
        return
    d.add("personalisation.started", Outcome.SUCCESS, agent, ref, base)
    serial = _hex(rng, 16)
    for step in Step:
        d.add(
            "personalisation.step_started",
            Outcome.SUCCESS,
            agent,
            ref,
            {**base, "step": step.value},
        )
        if step is Step.GENERATE_KEY and rng.random() < 0.03:
            failed = {**base, "step": step.value, "error": "Le support ne répond plus."}
            d.add(f"personalisation.{step.value}", Outcome.FAILURE, agent, ref, failed)
            d.add("personalisation.abandoned", Outcome.ABORTED, agent, ref, base)
            d.add("appointment.end", Outcome.ABORTED, agent, ref, {"reason": "token_defective"})
            return
        done = {**base, "step": step.value, "elapsed_ms": rng.randint(4, 900)}
        d.add(f"personalisation.{step.value}", Outcome.SUCCESS, agent, ref, done, pause=(1, 6))
    if rng.random() < 0.03:
        reason = rng.choice(END_REASONS[3:])
        d.add("appointment.end", Outcome.ABORTED, agent, ref, {"reason": reason})
        return
    signed = {**base, "certificate_serial": serial}
    d.add("acceptance.signature_started", Outcome.SUCCESS, agent, ref, signed, pause=(20, 90))
    receipt: dict[str, DetailValue] = {
        **signed,
        "receipt_format": "KIOSK-PV1",
        "receipt_digest": _hex(rng, 32),
        "certificate_fingerprint": _hex(rng, 32),
        "acceptance_digest": _hex(rng, 32),
        "token_serial": token,
        "terms_version": "CGU-2026-01",
    }
    d.add("dossier.delivered", Outcome.SUCCESS, agent, ref, receipt)
    pdf = {"pdf": f"PV-{ref}.pdf", "print_job": None, "problems": 0}
    d.add("receipt.issued", Outcome.SUCCESS, agent, ref, pdf)


def plan_history(events: int, days: int, today: date, seed: int = 2026) -> list[Planned]:
    """About ``events`` events over the ``days`` working days before ``today``, in time order."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not a secret
    weekdays = [
        today - timedelta(days=n)
        for n in range(days, 0, -1)
        if (today - timedelta(n)).weekday() < 5
    ]
    per_office_day = events / EVENTS_PER_APPOINTMENT / max(1, len(weekdays) * len(OFFICES))
    planned: list[Planned] = []
    number = 0
    for day in weekdays:
        for office, _kiosk, agents in OFFICES:
            d = _Day(rng, office, day)
            count = sum(rng.random() < per_office_day / 8 for _ in range(8))
            if not count:
                continue
            agent = rng.choice(agents)
            if rng.random() < 0.1:
                d.add("agent.login", Outcome.FAILURE, agent, None, {"reason": "wrong_password"})
            d.add("agent.login", Outcome.SUCCESS, agent, None, {"role": "agent"})
            for _ in range(count):
                number += 1
                d.at += timedelta(minutes=rng.randint(5, 45))
                _appointment(d, agent, f"CS-{day.year}-{900000 + number:06d}")
            d.add("agent.logout", Outcome.SUCCESS, agent, None, {"reason": "manual"})
            planned += d.planned
    planned.sort(key=lambda p: p.at)
    return planned


def add_history(
    engine: Engine, events: int, *, days: int = 60, today: date | None = None
) -> History:
    """Append the planned history to the log, one transaction per day."""
    today = today or datetime.now(OFFICES_TZ).date()
    planned = plan_history(events, days, today)
    clock = _ScriptedClock()
    kiosks = {office: kiosk for office, kiosk, _ in OFFICES}
    tx = Transaction()
    with engine.connect() as connection:
        tx.attach(connection)
        logs = {office: SqlAuditLog(tx, clock, office, kiosks[office]) for office in kiosks}
        day: date | None = None
        for item in planned:
            if day is not None and item.at.date() != day:
                _commit(connection)
            day = item.at.date()
            clock.at = item.at.astimezone(UTC)
            logs[item.office].append(item.draft)
        _commit(connection)
    first, last = (planned[0].at, planned[-1].at) if planned else (None, None)
    return History(len(planned), first, last)


def _commit(connection: Connection) -> None:
    try:
        connection.commit()
    except DBAPIError as exc:
        raise storage_error(exc) from exc
