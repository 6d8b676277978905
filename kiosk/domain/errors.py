"""The one root exception of the kiosk, and its families.

Every error a person may see is a ``KioskError`` whose ``message`` is the French sentence
shown on screen or printed by the CLI. Messages never carry a secret (PIN, answer,
withdrawal code, document number): callers build them from non-secret facts only.
"""

from __future__ import annotations


class KioskError(Exception):
    """An error with the French message a person sees."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(KioskError):
    """Invalid configuration: names the setting."""

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"Configuration invalide : {setting} — {problem}")
        self.setting = setting


class ValidationError(KioskError):
    """Input that does not follow the rules (a code, a SIRET, a MRZ...)."""


class NotFoundError(KioskError):
    """Something looked up does not exist (or must not be told to exist)."""


class AuthError(KioskError):
    """Login refused, locked or insufficient role."""


class StateError(KioskError):
    """A transition the dossier's state machine does not allow."""


class IntegrityError(KioskError):
    """The audit log or a stored record does not verify."""


class DeviceError(KioskError):
    """A token, reader, printer or CA that failed or went away."""


class StorageError(KioskError):
    """The database or the disk refused to store something: the step does not happen."""


class ImportFileError(KioskError):
    """A dossier import file refused, with every problem listed by record and field."""

    def __init__(self, problems: list[str]) -> None:
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"Fichier refusé, rien n'a été importé ({len(problems)} erreur(s)) :\n{lines}"
        )
        self.problems = problems
