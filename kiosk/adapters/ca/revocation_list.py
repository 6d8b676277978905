"""The embedded CA's revocations on disk, and the CRL built from them.

revocations.jsonl  one JSON object a line: serial (hex), reason (RFC 5280 name), revoked_at
crl-number         the last CRL number used (decimal)
crl.pem            the last CRL signed, where the distribution point would publish it
ca.lock            held (flock) while any of them is read and rewritten

Every file is rewritten whole through a temporary file and a rename: a crash leaves the
old version or the new one, never half a line. The lock is per CA folder and works across
processes as well as threads.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature

from kiosk.adapters.ca.ca_folder import write_atomically
from kiosk.domain.certificate_revocation import RevocationReason, RevokedCertificate
from kiosk.domain.errors import IntegrityError, StorageError, ValidationError

REVOCATIONS = "revocations.jsonl"
CRL_NUMBER = "crl-number"
CRL_PEM = "crl.pem"
LOCK = "ca.lock"

_REASON_FLAGS: dict[RevocationReason, x509.ReasonFlags] = {
    RevocationReason.UNSPECIFIED: x509.ReasonFlags.unspecified,
    RevocationReason.KEY_COMPROMISE: x509.ReasonFlags.key_compromise,
    RevocationReason.AFFILIATION_CHANGED: x509.ReasonFlags.affiliation_changed,
    RevocationReason.SUPERSEDED: x509.ReasonFlags.superseded,
    RevocationReason.CESSATION_OF_OPERATION: x509.ReasonFlags.cessation_of_operation,
    RevocationReason.CERTIFICATE_HOLD: x509.ReasonFlags.certificate_hold,
    RevocationReason.PRIVILEGE_WITHDRAWN: x509.ReasonFlags.privilege_withdrawn,
}
_THREAD_LOCK = threading.Lock()  # flock is per open file: threads need their own


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """The CA folder's revocation files, for this block alone."""
    with _THREAD_LOCK:
        try:
            descriptor = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StorageError(f"Verrou du dossier de l'AC impossible : {folder}.") from exc
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)  # releases the flock


def _entry(line: str, number: int) -> RevokedCertificate:
    try:
        raw = json.loads(line)
        revoked_at = datetime.fromisoformat(raw["revoked_at"])
        serial = str(raw["serial"])
        int(serial, 16)
        reason = RevocationReason(raw["reason"])
        if revoked_at.tzinfo is None:
            raise ValueError("revocation time without a time zone")
    except (ValueError, KeyError, TypeError) as exc:
        raise IntegrityError(
            f"La liste des révocations de l'AC est illisible ({REVOCATIONS}, ligne {number}) : "
            "aucune liste de révocation ne sera publiée tant qu'elle n'est pas réparée."
        ) from exc
    return RevokedCertificate(serial, reason, revoked_at.astimezone(UTC))


def read_revocations(folder: Path) -> list[RevokedCertificate]:
    """Every revocation recorded, oldest first (call under ``locked``)."""
    try:
        text = (folder / REVOCATIONS).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise StorageError(f"Lecture impossible : {folder / REVOCATIONS}.") from exc
    return [_entry(line, n) for n, line in enumerate(text.splitlines(), 1) if line.strip()]


def _line(entry: RevokedCertificate) -> str:
    return json.dumps(
        {
            "serial": entry.serial_hex,
            "reason": entry.reason.value,
            "revoked_at": entry.revoked_at.astimezone(UTC).isoformat(),
        }
    )


def record_revocation(folder: Path, entry: RevokedCertificate) -> RevokedCertificate:
    """Adds ``entry`` unless its serial is already revoked; returns the entry on file
    (call under ``locked``)."""
    entries = read_revocations(folder)
    for known in entries:
        if int(known.serial_hex, 16) == int(entry.serial_hex, 16):
            return known
    text = "".join(f"{_line(e)}\n" for e in [*entries, entry])
    write_atomically(folder / REVOCATIONS, text.encode("utf-8"), 0o644)
    return entry


def take_crl_number(folder: Path) -> int:
    """The next CRL number, saved before the CRL is signed: a CRL that then fails leaves
    a gap, never a number used twice (call under ``locked``)."""
    path = folder / CRL_NUMBER
    try:
        last = int(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        last = 0
    except (OSError, ValueError) as exc:
        raise IntegrityError(f"Numéro de liste de révocation illisible : {path}.") from exc
    number = last + 1
    write_atomically(path, f"{number}\n".encode("ascii"), 0o644)
    return number


def crl_builder(
    issuing: x509.Certificate,
    entries: Sequence[RevokedCertificate],
    this_update: datetime,
    validity: timedelta,
    number: int,
) -> x509.CertificateRevocationListBuilder:
    """An RFC 5280 CRL of ``issuing``, not yet signed. An unspecified reason is left out
    of its entry, as §5.3.1 asks."""
    ski = issuing.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuing.subject)
        .last_update(this_update)
        .next_update(this_update + validity)
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
    )
    for entry in entries:
        revoked = (
            x509.RevokedCertificateBuilder()
            .serial_number(int(entry.serial_hex, 16))
            .revocation_date(entry.revoked_at)
        )
        if entry.reason is not RevocationReason.UNSPECIFIED:
            revoked = revoked.add_extension(
                x509.CRLReason(_REASON_FLAGS[entry.reason]), critical=False
            )
        builder = builder.add_revoked_certificate(revoked.build())
    return builder


def check_issued_by(issuing: x509.Certificate, certificate_der: bytes, serial_hex: str) -> None:
    """Refuses a certificate ``issuing`` did not sign, or whose serial is not ``serial_hex``."""
    try:
        cert = x509.load_der_x509_certificate(certificate_der)
        cert.verify_directly_issued_by(issuing)
    except (ValueError, TypeError, InvalidSignature) as exc:
        raise ValidationError(
            "Ce certificat n'a pas été émis par cette autorité : révocation impossible ici."
        ) from exc
    if cert.serial_number != int(serial_hex, 16):
        raise ValidationError("Le numéro de série ne correspond pas au certificat donné.")
