"""The certification authority a kiosk issues and revokes with, chosen by configuration
(``ca_backend``): the embedded CA (its folder, its issuing key on a token), or a CA
reached over the network with CMP (``openssl cmp``).

Both give the same three things: the port that issues, the port that revokes, and the
roots the kiosk's own checks trust (``X509CertificateChecker``: a certificate written on
a token must chain to one of them). For CMP the roots come from the configured chain file
(``cmp_ca_chain``, issuing CA then root): the kiosk trusts what its administrator
installed, never a root the CA's answer brings along.

Whatever is missing or wrong raises a ``ConfigError`` in French: the desk then starts
without its token step and says why (``Services.pki_problem``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from kiosk.adapters.ca.cmp_ca import CmpCertificateAuthority
from kiosk.adapters.ca.cmp_client import CmpEndpoint
from kiosk.adapters.ca.cmp_probe import CmpAvailability
from kiosk.adapters.ca.embedded_ca import EmbeddedCA
from kiosk.config import Settings
from kiosk.config_pki import CmpSettings, PkiSettings
from kiosk.domain.certificate_revocation import CertificateRevocation
from kiosk.domain.certificates import CaAvailability, CertificateAuthority
from kiosk.domain.errors import ConfigError
from kiosk.domain.ports import Clock


@dataclass(frozen=True)
class AuthorityWiring:
    """What the personalisation and the desk journeys need from the CA."""

    issuing: CertificateAuthority
    revocation: CertificateRevocation
    trust_anchors: list[bytes]
    """DER roots for ``X509CertificateChecker``."""
    described: str
    """French, for ``kiosk doctor``: which CA, where."""
    availability: CaAvailability | None = None
    """Whether it answers now, asked before a step that cannot be undone; None: it is
    called in process and always answers (the embedded CA)."""


def make_certificate_authority(settings: Settings, clock: Clock) -> AuthorityWiring:
    """The configured CA; raises ``ConfigError`` saying what to fix."""
    pki = settings.pki_settings
    if pki.ca_backend == "cmp":
        return _cmp(pki.cmp)
    return _embedded(settings, pki, clock)


def _embedded(settings: Settings, pki: PkiSettings, clock: Clock) -> AuthorityWiring:
    if not (pki.ca_folder / "ca.json").exists():
        raise ConfigError("ca_folder", f"aucune autorité de certification dans {pki.ca_folder}")
    ca = EmbeddedCA.load(
        pki.ca_folder,
        module_path=settings.pkcs11_module,
        clock=clock,
        crl_validity=timedelta(days=pki.crl_next_update_days),
    )
    return AuthorityWiring(ca, ca, [ca.chain()[-1]], f"AC intégrée au kiosque ({pki.ca_folder})")


def cmp_endpoint(cmp: CmpSettings) -> CmpEndpoint:
    """The CMP server as the adapter reaches it; refuses an incomplete section."""
    secret_file, ca_chain = cmp.secret_file, cmp.ca_chain
    if cmp.missing or secret_file is None or ca_chain is None:
        raise ConfigError(
            "ca_backend = « cmp »",
            f"réglage(s) manquant(s) dans kiosk.toml : {', '.join(cmp.missing)}",
        )
    return CmpEndpoint(
        server=cmp.server,
        reference=cmp.reference,
        secret_file=secret_file,
        ca_chain=ca_chain,
        path=cmp.path,
        server_cert=cmp.server_cert,
        recipient=cmp.recipient,
        message_timeout=cmp.message_timeout,
        total_timeout=cmp.total_timeout,
        openssl=cmp.openssl,
    )


def _cmp(cmp: CmpSettings) -> AuthorityWiring:
    endpoint = cmp_endpoint(cmp)
    ca = CmpCertificateAuthority.from_endpoint(endpoint, issued_folder=cmp.issued_folder)
    where = f"{endpoint.server}, alias {endpoint.path}"
    described = f"AC distante jointe en CMP ({where})"
    return AuthorityWiring(ca, ca, [ca.chain()[-1]], described, CmpAvailability(endpoint))
