"""Importing cases (CSV, Excel, Open311), branches and coverage: good rows land, bad rows are
rejected with reasons, a second import changes nothing, an interrupted import leaves nothing."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from dashboard.importer.cases import CASE_FIELDS, CASE_REQUIRED, import_case_table, import_cases
from dashboard.importer.mapping import MappingError, load_mapping
from dashboard.importer.open311 import open311_mapping, read_open311
from dashboard.importer.party import import_branches, import_coverage
from geodata.gcj02 import wgs84_to_gcj02
from tests.db import test_import_support as support
from tests.db.test_import_support import (
    empty_sqlite,
    import_county,
    table,
)

G1, G2 = "211122101001001", "211122102002002"  # a grid in town 1 and one in town 2

MAPPING = """
[source]
timezone = "Asia/Shanghai"
timestamp_format = "%Y/%m/%d %H:%M"

[columns]
id = "工单编号"
category = "大类"
subcategory = "小类"
source = "来源"
reported_at = "上报时间"
accepted_at = "受理时间"
resolved_at = "办结时间"
status = "状态"
grid = "网格"
lon = "经度"
lat = "纬度"
satisfaction = "满意度"

[categories]
create_missing = true
sla_hours = 48
"""

HEADER = ["工单编号", "大类", "小类", "来源", "上报时间", "受理时间", "办结时间", "状态", "网格",
          "经度", "纬度", "满意度"]
GOOD = [
    ["C1", "市容环境", "占道经营", "12345热线", "2026/10/01 08:00", "2026/10/01 09:00",
     "2026/10/01 20:00", "已办结", G1, "", "", "5"],
    ["C2", "市容环境", "", "居民随手拍", "2026/10/02 08:00", "", "", "", G2, "", "", ""],
    # no grid code: placed by its coordinates (inside grid 1-1-2)
    ["C3", "社会治安", "", "网格员巡查", "2026-10-03T08:00:00", "", "", "受理", "",
     "121.005", "41.015", ""],
]
BAD = [
    ["C4", "市容环境", "", "app", "2026/10/04 08:00", "", "2026/10/03 08:00", "办结", G1, "",
     "", ""],                                                     # resolved before reported
    ["C5", "市容环境", "", "app", "2026/10/04 08:00", "", "", "", "", "130.0", "30.0", ""],
    ["C6", "市容环境", "", "app", "yesterday", "", "", "", G1, "", "", ""],
    ["", "市容环境", "", "app", "2026/10/04 08:00", "", "", "", G1, "", "", ""],
    ["C1", "市容环境", "", "app", "2026/10/04 08:00", "", "", "", G1, "", "", ""],  # duplicate
    ["C7", "市容环境", "", "app", "2026/10/04 08:00", "", "", "", "211122101", "", "", ""],
    ["C8", "市容环境", "", "fax", "2026/10/04 08:00", "", "", "", G1, "", "", "9"],
]

empty_engine = support.empty_engine  # the fixture, on SQLite and PostgreSQL


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def setup(engine: Engine, tmp_path: Path) -> tuple[Path, object]:
    import_county(engine, tmp_path)
    (tmp_path / "m.toml").write_text(MAPPING, encoding="utf-8")
    return tmp_path, load_mapping(tmp_path / "m.toml", fields=CASE_FIELDS,
                                  required=CASE_REQUIRED)


def test_import_cases_bad_rows_rejected_good_rows_land_once(empty_engine: Engine,
                                                            tmp_path: Path) -> None:
    _, mapping = setup(empty_engine, tmp_path)
    path = write_csv(tmp_path / "cases.csv", GOOD + BAD)
    rejects = tmp_path / "cases.rejects.csv"
    summary = import_cases(empty_engine, path, mapping, rejects=rejects)
    assert (summary.added, summary.updated, summary.rejected) == (3, 0, 7)
    cases = table(empty_engine, "cases").set_index("id")
    assert sorted(cases.index) == ["C1", "C2", "C3"]
    assert cases.loc["C3", "area_code"] == "211122101001002"  # spatial join
    assert cases.loc["C1", "status"] == "resolved" and cases.loc["C2", "status"] == "reported"
    assert cases.loc["C3", "status"] == "accepted" and cases.loc["C1", "source"] == "hotline"
    assert cases.loc["C1", "satisfaction"] == 5
    reported = pd.to_datetime(cases["reported_at"])
    assert reported["C1"] == datetime(2026, 10, 1, 8, 0)
    # new categories get the mapping's SLA: due = reported + 48 h
    assert (pd.to_datetime(cases["due_at"]) - reported == timedelta(hours=48)).all()
    cats = table(empty_engine, "case_categories").set_index("code")
    assert cats.loc[cases.loc["C1", "category_code"], "parent_code"] == "市容环境"
    assert set(cats["sla_hours"]) == {48.0}
    with open(rejects, encoding="utf-8-sig") as handle:
        rows = {r["row"]: r for r in csv.DictReader(handle)}
    reasons = {row: r["reason"] for row, r in rows.items()}
    assert set(reasons) == {str(n) for n in range(5, 12)}  # header is row 1
    assert "timestamps go backwards: resolved_at 2026-10-03 08:00:00 is before " \
           "reported_at 2026-10-04 08:00:00" in reasons["5"]
    assert "lies outside every grid" in reasons["6"]
    assert "cannot read reported_at 'yesterday'" in reasons["7"]
    assert reasons["8"] == "no id"
    assert "duplicate id C1 (first on row 2)" in reasons["9"]
    assert "is a town" in reasons["10"]
    assert "unknown source 'fax'" in reasons["11"] and "satisfaction" in reasons["11"]
    assert rows["7"]["上报时间"] == "yesterday"  # the row's own values, to fix and re-import

    before = {t: table(empty_engine, t) for t in ("cases", "case_categories", "dataset_meta")}
    again = import_cases(empty_engine, path, mapping, rejects=rejects)
    assert (again.added, again.updated, again.unchanged, again.rejected) == (0, 0, 3, 7)
    for name, frame in before.items():
        pd.testing.assert_frame_equal(table(empty_engine, name), frame)


def test_import_cases_update_by_id(tmp_path: Path) -> None:
    engine = empty_sqlite(tmp_path / "u.sqlite")
    _, mapping = setup(engine, tmp_path)
    import_cases(engine, write_csv(tmp_path / "a.csv", GOOD), mapping)
    changed = [list(r) for r in GOOD]
    changed[1][6], changed[1][7] = "2026/10/02 18:00", "已办结"
    summary = import_cases(engine, write_csv(tmp_path / "b.csv", changed), mapping)
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 2)
    cases = table(engine, "cases").set_index("id")
    assert cases.loc["C2", "status"] == "resolved"
    assert pd.Timestamp(cases.loc["C2", "resolved_at"]) == datetime(2026, 10, 2, 18)
    assert len(cases) == 3


def test_import_cases_interrupted_leaves_database_as_it_was(
        empty_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, mapping = setup(empty_engine, tmp_path)
    import_cases(empty_engine, write_csv(tmp_path / "a.csv", GOOD[:1]), mapping)
    before = {t: table(empty_engine, t) for t in ("cases", "case_categories", "dataset_meta")}
    from queries import imports

    many = [[f"M{i}", "新类", "", "app", "2026/10/05 08:00", "", "", "", G1, "", "", ""]
            for i in range(50)]
    monkeypatch.setattr(imports, "BATCH", 10)
    import dashboard.importer.cases as cases_module

    class Interrupt(cases_module.Progress):
        """Fails after two batches of ten rows were written (progress is reported after
        each batch)."""

        def __call__(self, done: int) -> None:
            if done >= 20:
                raise RuntimeError("connection lost (simulated)")

    monkeypatch.setattr(cases_module, "Progress", Interrupt)
    with pytest.raises(RuntimeError, match="simulated"):
        import_cases(empty_engine, write_csv(tmp_path / "b.csv", many), mapping)
    for name, frame in before.items():
        pd.testing.assert_frame_equal(table(empty_engine, name), frame)


def test_import_cases_excel_timezone_and_gcj02(tmp_path: Path) -> None:
    import pyogrio

    engine = empty_sqlite(tmp_path / "x.sqlite")
    import_county(engine, tmp_path)
    # points in grids 2-2-2 and 1-1-1 as a Chinese web map gives them (GCJ-02)
    glon, glat = wgs84_to_gcj02([121.035, 121.005], [41.015, 41.005])
    frame = pd.DataFrame({
        "id": ["X1", "X2"], "cat": ["道路交通", "道路交通"],
        "when": [datetime(2026, 10, 1, 0, 30), datetime(2026, 10, 2, 12, 0)],
        "x": glon.tolist(), "y": glat.tolist(),
    })
    path = tmp_path / "cases.xlsx"
    pyogrio.write_dataframe(frame, path, driver="XLSX")
    (tmp_path / "x.toml").write_text("""
[source]
timezone = "UTC"
coordinates = "gcj02"
[columns]
id = "id"
category = "cat"
reported_at = "when"
lon = "x"
lat = "y"
[categories]
create_missing = true
""", encoding="utf-8")
    mapping = load_mapping(tmp_path / "x.toml", fields=CASE_FIELDS, required=CASE_REQUIRED)
    summary = import_cases(engine, path, mapping)
    assert summary.added == 2, summary.rejections
    cases = table(engine, "cases").set_index("id")
    assert cases.loc["X1", "area_code"] == G2
    assert cases.loc["X1", "lon"] == pytest.approx(121.035, abs=1e-7)
    assert cases.loc["X1", "lat"] == pytest.approx(41.015, abs=1e-7)
    # 00:30 UTC is 08:30 in the county (Asia/Shanghai); default SLA 24 h
    assert pd.Timestamp(cases.loc["X1", "reported_at"]) == datetime(2026, 10, 1, 8, 30)
    assert pd.Timestamp(cases.loc["X1", "due_at"]) == datetime(2026, 10, 2, 8, 30)


def test_import_cases_mapping_errors_are_clear(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[columns]\nid = "a"\ncategory = "b"\nreported = "c"\n', encoding="utf-8")
    with pytest.raises(MappingError, match="unknown field 'reported'"):
        load_mapping(bad, fields=CASE_FIELDS, required=CASE_REQUIRED)
    bad.write_text('[columns]\nid = "a"\ncategory = "b"\nreported_at = "c"\n',
                   encoding="utf-8")
    with pytest.raises(MappingError, match="timezone"):
        load_mapping(bad, fields=CASE_FIELDS, required=CASE_REQUIRED)
    bad.write_text('[source]\ntimezone = "Mars/Base"\n[columns]\nid = "a"\ncategory = "b"\n'
                   'reported_at = "c"\n', encoding="utf-8")
    with pytest.raises(MappingError, match="not an IANA zone"):
        load_mapping(bad, fields=CASE_FIELDS, required=CASE_REQUIRED)


def test_import_cases_unknown_category_rejected_without_create_missing(tmp_path: Path) -> None:
    engine = empty_sqlite(tmp_path / "c.sqlite")
    setup(engine, tmp_path)
    text = MAPPING.replace("create_missing = true", "create_missing = false")
    (tmp_path / "n.toml").write_text(text, encoding="utf-8")
    mapping = load_mapping(tmp_path / "n.toml", fields=CASE_FIELDS, required=CASE_REQUIRED)
    summary = import_cases(engine, write_csv(tmp_path / "a.csv", GOOD), mapping,
                           rejects=tmp_path / "r.csv")
    assert summary.added == 0 and summary.rejected == 3
    assert all("create_missing" in r.reason for r in summary.rejections)
    assert table(engine, "case_categories").empty


def test_import_open311_requests(tmp_path: Path) -> None:
    engine = empty_sqlite(tmp_path / "o.sqlite")
    import_county(engine, tmp_path)
    requests = [
        {"service_request_id": "311-1", "status": "closed", "service_code": "POTHOLE",
         "service_name": "Pothole", "requested_datetime": "2026-10-01T08:00:00+08:00",
         "updated_datetime": "2026-10-01T16:00:00+08:00", "lat": 41.005, "long": 121.005,
         "agency_responsible": "Roads", "description": "hole"},
        {"service_request_id": "311-2", "status": "open", "service_code": "GRAFFITI",
         "service_name": "Graffiti", "requested_datetime": "2026-10-02T00:00:00Z",
         "updated_datetime": None, "lat": 41.015, "long": 121.035},
        {"service_request_id": "311-3", "status": "open", "service_code": "GRAFFITI",
         "requested_datetime": "2026-10-02T00:00:00Z", "lat": 10.0, "long": 10.0},
    ]
    path = tmp_path / "requests.json"
    path.write_text(json.dumps(requests), encoding="utf-8")
    summary = import_case_table(engine, read_open311(path), open311_mapping(), str(path),
                                rejects=tmp_path / "o.rejects.csv")
    assert (summary.added, summary.rejected) == (2, 1)
    assert summary.rejections[0].row == 3 and "outside every grid" in \
        summary.rejections[0].reason
    cases = table(engine, "cases").set_index("id")
    assert cases.loc["311-1", "status"] == "closed" and cases.loc["311-1", "source"] == "app"
    assert pd.Timestamp(cases.loc["311-1", "resolved_at"]) == datetime(2026, 10, 1, 16)
    assert pd.Timestamp(cases.loc["311-2", "reported_at"]) == datetime(2026, 10, 2, 8)
    assert cases.loc["311-2", "area_code"] == G2
    cats = table(engine, "case_categories").set_index("code")
    assert cats.loc["POTHOLE", "name"] == "Pothole"


def test_import_branches_and_coverage(empty_engine: Engine, tmp_path: Path) -> None:
    import_county(empty_engine, tmp_path)
    branches = tmp_path / "branches.csv"
    branches.write_text("id,name,kind,area\n"
                        "B1,Branch 1,党支部,211122101001\n"
                        "B2,Branch 2,党总支,211122102002\n"
                        "B3,Branch 3,branch,211122101\n"       # a town, not a village
                        "B4,Branch 4,branch,999\n", encoding="utf-8")
    summary = import_branches(empty_engine, branches, rejects=tmp_path / "b.rejects.csv")
    assert (summary.added, summary.rejected) == (2, 2)
    assert [r.row for r in summary.rejections] == [4, 5]
    stored = table(empty_engine, "party_branches").set_index("id")
    assert stored.loc["B2", "kind"] == "general"
    coverage = tmp_path / "coverage.csv"
    coverage.write_text("支部,月份,党员数,注册,活跃,学习\n"
                        "B1,2026-09,30,25,20,80%\n"
                        "B1,2026年10月,30,26,21,0.85\n"
                        "B2,202610,40,45,10,\n"            # registered > members
                        "B9,2026-10,10,5,5,\n", encoding="utf-8")
    (tmp_path / "cov.toml").write_text("""
[columns]
branch = "支部"
month = "月份"
members = "党员数"
registered = "注册"
active_30d = "活跃"
study_completion = "学习"
""", encoding="utf-8")
    summary = import_coverage(empty_engine, coverage, tmp_path / "cov.toml",
                              rejects=tmp_path / "c.rejects.csv")
    assert (summary.added, summary.rejected) == (2, 2)
    reasons = {r.row: r.reason for r in summary.rejections}
    assert "registered (45) exceeds members (40)" in reasons[4]
    assert "unknown branch 'B9'" in reasons[5]
    stored = table(empty_engine, "coverage_monthly")
    assert [str(m)[:10] for m in stored["month"]] == ["2026-09-01", "2026-10-01"]
    assert list(stored["study_completion"]) == [0.8, 0.85]
    before = table(empty_engine, "coverage_monthly")
    again = import_coverage(empty_engine, coverage, tmp_path / "cov.toml",
                            rejects=tmp_path / "c.rejects.csv")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    pd.testing.assert_frame_equal(table(empty_engine, "coverage_monthly"), before)


def test_import_village_deepest_county_cases_and_map(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A county without grid polygons: villages are the deepest areas throughout."""
    from geodata.layers import build_layers
    from queries.context import QueryContext
    from queries.geometry import fetch_area_shapes
    from tests.db.test_import_areas import check_map_callback

    engine = empty_sqlite(tmp_path / "v.sqlite")
    import_county(engine, tmp_path, ("town", "village"))
    (tmp_path / "m.toml").write_text(MAPPING, encoding="utf-8")
    mapping = load_mapping(tmp_path / "m.toml", fields=CASE_FIELDS, required=CASE_REQUIRED)
    rows = [["V1", "市容环境", "", "app", "2026/10/01 08:00", "", "", "", "211122101001", "",
             "", ""],
            ["V2", "市容环境", "", "app", "2026/10/01 09:00", "", "", "", "", "121.035",
             "41.015", ""],
            ["V3", "市容环境", "", "app", "2026/10/01 09:00", "", "", "", G1, "", "", ""]]
    summary = import_cases(engine, write_csv(tmp_path / "v.csv", rows), mapping,
                           rejects=tmp_path / "v.rejects.csv")
    assert (summary.added, summary.rejected) == (2, 1)
    assert "unknown area code" in summary.rejections[0].reason
    cases = table(engine, "cases").set_index("id")
    assert cases.loc["V2", "area_code"] == "211122102002"
    layers = build_layers(fetch_area_shapes(QueryContext(engine=engine)))
    assert (layers.display["level"] == "village").sum() == 4
    check_map_callback(engine, tmp_path, monkeypatch, "211122", "211122101")


def test_cli_import_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    from dashboard.cli import main
    from tests.db.test_import_support import county_frames, write

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    assert main(["init"]) == 0
    frames = county_frames()
    for level in ("town", "village", "grid"):
        path = write(frames[level], tmp_path / f"{level}.geojson")
        args = ["import-areas", str(path), "--level", level, "--code-field", "code",
                "--name-field", "name", "--root-code", "211122", "--root-name", "Test"]
        if level != "town":
            args += ["--parent-field", "parent"]
        assert main(args) == 0
    (tmp_path / "m.toml").write_text(MAPPING, encoding="utf-8")
    csv_path = write_csv(tmp_path / "c.csv", GOOD + BAD)
    assert main(["import-cases", str(csv_path), "--mapping", str(tmp_path / "m.toml"),
                 "--as-of", "2026-10-31"]) == 0
    out = capsys.readouterr().out
    assert "3 added" in out and "7 rejected" in out
    assert (tmp_path / "c.csv.rejects.csv").exists()
    meta = table(__import__("dashboard.db", fromlist=["get_engine"]).get_engine(
        f"sqlite:///{tmp_path / 'cli.sqlite'}"), "dataset_meta").set_index("key")["value"]
    assert meta["as_of"] == "2026-10-31T00:00:00" and meta["data_version"].startswith("import-")
    assert main(["import-cases", str(csv_path)]) == 2  # no mapping: a clear error
    assert "--mapping" in capsys.readouterr().err
