"""The one home of every lever, exogenous uncertainty and behavioural parameter.

Three groups, kept apart on purpose (the XLRM split of exploratory modelling):

* ``LEVERS``: what Western governments control (visas, crossings, sanctions...). Monthly
  timelines; the historical values, each with its source, are the baseline.
* ``EXOGENOUS``: time-varying inputs nobody in the West controls and nobody measured well
  (propaganda intensity, media blocking, repression, emigration). Uncertainties, with a
  best-guess history.
* ``PARAMETERS``: constant behavioural and observation parameters. Uncertainties too; the
  defaults are hand-set so the baseline meets the survey waves (see ``docs/ODD.md``).

Scenario validation, the generated ``docs/levers.md``, ``scenarios/baseline.toml``, the CLI
help and the interactive app all read from here. Nothing else holds a default.

Source conventions: a URL is where the figure was read (copied from ``shared/data``);
"derived:" marks arithmetic on such figures; "assumption:" marks a design choice with no
measured figure behind it. Assumptions are the first candidates for calibration and for
sensitivity analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from .checks import is_finite, is_number
from .errors import unknown_name_message
from .toml_lines import number_text

DType = Literal["float", "int"]


class Group(StrEnum):
    """Which of the three groups a quantity belongs to."""

    LEVER = "lever"
    EXOGENOUS = "exogenous"
    PARAMETER = "parameter"


@dataclass(frozen=True)
class Point:
    """One dated value of a timeline: from ``month`` (``YYYY-MM``) on, the value is ``value``.

    With ``ramp`` the value is reached by a straight line from the previous point (for
    quantities measured at two dates that changed in between at an unknown pace).
    """

    month: str
    value: float
    source: str
    ramp: bool = False


@dataclass(frozen=True)
class Quantity:
    """A named model input with its unit, bounds, meaning and provenance."""

    name: str
    group: Group
    unit: str
    bounds: tuple[float, float]
    description: str
    source: str
    default: float | None = None
    history: tuple[Point, ...] = field(default=())
    dtype: DType = "float"
    symbol: str = ""
    #: Every parameter's prior: uniform on (low, high), with its evidential reason in
    #: ``prior_source``. Calibration fits the ``calibrated`` parameters to the survey waves
    #: from it (``python run.py calibrate``); the others are assumptions, held at
    #: ``default`` or sampled from the prior when uncertainty is analysed.
    prior: tuple[float, float] | None = None
    prior_source: str = ""
    calibrated: bool = False
    #: Why ``run --assumptions sampled`` holds this uncalibrated parameter at its default
    #: instead of sampling it from its prior (empty: it is sampled).
    held: str = ""
    #: An exogenous input's futures (``run --futures sampled``): the range of the factor its
    #: path is multiplied by at the run's end, reached by a straight line from 1 at
    #: ``FUTURE_START``, with the reason in ``future_source``.
    future: tuple[float, float] | None = None
    future_source: str = ""

    @property
    def time_varying(self) -> bool:
        """True for levers and exogenous series, which are monthly timelines."""
        return self.group is not Group.PARAMETER

    def __post_init__(self):
        if self.group is Group.PARAMETER and (self.prior is None or not self.prior_source):
            raise ValueError(f"{self.name}: every parameter needs a prior and its reason")
        if self.prior is not None:
            low, high = self.prior
            if not self.bounds[0] <= low < high <= self.bounds[1]:
                raise ValueError(f"{self.name}: prior {self.prior} must lie within {self.bounds}")
            if self.default is not None and not low <= self.default <= high:
                raise ValueError(f"{self.name}: default {self.default} lies outside its prior")
        if self.calibrated and self.group is not Group.PARAMETER:
            raise ValueError(f"{self.name}: only parameters are calibrated")
        if self.future is not None and (self.group is not Group.EXOGENOUS
                                        or not self.future_source
                                        or not 0 <= self.future[0] < self.future[1]):
            raise ValueError(f"{self.name}: a future is an exogenous input's factor range "
                             "(low < high, from 0) with its reason")

    def check(self, value: object) -> float:
        """Return ``value`` as a float if it is a finite number within bounds.

        Whole-number quantities take whole values only; nan, infinities and numbers too
        large for a float are refused like any value out of bounds.

        Raises:
            TypeError: if the value is not a number (or not whole where one is needed).
            ValueError: if the value is not finite or lies outside ``bounds``.
        """
        if not is_number(value):
            raise TypeError(f"expected a number ({self.unit}), got {type(value).__name__}")
        low, high = self.bounds
        if not is_finite(value):
            raise ValueError(f"must be a finite number in [{low:g}, {high:g}] ({self.unit}), "
                             f"got {value!r}")
        if not low <= value <= high:  # before int(): a huge value is out of bounds, not whole
            raise ValueError(f"must lie in [{low:g}, {high:g}] ({self.unit}), got "
                             f"{number_text(value)}")
        if self.dtype == "int" and value != int(value):
            raise TypeError(f"expected a whole number ({self.unit}), got {value!r}")
        return float(value)


def _timeline(group, name, unit, bounds, description, history, **kw) -> Quantity:
    points = tuple(Point(*p) for p in history)
    return Quantity(name, group, unit, bounds, description,
                    source="see the dated history", history=points, **kw)


def _lever(*args, **kw) -> Quantity:
    return _timeline(Group.LEVER, *args, **kw)


def _exogenous(*args, **kw) -> Quantity:
    return _timeline(Group.EXOGENOUS, *args, **kw)


def _param(name, default, unit, bounds, description, source, **kw) -> Quantity:
    return Quantity(name, Group.PARAMETER, unit, bounds, description, source,
                    default=default, **kw)


_FACTS = "shared/data/belarus_facts.md"

#: The first month of the futures: the last survey wave in shared/data ends in Nov 2025, and
#: the inputs' histories run to Dec 2025.
FUTURE_START = "2026-01"
_NAMED = "a named assumption, off by default: varied between variants, not within one"

LEVERS: tuple[Quantity, ...] = (
    _lever(
        "visa_fee_eur", "EUR per Schengen visa", (0, 200),
        "Fee a Belarusian pays for a short-stay Schengen visa. Lowers the monthly chance that "
        "a would-be traveller applies.",
        [("2020-09", 35, "EU-Belarus visa facilitation in force 1 Jul 2020, fee EUR 35 "
          "(https://europeansting.com/2020/07/01/visa-facilitation-and-readmission-agreements-"
          "with-belarus-now-in-force/); kept at 35 after the general fee rose to 90 in Jun 2024 "
          "(https://mogilev.online/2024/05/25/298063.html)")],
        symbol="L_fee"),
    _lever(
        "visa_refusal_rate", "share of applications refused", (0, 1),
        "Share of Schengen visa applications refused. A refusal stops the trip and counts as "
        "negative contact (it lowers e); it may become a trip to Russia instead.",
        [("2020-09", 0.003, "derived: 2,239 refused of 681,106 applications in 2018 "
          "(https://belarusfeed.com/belarus-schengen-visa-applications-down-2018/)"),
         ("2021-01", 0.011, "derived: 656 refusals, 57,485 visas issued in 2021 "
          "(https://media-polesye.com/news/v-2022-godu-belorusy-poluchili-shengenskih-viz-vdvoe-"
          "bolshe-chem-v-2021-m)"),
         ("2022-01", 0.019, "2,292 refusals of 120,893 applications in 2022 "
          "(https://europeanbelarus.org/2023/08/31/312045.html)")],
        symbol="L_refuse"),
    _lever(
        "visa_processing_capacity", "index, 1 = 2018 consular output", (0, 2),
        "How many visa applications EU consulates in Belarus can take, relative to 2018 "
        "(appointments, staff, processing time). Multiplies the application hazard.",
        [("2020-09", 0.085, "assumption: 2020 not found, the 2021 level is carried back"),
         ("2021-01", 0.085, "derived: 57,485 C visas in 2021 / 676,984 in 2018 "
          "(media-polesye.com; belarusfeed.com); treats the fall as supply-side, which "
          "overstates the lever (demand also fell with COVID and fear)"),
         ("2022-01", 0.175, "derived: 118,523 C visas in 2022 / 676,984 in 2018 "
          "(https://media-polesye.com/news/v-2022-godu-belorusy-poluchili-shengenskih-viz-vdvoe-"
          "bolshe-chem-v-2021-m)"),
         ("2023-01", 0.24, "derived: 164k visas in 2023 / 681k in 2018 "
          "(shared/design/modeling_science.md section 3, via New Eastern Europe)")],
        symbol="L_cap"),
    _lever(
        "open_crossings_poland", "open passenger road crossings (of 5)", (0, 5),
        "Polish road crossings open to passengers: Terespol, Kuznica, Bobrowniki, Polowce, "
        "Slawatycze. Month averages where a change fell mid-month.",
        [("2020-09", 3, "assumption: Polowce and Slawatycze taken as closed from the start "
          "('closed for years' in Nov 2025, https://babel.ua/en/news/123104)"),
         ("2021-11", 2, "Kuznica-Bruzgi closed Nov 2021 (https://babel.ua/en/news/123104)"),
         ("2023-02", 1, "Bobrowniki closed 10 Feb 2023; Terespol the only passenger road "
          "crossing (https://poland.co.pl/traffic-on-the-border-with-belarus-suspended-reason-"
          "important-interest-of-state-security-1341524.html)"),
         ("2025-09", 0.5, "derived: all closed 12-25 Sep 2025 for Zapad-2025 "
          "(https://tass.com/world/2020193), month average"),
         ("2025-10", 1, "Terespol reopened 25 Sep 2025 (https://tass.com/world/2020233)"),
         ("2025-11", 1.9, "derived: Kuznica (cars) and Bobrowniki reopened 17 Nov 2025 "
          "(https://caliber.az/en/post/poland-reopens-two-border-checkpoints-with-belarus), "
          "month average"),
         ("2025-12", 3, "Terespol, Kuznica, Bobrowniki open (same source)")],
        symbol="L_PL"),
    _lever(
        "open_crossings_lithuania", "open passenger road crossings (of 6)", (0, 6),
        "Lithuanian road crossings open to passengers: Medininkai, Salcininkai, Lavoriskes, "
        "Raigardas, Sumskas, Tverecius.",
        [("2020-09", 6, "all six open before Aug 2023 (https://www.adkins.pl/en/lithuania-"
          "closes-two-border-crossings-with-belarus/)"),
         ("2023-08", 5, "derived: Sumskas and Tverecius closed 18 Aug 2023, month average "
          "(https://www.adkins.pl/en/lithuania-closes-two-border-crossings-with-belarus/)"),
         ("2023-09", 4, "same source"),
         ("2024-03", 2, "Lavoriskes and Raigardas closed 1 Mar 2024 (https://vrm.lrv.lt/en/news/"
          "the-operation-of-the-lavoriskes-and-raigardas-border-crossing-points-will-be-"
          "terminated-from-1-march/)"),
         ("2025-11", 0.7, "derived: border closed 30 Oct to 20 Nov 2025, month average "
          "(https://report.az/en/other-countries/lithuania-closes-border-with-belarus; "
          "https://www.eurointegration.com.ua/news/2025/11/20/7225299/)"),
         ("2025-12", 2, "Medininkai and Salcininkai reopened 20 Nov 2025 (same sources)")],
        symbol="L_LT"),
    _lever(
        "open_crossings_latvia", "open passenger road crossings (of 2)", (0, 2),
        "Latvian road crossings open to ordinary passengers: Paternieki, Silene.",
        [("2020-09", 2, "both open before Sep 2023 (https://motolko.help/en-news/latvia-will-"
          "close-one-of-the-border-crossings-with-belarus/)"),
         ("2023-09", 1.2, "derived: Silene suspended 19 Sep 2023 and Paternieki limited to "
          "cargo, urgent work and humanitarian cases, month average (same source)"),
         ("2023-10", 0, "Paternieki not open to ordinary passengers (same source)")],
        symbol="L_LV"),
    _lever(
        "car_plate_ban", "share of PL/LT/LV barring owner-driven Belarus-plated cars", (0, 1),
        "Share of the three neighbouring EU states that refuse entry to cars with Belarusian "
        "plates driven by their owners. Cuts car travel and angers car owners.",
        [("2020-09", 0, "no ban before Jul 2024 (https://news.liga.net/en/politics/news/"
          "estonia-bans-entry-of-vehicles-with-belarusian-license-plates-after-2-other-"
          "countries)"),
         ("2024-07", 0.33, "Latvia bans Belarus-plated cars 16 Jul 2024; Lithuania from 18 Jul "
          "with exemptions for visa holders (https://www.pravda.com.ua/eng/news/2024/07/18/"
          "7466240/); Poland bans only unaccompanied cars"),
         ("2024-08", 0.67, "Lithuania extends the ban to all Belarus-registered cars 16 Aug 2024 "
          "(https://babel.ua/en/news/109902)")],
        symbol="L_car"),
    _lever(
        "bus_routes", "index of scheduled Belarus-EU bus service, 1 = Sep 2020", (0, 2),
        "Scheduled cross-border bus service relative to Sep 2020. Cuts travel for people "
        "without a car.",
        [("2020-09", 1.0, "reference level by definition"),
         ("2024-03", 0.75, "derived: Lithuania cuts bus permits for regular routes by 50% "
          "(https://www.txtreport.com/news/2024-03-01-lithuania-closed-two-checkpoints-on-"
          "the-border-with-belarus.ByJAa4y6p.html); assumption: Lithuanian routes are half "
          "the network"),
         ("2025-11", 0.5, "derived: no bus exemptions during the Lithuanian closure 30 Oct-20 "
          "Nov 2025 (https://lb.ua/world/2025/10/29/704190_avtobusne_spoluchennya_litvi_z.html)"),
         ("2025-12", 0.75, "Lithuanian crossings reopened 20 Nov 2025")],
        symbol="L_bus"),
    _lever(
        "consumer_goods_sanctions", "index 0-1 of sanctions felt by households", (0, 1),
        "How far EU sanctions reach ordinary households' goods: bans on what travellers may "
        "bring, confiscations at the border, scarcer imports. Makes trips west humiliating "
        "(confiscations at the border), which counts as negative contact.",
        [("2020-09", 0.0, "sectoral sanctions only before 2022"),
         ("2022-03", 0.3, "assumption on the scale: Mar 2022 packages incl. the euro-banknote "
          "ban (https://faicomply.com/post/european-council-decision-2022-399)"),
         ("2024-07", 0.7, "assumption on the scale: Regulation (EU) 2024/1865 broad export bans "
          "and border confiscations (https://motolko.help/en-news/cigarettes-alcohol-and-pots-"
          "are-taken-away-from-belarusians-at-the-latvian-border)")],
        symbol="L_goods"),
    _lever(
        "eu_bank_access", "index 0-1, 1 = unrestricted EU banking for Belarusians", (0, 1),
        "Whether Belarusians and their emigrant relatives can keep and use EU bank accounts.",
        [("2020-09", 1.0, "no restriction before 2022"),
         ("2022-03", 0.9, "assumption on the scale: EUR 100k deposit cap, Council Decision "
          "2022/399 (https://faicomply.com/post/european-council-decision-2022-399)"),
         ("2025-04", 0.7, "assumption on the scale: Paysera closes accounts of Belarusians "
          "without EU residency (https://internationalinvestment.biz/en/analytics/5703)")],
        symbol="L_bank"),
    _lever(
        "legal_residence_ease", "index 0-1, 1 = residence permits easy to get and renew", (0, 1),
        "Ease for Belarusians (and relatives of those at home) to obtain legal residence in the "
        "EU. Hurdles anger those with emigrant kin and sour their reports home.",
        [("2020-09", 0.8, "assumption: humanitarian visas and legal status grew fast in 2020-21 "
          "(https://www.gazetaprawna.pl/wiadomosci/swiat/artykuly/8222711)"),
         ("2023-09", 0.6, "assumption: the column reports growing hurdles "
          "(https://nashaniva.com/en/382905); no dated measure in shared/data")],
        symbol="L_legal"),
    _lever(
        "eu_civil_society_funding", "EUR million per year", (0, 500),
        "EU support for Belarusian civil society and independent media. Raises the reach of "
        "independent media.",
        [("2020-09", 24, "EU4Belarus solidarity package EUR 24M, Nov 2020 "
          "(https://en.news-front.info/2020/11/18/)"),
         ("2022-01", 30, "additional EUR 30M, Dec 2021 (https://unn.ua/news/yes-vidilyaye-"
          "demokratichnim-silam-bilorusi-sche-30-mln-yevro-u-tomu-chisli-na-zmi)"),
         ("2023-01", 25, "EUR 25M EU4Belarus civil-society programme, Dec 2022 "
          "(https://oopstop.com/the-european-union-will-allocate-25-million-euros-to-support-"
          "civil-society-in-belarus/)"),
         ("2025-01", 30, "EUR 30M for 2025 and 2026 (https://dck8xvlq18iei.cloudfront.net/amp/ru/"
          "383056)")],
        symbol="L_fund"),
    _lever(
        "exchange_participants", "people per year", (0, 100_000),
        "Belarusians taken on EU exchange programmes and scholarships each year: guaranteed "
        "good first-hand contact for young people.",
        [("2020-09", 0, "assumption: no dedicated programme figure before Dec 2022"),
         ("2023-01", 300, "derived: about 450 scholarships and 500 exchanges under the Dec 2022 "
          "EU4Belarus programme, spread over about three years (https://oopstop.com/the-"
          "european-union-will-allocate-25-million-euros-to-support-civil-society-in-belarus/)")],
        dtype="int", symbol="L_exch"),
)

EXOGENOUS: tuple[Quantity, ...] = (
    _exogenous(
        "propaganda_state", "index, 1 = pre-August-2020 intensity", (0, 3),
        "Intensity of Belarusian state media's pro-Russian, anti-Western messaging.",
        [("2020-09", 1.5, "assumption: mobilisation after Aug 2020; TV named as a source up 14 "
          "points in 2022 (shared/design/modeling_science.md section 4)")],
        symbol="I_S", future=(0.7, 1.3),
        future_source=("assumption: no measured series; +-30% by 2030 spans a return most of "
                       "the way to the pre-August-2020 1.0 and a further mobilisation of "
                       "the size of 2020's")),
    _exogenous(
        "state_media_reach", "index, 1 = 2020-21 reach of state TV", (0, 3),
        "How many Belarusians state media reach, relative to 2020-21: scales every diet "
        "group's exposure to state media (diets change where the data show it).",
        [("2020-09", 1.0, "reference level by definition (2021 taken as 2020)"),
         ("2022-01", 1.42, "derived: TV named as an information source by 47% in 2022, 14 "
          "points up on 2021 (a closed Press Club report as told by the state outlet news.by, "
          "via shared/design/modeling_science.md section 4): 47 / 33; if the 14 were per cent, "
          "1.14: an uncertainty")],
        symbol="R_S"),
    _exogenous(
        "propaganda_russia", "index, 1 = pre-war intensity", (0, 3),
        "Intensity of Russian media's messaging reaching Belarus.",
        [("2020-09", 1.0, "reference level by definition"),
         ("2022-02", 1.5, "assumption: war coverage; 53% watch Russian TV weekly in Nov 2022 "
          "(https://euro.radio.fm/en/over-30-belarusians-still-favor-union-russia)")],
        symbol="I_R", future=(0.7, 1.3),
        future_source=("assumption: no measured series after 2022; +-30% by 2030 spans a "
                       "fall most of the way back to the pre-war 1.0 and a rise of two thirds "
                       "of the 2022 step")),
    _exogenous(
        "independent_media_blocking", "share of independent-media reach lost to blocking",
        (0, 1),
        "How much of independent and exile media's potential audience blocking and "
        "'extremist' labels cut off.",
        [("2020-09", 0.3, "assumption on the scale: 73 resources blocked 22 Aug 2020 "
          "(https://mbk-news.appspot.com/suzhet/pochemu-v-belorussii-blokiruyut-internet-smi/)"),
         ("2021-07", 0.5, "assumption on the scale: later blocks of Nasha Niva and naviny.by "
          "(same source)"),
         ("2023-01", 0.6, "derived: weekly independent audience 29% -> 25%, trust 30% -> 24% "
          "(https://mediaiq.info/media-consumption-trends-in-2023)")],
        symbol="B_I"),
    _exogenous(
        "repression_index", "index 0-1, 1 = peak stock of political prisoners (Jun 2023)",
        (0, 1),
        "Intensity of political repression: the stock of political prisoners over its peak "
        "(1,496, May-Jun 2023). Drives fear, which changes what people say in surveys, not "
        "what they think.",
        [("2020-09", 0.05, "derived: 74 political prisoners, end Sep 2020 / 1,496 "
          "(https://epde.org/?news=human-rights-situation-in-belarus-september-2020)"),
         ("2020-12", 0.11, "derived: 169 at end 2020 (https://rada.vision/en/the-number-of-"
          "political-prisoners-in-belarus-and-in-the-world)", True),
         ("2021-04", 0.24, "derived: 360 at end Apr 2021 (https://epde.org/?news=human-rights-"
          "situation-in-belarus-april-2021)", True),
         ("2021-07", 0.38, "derived: 562 on 19 Jul 2021 (AP via Viasna, https://washingtonnewsday."
          "com/world/belarus-is-said-to-be-holding-over-560-political-prisoners-according-to-a-"
          "human-rights-group/)", True),
         ("2021-10", 0.56, "derived: 831 at end Oct 2021 (https://spring96.org/en/news/105572)",
          True),
         ("2022-01", 0.65, "derived: 969 on 1 Jan 2022 (https://www.voiceofbelarus.org/article/"
          "human-rights-situation-in-belarus-in-2021/)", True),
         ("2022-09", 0.89, "derived: 1,324 on 1 Sep 2022 (https://spring96.org/en/news/109095)",
          True),
         ("2022-12", 0.97, "derived: 1,448 on 31 Dec 2022 (https://spring96.org./en/news/110325)",
          True),
         ("2023-06", 1.0, "1,496 at end May and end Jun 2023, the peak "
          "(https://spring96.org/en/news/111863)", True),
         ("2023-12", 0.97, "derived: 1,452 on 31 Dec 2023 (https://spring96.org/en/news/113977)",
          True),
         ("2024-09", 0.88, "derived: 1,317 at end Sep 2024 (https://racyja.com/en/politics/viasna-"
          "there-is-an-increase-in-political-repression-in-belarus/)", True),
         ("2025-01", 0.83, "derived: 1,244 on 31 Jan 2025 (https://spring96.org/en/news/117384)",
          True),
         ("2025-09", 0.79, "derived: 1,185 on 17 Sep 2025 (https://d2accbiqacj5y8.cloudfront.net/"
          "ru/377260; the year is inferred)", True),
         ("2025-12", 0.76, "derived: 1,135 on 23 Dec 2025 (https://reform.news/en/mass-pardons-"
          "and-forced-expulsions-viasna-describes-situation-of-political-prisoners-in-2025/amp)",
          True)],
        symbol="F", future=(0.4, 1.3),
        future_source=("derived: the stock fell by a quarter from its Jun 2023 peak to Dec "
                       "2025 (the Viasna series above); the range spans mass releases "
                       "(0.76 -> 0.3), the 2023-25 pace kept up (about 0.6) and a return "
                       "to the peak (1.3; the index is capped at 1)")),
    _exogenous(
        "emigration_rate", "share of residents emigrating per month", (0, 0.02),
        "Monthly emigration hazard. Emigrants leave the population (and the survey frame); "
        "those who go west become EU ties of the friends they leave.",
        [("2020-09", 0.002, "derived: 500-600k (6-7%) left by Jan 2024 "
          "(https://pozirk.online/en/news/84410), front-loaded to 2020-21"),
         ("2022-01", 0.0015, "derived, same source"),
         ("2023-01", 0.001, "derived, same source"),
         ("2024-01", 0.0005, "assumption: outflow slowed after 2023")],
        symbol="m", future=(0.5, 2.0),
        future_source=("assumption: from half the 2024 outflow to the 2023 rate (0.001), "
                       "e.g. after a new wave of repression or mobilisation")),
    _exogenous(
        "pandemic_travel_barrier", "share of trips prevented", (0, 1),
        "COVID-19 entry rules and Belarus's own exit limits that blocked trips in 2020-22.",
        [("2020-09", 0.6, "assumption: no measure in shared/data"),
         ("2021-07", 0.4, "assumption"),
         ("2022-01", 0.2, "assumption"),
         ("2022-07", 0.0, "assumption")],
        symbol="P"),
    _exogenous(
        "war", "1 while Russia wages war on Ukraine from Belarusian soil, else 0", (0, 1),
        "The war: its first full month starts a rally that partly fades (war_shock, "
        "war_rally_half_life, war_rally_persistence).",
        [("2020-09", 0, "no war before the invasion of 24 Feb 2022"),
         ("2022-03", 1, "invasion of 24 Feb 2022 (launched partly from Belarus); a monthly model "
          "starts it with the first full month, so that wave 7 (fieldwork 20 Jan - 9 Feb 2022) "
          "sees no war")],
        symbol="W"),
    _exogenous(
        "regime_loyal_share", "share of adults", (0, 1),
        "Share of adults loyal to the regime. Citizens are sorted into camps by a fixed "
        "latent loyalty score; the camps' sizes follow this series.",
        [("2020-09", 0.23, "Chatham House Sep 2020: opponents of the protests about 23% "
          "(https://belaruspolls.org/analysis/what-belarusians-think)"),
         ("2021-01", 0.36, "derived: Chatham House Jan 2021, negative about the protests "
          "16.5% + 19.7% (https://udf.by/english/politics/225122-new-poll-more-than-quarter-of-"
          "belarusians-believe-lukashenko-will-resign-in-2025.html)", True),
         ("2023-11", 0.43, "Chatham House Nov 2023: 43% agree Belarus needs 'a tough leader like "
          "Lukashenka' (https://www.rp.pl/polityka/art39536251-sondaz-czy-bialorusini-boja-sie-"
          "polski); assumption: the two items measure the same camp, reached linearly", True)],
        symbol="S_loyal"),
    _exogenous(
        "regime_opposed_share", "share of adults", (0, 1),
        "Share of adults opposed to the regime (the rest are neutral).",
        [("2020-09", 0.43, "Chatham House Sep 2020: protest supporters 43.3% "
          "(https://24enews.com/2020/10/22/the-white-russians-are-determined-84-percent-"
          "explained-further-protests/)"),
         ("2021-01", 0.44, "derived: Chatham House Jan 2021, positive about the protests "
          "25.4% + 18.6% (same source as regime_loyal_share)", True),
         ("2023-11", 0.23, "Chatham House Nov 2023: 23% disagree Belarus needs 'a tough leader' "
          "(same source as regime_loyal_share); assumption: reached linearly", True)],
        symbol="S_opp"),
)

_LORENZ = "Lorenz, Neumann & Schweighofer 2021, Psychol. Rev., doi 10.1037/rev0000291"
_FJ = "Friedkin & Johnsen 1990, doi 10.1080/0022250X.1990.9990069"
_PR = "Peisakhin & Rozenas 2018, AJPS, doi 10.1111/ajps.12355"
_EPZ = "Enikolopov, Petrova & Zhuravskaya 2011, AER 101(7) (NTV: -8.9 pp for the government party)"
_MEDIA_PRIOR = ("a year of full exposure at the 2020 intensity moves the outlet's answer share "
                "by at most about 10 points (docs/ODD.md, section 7: measured in the model), the "
                f"scale of {_EPZ} and {_PR}; admits no effect")
_CONTACT = "shared/data/evidence_for_mechanisms.md section 2"
_SANCTIONS = "shared/data/evidence_for_mechanisms.md section 3"
_GUESS = "assumption: no measurement; the prior is wide and the value is varied in analyses"

# The defaults of the parameters marked calibrated=True are the medians of the committed
# posterior, model/data/posterior.csv, rounded to two digits (docs/calibration.md); a test
# holds each inside the posterior's central 80%, so a refit that moves one fails until its
# default follows.
PARAMETERS: tuple[Quantity, ...] = (
    # --- media exposure ------------------------------------------------------------------
    _param("media_rate_state", 0.018, "share of the gap closed per month at full exposure",
           (0, 0.5),
           "Pull of Belarusian state media toward its position, per month of full exposure "
           "at intensity 1.", f"{_EPZ}; {_PR}",
           prior=(0.0, 0.03), prior_source=_MEDIA_PRIOR, calibrated=True, symbol="beta_S"),
    _param("media_rate_russia", 0.018, "share of the gap closed per month at full exposure",
           (0, 0.5), "Pull of Russian media toward its position.", f"{_PR}",
           prior=(0.0, 0.03), prior_source=_MEDIA_PRIOR, calibrated=True, symbol="beta_R"),
    _param("media_rate_independent", 0.021, "share of the gap closed per month at full exposure",
           (0, 0.5), "Pull of independent and exile media toward its position.", f"{_EPZ}",
           prior=(0.0, 0.05),
           prior_source=(f"{_MEDIA_PRIOR}; wider because the independent outlets' reach is "
                         "scaled down by blocking"),
           calibrated=True, symbol="beta_I"),
    _param("media_latitude", 0.9, "distance on the (r, e) plane", (0.05, 2.83),
           "Latitude of acceptance of a media message: messages closer than this persuade, "
           "farther ones much less.", f"{_LORENZ}; range 0.25-1.8 there",
           prior=(0.4, 1.8), prior_source=f"the range fitted in {_LORENZ}", symbol="lambda_M"),
    _param("media_backfire", 0.0, "share of the pull reversed", (0, 1),
           "Backfire beyond the rejection distance: a far message pushes away by this share of "
           "its pull. A named assumption, off by default: evidence for backfire is thin.",
           f"{_PR} (partial backfire among strong opponents); Wood & Porter 2019 (none)",
           prior=(0.0, 0.3),
           prior_source=("Wood & Porter 2019 find no backfire in 52 issues; Peisakhin & "
                         "Rozenas 2018 a partial one: small, admitting 0"), held=_NAMED,
           symbol="b"),
    _param("media_rejection_distance", 1.4, "distance on the (r, e) plane", (0.1, 2.83),
           "Distance beyond which a media message can backfire.",
           "Jager & Amblard 2005, doi 10.1007/s10588-005-6282-2",
           prior=(0.8, 2.0),
           prior_source=("Jager & Amblard 2005: rejection beyond about two thirds of the "
                         "attitude range"), symbol="t_M"),
    _param("media_position_state_r", 0.5, "attitude units", (-1, 1),
           "Position of Belarusian state media on the Russia axis.",
           "Kazun 2016; shared/design/modeling_science.md section 4: state media present the "
           "Union State as the country's course",
           prior=(0.2, 0.9), prior_source="pro-Russian; less so than Russian media",
           symbol="mu_S,r"),
    _param("media_position_state_e", -0.6, "attitude units", (-1, 1),
           "Position of Belarusian state media on the EU axis.",
           "shared/design/modeling_science.md section 4 (hostile to the EU after 2020)",
           prior=(-0.9, -0.3), prior_source="hostile to the EU after Aug 2020",
           symbol="mu_S,e"),
    _param("media_position_russia_r", 0.8, "attitude units", (-1, 1),
           "Position of Russian media on the Russia axis.", _PR,
           prior=(0.5, 1.0), prior_source="strongly pro-Russian (Russian state TV)",
           symbol="mu_R,r"),
    _param("media_position_russia_e", -0.6, "attitude units", (-1, 1),
           "Position of Russian media on the EU axis.", _PR,
           prior=(-0.9, -0.3), prior_source="hostile to the EU", symbol="mu_R,e"),
    _param("media_position_independent_r", -0.6, "attitude units", (-1, 1),
           "Position of independent and exile media on the Russia axis.",
           "Chatham House Mar 2023: war support 7% among independent-only users "
           "(https://pozirk.online/en/news/46487)",
           prior=(-0.9, -0.2), prior_source="critical of Russia and the war",
           symbol="mu_I,r"),
    _param("media_position_independent_e", 0.7, "attitude units", (-1, 1),
           "Position of independent and exile media on the EU axis.",
           "exile media are based in the EU (Poland, Lithuania)",
           prior=(0.3, 0.9), prior_source="favourable to the EU", symbol="mu_I,e"),
    _param("funding_reach_elasticity", 0.3, "reach change per doubling of funding", (0, 2),
           "How strongly independent-media reach rises with EU civil-society funding.",
           _GUESS, prior=(0.0, 0.6),
           prior_source=("Guriev et al. 2021: reach matters where uncensored; no funding "
                         "elasticity measured, admits 0"), symbol="epsilon_F"),
    _param("contact_buffer", 1.0, "per unit of contact stock", (0, 10),
           "How much recent first-hand EU contact shields a citizen from state and Russian "
           "media: their pull is divided by (1 + buffer * contact stock).",
           "PONARS Eurasia memo on Ukrainian visa-free travel (shared/design section 3)",
           prior=(0.0, 4.0),
           prior_source=("the column's 'best antidote to propaganda' (PONARS: Russian-media "
                         "viewers who travelled backed the EU); admits no buffering"),
           symbol="chi"),
    # --- peers ---------------------------------------------------------------------------
    _param("peer_rate", 0.09, "share of the gap closed per month", (0, 0.5),
           "Strength of peer influence: how far a citizen moves toward the neighbour they "
           "talked to this month.", f"{_LORENZ}; alpha = 0.2 there",
           prior=(0.0, 0.25),
           prior_source=("alpha = 0.2 in Lorenz et al. 2021; admits no peer effect"),
           calibrated=True, symbol="alpha"),
    _param("peer_latitude", 0.7, "distance on the (r, e) plane", (0.05, 2.83),
           "Latitude of acceptance between peers (smooth bounded confidence).",
           f"{_LORENZ}", prior=(0.3, 1.5), prior_source=f"the range fitted in {_LORENZ}",
           symbol="lambda"),
    _param("peer_sharpness", 4, "exponent", (1, 30),
           "Sharpness of the bounded-confidence cut-off (large = hard threshold).",
           f"{_LORENZ}; k = 2-30 there", dtype="int",
           prior=(2, 10), prior_source=f"k = 2-30 in {_LORENZ}; most fits low", symbol="k"),
    _param("intergroup_credibility", 0.5, "weight", (0, 1),
           "Credibility of a peer on the other side of the regime divide (loyal vs opposed).",
           f"{_LORENZ} (source credibility)",
           prior=(0.2, 1.0),
           prior_source="source credibility falls across a political divide; admits none",
           symbol="c"),
    _param("sorting_rate", 0.11, "share of the gap to -1 closed per month at repression "
           "index 1", (0, 0.5),
           "Sorting of foreign-policy views by political camp: each camp turns against the "
           "other side's patron (opposed citizens' attitude toward Russia, loyal citizens' "
           "toward the EU, fall toward -1), in proportion to the repression index (the "
           "regime-society conflict's intensity); neutrals are not pulled.",
           "Shraibman, Carnegie, Dec 2020: 'Moscow's support for Lukashenko has already cost "
           "it the sympathy of part of the population'; BAW: union with Russia 52% -> 40%, EU "
           "27% -> 33% between Sep and Nov 2020 (https://carnegieendowment.org/posts/2020/12/"
           "why-belarusians-are-turning-against-russia)",
           prior=(0.0, 0.2),
           prior_source=("admits no sorting; the top allows the BAW shift of 12 points in the "
                         "two months after Sep 2020, when the repression index was near 0.1"),
           calibrated=True, symbol="sigma_c"),
    _param("anchoring_rate", 0.068, "share of the gap to the anchor closed per month", (0, 0.5),
           "Friedkin-Johnsen stubbornness: monthly pull back toward a citizen's own anchor; "
           "scaled up with age.", _FJ,
           prior=(0.01, 0.12),
           prior_source=("IISEPS 2008-2016 (evidence section 4): shares move 10-20 points "
                         "around shocks and settle within one to two years"),
           calibrated=True, symbol="s"),
    _param("network_degree", 14, "ties per citizen", (4, 40),
           "Mean number of social ties.", "about 10-20 close ties per adult (Dunbar's "
           "sympathy group)", dtype="int", prior=(8, 20),
           prior_source="sympathy-group size 10-20", symbol="K"),
    _param("network_rewiring", 0.1, "share of ties", (0, 1),
           "Share of ties rewired to a random citizen (the small-world shortcuts).",
           "Watts-Strogatz p = 0.1-0.2, shared/design/modeling_science.md section 7.2",
           prior=(0.05, 0.3), prior_source="the usual small-world range", symbol="p_rw"),
    # --- travel to the EU ----------------------------------------------------------------
    _param("visa_application_rate", 0.0033, "applications per month", (0, 0.5),
           "Monthly chance that a citizen without a visa applies, at 2018 consular capacity, "
           "the EUR 35 fee and a self-selection multiplier of 1.",
           "derived: about 650k applications a year in 2019 (http://agribusiness.hu/?p=21168) "
           "is about 0.8% of adults without a visa per month, divided by the mean "
           "self-selection multiplier (about 2.4); checked against visas issued in 2021-23 "
           "(tests/test_patterns.py)",
           prior=(0.002, 0.005), prior_source="the derivation's range (+-50%)", symbol="v0"),
    _param("visa_fee_elasticity", 0.5, "log change per EUR 35", (0, 3),
           "How fast applications fall as the fee rises above EUR 35.", _GUESS,
           prior=(0.0, 1.5), prior_source="no measured fee elasticity; admits none",
           symbol="gamma_fee"),
    _param("visa_validity_months", 24, "months", (1, 60),
           "Mean validity of a visa (most are multiple-entry).",
           "derived: >83% multiple-entry in 2018 (https://belarusfeed.com/belarus-schengen-"
           "visa-applications-down-2018/)", prior=(12, 36),
           prior_source="multiple-entry visas of one to five years, many of one", symbol="T_visa"),
    _param("trip_rate", 0.08, "trips per month", (0, 1),
           "Monthly chance that a visa holder of average propensity wants to travel to the EU "
           "(and does, when every 2020 crossing and route is open).",
           "derived: about 680k visas a year in 2018 for about 1 trip a month's stay",
           prior=(0.03, 0.15), prior_source="one to two trips a year per visa holder",
           symbol="pi0"),
    _param("travel_attitude_selection", 1.0, "log-odds per unit of e", (0, 5),
           "Self-selection: those who like the EU travel (and apply) more.",
           "Wilson 2011, JCMS 49(5); Sigalas 2010 (self-selection explains much)",
           prior=(0.3, 2.0),
           prior_source=("about half or more of the travel-attitude gap is self-selection "
                         f"({_CONTACT})"), symbol="gamma_e"),
    _param("travel_ties_selection", 0.7, "log-odds per EU tie", (0, 3),
           "Extra travel propensity per close tie living in the EU (capped at 3 ties).",
           "Chatham House wave 19: visiting relatives 37% of trips "
           "(https://euro.radio.fm/en/what-do-belarusians-think-about-west)",
           prior=(0.2, 1.2), prior_source="visiting relatives is a third of trips",
           symbol="gamma_ties"),
    _param("travel_income_selection", 0.5, "log-odds per income tercile", (0, 3),
           "Extra travel propensity per income tercile above the lowest.",
           "CRRC Georgia 2017: 78% think ordinary people cannot afford EU travel "
           f"({_CONTACT})", prior=(0.2, 1.0),
           prior_source="travel is skewed to the better-off", symbol="gamma_inc"),
    _param("crossing_capacity_exponent", 0.5, "exponent", (0, 3),
           "Trips fall as (open crossings / crossings open in Sep 2020) ** exponent: closing "
           "one of many crossings lengthens queues more than it stops trips.", _GUESS,
           prior=(0.2, 1.0),
           prior_source="between queues absorbing the closure (0) and trips falling in "
                        "proportion (1)", symbol="theta"),
    _param("bus_dependence", 0.6, "share of non-car trips", (0, 1),
           "Share of non-car trips that need a scheduled bus.", _GUESS,
           prior=(0.3, 0.9), prior_source="rail and flights carry the rest", symbol="b_bus"),
    _param("car_to_bus_substitution", 0.4, "share of blocked car trips", (0, 1),
           "Share of car trips blocked by the plate ban that move to the bus.", _GUESS,
           prior=(0.1, 0.7), prior_source="some switch, many give up", symbol="sigma_cb"),
    _param("bad_trip_base", 0.05, "probability per trip", (0, 1),
           "Chance that a trip is humiliating (searches, rudeness) when borders run as in "
           "Sep 2020.", _GUESS, prior=(0.01, 0.1),
           prior_source="negative contact is rarer than positive (Graf et al. 2014)",
           symbol="q0"),
    _param("queue_humiliation", 0.35, "probability per trip", (0, 1),
           "Extra chance of a humiliating trip as queues grow: it rises with the border "
           "load (traffic over open capacity, relative to the traffic of the 2020 crossings "
           "before the pandemic, with 2018 visa output) as "
           "q_queue * (1 - 1 / load) once the load exceeds 1.",
           "reports of queues of days at the remaining crossings (shared/data/belarus_facts.md)",
           prior=(0.1, 0.6), prior_source="queues of days are a common complaint",
           symbol="q_queue"),
    _param("confiscation_humiliation", 0.2, "probability per trip", (0, 1),
           "Extra chance of a humiliating trip from confiscations at full goods sanctions.",
           "early Jul 2024 confiscation reports (https://motolko.help/en-news/cigarettes-"
           "alcohol-and-pots-are-taken-away-from-belarusians-at-the-latvian-border)",
           prior=(0.05, 0.4), prior_source="confiscations reported as widespread in 2024",
           symbol="q_conf"),
    # --- contact -------------------------------------------------------------------------
    _param("contact_gain", 0.078, "share of the gap to e = 1 closed per good trip", (0, 0.5),
           "Rise in attitude toward the EU after a good trip.",
           f"Mitchell 2015, JCMS 53(2); Pettigrew & Tropp 2006 (r about .21); {_CONTACT}",
           prior=(0.0, 0.15),
           prior_source=("Mitchell 2015 finds a positive effect, Van Mol 2018 and Sigalas "
                         "2010 none once self-selection is accounted for: modest, admits 0"),
           calibrated=True, symbol="kappa_e"),
    _param("contact_russia_reduction", 0.02, "share of r > 0 removed per good trip", (0, 0.5),
           "Fall in attitude toward Russia after a good EU trip.",
           "Gnatiuk et al. 2023, Fennia 201(1), doi 10.11143/fennia.117041",
           prior=(0.0, 0.05),
           prior_source="EU travel goes with weaker pro-Soviet views (Gnatiuk et al. 2023)",
           symbol="kappa_r"),
    _param("negative_contact_weight", 1.35, "times the positive contact gain", (0, 5),
           "How much more a humiliating trip or a visa refusal moves e down than a good trip "
           "moves it up: e falls by weight * kappa_e * (1 + e).",
           "Banas, Bessarabova & Massey 2020 (r = +.31 negative vs -.23 positive); Barlow et "
           "al. 2012", prior=(1.0, 2.0),
           prior_source=("negative contact weighs at least as much as positive (ratio 1.35 in "
                         "Banas et al. 2020; larger in Barlow et al. 2012)"),
           symbol="lambda_neg"),
    _param("contact_half_life", 12, "months", (1, 120),
           "Half-life of the stock of recent first-hand EU contact (the buffer against "
           "propaganda).", "shared/design/modeling_science.md section 7.3: prior 6-36 months",
           prior=(6, 36), prior_source="delayed outcomes persist for months (Paluck et al. 2019)",
           symbol="H_K"),
    _param("extended_contact_rate", 0.004, "share of the gap closed per month per tie",
           (0, 0.05),
           "Pull of e toward the tone of reports from close ties living in the EU (good "
           "when they can bank and stay legally), per tie (at most 3).",
           "Zhou et al. 2019, PSPR (extended contact r = .25, .17 net of own friendships)",
           prior=(0.0, 0.01),
           prior_source="extended contact is weaker than direct contact; admits 0",
           symbol="kappa_ext"),
    _param("initial_eu_tie_share", 0.1, "share of citizens", (0, 1),
           "Share with a close tie already living in the EU in Sep 2020.",
           "assumption: 20.9k Belarusians with legal status in Poland alone at end-2019 "
           "(https://www.gazetaprawna.pl/wiadomosci/swiat/artykuly/8222711)",
           prior=(0.05, 0.2), prior_source="tens of thousands abroad, each with several ties",
           symbol="T0"),
    # --- contact with Russia --------------------------------------------------------------
    _param("initial_russia_tie_share", 0.35, "share of citizens", (0, 1),
           "Share with relatives or close friends living in Russia in Sep 2020.",
           "derived: more than half have relatives abroad, almost 70% of them in Russia "
           "(Chatham House Aug 2022, https://nashaniva.com/300597?lang=ru)",
           prior=(0.25, 0.45), prior_source="0.5 x 0.7, allowing for the 2020-22 emigration",
           symbol="T0_R"),
    _param("russia_trip_rate", 0.02, "trips per month", (0, 0.5),
           "Monthly chance of a trip to Russia (visits, work) for a citizen with a tie there; "
           "those without ties travel a third as often. Russia needs no visa.", _GUESS,
           prior=(0.005, 0.05),
           prior_source="labour migration and family visits stayed open; no trip count",
           symbol="pi_R"),
    _param("russia_substitution", 0.2, "share of blocked EU trips", (0, 1),
           "Share of blocked trips west (a refused visa, a wish stopped by closed crossings, "
           "missing buses or a banned car) which become a trip to Russia instead: the "
           "column's substitution.", _GUESS,
           prior=(0.0, 0.5), prior_source="a named assumption of the column; admits none",
           symbol="sigma_R"),
    _param("russia_contact_gain_r", 0.03, "share of the gap to r = 1 closed per trip", (0, 0.5),
           "Rise in attitude toward Russia after a trip there.",
           "Gnatiuk et al. 2023 (Russia travel goes with pro-Soviet views, a weaker predictor "
           "than EU travel)", prior=(0.0, 0.08),
           prior_source="weaker than EU contact (Gnatiuk et al. 2023); admits 0",
           symbol="kappa_R,r"),
    _param("russia_contact_gain_e", 0.01, "share of the gap to e = -1 closed per trip",
           (0, 0.5), "Fall in attitude toward the EU after a trip to Russia.",
           "Gnatiuk et al. 2023 (Russia travel goes with weaker EU support)",
           prior=(0.0, 0.04), prior_source="weak; admits 0", symbol="kappa_R,e"),
    _param("russia_extended_contact_rate", 0.002, "share of the gap closed per month per tie",
           (0, 0.05),
           "Pull of r toward 1 from close ties living in Russia, per tie (at most 3).",
           "Zhou et al. 2019 (extended contact)", prior=(0.0, 0.006),
           prior_source="extended contact, weaker than for the EU's own residents; admits 0",
           symbol="kappa_ext,R"),
    # --- restrictions and grievance ------------------------------------------------------
    _param("restriction_hit_rate", 0.15, "hits per month at full restriction", (0, 1),
           "Monthly chance that a bank or residence restriction in force touches a citizen "
           "it concerns (an EU account holder, a relative of an emigrant).", _GUESS,
           prior=(0.03, 0.3), prior_source="a restriction in force is felt within months",
           symbol="h"),
    _param("grievance_gain", 0.3, "share of the gap to g = 1 per hit", (0, 1),
           "Rise in grievance per hit (a blocked trip, a blocked account...).", _GUESS,
           prior=(0.1, 0.6), prior_source="one hit is a lasting memory", symbol="eta"),
    _param("grievance_decay", 0.05, "share lost per month", (0, 1),
           "Monthly decay of grievance.", _GUESS, prior=(0.02, 0.15),
           prior_source="resentment fades over months to years", symbol="delta_g"),
    _param("blame_west_low", 0.13, "share", (0, 1),
           "Share blaming the West for a restriction where the frame is wholly independent "
           "and the camp opposed to the regime.",
           "CRRC Georgia 2025: 13% would blame the EU for losing visa-free travel "
           "(https://civil.ge/archives/699238)", prior=(0.05, 0.25),
           prior_source="CRRC Georgia 2025 (13%) in a population with a pro-EU frame",
           symbol="phi_W,lo"),
    _param("blame_west_high", 0.55, "share", (0, 1),
           "Share blaming the West where the frame is wholly state media and the camp loyal.",
           "EcooM Jul 2021: 76.8% negative about Western sanctions "
           "(https://souzveche.ru/news/58705/); CRRC Georgia 2025 mirrored",
           prior=(0.35, 0.75),
           prior_source=("the Georgian split mirrored (51%) up to the state-linked poll's 77% "
                         "disapproval"), symbol="phi_W,hi"),
    _param("blame_regime_high", 0.51, "share", (0, 1),
           "Share blaming the regime for a restriction where the frame is wholly independent "
           "and the camp opposed.", "CRRC Georgia 2025: 51% would blame the government "
           "(https://civil.ge/archives/699238)", prior=(0.35, 0.65),
           prior_source="CRRC Georgia 2025 (51%)", symbol="phi_R,hi"),
    _param("blame_regime_low", 0.05, "share", (0, 1),
           "Share blaming the regime where the frame is wholly state media and the camp loyal.",
           "ZOiS Dec 2020-Jun 2021: approval of sanctions concentrated among protesters "
           "(https://carnegieeurope.eu/strategiceurope/85613)", prior=(0.0, 0.2),
           prior_source="few loyal state-media viewers blame the regime", symbol="phi_R,lo"),
    _param("grievance_to_eu", 0.022, "share of the gap to e = -1 closed per month at g = 1",
           (0, 0.3),
           "Fall in attitude toward the EU from grievance blamed on the West.",
           "Frye 2019, CPS 52(7): information on sanctions lowers support for the sanctioner",
           prior=(0.0, 0.05),
           prior_source=(f"{_SANCTIONS}: Frye 2019 (a penalty on the sanctioner), Alexseev & "
                         "Hale 2020 (no broad backfire), Levada 2014 (-32 points in 8 months, "
                         "an upper bound): admits 0"), calibrated=True, symbol="kappa_g"),
    _param("grievance_to_regime", 0.028, "share of the gap to r = -1 closed per month at g = 1",
           (0, 0.3),
           "Fall in attitude toward Russia (the regime's Union State) from grievance blamed on "
           "the regime.",
           "CRRC Georgia 2025: most blame their own government; Frye 2019: people react to "
           "the reason for a restriction",
           prior=(0.0, 0.05),
           prior_source="as kappa_g: no measured size, admits 0", calibrated=True,
           symbol="kappa_gR"),
    _param("rejection_identification", 0.0, "share of the gap to r = 1 closed per month at g = 1",
           (0, 0.3),
           "A named assumption, off by default: grievance blamed on the West also raises "
           "regard for Russia (rejection-identification).",
           "Branscombe et al. 1999 (rejection-identification); Schmitt et al. 2003 (none)",
           prior=(0.0, 0.03), prior_source="contested evidence: small, admits 0",
           held=_NAMED, symbol="kappa_RI"),
    _param("propaganda_blame_amplification", 0.0, "per unit of state-media intensity", (0, 1),
           "A named assumption, off by default: state media amplify the effect of grievance "
           "blamed on the West by (1 + a (I_S - 1)).",
           "Kazun 2016 (an external-enemy frame sustained the 2014 rally in Russia)",
           prior=(0.0, 1.0), prior_source="framing matters; no measured size, admits 0",
           held=_NAMED, symbol="a_S"),
    # --- events and noise ----------------------------------------------------------------
    _param("war_shock", 0.13, "shift in r", (0, 1),
           "Size of the war rally at its start (Mar 2022): toward Russia for state-media "
           "consumers, away for independent-media consumers.",
           "Chatham House 2022: support for Russia's actions 28% in Mar, 23% in Jun "
           "(https://censor.net/en/news/3352772/)",
           prior=(0.0, 0.2), prior_source="direction fixed by diet; the size admits 0",
           calibrated=True, symbol="w"),
    _param("war_rally_half_life", 4, "months", (0.5, 120),
           "Half-life of the war rally's fading part.",
           "Chatham House 2022: support for Russia's actions 28% (Mar) -> 23% (Jun) "
           "(https://censor.net/en/news/3352772/)",
           prior=(1, 12),
           prior_source="war support fell by a sixth in three months, then held at 23-33%",
           symbol="H_w"),
    _param("war_rally_persistence", 0.5, "share of the rally", (0, 1),
           "Share of the war rally that does not fade.",
           "Chatham House: war support 33% (Mar 2023), 32% (pre-election), 27% (Nov 2025) "
           "(shared/data/belarus_facts.md)",
           prior=(0.0, 1.0), prior_source="support settled near its 2022 level: any share",
           symbol="rho_w"),
    _param("emigration_attitude_selection", 2.0, "log-odds per unit of (e - r)", (0, 10),
           "How much more likely pro-EU citizens are to emigrate.",
           "diaspora survey Oct 2022 (https://www.txtreport.com/news/2023-01-23)",
           prior=(0.5, 3.0), prior_source="emigrants are strongly pro-EU and opposed",
           symbol="gamma_m"),
    _param("emigration_west_share", 0.4, "share of emigrants", (0, 1),
           "Share of emigrants who go to the EU (the rest go mostly to Russia and Georgia).",
           "derived: at least about 220k of 500-600k went west (https://pozirk.online/en/news/"
           "84410)", prior=(0.35, 0.6),
           prior_source="at least 220k of 500-600k went west", symbol="w_west"),
    _param("attitude_noise", 0.01, "standard deviation per month", (0, 0.2),
           "Idiosyncratic monthly change in attitudes.", f"{_LORENZ} (idiosyncrasy)",
           prior=(0.0, 0.03), prior_source="small next to the peer and media terms",
           symbol="sigma"),
    # --- initial attitudes ---------------------------------------------------------------
    _param("initial_spread", 0.3, "standard deviation", (0.01, 1),
           "Spread of initial attitudes around their covariate-conditional means.",
           "the wave-1 answer shares are reproduced for any spread (the initial solve)",
           prior=(0.15, 0.5), prior_source="between tight and diffuse camps", symbol="sigma0"),
    _param("initial_orientation_diet", 0.35, "shift of r - e", (0, 1),
           "Initial East-West orientation gap between state-only and independent-only media "
           "consumers (half each way).", "Chatham House Mar 2023: 53% of state-media-only users "
           "support Russia's war vs 7% of independent-only (https://pozirk.online/en/news/"
           "46487)", prior=(0.2, 0.6), prior_source="a large gradient by diet",
           symbol="o_diet"),
    _param("initial_orientation_regime", 0.3, "shift of r - e", (0, 1),
           "Initial East-West orientation gap between regime loyalists and opponents.",
           "Chatham House via Belsat: regime supporters lean Russia (65%), protest supporters "
           "EU (27%) (shared/design/modeling_science.md P6)", prior=(0.15, 0.5),
           prior_source="a large gradient by camp", symbol="o_reg"),
    _param("initial_orientation_age", 0.08, "shift of r - e per age band", (0, 0.5),
           "Initial East-West orientation gap per step of age band.",
           "ZOiS 2020: young Belarusians shifted away from Russia (shared/design section 7.1 P5)",
           prior=(0.0, 0.15), prior_source="the young lean West", symbol="o_age"),
    # --- observation ---------------------------------------------------------------------
    _param("response_noise", 0.25, "attitude units", (0.01, 1),
           "Spread of the probit link from a latent attitude to a yes to an alliance.",
           "ordered probit, statsmodels OrderedModel (shared/design section 1.8)",
           prior=(0.15, 0.4), prior_source="answers are noisy near the thresholds",
           symbol="sigma_r"),
    _param("threshold_russia", 0.0, "attitude units", (-1, 1),
           "Attitude toward Russia at which the chance of favouring an alliance with Russia "
           "is one half.", "the midpoint of the scale, by definition of the scale",
           prior=(-0.2, 0.2), prior_source="near the midpoint", symbol="tau_R"),
    _param("threshold_eu", 0.0, "attitude units", (-1, 1),
           "Attitude toward the EU at which the chance of favouring an alliance with the EU is "
           "one half.", "the midpoint of the scale, by definition of the scale",
           prior=(-0.2, 0.2), prior_source="near the midpoint", symbol="tau_E"),
    _param("falsification_rate", 0.16, "share at full fear", (0, 1),
           "Share of fearful EU-only answers given as a regime-congruent answer instead "
           "(union with Russia, or with both).",
           "Frye et al. 2017, 2023 (list experiments: 0-10 pp, tail to 20 pp)",
           prior=(0.0, 0.4),
           prior_source="list experiments in Russia: 0-10 pp, tail to 20 pp (Frye et al. "
                        "2017, 2023)", calibrated=True, symbol="psi_f"),
    _param("falsified_as_russia", 0.5, "share of falsified answers", (0, 1),
           "Share of falsified EU-only answers given as 'union with Russia' (the rest as "
           "'both').", "the Union State is the regime-congruent answer", prior=(0.0, 1.0),
           prior_source="unmeasured: any split", symbol="rho_R"),
    _param("fear_opposed", 0.8, "fear at full repression", (0, 1),
           "Fear of regime opponents at repression index 1.",
           "Chatham House 'fear factor' (https://en.belaruspolls.org/)", prior=(0.5, 1.0),
           prior_source="opponents have most to fear", symbol="f_opp"),
    _param("fear_neutral", 0.4, "fear at full repression", (0, 1),
           "Fear of regime neutrals at repression index 1.",
           "Chatham House 'fear factor' (https://en.belaruspolls.org/)", prior=(0.1, 0.7),
           prior_source="less than opponents", symbol="f_neu"),
    _param("panel_fear_aversion", 1.0, "log-odds per unit of fear", (0, 5),
           "Fearful citizens join the online panel less.", "Chatham House 'fear factor'; "
           "shared/design section 7.4", prior=(0.0, 2.0),
           prior_source="break-offs at sensitive items (mediaiq.info)", symbol="psi_3"),
    _param("panel_loyalist_aversion", 0.5, "log-odds", (0, 5),
           "Regime loyalists join the online panel less.", "Chatham House: Lukashenka "
           "supporters less active online (shared/design section 2.2)", prior=(0.0, 1.5),
           prior_source="Chatham House: support 'may be slightly higher than this poll "
                        "indicates'", symbol="psi_4"),
)

ALL: tuple[Quantity, ...] = LEVERS + EXOGENOUS + PARAMETERS
_BY_NAME: dict[str, Quantity] = {q.name: q for q in ALL}


def get(name: str) -> Quantity:
    """Return the quantity called ``name``.

    Raises:
        KeyError: with the nearest valid names when ``name`` is unknown.
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(unknown_name_message(name, _BY_NAME)) from None


def group(kind: Group) -> tuple[Quantity, ...]:
    """Return every quantity of one group, in registry order."""
    return tuple(q for q in ALL if q.group is kind)


def names(kind: Group) -> tuple[str, ...]:
    """Return the names of one group, in registry order."""
    return tuple(q.name for q in group(kind))


def default_parameters() -> dict[str, float]:
    """Return every behavioural parameter at its default value."""
    return {q.name: float(q.default) for q in PARAMETERS}

