"""Lookup by withdrawal number with 1,000,000 dossiers on PostgreSQL (local, durable), the
counterpart of ``lookup`` (SQLite). The database is built once with COPY (its build time
is printed) and kept in ``var/bench/pg``. Two figures, each against the floor of a bare
indexed SELECT of the code's hash, prepared, through psycopg:

- the repository read (keyed hash of the typed code, dossier and questions loaded);
- the whole lookup service, which also appends and commits an audit event (WAL flush).
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import psycopg

from bench import pg
from bench.lookup import measure_kiosk_lookups
from bench.report import timed_each
from kiosk.adapters.db.migrate import upgrade
from kiosk.domain import withdrawal
from tests.integration.pg_env import PostgresServer

SECRET = bytes.fromhex("6b" * 32)
SAMPLES = 2000
DOSSIER_COLUMNS = (
    "reference, state, office_code, company_siren, company_siret, company_name,"
    " company_legal_form, product_code, holder_surname, holder_given_names,"
    " holder_birth_date, legal_rep_surname, legal_rep_given_names, legal_rep_title,"
    " failed_answer_attempts, answers_locked"
)


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg", "postgresql")


def _build(server: PostgresServer, name: str, size: int, codes: list[str]) -> float:
    began = time.perf_counter()
    server.admin(f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}")
    upgrade(server.url(name))
    sampled = {i * (size // len(codes)): code for i, code in enumerate(codes)}
    with psycopg.connect(_dsn(server.url(name))) as conn:
        conn.execute(
            "INSERT INTO offices VALUES ('BREST', 'CCI Bretagne Ouest', 'Brest', '1 place')"
        )
        conn.execute("INSERT INTO products VALUES ('P1', 'Certificat RGS** 3 ans', 3, 'rsa2048')")
        with conn.cursor() as cur:
            with cur.copy(f"COPY dossiers ({DOSSIER_COLUMNS}) FROM STDIN") as copy:
                for i in range(size):
                    copy.write_row((
                        f"CS-B-{i:08d}", "convoked", "BREST", "123456789", "12345678900011",
                        f"Société {i}", "SAS", "P1", f"Nom{i}", "Prénom", "1980-01-01",
                        "Rep", "Jean", "Gérant", 0, False,
                    ))  # fmt: skip
            with cur.copy("COPY withdrawal_codes (code_hash, dossier_ref) FROM STDIN") as copy:
                for i in range(size):
                    code = sampled.get(i)
                    code_hash = (
                        withdrawal.keyed_hash(SECRET, code) if code else os.urandom(32).hex()
                    )
                    copy.write_row((code_hash, f"CS-B-{i:08d}"))
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - began


def run(folder: Path, size: int = 1_000_000) -> None:
    if not pg.available():
        print("-- lookup on PostgreSQL: not installed (scripts/setup installs it), skipped")
        return
    folder.mkdir(parents=True, exist_ok=True)
    name = f"lookup_{size}"
    codes_file = folder / f"lookup-pg-{size}.codes"
    with pg.durable_server(folder) as server:
        if not pg.has_database(server, name) or not codes_file.exists():
            codes = [withdrawal.generate() for _ in range(SAMPLES)]
            print(f"(building {size:,} dossiers on PostgreSQL with COPY, once…)", flush=True)
            took = _build(server, name, size, codes)
            codes_file.write_text("\n".join(codes), encoding="ascii")
            print(f"(built in {took:.0f} s; kept in {server.folder} for the next runs)")
        upgrade(server.url(name))  # a database kept from an older schema catches up
        _measure(server.url(name), codes_file, size)


def _measure(url: str, codes_file: Path, size: int) -> None:
    codes = codes_file.read_text(encoding="ascii").split()
    random.Random(7).shuffle(codes)  # noqa: S311 - a reproducible order, not a secret
    typed = [c.lower().replace("-", " ") for c in codes]
    hashes = [withdrawal.keyed_hash(SECRET, c) for c in codes]

    with psycopg.connect(_dsn(url), autocommit=True) as raw:

        def bare(code_hash: str) -> None:
            raw.execute(
                "SELECT dossier_ref FROM withdrawal_codes WHERE code_hash = %s",
                (code_hash,),
                prepare=True,
            ).fetchone()

        floor = timed_each(bare, hashes)

    title = f"{size:,} dossiers, PostgreSQL (local, durable)"
    measure_kiosk_lookups(url, typed, floor, title)
