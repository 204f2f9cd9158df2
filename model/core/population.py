"""Synthetic adult population of Belarus: fixed traits drawn once, from documented margins.

Every margin below names its source. Figures are copied from ``shared/data/belarus_facts.md``
(with the URL where they were read); "derived" marks arithmetic on them and "assumption"
marks a design choice with no measured figure. Traits are correlated through shared latent
scores (age, urbanity, education), and the media diet is raked so that its split among urban
internet users, the Chatham House frame, matches the measured one.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

# Category codes, used as array values throughout the model.
AGE_BANDS = ("18-29", "30-44", "45-64", "65+")
DIETS = ("state_only", "both", "independent_only", "rarely")
STATE_ONLY, BOTH_MEDIA, INDEPENDENT_ONLY, RARELY = range(4)
REGIME = ("opposed", "neutral", "loyal")
OPPOSED, NEUTRAL, LOYAL = range(3)

#: Adults (18+) represented by the simulated population. Derived: 9,155,978 residents on
#: 1 Jan 2024 (https://reformby.org/naselenie-belarusi-za-2023-god-umenshilos-eshhe-na-44-6-
#: tysjachi-chelovek/amp) times an adult share of about 81% (CIA Factbook 2023: 0-14 is
#: 15.83%, plus about 3 of the 5 years of the 15-19 band).
ADULT_POPULATION = 7_420_000

#: Urban share 78.6%. Derived: 9,155,978 - 1,957,693 rural = 7,198,285 urban (1 Jan 2024,
#: reformby.org, above).
URBAN_SHARE = 0.786

#: Minsk's share of the urban population, 27.7%. Derived: 1,992,862 / 7,198,285 (reformby.org).
MINSK_SHARE_OF_URBAN = 0.277

#: Adult age bands. Derived from the CIA World Factbook 2023 (15-64: 66.81%, 65+: 17.36%,
#: https://theodora.com/world_fact_book_2024/belarus/belarus_people.html): 65+ is 21.4% of
#: adults; the 18-64 share is split in proportion to the years in each band (assumption: no
#: finer age figure in shared/data).
AGE_SHARES = np.array([0.201, 0.251, 0.334, 0.214])

#: Internet use by age band. Assumption on the gradient, chosen so the adult total is about
#: 85%: DataReportal 85.1% (early 2022) and 86.9% (Jan 2023) of the population
#: (https://ru.hrodna.life/2023/02/17/internet/amp). Rural residents use it 10% less.
INTERNET_BY_AGE = np.array([0.99, 0.97, 0.89, 0.57])
RURAL_INTERNET_FACTOR = 0.9

#: Share with higher education by age band. Assumption (no education margin in shared/data);
#: used for survey weighting and income. Urban residents 1.2x, rural 0.5x.
HIGHER_EDUCATION_BY_AGE = np.array([0.33, 0.38, 0.28, 0.18])

#: Media-diet split among urban internet users, Chatham House Nov 2023: state only 38%, both
#: 23%, independent only 16%, rarely any 23% (https://mediaiq.info/media-consumption-trends-in-
#: 2023). The diet is drawn from a multinomial logit on age, regime alignment and education;
#: its intercepts are raked so that this split holds in the Chatham House frame.
DIET_SHARES_IN_FRAME = np.array([0.38, 0.23, 0.16, 0.23])

#: Car ownership. Assumption: about one adult in three has a household car (no figure in
#: shared/data); rising with income tercile.
CAR_OWNERSHIP_BY_INCOME = np.array([0.22, 0.35, 0.48])

#: Residence in a region on the Polish, Lithuanian or Latvian border (Grodno, Brest, Vitebsk
#: border districts). Assumption: 25% (no regional margin in shared/data).
BORDER_REGION_SHARE = 0.25

#: Loyalty score: older, rural and less educated citizens lean loyal (coefficients on the
#: latent score; assumption on their sizes, the camps' sizes come from the data).
LOYALTY_BY_AGE_BAND, LOYALTY_URBAN, LOYALTY_HIGHER_EDUCATION = 0.35, -0.4, -0.3


class Population(NamedTuple):
    """Fixed traits of each simulated citizen, one array element per citizen.

    A named tuple of arrays, so the compiled engine reads the same arrays.
    """

    urban: np.ndarray          # bool
    minsk: np.ndarray          # bool, urban residents of Minsk
    age_band: np.ndarray       # int8 index into AGE_BANDS
    higher_education: np.ndarray  # bool
    internet: np.ndarray       # bool
    income: np.ndarray         # int8 tercile 0, 1, 2
    loyalty: np.ndarray        # float32 latent loyalty to the regime (camps: its bands)
    camp_at_start: np.ndarray  # int8 index into REGIME in Sep 2020 (later: mechanisms.camps)
    diet: np.ndarray           # int8 index into DIETS
    car_owner: np.ndarray      # bool
    border_region: np.ndarray  # bool
    eu_ties: np.ndarray        # int16 close ties living in the EU in Sep 2020
    russia_ties: np.ndarray    # int16 close ties living in Russia in Sep 2020

    @property
    def size(self) -> int:
        """Number of citizens."""
        return self.urban.size

    def subset(self, rows: np.ndarray) -> Population:
        """Return the citizens ``rows`` as a population of their own (arrays copied)."""
        return Population(*(trait[rows] for trait in self))

    def in_survey_frame(self) -> np.ndarray:
        """Return the Chatham House frame: urban internet users."""
        return self.urban & self.internet


def _categorical(u: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """Draw a category per row from uniforms ``u`` and row-wise ``probabilities``."""
    cumulative = np.cumsum(probabilities, axis=-1)
    return (u[:, None] > cumulative[:, :-1]).sum(axis=1).astype(np.int8)


def _rake_diet_intercepts(scores: np.ndarray, allowed: np.ndarray, frame_counts: np.ndarray,
                          target: np.ndarray, iterations: int = 60) -> np.ndarray:
    """Return diet probabilities per group of citizens whose mean over the frame is ``target``.

    Multinomial logit: P(d | g) is proportional to allowed[g, d] * exp(scores[g, d] + c_d)
    for each group g of citizens with the same covariates; the intercepts c are adjusted by
    c_d += log(target_d / share_d), with shares weighted by the frame's citizens in each group
    (``frame_counts``), until the frame shares match (iterative proportional fitting on one
    margin, which converges fast).
    """
    intercept = np.zeros(scores.shape[1])
    weights = frame_counts / frame_counts.sum()
    for _ in range(iterations - 1):
        share = weights @ _logit_probabilities(scores, allowed, intercept)
        intercept += np.log(target / share)
    return _logit_probabilities(scores, allowed, intercept)


def _logit_probabilities(scores: np.ndarray, allowed: np.ndarray,
                         intercept: np.ndarray) -> np.ndarray:
    """Return P(d | g) = allowed[g, d] exp(scores[g, d] + c_d) / sum over d of the same."""
    weights = allowed * np.exp(scores + intercept)
    return weights / weights.sum(axis=1, keepdims=True)


def _diet_scores(age_band: np.ndarray, regime: np.ndarray, higher_education: np.ndarray,
                 internet: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the diet logit's scores and allowed diets, one row per citizen or group."""
    loyal, opposed = regime == LOYAL, regime == OPPOSED
    scores = np.zeros((age_band.size, len(DIETS)))
    scores[:, STATE_ONLY] = 0.5 * age_band + 1.0 * loyal - 1.0 * opposed
    scores[:, INDEPENDENT_ONLY] = -0.4 * age_band + 1.2 * opposed - 1.2 * loyal \
        + 0.3 * higher_education
    scores[:, BOTH_MEDIA] = 0.3 * higher_education
    scores[:, RARELY] = 0.2 * (age_band == 0)
    allowed = np.ones((age_band.size, len(DIETS)))
    allowed[~internet, BOTH_MEDIA] = 0.0          # independent media are online media
    allowed[~internet, INDEPENDENT_ONLY] = 0.0
    return scores, allowed


def synthesise_population(n: int, rng: np.random.Generator, initial_eu_tie_share: float,
                          initial_russia_tie_share: float, opposed_share: float,
                          loyal_share: float) -> Population:
    """Draw ``n`` citizens' traits from the documented margins (see the module constants).

    The camps at the start have the shares given (the Sep 2020 values of the registry's
    camp series).
    """
    if n < 1:
        raise ValueError(f"the population needs at least one citizen, got {n}")
    u = rng.random((12, n))
    normal = rng.standard_normal((3, n))

    urban = u[0] < URBAN_SHARE
    minsk = urban & (u[1] < MINSK_SHARE_OF_URBAN)
    age_band = _categorical(u[2], np.broadcast_to(AGE_SHARES, (n, 4)))

    education_p = HIGHER_EDUCATION_BY_AGE[age_band] * np.where(urban, 1.2, 0.5)
    higher_education = u[3] < education_p

    internet_p = INTERNET_BY_AGE[age_band] * np.where(urban, 1.0, RURAL_INTERNET_FACTOR)
    internet = u[4] < internet_p

    # Income terciles from a latent score: education, city and Minsk raise income.
    income_score = 0.8 * higher_education + 0.4 * urban + 0.4 * minsk + normal[0]
    income = np.searchsorted(np.quantile(income_score, [1 / 3, 2 / 3]), income_score)
    income = income.astype(np.int8)

    # Regime alignment from a latent score: older, rural, less educated lean loyal.
    loyalty = (LOYALTY_BY_AGE_BAND * age_band + LOYALTY_URBAN * urban
               + LOYALTY_HIGHER_EDUCATION * higher_education + normal[1]).astype(np.float32)
    cuts = np.quantile(loyalty, [opposed_share, 1.0 - loyal_share])
    regime = np.searchsorted(cuts, loyalty, side="right").astype(np.int8)

    # Media diet: multinomial logit on age, alignment, education and internet use, raked to
    # the Chatham House split in the frame. Citizens alike in those four share probabilities,
    # so the logit is fitted on the 48 groups they form.
    group = ((age_band.astype(np.int64) * len(REGIME) + regime) * 2 + higher_education) * 2 \
        + internet
    levels = np.arange(len(AGE_BANDS) * len(REGIME) * 2 * 2)
    scores, allowed = _diet_scores(levels // 12, (levels // 4) % 3, (levels // 2) % 2 == 1,
                                   levels % 2 == 1)
    frame = urban & internet
    frame_counts = np.bincount(group[frame if frame.any() else slice(None)],
                               minlength=levels.size).astype(np.float64)
    diet_p = _rake_diet_intercepts(scores, allowed, frame_counts, DIET_SHARES_IN_FRAME)[group]
    diet = _categorical(u[5], diet_p)

    car_owner = u[6] < CAR_OWNERSHIP_BY_INCOME[income]
    border_region = u[7] < BORDER_REGION_SHARE
    tie_p = np.clip(initial_eu_tie_share * np.where(regime == OPPOSED, 1.5, 1.0)
                    * np.where(age_band <= 1, 1.2, 0.8), 0, 1)
    eu_ties = (u[8] < tie_p).astype(np.int16)
    # Ties in Russia: no gradient by trait is measured; assumption: the same for everyone.
    russia_ties = (u[9] < initial_russia_tie_share).astype(np.int16)

    return Population(
        urban=urban, minsk=minsk, age_band=age_band, higher_education=higher_education,
        internet=internet, income=income, loyalty=loyalty, camp_at_start=regime, diet=diet,
        car_owner=car_owner, border_region=border_region, eu_ties=eu_ties,
        russia_ties=russia_ties,
    )
