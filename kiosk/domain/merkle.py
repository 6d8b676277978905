"""RFC 6962 / RFC 9162 Merkle tree hashing, the streaming accumulator, and proof checks.

Hashes are SHA-256 with the RFC's domain separation, so a leaf can never pass for a node:

    leaf_hash(d)    = SHA-256(0x00 || d)
    node_hash(l, r) = SHA-256(0x01 || l || r)
    MTH({})         = SHA-256("")            (``EMPTY_ROOT``)
    MTH(D[n])       = node_hash(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two < n

What a leaf of the audit tree is: leaf i (0-based) is audit event ``seq = i + 1``, and its
leaf data is that event's chain hash as 32 raw bytes (``bytes.fromhex(event.hash)``), so
the tree commits to the whole chain (see ``log_verification.event_leaf_hash``).

Proof *generation* lives in ``merkle_store`` (it needs a store of hashes); this module holds
what a verifier needs and nothing else: it never raises on a bad proof, it says False.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly below ``n`` (n >= 2): where MTH splits D[n]."""
    return 1 << ((n - 1).bit_length() - 1)


def is_power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


@dataclass(frozen=True, slots=True)
class TreeNode:
    """The root of the perfect subtree over leaves [index * 2**level, (index + 1) * 2**level).

    In an RFC 6962 tree every perfect subtree is aligned like this, and it never changes once
    its last leaf is in: that is what makes such nodes safe to cache or to store."""

    level: int
    index: int
    hash: bytes


def compact_range_positions(size: int) -> list[tuple[int, int]]:
    """(level, index) of the perfect subtrees, left to right, whose roots make up a tree of
    ``size`` leaves (one per set bit of ``size``): all a writer must keep to go on appending."""
    positions: list[tuple[int, int]] = []
    offset = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            positions.append((level, offset >> level))
            offset += 1 << level
    return positions


class MerkleAccumulator:
    """The compact range of a growing tree: one subtree root per set bit of its size.

    ``append`` costs amortised one leaf plus one node hash, ``root`` at most log2(n) node
    hashes, and memory is O(log n): a million events stream through without being held.
    """

    __slots__ = ("_peaks", "_size")

    def __init__(self) -> None:
        self._size = 0
        self._peaks: list[bytes] = []  # largest (leftmost) subtree first

    @classmethod
    def resume(cls, size: int, peaks: Sequence[bytes]) -> MerkleAccumulator:
        """Take up a tree from its compact range (the hashes at ``compact_range_positions``)."""
        if size < 0 or len(peaks) != size.bit_count():
            raise ValueError(f"a tree of {size} leaves has {size.bit_count()} peaks")
        _check_hashes(peaks)
        acc = cls()
        acc._size = size
        acc._peaks = list(peaks)
        return acc

    @property
    def size(self) -> int:
        return self._size

    @property
    def peaks(self) -> tuple[bytes, ...]:
        return tuple(self._peaks)

    def append(self, leaf: bytes) -> None:
        """Add the next leaf hash."""
        self._push(leaf, None)

    def append_nodes(self, leaf: bytes) -> list[TreeNode]:
        """Add the next leaf hash; return the subtree roots it completes (level >= 1), which
        a store may cache or persist: they never change afterwards."""
        completed: list[TreeNode] = []
        self._push(leaf, completed)
        return completed

    def _push(self, leaf: bytes, completed: list[TreeNode] | None) -> None:
        if len(leaf) != HASH_SIZE:
            raise ValueError("a leaf hash is 32 bytes")
        node, index, level = leaf, self._size, 0
        while index & 1:  # each trailing one of the old size is a subtree now complete
            node = node_hash(self._peaks.pop(), node)
            index >>= 1
            level += 1
            if completed is not None:
                completed.append(TreeNode(level, index, node))
        self._peaks.append(node)
        self._size += 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        for leaf in leaves:
            self.append(leaf)

    def root(self) -> bytes:
        if not self._peaks:
            return EMPTY_ROOT
        peaks = self._peaks
        root = peaks[-1]
        for peak in reversed(peaks[:-1]):
            root = node_hash(peak, root)
        return root


def root(leaf_hashes: Iterable[bytes]) -> bytes:
    """MTH over leaf hashes (already ``leaf_hash``-ed), in one pass."""
    acc = MerkleAccumulator()
    acc.extend(leaf_hashes)
    return acc.root()


def _check_hashes(hashes: Iterable[bytes]) -> None:
    if any(len(h) != HASH_SIZE for h in hashes):
        raise ValueError("a tree hash is 32 bytes")


def _sizes_ok(hashes: Iterable[bytes]) -> bool:
    return all(len(h) == HASH_SIZE for h in hashes)


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root_hash: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: does ``proof`` take leaf ``index`` of a ``size``-leaf tree to
    ``root_hash``? ``leaf`` is the leaf *hash*. Any malformed input is just False."""
    if not 0 <= index < size or not _sizes_ok((leaf, root_hash, *proof)):
        return False
    fn, sn = index, size - 1
    computed = leaf
    for sibling in proof:
        if sn == 0:
            return False  # more proof than path: trailing garbage
        if fn & 1 or fn == sn:
            computed = node_hash(sibling, computed)
            while fn and not fn & 1:  # the right edge: skip levels with no right sibling
                fn >>= 1
                sn >>= 1
        else:
            computed = node_hash(computed, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and computed == root_hash


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: is the ``size2`` tree with ``root2`` an append-only extension of
    the ``size1`` tree with ``root1``? Any malformed input is just False."""
    if not 0 <= size1 <= size2 or not _sizes_ok((root1, root2, *proof)):
        return False
    if size1 == size2:
        return not proof and root1 == root2
    if size1 == 0:
        return not proof and root1 == EMPTY_ROOT
    if not proof:
        return False
    path = [root1, *proof] if is_power_of_two(size1) else list(proof)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    first = second = path[0]
    for sibling in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            first = node_hash(sibling, first)
            second = node_hash(sibling, second)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            second = node_hash(second, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and first == root1 and second == root2
