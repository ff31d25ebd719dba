"""The rating scales and their bands (docs/metrics.md), written once for Python checks and SQL alike.

CSAT is 1–5: satisfied 4–5, neutral 3, low 1–2 (a low rating opens a high-priority follow-up,
reopens a resolved case and is a renewal risk). NPS is 0–10: promoter 9–10, passive 7–8,
detractor 0–6. A missing answer (None / NULL) is in no band.
"""

from sqlalchemy import case

CSAT_MIN, CSAT_MAX = 1, 5
NPS_MIN, NPS_MAX = 0, 10
CSAT_SCALE = range(CSAT_MIN, CSAT_MAX + 1)  # every CSAT answer, in order
NPS_SCALE = range(NPS_MIN, NPS_MAX + 1)  # every NPS answer, in order

CSAT_SATISFIED_MIN = 4  # satisfied: 4–5
CSAT_LOW_MAX = 2  # low: 1–2
NPS_PROMOTER_MIN = 9  # promoter: 9–10
NPS_PASSIVE_MIN = 7  # passive: 7–8
NPS_DETRACTOR_MAX = 6  # detractor: 0–6

NPS_BANDS = ("promoter", "passive", "detractor", "none")  # "none": no NPS answer


def is_satisfied(csat: int | None) -> bool:
    """A CSAT of 4 or 5."""
    return csat is not None and csat >= CSAT_SATISFIED_MIN


def is_low_csat(csat: int | None) -> bool:
    """A CSAT of 1 or 2."""
    return csat is not None and csat <= CSAT_LOW_MAX


def is_promoter(nps: int | None) -> bool:
    """An NPS of 9 or 10."""
    return nps is not None and nps >= NPS_PROMOTER_MIN


def is_detractor(nps: int | None) -> bool:
    """An NPS of 0 to 6."""
    return nps is not None and nps <= NPS_DETRACTOR_MAX


def nps_band(nps: int | None) -> str:
    """The band of an NPS answer, one of ``NPS_BANDS``."""
    if nps is None:
        return "none"
    if is_promoter(nps):
        return "promoter"
    return "passive" if nps >= NPS_PASSIVE_MIN else "detractor"


# The same rules as SQL conditions on a score column (NULL is in no band: the condition is not true).


def satisfied_sql(csat):
    """SQL: the CSAT column is 4 or 5."""
    return csat >= CSAT_SATISFIED_MIN


def low_csat_sql(csat):
    """SQL: the CSAT column is 1 or 2."""
    return csat <= CSAT_LOW_MAX


def promoter_sql(nps):
    """SQL: the NPS column is 9 or 10."""
    return nps >= NPS_PROMOTER_MIN


def detractor_sql(nps):
    """SQL: the NPS column is 0 to 6."""
    return nps <= NPS_DETRACTOR_MAX


def nps_band_sql(nps):
    """SQL: the band of an NPS column, one of ``NPS_BANDS`` ("none" for NULL)."""
    return case(
        (promoter_sql(nps), "promoter"),
        (nps >= NPS_PASSIVE_MIN, "passive"),
        (detractor_sql(nps), "detractor"),
        else_="none",
    )
