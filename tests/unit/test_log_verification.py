"""`kiosk audit verify --checkpoint FILE`, in the domain: a log of a few thousand sealed events,
then every way of tampering with it, each found and the first bad event named."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.adapters.crypto.checkpoint_keys import Ed25519CheckpointSigner
from kiosk.domain.audit import GENESIS_HASH, AuditDraft, AuditEvent, Outcome, seal
from kiosk.domain.checkpoint import Checkpoint, log_origin, open_checkpoint, sign_checkpoint
from kiosk.domain.errors import IntegrityError, ValidationError
from kiosk.domain.log_verification import (
    Breach,
    event_leaf_hash,
    verify_checkpoints_consistent,
    verify_log,
    verify_receipt_inclusion,
)
from kiosk.domain.merkle import EMPTY_ROOT, leaf_hash
from kiosk.domain.merkle_store import (
    InMemoryTreeStore,
    consistency_proof,
    inclusion_proof,
    tree_root,
)
from kiosk.domain.personal_data import PERSONAL_DETAIL_KEY, PersonalRecord, verify_personal
from kiosk.domain.tlog_proof import format_tlog_proof, verify_tlog_proof

N = 3000
T0 = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
ORIGIN = log_origin("BREST", "demo-brest-1")
SIGNER = Ed25519CheckpointSigner(
    ORIGIN, ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
)
Events = list[AuditEvent]


def personal_record(i: int) -> PersonalRecord:
    fields = {"surname": f"Le Gall {i}", "given_names": "Anne", "birth_date": "1980-02-29"}
    return PersonalRecord(fields, i.to_bytes(16, "big"))


@cache
def _sealed() -> tuple[AuditEvent, ...]:
    events: Events = []
    prev = GENESIS_HASH
    for seq in range(1, N + 1):
        details: dict[str, str | int | bool | None] = {"n": seq, "office": "BREST"}
        event_type = "dossier.lookup"
        if seq % 10 == 0:  # identity checks carry a commitment, never the person's data
            event_type = "identity.checked"
            details.update(personal_record(seq).details())
        draft = AuditDraft(event_type, Outcome.SUCCESS, "camille", f"CS-{seq:05d}", details)
        event = seal(draft, seq, T0 + timedelta(seconds=seq), "BREST", "demo-brest-1", prev)
        events.append(event)
        prev = event.hash
    return tuple(events)


def log() -> Events:
    return list(_sealed())


@cache
def store() -> InMemoryTreeStore:
    return InMemoryTreeStore(event_leaf_hash(ev) for ev in _sealed())


def checkpoint_at(size: int, minute: int = 0) -> Checkpoint:
    """What ``kiosk audit checkpoint`` would have signed when the log had ``size`` events."""
    return Checkpoint(ORIGIN, size, tree_root(store(), size), T0 + timedelta(minutes=minute))


HELD = (500, 1000, 2000)


def held() -> list[Checkpoint]:
    return [checkpoint_at(size, minute) for minute, size in enumerate(HELD)]


def reseal_from(events: Events, start: int) -> Events:
    """What someone with write access to the database can do: recompute the chain."""
    out = events[:start]
    prev = out[-1].hash if out else GENESIS_HASH
    for seq, ev in enumerate(events[start:], start=start + 1):
        draft = AuditDraft(ev.event_type, ev.outcome, ev.agent, ev.dossier_ref, ev.details)
        resealed = seal(draft, seq, ev.at, ev.site, ev.kiosk, prev)
        out.append(resealed)
        prev = resealed.hash
    return out


def test_an_untouched_log_verifies_against_every_held_checkpoint() -> None:
    report = verify_log(log(), held())
    assert report.ok and report.checked == report.size == N
    assert report.root_hash == store().root()
    assert report.checkpoints_matched == 3
    assert report.message.startswith("Journal intègre : 3000 événement(s) vérifié(s)")
    assert "3 point(s) de contrôle" in report.message


def test_an_empty_log_verifies_with_the_empty_root() -> None:
    report = verify_log([], [Checkpoint(ORIGIN, 0, EMPTY_ROOT, T0)])
    assert report.ok and report.checked == 0 and report.root_hash == EMPTY_ROOT


def test_the_leaf_of_an_event_is_its_chain_hash() -> None:
    event = log()[41]
    assert event_leaf_hash(event) == leaf_hash(bytes.fromhex(event.hash))
    assert store().leaf_hash(41) == event_leaf_hash(event)


def _flip_char(text: str, at: int = 3) -> str:
    swapped = "1" if text[at] != "1" else "2"
    return text[:at] + swapped + text[at + 1 :]


TAMPERS: dict[str, Callable[[AuditEvent], AuditEvent]] = {
    "details": lambda ev: dataclasses.replace(ev, details={**ev.details, "office": "BRESU"}),
    "outcome": lambda ev: dataclasses.replace(ev, outcome=Outcome.FAILURE),
    "time": lambda ev: dataclasses.replace(ev, at=ev.at + timedelta(microseconds=1)),
    "hash": lambda ev: dataclasses.replace(ev, hash=_flip_char(ev.hash)),
    "prev_hash": lambda ev: dataclasses.replace(ev, prev_hash=_flip_char(ev.prev_hash)),
    "site": lambda ev: dataclasses.replace(ev, site="BRESU"),
    "kiosk": lambda ev: dataclasses.replace(ev, kiosk=_flip_char(ev.kiosk)),
    "agent": lambda ev: dataclasses.replace(ev, agent="camillf"),
    "dossier": lambda ev: dataclasses.replace(ev, dossier_ref=_flip_char(ev.dossier_ref or "")),
    "type": lambda ev: dataclasses.replace(ev, event_type="dossier.lookuq"),
    "seq": lambda ev: dataclasses.replace(ev, seq=ev.seq + 1),
    "commitment": lambda ev: dataclasses.replace(
        ev, details={**ev.details, PERSONAL_DETAIL_KEY: _flip_char("0" * 64)}
    ),
}


@pytest.mark.parametrize("field", TAMPERS)
def test_one_changed_byte_anywhere_is_found_and_named(field: str) -> None:
    rng = random.Random(field)
    index = rng.randrange(N // 10) * 10 + 9  # an identity event, so it has a commitment
    events = log()
    events[index] = TAMPERS[field](events[index])
    report = verify_log(events, held())
    bad = events[index].seq  # named as stored: a renumbered event by its new number
    assert not report.ok and report.first_bad_seq == bad
    assert report.breach is Breach.CHAIN
    assert report.message.startswith(f"Journal altéré à l'événement n° {bad} : ")
    assert report.checked == index  # the tree holds the events before it, and only those


def test_a_deleted_event_is_named() -> None:
    events = log()
    del events[1233]
    report = verify_log(events, held())
    assert not report.ok and report.first_bad_seq == 1235
    assert "supprimé" in report.message


def test_reordered_events_are_named() -> None:
    events = log()
    events[700], events[701] = events[701], events[700]
    report = verify_log(events, held())
    assert not report.ok and report.first_bad_seq == 702


def test_a_log_cut_below_a_held_checkpoint_is_truncated() -> None:
    report = verify_log(log()[:1500], held())
    assert not report.ok and report.first_bad_seq == 1501
    assert report.breach is Breach.TRUNCATED
    assert "le journal a été tronqué : 1500 événements au lieu d'au moins 2000" in report.message
    assert report.checkpoints_matched == 2


def test_deleting_the_last_events_is_seen_only_by_a_checkpoint_covering_them() -> None:
    assert verify_log(log()[:-1], held()).ok  # the chain alone cannot tell
    report = verify_log(log()[:-1], [*held(), checkpoint_at(N, 9)])
    assert not report.ok
    assert f"tronqué : {N - 1} événements au lieu d'au moins {N}" in report.message


def test_a_rewritten_history_with_a_recomputed_chain_is_caught_by_the_checkpoint() -> None:
    events = log()
    events[1233] = TAMPERS["details"](events[1233])
    rewritten = reseal_from(events, 1233)
    report = verify_log(rewritten, held())
    assert not report.ok
    assert report.first_bad_seq == 1001  # after the last checkpoint that still matches
    assert "n° 1001 à n° 2000 ne correspondent plus" in report.message
    assert "historique réécrit" in report.message
    assert report.breach is Breach.REWRITTEN
    assert report.checkpoints_matched == 2


def test_a_deleted_event_hidden_by_renumbering_is_caught_by_the_checkpoint() -> None:
    events = log()
    del events[42]
    renumbered = [dataclasses.replace(ev, seq=i) for i, ev in enumerate(events, start=1)]
    report = verify_log(reseal_from(renumbered, 0), held())
    assert not report.ok and report.first_bad_seq == 1
    assert "n° 1 à n° 500" in report.message


def test_a_truncated_log_grown_back_to_size_is_caught() -> None:
    events = log()[:1900]
    filler = [dataclasses.replace(ev, dossier_ref="CS-FAKE") for ev in log()[1900:]]
    report = verify_log(reseal_from(events + filler, 1900), held())
    assert not report.ok and report.first_bad_seq == 1001


def test_a_rewrite_after_the_last_checkpoint_waits_for_the_next_one() -> None:
    events = log()
    events[2500] = TAMPERS["outcome"](events[2500])
    rewritten = reseal_from(events, 2500)
    assert verify_log(rewritten, held()).ok  # nothing signed covers event 2501 yet
    report = verify_log(rewritten, [*held(), checkpoint_at(N, 9)])
    assert not report.ok and report.first_bad_seq == 2001


def test_verify_checkpoint_file_end_to_end() -> None:
    """Take a checkpoint, export its text, verify the log against the file later."""
    text = sign_checkpoint(checkpoint_at(2000), SIGNER).to_text()
    cp = open_checkpoint(text, SIGNER.verifier(), expected_origin=ORIGIN)
    assert verify_log(log(), [cp]).ok

    body, line = text.split("\n\n")
    forged = f"{body}\n\n{line[:-6]}AAAA=\n"  # the signature's last bytes changed
    with pytest.raises(IntegrityError, match="Signature du point de contrôle invalide"):
        open_checkpoint(forged, SIGNER.verifier())


def test_a_checkpoint_claiming_another_root_for_the_empty_log_is_refused() -> None:
    report = verify_log(log(), [Checkpoint(ORIGIN, 0, bytes(32), T0)])
    assert not report.ok and report.first_bad_seq == 1


def test_erased_personal_data_leaves_a_log_that_still_verifies() -> None:
    events = log()
    kept = {ev.seq: personal_record(ev.seq) for ev in events if ev.seq % 10 == 0}
    identity = events[99]
    record = kept[identity.seq]
    commitment = str(identity.details[PERSONAL_DETAIL_KEY])
    assert verify_personal(record.fields, record.salt, commitment)
    assert not verify_personal({**record.fields, "surname": "Le Gal"}, record.salt, commitment)
    assert "Le Gall" not in repr(identity) and "Le Gall" not in repr(record)

    kept.clear()  # the retention job erases every field and salt
    report = verify_log(events, held())
    assert report.ok and report.root_hash == store().root()


def test_a_receipt_event_is_proven_in_the_signed_log() -> None:
    cp = open_checkpoint(sign_checkpoint(checkpoint_at(2000), SIGNER).to_text(), SIGNER.verifier())
    event = log()[1233]
    proof = inclusion_proof(store(), event.seq - 1, cp.size)
    verify_receipt_inclusion(event, proof, cp)

    with pytest.raises(IntegrityError, match="n° 1234 a été modifié"):
        verify_receipt_inclusion(TAMPERS["outcome"](event), proof, cp)
    with pytest.raises(IntegrityError, match="n'est pas dans le journal signé"):
        verify_receipt_inclusion(event, inclusion_proof(store(), 1232, cp.size), cp)
    forged = reseal_from([*log()[:1233], TAMPERS["details"](event)], 1233)[-1]
    with pytest.raises(IntegrityError, match="n'est pas dans le journal signé"):
        verify_receipt_inclusion(forged, proof, cp)
    with pytest.raises(ValidationError, match="plus récent"):
        verify_receipt_inclusion(log()[2500], proof, cp)


def test_two_checkpoints_are_proven_consistent_or_not() -> None:
    older, newer = checkpoint_at(1000), checkpoint_at(N, 9)
    proof = consistency_proof(store(), 1000, N)
    verify_checkpoints_consistent(older, newer, proof)
    verify_checkpoints_consistent(newer, older, proof)  # in either order

    forked = dataclasses.replace(newer, root_hash=bytes(32))
    with pytest.raises(IntegrityError, match="ne prolonge pas"):
        verify_checkpoints_consistent(older, forked, proof)
    foreign = dataclasses.replace(newer, origin=log_origin("QUIMPER", "k2"))
    with pytest.raises(IntegrityError, match="deux journaux"):
        verify_checkpoints_consistent(older, foreign, proof)


def test_a_receipt_proof_file_proves_its_event_offline() -> None:
    signed = sign_checkpoint(checkpoint_at(2000), SIGNER).to_text()
    event = log()[1233]
    text = format_tlog_proof(1233, inclusion_proof(store(), 1233, 2000), signed)
    assert text.startswith("c2sp.org/tlog-proof@v1\nindex 1233\n")
    assert verify_tlog_proof(text, event, SIGNER.verifier(), ORIGIN).size == 2000
    with_extra = text.replace("index", "extra AAAA\nindex", 1)  # opaque data is ignored
    assert verify_tlog_proof(with_extra, event, SIGNER.verifier(), ORIGIN).size == 2000

    with pytest.raises(IntegrityError, match="n° 1234, pas sur le n° 1235"):
        verify_tlog_proof(text, log()[1234], SIGNER.verifier(), ORIGIN)
    with pytest.raises(IntegrityError, match="a été modifié"):
        verify_tlog_proof(text, TAMPERS["agent"](event), SIGNER.verifier(), ORIGIN)
    lines = text.split("\n")
    lines[3] = lines[4]  # one sibling replaced by another
    with pytest.raises(IntegrityError, match="pas dans le journal signé"):
        verify_tlog_proof("\n".join(lines), event, SIGNER.verifier(), ORIGIN)
    for garbled in ("", text.replace("c2sp.org", "c2sp.com"), text.replace("index ", "index 0")):
        with pytest.raises(ValidationError, match="Preuve d'inclusion illisible"):
            verify_tlog_proof(garbled, event, SIGNER.verifier(), ORIGIN)
    lines = text.split("\n")
    lines[2] = lines[2][:-4]
    with pytest.raises(ValidationError, match="empreinte invalide"):
        verify_tlog_proof("\n".join(lines), event, SIGNER.verifier(), ORIGIN)
