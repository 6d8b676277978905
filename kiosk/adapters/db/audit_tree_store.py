"""The audit log's Merkle tree in SQL (``audit_tree_nodes``): the ``AuditTree`` port.

Appending leaf ``i`` reads the compact range at ``i`` (one row per set bit of ``i``, one
query), and inserts the leaf and the subtree roots it completes: about two rows per event
on average, never updated afterwards. Proof lookups are primary-key reads.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, insert, or_, select

from kiosk.adapters.db.audit_schema import audit_tree_nodes
from kiosk.adapters.db.transaction import Transaction
from kiosk.domain.errors import IntegrityError
from kiosk.domain.merkle import MerkleAccumulator, compact_range_positions

_C = audit_tree_nodes.c
_NODE = select(_C.hash).where(_C.level == bindparam("level"), _C.idx == bindparam("idx"))
_LEAF_COUNT = select(func.max(_C.idx)).where(_C.level == 0)
_INSERT = insert(audit_tree_nodes)
_LEVEL_PAGE = (
    select(_C.idx, _C.hash)
    .where(_C.level == bindparam("level"), _C.idx > bindparam("after"))
    .order_by(_C.idx)
    .limit(bindparam("limit"))
)
_PAGE_ROWS = 5000
_INCOMPLETE = (
    "L'arbre de Merkle du journal d'audit est incomplet : l'événement n'a pas été enregistré. "
    "Lancez « kiosk audit verify »."
)


def _positions_statement(count: int) -> Select[Any]:
    terms = [
        and_(_C.level == bindparam(f"l{n}"), _C.idx == bindparam(f"i{n}")) for n in range(count)
    ]
    return select(_C.level, _C.idx, _C.hash).where(or_(*terms))


# One statement per number of positions, built once: an append or a proof binds values only.
_POSITIONS: dict[int, Select[Any]] = {}


class SqlTreeStore:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def size(self) -> int:
        last = self._tx.execute(_LEAF_COUNT).scalar_one_or_none()
        return 0 if last is None else int(last) + 1

    def leaf_hash(self, index: int) -> bytes:
        found = self.subtree_hash(0, index)
        if found is None:
            raise IntegrityError(f"Arbre de Merkle incomplet : feuille n° {index} absente.")
        return found

    def subtree_hash(self, level: int, index: int) -> bytes | None:
        found = self._tx.execute(_NODE, {"level": level, "idx": index}).scalar_one_or_none()
        return None if found is None else bytes(found)

    def peaks(self, size: int) -> list[bytes]:
        positions = compact_range_positions(size)
        found = self.nodes(positions)
        if len(found) != len(positions):
            raise IntegrityError(_INCOMPLETE)
        return [found[position] for position in positions]

    def nodes(self, positions: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """The stored hashes at (level, index) ``positions``, in one query; absent ones are
        left out."""
        if not positions:
            return {}
        statement = _POSITIONS.get(len(positions))
        if statement is None:
            statement = _POSITIONS[len(positions)] = _positions_statement(len(positions))
        params: dict[str, int] = {}
        for n, (level, index) in enumerate(positions):
            params[f"l{n}"], params[f"i{n}"] = level, index
        return {(r.level, r.idx): bytes(r.hash) for r in self._tx.execute(statement, params)}

    def append_leaf(self, index: int, leaf: bytes) -> None:
        """Store leaf ``index`` (the next one) and the subtree roots it completes."""
        acc = MerkleAccumulator.resume(index, self.peaks(index))
        rows: list[Mapping[str, Any]] = [{"level": 0, "idx": index, "hash": leaf}]
        rows += [{"level": n.level, "idx": n.index, "hash": n.hash} for n in acc.append_nodes(leaf)]
        self._tx.execute(_INSERT, rows)

    def level_rows(self, level: int) -> Iterator[tuple[int, bytes]]:
        """Every (index, hash) of ``level`` by index, read a page at a time: several levels
        can be read side by side on the one connection."""
        after = -1
        while True:
            page = self._tx.execute(
                _LEVEL_PAGE, {"level": level, "after": after, "limit": _PAGE_ROWS}
            ).all()
            for row in page:
                yield int(row.idx), bytes(row.hash)
            if len(page) < _PAGE_ROWS:
                return
            after = int(page[-1][0])
