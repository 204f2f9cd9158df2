"""Citizens as Mesa agents: thin views onto the model's arrays.

A ``Citizen`` stores only its index. Reading ``citizen.r`` reads ``state.r[index]``; writing
it writes the array. So ``model.agents`` can be selected, grouped and inspected with Mesa's
verbs (``select``, ``groupby``, ``agg``) while the monthly step stays vectorised.
"""

from __future__ import annotations

import mesa

from .mechanisms.camps import camp
from .observation import base_fear
from .population import AGE_BANDS, DIETS, REGIME


def _state_view(name: str, doc: str) -> property:
    def get(self):
        return getattr(self.model.world.state, name)[self.index].item()

    def set_(self, value):
        getattr(self.model.world.state, name)[self.index] = value

    return property(get, set_, doc=doc)


def _trait_view(name: str, labels: tuple[str, ...] | None, doc: str) -> property:
    def get(self):
        value = getattr(self.model.world.population, name)[self.index].item()
        return labels[value] if labels else value

    return property(get, doc=doc)


class Citizen(mesa.Agent):
    """One simulated adult Belarusian; every attribute is a view onto the model's arrays."""

    r = _state_view("r", "Attitude toward an alliance with Russia, in [-1, 1].")
    e = _state_view("e", "Attitude toward an alliance with the EU, in [-1, 1].")
    r_anchor = _state_view("r_anchor", "Anchor (lasting predisposition) of r.")
    e_anchor = _state_view("e_anchor", "Anchor (lasting predisposition) of e.")
    grievance = _state_view("grievance", "Grievance from Western restrictions, in [0, 1].")
    contact = _state_view("contact", "Stock of recent good trips to the EU.")
    has_visa = _state_view("has_visa", "Holds a valid Schengen visa.")
    eu_ties = _state_view("eu_ties", "Close ties living in the EU.")
    russia_ties = _state_view("russia_ties", "Close ties living in Russia.")
    present = _state_view("present", "Still lives in Belarus.")
    last_trip_west = _state_view("last_trip_west", "Month (t) of the last trip to the EU "
                                 "(negative: before the start; -32768: none on record).")

    urban = _trait_view("urban", None, "Lives in a town or city.")
    age_band = _trait_view("age_band", AGE_BANDS, "Age band.")
    media_diet = _trait_view("diet", DIETS, "Chatham House media-diet group.")
    loyalty = _trait_view("loyalty", None, "Latent loyalty to the regime (camps are its bands).")
    internet = _trait_view("internet", None, "Uses the internet.")
    car_owner = _trait_view("car_owner", None, "Has a household car.")
    border_region = _trait_view("border_region", None, "Lives in a region on the EU border.")

    def __init__(self, model: mesa.Model, index: int):
        super().__init__(model)
        self.index = index

    @property
    def camp(self) -> int:
        """This month's camp, an index into ``REGIME`` (``mechanisms.camps``)."""
        return int(camp(self.model.world.population.loyalty[self.index], self.model.record))

    @property
    def regime(self) -> str:
        """This month's alignment with the regime: opposed, neutral or loyal."""
        return REGIME[self.camp]

    @property
    def fear(self) -> float:
        """Fear of voicing anti-regime views this month (fear at index 1 times repression)."""
        p = self.model.params
        return float(base_fear(self.camp, p.fear_opposed, p.fear_neutral)) * self.model.repression

    @property
    def preferred_alliance(self) -> str:
        """The answer this citizen most likely gives (no response noise)."""
        p = self.model.params
        favours_russia = self.r > p.threshold_russia
        favours_eu = self.e > p.threshold_eu
        if favours_russia:
            return "both" if favours_eu else "russia"
        return "eu" if favours_eu else "neither"
