"""The audit Merkle tree agrees with RFC 6962 / RFC 9162 and every other implementation of it:
Certificate Transparency's known answers, a naive transcription of the RFC, and proofs that
fail as soon as one bit of them, of the root or of the leaf is wrong."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.domain.errors import ValidationError
from kiosk.domain.merkle import (
    EMPTY_ROOT,
    MerkleAccumulator,
    compact_range_positions,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)
from kiosk.domain.merkle_store import (
    InMemoryTreeStore,
    SequenceTreeStore,
    consistency_proof,
    inclusion_proof,
    range_root,
    tree_root,
)

# The test vectors of Certificate Transparency's merkle_tree_test, as transparency-dev/merkle
# carries them (proof/verify_test.go). Leaf numbers there are 1-based; ours are 0-based.
CT_LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = [  # (0-based leaf, size, proof)
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (0, 1, []),
]
CT_CONSISTENCY = [  # (size1, size2, proof)
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]
CT_HASHES = [leaf_hash(d) for d in CT_LEAVES]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def h(hexes: Sequence[str]) -> list[bytes]:
    return [bytes.fromhex(x) for x in hexes]


def ct_root(size: int) -> bytes:
    return bytes.fromhex(CT_ROOTS[size])


# --- RFC 6962 §2.1 transcribed literally: the reference the fast code is held to --------


def naive_tree(
    leaves: Sequence[bytes],
) -> tuple[Callable[[int, int], bytes], Callable[[int, int, int], list[bytes]]]:
    @cache
    def mth(start: int, end: int) -> bytes:
        n = end - start
        if n == 0:
            return EMPTY_ROOT
        if n == 1:
            return leaves[start]
        k = 1
        while k * 2 < n:
            k *= 2
        return node_hash(mth(start, start + k), mth(start + k, end))

    def path(m: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n == 1:
            return []
        k = 1
        while k * 2 < n:
            k *= 2
        if m < k:
            return [*path(m, start, start + k), mth(start + k, end)]
        return [*path(m - k, start + k, end), mth(start, start + k)]

    return mth, path


def naive_consistency(leaves: Sequence[bytes], m: int, n: int) -> list[bytes]:
    mth, _ = naive_tree(leaves)

    def subproof(m: int, start: int, end: int, whole: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if whole else [mth(start, end)]
        k = 1
        while k * 2 < n:
            k *= 2
        if m <= k:
            return [*subproof(m, start, start + k, whole), mth(start + k, end)]
        return [*subproof(m - k, start + k, end, False), mth(start, start + k)]

    return subproof(m, 0, n, True) if 0 < m < n else []


def leaves_of(size: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(size)]


def flip(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8 % len(out)] ^= 1 << (bit % 8)
    return bytes(out)


# --- Known answers ------------------------------------------------------------------------


def test_the_empty_tree_root_is_the_hash_of_nothing() -> None:
    assert EMPTY_ROOT.hex() == CT_ROOTS[0]
    assert root([]) == MerkleAccumulator().root() == EMPTY_ROOT
    assert tree_root(InMemoryTreeStore(), 0) == EMPTY_ROOT


@pytest.mark.parametrize("size", range(9))
def test_roots_match_certificate_transparency(size: int) -> None:
    store = InMemoryTreeStore(CT_HASHES)
    assert root(CT_HASHES[:size]).hex() == CT_ROOTS[size]
    assert tree_root(store, size).hex() == CT_ROOTS[size]
    assert tree_root(CT_HASHES, size).hex() == CT_ROOTS[size]
    assert InMemoryTreeStore(CT_HASHES[:size]).root().hex() == CT_ROOTS[size]


@pytest.mark.parametrize(("index", "size", "proof"), CT_INCLUSION)
def test_inclusion_proofs_match_certificate_transparency(
    index: int, size: int, proof: list[str]
) -> None:
    assert inclusion_proof(InMemoryTreeStore(CT_HASHES), index, size) == h(proof)
    assert inclusion_proof(CT_HASHES, index, size) == h(proof)
    assert verify_inclusion(CT_HASHES[index], index, size, h(proof), ct_root(size))


@pytest.mark.parametrize(("size1", "size2", "proof"), CT_CONSISTENCY)
def test_consistency_proofs_match_certificate_transparency(
    size1: int, size2: int, proof: list[str]
) -> None:
    assert consistency_proof(InMemoryTreeStore(CT_HASHES), size1, size2) == h(proof)
    assert consistency_proof(CT_HASHES, size1, size2) == h(proof)
    assert verify_consistency(size1, size2, ct_root(size1), ct_root(size2), h(proof))


def inclusion_forgeries(
    index: int, size: int, proof: list[bytes], top: bytes, leaf: bytes
) -> list[tuple[bytes, int, int, list[bytes], bytes]]:
    """transparency-dev's corruptInclusionProof: every one must be refused."""
    forged = [
        (leaf, index - 1, size, proof, top),
        (leaf, index + 1, size, proof, top),
        (leaf, index ^ 2, size, proof, top),
        (leaf, index, size * 2, proof, top),
        (leaf, index, size // 2, proof, top),
        (b"WrongLeaf", index, size, proof, top),
        (leaf, index, size, proof, EMPTY_ROOT),
        (leaf, index, size, proof, SOME_HASH),
        (leaf, index, size, [*proof, b""], top),
        (leaf, index, size, [*proof, top], top),
        (leaf, index, size, [b"", *proof], top),
        (leaf, index, size, [top, *proof], top),
    ]
    forged += [
        (leaf, index, size, [*proof[:i], flip(p, 3), *proof[i + 1 :]], top)
        for i, p in enumerate(proof)
    ]
    if proof:
        forged.append((leaf, index, size, proof[:-1], top))
    if len(proof) > 1:
        forged.append((leaf, index, size, [proof[0], SOME_HASH, *proof[1:]], top))
    return forged


@pytest.mark.parametrize(("index", "size", "proof"), CT_INCLUSION)
def test_every_known_inclusion_forgery_is_refused(index: int, size: int, proof: list[str]) -> None:
    for args in inclusion_forgeries(index, size, h(proof), ct_root(size), CT_HASHES[index]):
        assert not verify_inclusion(*args), args


@pytest.mark.parametrize(("size1", "size2", "proof"), [c for c in CT_CONSISTENCY if c[2]])
def test_every_known_consistency_forgery_is_refused(
    size1: int, size2: int, proof: list[str]
) -> None:
    p, r1, r2 = h(proof), ct_root(size1), ct_root(size2)
    forged = [
        (size1 - 1, size2, r1, r2, p),
        (size1 + 1, size2, r1, r2, p),
        (size1 ^ 2, size2, r1, r2, p),
        (size1, size2 * 2, r1, r2, p),
        (size1, size2 // 2, r1, r2, p),
        (size1, size2, b"WrongRoot", r2, p),
        (size1, size2, r1, b"WrongRoot", p),
        (size1, size2, r2, r1, p),
        (size1, size2, r1, r2, []),
        (size1, size2, r1, r2, [*p, b""]),
        (size1, size2, r1, r2, [*p, r1]),
        (size1, size2, r1, r2, [*p, r2]),
        (size1, size2, r1, r2, [b"", *p]),
        (size1, size2, r1, r2, [r1, *p]),
        (size1, size2, r1, r2, [r2, *p]),
        (size1, size2, r1, r2, [p[0], *p]),
        (size1, size2, r1, r2, p[:-1]),
    ]
    forged += [(size1, size2, r1, r2, [*p[:i], flip(x, 4), *p[i + 1 :]]) for i, x in enumerate(p)]
    for args in forged:
        assert not verify_consistency(*args), args


def test_trivial_consistency_needs_an_empty_proof_and_the_right_roots() -> None:
    r1 = ct_root(1)
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert verify_consistency(0, 5, EMPTY_ROOT, ct_root(5), [])
    assert verify_consistency(1, 1, r1, r1, [])
    assert not verify_consistency(1, 1, r1, ct_root(2), [])  # same size, other root: a fork
    assert not verify_consistency(0, 5, r1, ct_root(5), [])  # the empty tree has one root
    assert not verify_consistency(1, 1, r1, r1, [EMPTY_ROOT])
    assert not verify_consistency(2, 1, ct_root(2), r1, [])  # trees do not shrink
    assert not verify_consistency(1, 2, r1, ct_root(2), [])


def test_inclusion_is_refused_outside_the_tree() -> None:
    leaf = CT_HASHES[0]
    for index, size in [(0, 0), (1, 1), (2, 1), (-1, 3)]:
        assert not verify_inclusion(leaf, index, size, [], leaf)
    assert verify_inclusion(leaf, 0, 1, [], leaf)  # a one-leaf tree's root is its leaf
    assert not verify_inclusion(leaf, 0, 1, [], b"")


def test_asking_for_a_proof_outside_the_tree_says_so() -> None:
    store = InMemoryTreeStore(CT_HASHES)
    with pytest.raises(ValidationError, match="n'est pas dans un arbre de 8"):
        inclusion_proof(store, 8, 8)
    with pytest.raises(ValidationError, match="que 8 feuille"):
        inclusion_proof(store, 0, 9)
    with pytest.raises(ValidationError, match="cohérence"):
        consistency_proof(store, 5, 3)
    with pytest.raises(ValidationError, match="que 8 feuille"):
        tree_root(store, 9)


# --- Properties over many tree shapes -----------------------------------------------------

sizes = st.integers(min_value=1, max_value=300)


@settings(max_examples=40)
@given(size=sizes, data=st.data())
def test_every_inclusion_proof_verifies_and_any_flipped_bit_breaks_it(
    size: int, data: st.DataObject
) -> None:
    leaves = leaves_of(size)
    store = InMemoryTreeStore(leaves)
    mth, path = naive_tree(leaves)
    top = mth(0, size)
    index = data.draw(st.integers(0, size - 1), "index")
    proof = inclusion_proof(store, index, size)
    assert proof == path(index, 0, size) == inclusion_proof(leaves, index, size)
    assert verify_inclusion(leaves[index], index, size, proof, top)

    bit = data.draw(st.integers(0, 255), "bit")
    assert not verify_inclusion(flip(leaves[index], bit), index, size, proof, top)
    assert not verify_inclusion(leaves[index], index, size, proof, flip(top, bit))
    if proof:
        at = data.draw(st.integers(0, len(proof) - 1), "element")
        broken = [*proof[:at], flip(proof[at], bit), *proof[at + 1 :]]
        assert not verify_inclusion(leaves[index], index, size, broken, top)
    other = data.draw(
        st.integers(0, size - 1).filter(lambda i: i != index) if size > 1 else st.none()
    )
    if other is not None:
        assert not verify_inclusion(leaves[index], other, size, proof, top)


@settings(max_examples=40)
@given(size2=sizes, data=st.data())
def test_every_consistency_proof_verifies_and_any_flipped_bit_breaks_it(
    size2: int, data: st.DataObject
) -> None:
    leaves = leaves_of(size2)
    store = InMemoryTreeStore(leaves)
    mth, _ = naive_tree(leaves)
    size1 = data.draw(st.integers(0, size2), "size1")
    root1, root2 = mth(0, size1), mth(0, size2)
    proof = consistency_proof(store, size1, size2)
    assert proof == naive_consistency(leaves, size1, size2)
    assert verify_consistency(size1, size2, root1, root2, proof)

    bit = data.draw(st.integers(0, 255), "bit")
    if size1 == 0:
        assert not verify_consistency(size1, size2, flip(root1, bit), root2, proof)
        return
    assert not verify_consistency(size1, size2, flip(root1, bit), root2, proof)
    assert not verify_consistency(size1, size2, root1, flip(root2, bit), proof)
    if proof:
        at = data.draw(st.integers(0, len(proof) - 1), "element")
        broken = [*proof[:at], flip(proof[at], bit), *proof[at + 1 :]]
        assert not verify_consistency(size1, size2, root1, root2, broken)


@settings(max_examples=20)
@given(size=st.integers(0, 300))
def test_the_accumulator_root_is_the_rfc_root_at_every_prefix(size: int) -> None:
    leaves = leaves_of(size)
    mth, _ = naive_tree(leaves)
    acc = MerkleAccumulator()
    assert acc.root() == EMPTY_ROOT
    for n, leaf in enumerate(leaves, start=1):
        acc.append(leaf)
        assert acc.root() == mth(0, n)
        assert len(acc.peaks) == n.bit_count()  # memory stays O(log n)


def test_a_writer_takes_the_tree_up_from_its_stored_compact_range() -> None:
    leaves = leaves_of(300)
    store = InMemoryTreeStore(leaves[:173])
    positions = compact_range_positions(173)
    assert positions == [(7, 0), (5, 4), (3, 20), (2, 42), (0, 172)]
    peaks = [
        store.subtree_hash(level, index) if level else store.leaf_hash(index)
        for level, index in positions
    ]
    resumed = MerkleAccumulator.resume(173, [p for p in peaks if p is not None])
    resumed.extend(leaves[173:])
    assert resumed.root() == root(leaves)
    with pytest.raises(ValueError, match="peaks"):
        MerkleAccumulator.resume(173, peaks[:-1])  # type: ignore[arg-type]


def test_the_nodes_an_append_completes_are_final_subtree_roots() -> None:
    leaves = leaves_of(64)
    acc = MerkleAccumulator()
    seen = []
    for leaf in leaves:
        seen += acc.append_nodes(leaf)
    assert len(seen) == 63  # a perfect tree of 64 leaves has 63 inner nodes
    for node in seen:
        width = 1 << node.level
        assert node.hash == range_root(leaves, node.index * width, (node.index + 1) * width)


def test_a_leaf_that_is_not_a_hash_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        MerkleAccumulator().append(b"event")
    with pytest.raises(ValueError, match="32 bytes"):
        InMemoryTreeStore().append(b"event")


class CountingStore:
    """Counts what a proof reads from the store (a database adapter pays per lookup)."""

    def __init__(self, inner: InMemoryTreeStore) -> None:
        self.inner = inner
        self.lookups = 0

    def size(self) -> int:
        return self.inner.size()

    def leaf_hash(self, index: int) -> bytes:
        self.lookups += 1
        return self.inner.leaf_hash(index)

    def subtree_hash(self, level: int, index: int) -> bytes | None:
        self.lookups += 1
        return self.inner.subtree_hash(level, index)


def test_proofs_from_cached_subtrees_read_o_log_n_hashes() -> None:
    leaves = leaves_of(5000)
    counting = CountingStore(InMemoryTreeStore(leaves))
    depth = (5000 - 1).bit_length()  # 13
    for index in (0, 1234, 4095, 4096, 4999):
        counting.lookups = 0
        proof = inclusion_proof(counting, index, 5000)
        assert verify_inclusion(leaves[index], index, 5000, proof, root(leaves))
        assert counting.lookups <= 2 * depth
    counting.lookups = 0
    proof = consistency_proof(counting, 1234, 4999)
    assert verify_consistency(1234, 4999, root(leaves[:1234]), root(leaves[:4999]), proof)
    assert counting.lookups <= 3 * depth
    assert SequenceTreeStore(leaves).subtree_hash(3, 0) is None  # no cache: still right
    assert inclusion_proof(leaves, 1234, 5000) == inclusion_proof(counting, 1234, 5000)


@settings(max_examples=30)
@given(size=sizes, data=st.data())
def test_any_range_root_from_the_cache_is_the_rfc_root(size: int, data: st.DataObject) -> None:
    leaves = leaves_of(size)
    mth, _ = naive_tree(leaves)
    start = data.draw(st.integers(0, size), "start")
    end = data.draw(st.integers(start, size), "end")
    assert range_root(InMemoryTreeStore(leaves), start, end) == mth(start, end)
