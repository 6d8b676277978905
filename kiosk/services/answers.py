"""The holder's revocation answers, checked (or chosen) at the desk.

The kiosk tells only whether all the answers are right, never which one was wrong, and
always verifies every answer so that the time taken does not depend on which one is
wrong. Three wrong sets end the appointment; ten over the life of a dossier lock it until
an administrator unlocks it. Answers are normalised (``kiosk.domain.answers``) then
compared with their Argon2id hashes; they are never stored, logged or audited in clear.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kiosk.domain.answers import AnswerEntry, fold, validate_question_set
from kiosk.domain.audit import AuditDraft, Outcome
from kiosk.domain.errors import AuthError, StateError, ValidationError
from kiosk.domain.model import RevocationQuestion, Role
from kiosk.domain.ports import SecretHasher, UnitOfWorkFactory
from kiosk.services.appointment import Appointment
from kiosk.services.auth import AgentSession

PER_APPOINTMENT = 3
PER_DOSSIER = 10


@dataclass(frozen=True)
class AnswerResult:
    ok: bool
    attempts_left: int  # in this appointment
    appointment_over: bool
    dossier_locked: bool

    @property
    def message(self) -> str:
        if self.ok:
            return "Réponses exactes."
        if self.dossier_locked:
            return (
                "Réponses incorrectes. Le dossier est verrouillé : "
                "un administrateur doit le déverrouiller."
            )
        if self.appointment_over:
            return "Réponses incorrectes. Nombre d'essais atteint : le rendez-vous est terminé."
        return f"Au moins une réponse est incorrecte. Essais restants : {self.attempts_left}."


class AnswersService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        hasher: SecretHasher,
        per_appointment: int = PER_APPOINTMENT,
        per_dossier: int = PER_DOSSIER,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._per_appointment = per_appointment
        self._per_dossier = per_dossier

    def questions(self, appointment: Appointment) -> tuple[str, ...]:
        """The questions to ask (empty when the holder must choose them at the desk)."""
        return tuple(q.question for q in appointment.dossier.questions)

    def check(self, appointment: Appointment, answers: Sequence[str]) -> AnswerResult:
        appointment.require_identity()
        with self._uow() as uow:
            dossier = uow.dossiers.get(appointment.reference)
            if dossier is None:
                raise StateError("Dossier introuvable.")
            if dossier.answers_locked:
                raise StateError(
                    "Ce dossier est verrouillé : un administrateur doit le déverrouiller."
                )
            stored = dossier.questions
            if not stored:
                raise StateError("Ce dossier n'a pas de questions : le titulaire doit les choisir.")
            if len(answers) != len(stored):
                raise ValidationError(f"Répondez aux {len(stored)} questions.")
            # Every answer is verified, right or wrong, so timing tells nothing.
            verdicts = [
                self._hasher.verify(q.answer_hash, fold(a))
                for q, a in zip(stored, answers, strict=True)
            ]
            ok = all(verdicts)
            if ok:
                rehashed = self._rehashed(stored, answers)
                if rehashed is not None:
                    uow.dossiers.replace_questions(dossier.reference, rehashed)
                uow.audit.append(
                    AuditDraft(
                        "answers.check",
                        Outcome.SUCCESS,
                        appointment.session.login,
                        dossier.reference,
                        {"appointment_failures": appointment.answer_failures},
                    )
                )
                uow.commit()
                appointment.answers_passed = True
                return AnswerResult(
                    True, self._per_appointment - appointment.answer_failures, False, False
                )
            lifetime = dossier.failed_answer_attempts + 1
            locked = lifetime >= self._per_dossier
            failures = appointment.answer_failures + 1
            uow.dossiers.set_answer_attempts(dossier.reference, lifetime, locked)
            uow.audit.append(
                AuditDraft(
                    "answers.check",
                    Outcome.FAILURE,
                    appointment.session.login,
                    dossier.reference,
                    {"appointment_failures": failures, "dossier_failures": lifetime},
                )
            )
            if locked:
                uow.audit.append(
                    AuditDraft(
                        "dossier.answers_locked",
                        Outcome.SUCCESS,
                        appointment.session.login,
                        dossier.reference,
                        {"dossier_failures": lifetime},
                    )
                )
            uow.commit()
        appointment.answer_failures = failures
        over = locked or failures >= self._per_appointment
        return AnswerResult(False, max(0, self._per_appointment - failures), over, locked)

    def define(
        self,
        appointment: Appointment,
        first: AnswerEntry,
        second: AnswerEntry,
        personal: AnswerEntry,
    ) -> None:
        """The holder chooses the questions at the desk (dossier without any)."""
        appointment.require_identity()
        prepared = validate_question_set(first, second, personal)
        questions = [
            RevocationQuestion(p.question, self._hasher.hash(p.normalised_answer), p.personal)
            for p in prepared
        ]
        with self._uow() as uow:
            dossier = uow.dossiers.get(appointment.reference)
            if dossier is None:
                raise StateError("Dossier introuvable.")
            if dossier.questions:
                raise StateError("Ce dossier a déjà ses questions de révocation.")
            uow.dossiers.replace_questions(dossier.reference, questions)
            uow.audit.append(
                AuditDraft(
                    "answers.defined",
                    Outcome.SUCCESS,
                    appointment.session.login,
                    dossier.reference,
                    {"questions": len(questions)},
                )
            )
            uow.commit()
        appointment.answers_passed = True
        appointment.answers_defined_at_desk = True

    def unlock(self, admin: AgentSession, reference: str) -> None:
        if admin.role is not Role.ADMIN:
            raise AuthError("Seul un administrateur peut déverrouiller un dossier.")
        with self._uow() as uow:
            dossier = uow.dossiers.get(reference)
            if dossier is None:
                raise StateError("Dossier introuvable.")
            uow.dossiers.set_answer_attempts(reference, 0, False)
            uow.audit.append(
                AuditDraft(
                    "dossier.answers_unlocked",
                    Outcome.SUCCESS,
                    admin.login,
                    reference,
                    {"previous_failures": dossier.failed_answer_attempts},
                )
            )
            uow.commit()

    def _rehashed(
        self, stored: Sequence[RevocationQuestion], answers: Sequence[str]
    ) -> list[RevocationQuestion] | None:
        if not any(self._hasher.needs_rehash(q.answer_hash) for q in stored):
            return None
        return [
            RevocationQuestion(q.question, self._hasher.hash(fold(a)), q.personal)
            for q, a in zip(stored, answers, strict=True)
        ]
