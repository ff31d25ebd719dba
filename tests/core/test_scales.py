"""The CSAT and NPS bands: as docs/metrics.md defines them, and the SQL builders agree with Python."""

from sqlalchemy import Integer, literal, select

from feedback.core import scales
from feedback.extensions import db

CSAT_SCORES = [None, *range(scales.CSAT_MIN, scales.CSAT_MAX + 1)]
NPS_SCORES = [None, *range(scales.NPS_MIN, scales.NPS_MAX + 1)]


def test_bands_are_the_documented_ones():
    assert [c for c in CSAT_SCORES if scales.is_satisfied(c)] == [4, 5]
    assert [c for c in CSAT_SCORES if scales.is_low_csat(c)] == [1, 2]
    assert [n for n in NPS_SCORES if scales.is_promoter(n)] == [9, 10]
    assert [n for n in NPS_SCORES if scales.is_detractor(n)] == [0, 1, 2, 3, 4, 5, 6]
    assert [scales.nps_band(n) for n in NPS_SCORES] == ["none"] + ["detractor"] * 7 + ["passive"] * 2 + [
        "promoter"
    ] * 2
    assert set(scales.NPS_BANDS) == {scales.nps_band(n) for n in NPS_SCORES}


def _sql_flag(condition) -> bool:
    # NULL (a missing answer) is not in the band: the condition is not true.
    return db.session.scalar(select(literal(True)).where(condition)) is True


def test_sql_conditions_match_python(app):
    for csat in CSAT_SCORES:
        score = literal(csat, Integer)
        assert _sql_flag(scales.satisfied_sql(score)) == scales.is_satisfied(csat), csat
        assert _sql_flag(scales.low_csat_sql(score)) == scales.is_low_csat(csat), csat
    for nps in NPS_SCORES:
        score = literal(nps, Integer)
        assert _sql_flag(scales.promoter_sql(score)) == scales.is_promoter(nps), nps
        assert _sql_flag(scales.detractor_sql(score)) == scales.is_detractor(nps), nps
        assert db.session.scalar(select(scales.nps_band_sql(score))) == scales.nps_band(nps), nps
