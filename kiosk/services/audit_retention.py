"""The retention job of the personal data kept beside the audit log
(``kiosk audit erase-personal --older-than 12m``).

Fields and salt of events older than the retention period are erased; the events keep
their salted commitments, so the chain, the tree and every checkpoint still verify, and
without the salt the commitment reveals nothing. The erasure itself is an audit event,
in the same transaction.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime

from kiosk.domain.audit import AuditDraft, Outcome
from kiosk.domain.audit_ports import AuditUnitOfWorkFactory
from kiosk.domain.errors import ValidationError
from kiosk.domain.ports import Clock

_PERIOD = re.compile(r"([1-9][0-9]{0,2})\s*(m|mois)?", re.IGNORECASE)


def parse_months(text: str) -> int:
    """« 12m », « 12 mois » or « 12 » → 12."""
    found = _PERIOD.fullmatch(text.strip())
    if found is None:
        raise ValidationError(
            f"Durée de conservation invalide « {text} » : un nombre de mois, ex. 12m."
        )
    return int(found.group(1))


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the month's last day when
    it is shorter)."""
    total = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(total, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


@dataclass(frozen=True)
class Erasure:
    erased: int
    cutoff: datetime
    months: int

    @property
    def message(self) -> str:
        return (
            f"Données personnelles effacées : {self.erased} événement(s) antérieur(s) au "
            f"{self.cutoff:%d/%m/%Y} ({self.months} mois de conservation). "
            "Le journal reste vérifiable."
        )


class PersonalDataRetention:
    def __init__(self, uow: AuditUnitOfWorkFactory, clock: Clock, default_months: int) -> None:
        self._uow = uow
        self._clock = clock
        self.default_months = default_months

    def erase(self, months: int | None = None, agent: str | None = None) -> Erasure:
        months = self.default_months if months is None else months
        if months < 1:
            raise ValidationError("La durée de conservation est d'au moins un mois.")
        now = self._clock.now()
        cutoff = months_before(now, months)
        with self._uow() as tx:
            erased = tx.personal_data.erase_before(cutoff, now)
            tx.audit.append(
                AuditDraft(
                    "audit.personal_erased",
                    Outcome.SUCCESS,
                    agent,
                    details={"erased": erased, "before": cutoff.isoformat(), "months": months},
                )
            )
            tx.commit()
        return Erasure(erased, cutoff, months)
