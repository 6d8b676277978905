"""Whether the CMP CA answers, asked before a renewal wipes the holder's token: one general
message to OpenSSL's mock server (nothing issued), then a stopped server and one that
accepts connections and never answers, each said in French within the probe's timeouts."""

from __future__ import annotations

import socket

import pytest

from kiosk.adapters.ca.cmp_probe import CmpAvailability
from kiosk.adapters.ca.embedded_ca import EmbeddedCA
from tests.integration.cmp_env import CmpFiles, make_cmp_files, mock_server
from tests.integration.softhsm_env import ca_folder, embedded_ca, softhsm

pytestmark = pytest.mark.integration
_FIXTURES = (softhsm, ca_folder, embedded_ca)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, embedded_ca: EmbeddedCA) -> CmpFiles:
    return make_cmp_files(tmp_path_factory.mktemp("cmp-probe"), embedded_ca.chain())


def test_a_ca_that_answers_is_available(files: CmpFiles, embedded_ca: EmbeddedCA) -> None:
    with mock_server(files, embedded_ca.chain()[0]) as server:
        found = CmpAvailability(files.endpoint(server.port)).unavailable()

    assert found is None


def test_a_stopped_ca_is_said_unavailable(files: CmpFiles, embedded_ca: EmbeddedCA) -> None:
    with mock_server(files, embedded_ca.chain()[0]) as server:
        port = server.port

    found = CmpAvailability(files.endpoint(port)).unavailable()

    assert found == (
        f"L'autorité de certification ne répond pas : connexion impossible à 127.0.0.1:{port}."
    )


def test_a_ca_that_never_answers_is_said_unavailable_within_the_probe_s_time(
    files: CmpFiles,
) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        found = CmpAvailability(files.endpoint(port, message_timeout=1)).unavailable()

    assert found is not None
    assert found.startswith("L'autorité de certification ne répond pas")
