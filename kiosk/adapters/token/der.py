"""The few DER encodings PKCS#11 attributes and ETSI extensions need, without asn1crypto."""

from __future__ import annotations


def _length(size: int) -> bytes:
    if size < 0x80:
        return bytes([size])
    body = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag: int, body: bytes) -> bytes:
    return bytes([tag]) + _length(len(body)) + body


def integer(value: int) -> bytes:
    """A DER INTEGER (PKCS#11 wants CKA_SERIAL_NUMBER in this form)."""
    if value < 0:
        raise ValueError("negative integers are not needed here")
    body = value.to_bytes(value.bit_length() // 8 + 1, "big")  # keeps a leading 0 bit
    return tlv(0x02, body)


def oid(dotted: str) -> bytes:
    arcs = [int(arc) for arc in dotted.split(".")]
    body = bytearray([arcs[0] * 40 + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        rest = arc >> 7
        while rest:
            chunk.append(0x80 | (rest & 0x7F))
            rest >>= 7
        body.extend(reversed(chunk))
    return tlv(0x06, bytes(body))


def sequence(*items: bytes) -> bytes:
    return tlv(0x30, b"".join(items))


def octet_string(body: bytes) -> bytes:
    return tlv(0x04, body)


def unwrap_octet_string(data: bytes) -> bytes:
    """The body of a DER OCTET STRING; raises ValueError if ``data`` is not exactly one."""
    if len(data) < 2 or data[0] != 0x04:
        raise ValueError("not an OCTET STRING")
    first = data[1]
    if first < 0x80:
        size, start = first, 2
    else:
        count = first & 0x7F
        size, start = int.from_bytes(data[2 : 2 + count], "big"), 2 + count
    if start + size != len(data):
        raise ValueError("not an OCTET STRING")
    return data[start:]
