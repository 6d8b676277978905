"""Audit events and their SHA-256 hash chain.

Each event commits to the previous event's hash, so that a modified, deleted or reordered
event breaks the chain at a point ``verify_chain`` names. Details never hold a secret:
callers put there only non-secret facts, and keyed MACs of identifiers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

GENESIS_HASH = "0" * 64

DetailValue = str | int | bool | None
Details = Mapping[str, DetailValue]


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    REFUSED = "refused"
    ABORTED = "aborted"


@dataclass(frozen=True)
class AuditDraft:
    """What a service wants recorded; the log gives it a sequence, a time and hashes."""

    event_type: str
    outcome: Outcome
    agent: str | None = None
    dossier_ref: str | None = None
    details: Details | None = None
    personal: Mapping[str, str] | None = field(default=None, repr=False)
    """Personal facts about the holder (names, document dates...): never hashed into the
    chain as such. The log stores them apart and commits only to a salted commitment
    (``kiosk.domain.personal_data``), so the retention job can erase them while the chain
    still verifies. ``seal`` ignores them: the log's adapter adds the commitment first
    (``audit_ports.commit_personal_draft``). Never a secret (document numbers, PINs)."""


@dataclass(frozen=True)
class AuditEvent:
    seq: int
    at: datetime  # UTC
    site: str
    kiosk: str
    agent: str | None
    dossier_ref: str | None
    event_type: str
    outcome: Outcome
    details: Details
    prev_hash: str
    hash: str


def _iso(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_bytes(
    seq: int,
    at: datetime,
    site: str,
    kiosk: str,
    agent: str | None,
    dossier_ref: str | None,
    event_type: str,
    outcome: Outcome | str,
    details: Details,
    prev_hash: str,
) -> bytes:
    """The exact bytes an event's hash commits to (sorted-key compact JSON, UTF-8)."""
    body = {
        "seq": seq,
        "at": _iso(at),
        "site": site,
        "kiosk": kiosk,
        "agent": agent,
        "dossier": dossier_ref,
        "type": event_type,
        "outcome": str(outcome),
        "details": dict(details),
        "prev": prev_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(
    seq: int,
    at: datetime,
    site: str,
    kiosk: str,
    agent: str | None,
    dossier_ref: str | None,
    event_type: str,
    outcome: Outcome | str,
    details: Details,
    prev_hash: str,
) -> str:
    data = canonical_bytes(
        seq, at, site, kiosk, agent, dossier_ref, event_type, outcome, details, prev_hash
    )
    return hashlib.sha256(data).hexdigest()


def seal(
    draft: AuditDraft, seq: int, at: datetime, site: str, kiosk: str, prev_hash: str
) -> AuditEvent:
    """Turn a draft into the next event of the chain."""
    details = dict(draft.details or {})
    digest = event_hash(
        seq,
        at,
        site,
        kiosk,
        draft.agent,
        draft.dossier_ref,
        draft.event_type,
        draft.outcome,
        details,
        prev_hash,
    )
    return AuditEvent(
        seq=seq,
        at=at,
        site=site,
        kiosk=kiosk,
        agent=draft.agent,
        dossier_ref=draft.dossier_ref,
        event_type=draft.event_type,
        outcome=draft.outcome,
        details=details,
        prev_hash=prev_hash,
        hash=digest,
    )


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None

    @property
    def message(self) -> str:
        if self.ok:
            return f"Journal intègre : {self.checked} événement(s) vérifié(s)."
        return f"Journal altéré à l'événement n° {self.first_bad_seq} : {self.problem}"


def verify_chain(events: Iterable[AuditEvent]) -> ChainReport:
    """Walk the events in stored order; name the first one that does not verify."""
    return verify_chain_from(events)


def verify_chain_from(
    events: Iterable[AuditEvent], start_seq: int = 1, prev_hash: str = GENESIS_HASH
) -> ChainReport:
    """``verify_chain`` for the part of the log that starts at ``start_seq``, after an
    event whose hash was ``prev_hash`` (already verified, e.g. under a signed checkpoint)."""
    expected_seq = start_seq
    checked = 0
    for ev in events:
        if ev.seq != expected_seq:
            problem = (
                f"numéro de séquence {ev.seq} au lieu de {expected_seq} "
                "(événement supprimé ou déplacé)"
            )
            return ChainReport(False, checked, ev.seq, problem)
        if ev.prev_hash != prev_hash:
            return ChainReport(
                False, checked, ev.seq, "ne suit pas l'événement précédent (chaînage rompu)"
            )
        recomputed = event_hash(
            ev.seq,
            ev.at,
            ev.site,
            ev.kiosk,
            ev.agent,
            ev.dossier_ref,
            ev.event_type,
            ev.outcome,
            ev.details,
            ev.prev_hash,
        )
        if recomputed != ev.hash:
            return ChainReport(False, checked, ev.seq, "contenu modifié (empreinte invalide)")
        prev_hash = ev.hash
        expected_seq += 1
        checked += 1
    return ChainReport(True, checked)
