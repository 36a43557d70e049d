"""Grouping observations into trends: exact key, then near-duplicates across sources.

Exact: observations whose :func:`acf.trends.terms.term_key` is equal are one
trend ("Taylor Swift - New Album (Official Video)" and "taylor swift new album").

Near-duplicates ("Taylor Swift announces new album, out in March" on Reddit):
never compared all-against-all. Keys are *blocked* by their rarer tokens
(tokens found in at most ``block_cap`` keys); only keys sharing such a token are
compared, so the work is bounded by keys x tokens x block_cap, linear in the
number of keys. A candidate pair matches when it shares at least two tokens and
the shared tokens carry at least ``containment`` of the idf weight of the
smaller key (a short search term contained in a long post title matches).
Matches are joined with union-find.
"""
from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence

BLOCK_CAP = 64
CONTAINMENT = 0.8
MIN_SHARED_TOKENS = 2


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        parent = self.parent
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def group_keys(
    keys: Sequence[str],
    counts: Sequence[float] | None = None,
    *,
    block_cap: int = BLOCK_CAP,
    containment: float = CONTAINMENT,
    stats: dict | None = None,
) -> dict[str, str]:
    """Map each distinct key to its group's representative key.

    ``counts`` (same order as ``keys``) weighs the choice of representative: the
    key seen most, then the shortest, then the first in sort order. ``stats``, when
    given, receives the number of keys and of pairs compared.
    """
    unique = list(dict.fromkeys(keys))
    if counts is not None:
        weight: dict[str, float] = defaultdict(float)
        for key, count in zip(keys, counts):
            weight[key] += count
    else:
        weight = defaultdict(lambda: 1.0)
    token_sets = [frozenset(key.split()) for key in unique]
    postings: dict[str, list[int]] = defaultdict(list)
    for index, tokens in enumerate(token_sets):
        for token in tokens:
            postings[token].append(index)
    total = max(len(unique), 1)
    idf = {token: math.log((total + 1) / (len(ids) + 0.5)) for token, ids in postings.items()}
    mass = [sum(idf[t] for t in tokens) for tokens in token_sets]
    blocks = {token: ids for token, ids in postings.items() if 1 < len(ids) <= block_cap}

    groups = _UnionFind(len(unique))
    comparisons = 0
    for index, tokens in enumerate(token_sets):
        if len(tokens) < MIN_SHARED_TOKENS:
            continue
        # Each later key sharing a block with this one, once: postings are in index order, so the
        # later ones are a slice, gathered by set updates in C rather than a test per posting.
        candidates: set[int] = set()
        for token in tokens:
            ids = blocks.get(token)
            if ids is not None and ids[-1] > index:
                candidates.update(ids[bisect_right(ids, index):])
        comparisons += len(candidates)
        for other in candidates:
            shared = tokens & token_sets[other]
            if len(shared) < MIN_SHARED_TOKENS:
                continue
            smaller = min(mass[index], mass[other])
            if smaller > 0 and sum(idf[t] for t in shared) >= containment * smaller:
                groups.union(index, other)

    if stats is not None:
        stats.update(keys=len(unique), comparisons=comparisons, blocks=len(blocks))
    members: dict[int, list[str]] = defaultdict(list)
    for index, key in enumerate(unique):
        members[groups.find(index)].append(key)
    representative: dict[str, str] = {}
    for group in members.values():
        best = min(group, key=lambda k: (-weight[k], len(k), k))
        for key in group:
            representative[key] = best
    return representative
