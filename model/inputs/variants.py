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
from types import MappingProxyType

from . import registry

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
