"""Exact models of the distribution of each format's body (PRODUCT.md §1, §4).

A body is modelled as a layered Markov chain: at every body position the probability
mass sits on a few *nodes*, and each node emits the next character and moves to a node
of the next position. Two kinds of node keep the odds DP cheap:

* a **point** node holds the mass of exactly one prefix (a "tight" path along the
  digits of a range boundary, or the run of leading '1's of a solana address), so the
  DP can carry a single automaton state for it;
* a **tail** node holds mass whose remaining characters are independent with fixed
  per-position distributions (for a range: every completion is equally likely), so the
  DP carries a full distribution over automaton states for it, shared by all the mass
  that reaches it.

A uniform integer in ``[lo, hi)`` written with ``d`` digits splits, digit by digit, into
the mass still equal to the lower or upper boundary's prefix (point nodes) and the mass
strictly between them, whose remaining digits are uniform (tail nodes). That gives the
joint distribution of the leading base58 digits exactly. Hashes (the ssh-fp digest, the
onion checksum) and the public key itself are treated as uniform bits.

The models are generic over the alphabet, so tests can compare them with brute force
on tiny alphabets.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from .formats import BASE32_ALPHABET, BASE58_ALPHABET, BASE64_ALPHABET

Key = tuple


@dataclass(frozen=True)
class Layer:
    """The step from body position p to p+1 (the character emitted is body[p]).

    Edges come in three kinds: point → point (one character, ``pp_*``), point → tail
    (``pt_*``) and tail → tail (``tt_*``); weights are probabilities conditional on the
    source node. ``*_end`` flag the nodes of position p+1 where the body ends.
    """

    n_points: int
    n_tails: int
    pp_src: np.ndarray
    pp_dst: np.ndarray
    pp_char: np.ndarray
    pp_weight: np.ndarray
    pt_src: np.ndarray
    pt_dst: np.ndarray
    pt_weights: np.ndarray
    tt_src: np.ndarray
    tt_dst: np.ndarray
    tt_weights: np.ndarray
    point_end: np.ndarray
    tail_end: np.ndarray


@dataclass(frozen=True)
class BodyModel:
    """A body distribution: one root point node (mass 1) at position 0, then layers."""

    alphabet: str
    layers: tuple[Layer, ...]
    support: tuple[frozenset[str], ...]
    end_support: tuple[frozenset[str], ...]
    min_length: int
    max_length: int


def _is_tail(key: Key) -> bool:
    return key[0] == "tail"


class _Builder:
    """Collects nodes and edges by key, then freezes them into a BodyModel."""

    def __init__(self, alphabet: str) -> None:
        self.alphabet = alphabet
        self.index = {c: i for i, c in enumerate(alphabet)}
        self.nodes: list[dict[Key, None]] = [{("root",): None}]
        self.edges: list[list[tuple[Key, Key, np.ndarray]]] = []

    def edge(self, pos: int, src: Key, dst: Key, weights: dict[str, float]) -> None:
        while len(self.edges) <= pos:
            self.edges.append([])
            self.nodes.append({})
        vec = np.zeros(len(self.alphabet))
        for char, weight in weights.items():
            vec[self.index[char]] += weight
        self.edges[pos].append((src, dst, vec))
        self.nodes[pos + 1][dst] = None

    def uniform_tails(self) -> None:
        """Chain every uniform tail node ("tail", "u", end) on to its end."""
        uniform = {c: 1 / len(self.alphabet) for c in self.alphabet}
        pos = 0
        while pos < len(self.nodes):
            for key in list(self.nodes[pos]):
                if key[:2] == ("tail", "u") and pos < key[2]:
                    self.edge(pos, key, key, uniform)
            pos += 1

    def build(self) -> BodyModel:
        layers = tuple(self._layer(p) for p in range(len(self.edges)))
        ends = [p for p, layer in enumerate(layers, 1)
                if layer.point_end.any() or layer.tail_end.any()]
        return BodyModel(self.alphabet, layers, self._support(), self._end_support(),
                         min(ends), max(ends))

    def _local(self, pos: int) -> tuple[dict[Key, int], dict[Key, int]]:
        keys = list(self.nodes[pos])
        points = [k for k in keys if not _is_tail(k)]
        tails = [k for k in keys if _is_tail(k)]
        return {k: i for i, k in enumerate(points)}, {k: i for i, k in enumerate(tails)}

    def _layer(self, pos: int) -> Layer:
        src_points, src_tails = self._local(pos)
        dst_points, dst_tails = self._local(pos + 1)
        pp, pt, tt = [], [], []
        for src, dst, vec in self.edges[pos]:
            if not _is_tail(dst):
                (char,) = np.flatnonzero(vec)
                pp.append((src_points[src], dst_points[dst], char, vec[char]))
            elif _is_tail(src):
                tt.append((src_tails[src], dst_tails[dst], vec))
            else:
                pt.append((src_points[src], dst_tails[dst], vec))
        has_out = {src for src, _, _ in (self.edges[pos + 1] if pos + 1 < len(self.edges) else [])}
        return Layer(
            len(dst_points), len(dst_tails),
            *_columns(pp, (int, int, int, float)),
            *_vector_edges(pt, len(self.alphabet)),
            *_vector_edges(tt, len(self.alphabet)),
            np.array([k not in has_out for k in dst_points], dtype=bool),
            np.array([k not in has_out for k in dst_tails], dtype=bool),
        )

    def _support(self) -> tuple[frozenset[str], ...]:
        return tuple(
            frozenset(self.alphabet[i] for _, _, vec in edges for i in np.flatnonzero(vec))
            for edges in self.edges
        )

    def _end_support(self) -> tuple[frozenset[str], ...]:
        """Characters that can stand i places before the end of the body, for each i."""
        to_end: dict[tuple[int, Key], set[int]] = {}
        found: dict[int, set[str]] = {}
        for pos in range(len(self.edges) - 1, -1, -1):
            for src, dst, vec in self.edges[pos]:
                dists = to_end.get((pos + 1, dst), {0})
                chars = {self.alphabet[i] for i in np.flatnonzero(vec)}
                for dist in dists:
                    found.setdefault(dist, set()).update(chars)
                to_end.setdefault((pos, src), set()).update(d + 1 for d in dists)
        return tuple(frozenset(found[i]) for i in range(len(found)))


def _columns(rows: list[tuple], kinds: tuple) -> list[np.ndarray]:
    if not rows:
        return [np.zeros(0, dtype=k) for k in kinds]
    return [np.array(col, dtype=k) for col, k in zip(zip(*rows), kinds)]


def _vector_edges(rows: list[tuple], size: int) -> list[np.ndarray]:
    src, dst = _columns([(s, d) for s, d, _ in rows], (int, int))
    weights = np.array([vec for _, _, vec in rows]).reshape(len(rows), size)
    return [src, dst, weights]


def add_range(builder: _Builder, pos: int, src: Key, src_count: int, lo: int, hi: int,
              ndigits: int, skip: int = 0) -> None:
    """Add the digits ``skip..ndigits-1`` of a uniform integer in ``[lo, hi)``.

    They are emitted from body position ``pos`` on, starting at point node ``src`` whose
    mass is ``src_count`` integers (of which ``hi - lo`` take this range; the first
    ``skip`` digits must be common to all of them).
    """
    radix, alphabet = len(builder.alphabet), builder.alphabet
    if _digits(lo, radix, ndigits)[:skip] != _digits(hi - 1, radix, ndigits)[:skip]:
        raise ValueError("the skipped leading digits must be fixed")
    end = pos + ndigits - skip
    tail = ("tail", "u", end)
    frontier = [(src, src_count, True, True)]
    for k in range(skip, ndigits):
        full = radix ** (ndigits - k - 1)
        low, high = (lo // full) % radix, ((hi - 1) // full) % radix
        nxt = []
        for key, count, tight_lo, tight_hi in frontier:
            first = low if tight_lo else 0
            last = high if tight_hi else radix - 1
            free = [c for c in range(first, last + 1)
                    if not (tight_lo and c == low) and not (tight_hi and c == high)]
            for c, t_lo, t_hi in _tight_children(tight_lo, tight_hi, low, high):
                child = _tight_count(lo, hi, full, t_lo, t_hi)
                if child == full:
                    free.append(c)
                    continue
                child_key = ("pt", src, lo, hi, k + 1, t_lo, t_hi)
                builder.edge(pos, key, child_key, {alphabet[c]: child / count})
                nxt.append((child_key, child, t_lo, t_hi))
            if free:
                builder.edge(pos, key, tail, {alphabet[c]: full / count for c in free})
        frontier = nxt
        pos += 1


def _tight_children(tight_lo: bool, tight_hi: bool, low: int, high: int) -> list[tuple]:
    """The digits that keep a prefix on a boundary, with the boundaries they keep."""
    if tight_lo and tight_hi and low == high:
        return [(low, True, True)]
    return ([(low, True, False)] if tight_lo else []) + ([(high, False, True)] if tight_hi else [])


def _tight_count(lo: int, hi: int, full: int, tight_lo: bool, tight_hi: bool) -> int:
    """How many integers of [lo, hi) share a boundary prefix that ends with ``full``
    free completions below it."""
    low_rest, high_rest = lo % full, (hi - 1) % full
    if tight_lo and tight_hi:
        return high_rest - low_rest + 1
    return full - low_rest if tight_lo else high_rest + 1


def _digits(value: int, radix: int, ndigits: int) -> list[int]:
    return [(value // radix ** (ndigits - 1 - k)) % radix for k in range(ndigits)]


def range_model(alphabet: str, lo: int, hi: int, ndigits: int, skip: int = 0) -> BodyModel:
    """The body made of digits ``skip..`` of a uniform integer in ``[lo, hi)``."""
    builder = _Builder(alphabet)
    add_range(builder, 0, ("root",), hi - lo, lo, hi, ndigits, skip)
    builder.uniform_tails()
    return builder.build()


def independent_model(alphabet: str, positions: list[dict[str, float]]) -> BodyModel:
    """A body whose characters are independent, position p drawn from positions[p]."""
    builder = _Builder(alphabet)
    key: Key = ("root",)
    for pos, weights in enumerate(positions):
        nxt = ("tail", "i", pos + 1)
        builder.edge(pos, key, nxt, weights)
        key = nxt
    return builder.build()


def _uniform(chars: str) -> dict[str, float]:
    return {c: 1 / len(chars) for c in chars}


def did_key_model() -> BodyModel:
    """base58btc(0xed 0x01 ‖ pk): 47 digits of a uniform integer, the first three "6Mk"."""
    return range_model(BASE58_ALPHABET, 0xED01 << 256, 0xED02 << 256, 47, skip=3)


def solana_model() -> BodyModel:
    """base58 of the 32-byte key: one '1' per leading zero byte, then the number's digits.

    With z leading zero bytes the key is a uniform integer in [256^(31-z), 256^(32-z));
    each such range is split by its number of base58 digits.
    """
    builder = _Builder(BASE58_ALPHABET)
    for zeros in range(32):
        ones: Key = ("root",) if zeros == 0 else ("ones", zeros)
        count = 256 ** (32 - zeros)
        builder.edge(zeros, ones, ("ones", zeros + 1), {"1": (count // 256) / count})
        for d_lo, d_hi, ndigits in _digit_count_split(256 ** (31 - zeros), count, 58):
            add_range(builder, zeros, ones, count, d_lo, d_hi, ndigits)
    builder.uniform_tails()
    return builder.build()


def _digit_count_split(lo: int, hi: int, radix: int) -> list[tuple[int, int, int]]:
    """[lo, hi) cut into the sub-ranges whose numbers have the same count of digits."""
    pieces, ndigits = [], 1
    while radix ** (ndigits - 1) < hi:
        a, b = max(lo, radix ** (ndigits - 1)), min(hi, radix ** ndigits)
        if a < b:
            pieces.append((a, b, ndigits))
        ndigits += 1
    return pieces


def ssh_model() -> BodyModel:
    """Base64 characters 25.. of the wire key: 256 key bits in 43 digits (first A–P)."""
    return range_model(BASE64_ALPHABET, 0, 1 << 256, 43)


def ssh_fp_model() -> BodyModel:
    """Unpadded base64 of a uniform 256-bit digest: the last digit's low 2 bits are 0."""
    uniform = _uniform(BASE64_ALPHABET)
    return independent_model(BASE64_ALPHABET, [uniform] * 42 + [_uniform(BASE64_ALPHABET[::4])])


def onion_model() -> BodyModel:
    """base32(pk ‖ checksum(2) ‖ 0x03): 54 uniform digits, one of a/i/q/y, then 'd'."""
    uniform = _uniform(BASE32_ALPHABET)
    last_two = [_uniform(BASE32_ALPHABET[::8]), {BASE32_ALPHABET[3]: 1.0}]
    return independent_model(BASE32_ALPHABET, [uniform] * 54 + last_two)


_MODELS = {
    "did:key": did_key_model,
    "solana": solana_model,
    "ssh": ssh_model,
    "ssh-fp": ssh_fp_model,
    "onion": onion_model,
}


@cache
def body_model(format_name: str) -> BodyModel:
    """The exact body distribution of a format (built once per process)."""
    return _MODELS[format_name]()
