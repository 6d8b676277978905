"""Reading an import file and its fields, collecting every problem in French.

Nothing here stops at the first mistake: each reader notes the problem with the record and
the field it concerns and goes on, so that one run of the import lists them all. A problem
never quotes a secret (a withdrawal number, an answer): only what kind of mistake it is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from kiosk.domain.errors import ImportFileError

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NAME_PUNCTUATION = set(" -'’.")


def load_json_list(path: Path, what: str) -> list[Any]:
    """The records of a JSON file that must hold a list; ImportFileError otherwise."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ImportFileError([f"fichier introuvable : {path}"]) from None
    except OSError as exc:
        raise ImportFileError([f"fichier illisible : {path} ({exc.strerror})"]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            [f"le fichier n'est pas encodé en UTF-8 (octet invalide à la position {exc.start})"]
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            [f"le fichier n'est pas un JSON valide (ligne {exc.lineno}, colonne {exc.colno})"]
        ) from None
    if not isinstance(data, list):
        kind = "un objet" if isinstance(data, dict) else "une valeur isolée"
        raise ImportFileError(
            [f"le fichier doit contenir une liste de {what} (tableau JSON) et non {kind}"]
        )
    if not data:
        raise ImportFileError([f"le fichier ne contient aucun {what[:-1]}"])
    return data


class FieldReader:
    """Reads the fields of one record; every problem goes to ``problems``."""

    def __init__(self, problems: list[str], where: str) -> None:
        self.problems = problems
        self.where = where

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{self.where}, champ « {path} » : {message}")

    def obj(self, data: Any, path: str, allowed: set[str], required: bool = True) -> Any:
        """The mapping at ``path`` (None if absent and optional, or if it is not one)."""
        if data is None:
            if required:
                self.problem(path, "requis")
            return None
        if not isinstance(data, Mapping):
            self.problem(path, "un objet JSON est attendu")
            return None
        for key in sorted(set(data) - allowed):
            self.problem(f"{path}.{key}" if path else key, "champ inconnu")
        return data

    def text(
        self, data: Mapping[str, Any], key: str, path: str, *, max_len: int, required: bool = True
    ) -> str | None:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(path, "requis")
            return None
        if not isinstance(value, str):
            self.problem(path, "un texte entre guillemets est attendu")
            return None
        value = " ".join(value.split())
        if len(value) > max_len:
            self.problem(path, f"trop long ({max_len} caractères au plus)")
            return None
        return value

    def name(
        self, data: Mapping[str, Any], key: str, path: str, required: bool = True
    ) -> str | None:
        value = self.text(data, key, path, max_len=100, required=required)
        if value is None:
            return None
        if not any(ch.isalpha() for ch in value) or any(
            not (ch.isalpha() or ch in _NAME_PUNCTUATION) for ch in value
        ):
            self.problem(
                path, "un nom ne contient que des lettres, espaces, traits d'union et apostrophes"
            )
            return None
        return value

    def email(self, data: Mapping[str, Any], key: str, path: str) -> str | None:
        value = self.text(data, key, path, max_len=254, required=False)
        if value is not None and not _EMAIL.match(value):
            self.problem(path, "adresse électronique invalide")
            return None
        return value

    def birth_date(self, data: Mapping[str, Any], key: str, path: str, today: date) -> date | None:
        value = self.text(data, key, path, max_len=10, required=False)
        if value is None:
            return None
        try:
            day = date.fromisoformat(value)
        except ValueError:
            self.problem(path, "date invalide (format attendu AAAA-MM-JJ)")
            return None
        if not date(1900, 1, 1) <= day < today:
            self.problem(path, "date de naissance invraisemblable")
            return None
        return day

    def moment(
        self, data: Mapping[str, Any], key: str, path: str, required: bool
    ) -> datetime | None:
        value = self.text(data, key, path, max_len=40, required=required)
        if value is None:
            return None
        try:
            at = datetime.fromisoformat(value)
        except ValueError:
            self.problem(path, "date et heure invalides (format ISO 8601 attendu)")
            return None
        if at.tzinfo is None:
            self.problem(path, "le fuseau horaire manque (par exemple +01:00)")
            return None
        return at

    def boolean(self, data: Mapping[str, Any], key: str, path: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            self.problem(path, "true ou false attendu")
            return False
        return value

    def integer(
        self, data: Mapping[str, Any], key: str, path: str, low: int, high: int
    ) -> int | None:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(path, "un nombre entier est attendu")
            return None
        if not low <= value <= high:
            self.problem(path, f"doit être compris entre {low} et {high}")
            return None
        return value
