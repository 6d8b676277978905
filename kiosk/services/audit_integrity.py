"""The auditor's whole check of the audit log (``kiosk audit verify``): in one pass over the
events, the hash chain, the Merkle tree recomputed and compared with the stored one node
by node, every stored checkpoint's signature and root, the personal data still kept
against the commitments the chain holds, and any checkpoint the auditor held apart (a log
that no longer extends it has been rewritten or truncated).

The report names the first event that does not verify; it is ``ok`` only when everything
does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field

from kiosk.domain.audit import AuditEvent, ChainReport
from kiosk.domain.audit_ports import AuditUnitOfWorkFactory, PersonalEntry, UnreadableEventError
from kiosk.domain.checkpoint import Checkpoint, CheckpointVerifier, open_checkpoint
from kiosk.domain.errors import ConfigError, IntegrityError, KioskError, ValidationError
from kiosk.domain.log_verification import Breach, LogReport, event_leaf_hash, verify_log
from kiosk.domain.personal_data import PERSONAL_DETAIL_KEY, verify_personal
from kiosk.domain.stored_tree import StoredTreeCheck, TreeFault
from kiosk.services.audit_checkpoints import open_stored
from kiosk.services.audit_walk import CHUNK_EVENTS, LogWalk


@dataclass(frozen=True)
class HeldCheckpoint:
    """A checkpoint the auditor kept outside the kiosk (``--checkpoint FILE``)."""

    name: str
    text: str


@dataclass(frozen=True)
class Fault:
    seq: int | None  # the first event concerned, if one is
    message: str


@dataclass(frozen=True)
class IntegrityReport:
    ok: bool
    lines: tuple[str, ...]  # French; the first says the verdict
    events: int = 0
    first_bad_seq: int | None = None
    faults: tuple[Fault, ...] = field(default=())


@dataclass
class _PersonalTally:
    kept: int = 0
    erased: int = 0
    fault: Fault | None = None

    def check(self, event: AuditEvent, entry: PersonalEntry | None) -> None:
        if self.fault is not None:
            return
        problem = self._problem(event, entry)
        if problem is not None:
            self.fault = Fault(
                event.seq,
                f"Données personnelles altérées à l'événement n° {event.seq} : {problem}.",
            )

    def _problem(self, event: AuditEvent, entry: PersonalEntry | None) -> str | None:
        commitment = event.details.get(PERSONAL_DETAIL_KEY)
        if commitment is None:
            return None if entry is None else "l'événement n'en déclare aucune"
        if entry is None:
            return "supprimées sans effacement enregistré"
        if entry.record is None:
            if entry.erased_at is None:
                return "effacées sans date d'effacement"
            self.erased += 1
            return None
        if not isinstance(commitment, str) or not verify_personal(
            entry.record.fields, entry.record.salt, commitment
        ):
            return "elles ne correspondent plus à l'engagement que le journal a signé"
        self.kept += 1
        return None


class AuditIntegrity:
    def __init__(
        self, uow: AuditUnitOfWorkFactory, verifier: CheckpointVerifier | None, origin: str
    ) -> None:
        self._uow = uow
        self.chunk = CHUNK_EVENTS  # events per read transaction
        self._verifier = verifier
        self._origin = origin

    def open_held(self, held: HeldCheckpoint) -> Checkpoint:
        """The auditor's checkpoint, once its signature by the audit key verifies."""
        if self._verifier is None:
            raise ConfigError(
                "clé publique d'audit", "absente : le point de contrôle fourni ne peut être vérifié"
            )
        try:
            return open_checkpoint(held.text, self._verifier, self._origin)
        except ValidationError as exc:
            raise ValidationError(f"{held.name} : {exc.message}") from exc
        except KioskError as exc:
            raise IntegrityError(f"Point de contrôle fourni ({held.name}) : {exc.message}") from exc

    def verify(self, held: Sequence[HeldCheckpoint] = ()) -> IntegrityReport:
        faults: list[Fault] = []
        held_checkpoints: list[Checkpoint] = []
        for item in held:
            try:
                held_checkpoints.append(self.open_held(item))
            except IntegrityError as exc:
                faults.append(Fault(None, exc.message))
        stored, stored_faults = self._stored_checkpoints()
        faults += stored_faults

        walk = LogWalk(self._uow, self.chunk)
        tree = StoredTreeCheck(walk.uow.audit_tree)
        personal = _PersonalTally()

        def take(event: AuditEvent) -> None:
            tree.take(event_leaf_hash(event))
            personal.check(event, walk.personal.get(event.seq))

        def tap(events: Iterable[AuditEvent]) -> Iterator[AuditEvent]:
            """Event k is compared with the stored tree and personal data once the chain
            has accepted it (when event k + 1 is asked for): a bad event is named once, by
            the chain, not again as a tree node that no longer matches."""
            previous: AuditEvent | None = None
            for event in events:
                if previous is not None:
                    take(previous)
                previous = event
                yield event
            if previous is not None:
                with walk.uow:  # the walk's last transaction has ended
                    take(previous)

        try:
            with closing(walk.events(with_personal=True)) as events:
                report = verify_log(tap(events), [*stored, *held_checkpoints])
        except UnreadableEventError as exc:
            unreadable = LogReport(False, tree.size, b"", 0, exc.seq, exc.message)
            faults += _log_faults(unreadable, tree.fault, personal.fault)
            return _failed(faults, tree.size)
        tree_fault = tree.fault
        if report.ok or report.breach is Breach.TRUNCATED:  # walked to the end of the log
            with walk.uow:  # a stored node left over is read in a transaction of its own
                tree_fault = tree.finish()
        faults += _log_faults(report, tree_fault, personal.fault)
        if faults:
            return _failed(faults, report.checked)
        lines = [report.message]
        if stored:
            lines.append(
                f"{len(stored)} point(s) de contrôle enregistré(s), signatures valides "
                f"(clé {self._origin})."
            )
        else:
            lines.append("Aucun point de contrôle enregistré : lancez « kiosk audit checkpoint ».")
        for checkpoint in held_checkpoints:
            lines.append(f"Le journal prolonge le {checkpoint.describe()} fourni.")
        lines.append(f"Arbre de Merkle enregistré conforme ({report.checked} feuille(s)).")
        lines.append(
            f"Données personnelles : {personal.kept} conservée(s), conformes ; "
            f"{personal.erased} effacée(s)."
        )
        return IntegrityReport(True, tuple(lines), report.checked)

    def _stored_checkpoints(self) -> tuple[list[Checkpoint], list[Fault]]:
        with self._uow() as tx:
            rows = list(tx.checkpoints.all())
        verifier = self._verifier
        if verifier is None:
            missing = Fault(
                None,
                f"Clé publique d'audit absente : {len(rows)} point(s) de contrôle "
                "enregistré(s) ne peuvent pas être vérifiés.",
            )
            return [], [missing] if rows else []
        checkpoints: list[Checkpoint] = []
        faults: list[Fault] = []
        for row in rows:
            try:
                checkpoints.append(open_stored(row, verifier, self._origin))
            except KioskError as exc:
                faults.append(Fault(None, exc.message))
        return checkpoints, faults


def _failed(faults: list[Fault], checked: int) -> IntegrityReport:
    """Faults naming an event first, by seq; then the others (checkpoints)."""
    ordered = sorted(faults, key=lambda f: (f.seq is None, f.seq or 0))
    first_bad = next((f.seq for f in ordered if f.seq is not None), None)
    return IntegrityReport(
        False, tuple(f.message for f in ordered), checked, first_bad, tuple(ordered)
    )


def _log_faults(report: LogReport, tree: TreeFault | None, personal: Fault | None) -> list[Fault]:
    """The log's fault first; a tree or personal-data fault only if it comes before it (the
    walk stops at the first bad event, the others are then the same one seen again)."""
    faults: list[Fault] = []
    chain_seq = report.first_bad_seq if not report.ok else None
    if not report.ok:
        message = report.message if report.breach else str(report.problem)
        if report.breach is Breach.CHAIN:  # the wording ``kiosk audit verify`` always had
            message = ChainReport(False, report.checked, chain_seq, report.problem).message
        faults.append(Fault(chain_seq, message))
    extras = [personal, None if tree is None else Fault(tree.first_seq, tree.message)]
    for extra in extras:
        if extra is not None and (chain_seq is None or (extra.seq or 0) < chain_seq):
            faults.append(extra)
    return faults
