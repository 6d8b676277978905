"""Key pairs that live on a PKCS#11 token, seen through ``cryptography``'s key interfaces.

``TokenRsaPrivateKey`` and ``TokenEcPrivateKey`` let ``cryptography`` builders (CSR,
certificate) sign with a key that never leaves the token. Mechanisms are always named:
module defaults are surprising (SHA-512 variants on SoftHSM).
"""

from __future__ import annotations

from typing import Any, NoReturn, cast

import pkcs11
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa, utils
from cryptography.hazmat.primitives.asymmetric.padding import AsymmetricPadding, PKCS1v15
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_der_public_key,
)
from cryptography.utils import Buffer
from pkcs11 import Attribute, KeyType, Mechanism, MechanismFlag, ObjectClass
from pkcs11.types import HasKeyType, SignMixin

from kiosk.adapters.token import der
from kiosk.domain.errors import DeviceError
from kiosk.domain.model import KeyAlgorithm

P256_PARAMS = der.oid("1.2.840.10045.3.1.7")  # namedCurve prime256v1, as CKA_EC_PARAMS

_RSA_BITS = {KeyAlgorithm.RSA_2048: 2048, KeyAlgorithm.RSA_3072: 3072}
_RSA_MECHANISMS = {
    "sha256": Mechanism.SHA256_RSA_PKCS,
    "sha384": Mechanism.SHA384_RSA_PKCS,
    "sha512": Mechanism.SHA512_RSA_PKCS,
}
# DigestInfo headers (RFC 8017 §9.2) for signing a hash computed on the host with CKM_RSA_PKCS,
# by digest size (Prehashed does not say which SHA-2 it carries, only its size).
_DIGEST_INFO = {
    32: bytes.fromhex("3031300d060960864801650304020105000420"),
    48: bytes.fromhex("3041300d060960864801650304020205000430"),
    64: bytes.fromhex("3051300d060960864801650304020305000440"),
}

TokenPrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def _no_export() -> NoReturn:
    raise TypeError("a token private key cannot be exported")


class TokenRsaPrivateKey(rsa.RSAPrivateKey):
    """Signs RSA PKCS#1 v1.5 on the token; nothing else."""

    def __init__(self, key: SignMixin, public: rsa.RSAPublicKey) -> None:
        self._key = key
        self._public = public

    @property
    def key_size(self) -> int:
        return self._public.key_size

    def public_key(self) -> rsa.RSAPublicKey:
        return self._public

    def sign(
        self,
        data: bytes,
        padding: AsymmetricPadding,
        algorithm: utils.Prehashed | hashes.HashAlgorithm | utils.NoDigestInfo,
    ) -> bytes:
        if not isinstance(padding, PKCS1v15):
            raise TypeError("only PKCS#1 v1.5 signatures are made on the token")
        if isinstance(algorithm, utils.Prehashed):
            header = _DIGEST_INFO[algorithm.digest_size]
            return bytes(self._key.sign(header + data, mechanism=Mechanism.RSA_PKCS))
        if isinstance(algorithm, utils.NoDigestInfo):
            raise TypeError("a DigestInfo is always signed")
        mechanism = _RSA_MECHANISMS[algorithm.name]
        return bytes(self._key.sign(data, mechanism=mechanism))

    def decrypt(self, ciphertext: bytes, padding: AsymmetricPadding) -> bytes:
        raise TypeError("signing keys do not decrypt")

    def private_numbers(self) -> rsa.RSAPrivateNumbers:
        _no_export()

    def private_bytes(self, encoding: Any, format: Any, encryption_algorithm: Any) -> bytes:
        _no_export()

    def __copy__(self) -> TokenRsaPrivateKey:
        return self  # a handle to one token object: copies would share it anyway

    def __deepcopy__(self, memo: dict[int, object]) -> TokenRsaPrivateKey:
        return self


class TokenEcPrivateKey(ec.EllipticCurvePrivateKey):
    """Signs ECDSA: the host hashes, the token signs (CKM_ECDSA), the host DER-encodes r, s."""

    def __init__(self, key: SignMixin, public: ec.EllipticCurvePublicKey) -> None:
        self._key = key
        self._public = public

    @property
    def curve(self) -> ec.EllipticCurve:
        return self._public.curve

    @property
    def key_size(self) -> int:
        return self._public.curve.key_size

    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._public

    def sign(self, data: Buffer, signature_algorithm: ec.EllipticCurveSignatureAlgorithm) -> bytes:
        if not isinstance(signature_algorithm, ec.ECDSA):
            raise TypeError("only ECDSA signatures are made on the token")
        algorithm = signature_algorithm.algorithm
        if isinstance(algorithm, utils.Prehashed):
            digest = bytes(data)
        else:
            hasher = hashes.Hash(algorithm)
            hasher.update(data)
            digest = hasher.finalize()
        raw = bytes(self._key.sign(digest, mechanism=Mechanism.ECDSA))
        half = len(raw) // 2
        r, s = int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big")
        return utils.encode_dss_signature(r, s)

    def exchange(self, algorithm: ec.ECDH, peer_public_key: ec.EllipticCurvePublicKey) -> bytes:
        raise TypeError("signing keys do not agree keys")

    def private_numbers(self) -> ec.EllipticCurvePrivateNumbers:
        _no_export()

    def private_bytes(self, encoding: Any, format: Any, encryption_algorithm: Any) -> bytes:
        _no_export()

    def __copy__(self) -> TokenEcPrivateKey:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> TokenEcPrivateKey:
        return self


def generate_key_pair(
    session: pkcs11.Session, algorithm: KeyAlgorithm, key_id: bytes, label: str
) -> pkcs11.PublicKey:
    """A stored, sensitive, non-extractable signing pair with ``key_id`` on both halves."""
    public_template: dict[Attribute, Any] = {
        Attribute.TOKEN: True,
        Attribute.PRIVATE: False,
        Attribute.VERIFY: True,
        Attribute.ENCRYPT: False,
        Attribute.WRAP: False,
    }
    private_template = {
        Attribute.TOKEN: True,
        Attribute.PRIVATE: True,
        Attribute.SENSITIVE: True,
        Attribute.EXTRACTABLE: False,
        Attribute.SIGN: True,
        Attribute.DECRYPT: False,
        Attribute.UNWRAP: False,
        Attribute.DERIVE: False,
    }
    common: dict[str, Any] = {
        "id": key_id,
        "label": label,
        "store": True,
        "capabilities": MechanismFlag.SIGN | MechanismFlag.VERIFY,
        "private_template": private_template,
    }
    if algorithm is KeyAlgorithm.EC_P256:
        parameters = session.create_domain_parameters(
            KeyType.EC, {Attribute.EC_PARAMS: P256_PARAMS}, local=True
        )
        public, _ = parameters.generate_keypair(
            mechanism=Mechanism.EC_KEY_PAIR_GEN, public_template=public_template, **common
        )
    else:
        public_template[Attribute.PUBLIC_EXPONENT] = (65537).to_bytes(3, "big")
        public, _ = session.generate_keypair(
            KeyType.RSA,
            _RSA_BITS[algorithm],
            mechanism=Mechanism.RSA_PKCS_KEY_PAIR_GEN,
            public_template=public_template,
            **common,
        )
    return public


def public_key_of(public: HasKeyType) -> rsa.RSAPublicKey | ec.EllipticCurvePublicKey:
    """The ``cryptography`` public key of a token public-key object (RSA or P-256)."""
    if public.key_type == KeyType.RSA:
        modulus = int.from_bytes(public[Attribute.MODULUS], "big")
        exponent = int.from_bytes(public[Attribute.PUBLIC_EXPONENT], "big")
        return rsa.RSAPublicNumbers(exponent, modulus).public_key()
    if public.key_type == KeyType.EC and bytes(public[Attribute.EC_PARAMS]) == P256_PARAMS:
        point = bytes(public[Attribute.EC_POINT])
        if len(point) != 65:  # the spec says DER OCTET STRING; some modules give it raw
            point = der.unwrap_octet_string(point)
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    raise DeviceError("Type de clé non pris en charge sur ce support (RSA ou P-256 attendu).")


def public_key_from_spki(spki: bytes) -> rsa.RSAPublicKey | ec.EllipticCurvePublicKey:
    key = load_der_public_key(spki)
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise DeviceError("Type de clé non pris en charge (RSA ou P-256 attendu).")
    return key


def spki_der(public: PublicKeyTypes) -> bytes:
    return public.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def load_private_key(session: pkcs11.Session, key_id: bytes) -> TokenPrivateKey:
    """The private key ``key_id`` wrapped for ``cryptography`` (needs a logged-in session)."""
    private = cast(SignMixin, session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=key_id))
    public = public_key_of(session.get_key(object_class=ObjectClass.PUBLIC_KEY, id=key_id))
    if isinstance(public, rsa.RSAPublicKey):
        return TokenRsaPrivateKey(private, public)
    return TokenEcPrivateKey(private, public)


def sign_sha256(key: TokenPrivateKey, data: bytes) -> bytes:
    """The signature the port promises: PKCS#1 v1.5 or DER ECDSA, both over SHA-256."""
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, PKCS1v15(), hashes.SHA256())
    return key.sign(data, ec.ECDSA(hashes.SHA256()))
