"""Signed checkpoints of the audit tree: C2SP tlog-checkpoint signed notes.

A checkpoint states the tree size, the RFC 6962 root at that size, when it was taken and
which log it belongs to. Its text (all lines end with a newline)::

    kiosk/BREST/demo-brest-1              origin: the log's identity
    1234                                  tree size, decimal, no leading zero
    R3nDSB5oSgGy7ozrVhLAmSgz0PnbGRm4…=    root hash, standard base64 (32 bytes)
    time 2026-11-26T08:00:00Z             extension line: UTC, whole seconds
                                          blank line
    — kiosk/BREST/demo-brest-1 <base64(4-byte key ID || signature)>

Signatures cover the note text: the four lines, final newline included, not the blank line
(c2sp.org/signed-note). Signing and checking go through ``CheckpointSigner`` and
``CheckpointVerifier``: the kiosk's audit key lives on a token, so the domain never sees
a private key. Signatures from unknown keys are ignored, as the spec asks; one that claims
the expected key and does not verify rejects the whole checkpoint.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from kiosk.domain.errors import IntegrityError, ValidationError
from kiosk.domain.merkle import HASH_SIZE

KEY_ID_SIZE = 4
MAX_SIGNATURES = 100
_SIG_PREFIX = "— "  # em dash (U+2014) and a space
_TIME_PREFIX = "time "
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_SIZE = re.compile(r"0|[1-9][0-9]{0,18}")
_NAME = re.compile(r"[^\s+]+")  # signed-note key names: no Unicode space, no plus
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")


class CheckpointSigner(Protocol):
    """Signs a note text with the kiosk's audit key (PKCS#11 on the desk, software in tests)."""

    @property
    def key_name(self) -> str: ...

    @property
    def key_id(self) -> bytes:
        """The 4-byte signed-note key ID."""
        ...

    def sign(self, message: bytes) -> bytes: ...


class CheckpointVerifier(Protocol):
    @property
    def key_name(self) -> str: ...

    @property
    def key_id(self) -> bytes: ...

    def verify(self, message: bytes, signature: bytes) -> bool: ...


def log_origin(site: str, kiosk_id: str) -> str:
    """The origin line (and key name) of a kiosk's log, e.g. ``kiosk/BREST/demo-brest-1``."""
    return f"kiosk/{site}/{kiosk_id}"


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root_hash: bytes
    timestamp: datetime  # aware; kept in UTC to the second, as the text states it

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.origin):
            raise ValueError("an origin is non-empty, without spaces or '+'")
        if not 0 <= self.size < 2**63:
            raise ValueError("a tree size is a non-negative 64-bit integer")
        if len(self.root_hash) != HASH_SIZE:
            raise ValueError("a root hash is 32 bytes")
        if self.timestamp.tzinfo is None:
            raise ValueError("a checkpoint time is timezone-aware")
        utc = self.timestamp.astimezone(UTC).replace(microsecond=0)
        object.__setattr__(self, "timestamp", utc)

    def note_text(self) -> bytes:
        """The exact bytes every signature covers."""
        root = base64.b64encode(self.root_hash).decode("ascii")
        when = self.timestamp.strftime(_TIME_FORMAT)
        return f"{self.origin}\n{self.size}\n{root}\n{_TIME_PREFIX}{when}\n".encode()

    def when_text(self) -> str:
        return f"{self.timestamp:%d/%m/%Y %H:%M:%S} UTC"

    def describe(self) -> str:
        """How a person is told which checkpoint this is."""
        events = "événement" if self.size <= 1 else "événements"
        return f"point de contrôle du {self.when_text()} ({self.size} {events})"


@dataclass(frozen=True)
class NoteSignature:
    key_name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        blob = base64.b64encode(self.key_id + self.signature).decode("ascii")
        return f"{_SIG_PREFIX}{self.key_name} {blob}\n"


@dataclass(frozen=True)
class SignedCheckpoint:
    checkpoint: Checkpoint
    signatures: tuple[NoteSignature, ...]

    def to_text(self) -> str:
        lines = "".join(sig.line() for sig in self.signatures)
        return f"{self.checkpoint.note_text().decode()}\n{lines}"


def sign_checkpoint(checkpoint: Checkpoint, signer: CheckpointSigner) -> SignedCheckpoint:
    key_id = bytes(signer.key_id)
    if len(key_id) != KEY_ID_SIZE or not _NAME.fullmatch(signer.key_name):
        raise ValueError("a signer has a 4-byte key ID and a key name without spaces or '+'")
    signature = signer.sign(checkpoint.note_text())
    if not signature:
        raise ValueError("a signer returned no signature")
    return SignedCheckpoint(checkpoint, (NoteSignature(signer.key_name, key_id, signature),))


def _unreadable(reason: str) -> ValidationError:
    return ValidationError(f"Point de contrôle illisible : {reason}.")


def parse_signed_checkpoint(data: str | bytes) -> SignedCheckpoint:
    """Read a signed checkpoint; anything but the exact format is a ``ValidationError``.
    Signatures are *not* checked here: see ``verify_signed_checkpoint``."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise _unreadable("ce n'est pas du texte UTF-8") from None
    if "\r" in data:
        raise _unreadable("fins de ligne Windows (CRLF), le fichier a été réenregistré")
    if _CONTROL.search(data):
        raise _unreadable("caractère de contrôle inattendu")
    if not data.endswith("\n"):
        raise _unreadable("le texte ne finit pas par un saut de ligne")
    cut = data.rfind("\n\n")
    if cut < 0:
        raise _unreadable("il manque la ligne vide suivie des signatures")
    if cut + 2 == len(data):
        raise _unreadable("aucune signature")
    body, sig_lines = data[: cut + 1], data[cut + 2 : -1].split("\n")
    checkpoint = _parse_body(body)
    if len(sig_lines) > MAX_SIGNATURES:
        raise _unreadable("trop de signatures")
    signatures = tuple(_parse_signature(line) for line in sig_lines)
    return SignedCheckpoint(checkpoint, signatures)


def _parse_body(body: str) -> Checkpoint:
    lines = body[:-1].split("\n")
    if len(lines) != 4:
        raise _unreadable("quatre lignes attendues (origine, taille, racine, date)")
    origin, size, root_b64, when = lines
    if not _NAME.fullmatch(origin):
        raise _unreadable("origine du journal invalide")
    if not _SIZE.fullmatch(size) or int(size) >= 2**63:
        raise _unreadable("taille de l'arbre invalide")
    try:
        root_hash = base64.b64decode(root_b64, validate=True)
    except binascii.Error:
        root_hash = b""
    if len(root_hash) != HASH_SIZE:
        raise _unreadable("empreinte racine invalide")
    try:
        if not when.startswith(_TIME_PREFIX):
            raise ValueError(when)
        stamp = datetime.strptime(when.removeprefix(_TIME_PREFIX), _TIME_FORMAT)
    except ValueError:
        raise _unreadable("date manquante ou invalide") from None
    checkpoint = Checkpoint(origin, int(size), root_hash, stamp.replace(tzinfo=UTC))
    if checkpoint.note_text() != body.encode():
        raise _unreadable("forme non canonique")  # so the signed bytes are what we state
    return checkpoint


def _parse_signature(line: str) -> NoteSignature:
    name, _, blob = line.removeprefix(_SIG_PREFIX).partition(" ")
    if not line.startswith(_SIG_PREFIX) or not _NAME.fullmatch(name):
        raise _unreadable("ligne de signature mal formée")
    try:
        raw = base64.b64decode(blob, validate=True)
    except binascii.Error:
        raw = b""
    if len(raw) <= KEY_ID_SIZE:
        raise _unreadable("signature mal encodée")
    return NoteSignature(name, raw[:KEY_ID_SIZE], raw[KEY_ID_SIZE:])


def verify_signed_checkpoint(
    signed: SignedCheckpoint, verifier: CheckpointVerifier, expected_origin: str | None = None
) -> Checkpoint:
    """The checkpoint, once signed by ``verifier``'s key; ``IntegrityError`` otherwise."""
    checkpoint = signed.checkpoint
    if expected_origin is not None and checkpoint.origin != expected_origin:
        raise IntegrityError(
            f"Point de contrôle d'un autre journal : « {checkpoint.origin} » "
            f"au lieu de « {expected_origin} »."
        )
    key_id = bytes(verifier.key_id)
    ours = [
        sig
        for sig in signed.signatures
        if sig.key_name == verifier.key_name and sig.key_id == key_id
    ]
    if not ours:
        raise IntegrityError(
            f"Point de contrôle non signé par la clé attendue ({verifier.key_name})."
        )
    message = checkpoint.note_text()
    if not all(verifier.verify(message, sig.signature) for sig in ours):
        raise IntegrityError(f"Signature du point de contrôle invalide (clé {verifier.key_name}).")
    return checkpoint


def open_checkpoint(
    data: str | bytes, verifier: CheckpointVerifier, expected_origin: str | None = None
) -> Checkpoint:
    """Parse and verify in one step: what ``kiosk audit verify --checkpoint FILE`` needs."""
    return verify_signed_checkpoint(parse_signed_checkpoint(data), verifier, expected_origin)
