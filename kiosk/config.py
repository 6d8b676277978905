"""Settings of one kiosk: from the environment, else from ``$KIOSK_HOME/kiosk.toml``.

Every setting has a default that works on the demo machine. An invalid value stops the
program with one French message naming the setting (exit code 2, see ``cli``).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.config_pki import PkiSettings, bounded_int, load_pki
from kiosk.domain.errors import ConfigError
from kiosk.domain.pin_policy import ABSOLUTE_MAX, ABSOLUTE_MIN, PinPolicy
from kiosk.domain.reader_ports import ReaderPairing, pairings_from_config

DEFAULT_PKCS11_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
THEMES = ("default", "contrast")
PIN_CHARACTERS = ("ascii", "alnum", "digits")


@dataclass(frozen=True)
class Argon2Params:
    """Argon2id cost; defaults are OWASP's (19 MiB, 2 passes, 1 lane)."""

    time_cost: int = 2
    memory_kib: int = 19456
    parallelism: int = 1


@dataclass(frozen=True)
class DeskDevices:
    """The reader and the printer at the desk."""

    reader: str = "simulated"
    """``pcsc`` (pcscd with real readers) or ``simulated`` (demo: SoftHSM's free slot)."""
    reader_pairings: tuple[ReaderPairing, ...] = ()
    """``[[readers]]`` tables of kiosk.toml: which token a reader's card is."""
    printer: str = ""
    """CUPS queue for the delivery receipts; empty: receipts are only saved as PDF."""


@dataclass(frozen=True)
class PinSettings:
    """What the holder's PIN may be. It must match the token model in service: a PIN the
    token refuses would fail the personalisation after the holder chose it (which values
    for which token family: docs/personalisation.md)."""

    min_length: int = 6
    """Fewest characters (``KIOSK_PIN_MIN_LENGTH``), 4 at least."""
    max_length: int = 16
    """Most characters (``KIOSK_PIN_MAX_LENGTH``), 64 at most; never above the token's own
    maximum (``pkcs11-tool -L``: « min/max PIN length »)."""
    characters: str = "ascii"
    """``digits`` (0-9 only), ``alnum`` (letters without accents and digits) or ``ascii``
    (letters without accents, digits and common signs, no space)."""

    def policy(self) -> PinPolicy:
        """The policy the holder's PIN screens and the PIN unblock apply."""
        return PinPolicy(
            self.min_length,
            self.max_length,
            digits_only=self.characters == "digits",
            alphanumeric_only=self.characters == "alnum",
        )


@dataclass(frozen=True)
class Settings:
    home: Path
    """Folder holding the database, secrets, tokens, CA and receipts."""
    database_url: str
    """SQLAlchemy URL; default: SQLite file ``kiosk.db`` in the home (WAL, synchronous FULL)."""
    site: str
    """Code of the bureau de retrait this kiosk serves (e.g. ``BREST``)."""
    kiosk_id: str
    """Name of this kiosk in the audit log (several kiosks may serve one site)."""
    pkcs11_module: str = DEFAULT_PKCS11_MODULE
    """PKCS#11 module of the token readers (SoftHSM2 in the demo, e.g. OpenSC in production)."""
    softhsm_conf: Path | None = None
    """SOFTHSM2_CONF for the demo's SoftHSM tokens (set only when SoftHSM is the module)."""
    idle_lock_seconds: int = 180
    """Seconds without a key before the screen locks."""
    theme: str = "default"
    """``default``, or ``contrast`` for the high-contrast theme (F12 switches at the desk)."""
    login_max_failures: int = 5
    """Failed logins before the login is locked."""
    login_lock_minutes: int = 15
    """How long a login stays locked."""
    argon2: Argon2Params = field(default_factory=Argon2Params)
    """Cost of the salted slow hashes of passwords and revocation answers."""
    pki: PkiSettings | None = None
    """CA, escrow and certificate profile; ``None`` means defaults inside the home."""
    devices: DeskDevices = field(default_factory=DeskDevices)
    """Reader and printer."""
    pin: PinSettings = field(default_factory=PinSettings)
    """The rules of the holder's PIN, to match the token model in service."""

    @property
    def pki_settings(self) -> PkiSettings:
        return self.pki or PkiSettings(
            ca_folder=self.home / "ca",
            escrow_public_key=self.home / "escrow" / "so-pin-escrow.pub.pem",
        )

    @property
    def receipts_dir(self) -> Path:
        return self.home / "receipts"

    @property
    def secrets_dir(self) -> Path:
        return self.home / "secrets"

    @property
    def site_secret_file(self) -> Path:
        return self.secrets_dir / "site.key"

    def site_secret(self) -> bytes:
        """Key of the keyed hashes (withdrawal numbers, document numbers) of this site."""
        path = self.site_secret_file
        try:
            raw = path.read_text(encoding="ascii").strip()
            key = bytes.fromhex(raw)
        except FileNotFoundError:
            raise ConfigError(
                "secrets/site.key", f"fichier absent ({path}) : lancez « kiosk demo init »"
            ) from None
        except (ValueError, UnicodeDecodeError):
            raise ConfigError(
                "secrets/site.key", "contenu illisible (hexadécimal attendu)"
            ) from None
        if len(key) < 32:
            raise ConfigError("secrets/site.key", "clé trop courte (32 octets au moins)")
        return key


def load_pin(get: Callable[[str, Any], Any]) -> PinSettings:
    """The PIN rules; a bound no token accepts, or a minimum above the maximum, is refused
    here, at start-up, rather than when a holder has chosen a PIN."""
    min_length = bounded_int(
        "KIOSK_PIN_MIN_LENGTH", get("pin_min_length", 6), ABSOLUTE_MIN, ABSOLUTE_MAX
    )
    max_length = _int("KIOSK_PIN_MAX_LENGTH", get("pin_max_length", 16))
    if max_length > ABSOLUTE_MAX:
        raise ConfigError(
            "KIOSK_PIN_MAX_LENGTH",
            f"au plus {ABSOLUTE_MAX} caractères, la plus grande longueur de code PIN que le "
            "kiosque confie à un support PKCS#11",
        )
    if max_length < min_length:
        raise ConfigError(
            "KIOSK_PIN_MAX_LENGTH",
            f"le maximum ({max_length}) est inférieur au minimum KIOSK_PIN_MIN_LENGTH"
            f" ({min_length})",
        )
    characters = get("pin_characters", "ascii")
    if characters not in PIN_CHARACTERS:
        raise ConfigError("KIOSK_PIN_CHARACTERS", "« digits », « alnum » ou « ascii » attendu")
    return PinSettings(min_length, max_length, characters)


def _int(name: str, value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ConfigError(name, f"nombre entier attendu, reçu « {value} »") from None


def load_settings(env: Mapping[str, str] | None = None, home: Path | None = None) -> Settings:
    """Read the settings; the environment wins over ``kiosk.toml``."""
    env = os.environ if env is None else env
    home = home or Path(env.get("KIOSK_HOME", "var/demo"))
    home = home.expanduser().resolve()
    file_values: dict[str, Any] = {}
    toml_path = home / "kiosk.toml"
    if toml_path.exists():
        try:
            file_values = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(str(toml_path), f"fichier TOML illisible ({exc})") from None

    def get(key: str, default: Any, cast: Callable[[Any], Any] = str) -> Any:
        env_key = "KIOSK_" + key.upper()
        if env_key in env:
            return cast(env[env_key])
        return cast(file_values[key]) if key in file_values else default

    database_url = get("database_url", f"sqlite:///{home / 'kiosk.db'}")
    if not any(database_url.startswith(p) for p in ("sqlite://", "postgresql")):
        raise ConfigError("KIOSK_DATABASE_URL", "seuls SQLite et PostgreSQL sont pris en charge")
    site = get("site", "")
    if not site:
        raise ConfigError("KIOSK_SITE", "le bureau de retrait servi par ce kiosque est requis")
    module = get("pkcs11_module", DEFAULT_PKCS11_MODULE)
    softhsm_conf = get("softhsm_conf", None)
    argon = Argon2Params(
        time_cost=bounded_int("KIOSK_ARGON2_TIME_COST", get("argon2_time_cost", 2), 1, 20),
        memory_kib=bounded_int(
            "KIOSK_ARGON2_MEMORY_KIB", get("argon2_memory_kib", 19456), 8, 4_194_304
        ),
        parallelism=bounded_int("KIOSK_ARGON2_PARALLELISM", get("argon2_parallelism", 1), 1, 16),
    )
    reader = get("reader", "simulated")
    if reader not in ("simulated", "pcsc"):
        raise ConfigError("KIOSK_READER", "« pcsc » ou « simulated » attendu")
    readers = file_values.get("readers", [])
    if not isinstance(readers, list):
        raise ConfigError("readers", "liste de tables [[readers]] attendue")
    pki = load_pki(get, home)
    theme = get("theme", "default")
    if theme not in THEMES:
        raise ConfigError("KIOSK_THEME", "« default » ou « contrast » attendu")
    devices = DeskDevices(
        reader=reader,
        reader_pairings=pairings_from_config(readers),
        printer=get("printer", ""),
    )
    return Settings(
        home=home,
        database_url=database_url,
        site=site.upper(),
        kiosk_id=get("kiosk_id", os.uname().nodename),
        pkcs11_module=module,
        softhsm_conf=Path(softhsm_conf) if softhsm_conf else None,
        idle_lock_seconds=bounded_int(
            "KIOSK_IDLE_LOCK_SECONDS", get("idle_lock_seconds", 180), 10, 86400
        ),
        theme=theme,
        login_max_failures=bounded_int(
            "KIOSK_LOGIN_MAX_FAILURES", get("login_max_failures", 5), 1, 100
        ),
        login_lock_minutes=bounded_int(
            "KIOSK_LOGIN_LOCK_MINUTES", get("login_lock_minutes", 15), 1, 1440
        ),
        argon2=argon,
        pki=pki,
        devices=devices,
        pin=load_pin(get),
    )


__all__ = ["PinSettings", "PkiSettings", "Settings", "load_settings"]
