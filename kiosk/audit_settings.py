"""Settings of the tamper-evident audit log, read like ``kiosk.config``'s: the environment
(``KIOSK_AUDIT_…``) wins over ``$KIOSK_HOME/kiosk.toml`` (``audit_…`` keys), and every
setting has a default that works on the demo machine.

| key (kiosk.toml)                | default     | meaning                                   |
|---------------------------------|-------------|-------------------------------------------|
| audit_folder                    | $HOME/audit | audit key description, PIN, public key    |
| audit_token_label               | KIOSK-AUDIT | label of the audit key's token            |
| audit_checkpoint_every_events   | 1000        | a checkpoint is due after this many …     |
| audit_checkpoint_every_minutes  | 60          | … or this long after the last one         |
| audit_personal_retention_months | 12          | personal data kept this long after events |
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.config import Settings
from kiosk.config_pki import bounded_int
from kiosk.domain.checkpoint import log_origin
from kiosk.domain.checkpoint_schedule import CheckpointSchedule
from kiosk.domain.errors import ConfigError

DEFAULT_TOKEN_LABEL = "KIOSK-AUDIT"  # noqa: S105 - a token label
_ORIGIN = re.compile(r"[^\s+]+")  # signed-note key names: no space, no plus


@dataclass(frozen=True)
class AuditSettings:
    folder: Path
    """Audit key folder: ``audit.json``, ``audit-token.pin`` (0600), ``audit-key.pub.pem``."""
    origin: str
    """The log's name in its checkpoints, and the audit key's name: ``kiosk/SITE/KIOSK``."""
    token_label: str = DEFAULT_TOKEN_LABEL
    schedule: CheckpointSchedule = field(default_factory=CheckpointSchedule)
    personal_retention_months: int = 12

    @property
    def public_key_file(self) -> Path:
        return self.folder / "audit-key.pub.pem"


def load_audit_settings(settings: Settings, env: Mapping[str, str] | None = None) -> AuditSettings:
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    toml_path = settings.home / "kiosk.toml"
    if toml_path.exists():
        try:
            values = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(str(toml_path), f"fichier TOML illisible ({exc})") from None

    def get(key: str, default: Any) -> Any:
        env_key = "KIOSK_" + key.upper()
        return env[env_key] if env_key in env else values.get(key, default)

    label = str(get("audit_token_label", DEFAULT_TOKEN_LABEL))
    if not label.strip() or len(label.encode("utf-8")) > 32:
        raise ConfigError("KIOSK_AUDIT_TOKEN_LABEL", "de 1 à 32 caractères")
    schedule = CheckpointSchedule(
        every_events=bounded_int(
            "KIOSK_AUDIT_CHECKPOINT_EVERY_EVENTS",
            get("audit_checkpoint_every_events", 1000),
            1,
            10_000_000,
        ),
        every_minutes=bounded_int(
            "KIOSK_AUDIT_CHECKPOINT_EVERY_MINUTES",
            get("audit_checkpoint_every_minutes", 60),
            1,
            7 * 24 * 60,
        ),
    )
    origin = log_origin(settings.site, settings.kiosk_id)
    if not _ORIGIN.fullmatch(origin):
        raise ConfigError("KIOSK_KIOSK_ID", "le nom du kiosque ne doit contenir ni espace ni « + »")
    return AuditSettings(
        folder=Path(get("audit_folder", settings.home / "audit")).expanduser(),
        origin=origin,
        token_label=label,
        schedule=schedule,
        personal_retention_months=bounded_int(
            "KIOSK_AUDIT_PERSONAL_RETENTION_MONTHS",
            get("audit_personal_retention_months", 12),
            1,
            600,
        ),
    )
