"""Lookup by withdrawal number with 1,000,000 dossiers in SQLite.

The database is built once (bulk inserts through sqlite3, the schema from the migrations)
and kept in ``var/bench`` for later runs. Three figures, each against the floor of a bare
indexed SELECT of the code's hash on the same table:

- the repository read (keyed hash of the typed code, dossier and questions loaded);
- the whole lookup service, which also appends and commits an audit event (fsync);
"""

from __future__ import annotations

import os
import random
import sqlite3
from pathlib import Path

from bench.report import Sample, line, timed_each
from kiosk.adapters.db.engine import make_engine
from kiosk.adapters.db.migrate import head_revision, upgrade
from kiosk.adapters.db.uow import SqlUnitOfWorkFactory
from kiosk.domain import withdrawal
from kiosk.domain.model import Role
from kiosk.services.auth import AgentSession
from kiosk.services.lookup import LookupService

SECRET = bytes.fromhex("6b" * 32)
SAMPLES = 2000


def _build(path: Path, size: int, codes: list[str]) -> None:
    tmp = path.with_suffix(".tmp")
    for leftover in tmp.parent.glob(tmp.name + "*"):
        leftover.unlink()
    upgrade(f"sqlite:///{tmp}")
    conn = sqlite3.connect(tmp)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("INSERT INTO offices VALUES ('BREST', 'CCI Bretagne Ouest', 'Brest', '1 place')")
    conn.execute(
        "INSERT INTO products (code, label, validity_years, key_algorithm)"
        " VALUES ('P1', 'Certificat RGS** 3 ans', 3, 'rsa2048')"
    )
    sampled = {i * (size // len(codes)): code for i, code in enumerate(codes)}
    batch = 50_000
    for start in range(0, size, batch):
        rows, hashes = [], []
        for i in range(start, min(size, start + batch)):
            ref = f"CS-B-{i:08d}"
            rows.append(
                (
                    ref,
                    "convoked",
                    "BREST",
                    "123456789",
                    "12345678900011",
                    f"Société {i}",
                    "SAS",
                    "P1",
                    f"Nom{i}",
                    "Prénom",
                    "1980-01-01",
                    None,
                    "Rep",
                    "Jean",
                    "Gérant",
                    0,
                    0,
                )
            )
            code = sampled.get(i)
            code_hash = withdrawal.keyed_hash(SECRET, code) if code else os.urandom(32).hex()
            hashes.append((code_hash, ref))
        conn.executemany(
            "INSERT INTO dossiers (reference, state, office_code, company_siren, company_siret,"
            " company_name, company_legal_form, product_code, holder_surname,"
            " holder_given_names, holder_birth_date, holder_email, legal_rep_surname,"
            " legal_rep_given_names, legal_rep_title, failed_answer_attempts, answers_locked)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        conn.executemany("INSERT INTO withdrawal_codes VALUES (?, ?)", hashes)
        conn.commit()
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()
    tmp.rename(path)
    for suffix in ("-wal", "-shm"):
        side = Path(str(tmp) + suffix)
        if side.exists():
            side.unlink()


def run(folder: Path, size: int = 1_000_000) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    # Named by schema revision: a database kept from an older schema is built again.
    path = folder / f"lookup-{size}-{head_revision()}.db"
    codes_file = path.with_suffix(".codes")
    if not path.exists() or not codes_file.exists():
        codes = [withdrawal.generate() for _ in range(SAMPLES)]
        print(f"(building {size:,} dossiers in {path} once…)", flush=True)
        _build(path, size, codes)
        codes_file.write_text("\n".join(codes), encoding="ascii")
    codes = codes_file.read_text(encoding="ascii").split()
    random.Random(7).shuffle(codes)  # noqa: S311 - a reproducible order, not a secret
    typed = [c.lower().replace("-", " ") for c in codes]

    raw = sqlite3.connect(path)
    hashes = [withdrawal.keyed_hash(SECRET, c) for c in codes]

    def bare(code_hash: str) -> None:
        raw.execute(
            "SELECT dossier_ref FROM withdrawal_codes WHERE code_hash = ?", (code_hash,)
        ).fetchone()

    floor = timed_each(bare, hashes)

    title = f"{size:,} dossiers, SQLite (WAL, synchronous FULL)"
    measure_kiosk_lookups(f"sqlite:///{path}", typed, floor, title)
    raw.close()


def measure_kiosk_lookups(url: str, typed: list[str], floor: Sample, title: str) -> None:
    """The repository read and the whole lookup service on ``url``, beside ``floor``."""
    engine = make_engine(url)
    uow = SqlUnitOfWorkFactory(engine, site="BREST", kiosk_id="bench")

    def read(code: str) -> None:
        with uow() as tx:
            found = tx.dossiers.find_by_code_hash(withdrawal.keyed_hash(SECRET, code))
        assert found is not None

    session = AgentSession("bench", "Bench", Role.AGENT, "BREST")
    service = LookupService(uow, SECRET)

    def lookup(code: str) -> None:
        service.lookup(session, code)

    print(f"-- lookup by withdrawal number, {title}")
    line(
        "repository read (hash + dossier + questions)",
        timed_each(read, typed),
        "bare SELECT",
        floor,
    )
    measured: Sample = timed_each(lookup, typed[:500])
    line("lookup service (read + audit event + commit)", measured, "bare SELECT", floor)
    engine.dispose()
