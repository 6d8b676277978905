"""Importing dossiers into a real SQLite database: all or nothing, idempotent, and every
mistake of a refused file listed by record and field."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kiosk.domain import withdrawal
from kiosk.domain.answers import normalise_answer
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.errors import ImportFileError
from tests.integration.db_env import (
    DATA,
    FIXTURES,
    SITE_SECRET,
    Db,
    database_url,
    fixture_records,
    migrated_db,
    seed_reference_data,
)
from tests.integration.pg_env import postgres

pytestmark = pytest.mark.integration
_FIXTURES = (database_url, postgres)


@pytest.fixture
def db(tmp_path: Path, database_url: str) -> Any:
    with migrated_db(tmp_path, url=database_url) as database:
        seed_reference_data(database)
        yield database


def write(tmp_path: Path, records: Any, name: str = "dossiers.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def audit_rows(db: Db) -> list[Any]:
    return db.sql("SELECT seq, event_type, details, hash FROM audit_events ORDER BY seq")


def test_the_fixture_file_is_imported_whole(db: Db) -> None:
    report = db.importer().import_file(FIXTURES / "dossiers.json")

    records = fixture_records()
    assert (report.created, report.unchanged) == (len(records), 0)
    assert len(records) >= 36
    counts = db.counts()
    assert counts["dossiers"] == len(records)
    codes = sum(("withdrawal_code" in r) + ("legacy_withdrawal_number" in r) for r in records)
    assert counts["withdrawal_codes"] == codes
    assert counts["revocation_questions"] == sum(len(r["questions"]) for r in records)
    last = audit_rows(db)[-1]
    assert last.event_type == "dossier.import"
    assert json.loads(last.details) == {
        "file": "dossiers.json",
        "created": len(records),
        "unchanged": 0,
    }


def test_an_imported_dossier_reads_back_as_written(db: Db) -> None:
    db.importer().import_file(FIXTURES / "dossiers.json")
    source = next(r for r in fixture_records() if r.get("delegate") and r["questions"])

    with db.uow() as tx:
        dossier = tx.dossiers.find_by_code_hash(
            withdrawal.keyed_hash(SITE_SECRET, source["withdrawal_code"])
        )
    assert dossier is not None
    assert dossier.reference == source["reference"]
    assert dossier.state is DossierState(source["state"])
    assert dossier.holder.surname == source["holder"]["surname"]  # accents kept
    assert dossier.company.siret == source["company"]["siret"]
    assert dossier.product.label.startswith("Certificat de signature RGS**")
    assert dossier.delegate is not None
    assert dossier.delegate.surname == source["delegate"]["surname"]
    # Same instant, read back aware in UTC.
    assert dossier.convocation_at == datetime.fromisoformat(source["convocation_at"])
    assert dossier.convocation_at is not None
    assert dossier.convocation_at.tzinfo == UTC
    # Answers are stored only as Argon2id hashes of their normal form.
    for stored, given in zip(dossier.questions, source["questions"], strict=True):
        assert stored.question == given["question"]
        assert stored.personal is given["personal"]
        assert stored.answer_hash.startswith("$argon2id$")
        assert db.hasher.verify(stored.answer_hash, normalise_answer(given["answer"]))
        assert not db.hasher.verify(stored.answer_hash, given["answer"] + "x")


def test_importing_the_same_file_twice_changes_nothing(db: Db) -> None:
    db.importer().import_file(FIXTURES / "dossiers.json")
    counts, events = db.counts(), audit_rows(db)

    report = db.importer().import_file(FIXTURES / "dossiers.json")

    assert (report.created, report.unchanged) == (0, len(fixture_records()))
    after = db.counts()
    assert {**after, "audit_events": counts["audit_events"]} == counts
    assert after["audit_events"] == counts["audit_events"] + 1
    new_events = audit_rows(db)
    assert new_events[:-1] == events  # the chain is untouched but for the new event
    assert new_events[-1].event_type == "dossier.import"
    assert json.loads(new_events[-1].details)["unchanged"] == len(fixture_records())


def test_a_file_mixing_new_and_known_dossiers_adds_only_the_new(db: Db, tmp_path: Path) -> None:
    records = fixture_records()
    db.importer().import_file(write(tmp_path, records[:10]))
    report = db.importer().import_file(write(tmp_path, records[5:15], "next.json"))
    assert (report.created, report.unchanged) == (5, 5)
    assert db.counts()["dossiers"] == 15


def assert_nothing_written(db: Db, before: dict[str, int]) -> None:
    assert db.counts() == before


def test_a_file_with_mistakes_is_refused_with_every_mistake_listed(db: Db) -> None:
    before = db.counts()
    with pytest.raises(ImportFileError) as caught:
        db.importer().import_file(DATA / "bad_fields.json")

    problems = caught.value.problems
    expected = [
        ("dossier n° 1 (CS-2099-000001)", "company.siret", "clé de contrôle"),
        ("dossier n° 1 (CS-2099-000001)", "holder.email", "adresse électronique invalide"),
        ("dossier n° 1 (CS-2099-000001)", "withdrawal_code", "caractère de contrôle incorrect"),
        ("dossier n° 3 (cs 2099/3)", "couleur", "champ inconnu"),
        ("dossier n° 3 (cs 2099/3)", "reference", "lettres majuscules"),
        ("dossier n° 3 (cs 2099/3)", "state", "état inconnu"),
        ("dossier n° 3 (cs 2099/3)", "office", "bureau de retrait inconnu « PARIS »"),
        ("dossier n° 3 (cs 2099/3)", "product", "produit inconnu « RGS3-INCONNU »"),
        ("dossier n° 3 (cs 2099/3)", "holder.surname", "requis"),
        ("dossier n° 3 (cs 2099/3)", "convocation_at", "fuseau horaire"),
        ("dossier n° 3 (cs 2099/3)", "questions", "exactement une question doit être personnelle"),
    ]
    assert len(problems) == len(expected), problems
    for (where, field, words), problem in zip(expected, problems, strict=True):
        assert problem.startswith(f"{where}, champ « {field} » : "), problem
        assert words in problem
    message = caught.value.message
    assert message.startswith("Fichier refusé, rien n'a été importé (11 erreur(s))")
    assert "dossier n° 2" not in message  # the valid record is not blamed
    # The mistyped withdrawal number is not repeated in the message.
    bad_code = json.loads((DATA / "bad_fields.json").read_text(encoding="utf-8"))[0]
    assert bad_code["withdrawal_code"] not in message
    assert_nothing_written(db, before)


def test_duplicates_inside_a_file_are_refused(db: Db) -> None:
    before = db.counts()
    with pytest.raises(ImportFileError) as caught:
        db.importer().import_file(DATA / "duplicates.json")
    assert caught.value.problems == [
        "dossier n° 2 (CS-2099-000010), champ « reference » : déjà utilisée par le dossier n° 1",
        "dossier n° 2 (CS-2099-000010), champ « withdrawal_code » : numéro de retrait déjà "
        "donné au dossier n° 1",
    ]
    assert_nothing_written(db, before)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ((DATA / "latin1.json").read_bytes(), "n'est pas encodé en UTF-8"),
        (b'[{"reference": "CS-1",}', "n'est pas un JSON valide (ligne 1, colonne 23)"),
        (
            b'{"reference": "CS-2026-000001"}',
            "une liste de dossiers (tableau JSON) et non un objet",
        ),
        (b"[]", "ne contient aucun dossier"),
    ],
    ids=["latin1", "garbled", "not-a-list", "empty"],
)
def test_an_unreadable_file_gets_a_clear_message(
    db: Db, tmp_path: Path, content: bytes, words: str
) -> None:
    path = tmp_path / "file.json"
    path.write_bytes(content)
    before = db.counts()
    with pytest.raises(ImportFileError) as caught:
        db.importer().import_file(path)
    assert len(caught.value.problems) == 1
    assert words in caught.value.problems[0]
    assert_nothing_written(db, before)


def test_a_missing_file_is_named(db: Db, tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="fichier introuvable"):
        db.importer().import_file(tmp_path / "absent.json")


def test_a_known_reference_with_other_content_is_refused_and_nothing_is_written(
    db: Db, tmp_path: Path
) -> None:
    records = fixture_records()
    db.importer().import_file(write(tmp_path, records[:3]))
    before = db.counts()
    changed = [dict(r) for r in records[:5]]
    changed[1] = {**changed[1], "state": "cancelled", "convocation_at": None}

    with pytest.raises(ImportFileError) as caught:
        db.importer().import_file(write(tmp_path, changed, "changed.json"))

    assert caught.value.problems == [
        f"dossier n° 2 ({changed[1]['reference']}), champ « reference » : ce dossier existe "
        "déjà avec un contenu différent"
    ]
    assert_nothing_written(db, before)  # not even the two new dossiers of the file


def test_a_withdrawal_number_already_given_to_another_dossier_is_refused(
    db: Db, tmp_path: Path
) -> None:
    records = fixture_records()
    db.importer().import_file(write(tmp_path, records[:1]))
    thief = {**records[1], "withdrawal_code": records[0]["withdrawal_code"].lower()}
    with pytest.raises(ImportFileError, match="déjà attribué à un autre dossier"):
        db.importer().import_file(write(tmp_path, [thief], "thief.json"))


def test_a_precomputed_answer_hash_is_stored_as_given(db: Db, tmp_path: Path) -> None:
    record = next(r for r in fixture_records() if r["questions"])
    phc = db.hasher.hash(normalise_answer("Kerlouan"))
    questions = [dict(q) for q in record["questions"]]
    questions[0] = {k: v for k, v in questions[0].items() if k != "answer"} | {"answer_hash": phc}
    db.importer().import_file(write(tmp_path, [{**record, "questions": questions}]))
    with db.uow() as tx:
        stored = tx.dossiers.get(record["reference"])
    assert stored is not None
    assert stored.questions[0].answer_hash == phc


def test_reference_files_are_idempotent_too(db: Db) -> None:
    report = db.importer().import_offices(FIXTURES / "offices.json")
    assert (report.created, report.updated, report.unchanged) == (0, 0, 10)
    with db.uow() as tx:
        brest = tx.offices.get("BREST")
        products = tx.products.list()
    assert brest is not None
    assert brest.chamber == "CCI Bretagne Ouest"
    assert "29220 Brest" in brest.address
    assert {p.code for p in products} >= {"RGS2-SIGN-1Y", "RGS2-SIGN-3Y", "RGS2-SIGN-3Y-EC"}
