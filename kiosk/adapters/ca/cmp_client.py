"""The kiosk's CMP client (RFC 4210 / RFC 9480): OpenSSL 3's ``openssl cmp``, run as a
subprocess for each transaction.

Why a subprocess: there is no CMP (nor EST) client for Python in the package registries,
and writing one means a PKIMessage ASN.1 codec, password-based MAC protection (PBM, RFC
4211 §4.4), transaction and nonce checks, certConf and polling. The OpenSSL client does
all of it, is installed wherever OpenSSL 3 is, and comes with the mock server the tests
run it against. What it lacks, the adapter adds: its own checks of the certificate
returned, and French errors read from the client's output (``cmp_output``).

Messages are protected with PBM under the shared secret the CA gave this kiosk
(``reference`` names it to the CA). The secret never appears on a command line (``ps``
shows those): openssl reads it from its file (``-secret file:``), which must be private
(0600); the adapter reads it only to check it and to scrub it from diagnostics. A pinned
server certificate (``server_cert``) authenticates signature-protected answers.

Each run saves the requests it sends (``-reqout``, public data) in a directory of its own,
so that a request whose answer is lost can be named to the CA by its transaction ID.
"""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from kiosk.adapters.ca.cmp_output import classify, sent_without_answer
from kiosk.domain.ca_errors import CaOperation, CaOutcomeUnknownError
from kiosk.domain.errors import ConfigError

_PROCESS_MARGIN_SECONDS = 5  # beyond -total_timeout, in case the client itself hangs
_OPENSSL_VERSION = re.compile(r"OpenSSL (\d+)\.")


@dataclass(frozen=True)
class CmpEndpoint:
    """Where and how to reach the CA. ``server``: ``host:port`` or ``http://host:port``;
    ``path``: the CMP alias on that server; ``ca_chain``: PEM, issuing CA first then root,
    what every certificate returned must chain to (and the chain written on tokens)."""

    server: str
    reference: str
    secret_file: Path
    ca_chain: Path
    path: str = "/"
    server_cert: Path | None = None
    recipient: str | None = None  # DN as "/C=FR/O=.../CN=..."; default: server_cert's subject
    message_timeout: int = 10  # seconds for one request and its answer
    total_timeout: int = 30  # seconds for a whole transaction, polling included
    openssl: str = "openssl"

    def __post_init__(self) -> None:
        if not self.server.strip() or any(c.isspace() for c in self.server):
            raise ConfigError("cmp_server", "adresse du serveur CMP attendue (hôte:port)")
        if not self.reference.strip():
            raise ConfigError("cmp_ref", "référence (senderKID) attendue")
        for name, value in (
            ("cmp_msg_timeout", self.message_timeout),
            ("cmp_total_timeout", self.total_timeout),
        ):
            if not 1 <= value <= 600:
                raise ConfigError(name, "doit être compris entre 1 et 600 secondes")


def read_secret(path: Path) -> str:
    """The shared secret (first line), refused if the file is open to group or others."""
    try:
        mode = path.stat().st_mode
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        raise ConfigError("cmp_secret_file", f"fichier absent ou illisible : {path}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError("cmp_secret_file", f"{path} doit être lisible par son seul propriétaire")
    if not lines or not lines[0].strip():
        raise ConfigError("cmp_secret_file", f"{path} est vide")
    return lines[0]


def _check_openssl(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        raise ConfigError("cmp_openssl", f"programme introuvable : {program}")
    try:
        done = subprocess.run(  # noqa: S603 (no shell; the configured program)
            [found, "version"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        raise ConfigError("cmp_openssl", f"{program} ne démarre pas") from None
    version = _OPENSSL_VERSION.match(done.stdout)
    if version is None or int(version.group(1)) < 3:
        raise ConfigError("cmp_openssl", f"OpenSSL 3 attendu (client CMP), trouvé : {done.stdout}")
    return found


class OpensslCmpClient:
    """Runs one CMP transaction at a time with the endpoint's server, secret and trust."""

    def __init__(self, endpoint: CmpEndpoint) -> None:
        read_secret(endpoint.secret_file)  # a bad secret file stops the kiosk at start
        for name, path in (
            ("cmp_ca_chain", endpoint.ca_chain),
            ("cmp_srvcert", endpoint.server_cert),
        ):
            if path is not None and not path.is_file():
                raise ConfigError(name, f"fichier absent : {path}")
        self._endpoint = endpoint
        self._openssl = _check_openssl(endpoint.openssl)

    def __repr__(self) -> str:
        return f"OpensslCmpClient(server={self._endpoint.server!r}, path={self._endpoint.path!r})"

    @property
    def endpoint(self) -> CmpEndpoint:
        return self._endpoint

    def _common_options(self) -> list[str]:
        endpoint = self._endpoint
        options = [
            "-config", "",  # no openssl.cnf section may add options behind the kiosk's back
            "-batch",
            "-server", endpoint.server,
            "-path", endpoint.path,
            "-ref", endpoint.reference,
            "-secret", f"file:{endpoint.secret_file}",
            "-mac", "hmacWithSHA256",  # RFC 9481 §6.1: HMAC-SHA256, not the SHA-1 default
            "-msg_timeout", str(endpoint.message_timeout),
            "-total_timeout", str(endpoint.total_timeout),
        ]  # fmt: skip
        if endpoint.server_cert is not None:
            options += ["-srvcert", str(endpoint.server_cert)]
        if endpoint.recipient is not None:
            options += ["-recipient", endpoint.recipient]
        return options

    def run(self, request: Sequence[str], operation: CaOperation) -> str:
        """Runs ``openssl cmp`` with ``request`` (e.g. ``-cmd p10cr ...``); returns its
        output, or raises the ``CaError`` its failure means (with the transaction ID when
        the outcome is unknown)."""
        endpoint = self._endpoint
        secret = read_secret(endpoint.secret_file)
        with tempfile.TemporaryDirectory(prefix="kiosk-cmp-sent-") as work:
            sent = Path(work, "request.der")
            command = [
                self._openssl, "cmp", *self._common_options(), *request, "-reqout", str(sent)
            ]  # fmt: skip
            try:
                done = subprocess.run(  # noqa: S603 (no shell; arguments are ours)
                    command,
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    timeout=endpoint.total_timeout + _PROCESS_MARGIN_SECONDS,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                cause = f"pas de réponse de {endpoint.server} en {endpoint.total_timeout} s"
                raise _named(sent_without_answer(cause, operation), sent) from None
            except OSError:
                raise ConfigError("cmp_openssl", f"{self._openssl} ne démarre pas") from None
            output = (done.stdout + done.stderr).decode("utf-8", "replace")
            if done.returncode != 0:
                raise _named(
                    classify(
                        output,
                        operation,
                        server=endpoint.server,
                        timeout_seconds=endpoint.message_timeout,
                        secret=secret,
                    ),
                    sent,
                )
        return output


def _named(error: Exception, sent: Path) -> Exception:
    """``error``, with the transaction ID of the request sent when its outcome is unknown."""
    if isinstance(error, CaOutcomeUnknownError) and error.transaction_id is None:
        with suppress(OSError):  # nothing saved: the client stopped before writing it
            error.transaction_id = transaction_id(sent.read_bytes())
    return error


def _element(data: bytes, at: int) -> tuple[int, int, int]:
    """The DER element at ``at``: its tag, where its content starts and where it ends."""
    tag, first = data[at], data[at + 1]
    if first < 0x80:
        return tag, at + 2, at + 2 + first
    size = first & 0x7F
    length = int.from_bytes(data[at + 2 : at + 2 + size], "big")
    return tag, at + 2 + size, at + 2 + size + length


def transaction_id(message: bytes) -> str | None:
    """The transactionID (hex) of a DER PKIMessage (RFC 4210 §5.1.1): the header's
    ``[4] OCTET STRING``, after pvno, sender and recipient. None if it cannot be read."""
    try:
        _, body, _ = _element(message, 0)  # PKIMessage
        tag, at, end = _element(message, body)  # PKIHeader
        index = 0
        while tag == 0x30 and at < end:
            field, content, after = _element(message, at)
            if index >= 3 and field == 0xA4:  # [4]; earlier [4]s are directoryNames
                inner, start, stop = _element(message, content)
                return message[start:stop].hex().upper() if inner == 0x04 else None
            at, index = after, index + 1
    except IndexError:
        return None
    return None
