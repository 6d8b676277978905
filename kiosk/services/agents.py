"""Adding the agents who may log in at the kiosks (an administrator's task, from the CLI)."""

from __future__ import annotations

import re

from kiosk.domain.audit import AuditDraft, Outcome
from kiosk.domain.errors import NotFoundError, ValidationError
from kiosk.domain.model import Agent, Role
from kiosk.domain.ports import SecretHasher, UnitOfWorkFactory

LOGIN = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")
MIN_PASSWORD = 12
MAX_PASSWORD = 256


def normalise_login(login: str) -> str:
    value = login.strip().lower()
    if not LOGIN.match(value):
        raise ValidationError(
            "Identifiant invalide : de 2 à 32 caractères, une lettre d'abord, puis lettres, "
            "chiffres, points, tirets ou soulignés."
        )
    return value


def check_password(password: str, login: str) -> None:
    """The password policy: long enough, and not the login."""
    if len(password) < MIN_PASSWORD:
        raise ValidationError(
            f"Mot de passe trop court : {MIN_PASSWORD} caractères au moins "
            f"({len(password)} saisis)."
        )
    if len(password) > MAX_PASSWORD:
        raise ValidationError(f"Mot de passe trop long : {MAX_PASSWORD} caractères au plus.")
    if login in password.lower():
        raise ValidationError("Le mot de passe ne doit pas contenir l'identifiant.")


def parse_role(role: str) -> Role:
    try:
        return Role(role.strip().lower())
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise ValidationError(f"Rôle inconnu « {role} » (attendu : {names}).") from None


class AgentAdmin:
    def __init__(self, uow_factory: UnitOfWorkFactory, hasher: SecretHasher) -> None:
        self._uow = uow_factory
        self._hasher = hasher

    def add(
        self, login: str, display_name: str, role: Role, office_code: str, password: str
    ) -> Agent:
        login = normalise_login(login)
        name = " ".join(display_name.split())
        if not name or len(name) > 120:
            raise ValidationError("Le nom affiché est requis (120 caractères au plus).")
        check_password(password, login)
        office_code = office_code.strip().upper()
        with self._uow() as uow:
            if uow.offices.get(office_code) is None:
                raise NotFoundError(f"Bureau de retrait inconnu : « {office_code} ».")
            if uow.agents.get(login) is not None:
                raise ValidationError(f"L'identifiant « {login} » existe déjà.")
        # Hash outside the transaction: Argon2 takes a while and SQLite's lock is shared.
        agent = Agent(login, name, role, office_code, self._hasher.hash(password))
        with self._uow() as uow:
            if uow.agents.get(login) is not None:
                raise ValidationError(f"L'identifiant « {login} » existe déjà.")
            uow.agents.add(agent)
            uow.audit.append(
                AuditDraft(
                    "agent.add",
                    Outcome.SUCCESS,
                    agent=login,
                    details={"role": role.value, "office": office_code},
                )
            )
            uow.commit()
        return agent
