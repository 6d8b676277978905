"""OpenSSL's own CMP mock server (``openssl cmp -port``) for the CMP adapter's tests.

The mock answers every enrolment with the certificate it was started with (``-rsp_cert``),
so a test prepares that certificate first, then starts the server. It listens on a port
the system picks (``-port 0``) and says which on its first line (``ACCEPT [::]:port``);
the helper reads it, then waits until the kernel lists the port as listening, within a
bounded time. OpenSSL 3.0's mock cannot bind one address: it listens on every interface,
for the length of a test, with a throwaway secret. It is stopped by its pid at the end.

Use: ``files = make_cmp_files(folder, ca.chain())``, then
``with mock_server(files, cert_der, *mock_options) as server: ... files.endpoint(server.port)``.
"""

from __future__ import annotations

import queue
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kiosk.adapters.ca.cmp_client import CmpEndpoint

REFERENCE = "kiosk-brest-01"
START_TIMEOUT = 20.0  # seconds; a loaded 2-core CI runner starts it in well under one
_ACCEPT = re.compile(r"ACCEPT \S*:(\d+)")


@dataclass(frozen=True)
class CmpFiles:
    """What both ends need: the shared secret (0600), the mock's signing pair, and the
    issuing chain the kiosk trusts."""

    folder: Path
    secret_file: Path
    server_cert: Path
    server_key: Path
    ca_chain: Path

    def endpoint(self, port: int, **options: object) -> CmpEndpoint:
        settings: dict[str, object] = {
            "server": f"127.0.0.1:{port}",
            "path": "pkix/",
            "reference": REFERENCE,
            "secret_file": self.secret_file,
            "ca_chain": self.ca_chain,
            "server_cert": self.server_cert,
            "message_timeout": 5,
            "total_timeout": 15,
        }
        settings.update(options)
        return CmpEndpoint(**settings)  # type: ignore[arg-type]


def _mock_signer(folder: Path) -> tuple[Path, Path]:
    """A self-signed P-256 pair: the CMP server's own signing identity (its sender name)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Mock CMP server")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(x509.KeyUsage(True, *[False] * 8), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "mock-server.pem", folder / "mock-server.key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def make_cmp_files(folder: Path, chain_der: Sequence[bytes]) -> CmpFiles:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is missing")
    folder.mkdir(parents=True, exist_ok=True)
    secret = folder / "cmp.secret"
    secret.write_text("a-throwaway-shared-secret-for-tests\n")
    secret.chmod(0o600)
    chain = folder / "ca-chain.pem"
    chain.write_bytes(
        b"".join(
            x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)
            for der in chain_der
        )
    )
    server_cert, server_key = _mock_signer(folder)
    return CmpFiles(folder, secret, server_cert, server_key, chain)


@dataclass
class MockCmpServer:
    process: subprocess.Popen[str]
    port: int
    lines: list[str] = field(default_factory=list)  # what it printed, for failure reports

    def requests(self) -> int:
        """How many HTTP requests it has received so far."""
        return sum("Received request" in line for line in self.lines)


def _read_lines(process: subprocess.Popen[str], into: queue.Queue[str | None]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        into.put(line.rstrip("\n"))
    into.put(None)  # end of output: the process has exited


def _wait_for_port(
    process: subprocess.Popen[str], lines: queue.Queue[str | None]
) -> tuple[int, list[str]]:
    seen: list[str] = []
    deadline = time.monotonic() + START_TIMEOUT
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=remaining)
        except queue.Empty:
            break
        if line is None:
            pytest.fail("the CMP mock server exited:\n" + "\n".join(seen))
        seen.append(line)
        if found := _ACCEPT.search(line):
            return int(found.group(1)), seen
    process.kill()
    pytest.fail(f"the CMP mock server did not listen within {START_TIMEOUT} s:\n" + "\n".join(seen))


def _listening(port: int) -> bool | None:
    """Whether the kernel lists ``port`` as listening (None: no /proc/net to ask)."""
    suffix, seen_a_table = f":{port:04X}", False
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        try:
            rows = table.read_text().splitlines()[1:]
        except OSError:
            continue
        seen_a_table = True
        for row in rows:
            fields = row.split()
            if fields[1].endswith(suffix) and fields[3] == "0A":  # st 0A: TCP_LISTEN
                return True
    return False if seen_a_table else None


def _wait_until_listening(process: subprocess.Popen[str], port: int) -> None:
    """The port is listening, as the kernel says. A probe connection would do too, but
    OpenSSL 3.0's mock then spends a second on the empty request before serving the
    next one. Between looks, the wait is on the server process: its exit ends it at once."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        listening = _listening(port)
        if listening is None:  # not Linux: connect once, and pay the mock's second
            with socket.create_connection(("127.0.0.1", port), timeout=START_TIMEOUT):
                return
        if listening:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"nothing listens on port {port} after {START_TIMEOUT} s")
        try:
            process.wait(timeout=0.02)
        except subprocess.TimeoutExpired:
            continue
        pytest.fail(f"the CMP mock server exited with status {process.returncode}")


@contextmanager
def mock_server(files: CmpFiles, rsp_cert_der: bytes, *options: str) -> Iterator[MockCmpServer]:
    """The mock, answering enrolments with ``rsp_cert_der``; ``options`` add mock options
    (``-pkistatus 2 -failure 9``, ``-poll_count 1``...)."""
    rsp_cert = (
        files.folder / f"rsp-{x509.load_der_x509_certificate(rsp_cert_der).serial_number:x}.pem"
    )
    rsp_cert.write_bytes(
        x509.load_der_x509_certificate(rsp_cert_der).public_bytes(serialization.Encoding.PEM)
    )
    command = [
        "openssl", "cmp", "-config", "", "-port", "0",
        "-srv_ref", REFERENCE, "-srv_secret", f"file:{files.secret_file}",
        "-srv_cert", str(files.server_cert), "-srv_key", str(files.server_key),
        "-rsp_cert", str(rsp_cert), *options,
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    reader = threading.Thread(target=_read_lines, args=(process, lines), daemon=True)
    reader.start()
    try:
        port, seen = _wait_for_port(process, lines)
        _wait_until_listening(process, port)
        server = MockCmpServer(process, port, seen)
        threading.Thread(target=_collect, args=(lines, server.lines), daemon=True).start()
        yield server
    finally:
        stop(process)
        reader.join(timeout=10)


def _collect(lines: queue.Queue[str | None], into: list[str]) -> None:
    while (line := lines.get()) is not None:
        into.append(line)


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
