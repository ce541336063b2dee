"""Extrapolation strategies: how a zone is widened so that the zone graph is finite.

A symbolic state's zone is closed under delay within the active bounds, then extrapolated
with the constants of the clocks that are *live* in its discrete state (model.timed: a
clock nothing reads before its next reset has no constant there), so a 15 min timeout
costs what a 2 s one costs. `always` holds clocks whose constants apply everywhere (a clock
that became live without a reset; see search.py).

- `ExtraM` (Extra+_M, L = U = M): a bisimulation-based widening; it keeps deadlocks and
  timelocks, so it is used whenever stuck states must be found.
- `ExtraLU` (Extra+_LU): coarser, exact for reachability only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import dbm

if TYPE_CHECKING:
    from model import ZoneCode

__all__ = ["Extrapolation", "ExtraM", "ExtraLU", "initial_zone"]

Zone = tuple[int, ...]


class Extrapolation:
    """Per-discrete-state constants, and the closing step `close` of every successor."""

    name = ""

    def __init__(self, zc: ZoneCode, always: frozenset[int], extra: Sequence[int] = ()):
        self.zc = zc
        self.always = always
        self.extra = tuple(extra)  # constants of clocks beyond the model's (a tick clock)
        self.n = zc.n + len(self.extra)
        self._live: dict[int, int] = {}
        self._bounds: dict[int, tuple[list[int], list[int]]] = {}

    def live(self, d: int) -> int:
        """The live mask of discrete state d (cached)."""
        mask = self._live.get(d)
        if mask is None:
            mask = self._live[d] = self.zc.live(d)
        return mask

    def bounds(self, d: int) -> tuple[list[int], list[int]]:
        """L and U in discrete state d (extra clocks appended)."""
        mask = self.live(d)
        hit = self._bounds.get(mask)
        if hit is None:
            lower, upper = self.zc.bounds(mask, self.always)
            hit = self._bounds[mask] = (list(lower) + list(self.extra),
                                        list(upper) + list(self.extra))
        return hit

    def extrapolate(self, z: Zone, d: int) -> Zone:
        raise NotImplementedError

    def close(self, z: Zone, d: int, inv: tuple) -> Zone:
        """Let time pass within the bounds `inv` of d, then extrapolate."""
        n = self.n
        up = dbm.constrain_all(dbm.up(z, n), n, inv)
        assert up is not None  # z satisfies inv already
        return self.extrapolate(up, d)


class ExtraM(Extrapolation):
    name = "Extra+_M"

    def __init__(self, zc: ZoneCode, always: frozenset[int], extra: Sequence[int] = ()):
        super().__init__(zc, always, extra)
        self._m: dict[int, list[int]] = {}

    def extrapolate(self, z: Zone, d: int) -> Zone:
        mask = self.live(d)
        m = self._m.get(mask)
        if m is None:
            lower, upper = self.bounds(d)
            m = self._m[mask] = [max(a, b) for a, b in zip(lower, upper)]
        return dbm.extrapolate_m(z, self.n, m)


class ExtraLU(Extrapolation):
    name = "Extra+_LU"

    def extrapolate(self, z: Zone, d: int) -> Zone:
        lower, upper = self.bounds(d)
        return dbm.extrapolate_lu(z, self.n, lower, upper)


def initial_zone(zc: ZoneCode, d: int) -> Zone | None:
    """The zone of an initial discrete state: all clocks 0, then time passes within the
    bounds (None: the bounds are false at once)."""
    n = zc.n
    inv = zc.inv(d)
    z = dbm.constrain_all(dbm.zero(n), n, inv)
    if z is None:
        return None
    return dbm.constrain_all(dbm.up(z, n), n, inv)
