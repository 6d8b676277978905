"""Settings of the certification-authority side of a delivery: the CA (embedded, or
reached over the network with CMP), the certificate profile and the SO-PIN escrow."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.domain.errors import ConfigError

Getter = Callable[..., Any]


@dataclass(frozen=True)
class CmpSettings:
    """A CA reached with CMP (RFC 4210/9480), through the ``openssl cmp`` client."""

    server: str = ""
    """``host:port`` (or ``http://host:port``) of the CA's CMP server."""
    path: str = "/"
    """Alias (HTTP path) of the certificate profile on that server."""
    reference: str = ""
    """Reference (senderKID) the CA gave this kiosk with its shared secret."""
    secret_file: Path | None = None
    """File (0600) whose first line is the shared secret."""
    server_cert: Path | None = None
    """The CMP server's certificate, pinned."""
    recipient: str | None = None
    """The CA's DN (``/C=FR/O=.../CN=...``); default: the pinned certificate's subject."""
    ca_chain: Path | None = None
    """PEM, issuing CA then root, that every returned certificate must chain to."""
    message_timeout: int = 10
    """Seconds to wait for one CMP answer."""
    total_timeout: int = 30
    """Seconds for a whole CMP transaction, polling included."""
    issued_folder: Path | None = None
    """Where the kiosk keeps a copy of each certificate the CA returned (public data): a
    revocation over CMP names the certificate itself, and the caller may not have it."""
    openssl: str = "openssl"
    """The OpenSSL 3 program whose ``openssl cmp`` client talks to the CA."""

    @property
    def missing(self) -> list[str]:
        """The settings without which the CMP backend cannot run (kiosk.toml names)."""
        required = (
            ("cmp_server", self.server),
            ("cmp_ref", self.reference),
            ("cmp_secret_file", self.secret_file),
            ("cmp_ca_chain", self.ca_chain),
        )
        return [name for name, value in required if not value]


@dataclass(frozen=True)
class PkiSettings:
    """The certification authority side of a delivery."""

    ca_folder: Path
    """Folder of the embedded CA (certificates, CA token reference and PIN file)."""
    escrow_public_key: Path
    """RSA public key (PEM) of the back office's PIN-unblock service: SO PINs are kept
    only encrypted to it. Its private half never lives on the kiosk."""
    policy_oid: str = "1.2.250.1.999.1.2.3"
    """Certification policy OID written in every certificate (demo: a made-up arc)."""
    crl_url: str = "http://crl.kiosque.example/ac-signature.crl"
    """CRL distribution point written in every certificate."""
    ca_issuers_url: str = "http://ac.kiosque.example/ac-signature.crt"
    """Where relying parties fetch the issuing CA's certificate (AIA caIssuers)."""
    ocsp_url: str | None = None
    """OCSP responder written in the AIA, if the CA runs one."""
    terms_version: str = "CGU-2026-01"
    """Version of the terms of use the holder accepts at delivery."""
    ca_backend: str = "embedded"
    """``embedded`` (the CA in ``ca_folder``) or ``cmp`` (a CA reached with CMP)."""
    crl_next_update_days: int = 7
    """Embedded CA: days from a CRL's thisUpdate to its nextUpdate."""
    cmp: CmpSettings = CmpSettings()
    """The CMP server, when ``ca_backend`` is ``cmp``."""
    back_office_key: Path | None = None
    """DEMO ONLY: the back office's SO-PIN escrow private key (PIN unblock at the desk)."""


def bounded_int(name: str, value: Any, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(name, f"nombre entier attendu, reçu « {value} »") from None
    if not low <= number <= high:
        raise ConfigError(name, f"doit être compris entre {low} et {high}")
    return number


def _oid(value: str) -> str:
    parts = value.split(".")
    if len(parts) < 2 or not all(p.isdigit() for p in parts):
        raise ConfigError("KIOSK_CERTIFICATE_POLICY_OID", f"OID invalide « {value} »")
    return value


def load_pki(get: Getter, home: Path) -> PkiSettings:
    """``get(key, default)`` reads one setting (environment first, then kiosk.toml)."""

    def path_or_none(key: str) -> Path | None:
        value = get(key, None)
        return Path(value) if value else None

    backend = get("ca_backend", "embedded")
    if backend not in ("embedded", "cmp"):
        raise ConfigError("KIOSK_CA_BACKEND", "« embedded » ou « cmp » attendu")
    cmp = CmpSettings(
        server=get("cmp_server", ""),
        path=get("cmp_path", "/"),
        reference=get("cmp_ref", ""),
        secret_file=path_or_none("cmp_secret_file"),
        server_cert=path_or_none("cmp_srvcert"),
        recipient=get("cmp_recipient", None),
        ca_chain=path_or_none("cmp_ca_chain"),
        message_timeout=bounded_int("KIOSK_CMP_MSG_TIMEOUT", get("cmp_msg_timeout", 10), 1, 600),
        total_timeout=bounded_int("KIOSK_CMP_TOTAL_TIMEOUT", get("cmp_total_timeout", 30), 1, 600),
        issued_folder=Path(get("cmp_issued_folder", home / "cmp" / "issued")),
        openssl=get("cmp_openssl", "openssl"),
    )
    # An incomplete CMP section is not refused here: the desk still starts, and says
    # that the token step is unavailable and why (kiosk.bootstrap_ca).
    return PkiSettings(
        ca_folder=Path(get("ca_folder", home / "ca")),
        escrow_public_key=Path(get("escrow_public_key", home / "escrow" / "so-pin-escrow.pub.pem")),
        policy_oid=_oid(get("certificate_policy_oid", PkiSettings.policy_oid)),
        crl_url=get("crl_url", PkiSettings.crl_url),
        ca_issuers_url=get("ca_issuers_url", PkiSettings.ca_issuers_url),
        ocsp_url=get("ocsp_url", None),
        terms_version=get("terms_version", PkiSettings.terms_version),
        ca_backend=backend,
        crl_next_update_days=bounded_int(
            "KIOSK_CRL_NEXT_UPDATE_DAYS", get("crl_next_update_days", 7), 1, 365
        ),
        cmp=cmp,
        back_office_key=path_or_none("back_office_key"),
    )
