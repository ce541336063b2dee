"""Abstractions: how zones are widened and compared so that the zone graph is finite.

A symbolic state's zone is closed under delay within the active bounds, then extrapolated
with *local* constants: in discrete state d, a clock's L (U) is the largest constant it is
compared with from below (above) at the read sites that are on in d (model.time: a
guard, a bound or a property atom, under the discrete condition of its action, bound or
conjunction), so a clock nothing reads before its next reset has no constant there and a
15 min timeout costs what a 2 s one costs. That is sound when constants never grow along
a transition that does not reset the clock; the search checks this on every transition
(`grows`), and a clock for which it fails gets its global constants everywhere (`always`;
the search starts again). A new zone is dropped when a stored zone of the same discrete
state *subsumes* it.

- `ExtraM` (L = U = M, the largest constant a clock is compared with): Extra+_M widening
  and subsumption by the M-simulation (aM: aLU with L = U = M). With L = U = M the
  simulation is symmetric, a bisimulation: a zone it subsumes reaches exactly what its
  subsumer reaches, deadlocks and timelocks included. Used whenever stuck states count.
- `ExtraLU` (separate lower and upper constants): Extra+_LU widening and aLU subsumption
  (Herbreteau, Srivathsan, Walukiewicz: "Better abstractions for timed automata"), the
  coarsest of the three and exact for reachability (properties, run-time errors), but a
  mere simulation: a subsumed zone may reach a stuck state its subsumer does not, so it is
  used only when neither deadlocks nor timelocks are asked about.

Zones are the kernel's (kernel.py: int32 DBMs, native when built).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import kernel

if TYPE_CHECKING:
    from model import ZoneCode

__all__ = ["Extrapolation", "ExtraM", "ExtraLU", "initial_zone"]

Zone = bytes


class Extrapolation:
    """Per-discrete-state constants; the closing step of every successor; subsumption."""

    name = ""
    subsumption = ""

    def __init__(self, zc: ZoneCode, always: frozenset[int], extra: Sequence[int] = ()):
        self.zc = zc
        self.always = always
        self.extra = tuple(extra)  # constants of clocks beyond the model's (a tick clock)
        self.n = zc.n + len(self.extra)
        self._live: dict[int, int] = {}
        self._inv: dict[int, tuple] = {}
        self._bounds: dict[int, tuple[bytes, bytes]] = {}
        self._local: dict[int, tuple[list[int], list[int]]] = {}
        self._grows: dict[tuple[int, int], frozenset[int]] = {}

    def live(self, d: int) -> int:
        """The live mask of discrete state d (cached)."""
        mask = self._live.get(d)
        if mask is None:
            mask = self._live[d] = self.zc.live(d)
        return mask

    def invariant(self, d: int) -> tuple:
        """The bounds active in discrete state d (cached)."""
        inv = self._inv.get(d)
        if inv is None:
            inv = self._inv[d] = self.zc.inv(d)
        return inv

    def local(self, mask: int) -> tuple[list[int], list[int]]:
        """L and U (-1: none) of the model's clocks where the read sites of `mask` are on."""
        hit = self._local.get(mask)
        if hit is None:
            zc = self.zc
            lower, upper = list(zc.base_lower), list(zc.base_upper)
            bit = 0
            m = mask
            while m:
                if m & 1:
                    for site in zc.cond_sites[bit]:
                        lower[site.clock] = max(lower[site.clock], site.lower)
                        upper[site.clock] = max(upper[site.clock], site.upper)
                m >>= 1
                bit += 1
            for x in self.always:
                lower[x], upper[x] = zc.global_lower[x], zc.global_upper[x]
            lower[0] = upper[0] = -1
            hit = self._local[mask] = (lower, upper)
        return hit

    def bounds(self, d: int) -> tuple[bytes, bytes]:
        """L and U in discrete state d, as the kernel takes them (extra clocks appended)."""
        mask = self.live(d)
        hit = self._bounds.get(mask)
        if hit is None:
            lower, upper = self.local(mask)
            lower, upper = self._choose(lower + list(self.extra), upper + list(self.extra))
            hit = self._bounds[mask] = (kernel.encode_bounds(lower, self.n),
                                        kernel.encode_bounds(upper, self.n))
        return hit

    def grows(self, mask: int, mask2: int) -> frozenset[int]:
        """The clocks whose L or U is larger where the sites of `mask2` are on than where
        those of `mask` are (those a transition between them must reset)."""
        key = (mask, mask2)
        hit = self._grows.get(key)
        if hit is None:
            (l1, u1), (l2, u2) = self.local(mask), self.local(mask2)
            hit = self._grows[key] = frozenset(
                x for x in range(1, self.zc.n) if l2[x] > l1[x] or u2[x] > u1[x])
        return hit

    def _choose(self, lower: list[int], upper: list[int]) -> tuple[list[int], list[int]]:
        return lower, upper

    def extrapolate(self, z: Zone, d: int) -> Zone:
        lower, upper = self.bounds(d)
        return kernel.extrapolate_lu(z, self.n, lower, upper, kernel.EXTRA_PLUS_LU)

    def close(self, z: Zone, d: int, inv: tuple) -> Zone:
        """Let time pass within the bounds `inv` of d, then extrapolate."""
        lower, upper = self.bounds(d)
        out = kernel.close(z, self.n, inv, lower, upper, kernel.EXTRA_PLUS_LU)
        assert out is not None  # z satisfies inv already
        return out


class ExtraM(Extrapolation):
    name = "Extra+_M"
    subsumption = "aM"

    def _choose(self, lower: list[int], upper: list[int]) -> tuple[list[int], list[int]]:
        m = [max(a, b) for a, b in zip(lower, upper)]
        return m, m


class ExtraLU(Extrapolation):
    name = "Extra+_LU"
    subsumption = "aLU"


def initial_zone(zc: ZoneCode, d: int) -> Zone | None:
    """The zone of an initial discrete state: all clocks 0, then time passes within the
    bounds (None: the bounds are false at once)."""
    n = zc.n
    inv = zc.inv(d)
    z = kernel.constrain_all(kernel.zero(n), n, inv)
    if z is None:
        return None
    return kernel.constrain_all(kernel.up(z, n), n, inv)
