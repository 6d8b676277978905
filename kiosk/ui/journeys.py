"""Where an appointment goes once the holder has answered the revocation questions: the
step that its purpose is for.

A delivery (first certificate or renewal) goes to the token step; a PIN unblock to the
new PIN on the token delivered for the dossier; a revocation to the reason and the
holder's confirmation. The identity check and the answers before are the same for all
three (``docs/desk-journeys.md``).
"""

from __future__ import annotations

from textual.screen import Screen

from kiosk.domain.appointment_lease import Purpose
from kiosk.ui.appointment_flow import AppointmentFlow


def after_answers(flow: AppointmentFlow) -> Screen[None]:
    """The agent-facing screen that follows the answers for ``flow``'s purpose."""
    # Imported here: these screens chain back to the holder's steps, which import this.
    purpose = flow.appointment.purpose
    if purpose is Purpose.PIN_UNBLOCK:
        from kiosk.ui.screens.pin_unblock import PinUnblockScreen

        return PinUnblockScreen(flow)
    if purpose is Purpose.REVOCATION:
        from kiosk.ui.screens.desk_revocation import RevocationScreen

        return RevocationScreen(flow)
    from kiosk.ui.screens.token_insert import TokenInsertScreen

    return TokenInsertScreen(flow)
