"""Case analytics agree with independent pandas computations, on SQLite and PostgreSQL.

The reference functions below read raw tables with ``SELECT *`` (tests.reference.raw) and
compute with pandas only; they share no code with ``queries/``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, insert

from dashboard import schema
from queries import case_analytics as ca
from queries.cases import fetch_kpis
from queries.context import QueryContext, Scope
from tests import reference
from tests.conftest import fresh_pg_database
from tests.db.test_case_kpis import NOW, hand_built

COUNTY = "211122"
PERIOD = (date(2026, 10, 23), date(2026, 11, 21))
STAGES = [("accept", "reported_at", "accepted_at"), ("dispatch", "accepted_at", "dispatched_at"),
          ("resolve", "dispatched_at", "resolved_at"), ("close", "resolved_at", "closed_at")]
HIST_EDGES = [0.5, 1, 2, 4, 8, 12, 24, 48, 72, 168, 336, 720]
AGE_EDGES = [24, 72, 168, 720]


# --- independent reference ---------------------------------------------------------------

class Ref:
    """The raw cases of one database, loaded once, and pandas computations over them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        cases = reference.raw(engine, "cases")
        for col in ("reported_at", "accepted_at", "dispatched_at", "resolved_at", "closed_at",
                    "due_at"):
            cases[col] = pd.to_datetime(cases[col])
        self.cases = cases
        self.cats = reference.raw(engine, "case_categories")
        self.areas = reference.raw(engine, "areas")
        self.now = pd.Timestamp(reference.as_of(engine))

    def select(self, area: str, cat: str | None = None, src: str | None = None
               ) -> pd.DataFrame:
        df = self.cases[self.cases["area_code"].isin(reference.subtree(self.engine, area))]
        if cat:
            codes = {cat} | set(self.cats.loc[self.cats["parent_code"] == cat, "code"])
            df = df[df["category_code"].isin(codes)]
        if src:
            df = df[df["source"] == src]
        return df

    @staticmethod
    def period(df: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
        lo, hi = pd.Timestamp(start), pd.Timestamp(end + timedelta(days=1))
        return df[(df["reported_at"] >= lo) & (df["reported_at"] < hi)]

    def resolved(self, df: pd.DataFrame) -> pd.DataFrame:
        return df[df["resolved_at"].notna() & (df["resolved_at"] <= self.now)]

    def kpis(self, area: str, start: date, end: date, cat: str | None = None,
             src: str | None = None, at: pd.Timestamp | None = None) -> dict[str, float]:
        at = self.now if at is None else at
        sel = self.select(area, cat, src)
        p = self.period(sel, start, end)
        res = self.resolved(p)
        h = (res["resolved_at"] - res["reported_at"]).dt.total_seconds() / 3600
        rated = p[p["satisfaction"].notna()]
        open_ = sel[(sel["reported_at"] <= at)
                    & (sel["resolved_at"].isna() | (sel["resolved_at"] > at))]
        n, nr = len(p), len(rated)
        within = int((res["resolved_at"] <= res["due_at"]).sum())
        reopened = int((p["reopen_count"] > 0).sum())
        low = int((rated["satisfaction"] <= 2).sum())
        return {
            "cases": n, "resolved": len(res), "within_sla": within, "reopened": reopened,
            "rated": nr, "low_satisfaction": low,
            "completion_rate": len(res) / n if n else np.nan,
            "within_sla_rate": within / n if n else np.nan,
            "reopen_rate": reopened / n if n else np.nan,
            "mean_satisfaction": float(rated["satisfaction"].mean()) if nr else np.nan,
            "low_satisfaction_rate": low / nr if nr else np.nan,
            "mean_hours": float(h.mean()) if len(h) else np.nan,
            "median_hours": float(h.quantile(0.5)) if len(h) else np.nan,
            "p90_hours": float(h.quantile(0.9)) if len(h) else np.nan,
            "open_now": len(open_),
            "overdue_now": int((open_["due_at"] < at).sum()),
        }

    def stage_hours(self, df: pd.DataFrame, a: str, b: str) -> tuple[pd.Series, int]:
        both = df[df[a].notna() & df[b].notna() & (df[b] <= self.now)]
        ok = both[both[b] >= both[a]]
        return (ok[b] - ok[a]).dt.total_seconds() / 3600, int((both[b] < both[a]).sum())

    def child_of(self, df: pd.DataFrame, area: str) -> pd.Series:
        """The direct child of ``area`` holding each case."""
        owner: dict[str, str] = {}
        for kid in self.areas.loc[self.areas["parent_code"] == area, "code"]:
            owner.update(dict.fromkeys(reference.subtree(self.engine, kid), kid))
        return df["area_code"].map(owner)


def assert_close(ours: dict[str, float], theirs: dict[str, float], label: str = "") -> None:
    for key, want in theirs.items():
        got = ours[key]
        if isinstance(want, float) and math.isnan(want):
            assert math.isnan(got), f"{label}{key}: {got}"
        else:
            assert got == pytest.approx(want, rel=1e-9, abs=1e-9), f"{label}{key}"


@pytest.fixture
def ref(demo_engine: Engine) -> Ref:
    return Ref(demo_engine)


def top_major(ref: Ref) -> str:
    p = Ref.period(ref.select(COUNTY), *PERIOD)
    majors = ref.cats.set_index("code")["parent_code"]
    return str(p["category_code"].map(majors).value_counts().index[0])


# --- demo data ---------------------------------------------------------------------------

@pytest.mark.parametrize("filters", [(None, None), ("major", None), ("minor", "hotline"),
                                     (None, "terminal")])
def test_kpi_comparison_equals_pandas(demo_engine: Engine, ref: Ref,
                                      filters: tuple[str | None, str | None]) -> None:
    ctx = QueryContext(engine=demo_engine)
    cat = {"major": top_major(ref), "minor": "0701", None: None}[filters[0]]
    src = filters[1]
    start, end = PERIOD
    got = ca.fetch_kpi_comparison(ctx, COUNTY, start, end, cat, src)
    days = (end - start).days + 1
    want = {
        "current": ref.kpis(COUNTY, start, end, cat, src),
        "previous": ref.kpis(COUNTY, start - timedelta(days=days), start - timedelta(days=1),
                             cat, src, ref.now - pd.Timedelta(days=days)),
        "year_ago": ref.kpis(COUNTY, date(2025, 10, 23), date(2025, 11, 21), cat, src,
                             ref.now - pd.DateOffset(years=1)),
    }
    for name in want:
        assert_close(got[name], want[name], f"{name}.")
    assert got["current"]["cases"] > 0 and got["previous"]["cases"] > 0


def test_kpis_without_filters_match_fetch_kpis(demo_engine: Engine) -> None:
    ctx = QueryContext(engine=demo_engine)
    ours = ca.fetch_case_kpis(ctx, COUNTY, *PERIOD)
    base = fetch_kpis(ctx, COUNTY, *PERIOD)
    for key, value in base.items():
        assert ours[key] == pytest.approx(value, rel=1e-12, nan_ok=True), key


def test_stage_medians_equal_pandas(demo_engine: Engine, ref: Ref) -> None:
    ctx = QueryContext(engine=demo_engine)
    got = ca.fetch_stage_medians(ctx, COUNTY, *PERIOD).set_index("stage")
    p = Ref.period(ref.select(COUNTY), *PERIOD)
    for stage, a, b in STAGES:
        h, bad = ref.stage_hours(p, a, b)
        assert got.loc[stage, "n"] == len(h), stage
        assert got.loc[stage, "out_of_order"] == bad, stage
        assert got.loc[stage, "median_hours"] == pytest.approx(h.median(), rel=1e-9), stage


def test_stage_medians_by_child_and_unit_equal_pandas(demo_engine: Engine, ref: Ref) -> None:
    ctx = QueryContext(engine=demo_engine)
    p = Ref.period(ref.select(COUNTY), *PERIOD).copy()
    p["child"] = ref.child_of(p, COUNTY)
    for by, col in (("child", "child"), ("unit", "handling_unit")):
        got = ca.fetch_stage_medians_by(ctx, COUNTY, *PERIOD, by).set_index("key")
        for stage, a, b in STAGES:
            h, _ = ref.stage_hours(p, a, b)
            want = h.groupby(p.loc[h.index, col]).median()
            assert set(got[stage].dropna().index) == set(want.index), (by, stage)
            np.testing.assert_allclose(got.loc[want.index, stage].to_numpy(float),
                                       want.to_numpy(float), rtol=1e-9)


@pytest.mark.parametrize("by", ["child", "major", "minor", "source", "unit"])
def test_breakdown_equals_pandas(demo_engine: Engine, ref: Ref, by: str) -> None:
    ctx = QueryContext(engine=demo_engine)
    got = ca.fetch_breakdown(ctx, COUNTY, *PERIOD, by).set_index("key")
    sel = ref.select(COUNTY).copy()
    majors = ref.cats.set_index("code")["parent_code"]
    sel["key"] = {
        "child": lambda: ref.child_of(sel, COUNTY),
        "major": lambda: sel["category_code"].map(majors).fillna(sel["category_code"]),
        "minor": lambda: sel["category_code"],
        "source": lambda: sel["source"],
        "unit": lambda: sel["handling_unit"],
    }[by]()
    p = Ref.period(sel, *PERIOD)
    total = ca.fetch_case_kpis(ctx, COUNTY, *PERIOD)
    if by != "unit":  # every case has a child, a category and a source
        assert got["cases"].sum() == total["cases"]
        assert got["overdue_now"].sum() == total["overdue_now"]
    for key, grp in p.groupby("key"):
        res = ref.resolved(grp)
        h = (res["resolved_at"] - res["reported_at"]).dt.total_seconds() / 3600
        row = got.loc[key]
        assert row["cases"] == len(grp), key
        assert row["resolved"] == len(res), key
        assert row["within_sla"] == int((res["resolved_at"] <= res["due_at"]).sum()), key
        assert row["reopened"] == int((grp["reopen_count"] > 0).sum()), key
        assert row["low_satisfaction"] == int((grp["satisfaction"] <= 2).sum()), key
        if len(h):
            assert row["median_hours"] == pytest.approx(h.median(), rel=1e-9), key
        assert bool(row["small"]) == (len(grp) < ctx.min_sample), key


@pytest.mark.parametrize("by", ["major", "minor", "source"])
def test_counts_by_equal_the_breakdown_without_hours_or_open_cases(
        demo_engine: Engine, ref: Ref, by: str) -> None:
    """The category and source bars read fetch_counts_by: the same counts and rates as
    fetch_breakdown (itself checked against pandas above) for the groups with cases, with a
    filter too, and nothing of the hours or the open cases."""
    ctx = QueryContext(engine=demo_engine)
    for cat, src in ((None, None), (top_major(ref), None), (None, "hotline")):
        full = ca.fetch_breakdown(ctx, COUNTY, *PERIOD, by, cat, src)
        full = full[full["cases"] > 0].reset_index(drop=True)
        got = ca.fetch_counts_by(ctx, COUNTY, *PERIOD, by, cat, src)
        assert not {"median_hours", "p90_hours", "open_now"} & set(got.columns)
        assert len(got) > 0 and list(got["key"]) == list(full["key"]), (by, cat, src)
        cols = [*ca.COUNT_COLUMNS, "within_sla_rate", "completion_rate", "reopen_rate",
                "mean_satisfaction", "low_satisfaction_rate"]
        pd.testing.assert_frame_equal(got[cols], full[cols], check_dtype=False)


def test_small_children_are_flagged(demo_engine: Engine, ref: Ref) -> None:
    ctx = QueryContext(engine=demo_engine, min_sample=200)
    got = ca.fetch_breakdown(ctx, COUNTY, *PERIOD, "child")
    assert len(got) == 13
    assert got["small"].any() and not got["small"].all()
    assert (got.loc[got["small"], "cases"] < 200).all()


def test_histogram_trend_heatmap_equal_pandas(demo_engine: Engine, ref: Ref) -> None:
    ctx = QueryContext(engine=demo_engine)
    cat = top_major(ref)
    p = Ref.period(ref.select(COUNTY, cat), *PERIOD)
    res = ref.resolved(p)
    h = (res["resolved_at"] - res["reported_at"]).dt.total_seconds() / 3600
    bins, slas = ca.fetch_histogram(ctx, COUNTY, *PERIOD, cat)
    idx = np.searchsorted(HIST_EDGES, h.to_numpy(), side="right")
    within = (res["resolved_at"] <= res["due_at"]).to_numpy()
    assert bins["within"].tolist() == np.bincount(idx[within], minlength=13).tolist()
    assert bins["late"].tolist() == np.bincount(idx[~within], minlength=13).tolist()
    sla = ((p["due_at"] - p["reported_at"]).dt.total_seconds() / 3600).value_counts()
    assert dict(zip(slas["sla_hours"], slas["cases"], strict=True)) == sla.to_dict()

    day = p["reported_at"].dt.normalize()
    keys = {"day": day, "week": day - pd.to_timedelta(day.dt.day_of_week, unit="D"),
            "month": day.dt.to_period("M").dt.start_time}
    for grain, key in keys.items():
        trend = ca.fetch_trend(ctx, COUNTY, *PERIOD, grain, cat).set_index("bucket")
        counts = key.dt.strftime("%Y-%m-%d").value_counts().sort_index()
        assert trend["cases"].to_dict() == counts.to_dict(), grain
        medians = h.groupby(key.loc[h.index].dt.strftime("%Y-%m-%d")).median()
        np.testing.assert_allclose(trend.loc[medians.index, "median_hours"], medians,
                                   rtol=1e-9)

    heat = ca.fetch_heatmap(ctx, COUNTY, *PERIOD, cat)
    want = pd.crosstab(p["reported_at"].dt.day_of_week, p["reported_at"].dt.hour)
    want = want.reindex(index=range(7), columns=range(24), fill_value=0)
    assert heat.to_numpy().tolist() == want.to_numpy().tolist()


def test_backlog_and_lists_equal_pandas(demo_engine: Engine, ref: Ref) -> None:
    ctx = QueryContext(engine=demo_engine)
    sel = ref.select(COUNTY, None, "app")
    now = ref.now
    open_ = sel[(sel["reported_at"] <= now)
                & (sel["resolved_at"].isna() | (sel["resolved_at"] > now))]
    age = (now - open_["reported_at"]).dt.total_seconds() / 3600
    bucket = np.searchsorted(AGE_EDGES, age.to_numpy(), side="left")
    late = (open_["due_at"] < now).to_numpy()
    backlog = ca.fetch_backlog(ctx, COUNTY, None, "app")
    assert backlog["overdue"].tolist() == np.bincount(bucket[late], minlength=5).tolist()
    assert backlog["on_time"].tolist() == np.bincount(bucket[~late], minlength=5).tolist()

    overdue = ca.fetch_overdue_cases(ctx, COUNTY, None, "app")
    want = open_[open_["due_at"] < now].sort_values(["due_at", "id"])
    assert overdue["id"].tolist() == want["id"].tolist()
    hours_late = (now - want["due_at"]).dt.total_seconds() / 3600
    np.testing.assert_allclose(overdue["overdue_hours"], hours_late, rtol=1e-9)
    kpi = ca.fetch_case_kpis(ctx, COUNTY, *PERIOD, None, "app")
    assert len(overdue) == kpi["overdue_now"] == int(backlog["overdue"].sum())
    # personal fields are masked without the permission, shown with it
    named = want["reporter_name"].notna().to_numpy()
    assert named.any()
    shown = overdue.loc[named, "reporter_name"].tolist()
    assert all(s[1:] == "*" * (len(s) - 1) for s in shown)
    assert overdue["reporter_phone"].dropna().str.contains(r"^\d{3}\*{4}\d{4}$").all()
    full = ca.fetch_overdue_cases(QueryContext(engine=demo_engine, scope=Scope(pii=True)),
                                  COUNTY, None, "app")
    assert full.loc[named, "reporter_name"].tolist() == want.loc[named, "reporter_name"].tolist()

    risk = ca.fetch_at_risk(ctx, COUNTY, 48.0, None, "app")
    soon = open_[(open_["due_at"] >= now) & (open_["due_at"] < now + pd.Timedelta(hours=48))]
    assert risk["id"].tolist() == soon.sort_values(["due_at", "id"])["id"].tolist()
    assert (risk["hours_left"] >= 0).all() and (risk["hours_left"] < 48).all()


def test_scope_narrows_every_figure(demo_engine: Engine, ref: Ref) -> None:
    town = sorted(ref.areas.loc[ref.areas["level"] == "town", "code"])[0]
    ctx = QueryContext(engine=demo_engine, scope=Scope(roots=(town,)))
    got = ca.fetch_case_kpis(ctx, COUNTY, *PERIOD)
    assert_close(got, ref.kpis(town, *PERIOD))
    assert set(ca.fetch_breakdown(ctx, COUNTY, *PERIOD, "child")["key"]) == {town}


def test_sqlite_and_postgres_agree(sqlite_engine: Engine, pg_engine: Engine) -> None:
    a_ctx, b_ctx = QueryContext(engine=sqlite_engine), QueryContext(engine=pg_engine)
    args = (COUNTY, *PERIOD)
    a, b = ca.fetch_kpi_comparison(a_ctx, *args), ca.fetch_kpi_comparison(b_ctx, *args)
    for name in a:
        assert_close(a[name], b[name], f"{name}.")
    for fetch in (ca.fetch_stage_medians, ca.fetch_heatmap):
        pd.testing.assert_frame_equal(fetch(a_ctx, *args), fetch(b_ctx, *args),
                                      check_dtype=False, rtol=1e-9)
    pd.testing.assert_frame_equal(ca.fetch_backlog(a_ctx, COUNTY), ca.fetch_backlog(b_ctx, COUNTY),
                                  check_dtype=False)
    for by in ca.GROUPINGS:
        pd.testing.assert_frame_equal(ca.fetch_breakdown(a_ctx, *args, by),
                                      ca.fetch_breakdown(b_ctx, *args, by),
                                      check_dtype=False, rtol=1e-9)
        if by in ("child", "unit"):
            sa = ca.fetch_stage_medians_by(a_ctx, *args, by).sort_values("key")
            sb = ca.fetch_stage_medians_by(b_ctx, *args, by).sort_values("key")
            pd.testing.assert_frame_equal(sa.reset_index(drop=True), sb.reset_index(drop=True),
                                          check_dtype=False, rtol=1e-9)
    for grain in ca.GRAINS:
        pd.testing.assert_frame_equal(ca.fetch_trend(a_ctx, *args, grain),
                                      ca.fetch_trend(b_ctx, *args, grain),
                                      check_dtype=False, rtol=1e-9)
    ha, hb = ca.fetch_histogram(a_ctx, *args), ca.fetch_histogram(b_ctx, *args)
    for x, y in zip(ha, hb, strict=True):
        pd.testing.assert_frame_equal(x, y, check_dtype=False, rtol=1e-9)
    oa, ob = ca.fetch_overdue_cases(a_ctx, COUNTY), ca.fetch_overdue_cases(b_ctx, COUNTY)
    assert oa["id"].tolist() == ob["id"].tolist()
    np.testing.assert_allclose(oa["overdue_hours"], ob["overdue_hours"], rtol=1e-9)
    assert oa["town"].tolist() == ob["town"].tolist()


# --- small hand-built cases --------------------------------------------------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def hand_engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """The hand-built county of test_case_kpis plus cases with ratings, reopens and steps."""
    if request.param == "sqlite":
        engine = hand_built(f"sqlite:///{tmp_path / 'hand.sqlite'}")
        extend_hand_built(engine)
        yield engine
        engine.dispose()
        return
    with fresh_pg_database("countydash_hand") as url:
        engine = hand_built(url)
        try:
            extend_hand_built(engine)
            yield engine
        finally:
            engine.dispose()


T0 = datetime(2026, 3, 2, 9, 0)
H = timedelta(hours=1)


def extend_hand_built(engine: Engine) -> None:
    """Add a second category tree and cases with every step, ratings and reopens."""
    def row(i: int, cat: str, src: str, steps: list[datetime | None], sla: float,
            sat: int | None = None, reopen: int = 0, unit: str | None = None
            ) -> dict[str, object]:
        reported, accepted, dispatched, resolved, closed = steps
        return {"id": f"X{i}", "source": src, "category_code": cat, "area_code": "V2",
                "reported_at": reported, "accepted_at": accepted, "dispatched_at": dispatched,
                "resolved_at": resolved, "closed_at": closed,
                "due_at": reported + timedelta(hours=sla), "status": "closed" if closed
                else "reported", "satisfaction": sat, "reopen_count": reopen,
                "handling_unit": unit, "reporter_name": "欧阳娜娜", "reporter_phone":
                "13812341234", "updated_at": reported, "summary": None}

    t = T0
    rows = [
        # every step, within SLA, satisfied
        row(1, "0201", "hotline", [t, t + H, t + 2 * H, t + 6 * H, t + 8 * H], 12, 5, 0, "U1"),
        # late, reopened twice, unhappy
        row(2, "0201", "hotline", [t, t + 2 * H, t + 4 * H, t + 30 * H, t + 31 * H], 12, 1, 2,
            "U1"),
        # accepted before reported (clock skew): the accept step is out of order
        row(3, "0202", "app", [t, t - H, t + H, t + 3 * H, None], 12, None, 1, "U2"),
        # rated 2 (low) and closed after now: the close step is not measured yet
        row(4, "02", "hotline", [t, t + H, t + 2 * H, t + 4 * H, NOW + 3 * H], 48, 2, 0, "U2"),
        # open, due within the next 4 hours: at risk
        row(5, "0202", "terminal", [NOW - 10 * H, NOW - 9 * H, None, None, None], 12),
    ]
    with engine.begin() as conn:
        conn.execute(insert(schema.case_categories), [
            {"code": "02", "name": "社会治安", "parent_code": None, "sla_hours": 48},
            {"code": "0201", "name": "治安隐患", "parent_code": "02", "sla_hours": 12},
            {"code": "0202", "name": "噪音扰民", "parent_code": "02", "sla_hours": 12}])
        conn.execute(insert(schema.cases), rows)


MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def test_hand_built_kpis_by_hand_and_pandas(hand_engine: Engine) -> None:
    ctx = QueryContext(engine=hand_engine)
    ref = Ref(hand_engine)
    k = ca.fetch_case_kpis(ctx, "C", *MARCH)
    assert k["cases"] == 12
    assert k["resolved"] == 8  # K1 K2 K5 K6, X1-X4
    assert k["within_sla"] == 6  # K1 (exactly at the SLA), K5, K6, X1, X3, X4
    assert k["reopened"] == 2 and k["reopen_rate"] == pytest.approx(2 / 12)  # X2, X3
    assert k["rated"] == 3 and k["mean_satisfaction"] == pytest.approx(8 / 3)
    assert k["low_satisfaction"] == 2 and k["low_satisfaction_rate"] == pytest.approx(2 / 3)
    assert k["open_now"] == 4 and k["overdue_now"] == 2  # K3, K4, K7, X5; K3 and K7 late
    assert_close(k, ref.kpis("C", *MARCH))
    for cat, src in (("02", None), ("0201", None), ("02", "hotline"), (None, "app")):
        assert_close(ca.fetch_case_kpis(ctx, "C", *MARCH, cat, src),
                     ref.kpis("C", *MARCH, cat, src), f"{cat}/{src}.")
    hot = ca.fetch_case_kpis(ctx, "C", *MARCH, "02", "hotline")
    assert hot["cases"] == 3 and hot["within_sla"] == 2 and hot["median_hours"] == 6


def test_hand_built_stages(hand_engine: Engine) -> None:
    ctx = QueryContext(engine=hand_engine)
    got = ca.fetch_stage_medians(ctx, "C", *MARCH).set_index("stage")
    # accept: X1 1h, X2 2h, X4 1h, X5 1h (X3 accepted before reported: out of order)
    assert got.loc["accept", "n"] == 4 and got.loc["accept", "out_of_order"] == 1
    assert got.loc["accept", "median_hours"] == 1
    # dispatch: X1 1h, X2 2h, X3 2h, X4 1h
    assert got.loc["dispatch", "n"] == 4 and got.loc["dispatch", "median_hours"] == 1.5
    # resolve: X1 4h, X2 26h, X3 2h, X4 2h; K5 resolved before dispatch: out of order
    assert got.loc["resolve", "n"] == 4 and got.loc["resolve", "out_of_order"] == 1
    assert got.loc["resolve", "median_hours"] == 3
    # close: X1 2h, X2 1h; X4 closes after now, X3 never closed
    assert got.loc["close", "n"] == 2 and got.loc["close", "median_hours"] == 1.5
    ref = Ref(hand_engine)
    p = Ref.period(ref.select("C"), *MARCH)
    for stage, a, b in STAGES:
        h, bad = ref.stage_hours(p, a, b)
        assert got.loc[stage, "n"] == len(h) and got.loc[stage, "out_of_order"] == bad
    by_unit = ca.fetch_stage_medians_by(ctx, "C", *MARCH, "unit").set_index("key")
    assert by_unit.loc["U1", "resolve"] == 15 and by_unit.loc["U2", "resolve"] == 2
    assert math.isnan(by_unit.loc["U2", "close"])


def test_hand_built_breakdowns_lists_and_small_samples(hand_engine: Engine) -> None:
    ctx = QueryContext(engine=hand_engine, min_sample=5)
    kids = ca.fetch_breakdown(ctx, "C", *MARCH, "child").set_index("key")
    assert kids.loc["T1", "cases"] == 3 and kids.loc["T2", "cases"] == 9
    assert bool(kids.loc["T1", "small"]) and not bool(kids.loc["T2", "small"])
    majors = ca.fetch_breakdown(ctx, "C", *MARCH, "major").set_index("key")
    assert majors.loc["02", "cases"] == 5 and majors.loc["01", "cases"] == 7
    bins, slas = ca.fetch_histogram(ctx, "C", *MARCH)
    assert bins["within"].sum() + bins["late"].sum() == 8
    # K1: 24 h exactly, within its SLA, in the 24-48 h bin
    assert bins.loc[bins["lo"] == 24, "within"].item() == 1
    assert dict(zip(slas["sla_hours"], slas["cases"], strict=True)) == {
        24.0: 6, 48.0: 2, 12.0: 4}
    risk = ca.fetch_at_risk(ctx, "C", 4.0)
    assert risk["id"].tolist() == ["X5"] and risk["hours_left"].item() == 2
    assert ca.fetch_at_risk(ctx, "C", 1.0).empty
    overdue = ca.fetch_overdue_cases(ctx, "C")
    assert overdue["id"].tolist() == ["K3", "K7"]
    assert overdue["overdue_hours"].tolist() == [
        (NOW - datetime(2026, 3, 2, 8)) / H, (NOW - datetime(2026, 3, 2, 8)) / H]
    assert overdue["town"].tolist() == ["一镇", "二镇"]
    empty = ca.fetch_case_kpis(ctx, "C", date(2020, 1, 1), date(2020, 1, 31))
    assert empty["cases"] == 0 and math.isnan(empty["reopen_rate"])
    assert math.isnan(empty["mean_satisfaction"]) and math.isnan(empty["p90_hours"])
