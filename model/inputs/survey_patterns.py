"""Published sizes of groups of Chatham House respondents: checks, and the travel ones targets.

Chatham House published, besides the alliance shares, the share of its respondents who hold a
visa, who visited the EU recently, and who follow each kind of media
(``shared/data/evidence_for_mechanisms.md`` section 1, ``shared/data/belarus_facts.md``
section c). The model reads each as the share of the virtual survey's weight in a subgroup
(``core.subgroups``) in the wave's fieldwork months. ``tests/test_survey_patterns.py`` checks
every one; the three travel figures (``TRAVEL``) can also be fitted
(``calibrate --patterns travel``, docs/calibration.md "Patterns as targets"), since they
measure the trips that the contact mechanism multiplies.
"""

from __future__ import annotations

from dataclasses import dataclass

from .survey_data import UNKNOWN_SAMPLE_SIZE


@dataclass(frozen=True)
class Pattern:
    """A survey figure and where the model reads it.

    Attributes:
        subgroup, level: the row of the subgroup table whose share of the weight it is.
        months: the wave's fieldwork months (the model's values are averaged over them).
        low, high: the figure (low == high) or the range it states, as fractions.
        n: the wave's sample size.
        source: the figure as quoted, and where.
    """

    subgroup: str
    level: str
    months: tuple[str, ...]
    low: float
    high: float
    n: int
    source: str

    @property
    def observed(self) -> float:
        """The figure, or the middle of the range it states."""
        return 0.5 * (self.low + self.high)


W12 = ("2022-08",)        # 15-31 Aug 2022, n = 741
MARCH_2023 = ("2023-03",)  # 15-27 Mar 2023, n = 804
NOVEMBER_2023 = ("2023-11",)  # n not given
W19 = ("2024-06", "2024-07")  # 28 Jun - 3 Jul 2024, n = 827

PATTERNS = {
    "visa holders, Aug 2022": Pattern(
        "visa", "yes", W12, 0.05, 0.05, 741,
        "W12, 15-31 Aug 2022, n = 741: '5% hold a visa of any EU country' "
        "(https://nashaniva.com/300597?lang=ru; evidence_for_mechanisms.md s.1)"),
    "visa holders, Jun-Jul 2024": Pattern(
        "visa", "yes", W19, 0.07, 0.07, 827,
        "W19, Jun-Jul 2024, n = 827: '7% hold a valid visa' "
        "(https://euro.radio.fm/en/what-do-belarusians-think-about-west)"),
    "visited the EU in the last five years, Jun-Jul 2024": Pattern(
        "eu_trip_5y", "yes", W19, 0.20, 0.22, 827,
        "W19: 'slightly more than a fifth visited Europe in the last 5 years' and '78% never "
        "visited EU countries', so at least 20% and, as a recent visitor has visited, at most "
        "100 - 78 = 22% (https://euro.radio.fm/en/what-do-belarusians-think-about-west)"),
    **{f"media group {level}, Mar 2023": Pattern(
        "diet", level, MARCH_2023, share, share, 804,
        "Mar 2023 media groups: 'state media only 37%, independent only 18%, both 26%, not "
        "avid media users 19%' (https://pozirk.online/en/news/46487; belarus_facts.md s.c)")
       for level, share in (("state_only", 0.37), ("independent_only", 0.18),
                            ("both", 0.26), ("rarely", 0.19))},
    **{f"media group {level}, Nov 2023": Pattern(
        "diet", level, NOVEMBER_2023, share, share, UNKNOWN_SAMPLE_SIZE,
        "Nov 2023 media groups: 'both 23%, state only 38%, independent only 16%, rarely use "
        "any 23%' (https://mediaiq.info/media-consumption-trends-in-2023; belarus_facts.md "
        "s.c). Not independent of the model: the population's diets are raked to this split "
        "in the unweighted frame (model.core.population); the check is of the survey's "
        "weighting and panel selection")
       for level, share in (("state_only", 0.38), ("independent_only", 0.16),
                            ("both", 0.23), ("rarely", 0.23))},
}



@dataclass(frozen=True)
class PatternSet:
    """Figures a fit may add to its targets, and the parameters it then fits with them.

    Attributes:
        patterns: names in ``PATTERNS``.
        frees: the parameters these figures measure, fitted alongside the variant's own
            (over their registry priors); without the figures the waves cannot tell them
            apart, and they are held at their defaults.
        description: one line for ``--help``.
    """

    patterns: tuple[str, ...]
    frees: tuple[str, ...]
    description: str


#: The travel figures: the ones a fit may use. The media groups are not targets: the diets
#: are an input of the population's construction, raked to one split and fixed, so a fit
#: could not move them. The freed parameters are the six that moved these figures in the
#: one-at-a-time sweep of docs/calibration.md (each figure moves with several of them).
TRAVEL = PatternSet(
    patterns=("visa holders, Aug 2022", "visa holders, Jun-Jul 2024",
              "visited the EU in the last five years, Jun-Jul 2024"),
    frees=("visa_application_rate", "visa_validity_months", "trip_rate",
           "travel_attitude_selection", "travel_ties_selection", "travel_income_selection"),
    description="visa holders (Aug 2022, Jun-Jul 2024) and recent EU visitors (Jun-Jul "
                "2024), with the six travel parameters they measure")
#: Named sets of patterns a fit may add to its targets (``calibrate --patterns NAME``).
PATTERN_SETS = {"none": PatternSet((), (), "the alliance shares only"), "travel": TRAVEL}
