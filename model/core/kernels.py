"""The monthly mechanisms as compiled loops over citizens (numba).

Peer influence (step 1 of the month) gathers each citizen's partner; steps 2 to 6 (media,
travel and contact, extended contact, restrictions and grievance, noise, anchoring) read
and change only each citizen's own state. The numpy path (``dynamics`` and the
``mechanisms`` modules) runs them as about a hundred array operations, each a pass over
memory with a temporary array of N numbers; the profile showed them at half of a month.
These kernels do the same arithmetic citizen by citizen, in two passes.

The numpy path is the specification: every line below mirrors an operation there, in the
same order, so the two agree bit for bit on sums, products and comparisons. ``exp`` and
``pow`` come from the C library here and from numpy's own routines there, which may
differ in the last bit, so the two paths are tested to agree to 1e-12
(``tests/test_kernels.py``). Scalars that depend only on the month (doses, probabilities,
decay factors) are computed once, in Python, by the same functions the numpy path uses
(``dynamics.own_state_scalars``).

Two parts of the survey instrument live here too, used whatever the engine: the per-cell
sums (``survey_cell_totals``, the same sums as ``np.bincount``) and the raking rounds
(``rake_groups``), whose numpy forms cost more in call overhead than in arithmetic.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .population import LOYAL, OPPOSED

#: Rows of the scalar vector passed to the kernel (``dynamics.own_state_scalars``).
SCALARS = (
    "shield_buffer", "media_scaled_latitude", "media_backfire", "media_rejection_squared",
    "visa_keep_threshold", "travel_attitude_selection", "travel_ties_selection",
    "travel_income_selection", "apply_rate", "refusal_rate", "exchange_probability",
    "trip_rate", "access_without_car", "access_with_car", "bad_trip_probability",
    "contact_decay", "contact_gain", "contact_russia_reduction", "anchor_gain_e",
    "anchor_gain_r", "extended_contact_rate", "tie_report", "restriction_hit_rate",
    "grievance_kept", "grievance_to_eu", "grievance_to_russia_now", "attitude_noise",
)
(SHIELD_BUFFER, MEDIA_SCALED_LATITUDE, MEDIA_BACKFIRE, MEDIA_REJECTION_SQUARED,
 VISA_KEEP_THRESHOLD, TRAVEL_ATTITUDE_SELECTION, TRAVEL_TIES_SELECTION,
 TRAVEL_INCOME_SELECTION, APPLY_RATE, REFUSAL_RATE, EXCHANGE_PROBABILITY, TRIP_RATE,
 ACCESS_WITHOUT_CAR, ACCESS_WITH_CAR, BAD_TRIP_PROBABILITY, CONTACT_DECAY, CONTACT_GAIN,
 CONTACT_RUSSIA_REDUCTION, ANCHOR_GAIN_E, ANCHOR_GAIN_R, EXTENDED_CONTACT_RATE, TIE_REPORT,
 RESTRICTION_HIT_RATE, GRIEVANCE_KEPT, GRIEVANCE_TO_EU, GRIEVANCE_TO_RUSSIA_NOW,
 ATTITUDE_NOISE) = range(len(SCALARS))

#: Most restriction hits a citizen can take in a month: each restriction once, plus a visa
#: refusal or a humiliating trip (never both: the refused do not travel).
MAX_HITS = 6

#: Outlets whose pull contact with the EU buffers (state and Russian media, not independent).
_BUFFERED_OUTLETS = 2


@njit(cache=True)
def _clip(value):
    return min(max(value, -1.0), 1.0)


@njit(cache=True)
def peer_influence(r, e, indptr, indices, degree, draw, present, regime, rate,
                   intergroup_credibility, scaled_latitude, half_sharpness, change_r,
                   change_e):
    """Move each citizen toward the tie they talk to this month (in place).

    Mirrors ``mechanisms.peers.choose_partners`` and ``peer_influence``. The update is
    synchronous: every change is computed from last month's attitudes (into ``change_r``
    and ``change_e``, scratch arrays of N numbers) before any is applied.
    """
    for i in range(r.size):
        slot = indptr[i] + min(np.int64(draw[i] * degree[i]), degree[i] - 1)
        j = indices[slot]
        dr = r[j] - r[i]
        de = e[j] - e[i]
        squared_distance = dr * dr
        squared_distance += de * de
        across_divide = ((regime[i] == LOYAL and regime[j] == OPPOSED)
                         or (regime[i] == OPPOSED and regime[j] == LOYAL))
        weight = rate * (intergroup_credibility if across_divide else 1.0)
        # numpy squares for an exponent of 2 (the default sharpness of 4) instead of
        # calling pow, which costs more than the rest of a citizen's update.
        if half_sharpness == 2.0:
            accepted = squared_distance * squared_distance + scaled_latitude
        else:
            accepted = squared_distance**half_sharpness + scaled_latitude
        weight *= scaled_latitude / accepted
        weight *= 1.0 if (present[i] and present[j]) else 0.0
        change_r[i] = dr * weight
        change_e[i] = de * weight
    for i in range(r.size):
        r[i] = _clip(r[i] + change_r[i])
        e[i] = _clip(e[i] + change_e[i])


@njit(cache=True)
def advance_own_state(r, e, r_anchor, e_anchor, contact, grievance, attribution,
                      stubbornness, has_visa, present, eu_ties, income, car_owner,
                      border_region, young, exposure_by_outlet, media_doses, media_positions,
                      restriction_levels, kept_after_hits, scalars, visa_expiry_draw,
                      visa_application_draw, visa_refusal_draw, trip_draw, trip_quality_draw,
                      exchange_draw, restriction_draws, noise_draws):
    """Apply steps 2 to 6 of a month to every citizen (in place); see the module docstring.

    The citizen arrays are the ``CitizenState`` and ``Population`` arrays of the same
    names, ``young`` is ``World.young`` and ``exposure_by_outlet`` is ``World.media_exposure``
    transposed, shape (3, N). Of the month's inputs, ``media_doses`` (3,) and
    ``media_positions`` (3, 2) are the outlets' doses and positions,
    ``restriction_levels`` (5,) the severity of each restriction, ``kept_after_hits`` the
    table (1 - eta)^h for h = 0 .. ``MAX_HITS``, and ``scalars`` the values named in
    ``SCALARS``. The draws are the month's ``MonthlyDraws``: six travel uniforms, the
    restriction uniforms (5, N) and the noise normals (2, N).

    Returns:
        Counts of good trips, bad trips, visa refusals and restriction hits.
    """
    s = scalars
    good_trips = bad_trips = refusals = total_hits = 0
    for i in range(r.size):
        here = present[i]
        ri, ei = r[i], e[i]
        contact_before = contact[i]

        # 2. Media (mechanisms.media.media_exposure): emigrants are not reached.
        if here:
            shield = 1.0 / (1.0 + s[SHIELD_BUFFER] * contact_before)
            for m in range(3):
                if media_doses[m] == 0.0:
                    continue
                dr = media_positions[m, 0] - ri
                de = media_positions[m, 1] - ei
                squared_distance = dr * dr
                squared_distance += de * de
                pull = media_doses[m] * exposure_by_outlet[m, i]
                accepted = squared_distance + s[MEDIA_SCALED_LATITUDE]
                accepted = s[MEDIA_SCALED_LATITUDE] / accepted
                if s[MEDIA_BACKFIRE] > 0.0 and squared_distance > s[MEDIA_REJECTION_SQUARED]:
                    accepted -= s[MEDIA_BACKFIRE]
                pull *= accepted
                if m < _BUFFERED_OUTLETS:
                    pull *= shield
                ri += dr * pull
                ei += de * pull
            ri, ei = _clip(ri), _clip(ei)

        # 3. Travel (mechanisms.travel.travel_and_contact): visas expire for everyone.
        visa = has_visa[i] and visa_expiry_draw[i] >= s[VISA_KEEP_THRESHOLD]
        propensity = math.exp(s[TRAVEL_ATTITUDE_SELECTION] * ei
                              + s[TRAVEL_TIES_SELECTION] * min(eu_ties[i], 3)
                              + s[TRAVEL_INCOME_SELECTION] * income[i])
        applying = here and not visa and visa_application_draw[i] < s[APPLY_RATE] * propensity
        refused = applying and visa_refusal_draw[i] < s[REFUSAL_RATE]
        visa = visa or (applying and not refused)
        exchange = here and young[i] and exchange_draw[i] < s[EXCHANGE_PROBABILITY]
        visa = visa or exchange
        access = s[ACCESS_WITH_CAR] if car_owner[i] else s[ACCESS_WITHOUT_CAR]
        trip = (here and visa and not exchange
                and trip_draw[i] < s[TRIP_RATE] * propensity * access)
        bad_trip = trip and trip_quality_draw[i] < s[BAD_TRIP_PROBABILITY]
        good_trip = (trip and not bad_trip) or exchange
        has_visa[i] = visa
        contact[i] = contact_before * s[CONTACT_DECAY] + (1.0 if good_trip else 0.0)
        if good_trip:
            ei += s[CONTACT_GAIN] * (1.0 - ei)
            ri -= s[CONTACT_RUSSIA_REDUCTION] * max(ri, 0.0)
            e_anchor[i] += s[ANCHOR_GAIN_E] * (1.0 - e_anchor[i])
            r_anchor[i] -= s[ANCHOR_GAIN_R] * max(r_anchor[i], 0.0)
            ri, ei = _clip(ri), _clip(ei)

        # Extended contact (mechanisms.travel.extended_contact).
        if here:
            ei = _clip(ei + s[EXTENDED_CONTACT_RATE] * min(eu_ties[i], 3) * s[TIE_REPORT])

        # 4. Restrictions and grievance (mechanisms.grievance).
        hits = 0
        if here:
            ties = eu_ties[i] > 0
            exposure = (min(1.0, 0.3 + 0.4 * border_region[i] + 0.3 * car_owner[i]),
                        car_owner[i] * (0.3 + 0.7 * visa),
                        min(1.0, 0.7 * ties + 0.3 * (income[i] == 2)),
                        1.0 if ties else 0.0,
                        1.0 if (border_region[i] or visa) else 0.0)
            for k in range(5):
                if restriction_levels[k] > 0.0 and restriction_draws[k, i] < (
                        s[RESTRICTION_HIT_RATE] * exposure[k] * restriction_levels[k]):
                    hits += 1
            hits += refused + bad_trip
        held = 1.0 - (1.0 - grievance[i]) * kept_after_hits[hits]
        held *= s[GRIEVANCE_KEPT]
        grievance[i] = held
        if here:
            blamed = attribution[i] * held
            ei -= s[GRIEVANCE_TO_EU] * blamed
            ri += s[GRIEVANCE_TO_RUSSIA_NOW] * blamed
            ri, ei = _clip(ri), _clip(ei)

            # 5. Noise, and 6. anchoring (mechanisms.noise, mechanisms.peers.anchoring).
            ri = _clip(ri + s[ATTITUDE_NOISE] * noise_draws[0, i])
            ei = _clip(ei + s[ATTITUDE_NOISE] * noise_draws[1, i])
            ri += stubbornness[i] * (r_anchor[i] - ri)
            ei += stubbornness[i] * (e_anchor[i] - ei)
        r[i], e[i] = ri, ei

        good_trips += good_trip
        bad_trips += bad_trip
        refusals += refused
        total_hits += hits
    return np.array([good_trips, bad_trips, refusals, total_hits], dtype=np.int64)


@njit(cache=True)
def survey_cell_totals(cell, present, in_frame, in_target, favour, n_cells):
    """Return the survey's per-cell sums, in one pass over citizens.

    Returns:
        frame_count: residents in the sampling frame, per cell;
        target_count: residents in the raking target, per cell;
        favour_totals: each row of ``favour`` summed over the frame's residents, (3, cells).

    Each cell adds its citizens in index order, as ``np.bincount`` does, so the sums are
    the very sums of the numpy formulation (``tests/test_fast_paths.py``), without its
    temporary arrays of N numbers.
    """
    frame_count = np.zeros(n_cells)
    target_count = np.zeros(n_cells)
    favour_totals = np.zeros((favour.shape[0], n_cells))
    for i in range(cell.size):
        if not present[i]:
            continue
        c = cell[i]
        if in_target[i]:
            target_count[c] += 1.0
        if in_frame[i]:
            frame_count[c] += 1.0
            for k in range(favour.shape[0]):
                favour_totals[k, c] += favour[k, i]
    return frame_count, target_count, favour_totals


@njit(cache=True)
def rake_groups(groups, wanted, max_iterations, tolerance):
    """Rake a three-way table to its one-way margins (iterative proportional fitting).

    ``groups`` holds the expected respondents of each (age, education, Minsk) group and
    ``wanted`` the target population of each. Each round scales the groups so that each
    margin in turn matches the target's; rounds stop when one changes no group by more
    than the factor ``tolerance``, or after ``max_iterations``. A margin category with no
    respondents cannot be scaled: its factor stays 1.

    Returns:
        The weight of each group (its raked size over ``groups``; 0 where it is empty).
    """
    shape = groups.shape
    weighted = groups.copy()
    targets = [np.zeros(shape[axis]) for axis in range(3)]
    reachable = [np.zeros(shape[axis], dtype=np.bool_) for axis in range(3)]
    for a in range(shape[0]):
        for b in range(shape[1]):
            for c in range(shape[2]):
                index = (a, b, c)
                for axis in range(3):
                    targets[axis][index[axis]] += wanted[a, b, c]
                    if groups[a, b, c] > 0.0:
                        reachable[axis][index[axis]] = True
    for _ in range(max_iterations):
        change = np.ones(shape)
        for axis in range(3):
            achieved = np.zeros(shape[axis])
            for a in range(shape[0]):
                for b in range(shape[1]):
                    for c in range(shape[2]):
                        achieved[(a, b, c)[axis]] += weighted[a, b, c]
            factor = np.ones(shape[axis])
            for k in range(shape[axis]):
                if reachable[axis][k]:
                    factor[k] = targets[axis][k] / achieved[k]
            for a in range(shape[0]):
                for b in range(shape[1]):
                    for c in range(shape[2]):
                        f = factor[(a, b, c)[axis]]
                        weighted[a, b, c] *= f
                        change[a, b, c] *= f
        if np.abs(change - 1.0).max() <= tolerance:
            break
    weight = np.zeros(shape)
    for a in range(shape[0]):
        for b in range(shape[1]):
            for c in range(shape[2]):
                if groups[a, b, c] > 0.0:
                    weight[a, b, c] = weighted[a, b, c] / groups[a, b, c]
    return weight
