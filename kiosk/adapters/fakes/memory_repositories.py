"""The in-memory repositories, one per port, over a ``MemoryState`` (everything a database
would hold). ``kiosk.adapters.fakes.memory`` binds them into a unit of work.

NOT for production; they behave like the real adapters: the audit log seals events into the
same hash chain as the database does.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from kiosk.adapters.crypto.system_salts import SystemSalts
from kiosk.domain.appointment_lease import Lease, LeaseEnd, Purpose
from kiosk.domain.audit import GENESIS_HASH, AuditDraft, AuditEvent, seal
from kiosk.domain.audit_ports import commit_personal_draft
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.errors import NotFoundError, StorageError
from kiosk.domain.model import Agent, Dossier, Office, RevocationQuestion
from kiosk.domain.offices import OFFICES_TZ
from kiosk.domain.ports import Clock


@dataclass
class MemoryState:
    """Everything a database would hold. Values are frozen dataclasses, so copying the
    containers is enough to snapshot it."""

    offices: dict[str, Office] = field(default_factory=dict)
    dossiers: dict[str, Dossier] = field(default_factory=dict)
    code_hashes: dict[str, str] = field(default_factory=dict)  # keyed hash -> reference
    agents: dict[str, Agent] = field(default_factory=dict)
    audit: list[AuditEvent] = field(default_factory=list)
    leases: dict[int, Lease] = field(default_factory=dict)  # open appointments by id
    lease_ids: int = 0
    delivered_certificates: dict[str, str] = field(default_factory=dict)  # serial -> reference

    def copy(self) -> MemoryState:
        return MemoryState(
            dict(self.offices),
            dict(self.dossiers),
            dict(self.code_hashes),
            dict(self.agents),
            list(self.audit),
            dict(self.leases),
            self.lease_ids,
            dict(self.delivered_certificates),
        )


class MemoryOfficeRepository:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def get(self, code: str) -> Office | None:
        return self._state.offices.get(code)

    def upsert(self, office: Office) -> None:
        self._state.offices[office.code] = office

    def list(self) -> Sequence[Office]:
        return sorted(self._state.offices.values(), key=lambda o: o.code)


class MemoryDossierRepository:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def get(self, reference: str) -> Dossier | None:
        return self._state.dossiers.get(reference)

    def find_by_code_hash(self, code_hash: str) -> Dossier | None:
        reference = self._state.code_hashes.get(code_hash)
        return None if reference is None else self._state.dossiers.get(reference)

    def add(self, dossier: Dossier, code_hashes: Sequence[str]) -> None:
        if dossier.reference in self._state.dossiers:
            raise StorageError(f"Le dossier {dossier.reference} existe déjà.")
        if any(h in self._state.code_hashes for h in code_hashes):
            raise StorageError(f"Un code de retrait du dossier {dossier.reference} est déjà pris.")
        self._state.dossiers[dossier.reference] = dossier
        for code_hash in code_hashes:
            self._state.code_hashes[code_hash] = dossier.reference

    def set_state(self, reference: str, state: DossierState, reason: str | None) -> None:
        dossier = self._state.dossiers.get(reference)
        if dossier is None:
            raise NotFoundError(f"Dossier {reference} introuvable.")
        self._state.dossiers[reference] = replace(dossier, state=state, refusal_reason=reason)

    def convocations(self, office_code: str, day: date) -> Sequence[Dossier]:
        found = [
            d
            for d in self._state.dossiers.values()
            if d.office_code == office_code
            and d.convocation_at is not None
            and d.convocation_at.astimezone(OFFICES_TZ).date() == day  # the office's local day
        ]
        return sorted(found, key=lambda d: (d.convocation_at, d.reference))

    def count(self) -> int:
        return len(self._state.dossiers)

    def set_answer_attempts(self, reference: str, failed_attempts: int, locked: bool) -> None:
        dossier = self._existing(reference)
        self._state.dossiers[reference] = replace(
            dossier, failed_answer_attempts=failed_attempts, answers_locked=locked
        )

    def replace_questions(self, reference: str, questions: Sequence[RevocationQuestion]) -> None:
        dossier = self._existing(reference)
        self._state.dossiers[reference] = replace(dossier, questions=tuple(questions))

    def _existing(self, reference: str) -> Dossier:
        dossier = self._state.dossiers.get(reference)
        if dossier is None:
            raise NotFoundError(f"Dossier {reference} introuvable.")
        return dossier


class MemoryAgentRepository:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def get(self, login: str) -> Agent | None:
        return self._state.agents.get(login)

    def add(self, agent: Agent) -> None:
        if agent.login in self._state.agents:
            raise StorageError(f"L'identifiant {agent.login} existe déjà.")
        self._state.agents[agent.login] = agent

    def save(self, agent: Agent) -> None:
        if agent.login not in self._state.agents:
            raise NotFoundError(f"Agent {agent.login} introuvable.")
        self._state.agents[agent.login] = agent


class MemoryAuditLog:
    def __init__(self, state: MemoryState, clock: Clock, site: str, kiosk: str) -> None:
        self._state = state
        self._clock = clock
        self._site = site
        self._kiosk = kiosk

    def append(self, draft: AuditDraft) -> AuditEvent:
        # Personal fields are committed (salted) like the SQL log does; the fake keeps
        # no copy of them, as if already erased by retention.
        draft, _ = commit_personal_draft(draft, SystemSalts())
        chain = self._state.audit
        prev_hash = chain[-1].hash if chain else GENESIS_HASH
        event = seal(draft, len(chain) + 1, self._clock.now(), self._site, self._kiosk, prev_hash)
        chain.append(event)
        return event

    def events(self, start_seq: int = 1) -> Iterator[AuditEvent]:
        return iter(list(self._state.audit[max(0, start_seq - 1) :]))

    def count(self) -> int:
        return len(self._state.audit)


class MemoryAppointmentLeases:
    def __init__(self, state: MemoryState, kiosk_id: str, site: str) -> None:
        self._state = state
        self._kiosk = kiosk_id
        self._site = site

    @property
    def kiosk_id(self) -> str:
        return self._kiosk

    def open_for(self, dossier_ref: str) -> Lease | None:
        return next((x for x in self._state.leases.values() if x.dossier_ref == dossier_ref), None)

    def claim(
        self,
        dossier_ref: str,
        agent: str,
        agent_name: str,
        at: datetime,
        purpose: Purpose = Purpose.DELIVERY,
    ) -> Lease | None:
        if self.open_for(dossier_ref) is not None:
            return None
        self._state.lease_ids += 1
        lease = Lease(
            self._state.lease_ids, dossier_ref, self._kiosk, self._site, agent, agent_name,
            at, at, purpose,
        )  # fmt: skip
        self._state.leases[lease.id] = lease
        return lease

    def close(self, lease_id: int, end: LeaseEnd, at: datetime) -> bool:
        return self._state.leases.pop(lease_id, None) is not None

    def heartbeat(self, lease_id: int, at: datetime) -> bool:
        lease = self._state.leases.get(lease_id)
        if lease is None:
            return False
        self._state.leases[lease_id] = replace(lease, heartbeat_at=at)
        return True

    def open_leases(self, kiosk: str | None = None) -> Sequence[Lease]:
        leases = (x for x in self._state.leases.values() if kiosk in (None, x.kiosk))
        return sorted(leases, key=lambda x: (x.started_at, x.id))


class MemoryDeliveredCertificates:
    """Certificates delivered, by normalised serial (a test puts them in ``state``)."""

    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def dossier_of(self, serial_hex: str) -> str | None:
        return self._state.delivered_certificates.get(serial_hex)
