"""Proof generation (RFC 9162 §2.1.3.1 PATH and §2.1.4.1 PROOF) over a store of hashes.

Proofs are built against ``TreeStore``: the leaf hashes, plus the roots of perfect aligned
subtrees the store may have cached. Every subtree an RFC 6962 proof needs is either such a
perfect subtree or a range ending at the tree's right edge (at most one per proof, made of
O(log n) perfect ones), so with the cache a proof costs O(log n) lookups and no hashing
beyond the right edge's log2(n) node hashes; without it, O(n) hashes (still correct).

How a database adapter serves this (see ``InMemoryTreeStore`` for the same in memory):

    CREATE TABLE audit_tree_nodes (
        level INTEGER NOT NULL,   -- 0 = leaf hashes (optional: derivable from audit_events)
        idx   INTEGER NOT NULL,   -- covers leaves [idx * 2**level, (idx + 1) * 2**level)
        hash  BLOB    NOT NULL,   -- 32 bytes
        PRIMARY KEY (level, idx)
    );

In the transaction that appends audit event ``seq``, the adapter resumes a
``MerkleAccumulator`` from the rows at ``compact_range_positions(seq - 1)``, passes
``event_leaf_hash(event)`` to ``append_nodes`` and inserts the level-0 row and the
``TreeNode`` rows it returns, under the lock that already serialises appends. Rows are never
updated: a perfect subtree is final. ``leaf_hash`` and ``subtree_hash`` are then one
primary-key lookup each (keeping level 0 in the table spares reading audit_events).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from kiosk.domain.errors import ValidationError
from kiosk.domain.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    MerkleAccumulator,
    TreeNode,
    is_power_of_two,
    node_hash,
    split_point,
)


class TreeStore(Protocol):
    def size(self) -> int:
        """Number of leaves stored."""
        ...

    def leaf_hash(self, index: int) -> bytes:
        """Hash of leaf ``index`` (0-based, below ``size()``)."""
        ...

    def subtree_hash(self, level: int, index: int) -> bytes | None:
        """Cached root of the perfect subtree at (level >= 1, index), or None if the store
        does not keep it (then it is computed from below)."""
        ...


class SequenceTreeStore:
    """A plain list of leaf hashes as a ``TreeStore``, with no cache: O(n) per proof."""

    def __init__(self, leaf_hashes: Sequence[bytes]) -> None:
        self._leaves = leaf_hashes

    def size(self) -> int:
        return len(self._leaves)

    def leaf_hash(self, index: int) -> bytes:
        return self._leaves[index]

    def subtree_hash(self, level: int, index: int) -> bytes | None:
        return None


class InMemoryTreeStore:
    """Leaf hashes and every completed perfect subtree root, one packed ``bytearray`` per
    level (about 64 bytes per leaf: 64 MB for a million events). The cache is filled as
    leaves are appended, from what ``MerkleAccumulator.append`` completes."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[bytearray] = [bytearray()]
        self._acc = MerkleAccumulator()
        for leaf in leaf_hashes:
            self.append(leaf)

    def append(self, leaf: bytes) -> int:
        """Store the next leaf hash; return its index."""
        index = self._acc.size
        completed = self._acc.append_nodes(leaf)  # checks the length
        self._levels[0] += leaf
        for node in completed:
            self._store(node)
        return index

    def _store(self, node: TreeNode) -> None:
        if node.level == len(self._levels):
            self._levels.append(bytearray())
        self._levels[node.level] += node.hash  # nodes of a level complete left to right

    def size(self) -> int:
        return self._acc.size

    def root(self) -> bytes:
        return self._acc.root()

    def leaf_hash(self, index: int) -> bytes:
        if not 0 <= index < self._acc.size:
            raise IndexError(index)
        return bytes(self._levels[0][index * HASH_SIZE : (index + 1) * HASH_SIZE])

    def subtree_hash(self, level: int, index: int) -> bytes | None:
        if not 0 <= level < len(self._levels) or index < 0:
            return None
        packed = self._levels[level]
        end = (index + 1) * HASH_SIZE
        return bytes(packed[end - HASH_SIZE : end]) if end <= len(packed) else None


def as_store(tree: TreeStore | Sequence[bytes]) -> TreeStore:
    if isinstance(tree, Sequence):
        return SequenceTreeStore(tree)
    return tree


def range_root(tree: TreeStore | Sequence[bytes], start: int, end: int) -> bytes:
    """MTH of leaves [start, end), from cached subtrees where the range has them."""
    store = as_store(tree)
    if start == end:
        return EMPTY_ROOT
    return _range_root(store, start, end)


def _range_root(store: TreeStore, start: int, end: int) -> bytes:
    n = end - start
    if n == 1:
        return store.leaf_hash(start)
    if is_power_of_two(n) and start % n == 0:  # a perfect, aligned subtree: maybe cached
        level = n.bit_length() - 1
        cached = store.subtree_hash(level, start >> level)
        if cached is not None:
            return cached
    k = split_point(n)
    return node_hash(_range_root(store, start, start + k), _range_root(store, start + k, end))


def tree_root(tree: TreeStore | Sequence[bytes], size: int) -> bytes:
    """The root the tree had at ``size`` leaves (any size up to the store's)."""
    store = as_store(tree)
    _check_size(store, size)
    return range_root(store, 0, size)


def inclusion_proof(tree: TreeStore | Sequence[bytes], index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]): sibling hashes from the leaf up to the root."""
    store = as_store(tree)
    _check_size(store, size)
    if not 0 <= index < size:
        raise ValidationError(
            f"La feuille n° {index} n'est pas dans un arbre de {size} feuille(s)."
        )
    siblings: list[bytes] = []  # root down; the proof lists them leaf up
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index < start + k:
            siblings.append(_range_root(store, start + k, end))
            end = start + k
        else:
            siblings.append(_range_root(store, start, start + k))
            start += k
    siblings.reverse()
    return siblings


def consistency_proof(tree: TreeStore | Sequence[bytes], size1: int, size2: int) -> list[bytes]:
    """PROOF(size1, D[size2]): what proves the ``size2`` tree extends the ``size1`` tree.
    Empty when size1 is 0 or equals size2 (nothing to prove)."""
    store = as_store(tree)
    _check_size(store, size2)
    if not 0 <= size1 <= size2:
        raise ValidationError(
            f"Pas de preuve de cohérence d'un arbre de {size1} feuille(s) "
            f"vers un arbre de {size2} feuille(s)."
        )
    if size1 in (0, size2):
        return []
    siblings: list[bytes] = []
    start, end, m = 0, size2, size1
    whole_old_tree = True  # SUBPROOF's b: the old tree's root is known to the verifier
    while m != end - start:
        k = split_point(end - start)
        if m <= k:
            siblings.append(_range_root(store, start + k, end))
            end = start + k
        else:
            siblings.append(_range_root(store, start, start + k))
            start += k
            m -= k
            whole_old_tree = False
    siblings.reverse()
    if whole_old_tree:
        return siblings
    return [_range_root(store, start, end), *siblings]


def _check_size(store: TreeStore, size: int) -> None:
    if not 0 <= size <= store.size():
        raise ValidationError(
            f"L'arbre n'a que {store.size()} feuille(s) : pas d'état à {size} feuille(s)."
        )
