"""What the token step learned so far, carried from screen to screen: the reader and the
token in it, the check's verdict, the agent's wipe decision, the run's result and the
receipt the holder will sign.

PINs typed on one screen and used by a service call started from the next are held in a
``HeldSecret``: never shown, never in a repr or a message, forgotten once the run is
over. The holder's PIN is kept between the PIN screen and the end of the run (a run
taken up after a pulled token needs it again), never beyond.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.domain.personalisation_journal import Step
from kiosk.domain.receipt import ReceiptCore
from kiosk.domain.token_ports import TokenInfo
from kiosk.services.personalisation import PersonalisationResult, TokenCheck
from kiosk.services.renewal import ReusedTokenCheck

# A run taken up at one of these steps finds the holder's PIN already on the token.
PIN_ON_TOKEN = frozenset({Step.GENERATE_KEY, Step.BUILD_CSR, Step.ISSUE, Step.WRITE, Step.VERIFY})


class HeldSecret:
    """A PIN between the widget it was typed in and the service call that uses it."""

    __slots__ = ("_value",)

    def __init__(self) -> None:
        self._value = ""

    def keep(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The value, for the service call only."""
        return self._value

    def forget(self) -> None:
        self._value = ""

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "HeldSecret(<masqué>)" if self._value else "HeldSecret(<vide>)"


@dataclass(eq=False)
class TokenRun:
    reader: str | None = None
    atr: str | None = None
    token: TokenInfo | None = None
    check: TokenCheck | None = None
    another: bool = False  # the agent put in another token than the interrupted run's
    wipe: bool = False  # the agent chose to erase a token that is not blank
    so_pin: HeldSecret = field(default_factory=HeldSecret, repr=False)
    pin: HeldSecret = field(default_factory=HeldSecret, repr=False)
    pin_on_token: bool = False  # the holder's PIN is set: a retry asks for that same PIN
    result: PersonalisationResult | None = None
    core: ReceiptCore | None = None

    @property
    def serial(self) -> str:
        return self.token.serial if self.token is not None else ""

    @property
    def asks_current_pin(self) -> bool:
        """The holder types the PIN already on the token instead of choosing one."""
        check = self.check
        resumed_after_pin = check is not None and check.resumes and check.first_step in PIN_ON_TOKEN
        return resumed_after_pin or self.pin_on_token or self.keeps_holders_key

    @property
    def keeps_holders_key(self) -> bool:
        """A renewal on the holder's own token, beside their key: their PIN stays."""
        return isinstance(self.check, ReusedTokenCheck) and self.check.keeps_key

    def token_read(self, token: TokenInfo, check: TokenCheck) -> None:
        self.token, self.check = token, check
        self.pin_on_token = False

    def card_gone(self) -> None:
        self.token = self.check = None

    def forget_secrets(self) -> None:
        self.pin.forget()
        self.so_pin.forget()
