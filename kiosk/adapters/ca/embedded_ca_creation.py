"""Creating the embedded CA: its root, and its issuing key on a blank PKCS#11 token.

The root key is a software key kept in the CA folder (0600): it signs the issuing CA once,
at creation. The issuing CA key is generated on its own token and never leaves it.
``EmbeddedCA.create`` (``kiosk.adapters.ca.embedded_ca``) makes this material, then
publishes the CA's first, still empty, CRL.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from kiosk.adapters.ca import ca_folder
from kiosk.adapters.ca.ca_folder import CaTokenRef
from kiosk.adapters.ca.qualified_profile import add_years, ca_certificate
from kiosk.adapters.token.pkcs11_token import Pkcs11TokenAdapter
from kiosk.adapters.token.token_keys import public_key_from_spki
from kiosk.domain.errors import DeviceError
from kiosk.domain.model import KeyAlgorithm
from kiosk.domain.ports import Clock

_CA_KEY_ID = b"\x01"


@dataclass(frozen=True)
class CaMaterial:
    """A new CA, written to its folder: its token, the issuing key's PIN, its certificates."""

    token: Pkcs11TokenAdapter
    token_ref: CaTokenRef
    pin: str = field(repr=False)
    root: x509.Certificate
    issuing: x509.Certificate


def _name(organisation: str, country: str, common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _software_key(algorithm: KeyAlgorithm) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    if algorithm is KeyAlgorithm.EC_P256:
        return ec.generate_private_key(ec.SECP256R1())
    bits = 2048 if algorithm is KeyAlgorithm.RSA_2048 else 3072
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def create_ca_material(
    folder: Path,
    *,
    module_path: str,
    token_label: str,
    organisation: str,
    country: str,
    key_algorithm: KeyAlgorithm,
    root_validity_years: int,
    issuing_validity_years: int,
    clock: Clock,
) -> CaMaterial:
    """Makes the root, initialises a blank token of ``module_path`` for the issuing key,
    and writes everything to ``folder`` (which must not hold a CA yet)."""
    ca_folder.prepare(folder)
    token = Pkcs11TokenAdapter(module_path, key_label="Issuing CA")
    blank = token.find_blank()
    if blank is None:
        raise DeviceError("Aucun support vierge pour la clé de l'autorité de certification.")
    pin = secrets.token_urlsafe(18)
    so_pin = secrets.token_urlsafe(18)  # not kept: the CA token is never re-initialised
    info = token.initialise(blank.serial, token_label, so_pin, pin)
    token_ref = CaTokenRef(label=token_label, serial=info.serial, key_id=_CA_KEY_ID)
    issuing_public_der = token.generate_key_pair(info.serial, pin, key_algorithm, _CA_KEY_ID)

    now = clock.now().replace(microsecond=0)
    root_key = _software_key(key_algorithm)
    root = ca_certificate(
        _name(organisation, country, f"{organisation} - AC racine"),
        root_key.public_key(),
        None,
        now,
        add_years(now, root_validity_years),
        path_length=1,
    ).sign(root_key, hashes.SHA256())
    issuing = ca_certificate(
        _name(organisation, country, f"{organisation} - AC signature qualifiée"),
        public_key_from_spki(issuing_public_der),
        root,
        now,
        add_years(now, issuing_validity_years),
        path_length=0,
    ).sign(root_key, hashes.SHA256())
    ca_folder.save(folder, token_ref, pin, root_key, root, issuing)
    return CaMaterial(token, token_ref, pin, root, issuing)
