"""Automata over character classes, and the exact DP of an automaton over a BodyModel.

Everything here is generic over the alphabet: a pattern is given as, per part, a tuple
of character classes (sets of *group* ids). Alphabet characters that belong to exactly
the same classes behave identically for every automaton, so they are collapsed into
one weighted group (``alphabet_groups``) before any automaton is built.

* ``score_automaton``: the subset construction over all parts' partial matches; each
  state knows which parts end at it (``found``), and the DP carries, besides the state,
  the bitmask of parts found so far.
* ``jackpot_automaton``: parts matched one after the other, each at its earliest end
  (greedy earliest-end matching decides whether non-overlapping in-order occurrences
  exist), with the prefix and suffix anchors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .distribution import BodyModel, Layer

Classes = tuple[frozenset[int], ...]


@dataclass(frozen=True)
class Automaton:
    """A DFA over group ids; state 0 is the start state.

    ``found[s]`` is the bitmask of parts completed on entering ``s`` (0 for a jackpot
    automaton); ``accept[s]`` marks the states that are a jackpot when the body ends.
    """

    delta: np.ndarray
    found: np.ndarray
    accept: np.ndarray
    n_masks: int

    @property
    def n_states(self) -> int:
        return len(self.delta)


def alphabet_groups(alphabet: str, classes: list[tuple[frozenset[str], ...]]) -> np.ndarray:
    """Group id of every alphabet character: equal ids ⇔ member of the same classes."""
    flat = [cls for part in classes for cls in part]
    ids: dict[tuple[bool, ...], int] = {}
    return np.array([ids.setdefault(tuple(c in cls for cls in flat), len(ids)) for c in alphabet])


def group_classes(alphabet: str, groups: np.ndarray,
                  classes: list[tuple[frozenset[str], ...]]) -> list[Classes]:
    """The classes rewritten as sets of group ids."""
    group_of = dict(zip(alphabet, groups.tolist()))
    return [tuple(frozenset(group_of[c] for c in cls if c in group_of) for cls in part)
            for part in classes]


def _explore(start: object, step, n_groups: int) -> tuple[list, np.ndarray]:
    """Breadth-first subset construction: the reachable states and their transitions."""
    index = {start: 0}
    states, rows = [start], []
    for state in states:
        row = []
        for group in range(n_groups):
            nxt = step(state, group)
            if nxt not in index:
                index[nxt] = len(states)
                states.append(nxt)
            row.append(index[nxt])
        rows.append(row)
    return states, np.array(rows, dtype=np.int64).reshape(len(states), n_groups)


def score_automaton(parts: list[Classes], n_groups: int) -> Automaton:
    """DFA whose state is the set of (part, chars matched) partial matches in progress."""
    lengths = [len(p) for p in parts]

    def step(state: frozenset, group: int) -> frozenset:
        nxt = {(u, 1) for u, part in enumerate(parts) if group in part[0]}
        nxt.update((u, j + 1) for u, j in state if j < lengths[u] and group in parts[u][j])
        return frozenset(nxt)

    states, delta = _explore(frozenset(), step, n_groups)
    found = np.array([sum(1 << u for u, j in s if j == lengths[u]) for s in states], dtype=np.int64)
    return Automaton(delta, found, np.zeros(len(states), dtype=bool), 1 << len(parts))


def jackpot_automaton(parts: list[Classes], anchor: str, n_groups: int) -> Automaton:
    """DFA for "all parts in order, non-overlapping, respecting the anchor".

    A state is (part being looked for, its partial matches) or "done". With ``prefix``
    part 0 may only start at position 0 (no restarts); with ``suffix`` the last part is
    tracked to the end of the body and accepted only if a match ends exactly there.
    """
    last = len(parts) - 1
    done = ("done",)

    def step(state: tuple, group: int) -> tuple:
        if state == done:
            return done
        i, partial = state
        part = parts[i]
        bases = partial if (anchor == "prefix" and i == 0) else partial | {0}
        nxt = frozenset(j + 1 for j in bases if j < len(part) and group in part[j])
        if len(part) in nxt and not (anchor == "suffix" and i == last):
            return done if i == last else (i + 1, frozenset())
        return (i, nxt)

    start = (0, frozenset({0}) if anchor == "prefix" else frozenset())
    states, delta = _explore(start, step, n_groups)
    accept = np.array([s == done or (anchor == "suffix" and s[0] == last and len(parts[last]) in s[1])
                       for s in states], dtype=bool)
    return Automaton(delta, np.zeros(len(states), dtype=np.int64), accept, 1)


class _Run:
    """One forward pass of an automaton over a body model (see ``run``)."""

    def __init__(self, model: BodyModel, auto: Automaton, groups: np.ndarray) -> None:
        n_groups = int(groups.max()) + 1
        self.auto, self.groups = auto, groups
        self.onehot = np.zeros((len(groups), n_groups))
        self.onehot[np.arange(len(groups)), groups] = 1.0
        size = auto.n_states * auto.n_masks
        self.size = size
        rows = np.arange(auto.n_states)[:, None]
        self.fold = (rows * auto.n_masks + (np.arange(auto.n_masks)[None, :] | auto.found[:, None])).ravel()
        self.cache: dict[bytes, np.ndarray] = {}
        self.model = model

    def transition(self, group_weights: np.ndarray) -> np.ndarray:
        """T[s, t]: the probability of moving from s to t on one character."""
        key = group_weights.tobytes()
        if key not in self.cache:
            n = self.auto.n_states
            flat = (np.arange(n)[:, None] * n + self.auto.delta).ravel()
            weights = np.broadcast_to(group_weights, self.auto.delta.shape).ravel()
            self.cache[key] = np.bincount(flat, weights, minlength=n * n).reshape(n, n).T.copy()
        return self.cache[key]

    def execute(self) -> np.ndarray:
        auto = self.auto
        states, masks, mass = np.zeros(1, np.int64), np.zeros(1, np.int64), np.ones(1)
        tails = np.zeros((0, auto.n_states, auto.n_masks))
        total = np.zeros(self.size)
        for layer in self.model.layers:
            new_tails = self._inject(layer, states, masks, mass) + self._carry(layer, tails)
            states, masks, mass = self._points(layer, states, masks, mass)
            tails = self._fold(new_tails)
            total += self._ended(layer, states, masks, mass, tails)
        return total.reshape(auto.n_states, auto.n_masks)

    def _points(self, layer: Layer, states: np.ndarray, masks: np.ndarray,
                mass: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        new_states = np.zeros(layer.n_points, np.int64)
        new_masks = np.zeros(layer.n_points, np.int64)
        new_mass = np.zeros(layer.n_points)
        nxt = self.auto.delta[states[layer.pp_src], self.groups[layer.pp_char]]
        new_states[layer.pp_dst] = nxt
        new_masks[layer.pp_dst] = masks[layer.pp_src] | self.auto.found[nxt]
        new_mass[layer.pp_dst] = mass[layer.pp_src] * layer.pp_weight
        return new_states, new_masks, new_mass

    def _inject(self, layer: Layer, states: np.ndarray, masks: np.ndarray,
                mass: np.ndarray) -> np.ndarray:
        """Mass leaving point nodes into tail nodes (masks folded later)."""
        auto = self.auto
        src = layer.pt_src
        nxt = auto.delta[states[src]]
        flat = (layer.pt_dst[:, None] * auto.n_states + nxt) * auto.n_masks + masks[src][:, None]
        values = mass[src][:, None] * (layer.pt_weights @ self.onehot)
        out = np.bincount(flat.ravel(), values.ravel(), minlength=layer.n_tails * self.size)
        return out.reshape(layer.n_tails, auto.n_states, auto.n_masks)

    def _carry(self, layer: Layer, tails: np.ndarray) -> np.ndarray:
        out = np.zeros((layer.n_tails, self.auto.n_states, self.auto.n_masks))
        group_weights = layer.tt_weights @ self.onehot
        for src, dst, weights in zip(layer.tt_src, layer.tt_dst, group_weights):
            out[dst] += self.transition(weights) @ tails[src]
        return out

    def _fold(self, tails: np.ndarray) -> np.ndarray:
        """OR each state's completed parts into the mask (idempotent)."""
        if self.auto.n_masks == 1:
            return tails
        count = len(tails)
        flat = (np.arange(count)[:, None] * self.size + self.fold[None, :]).ravel()
        return np.bincount(flat, tails.ravel(), minlength=count * self.size).reshape(tails.shape)

    def _ended(self, layer: Layer, states: np.ndarray, masks: np.ndarray, mass: np.ndarray,
               tails: np.ndarray) -> np.ndarray:
        ended = layer.point_end
        flat = states[ended] * self.auto.n_masks + masks[ended]
        out = np.bincount(flat, mass[ended], minlength=self.size)
        return out + tails[layer.tail_end].sum(axis=0).ravel()


def run(model: BodyModel, auto: Automaton, groups: np.ndarray) -> np.ndarray:
    """Exact probability that the body ends in each (state, mask) of ``auto``.

    ``groups`` maps every alphabet index of ``model`` to the group ids ``auto`` reads.
    """
    return _Run(model, auto, groups).execute()


def jackpot_probability(model: BodyModel, classes: list[tuple[frozenset[str], ...]],
                        anchor: str) -> float:
    """Exact P(jackpot) of parts given as character classes (chars of model.alphabet)."""
    groups = alphabet_groups(model.alphabet, classes)
    parts = group_classes(model.alphabet, groups, classes)
    auto = jackpot_automaton(parts, anchor, int(groups.max()) + 1)
    return float(run(model, auto, groups)[:, 0] @ auto.accept)


def score_distribution(model: BodyModel, classes: list[tuple[frozenset[str], ...]]) -> np.ndarray:
    """Exact P(score = k) for k = 0..n. Equal parts are tracked once (found together)."""
    unique = list(dict.fromkeys(classes))
    counts = [classes.count(part) for part in unique]
    groups = alphabet_groups(model.alphabet, unique)
    auto = score_automaton(group_classes(model.alphabet, groups, unique), int(groups.max()) + 1)
    per_mask = run(model, auto, groups).sum(axis=0)
    score = [sum(c for u, c in enumerate(counts) if mask >> u & 1) for mask in range(len(per_mask))]
    return np.bincount(score, per_mask, minlength=len(classes) + 1)
