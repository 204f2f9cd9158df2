"""The projection ensemble: which parameter sets, assumptions, futures and seeds run.

Every member of the ensemble runs in every scenario (common random numbers), so a policy's
effect is the member's scenario run minus its reference run. Per variant, ``draws`` members
each draw all four sources of uncertainty independently:

* parameters: a particle of the variant's posterior (with its switched-off mechanisms at 0);
* assumptions: the uncalibrated parameters, from their priors (``--assumptions sampled``);
* futures: the exogenous inputs after 2025 (``--futures sampled``);
* seed: the population, network and monthly chance.

To split the variance by source, the draws form pairs (A = draw p, B = draw p + draws/2)
and, for each source that varies, one more member takes A's inputs with that source from B
(the pick-freeze design of Saltelli et al. 2010, "Variance based sensitivity analysis of
model output", Comput. Phys. Commun. 181). Every member is a draw from the same joint
distribution, so all of them enter the bands; ``seeds`` > 1 adds seed replicates of each
draw. A variant's members share its model-averaging weight equally.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from ..core.streams import generator, stream_key
from ..inputs import variants
from ..inputs.assumptions import sample_assumptions, sampled_names
from ..inputs.futures import sample_future
from ..inputs.posterior import Posterior, variant_parameters

#: The sources of uncertainty within a variant, in the order they are reported.
SOURCES = ("parameters", "assumptions", "futures", "seed")


@dataclass(frozen=True)
class Inputs:
    """One realisation of every source of a member."""

    parameters: Mapping[str, float]
    assumptions: Mapping[str, float]
    future: Mapping[str, float]
    seed: int


@dataclass(frozen=True)
class Member:
    """One member of the ensemble.

    Attributes:
        variant: the mechanism variant.
        label: unique within the variant: ``d3`` (draw 3), ``d3s1`` (its second seed),
            ``p1:futures`` (pair 1's A with B's futures).
        draw: the draw (for a swap: A's draw).
        swapped: the source taken from B, or None for a draw.
        inputs: what the member runs with.
        replicate: the seed replicate of a draw (0: its first seed).
        weight: its share of the averaged ensemble (the variant's weight over its members).
    """

    variant: str
    label: str
    draw: int
    swapped: str | None
    inputs: Inputs
    replicate: int = 0
    weight: float = 0.0

    def parameters(self) -> dict[str, float]:
        """Return the parameter overrides of the member's runs."""
        return {**self.inputs.assumptions, **self.inputs.parameters}


@dataclass(frozen=True)
class Design:
    """How the ensemble is drawn (``run``'s options)."""

    variants: tuple[str, ...]
    draws: int
    seeds: int
    posteriors: Mapping[str, Posterior | None]
    weights: Mapping[str, float]
    assumptions: bool
    futures: bool
    #: Add the pick-freeze swap members (``attribute`` needs the draws only).
    pick_freeze: bool = True
    _drawn: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def varying(self, variant: str) -> tuple[str, ...]:
        """Return the sources that vary between a variant's draws."""
        flags = {"parameters": self.posteriors.get(variant) is not None,
                 "assumptions": self.assumptions, "futures": self.futures, "seed": True}
        return tuple(source for source in SOURCES if flags[source])

    @property
    def pairs(self) -> int:
        """Return the number of A-B pairs per variant."""
        return self.draws // 2

    def members(self) -> list[Member]:
        """Return every member, variant by variant, draws first, then the swaps."""
        everyone = []
        for name in self.variants:
            own = [*self._draws(name), *(self._swaps(name) if self.pick_freeze else ())]
            everyone += [replace(m, weight=self.weights[name] / len(own)) for m in own]
        return everyone

    def distinct_parameter_sets(self) -> int:
        """Return how many different parameter sets (particle and assumptions) run."""
        return len({(m.variant, tuple(sorted(m.parameters().items())))
                    for m in self.members()})

    def _inputs(self, name: str, draw: int, seed: int) -> Inputs:
        key = (name, draw, seed)
        if key not in self._drawn:  # the swaps reuse their pair's draws
            self._drawn[key] = self._draw_inputs(name, draw, seed)
        return self._drawn[key]

    def _draw_inputs(self, name: str, draw: int, seed: int) -> Inputs:
        posterior = self.posteriors.get(name)
        fitted = variant_parameters(name, posterior, draw)
        chosen = variants.variant(name)
        names = sampled_names(chosen, tuple(posterior.particles.columns) if posterior else ())
        assumptions = {}
        if self.assumptions:  # one stream per assumption: the same value in every variant
            for assumption in names:
                assumptions |= sample_assumptions(
                    (assumption,), generator(draw, "assumptions", stream_key(assumption)))
        future = sample_future(generator(draw, "futures")) if self.futures else {}
        return Inputs(fitted, assumptions, future, seed)

    def _draws(self, name: str) -> list[Member]:
        members = []
        for draw in range(self.draws):
            for replicate in range(self.seeds):
                label = f"d{draw}" + (f"s{replicate}" if replicate else "")
                inputs = self._inputs(name, draw, draw * self.seeds + replicate)
                members.append(Member(name, label, draw, None, inputs, replicate))
        return members

    def _swaps(self, name: str) -> list[Member]:
        members = []
        for pair in range(self.pairs):
            a = self._inputs(name, pair, pair * self.seeds)
            b = self._inputs(name, pair + self.pairs, (pair + self.pairs) * self.seeds)
            for source in self.varying(name):
                members.append(Member(name, f"p{pair}:{source}", pair, source,
                                      swap(a, b, source)))
        return members


def swap(a: Inputs, b: Inputs, source: str) -> Inputs:
    """Return ``a`` with ``source`` taken from ``b``."""
    field = {"parameters": "parameters", "assumptions": "assumptions", "futures": "future",
             "seed": "seed"}[source]
    return replace(a, **{field: getattr(b, field)})


def pair_members(members: Sequence[Member], variant: str, pairs: int) -> dict[str, list[int]]:
    """Return, for a variant, the indices into ``members`` of A, B and each swap, by pair.

    A and B are the pair's draws at their first seed. Keys: ``A``, ``B`` and every swapped
    source; each list is ordered by pair.
    """
    index = {(m.variant, m.label): i for i, m in enumerate(members)}
    found: dict[str, list[int]] = {"A": [], "B": []}
    for pair in range(pairs):
        found["A"].append(index[(variant, f"d{pair}")])
        found["B"].append(index[(variant, f"d{pair + pairs}")])
    for (name, label), i in index.items():
        if name == variant and ":" in label:
            found.setdefault(label.split(":")[1], []).append(i)
    return found
