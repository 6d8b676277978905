"""``kiosk audit …`` as an auditor runs it on a kiosk whose audit key is on a SoftHSM token:
one flipped byte anywhere in the stored events, tree, checkpoints or personal data is found
and the first bad event named; deletion, reordering, truncation and a history rewritten
with a recomputed chain are caught (the last two against a checkpoint held apart); proofs
and exit codes."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from typing import Any

import pytest

from kiosk.domain.audit import AuditDraft, Outcome, seal
from kiosk.domain.checkpoint import parse_signed_checkpoint
from kiosk.domain.log_verification import event_leaf_hash
from kiosk.domain.merkle import MerkleAccumulator
from tests.integration.audit_env import Home, home, run, stored_events
from tests.integration.softhsm_env import softhsm, unique_label

pytestmark = pytest.mark.integration
_FIXTURES = (home, softhsm)

EVENTS = 20
PERSONAL = {"nationality": "FRA", "expiry_date": "2031-05-12"}


def seed(home: Home, count: int = EVENTS, first: int = 1) -> None:
    """Events with a dossier each; every third one with personal data."""
    for n in range(first, first + count):
        with home.db.uow() as tx:
            personal = PERSONAL if n % 3 == 0 else None
            draft = AuditDraft(
                "identity.check", Outcome.SUCCESS, "camille", f"CS-2026-{n:06d}", {"n": n}, personal
            )
            tx.audit.append(draft)
            tx.commit()


@pytest.fixture
def kiosk(home: Home, capsys: pytest.CaptureFixture[str]) -> Home:
    """A home with 20 events under a stored checkpoint, kept apart in held.txt too."""
    seed(home)
    code, _, err = run(capsys, "audit", "checkpoint", "--out", str(home.folder / "held.txt"))
    assert (code, err) == (0, "")
    return home


def sql(home: Home, statement: str, *params: Any) -> list[Any]:
    with closing(sqlite3.connect(home.db.path)) as conn, conn:
        return conn.execute(statement, params).fetchall()


def flip_text(value: str) -> str:
    return value[:-1] + chr(ord(value[-1]) ^ 1)


def flip_bytes(value: bytes, at: int = 0) -> bytes:
    return value[:at] + bytes([value[at] ^ 1]) + value[at + 1 :]


def verify(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, list[str]]:
    code, out, err = run(capsys, "audit", "verify", *extra)
    assert err == ""
    return code, out.splitlines()


def test_an_intact_log_verifies_with_its_tree_checkpoints_and_personal_data(
    kiosk: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = verify(capsys, "--checkpoint", str(kiosk.folder / "held.txt"))
    assert code == 0
    assert lines[0].startswith("Journal intègre : 20 événement(s) vérifié(s), conforme à 2 point")
    assert "1 point(s) de contrôle enregistré(s), signatures valides" in lines[1]
    assert any("prolonge le point de contrôle" in line for line in lines)
    assert "Données personnelles : 6 conservée(s), conformes ; 0 effacée(s)." in lines


@pytest.mark.parametrize(
    ("column", "words"),
    [
        ("at", "contenu modifié"),
        ("site", "contenu modifié"),
        ("kiosk", "contenu modifié"),
        ("agent", "contenu modifié"),
        ("dossier_ref", "contenu modifié"),
        ("event_type", "contenu modifié"),
        ("outcome", "contenu illisible"),
        ("details", "contenu illisible"),
        ("prev_hash", "chaînage rompu"),
        ("hash", "contenu modifié"),
    ],
)
def test_one_flipped_byte_in_any_event_column_names_the_event(
    kiosk: Home, capsys: pytest.CaptureFixture[str], column: str, words: str
) -> None:
    (value,) = sql(kiosk, f"SELECT {column} FROM audit_events WHERE seq = 7")[0]
    sql(kiosk, f"UPDATE audit_events SET {column} = ? WHERE seq = 7", flip_text(value))
    code, lines = verify(capsys)
    assert code == 1
    assert lines[0].startswith("Journal altéré à l'événement n° 7 : ")
    assert words in lines[0]


@pytest.mark.parametrize(
    ("level", "index", "named"),
    [
        (0, 6, "feuille de l'événement n° 7"),
        (1, 3, "nœud de niveau 1 n° 3 (événements n° 7 à n° 8)"),
        (4, 0, "nœud de niveau 4 n° 0 (événements n° 1 à n° 16)"),
        (2, 4, "nœud de niveau 2 n° 4 (événements n° 17 à n° 20)"),
    ],
)
def test_one_flipped_byte_in_the_stored_tree_names_the_node_and_its_events(
    kiosk: Home, capsys: pytest.CaptureFixture[str], level: int, index: int, named: str
) -> None:
    where = "level = ? AND idx = ?"
    (digest,) = sql(kiosk, f"SELECT hash FROM audit_tree_nodes WHERE {where}", level, index)[0]
    sql(
        kiosk,
        f"UPDATE audit_tree_nodes SET hash = ? WHERE {where}",
        flip_bytes(digest, 31),
        level,
        index,
    )
    code, lines = verify(capsys)
    assert code == 1
    assert lines == [f"Arbre de Merkle altéré : {named} ne correspond plus aux événements."]


def test_a_missing_or_extra_tree_node_is_named(
    kiosk: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    (kept,) = sql(kiosk, "SELECT hash FROM audit_tree_nodes WHERE level = 1 AND idx = 5")[0]
    sql(kiosk, "DELETE FROM audit_tree_nodes WHERE level = 1 AND idx = 5")
    code, lines = verify(capsys)
    assert (code, lines[0]) == (
        1,
        "Arbre de Merkle incomplet : nœud de niveau 1 n° 5 (événements n° 11 à n° 12) absent.",
    )
    sql(kiosk, "INSERT INTO audit_tree_nodes VALUES (1, 5, ?)", kept)
    sql(kiosk, "INSERT INTO audit_tree_nodes VALUES (0, 20, ?)", b"\x00" * 32)
    code, lines = verify(capsys)
    assert code == 1
    assert "plus de nœuds que le journal" in lines[0]
    assert "feuille de l'événement n° 21" in lines[0]


@pytest.mark.parametrize("column", ["fields", "salt"])
def test_one_flipped_byte_in_kept_personal_data_names_its_event(
    kiosk: Home, capsys: pytest.CaptureFixture[str], column: str
) -> None:
    (value,) = sql(kiosk, f"SELECT {column} FROM audit_personal_data WHERE seq = 9")[0]
    flipped = flip_bytes(value, 3) if isinstance(value, bytes) else flip_text(value[:-2]) + '"}'
    sql(kiosk, f"UPDATE audit_personal_data SET {column} = ? WHERE seq = 9", flipped)
    code, lines = verify(capsys)
    assert code == 1
    assert lines[0].startswith("Données personnelles altérées à l'événement n° 9 : ")


@pytest.mark.parametrize(
    ("statement", "words"),
    [
        ("UPDATE audit_checkpoints SET root = ?", "sa taille ou sa racine enregistrées"),
        ("UPDATE audit_checkpoints SET text = ?", "Signature du point de contrôle invalide"),
    ],
)
def test_a_flipped_byte_in_a_stored_checkpoint_is_named(
    kiosk: Home, capsys: pytest.CaptureFixture[str], statement: str, words: str
) -> None:
    root, text = sql(kiosk, "SELECT root, text FROM audit_checkpoints")[0]
    # the signature's last base64 character flipped: still base64, no longer a signature
    signature_line = text.rstrip("\n").rsplit("\n", 1)[1]
    forged_text = text.replace(signature_line, signature_line[:-6] + "AAAAAA")
    sql(kiosk, statement, flip_bytes(root) if "root" in statement else forged_text)
    code, lines = verify(capsys)
    assert code == 1
    assert lines[0].startswith("Point de contrôle enregistré n° 1 : ")
    assert words in lines[0]


def test_a_deleted_event_is_named(kiosk: Home, capsys: pytest.CaptureFixture[str]) -> None:
    sql(kiosk, "DELETE FROM audit_events WHERE seq = 5")
    code, lines = verify(capsys)
    assert code == 1
    assert lines[0] == (
        "Journal altéré à l'événement n° 6 : numéro de séquence 6 au lieu de 5 "
        "(événement supprimé ou déplacé)"
    )


def test_reordered_events_are_named(kiosk: Home, capsys: pytest.CaptureFixture[str]) -> None:
    sql(kiosk, "UPDATE audit_events SET seq = -1 WHERE seq = 3")
    sql(kiosk, "UPDATE audit_events SET seq = 3 WHERE seq = 4")
    sql(kiosk, "UPDATE audit_events SET seq = 4 WHERE seq = -1")
    code, lines = verify(capsys)
    assert code == 1
    assert lines[0].startswith("Journal altéré à l'événement n° 3 : ")


def rebuild_tree(home: Home) -> None:
    """What someone with the database can do: recompute the whole tree from the events."""
    acc, rows = MerkleAccumulator(), {}
    for index, event in enumerate(stored_events(home.db)):
        leaf = event_leaf_hash(event)
        rows[(0, index)] = leaf
        rows |= {(n.level, n.index): n.hash for n in acc.append_nodes(leaf)}
    with closing(sqlite3.connect(home.db.path)) as conn, conn:
        conn.execute("DELETE FROM audit_tree_nodes")
        conn.executemany(
            "INSERT INTO audit_tree_nodes VALUES (?, ?, ?)",
            [(level, index, digest) for (level, index), digest in rows.items()],
        )


def test_a_truncated_log_is_caught_by_the_checkpoints_even_with_its_tree_cut_too(
    kiosk: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    sql(kiosk, "DELETE FROM audit_personal_data WHERE seq > 14")
    sql(kiosk, "DELETE FROM audit_events WHERE seq > 14")
    code, lines = verify(capsys)  # the stored checkpoint still says 20
    assert code == 1
    assert lines[0].startswith("Journal altéré : le journal a été tronqué : 14 événements")

    rebuild_tree(kiosk)
    sql(kiosk, "DELETE FROM audit_checkpoints")  # every trace removed from the database
    assert verify(capsys)[0] == 0  # what is left is consistent...
    code, lines = verify(capsys, "--checkpoint", str(kiosk.folder / "held.txt"))
    assert code == 1  # ...but no longer extends what the auditor holds
    assert lines[0] == (
        "Journal altéré : le journal a été tronqué : 14 événements au lieu d'au moins 20 "
        f"(point de contrôle du {_held_when(kiosk)})."
    )


def _held_when(home: Home) -> str:
    text = (home.folder / "held.txt").read_text()
    return parse_signed_checkpoint(text).checkpoint.when_text()


def test_a_history_rewritten_with_a_recomputed_chain_is_caught_by_a_held_checkpoint(
    kiosk: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    events = stored_events(kiosk.db)
    prev = events[3].hash
    with closing(sqlite3.connect(kiosk.db.path)) as conn, conn:
        for event in events[4:]:
            details = {"n": 99} if event.seq == 5 else dict(event.details)
            draft = AuditDraft(
                event.event_type, event.outcome, event.agent, event.dossier_ref, details
            )
            forged = seal(draft, event.seq, event.at, event.site, event.kiosk, prev)
            conn.execute(
                "UPDATE audit_events SET details = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                (json.dumps(details), forged.prev_hash, forged.hash, event.seq),
            )
            prev = forged.hash
        conn.execute("DELETE FROM audit_checkpoints")
    rebuild_tree(kiosk)
    assert verify(capsys)[0] == 0  # a perfect forgery, as far as the database can tell
    code, lines = verify(capsys, "--checkpoint", str(kiosk.folder / "held.txt"))
    assert code == 1
    assert lines[0].startswith(
        "Journal altéré : les événements n° 1 à n° 20 ne correspondent plus au point de contrôle"
    )
    assert "historique réécrit" in lines[0]


def test_a_forged_held_checkpoint_is_refused(
    kiosk: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    held = (kiosk.folder / "held.txt").read_text()
    forged = kiosk.folder / "forged.txt"
    forged.write_text(held.replace("\n20\n", "\n19\n"))
    code, lines = verify(capsys, "--checkpoint", str(forged))
    assert code == 1
    assert lines[0].startswith(f"Point de contrôle fourni ({forged}) : Signature")


# Proofs -----------------------------------------------------------------------------------


def test_a_receipt_event_is_proven_and_the_proof_verifies_offline(
    kiosk: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    proof = kiosk.folder / "seq7.tlog-proof"
    code, out, err = run(capsys, "audit", "prove", "--seq", "7", "--out", str(proof))
    assert (code, err) == (0, "")
    assert proof.read_text().startswith("c2sp.org/tlog-proof@v1\nindex 6\n")
    event_hash = stored_events(kiosk.db)[6].hash
    assert event_hash in out

    offline = ("--offline", str(proof), "--key", str(kiosk.public_key))
    code, lines = verify(capsys, *offline, "--event-hash", event_hash, "--seq", "7")
    assert code == 0
    assert lines[0].startswith(f"Preuve vérifiée : l'événement n° 7 d'empreinte {event_hash}")
    other = stored_events(kiosk.db)[7].hash
    assert verify(capsys, *offline, "--event-hash", other)[0] == 1

    code, out, _ = run(capsys, "audit", "prove", "--seq", "7")  # to stdout, for a pipe
    assert (code, out) == (0, proof.read_text())


def test_an_event_after_the_last_checkpoint_asks_for_a_new_one(
    kiosk: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(kiosk, 1, first=21)
    code, out, err = run(capsys, "audit", "prove", "--seq", "21")
    assert (code, out) == (1, "")
    assert "lancez « kiosk audit checkpoint »" in err
    code, out, err = run(capsys, "audit", "prove", "--seq", "99")
    assert code == 1


def test_consistency_between_two_checkpoints(
    kiosk: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(kiosk, 13, first=21)
    newer = kiosk.folder / "newer.txt"
    assert run(capsys, "audit", "checkpoint", "--out", str(newer))[0] == 0
    code, out, err = run(capsys, "audit", "consistency", str(kiosk.folder / "held.txt"), str(newer))
    assert (code, err) == (0, "")
    assert "(33 événements) prolonge le point de contrôle" in out

    # a database whose tree no longer links them
    sql(kiosk, "UPDATE audit_tree_nodes SET hash = ? WHERE level = 4 AND idx = 0", b"\x00" * 32)
    code, out, err = run(capsys, "audit", "consistency", str(kiosk.folder / "held.txt"), str(newer))
    assert (code, out) == (1, "")
    assert "ne prolonge pas" in err


def test_the_public_key_is_exported_from_the_token(
    kiosk: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "audit", "export-key")
    assert (code, out) == (0, kiosk.public_key.read_text())


def test_checkpoints_when_due_for_a_timer(
    home: Home, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSK_AUDIT_CHECKPOINT_EVERY_EVENTS", "5")
    seed(home, 1)
    assert run(capsys, "audit", "checkpoint", "--if-due")[0] == 0  # the first event
    seed(home, 3, first=2)
    code, out, _ = run(capsys, "audit", "checkpoint", "--if-due")
    assert (code, out) == (0, "Aucun point de contrôle dû : rien à signer.\n")
    seed(home, 2, first=5)
    code, out, _ = run(capsys, "audit", "checkpoint", "--if-due")
    assert code == 0
    assert parse_signed_checkpoint(out).checkpoint.size == 6


def test_without_the_public_key_nothing_is_signed_and_checkpoints_cannot_verify(
    kiosk: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    kiosk.public_key.unlink()
    code, _, err = run(capsys, "audit", "checkpoint")
    assert code == 2
    assert err.startswith("Configuration invalide : clé d'audit")
    code, lines = verify(capsys)
    assert (code, lines) == (
        1,
        [
            "Clé publique d'audit absente : 1 point(s) de contrôle enregistré(s) ne peuvent "
            "pas être vérifiés."
        ],
    )


def test_offline_needs_the_key(kiosk: Home, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "audit", "verify", "--offline", str(kiosk.folder / "held.txt"))
    assert (code, out) == (1, "")
    assert "--key" in err


def test_the_demo_history_is_a_real_log_of_several_offices_and_agents(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "demo", "history", "--events", "600", "--days", "30")
    assert (code, err) == (0, "")
    assert out.startswith("Historique d'audit de démonstration : ")
    assert "4 bureaux" in out
    events = stored_events(home.db)
    assert 450 <= len(events) <= 750
    assert {e.site for e in events} == {"BREST", "QUIMPER", "RENNES", "SAINT-BRIEUC"}
    assert len({e.agent for e in events}) >= 5
    kinds = {e.event_type for e in events}
    assert {
        "agent.login",
        "dossier.lookup",
        "identity.check",
        "answers.check",
        "personalisation.key_generated",
        "dossier.delivered",
        "appointment.end",
    } <= kinds
    assert {e.details.get("reason") for e in events if e.event_type == "appointment.end"} >= {
        "holder_absent",
        "document_refused",
    }
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert run(capsys, "audit", "checkpoint", "--out", str(home.folder / "cp.txt"))[0] == 0
    code, lines = verify(capsys)
    assert code == 0
    assert lines[0].startswith(f"Journal intègre : {len(events)} événement(s) vérifié(s)")


def test_the_audit_key_is_created_once_on_a_blank_token(
    home: Home, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = home.folder / "new-audit"
    monkeypatch.setenv("KIOSK_AUDIT_FOLDER", str(folder))
    monkeypatch.setenv("KIOSK_AUDIT_TOKEN_LABEL", unique_label("AUD"))
    code, out, err = run(capsys, "audit", "create-key")
    assert (code, err) == (0, "")
    assert f"clé publique à remettre aux auditeurs : {folder / 'audit-key.pub.pem'}" in out
    seed(home, 2)
    assert run(capsys, "audit", "checkpoint")[0] == 0
    code, _, err = run(capsys, "audit", "create-key")
    assert code == 2
    assert "une clé d'audit existe déjà" in err
