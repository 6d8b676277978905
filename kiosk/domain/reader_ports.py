"""Smart-card readers: the events the kiosk reacts to, the port that reports them, and the
pairing of a reader with the PKCS#11 token it stands for.

Card presence (PC/SC) and the token (PKCS#11) are two separate paths: a reader says "a card
went in", the PKCS#11 module says "here is token X". A deployment pairs them by
configuration, reader name (or name prefix) to token label and/or serial, exactly as a
desk pairs a physical reader with the module that drives the tokens it accepts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from kiosk.domain.errors import ConfigError, DeviceError

PREFIX_MARK = "*"
TOKEN_LABEL_MAX = 32  # CK_TOKEN_INFO.label is 32 bytes, space padded
TOKEN_SERIAL_MAX = 16  # CK_TOKEN_INFO.serialNumber is 16 bytes, space padded


class ReaderEventKind(StrEnum):
    INSERTED = "inserted"
    REMOVED = "removed"


@dataclass(frozen=True)
class ReaderEvent:
    """A card went into or out of a reader.

    ``atr`` is the card's Answer To Reset as upper-case hex pairs ("3B 95 13 ..."); it is
    None on removal, for a mute card and for a simulated card.
    """

    kind: ReaderEventKind
    reader: str
    atr: str | None
    at: datetime


ReaderCallback = Callable[[ReaderEvent], None]
ReaderErrorCallback = Callable[[DeviceError], None]


class ReaderPort(Protocol):
    """Card insert/remove notifications from the desk's readers."""

    def start(self, callback: ReaderCallback, on_error: ReaderErrorCallback | None = None) -> None:
        """Begin watching. ``callback`` is called from a background thread, never from the
        caller's: first with an INSERTED event for every card already present (so nothing
        inserted before the subscription is missed), then for every change. Callers are
        responsible for thread safety (a Textual app uses ``post_message`` or
        ``call_from_thread``). ``on_error`` (same thread) hears that the reader service was
        lost; removals for the cards it held are reported first. Raises DeviceError if the
        reader service cannot be reached at all."""
        ...

    def stop(self) -> None:
        """Stop watching; returns promptly and no callback runs after it returns."""
        ...

    def readers(self) -> list[str]:
        """Names of the connected readers (empty when none). Raises DeviceError."""
        ...

    def present(self) -> list[ReaderEvent]:
        """An INSERTED event for each card currently present. Raises DeviceError."""
        ...


@runtime_checkable
class CardSimulator(Protocol):
    """A reader whose card a person can put in or pull out from the keyboard (the demo's
    simulated reader). A real reader has no such methods: the front end offers the
    keys only when its reader port is also a ``CardSimulator``."""

    def insert(self) -> None:
        """Act out the card going in (no event if it is already in)."""
        ...

    def remove(self) -> None:
        """Act out the card being pulled out (no event if there is none)."""
        ...


def atr_hex(atr: bytes | Sequence[int]) -> str | None:
    """The display form of an ATR, or None when the card gave none (mute card)."""
    data = bytes(atr)
    return " ".join(f"{b:02X}" for b in data) if data else None


@dataclass(frozen=True)
class TokenSelector:
    """Which PKCS#11 token a reader's card is: by label, serial or both (both must match).
    ``module`` is the PKCS#11 library path when it differs from the deployment's default."""

    label: str | None = None
    serial: str | None = None
    module: str | None = None

    def __post_init__(self) -> None:
        problem = _token_problem(self.label, self.serial, self.module)
        if problem:
            raise ConfigError("lecteurs", problem)

    def matches(self, label: str, serial: str) -> bool:
        """Compare with a token's CK_TOKEN_INFO values (padding ignored)."""
        if self.label is not None and label.strip() != self.label:
            return False
        return self.serial is None or serial.strip() == self.serial


@dataclass(frozen=True)
class ReaderPairing:
    """``reader`` is an exact reader name, or a prefix when it ends with ``*`` (``*`` alone
    pairs every reader: the usual single-reader desk)."""

    reader: str
    token: TokenSelector

    def __post_init__(self) -> None:
        if not self.reader.strip():
            raise ConfigError("lecteurs", "un nom de lecteur est vide.")

    @property
    def is_prefix(self) -> bool:
        return self.reader.endswith(PREFIX_MARK)

    @property
    def stem(self) -> str:
        return self.reader.removesuffix(PREFIX_MARK) if self.is_prefix else self.reader

    def matches(self, reader_name: str) -> bool:
        if self.is_prefix:
            return reader_name.startswith(self.stem)
        return reader_name == self.reader


def token_for(reader_name: str, pairings: Sequence[ReaderPairing]) -> TokenSelector | None:
    """The token paired with a reader: an exact name wins over any prefix, and the longest
    prefix wins over shorter ones, so a general rule can be refined for one reader.
    None when no pairing covers the reader (the card is then not ours to use)."""
    candidates = [p for p in pairings if p.matches(reader_name)]
    if not candidates:
        return None
    best = max(candidates, key=lambda p: (not p.is_prefix, len(p.stem)))
    return best.token


def check_pairings(pairings: Sequence[ReaderPairing]) -> None:
    """Refuse two pairings for the same reader pattern: which one applies would be a guess."""
    seen: set[str] = set()
    for pairing in pairings:
        if pairing.reader in seen:
            raise ConfigError("lecteurs", f"le lecteur « {pairing.reader} » est associé deux fois.")
        seen.add(pairing.reader)


def pairings_from_config(
    entries: Sequence[Mapping[str, object]], setting: str = "readers"
) -> tuple[ReaderPairing, ...]:
    """Build pairings from configuration tables such as TOML ``[[readers]]`` with the keys
    ``reader``, ``token_label``, ``token_serial`` and ``pkcs11_module``."""
    pairings: list[ReaderPairing] = []
    for index, entry in enumerate(entries):
        where = f"{setting}[{index}]"
        unknown = sorted(set(entry) - {"reader", "token_label", "token_serial", "pkcs11_module"})
        if unknown:
            raise ConfigError(where, f"clé(s) inconnue(s) : {', '.join(unknown)}.")
        reader = _optional_text(entry, "reader", where)
        if reader is None:
            raise ConfigError(f"{where}.reader", "le nom du lecteur est obligatoire.")
        label = _optional_text(entry, "token_label", where)
        serial = _optional_text(entry, "token_serial", where)
        module = _optional_text(entry, "pkcs11_module", where)
        problem = _token_problem(label, serial, module)
        if problem:
            raise ConfigError(where, problem)
        pairings.append(ReaderPairing(reader, TokenSelector(label, serial, module)))
    result = tuple(pairings)
    check_pairings(result)
    return result


def _optional_text(entry: Mapping[str, object], key: str, where: str) -> str | None:
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}.{key}", "une chaîne non vide est attendue.")
    return value.strip() if key != "reader" else value


def _token_problem(label: str | None, serial: str | None, module: str | None) -> str | None:
    if label is None and serial is None:
        return "indiquez le libellé (token_label) ou le numéro de série (token_serial) du jeton."
    if label is not None and (not label.strip() or len(label.encode()) > TOKEN_LABEL_MAX):
        return f"le libellé du jeton doit faire de 1 à {TOKEN_LABEL_MAX} octets."
    if serial is not None and (not serial.strip() or len(serial.encode()) > TOKEN_SERIAL_MAX):
        return f"le numéro de série du jeton doit faire de 1 à {TOKEN_SERIAL_MAX} octets."
    if module is not None and not module.strip():
        return "le chemin du module PKCS#11 est vide."
    return None
