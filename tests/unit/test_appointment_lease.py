"""What a second kiosk is told about a dossier's open appointment, and when a silent kiosk's
appointment may be taken over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kiosk.domain.appointment_lease import DEFAULT_STALE_AFTER, Lease

STARTED = datetime(2026, 3, 16, 8, 12, tzinfo=UTC)  # 09:12 in Brest (CET)
LEASE = Lease(7, "CS-2026-000123", "demo-brest-2", "BREST", "camille", "Camille Le Gall",
              STARTED, STARTED)  # fmt: skip


def test_the_second_kiosk_is_told_who_holds_the_dossier_since_when_in_local_time() -> None:
    assert LEASE.held_elsewhere(STARTED + timedelta(minutes=5)) == (
        "Ce dossier est en cours de remise au kiosque demo-brest-2 par Camille Le Gall "
        "depuis 09:12."
    )


def test_an_appointment_opened_another_day_says_the_day() -> None:
    assert LEASE.since(STARTED + timedelta(days=1)) == "le 16/03 à 09:12"


def test_summer_time_is_local_time_too() -> None:
    summer = Lease(1, "R", "k", "BREST", "a", "A", datetime(2026, 7, 1, 7, 5, tzinfo=UTC),
                   datetime(2026, 7, 1, 7, 5, tzinfo=UTC))  # fmt: skip
    assert summer.since(datetime(2026, 7, 1, 9, 0, tzinfo=UTC)) == "09:05"


def test_a_claim_is_taken_over_only_once_silent_for_the_whole_delay() -> None:
    assert timedelta(minutes=15) == DEFAULT_STALE_AFTER
    assert not LEASE.is_stale(STARTED + DEFAULT_STALE_AFTER - timedelta(seconds=1))
    assert LEASE.is_stale(STARTED + DEFAULT_STALE_AFTER)
