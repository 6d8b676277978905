"""The medium (USB token) in the desk's reader: which PKCS#11 token a reader's card is.

The reader port says a card went in; this service names the token the personalisation
calls take (``PersonalisationService.check_token(appointment, serial)``). The choice is
the domain's (``kiosk.domain.token_choice``): the token of the dossier's interrupted run
when it is there, else a blank one. Reads only; nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence

from kiosk.domain.personalisation_ports import PersonalisationUnitOfWorkFactory
from kiosk.domain.reader_ports import ReaderPairing
from kiosk.domain.token_choice import token_in_reader
from kiosk.domain.token_ports import TokenInfo, TokenPort
from kiosk.services.appointment import Appointment


class MediumService:
    def __init__(
        self,
        tokens: TokenPort,
        uow: PersonalisationUnitOfWorkFactory,
        pairings: Sequence[ReaderPairing] = (),
    ) -> None:
        self._tokens = tokens
        self._uow = uow
        self._pairings = tuple(pairings)

    def token_in(
        self,
        appointment: Appointment,
        reader: str,
        *,
        another: bool = False,
        expected: str | None = None,
        preferred: str | None = None,
    ) -> TokenInfo:
        """The token the card in ``reader`` stands for. ``another``: the agent put in
        another token than the one of the dossier's interrupted run (so a blank token is
        preferred even if the first one is still plugged in). ``expected``: the token the
        step is for (a PIN unblock: the one delivered for the dossier), taken when it is
        there even beside a blank one. ``preferred``: taken when there, after the
        interrupted run's (a renewal: the holder's own token, when it may be reused).
        Raises ``DeviceError``."""
        appointment.require_open()
        current = expected or (
            None if another else (self.open_attempt_token(appointment) or preferred)
        )
        return token_in_reader(self._tokens.list_tokens(), reader, self._pairings, current)

    def open_attempt_token(self, appointment: Appointment) -> str | None:
        """The serial of the token the dossier's open personalisation attempt is on."""
        with self._uow() as uow:
            attempts = uow.journal.attempts(appointment.reference)
        latest = attempts[-1] if attempts else None
        if latest is None or not latest.status.open or not latest.token_serial:
            return None
        return latest.token_serial
