"""Key pairs left on a token by an issuance that will never be delivered, destroyed.

A run taken up under a new key (the CA's answer lost, a certificate issued for a key that
is gone) leaves the first key pair behind. Its certificates, if any exist, are being
revoked; the key must not go home with the holder beside the one delivered, where
middleware would offer it to sign. Only the CKA_IDs the run itself used are named (key
pair and holder certificate share one; CA certificates carry none), and the private key
goes first: if the token refuses after that, nothing usable is left.
"""

from __future__ import annotations

from collections.abc import Sequence

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


def _objects_under(session: pkcs11.Session, key_id: bytes) -> list[Object]:
    found: list[Object] = []
    for object_class in _CLASSES:
        found += list(session.get_objects({Attribute.CLASS: object_class, Attribute.ID: key_id}))
    return found


def discard_keys(session: pkcs11.Session, key_ids: Sequence[bytes]) -> DiscardedKeys:
    """Destroy every object under each of ``key_ids`` (none empty). Needs a read-write
    session logged in as the user: private keys are private objects."""
    destroyed = refused = 0
    for key_id in dict.fromkeys(key_ids):
        objects = _objects_under(session, key_id) if key_id else []
        if not objects:
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
