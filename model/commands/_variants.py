"""The mechanism variants a command runs, with their posteriors and weights, checked once.

``sensitivity`` and ``robustness`` run their design once per chosen variant (``--variant``):
each run holds the variant's switched-off parameters at 0 and draws its calibrated
parameters from the variant's committed posterior (``variant_parameters``). A variant not
calibrated yet runs with the registry defaults for its fitted parameters, with a warning and
``"none: registry defaults"`` in the manifest; a weighting not committed yet gives every
variant the same weight, again with a warning and a record.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass

from ..inputs import variants
from ..inputs.errors import InputError
from ..inputs.posterior import Posterior, posterior_path, variant_posterior
from ._executor import Setup, say
from ._options import chosen_variants

#: The manifest's posterior of a variant that has none committed.
NO_POSTERIOR = "none: registry defaults"


@dataclass(frozen=True)
class VariantPlan:
    """The chosen variants, their posteriors and their weights.

    Attributes:
        names: the chosen variants, in the registry's order.
        posteriors: each variant's committed posterior, or None (registry defaults).
        weights: each variant's weight in the averaged rows (1 for a single variant).
        asked: the weighting asked for (``--weights``).
        weighting: the weighting used: ``equal`` when the asked one is not committed yet.
    """

    names: tuple[str, ...]
    posteriors: Mapping[str, Posterior | None]
    weights: Mapping[str, float]
    asked: str
    weighting: str

    @property
    def averaged(self) -> bool:
        """True when the command writes model-averaged rows (two or more variants)."""
        return len(self.names) > 1

    def argv(self) -> list[str]:
        """Return the options that choose these variants again."""
        return [*(item for name in self.names for item in ("--variant", name)),
                "--weights", self.asked]

    def record(self) -> dict:
        """Return the manifest's account of the variants, posteriors and weights."""
        return {"variants": list(self.names), "weighting": self.weighting,
                "weighting_asked": self.asked, "weights": dict(self.weights),
                "posterior": {name: posterior.source if posterior else NO_POSTERIOR
                              for name, posterior in self.posteriors.items()},
                "rule": "a run's parameters: the scenario's own [parameters], then the "
                        "command's sampled values, then the variant's posterior draw (seed "
                        "s draws index s), then the registry defaults; the variant's "
                        "switched-off parameters are 0"}


def plan_variants(args: argparse.Namespace, setup: Setup,
                  require_posterior: str | None = None) -> VariantPlan:
    """Return the variants ``--variant`` and ``--weights`` ask for, warning of fallbacks.

    Args:
        args: the parsed command line.
        setup: where the posteriors and weights are committed.
        require_posterior: an option (``--posterior``) that needs every chosen variant
            calibrated, or None.

    Raises:
        InputError: for an unknown variant, a damaged posterior or weights file, or a
            missing posterior that ``require_posterior`` needs.
    """
    names = chosen_variants(args)
    posteriors = {name: variant_posterior(name, setup.posteriors) for name in names}
    for name, posterior in posteriors.items():
        if posterior is not None:
            continue
        path = posterior_path(name, setup.posteriors)
        if require_posterior:
            raise InputError(require_posterior, "value", True,
                             f"no calibration is committed for variant {name!r} at {path}; "
                             f"calibrate it first or drop {require_posterior}")
        say(f"warning: variant {name} has no committed posterior ({path}): its fitted "
            "parameters stay at the registry defaults")
    weights, used = variants.weights_or_equal(names, args.weights, setup.posteriors)
    if used != args.weights:
        say(f"warning: the {args.weights} weights are not committed yet "
            f"({setup.posteriors / variants.WEIGHT_FILES[args.weights]}): the averaged rows "
            "weight every variant equally")
    return VariantPlan(names, posteriors, weights, args.weights, used)
