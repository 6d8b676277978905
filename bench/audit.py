"""The tamper-evident audit log (issue 7) with 1,000,000 events in SQLite.

The database is built once (events sealed into a real chain, their tree computed, both
bulk-inserted through sqlite3; the schema from the migrations) and kept in ``var/bench``.
Figures, each beside its floor:

- verification throughput, events per second: the domain's one pass (``verify_log``:
  chain + tree, events streamed from SQLite) over the first 100,000 events, in turn with
  its floor, then the whole ``kiosk audit verify`` service over the million (also the
  stored tree node by node, personal data, a checkpoint held apart whose root is the one
  the stored tree gives), against hashing the same bytes with ``hashlib`` (each event's
  canonical JSON, its leaf, and one node per leaf: the hashes no verifier can skip);
- an inclusion proof at 1,000,000 events from the stored tree (its nodes read in one
  query), then the whole ``kiosk audit prove`` service (signed checkpoint checked, event
  read, proof checked), against bare primary-key reads of as many nodes as a proof has
  (log2 n = 19 at a million);
- appending one event with its tree nodes through the unit of work (rolled back: no
  fsync), against the same statements through bare sqlite3;
- the auditor's desk's filtered page (``bench.audit_browse``).
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import statistics
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import audit_browse
from bench.report import Sample, line, rate_line, timed_each
from kiosk.adapters.crypto.checkpoint_keys import EcdsaP256CheckpointSigner
from kiosk.adapters.db.audit_stores import personal_json
from kiosk.adapters.db.engine import make_engine
from kiosk.adapters.db.migrate import upgrade
from kiosk.adapters.db.uow import SqlUnitOfWorkFactory
from kiosk.domain.audit import (
    GENESIS_HASH,
    AuditDraft,
    DetailValue,
    Outcome,
    canonical_bytes,
    seal,
)
from kiosk.domain.audit_ports import commit_personal_draft
from kiosk.domain.checkpoint import Checkpoint, log_origin, sign_checkpoint
from kiosk.domain.log_verification import event_leaf_hash, verify_log
from kiosk.domain.merkle import MerkleAccumulator
from kiosk.domain.merkle_store import inclusion_proof, tree_root
from kiosk.services.audit_integrity import AuditIntegrity, HeldCheckpoint
from kiosk.services.audit_proofs import AuditProofs
from kiosk.services.audit_walk import CachedTree, LogWalk, inclusion_positions

SITE, KIOSK = "BREST", "bench-kiosk"
ORIGIN = log_origin(SITE, KIOSK)
SAMPLES = 2000
_PREFIX = 100_000  # events of the interleaved verify_log / floor rounds
_BATCH = 50_000
_INSERT_EVENT = "INSERT INTO audit_events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_TYPES = ("dossier.lookup", "identity.check", "answers.check", "personalisation.verified")


class _Salts:
    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def token_bytes(self, n: int) -> bytes:
        return self._rng.randbytes(n)


def _drafts(size: int, rng: random.Random) -> Iterator[AuditDraft]:
    for n in range(size):
        kind = _TYPES[n % len(_TYPES)]
        details: dict[str, DetailValue] = {
            "n": n,
            "office": SITE,
            "attempt": n // 30,
            "token": f"SHSM{n % 9973:05d}",
        }
        personal = {"nationality": "FRA", "expiry_date": "2031-02-10"} if n % 20 == 7 else None
        yield AuditDraft(
            kind, Outcome.SUCCESS, "camille", f"CS-2026-{n // 25:06d}", details, personal
        )


def _build(path: Path, size: int) -> None:
    tmp = path.with_suffix(".tmp")
    for leftover in tmp.parent.glob(tmp.name + "*"):
        leftover.unlink()
    upgrade(f"sqlite:///{tmp}")
    rng = random.Random(7)  # noqa: S311 - bench data
    salts = _Salts(rng)
    at, prev = datetime(2025, 1, 1, tzinfo=UTC), GENESIS_HASH
    acc = MerkleAccumulator()
    with closing(sqlite3.connect(tmp)) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = OFF")
        events, nodes, personal = [], [], []
        for seq, draft in enumerate(_drafts(size, rng), start=1):
            at += timedelta(seconds=60)
            committed, record = commit_personal_draft(draft, salts)
            event = seal(committed, seq, at, SITE, KIOSK, prev)
            prev = event.hash
            events.append(
                (seq, at.replace(tzinfo=None).isoformat(sep=" "), SITE, KIOSK, event.agent,
                 event.dossier_ref, event.event_type, event.outcome.value,
                 json.dumps(dict(event.details), sort_keys=True), event.prev_hash, event.hash)
            )  # fmt: skip
            leaf = event_leaf_hash(event)
            nodes.append((0, seq - 1, leaf))
            nodes += [(n.level, n.index, n.hash) for n in acc.append_nodes(leaf)]
            if record is not None:
                personal.append((seq, personal_json(dict(record.fields)), record.salt, None))
            if seq % _BATCH == 0 or seq == size:
                conn.executemany(_INSERT_EVENT, events)
                conn.executemany("INSERT INTO audit_tree_nodes VALUES (?, ?, ?)", nodes)
                conn.executemany("INSERT INTO audit_personal_data VALUES (?, ?, ?, ?)", personal)
                conn.commit()
                events, nodes, personal = [], [], []
        conn.execute("ANALYZE")
        conn.commit()
    tmp.rename(path)
    for suffix in ("-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)


def _canonical(uow: SqlUnitOfWorkFactory, count: int) -> list[bytes]:
    walk = LogWalk(uow)
    with closing(walk.events(1, count)) as events:
        return [
            canonical_bytes(e.seq, e.at, e.site, e.kiosk, e.agent, e.dossier_ref,
                            e.event_type, e.outcome, e.details, e.prev_hash)
            for e in events
        ]  # fmt: skip


def _hash_floor(blobs: list[bytes]) -> float:
    """Seconds for hashlib alone over the bytes a verifier must hash: each event's canonical
    JSON, its leaf, and one tree node (a tree has as many nodes as leaves, less one)."""
    sha256 = hashlib.sha256
    node = b"\x01" + bytes(64)
    start = time.perf_counter()
    for blob in blobs:
        sha256(b"\x00" + sha256(blob).digest()).digest()
        sha256(node).digest()
    return time.perf_counter() - start


def database(folder: Path, size: int = 1_000_000) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"audit-{size}.db"
    if not path.exists():
        print(f"(building {size:,} audit events and their tree in {path} once…)", flush=True)
        _build(path, size)
    return path


def run_browse(folder: Path) -> None:
    """The auditor's desk figure alone (``scripts/bench audit-browse``)."""
    print("-- auditor's desk, filtered pages (SQLite)")
    audit_browse.figures(database(folder), SITE, KIOSK)


def run(folder: Path, size: int = 1_000_000) -> None:
    path = database(folder, size)
    engine = make_engine(f"sqlite:///{path}")
    uow = SqlUnitOfWorkFactory(engine, site=SITE, kiosk_id=KIOSK)
    key = EcdsaP256CheckpointSigner.generate(ORIGIN)
    with uow() as tx:
        root = tree_root(CachedTree(tx.audit_tree), size)
    held = sign_checkpoint(Checkpoint(ORIGIN, size, root, datetime.now(UTC)), key).to_text()
    print(f"-- tamper-evident audit log, {size:,} events, SQLite (WAL, synchronous FULL)")
    _verification(uow, size, key, held)
    with closing(sqlite3.connect(path)) as raw:
        _proofs(uow, raw, size, key, held)
        _appends(uow, raw, size)
    engine.dispose()
    audit_browse.figures(path, SITE, KIOSK)


def _verification(
    uow: SqlUnitOfWorkFactory, size: int, key: EcdsaP256CheckpointSigner, held: str
) -> None:
    """The domain's pass on the first ``_PREFIX`` events, taken in turn with the hashlib
    floor over the same bytes (drift falls on both); then the whole service, once."""
    prefix = min(size, _PREFIX)
    blobs = _canonical(uow, prefix)

    def one_pass() -> None:
        with closing(LogWalk(uow).events(1, prefix)) as events:
            assert verify_log(events).checked == prefix

    passes, floors = [], []
    for _ in range(3):
        start = time.perf_counter()
        one_pass()
        passes.append(time.perf_counter() - start)
        floors.append(_hash_floor(blobs))
    floor = prefix / statistics.median(floors)
    rate_line(f"verify_log: chain + tree, {prefix:,} events", prefix / statistics.median(passes),
              "hashlib, same bytes", floor)  # fmt: skip
    start = time.perf_counter()
    full = AuditIntegrity(uow, key.verifier(), ORIGIN).verify([HeldCheckpoint("held", held)])
    spent = time.perf_counter() - start
    assert full.ok and full.events == size, full.lines
    rate_line(f"kiosk audit verify, whole log ({spent:.0f} s)", size / spent,
              "hashlib, same bytes", floor)  # fmt: skip


def _proofs(
    uow: SqlUnitOfWorkFactory,
    raw: sqlite3.Connection,
    size: int,
    key: EcdsaP256CheckpointSigner,
    held: str,
) -> None:
    rng = random.Random(11)  # noqa: S311 - a reproducible order, not a secret
    seqs = [rng.randint(1, size) for _ in range(SAMPLES)]
    levels = size.bit_length() - 1  # about as many nodes as a proof among `size` leaves has
    positions = [(level, rng.randint(0, (size >> level) - 1)) for level in range(levels)]

    def bare(_seq: int) -> None:
        for level, index in positions:
            raw.execute(
                "SELECT hash FROM audit_tree_nodes WHERE level = ? AND idx = ?", (level, index)
            ).fetchone()

    def proof(seq: int) -> None:
        with uow() as tx:
            tree = CachedTree(tx.audit_tree)
            tree.prefetch(inclusion_positions(seq - 1, size))  # one query
            inclusion_proof(tree, seq - 1, size)

    floor = timed_each(bare, seqs)
    name = f"inclusion proof, {size:,} events (stored tree)"
    line(name, timed_each(proof, seqs), f"{levels} PK reads", floor)
    proofs = AuditProofs(uow, key.verifier(), ORIGIN)
    service: Sample = timed_each(lambda seq: proofs.inclusion(seq, held), seqs[:500])
    line("kiosk audit prove (checkpoint, event, proof)", service, f"{levels} PK reads", floor)


def _appends(uow: SqlUnitOfWorkFactory, raw: sqlite3.Connection, size: int) -> None:
    def bare(n: int) -> None:
        """The statements an append needs, bare: tail, peaks, event row, leaf and nodes."""
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
        raw.execute(
            "SELECT hash FROM audit_tree_nodes WHERE level = ? AND idx = ?", (19, 0)
        ).fetchall()
        raw.execute(
            _INSERT_EVENT,
            (size + 1, "2027-01-01 00:00:00", SITE, KIOSK, "camille", None, "bench.append",
             "success", json.dumps({"n": n}), f"p{n}", f"h{n}"),
        )  # fmt: skip
        raw.executemany(
            "INSERT INTO audit_tree_nodes VALUES (?, ?, ?)",
            [(0, size, bytes(32)), (1, size // 2, bytes(32))],
        )
        raw.execute("ROLLBACK")

    def append(n: int) -> None:
        with uow() as tx:
            tx.audit.append(AuditDraft("bench.append", Outcome.SUCCESS, "camille", None, {"n": n}))
            tx.rollback()

    appends = list(range(SAMPLES))
    line("append: event + tree nodes (rolled back)", timed_each(append, appends),
         "same statements, bare", timed_each(bare, appends))  # fmt: skip
