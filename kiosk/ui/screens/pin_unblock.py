"""Placeholder, replaced by the journey's screens (being built)."""

from __future__ import annotations

from kiosk.ui.screens.appointment_screen import AppointmentScreen
from kiosk.ui.widgets.progress_header import Step


class PinUnblockScreen(AppointmentScreen):
    STEP = Step.MEDIUM
