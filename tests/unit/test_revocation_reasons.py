"""Revocation reasons a desk may choose, and the serials it may name."""

from __future__ import annotations

import pytest

from kiosk.domain.certificate_revocation import (
    RevocationReason,
    check_reason,
    normalised_serial,
    reasons_for,
    same_serial,
)
from kiosk.domain.errors import ValidationError


def test_reasons_carry_their_rfc_5280_codes_and_french_labels() -> None:
    assert {reason.value: reason.code for reason in RevocationReason} == {
        "unspecified": 0,
        "keyCompromise": 1,
        "affiliationChanged": 3,
        "superseded": 4,
        "cessationOfOperation": 5,
        "certificateHold": 6,
        "privilegeWithdrawn": 9,
    }
    labels = [reason.label for reason in RevocationReason]
    assert all(labels) and len(set(labels)) == len(labels)


def test_suspension_is_offered_only_for_certificates_that_are_not_qualified() -> None:
    assert RevocationReason.CERTIFICATE_HOLD not in reasons_for(qualified=True)
    assert RevocationReason.CERTIFICATE_HOLD in reasons_for(qualified=False)
    check_reason(RevocationReason.CERTIFICATE_HOLD, qualified=False)
    with pytest.raises(ValidationError, match="révocation est définitive"):
        check_reason(RevocationReason.CERTIFICATE_HOLD, qualified=True)


@pytest.mark.parametrize(
    ("given", "kept"),
    [("00AB:cd", "abcd"), ("0x1f", "1f"), ("4" + "0" * 31, "4" + "0" * 31)],
)
def test_a_serial_is_kept_in_one_form(given: str, kept: str) -> None:
    assert normalised_serial(given) == kept


@pytest.mark.parametrize("given", ["", "0", "xyz", "1" * 41])
def test_a_serial_that_is_not_one_is_refused(given: str) -> None:
    with pytest.raises(ValidationError, match="Numéro de série"):
        normalised_serial(given)


@pytest.mark.parametrize(
    ("recorded", "typed"),
    [
        ("00a1b2", "A1:B2"),  # the delivery keeps leading zeros; an agent types colons
        ("40bff0", "0x40BFF0"),
    ],
)
def test_one_serial_however_it_was_written(recorded: str, typed: str) -> None:
    assert same_serial(recorded, typed) and same_serial(typed, recorded)


def test_different_or_empty_serials_never_match() -> None:
    assert not same_serial("a1b2", "a1b3")
    assert not same_serial("", "")
    assert not same_serial("00", "")
