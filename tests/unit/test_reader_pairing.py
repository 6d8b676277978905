"""Which PKCS#11 token a reader's card stands for, as the deployment configured it."""

from __future__ import annotations

import pytest

from kiosk.domain.errors import ConfigError
from kiosk.domain.reader_ports import (
    ReaderPairing,
    TokenSelector,
    atr_hex,
    check_pairings,
    pairings_from_config,
    token_for,
)

DESK_TOKEN = TokenSelector(label="CCI-RETRAIT")
SPARE_TOKEN = TokenSelector(serial="0A1B2C3D4E5F6071")


def test_an_exact_reader_name_gives_its_token() -> None:
    pairings = [ReaderPairing("Virtual PCD 00 00", DESK_TOKEN)]

    assert token_for("Virtual PCD 00 00", pairings) == DESK_TOKEN


def test_a_reader_nobody_paired_gives_no_token() -> None:
    pairings = [ReaderPairing("Virtual PCD 00 00", DESK_TOKEN)]

    assert token_for("Virtual PCD 00 01", pairings) is None
    assert token_for("Virtual PCD 00 00", []) is None


def test_a_prefix_covers_every_slot_of_a_reader_model() -> None:
    pairings = [ReaderPairing("Gemalto PC Twin Reader*", DESK_TOKEN)]

    assert token_for("Gemalto PC Twin Reader 00 00", pairings) == DESK_TOKEN
    assert token_for("Gemalto PC Twin Reader 01 00", pairings) == DESK_TOKEN
    assert token_for("Identiv uTrust 2700 R 00 00", pairings) is None


def test_a_lone_star_pairs_every_reader() -> None:
    assert token_for("Any reader at all 00 00", [ReaderPairing("*", DESK_TOKEN)]) == DESK_TOKEN


def test_the_exact_name_wins_over_any_prefix_whatever_the_order() -> None:
    pairings = [
        ReaderPairing("*", DESK_TOKEN),
        ReaderPairing("Virtual PCD 00 01", SPARE_TOKEN),
        ReaderPairing("Virtual PCD*", DESK_TOKEN),
    ]

    assert token_for("Virtual PCD 00 01", pairings) == SPARE_TOKEN
    assert token_for("Virtual PCD 00 00", list(reversed(pairings))) == DESK_TOKEN


def test_the_longest_prefix_wins() -> None:
    pairings = [
        ReaderPairing("Virtual*", DESK_TOKEN),
        ReaderPairing("Virtual PCD 00 01*", SPARE_TOKEN),
    ]

    assert token_for("Virtual PCD 00 01", pairings) == SPARE_TOKEN
    assert token_for("Virtual PCD 00 00", pairings) == DESK_TOKEN


def test_a_selector_matches_padded_token_info_by_label_and_serial() -> None:
    both = TokenSelector(label="CCI-RETRAIT", serial="0A1B2C3D4E5F6071")

    assert both.matches("CCI-RETRAIT" + " " * 21, "0A1B2C3D4E5F6071")
    assert not both.matches("CCI-RETRAIT", "FFFFFFFFFFFFFFFF")
    assert not both.matches("AUTRE", "0A1B2C3D4E5F6071")
    assert SPARE_TOKEN.matches("whatever label", "0A1B2C3D4E5F6071")


def test_a_selector_must_name_a_label_or_a_serial() -> None:
    with pytest.raises(ConfigError) as caught:
        TokenSelector(module="/usr/lib/softhsm/libsofthsm2.so")

    assert "token_label" in caught.value.message


def test_labels_and_serials_longer_than_pkcs11_allows_are_refused() -> None:
    with pytest.raises(ConfigError, match="32 octets"):
        TokenSelector(label="L" * 33)
    with pytest.raises(ConfigError, match="16 octets"):
        TokenSelector(serial="S" * 17)


def test_the_same_reader_paired_twice_is_refused() -> None:
    pairings = [ReaderPairing("Virtual*", DESK_TOKEN), ReaderPairing("Virtual*", SPARE_TOKEN)]

    with pytest.raises(ConfigError, match="deux fois"):
        check_pairings(pairings)


def test_configuration_tables_become_pairings() -> None:
    entries: list[dict[str, object]] = [
        {"reader": "Virtual PCD 00 00", "token_label": " CCI-RETRAIT "},
        {
            "reader": "Gemalto*",
            "token_serial": "0A1B2C3D4E5F6071",
            "pkcs11_module": "/usr/lib/pkcs11/libidprimepkcs11.so",
        },
    ]

    pairings = pairings_from_config(entries)

    assert token_for("Virtual PCD 00 00", pairings) == TokenSelector(label="CCI-RETRAIT")
    gemalto = token_for("Gemalto PC Twin Reader 00 00", pairings)
    assert gemalto is not None
    assert gemalto.module == "/usr/lib/pkcs11/libidprimepkcs11.so"


@pytest.mark.parametrize(
    ("entry", "setting"),
    [
        ({"token_label": "CCI"}, "readers[0].reader"),
        ({"reader": "X", "token_label": ""}, "readers[0].token_label"),
        ({"reader": "X", "token_label": 12}, "readers[0].token_label"),
        ({"reader": "X"}, "readers[0]"),
        ({"reader": "X", "token_label": "CCI", "slot": 0}, "readers[0]"),
    ],
)
def test_a_bad_configuration_table_names_the_setting(
    entry: dict[str, object], setting: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        pairings_from_config([entry])

    assert caught.value.setting == setting
    assert caught.value.message.startswith("Configuration invalide")


def test_atr_is_shown_as_upper_case_hex_pairs_and_an_empty_one_as_none() -> None:
    assert atr_hex([0x3B, 0x95, 0x13, 0x81, 0x01]) == "3B 95 13 81 01"
    assert atr_hex(b"") is None
