"""The secrets of one dossier record: its withdrawal codes and its revocation questions.

Secrets are turned into their stored form as soon as they are read: a withdrawal number
into its keyed hash at once; an answer into its normal form, kept only until the importer
hashes it, and out of every repr. A problem message never quotes a secret. The rest of the
record is checked in ``kiosk.services.dossier_records``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kiosk.domain import withdrawal
from kiosk.domain.answers import normalise_answer
from kiosk.domain.errors import ValidationError
from kiosk.services.import_fields import FieldReader

QUESTIONS_PER_DOSSIER = 3
PHC_PREFIX = "$argon2id$"


@dataclass(frozen=True)
class PendingQuestion:
    question: str
    personal: bool
    normalised_answer: str | None = field(default=None, repr=False)
    answer_hash: str | None = None


def read_code_hashes(r: FieldReader, data: Mapping[str, Any], secret: bytes) -> tuple[str, ...]:
    """The keyed hashes of the record's withdrawal code and legacy number (at least one)."""
    hashes: list[str] = []
    code, legacy = data.get("withdrawal_code"), data.get("legacy_withdrawal_number")
    if code is None and legacy is None:
        r.problem("withdrawal_code", "un code de retrait ou un ancien numéro de retrait est requis")
    if code is not None:
        if not isinstance(code, str):
            r.problem("withdrawal_code", "un texte entre guillemets est attendu")
        else:
            try:
                if withdrawal.parse(code).isdigit():
                    raise ValidationError("numérique : à donner dans legacy_withdrawal_number")
                hashes.append(withdrawal.keyed_hash(secret, code))
            except ValidationError as exc:
                r.problem("withdrawal_code", "code invalide : " + _no_quote(exc.message))
    if legacy is not None:
        ok = isinstance(legacy, str) and legacy.strip().isdigit()
        digits = legacy.strip() if isinstance(legacy, str) else ""
        if not ok or not withdrawal.LEGACY_MIN <= len(digits) <= withdrawal.LEGACY_MAX:
            r.problem(
                "legacy_withdrawal_number",
                f"de {withdrawal.LEGACY_MIN} à {withdrawal.LEGACY_MAX} chiffres entre guillemets",
            )
        else:
            hashes.append(withdrawal.keyed_hash(secret, digits))
    return tuple(hashes)


def _no_quote(message: str) -> str:
    """A parse message without the offending symbol it may quote (part of a secret)."""
    return re.sub(r"\s*:\s*«[^»]*»", "", message).rstrip(".").lower()


def read_questions(r: FieldReader, raw: Any) -> tuple[PendingQuestion, ...]:
    """Three questions, one of them personal, or none (then chosen at the desk)."""
    if raw is None or raw == []:
        return ()  # chosen with the holder at the desk
    if not isinstance(raw, list):
        r.problem("questions", "une liste est attendue")
        return ()
    if len(raw) != QUESTIONS_PER_DOSSIER:
        r.problem(
            "questions",
            f"{QUESTIONS_PER_DOSSIER} questions attendues ou aucune ({len(raw)} données)",
        )
        return ()
    questions = [_question(r, item, f"questions[{i}]") for i, item in enumerate(raw)]
    found = [q for q in questions if q is not None]
    if len(found) == len(raw) and sum(q.personal for q in found) != 1:
        r.problem("questions", "exactement une question doit être personnelle (personal: true)")
    return tuple(found)


def _question(r: FieldReader, raw: Any, path: str) -> PendingQuestion | None:
    data = r.obj(raw, path, {"question", "answer", "answer_hash", "personal"})
    if data is None:
        return None
    question = r.text(data, "question", f"{path}.question", max_len=300)
    personal = r.boolean(data, "personal", f"{path}.personal")
    answer, stored = data.get("answer"), data.get("answer_hash")
    if (answer is None) == (stored is None):
        r.problem(path, "donnez soit answer (en clair), soit answer_hash (Argon2id), pas les deux")
        return None
    if answer is not None:
        if not isinstance(answer, str):
            r.problem(f"{path}.answer", "un texte entre guillemets est attendu")
            return None
        try:
            normal = normalise_answer(answer)
        except ValidationError as exc:
            r.problem(f"{path}.answer", exc.message)
            return None
        return PendingQuestion(question, personal, normalised_answer=normal) if question else None
    if not isinstance(stored, str) or not stored.startswith(PHC_PREFIX):
        r.problem(
            f"{path}.answer_hash", f"empreinte Argon2id attendue (commençant par {PHC_PREFIX})"
        )
        return None
    return PendingQuestion(question, personal, answer_hash=stored) if question else None
