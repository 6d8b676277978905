"""Checking the stored Merkle tree against the events, node by node, in one pass.

Proofs are served from the stored tree (``audit_tree_nodes``), so a verification that only
recomputed the root would miss a stored node someone altered: the proofs it serves would
then fail for the auditor. ``StoredTreeCheck`` takes the leaf of each event the chain has
accepted, recomputes the nodes it completes, and compares each with the stored row, reading
every level of the store sequentially. The first difference is named by level and index,
and by the events the node covers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from kiosk.domain.merkle import MerkleAccumulator

MAX_LEVELS = 64


class StoredLevels(Protocol):
    def level_rows(self, level: int) -> Iterator[tuple[int, bytes]]:
        """Every stored (index, hash) of ``level``, by index."""
        ...


class TreeFaultKind(StrEnum):
    ALTERED = "altered"
    MISSING = "missing"
    EXTRA = "extra"


@dataclass(frozen=True)
class TreeFault:
    kind: TreeFaultKind
    level: int
    index: int

    @property
    def first_seq(self) -> int:
        return (self.index << self.level) + 1

    @property
    def last_seq(self) -> int:
        return (self.index + 1) << self.level

    @property
    def where(self) -> str:
        if self.level == 0:
            return f"feuille de l'événement n° {self.first_seq}"
        return (
            f"nœud de niveau {self.level} n° {self.index} "
            f"(événements n° {self.first_seq} à n° {self.last_seq})"
        )

    @property
    def message(self) -> str:
        if self.kind is TreeFaultKind.ALTERED:
            return f"Arbre de Merkle altéré : {self.where} ne correspond plus aux événements."
        if self.kind is TreeFaultKind.MISSING:
            return f"Arbre de Merkle incomplet : {self.where} absent."
        return (
            f"L'arbre de Merkle compte plus de nœuds que le journal d'événements ({self.where}) :"
            " des événements ont été supprimés en fin de journal, ou des nœuds ajoutés."
        )


class _Level:
    def __init__(self, rows: Iterator[tuple[int, bytes]]) -> None:
        self._rows = rows

    def next(self) -> tuple[int, bytes] | None:
        return next(self._rows, None)


class StoredTreeCheck:
    """Feed it each accepted event's leaf hash (``take``), then ``finish``; ``fault`` is the
    first difference found, or None."""

    def __init__(self, stored: StoredLevels) -> None:
        self._stored = stored
        self._acc = MerkleAccumulator()
        self._levels: list[_Level] = []
        self.fault: TreeFault | None = None

    @property
    def size(self) -> int:
        return self._acc.size

    def take(self, leaf: bytes) -> None:
        if self.fault is not None:
            return  # the first fault is the one named; nothing after it is compared
        index = self._acc.size
        completed = self._acc.append_nodes(leaf)
        self._compare(0, index, leaf)
        for node in completed:
            if self.fault is None:
                self._compare(node.level, node.index, node.hash)

    def _level(self, level: int) -> _Level:
        while len(self._levels) <= level:
            self._levels.append(_Level(self._stored.level_rows(len(self._levels))))
        return self._levels[level]

    def _compare(self, level: int, index: int, expected: bytes) -> None:
        row = self._level(level).next()
        if row is None or row[0] > index:
            self.fault = TreeFault(TreeFaultKind.MISSING, level, index)
        elif row[0] < index or row[1] != expected:
            self.fault = TreeFault(TreeFaultKind.ALTERED, level, row[0])

    def finish(self) -> TreeFault | None:
        """After the last event: any stored node left over is one too many."""
        if self.fault is not None:
            return self.fault
        for level in range(MAX_LEVELS):
            row = self._level(level).next()
            if row is not None:
                self.fault = TreeFault(TreeFaultKind.EXTRA, level, row[0])
                break
        return self.fault
