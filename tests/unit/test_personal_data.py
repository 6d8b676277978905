"""Salted commitments to personal data: they prove the kept fields are the recorded ones, reveal
nothing once the salt is erased, and their exact bytes are pinned for any outside verifier."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.adapters.crypto.system_salts import SystemSalts
from kiosk.domain.personal_data import (
    PERSONAL_DETAIL_KEY,
    SALT_BYTES,
    PersonalRecord,
    canonical_personal_bytes,
    commit_personal,
    new_personal_record,
    verify_personal,
)

FIELDS = {"surname": "Le Gall", "given_names": "Anne-Sophie", "birth_date": "1980-02-29"}
SALT = bytes(range(16))


def test_the_committed_bytes_are_pinned() -> None:
    expected = (
        b'{"domain":"kiosk.personal.v1","fields":{"birth_date":"1980-02-29",'
        b'"given_names":"Anne-Sophie","surname":"Le Gall"},'
        b'"salt":"000102030405060708090a0b0c0d0e0f"}'
    )
    assert canonical_personal_bytes(FIELDS, SALT) == expected
    assert commit_personal(FIELDS, SALT) == hashlib.sha256(expected).hexdigest()


def test_accents_are_committed_as_utf8_not_escaped() -> None:
    assert "Françoise".encode() in canonical_personal_bytes({"given_names": "Françoise"}, SALT)


def test_the_kept_fields_verify_and_any_change_does_not() -> None:
    commitment = commit_personal(FIELDS, SALT)
    assert verify_personal(dict(reversed(FIELDS.items())), SALT, commitment)  # order is free
    assert not verify_personal({**FIELDS, "surname": "Le Gal"}, SALT, commitment)
    assert not verify_personal({**FIELDS, "nickname": ""}, SALT, commitment)
    assert not verify_personal(
        {k: v for k, v in FIELDS.items() if k != "surname"}, SALT, commitment
    )
    assert not verify_personal(FIELDS, bytes(16), commitment)
    assert not verify_personal(FIELDS, SALT, "0" * 64)


def test_without_the_salt_a_guess_cannot_be_checked() -> None:
    """Once the salt is erased, the same person under another salt gives another commitment."""
    assert commit_personal(FIELDS, SALT) != commit_personal(FIELDS, bytes(16))
    assert commit_personal(FIELDS, SALT) != hashlib.sha256(str(FIELDS).encode()).hexdigest()


def test_a_short_salt_or_a_non_text_field_is_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        commit_personal(FIELDS, b"short")
    with pytest.raises(TypeError, match="strings"):
        commit_personal({"birth_year": 1980}, SALT)  # type: ignore[dict-item]
    assert not verify_personal(FIELDS, b"short", commit_personal(FIELDS, SALT))


def test_a_record_gives_the_event_its_commitment_and_shows_nothing() -> None:
    record = new_personal_record(FIELDS, SystemSalts())
    assert len(record.salt) == SALT_BYTES
    assert record.details() == {PERSONAL_DETAIL_KEY: record.commitment}
    assert verify_personal(FIELDS, record.salt, record.commitment)
    assert "Le Gall" not in repr(record) and record.salt.hex() not in repr(record)
    assert new_personal_record(FIELDS, SystemSalts()).salt != record.salt


@given(
    fields=st.dictionaries(st.text(max_size=8), st.text(max_size=16), min_size=1, max_size=4),
    salt=st.binary(min_size=16, max_size=32),
    data=st.data(),
)
def test_changing_any_field_value_breaks_the_commitment(
    fields: dict[str, str], salt: bytes, data: st.DataObject
) -> None:
    commitment = PersonalRecord(fields, salt).commitment
    assert verify_personal(fields, salt, commitment)
    name = data.draw(st.sampled_from(sorted(fields)))
    other = data.draw(st.text(max_size=16).filter(lambda v: v != fields[name]))
    assert not verify_personal({**fields, name: other}, salt, commitment)
