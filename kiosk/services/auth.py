"""Agent login and logout, with lockout after repeated failures, and the idle lock
(all audited)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import timedelta

from kiosk.domain.audit import AuditDraft, Outcome
from kiosk.domain.errors import AuthError
from kiosk.domain.model import Role
from kiosk.domain.ports import Clock, SecretHasher, UnitOfWorkFactory

WRONG_CREDENTIALS = "Identifiant ou mot de passe incorrect."


@dataclass(frozen=True)
class AgentSession:
    """Who is logged in at this kiosk."""

    login: str
    display_name: str
    role: Role
    office_code: str


class AuthService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        hasher: SecretHasher,
        clock: Clock,
        max_failures: int = 5,
        lock_minutes: int = 15,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._max_failures = max_failures
        self._lock = timedelta(minutes=lock_minutes)

    def login(self, login: str, password: str) -> AgentSession:
        login = login.strip().lower()
        now = self._clock.now()
        with self._uow() as uow:
            agent = uow.agents.get(login)
            if agent is None or not agent.active:
                # Same cost and message as a wrong password: do not tell which logins exist.
                self._hasher.verify(_DUMMY_HASH.value(self._hasher), password)
                uow.audit.append(
                    AuditDraft("agent.login", Outcome.FAILURE, details={"reason": "unknown_login"})
                )
                uow.commit()
                raise AuthError(WRONG_CREDENTIALS)
            if agent.locked_until is not None and agent.locked_until > now:
                uow.audit.append(
                    AuditDraft(
                        "agent.login", Outcome.REFUSED, agent.login, details={"reason": "locked"}
                    )
                )
                uow.commit()
                minutes = max(1, math.ceil((agent.locked_until - now).total_seconds() / 60))
                raise AuthError(
                    f"Identifiant verrouillé après trop d'échecs : réessayez dans {minutes} min."
                )
            if not self._hasher.verify(agent.password_hash, password):
                failures = agent.failed_logins + 1
                locked = failures >= self._max_failures
                agent = replace(
                    agent,
                    failed_logins=0 if locked else failures,
                    locked_until=now + self._lock if locked else None,
                )
                uow.agents.save(agent)
                uow.audit.append(
                    AuditDraft(
                        "agent.login",
                        Outcome.FAILURE,
                        agent.login,
                        details={"reason": "wrong_password", "failures": failures},
                    )
                )
                if locked:
                    uow.audit.append(
                        AuditDraft(
                            "agent.locked",
                            Outcome.SUCCESS,
                            agent.login,
                            details={"minutes": int(self._lock.total_seconds() // 60)},
                        )
                    )
                uow.commit()
                if locked:
                    raise AuthError(
                        "Trop d'échecs : identifiant verrouillé pendant "
                        f"{int(self._lock.total_seconds() // 60)} minutes."
                    )
                raise AuthError(WRONG_CREDENTIALS)
            if self._hasher.needs_rehash(agent.password_hash):
                agent = replace(agent, password_hash=self._hasher.hash(password))
            agent = replace(agent, failed_logins=0, locked_until=None)
            uow.agents.save(agent)
            uow.audit.append(
                AuditDraft(
                    "agent.login", Outcome.SUCCESS, agent.login, details={"role": agent.role.value}
                )
            )
            uow.commit()
            return AgentSession(agent.login, agent.display_name, agent.role, agent.office_code)

    def logout(self, session: AgentSession, reason: str = "manual") -> None:
        with self._uow() as uow:
            uow.audit.append(
                AuditDraft(
                    "agent.logout", Outcome.SUCCESS, session.login, details={"reason": reason}
                )
            )
            uow.commit()

    def lock(self, session: AgentSession, idle_seconds: int) -> None:
        """The screen locked itself after ``idle_seconds`` without a key; the session is
        kept (its appointment too) until someone logs in again."""
        with self._uow() as uow:
            uow.audit.append(
                AuditDraft(
                    "agent.idle_lock",
                    Outcome.SUCCESS,
                    session.login,
                    details={"idle_seconds": idle_seconds},
                )
            )
            uow.commit()

    def unlock(self, locked: AgentSession, login: str, password: str) -> AgentSession:
        """Log in on a locked screen (same checks and lockout as ``login``). The same agent
        takes their session back; another agent replaces it: the locked session is
        logged out, and its appointment is left for resumption."""
        session = self.login(login, password)
        same_agent = session.login == locked.login
        with self._uow() as uow:
            if not same_agent:
                uow.audit.append(
                    AuditDraft(
                        "agent.logout",
                        Outcome.SUCCESS,
                        locked.login,
                        details={"reason": "idle_lock_replaced"},
                    )
                )
            uow.audit.append(
                AuditDraft(
                    "agent.unlock",
                    Outcome.SUCCESS,
                    session.login,
                    details={"same_agent": same_agent, "locked_agent": locked.login},
                )
            )
            uow.commit()
        return session


class _DummyHash:
    """A hash of a random password, made once with the live parameters, so that an unknown
    login costs one real verification like a known one."""

    def __init__(self) -> None:
        self._value: str | None = None

    def value(self, hasher: SecretHasher) -> str:
        if self._value is None:
            self._value = hasher.hash("not-a-password-of-anyone")
        return self._value


_DUMMY_HASH = _DummyHash()
