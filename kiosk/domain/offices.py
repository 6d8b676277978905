"""The offices' local time: the one zone every desk reads times in.

Times are stored in UTC. The chamber's offices all sit in metropolitan France, so a
convocation's day, an appointment's start, an audit event's date and the desk's screens
are all read in Europe/Paris time, summer and winter.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

OFFICES_TZ = ZoneInfo("Europe/Paris")
