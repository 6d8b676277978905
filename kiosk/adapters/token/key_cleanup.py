"""Key pairs left on a token by an issuance that will never be delivered, destroyed.

A run taken up under a new key (the CA's answer lost, a certificate issued for a key that
is gone) leaves the first key pair behind. Its certificates, if any exist, are being
revoked; the key must not go home with the holder beside the one delivered, where
middleware would offer it to sign. Objects are grouped by CKA_ID (key pair and holder
certificate share it, CA certificates carry none) and the private key goes first: if the
token refuses after that, nothing usable is left.
"""

from __future__ import annotations

from collections import defaultdict

import pkcs11
from pkcs11 import Attribute, ObjectClass
from pkcs11 import exceptions as p11
from pkcs11.types import Object

from kiosk.domain.token_ports import DiscardedKeys

# The order objects are destroyed in, within one CKA_ID.
_CLASSES = (ObjectClass.PRIVATE_KEY, ObjectClass.CERTIFICATE, ObjectClass.PUBLIC_KEY)
# What a card that does not let objects be deleted answers (some IAS-ECC profiles).
_REFUSED = (p11.FunctionNotSupported, p11.AttributeReadOnly)
# CKR_ACTION_PROHIBITED has no class of its own in python-pkcs11 0.10: only this text.
_ACTION_PROHIBITED = f"Unmapped error code {hex(0x1B)}"


def _refused(exc: p11.PKCS11Error) -> bool:
    return isinstance(exc, _REFUSED) or str(exc) == _ACTION_PROHIBITED


def _objects_by_id(session: pkcs11.Session) -> dict[bytes, list[Object]]:
    found: dict[bytes, list[Object]] = defaultdict(list)
    for object_class in _CLASSES:
        for obj in list(session.get_objects({Attribute.CLASS: object_class})):
            found[bytes(obj[Attribute.ID])].append(obj)
    return found


def discard_other_keys(session: pkcs11.Session, keep: bytes) -> DiscardedKeys:
    """Destroy every object with a CKA_ID other than ``keep`` (and not empty). Needs a
    read-write session logged in as the user: private keys are private objects."""
    destroyed = refused = 0
    for key_id, objects in _objects_by_id(session).items():
        if not key_id or key_id == keep:
            continue
        try:
            for obj in objects:
                obj.destroy()
        except p11.PKCS11Error as exc:
            if not _refused(exc):
                raise
            refused += 1
        else:
            destroyed += 1
    return DiscardedKeys(destroyed=destroyed, refused=refused)
