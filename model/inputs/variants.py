"""Model variants: named sets of mechanisms, each a switch set over the registry.

The survey waves cannot tell several mechanism sets apart (``docs/calibration.md``), so each
is a model of its own, fitted and projected on its own. A variant switches mechanisms off by
holding their strength parameters at zero, and may free parameters the default model holds
(the named assumptions, off by default). Every variant keeps the core: media, peers and
anchoring, sorting by camp, the war rally, emigration and preference falsification.

The variants are nested, each adding one mechanism group to the one before; ``grievance``
is the registry's default model, and ``full`` adds the column's contested assumptions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from . import registry
from .errors import MISSING, InputError
from .tables import CsvTable

#: First-hand contact with the EU: good trips, the buffer against propaganda, negative
#: contact (its weight scales ``contact_gain``) and reports from ties in the EU.
EU_CONTACT = ("contact_gain", "contact_russia_reduction", "contact_buffer",
              "extended_contact_rate")
#: Contact with Russia: trips to ties there, substitution of blocked trips west, reports
#: from ties in Russia.
RUSSIAN_CONTACT = ("russia_contact_gain_r", "russia_contact_gain_e",
                   "russia_extended_contact_rate", "russia_substitution")
#: Grievance from restrictions, by who is blamed.
GRIEVANCE = ("grievance_to_eu", "grievance_to_regime")
#: The column's contested assumptions, off in the default model.
NAMED_ASSUMPTIONS = ("rejection_identification", "propaganda_blame_amplification")
#: The fitted parameters grouped by mechanism, for the prior-sensitivity checks: a group's
#: priors are halved (``runs.prior_sensitivity``) or widened (``calibrate --widen``) together.
MECHANISM_GROUPS = {
    "media": ("media_rate_state", "media_rate_russia", "media_rate_independent"),
    "peers_and_camps": ("peer_rate", "sorting_rate", "anchoring_rate"),
    "eu_contact": ("contact_gain",),
    "grievance": GRIEVANCE,
    "war_rally": ("war_shock",),
    "falsification": ("falsification_rate",),
    "named_assumptions": NAMED_ASSUMPTIONS,
}


@dataclass(frozen=True)
class Variant:
    """A model variant: mechanisms held off, and parameters freed for fitting.

    Attributes:
        name: short name (``--variant NAME``).
        description: one line for listings.
        off: parameters held at zero (their mechanisms are switched off).
        freed: parameters the default model holds at a value, fitted in this variant.
    """

    name: str
    description: str
    off: tuple[str, ...] = ()
    freed: tuple[str, ...] = ()

    @property
    def fixed(self) -> Mapping[str, float]:
        """Return the parameters this variant holds, with their values (all zero)."""
        return MappingProxyType(dict.fromkeys(self.off, 0.0))

    def free(self, calibrated: Iterable[str]) -> tuple[str, ...]:
        """Return the parameters a fit of this variant draws, in registry order.

        ``calibrated`` minus the parameters held, plus those freed.
        """
        chosen = (set(calibrated) - set(self.off)) | set(self.freed)
        return tuple(q.name for q in registry.PARAMETERS if q.name in chosen)

    def check_free(self, names: Iterable[str], source: str) -> None:
        """Refuse values for a parameter this variant switches off.

        A sampled or given value would switch the mechanism back on, so the run would no
        longer be this variant.

        Raises:
            InputError: naming ``source`` (an option or function), the parameter and the
                variant.
        """
        for name in names:
            if name in self.off:
                raise InputError(source, name, MISSING,
                                 f"variant {self.name!r} switches this parameter off (holds "
                                 "it at 0); drop it, or choose a variant that has its "
                                 "mechanism (`python run.py variants`)")


VARIANTS: tuple[Variant, ...] = (
    Variant("media_peers", "media, peers and sorting by camp only: no contact, no grievance",
            off=EU_CONTACT + RUSSIAN_CONTACT + GRIEVANCE + NAMED_ASSUMPTIONS),
    Variant("eu_contact", "+ first-hand contact with the EU, positive and negative",
            off=RUSSIAN_CONTACT + GRIEVANCE + NAMED_ASSUMPTIONS),
    Variant("russia_contact", "+ contact with Russia: ties, trips and substitution",
            off=GRIEVANCE + NAMED_ASSUMPTIONS),
    Variant("grievance", "+ grievance from restrictions, by who is blamed (the default model)",
            off=NAMED_ASSUMPTIONS),
    Variant("full", "+ the column's contested assumptions: rejection-identification and "
            "propaganda-amplified blame", freed=NAMED_ASSUMPTIONS),
)

#: The variant whose parameters are the registry's defaults.
DEFAULT_VARIANT = "grievance"
#: Every variant, weighted (``--variant averaged``, the model-averaged rows of a table).
AVERAGED = "averaged"


def names() -> tuple[str, ...]:
    """Return the variants' names, in order."""
    return tuple(v.name for v in VARIANTS)


def variant(name: str) -> Variant:
    """Return the variant called ``name``.

    Raises:
        KeyError: for an unknown name (the message lists the variants).
    """
    for candidate in VARIANTS:
        if candidate.name == name:
            return candidate
    raise KeyError(f"unknown variant {name!r}; variants are {', '.join(names())}")


#: Ways of weighting the variants in a model-averaged answer (``--weights``).
WEIGHTINGS = ("stacking", "abc", "equal")
#: The default weighting; why: ``docs/calibration.md``, "Weighting the variants".
DEFAULT_WEIGHTING = "abc"
#: Where each weighting is committed, beside the posteriors: ``validate --install`` writes
#: the stacking weights, ``calibrate --model-selection --install`` the model probabilities.
WEIGHT_FILES = {"stacking": "stacking_weights.csv", "abc": "model_probabilities.csv"}
#: How far a weighting may sum from 1 (six significant digits written per weight).
WEIGHT_SUM_TOLERANCE = 1e-4


def read_weights(path: Path) -> dict[str, float]:
    """Read one weighting: a ``variant`` and a ``weight`` column, one row per variant.

    Raises:
        InputError: naming the file, row and column of an unknown or missing variant, a
            weight outside [0, 1], or weights that do not sum to 1.
    """
    table = CsvTable.read(path, ("variant", "weight"), "the variant weights")
    found = {}
    for name_cell, weight_cell in zip(table.cells("variant"), table.cells("weight"),
                                      strict=True):
        name = name_cell.text
        if name not in names() or name in found:
            raise name_cell.error(name, f"each of the variants {', '.join(names())} once")
        found[name] = weight_cell.number(0, 1, what="a weight")
    missing = [name for name in names() if name not in found]
    if missing:
        raise InputError(str(path), "variant", MISSING,
                         f"a row for every variant; missing {', '.join(missing)}")
    if abs(sum(found.values()) - 1) > WEIGHT_SUM_TOLERANCE:
        raise InputError(str(path), "weight", MISSING,
                         f"weights summing to 1 (within {WEIGHT_SUM_TOLERANCE:g}); these sum "
                         f"to {sum(found.values()):.6g}")
    return {name: found[name] for name in names()}


def weights_or_equal(chosen: Iterable[str], weighting: str,
                     folder: Path) -> tuple[dict[str, float], str]:
    """Return the chosen variants' weights and the weighting actually used.

    One variant has weight 1 whatever the weighting. When the weighting's file is not
    committed yet (the variants are still being fitted), every chosen variant gets the same
    weight and the weighting returned is ``equal``: the caller says so.

    Raises:
        InputError: for a damaged weights file, or chosen variants all weighted 0.
    """
    chosen = list(chosen)
    if len(chosen) == 1:
        return {chosen[0]: 1.0}, weighting
    if weighting != "equal" and not (Path(folder) / WEIGHT_FILES[weighting]).is_file():
        return weights(chosen, "equal", folder), "equal"
    return weights(chosen, weighting, folder), weighting


def weights(chosen: Iterable[str], weighting: str, folder: Path) -> dict[str, float]:
    """Return the chosen variants' weights under ``weighting``, renormalised over them.

    ``equal`` gives every chosen variant the same weight and reads no file; the others
    read ``folder / WEIGHT_FILES[weighting]``.

    Raises:
        InputError: for a missing or damaged weights file, or chosen variants whose weights
            are all zero.
    """
    chosen = list(chosen)
    if weighting == "equal":
        return dict.fromkeys(chosen, 1.0 / len(chosen))
    path = Path(folder) / WEIGHT_FILES[weighting]
    committed = read_weights(path)
    total = sum(committed[name] for name in chosen)
    if total <= 0:
        raise InputError("--weights", weighting, MISSING,
                         f"a weighting giving {', '.join(chosen)} some weight; all have 0 in "
                         f"{path}: choose another weighting or more variants")
    return {name: committed[name] / total for name in chosen}
