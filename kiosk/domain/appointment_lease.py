"""Who is receiving a dossier's holder right now: the appointment lease.

Several kiosks may share one database. Opening an appointment claims the dossier for the
kiosk; a second kiosk is refused and told who holds it. The claim is released when the
appointment ends (delivery, refusal, agent leaving it). A kiosk that dies keeps its claim:
its own restart takes it back (the interrupted appointments are listed for resumption);
another kiosk may take it over once it has been silent for ``stale_after``, and an
administrator may release it at once. Every take-over and release is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Protocol

from kiosk.domain.errors import StateError

# Re-exported: the auditor screens still import the offices' zone from here.
from kiosk.domain.offices import OFFICES_TZ as OFFICES_TZ  # noqa: PLC0414
from kiosk.domain.ports import UnitOfWork

DEFAULT_STALE_AFTER = timedelta(minutes=15)


class Purpose(StrEnum):
    """Why the holder comes to the desk. A delivery is for a dossier still to deliver; the
    other journeys are for a delivered dossier whose certificate is in service."""

    DELIVERY = "delivery"
    PIN_UNBLOCK = "pin_unblock"
    REVOCATION = "revocation"

    @property
    def label(self) -> str:
        return _PURPOSE_LABELS[self]


_PURPOSE_LABELS = {
    Purpose.DELIVERY: "Remise du certificat",
    Purpose.PIN_UNBLOCK: "Déblocage du code PIN",
    Purpose.REVOCATION: "Révocation du certificat",
}


class LeaseEnd(StrEnum):
    """How an appointment's claim ended (kept with the closed claim)."""

    DELIVERED = "delivered"
    ENDED = "ended"  # refused, with a reason
    LEFT = "left"  # the agent went back to the lookup; the dossier is as it was
    RESUMED = "resumed"  # the same kiosk opened the dossier again after a crash
    TAKEN_OVER = "taken_over"  # another kiosk took a silent claim over
    RELEASED = "released"  # an administrator freed the dossier
    SERVED = "served"  # a PIN unblock or a revocation done at the desk


@dataclass(frozen=True)
class Lease:
    """An open appointment: the dossier, the kiosk and agent receiving its holder."""

    id: int
    dossier_ref: str
    kiosk: str
    site: str
    agent: str
    agent_name: str
    started_at: datetime
    heartbeat_at: datetime
    purpose: Purpose = Purpose.DELIVERY

    def is_stale(self, now: datetime, stale_after: timedelta = DEFAULT_STALE_AFTER) -> bool:
        """Silent long enough for its kiosk to be presumed dead."""
        return now - self.heartbeat_at >= stale_after

    def since(self, now: datetime, tz: tzinfo = OFFICES_TZ) -> str:
        """« 09:12 » today, « le 14/04 à 09:12 » another day (local time of the offices)."""
        started, today = self.started_at.astimezone(tz), now.astimezone(tz).date()
        if started.date() == today:
            return started.strftime("%H:%M")
        return f"le {started.strftime('%d/%m')} à {started.strftime('%H:%M')}"

    def held_elsewhere(self, now: datetime, tz: tzinfo = OFFICES_TZ) -> str:
        """What a second kiosk is told (French)."""
        return (
            f"Ce dossier est en cours de remise au kiosque {self.kiosk} par {self.agent_name} "
            f"depuis {self.since(now, tz)}."
        )


class AppointmentLeases(Protocol):
    """The open appointments, in the unit of work's transaction."""

    @property
    def kiosk_id(self) -> str:
        """This kiosk: the one ``claim`` records."""
        ...

    def open_for(self, dossier_ref: str) -> Lease | None: ...

    def claim(
        self,
        dossier_ref: str,
        agent: str,
        agent_name: str,
        at: datetime,
        purpose: Purpose = Purpose.DELIVERY,
    ) -> Lease | None:
        """Claim the dossier for this kiosk; ``None`` if another open claim holds it (the
        database decides: two kiosks claiming at once cannot both succeed)."""
        ...

    def close(self, lease_id: int, end: LeaseEnd, at: datetime) -> bool:
        """Close an open claim; ``False`` if it was already closed (by someone else)."""
        ...

    def heartbeat(self, lease_id: int, at: datetime) -> bool:
        """Say the claim is alive; ``False`` if it is no longer open."""
        ...

    def open_leases(self, kiosk: str | None = None) -> Sequence[Lease]:
        """Open claims (of one kiosk, or all), oldest first."""
        ...


class LeaseUnitOfWork(UnitOfWork, Protocol):
    appointments: AppointmentLeases


class LeaseUnitOfWorkFactory(Protocol):
    def __call__(self) -> LeaseUnitOfWork: ...


def ensure_not_held_elsewhere(leases: AppointmentLeases, dossier_ref: str, now: datetime) -> None:
    """Refuse to act on a dossier whose appointment another kiosk holds (a dossier without
    any open appointment is not refused: the caller's own checks apply)."""
    held = leases.open_for(dossier_ref)
    if held is not None and held.kiosk != leases.kiosk_id:
        raise StateError(held.held_elsewhere(now))


def close_own_lease(
    leases: AppointmentLeases, dossier_ref: str, end: LeaseEnd, at: datetime
) -> Lease | None:
    """Close this kiosk's open claim on the dossier, if it has one."""
    held = leases.open_for(dossier_ref)
    if held is None or held.kiosk != leases.kiosk_id:
        return None
    leases.close(held.id, end, at)
    return held
