"""Deterministic synthetic demo county (演示数据（模拟）).

``build_demo`` generates every shared table of :mod:`dashboard.schema` for a county modelled
on the reference county of DOMAIN.md (盘山县: 13 towns/streets, 844 grids, ~20,000 cases a
year resolved in 24 h on average, 99 % completion); ``write_demo`` loads the frames into an
empty database quickly (executemany on SQLite, COPY on PostgreSQL).

Everything is drawn from ``numpy.random.default_rng`` streams derived from the seed, so the
same seed, as-of date and scale give identical frames. The as-of instant is the as-of date at
00:00 (naive local time); nothing generated lies at or after it.

Geometry: grid polygons are the cells of a Voronoi diagram of seed points (denser around the
county seat) clipped to an irregular county outline. The cell edges and the outline are noded
together once and polygonised, so neighbouring grids share identical vertices and the grids
tile the county exactly; only grids carry a geometry (WKB, EPSG:4326), higher levels are
derived by dissolving.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from pyproj import Transformer

from dashboard import schema
from dashboard.areatree import build_area_paths

__all__ = ["COUNTY_CODE", "COUNTY_NAME", "TABLE_ORDER", "Scale", "build_demo",
           "build_demo_areas", "write_demo"]

Scale = Literal["reference", "large"]

COUNTY_CODE = "211122"
COUNTY_NAME = "盘山县"
GENERATOR = "countydash demo v1"
#: Projected CRS the geometry is built in (UTM zone 51N).
WORK_CRS = "EPSG:32651"
GEOM_CRS = "EPSG:4326"

#: Tables in foreign-key order (parents first).
TABLE_ORDER: tuple[str, ...] = (
    "areas",
    "area_paths",
    "case_categories",
    "grid_workers",
    "party_branches",
    "grid_party_groups",
    "party_members",
    "cases",
    "coverage_monthly",
    "dataset_meta",
)


@dataclass(frozen=True)
class _Spec:
    n_streets: int
    n_towns: int  # rural towns (镇), streets excluded
    n_grids: int
    years: int
    cases_total: int
    urban_share: float  # share of grids in the streets around the county seat
    grids_per_village: float
    grids_per_community: float


_SPECS: dict[str, _Spec] = {
    "reference": _Spec(4, 9, 844, 2, 40_000, 0.30, 3.3, 8.0),
    "large": _Spec(6, 24, 5_000, 3, 1_000_000, 0.30, 3.4, 8.0),
}

_COUNTY_LONLAT = (122.10, 41.15)
_COUNTY_AREA_M2 = 2.1e9
_TARGET_MEAN_HOURS = 24.0
_STUCK_SHARE = 0.0085

# --------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------

_SURNAMES = np.array(
    list(
        "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
        "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史"
        "顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
    )
)
_GIVEN = np.array(
    list(
        "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华玉兰霞平刚桂文辉建国红梅鹏飞斌宇浩凯晨欣"
        "怡子涵博雪琳海波峰林成德金凤春燕志宏亮丹鑫婷俊佳雨慧振立新喜福荣庆彬岩悦旭阳"
    )
)
_PLACE_FIRST = list("东西南北新古高太三沙甜石大小平安兴隆和丰盛长永双红青金柳杨榆松河前后上下中富")
_PLACE_SECOND = list("平安城河岭水台山泉林洲湾兴胜丰盛宁和源乐福阳营堡庄屯沟坨岗口立合利荣发")
_VILLAGE_SUFFIX = ["屯", "窝堡", "台", "岗", "沟", "坨子", "房", "铺"]
_COMMUNITY_FIRST = list("兴明和安康富锦华金阳光文育春丽新惠泰祥福龙凤佳嘉鑫馨博盛")
_COMMUNITY_SECOND = list("园苑城湾华景都居府桥湖庭港源悦隆泰安和")
# fmt: off
_PHONE_PREFIXES = np.array([
    130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 155, 156, 157, 158,
    159, 166, 176, 177, 178, 180, 181, 182, 183, 185, 186, 187, 188, 189, 199,
], dtype=np.int64)

# (code, zh, en, SLA hours, weight, urban multiplier, rural multiplier, unit templates "a|b")
# Unit templates: {gov} is the town government, {town} the town, {stem} its name without
# the 镇/街道 suffix.
_MAJORS: tuple[tuple[str, str, str, float, float, float, float, str], ...] = (
    ("01", "矛盾纠纷", "Disputes", 48, 8.0, 0.9, 1.2, "{town}综治中心|{stem}司法所|县司法局"),
    ("02", "社会治安", "Public order", 24, 6.0, 1.1, 0.9, "县公安局{stem}派出所"),
    ("03", "安全生产", "Work safety", 12, 4.0, 1.0, 1.0, "县应急管理局|{gov}"),
    ("04", "消防安全", "Fire safety", 12, 4.0, 1.0, 1.0, "县消防救援大队|县应急管理局|{gov}"),
    ("05", "道路交通", "Road traffic", 24, 8.0, 1.2, 0.8, "县公安局交警大队|县交通运输局"),
    ("06", "市容环境", "Cityscape", 24, 14.0, 1.6, 0.5, "县城管局|{gov}"),
    ("07", "环境卫生", "Sanitation", 24, 14.0, 1.0, 1.0, "县城管局|{gov}|县环卫服务中心"),
    ("08", "生态环保", "Ecology and environment", 48, 4.0, 0.6, 1.4, "县生态环境分局|{gov}"),
    ("09", "基础设施", "Infrastructure", 72, 12.0, 1.1, 0.9,
     "县住建局|县水务局|县交通运输局|{gov}"),
    ("10", "农业农村", "Agriculture and rural affairs", 48, 6.0, 0.1, 1.8,
     "县农业农村局|{gov}|县水务局"),
    ("11", "民生服务", "Public services", 24, 7.0, 1.3, 0.8,
     "县人社局|县住建局|{town}便民服务中心"),
    ("12", "社会保障", "Social security", 48, 3.0, 1.0, 1.0,
     "县民政局|县人社局|县医保局|县退役军人事务局"),
    ("13", "医疗卫生", "Health", 24, 2.0, 1.0, 1.0, "县卫健局|县疾控中心"),
    ("14", "教育文化", "Education and culture", 48, 1.5, 1.2, 0.8, "县教育局|县文旅局"),
    ("15", "食品药品", "Food and drug safety", 24, 2.0, 1.2, 0.8, "县市场监管局|{stem}市场监管所"),
    ("16", "信访维稳", "Petitions and stability", 72, 1.0, 1.0, 1.0, "县信访局|{gov}"),
    ("17", "其他", "Other", 24, 3.5, 1.0, 1.0, "{gov}|县指挥中心"),
)
# fmt: on

# Minor categories per major: (zh, en[, SLA hours[, unit templates "a|b"]]), overriding
# the major's SLA and units.
_MinorSpec = tuple[str, str] | tuple[str, str, float] | tuple[str, str, float, str]
_MINORS: dict[str, tuple[_MinorSpec, ...]] = {
    "01": (
        ("邻里纠纷", "Neighbour dispute"),
        ("婚姻家庭纠纷", "Marriage and family dispute"),
        ("土地承包纠纷", "Land contract dispute", 72),
        ("宅基地纠纷", "Homestead dispute", 72),
        ("劳资纠纷", "Wage dispute"),
        ("物业纠纷", "Property management dispute"),
        ("债务纠纷", "Debt dispute", 72),
        ("其他纠纷", "Other dispute"),
    ),
    "02": (
        ("治安隐患", "Public security hazard"),
        ("可疑人员", "Suspicious person", 12),
        ("盗窃线索", "Theft lead", 12),
        ("噪音扰民", "Noise nuisance", 12),
        ("非法聚集", "Illegal gathering", 6),
        ("黄赌毒线索", "Vice lead"),
        ("出租房屋管理", "Rental housing control", 48),
        ("重点人员管控", "Monitored persons"),
    ),
    "03": (
        ("危化品隐患", "Hazardous chemicals", 6),
        ("非法生产经营", "Illegal production"),
        ("建筑施工安全", "Construction site safety"),
        ("特种设备隐患", "Special equipment hazard"),
        ("燃气安全", "Gas safety", 6, "县燃气公司|县应急管理局"),
        ("有限空间作业", "Confined-space work"),
        ("油气管道安全", "Oil and gas pipeline safety", 6, "县应急管理局|辽河油田安全管理部门"),
        ("企业安全隐患", "Enterprise safety hazard", 24),
    ),
    "04": (
        ("消防通道堵塞", "Blocked fire lane"),
        ("消防设施损坏", "Damaged fire equipment", 24),
        ("电动车违规充电", "Unsafe e-bike charging"),
        ("秸秆焚烧", "Straw burning", 6, "{gov}|县生态环境分局"),
        ("野外用火", "Open fire", 6),
        ("私拉乱接电线", "Unsafe wiring", 24),
        ("易燃物堆放", "Combustible storage", 24),
    ),
    "05": (
        ("道路破损", "Damaged road surface", 72, "县交通运输局|县住建局"),
        ("交通信号故障", "Traffic signal fault", 12),
        ("交通标志缺损", "Missing traffic sign", 48),
        ("违章停车", "Illegal parking", 6, "县公安局交警大队|县城管局"),
        ("道路积水", "Waterlogged road", 12, "县住建局|县城管局"),
        ("道路遗撒", "Spillage on road", 12),
        ("农村道路安全隐患", "Rural road hazard", 48),
    ),
    "06": (
        ("占道经营", "Street vending"),
        ("乱搭乱建", "Illegal structures", 72),
        ("乱贴乱画", "Flyposting and graffiti"),
        ("户外广告", "Outdoor advertising", 48),
        ("违规摆摊", "Unlicensed stalls"),
        ("店外经营", "Shop-front trading"),
        ("废弃车辆", "Abandoned vehicle", 72),
        ("建筑垃圾", "Construction waste", 48),
        ("绿化损毁", "Damaged greenery", 48),
    ),
    "07": (
        ("生活垃圾堆积", "Household waste piling"),
        ("垃圾清运不及时", "Late waste collection", 12),
        ("公厕问题", "Public toilet"),
        ("污水外溢", "Sewage overflow", 12, "县住建局|县水务局"),
        ("动物尸体", "Animal carcass", 12),
        ("病媒生物", "Pests and vectors", 48),
        ("村庄清洁", "Village cleanliness", 48),
    ),
    "08": (
        ("大气污染", "Air pollution"),
        ("水体污染", "Water pollution"),
        ("噪声污染", "Industrial noise", 24),
        ("土壤污染", "Soil pollution", 72),
        ("湿地保护", "Wetland protection", 72),
        ("非法排污", "Illegal discharge", 24),
        ("非法采砂取土", "Illegal sand and soil extraction"),
    ),
    "09": (
        ("供水故障", "Water supply fault", 24, "县自来水公司|县水务局"),
        ("供电故障", "Power supply fault", 24, "县供电公司"),
        ("供暖问题", "Heating problem", 24, "县热力公司|县住建局"),
        ("燃气供应", "Gas supply", 24, "县燃气公司"),
        ("路灯损坏", "Broken street light", 48, "县城管局|{gov}"),
        ("井盖缺损", "Missing manhole cover", 12, "县住建局|县城管局"),
        ("排水管网堵塞", "Blocked drainage", 48, "县住建局|县水务局"),
        ("通信设施", "Telecom facility", 72, "县通信运营商|县工信局"),
        ("桥涵损坏", "Damaged bridge or culvert", 168, "县交通运输局|县水务局"),
    ),
    "10": (
        ("农田水利", "Irrigation", 72, "县水务局|{gov}"),
        ("病虫害", "Crop pests", 24),
        ("动物疫病", "Animal disease", 24, "县农业农村局|县动物疫病预防控制中心"),
        ("农资质量", "Farm input quality", 48, "县市场监管局|县农业农村局"),
        ("河蟹养殖", "Crab farming"),
        ("稻田管理", "Paddy field management"),
        ("农机服务", "Farm machinery"),
        ("村务公开", "Village affairs transparency", 72, "{gov}|县纪委监委"),
    ),
    "11": (
        ("就业服务", "Employment service", 48),
        ("住房保障", "Housing support", 72),
        ("物业服务", "Property services"),
        ("证照办理", "Licences and certificates", 48),
        ("户籍办理", "Household registration", 48, "县公安局{stem}派出所"),
        ("公共交通", "Public transport", 48, "县交通运输局"),
        ("养老服务", "Elderly care", 48, "县民政局|{town}便民服务中心"),
        ("便民设施", "Convenience facilities", 48),
    ),
    "12": (
        ("低保救助", "Minimum living allowance"),
        ("医保参保", "Medical insurance"),
        ("养老保险", "Pension insurance"),
        ("残疾人帮扶", "Disability support", 48, "县残联|县民政局"),
        ("困难群众救助", "Hardship relief", 24),
        ("退役军人服务", "Veterans' services"),
    ),
    "13": (
        ("医疗服务", "Medical service"),
        ("疫苗接种", "Vaccination", 48),
        ("传染病防控", "Infectious disease control", 12),
        ("非法行医", "Illegal medical practice", 48),
        ("村卫生室", "Village clinic", 48),
        ("公共卫生", "Public health"),
    ),
    "14": (
        ("校园周边安全", "School surroundings safety", 24),
        ("教育收费", "Education fees"),
        ("校外培训", "Off-campus tutoring"),
        ("文化场所", "Cultural venues"),
        ("网吧管理", "Internet cafes", 24),
        ("文体设施", "Sports and culture facilities", 72),
    ),
    "15": (
        ("食品安全", "Food safety", 12),
        ("无证经营", "Unlicensed food business", 48),
        ("过期食品", "Expired food", 12),
        ("药品安全", "Drug safety", 12),
        ("餐饮卫生", "Restaurant hygiene"),
        ("农村集体聚餐", "Rural banquet safety", 12),
    ),
    "16": (
        ("群体性诉求", "Collective appeal", 48),
        ("越级上访苗头", "Signs of escalated petition", 24),
        ("历史遗留问题", "Legacy issue", 168),
        ("涉法涉诉", "Law-related appeal", 168, "县司法局|县信访局"),
        ("征地拆迁", "Land requisition and demolition", 168, "县自然资源局|{gov}"),
    ),
    "17": (
        ("咨询建议", "Enquiry and suggestion"),
        ("表扬感谢", "Praise and thanks", 48),
        ("求助", "Request for help", 12),
        ("政策咨询", "Policy enquiry"),
        ("其他事项", "Other matters"),
    ),
}

_SOURCE_P = np.array([0.40, 0.35, 0.145, 0.06, 0.04, 0.005])
# Reports per hour of day: residents and the hotline, and grid workers on patrol.
# fmt: off
_HOURS_RESIDENT = np.array([
    0.3, 0.2, 0.15, 0.15, 0.2, 0.4, 1.0, 2.5, 4.5, 6.0, 6.5, 5.5,
    3.5, 3.5, 5.0, 5.8, 5.5, 4.5, 3.0, 2.5, 2.0, 1.5, 1.0, 0.6,
])
_HOURS_PATROL = np.array([
    0, 0, 0, 0, 0, 0, 0.2, 1.5, 5.0, 7.0, 7.0, 5.5,
    2.5, 3.0, 6.0, 7.0, 6.0, 4.0, 1.5, 0.5, 0.2, 0, 0, 0,
])
# fmt: on
_WEEKDAY_FACTOR = np.array([1.06, 1.05, 1.03, 1.02, 1.00, 0.74, 0.64])  # Monday first

_STREAMS = ("outline", "seeds", "areas", "names", "categories", "cases", "points", "party")


def _rng(seed: int, stream: str) -> np.random.Generator:
    """Independent generator per stream, so one part can change without moving the others."""
    return np.random.default_rng([seed, _STREAMS.index(stream)])


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _add_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + day.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, 1)


def _person_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """Synthetic Chinese names: a common surname and one or two given characters."""
    ranks = np.arange(1, len(_SURNAMES) + 1)
    p = 1.0 / ranks**0.9
    surname = _SURNAMES[rng.choice(len(_SURNAMES), size=n, p=p / p.sum())]
    first = _GIVEN[rng.integers(0, len(_GIVEN), n)]
    second = np.where(rng.random(n) < 0.7, _GIVEN[rng.integers(0, len(_GIVEN), n)], "")
    return np.strings.add(np.strings.add(surname, first), second).astype(object)


def _phones(rng: np.random.Generator, n: int) -> np.ndarray:
    """Synthetic mobile numbers "1xx" + 8 digits."""
    prefix = _PHONE_PREFIXES[rng.integers(0, len(_PHONE_PREFIXES), n)]
    number = prefix * 100_000_000 + rng.integers(0, 100_000_000, n)
    return number.astype(str).astype(object)


def _kmeans(rng: np.random.Generator, pts: np.ndarray, k: int, iters: int = 20) -> np.ndarray:
    """Labels 0..k-1 (every cluster non-empty) of a plain k-means with k-means++ seeding."""
    n = len(pts)
    k = max(1, min(k, n))
    centers = np.empty((k, 2))
    centers[0] = pts[rng.integers(0, n)]
    d2 = ((pts - centers[0]) ** 2).sum(axis=1)
    for j in range(1, k):
        total = d2.sum()
        idx = rng.choice(n, p=d2 / total) if total > 0 else rng.integers(0, n)
        centers[j] = pts[idx]
        d2 = np.minimum(d2, ((pts - centers[j]) ** 2).sum(axis=1))
    labels = np.zeros(n, dtype=np.int64)
    dist = np.zeros((n, k))
    for _ in range(iters):
        dist = ((pts[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
        labels = dist.argmin(axis=1)
        counts = np.bincount(labels, minlength=k)
        sums = np.stack([np.bincount(labels, pts[:, i], minlength=k) for i in range(2)], axis=1)
        nonempty = counts > 0
        centers[nonempty] = sums[nonempty] / counts[nonempty, None]
    # An empty cluster takes the point farthest from its centre (in a cluster of 2+).
    for j in np.flatnonzero(np.bincount(labels, minlength=k) == 0):
        own = dist[np.arange(n), labels]
        own[np.bincount(labels, minlength=k)[labels] < 2] = -1.0
        labels[np.argmax(own)] = j
    return labels


def _name_pool(rng: np.random.Generator, candidates: Sequence[str], n: int) -> list[str]:
    pool = sorted(set(candidates))
    if n > len(pool):
        raise ValueError(f"name pool too small: {n} > {len(pool)}")
    return [pool[i] for i in rng.permutation(len(pool))[:n]]


def _place_names() -> list[str]:
    return [a + b for a in _PLACE_FIRST for b in _PLACE_SECOND if a != b]


def _village_names() -> list[str]:
    surnames = list(_SURNAMES[:60])
    return (
        _place_names()
        + [s + "家" for s in surnames]
        + [s + "家" + suffix for s in surnames for suffix in _VILLAGE_SUFFIX]
    )


def _community_names() -> list[str]:
    return [a + b for a in _COMMUNITY_FIRST for b in _COMMUNITY_SECOND if a != b]


# --------------------------------------------------------------------------------------
# Geometry
# --------------------------------------------------------------------------------------


def _county_outline(rng: np.random.Generator) -> tuple[shapely.Polygon, np.ndarray]:
    """Irregular star-shaped outline of ~2,100 km² (UTM metres) and the county seat."""
    to_utm = Transformer.from_crs(GEOM_CRS, WORK_CRS, always_xy=True)
    cx, cy = to_utm.transform(*_COUNTY_LONLAT)
    theta = np.linspace(0.0, 2.0 * np.pi, 360, endpoint=False)
    radius = np.ones_like(theta)
    for k in range(2, 48):
        amp = rng.normal(0.0, 0.24 / k**1.3)
        radius += amp * np.cos(k * theta + rng.uniform(0.0, 2.0 * np.pi))
    radius = np.clip(radius, 0.55, None)
    x = radius * np.cos(theta)
    y = 1.08 * radius * np.sin(theta)
    outline = shapely.Polygon(np.column_stack([x, y]))
    scale = np.sqrt(_COUNTY_AREA_M2 / outline.area)
    outline = shapely.Polygon(np.column_stack([cx + x * scale, cy + y * scale]))
    # The seat sits off-centre, a quarter of the way towards one side.
    ang = rng.uniform(0.0, 2.0 * np.pi)
    seat = np.array([cx, cy]) + 0.25 * scale * np.array([np.cos(ang), np.sin(ang)])
    return outline, seat


def _sample_inside(
    rng: np.random.Generator,
    poly: shapely.Polygon,
    n: int,
    center: np.ndarray | None = None,
    sigma: float = 0.0,
) -> np.ndarray:
    """n points inside poly: uniform, or normal around center with sd sigma."""
    minx, miny, maxx, maxy = poly.bounds
    out: list[np.ndarray] = []
    have = 0
    while have < n:
        m = 2 * (n - have) + 16
        if center is None:
            xy = np.column_stack([rng.uniform(minx, maxx, m), rng.uniform(miny, maxy, m)])
        else:
            xy = center + rng.normal(0.0, sigma, (m, 2))
        xy = xy[shapely.contains_xy(poly, xy[:, 0], xy[:, 1])]
        out.append(xy)
        have += len(xy)
    return np.concatenate(out)[:n]


def _voronoi_cells(pts: np.ndarray, outline: shapely.Polygon) -> np.ndarray:
    extent = shapely.box(*outline.buffer(20_000.0).bounds)
    cells = shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=extent, ordered=True)
    return shapely.get_parts(cells)


def _tile(pts: np.ndarray, outline: shapely.Polygon) -> np.ndarray:
    """One polygon per seed point; together they tile the outline with shared vertices."""
    extent = shapely.box(*outline.buffer(20_000.0).bounds)
    edges = shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=extent, only_edges=True)
    noded = shapely.union_all([edges, outline.exterior], grid_size=0.01)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    rep = shapely.point_on_surface(faces)
    inside = shapely.contains_xy(outline, shapely.get_x(rep), shapely.get_y(rep))
    faces = faces[inside]
    seeds = shapely.points(pts)
    tree = shapely.STRtree(faces)
    seed_idx, face_idx = tree.query(seeds, predicate="within")
    if len(np.unique(seed_idx)) != len(pts) or len(np.unique(face_idx)) != len(seed_idx):
        raise RuntimeError("Voronoi tiling failed: seeds and faces do not match")
    owner = np.full(len(faces), -1, dtype=np.int64)
    owner[face_idx] = seed_idx
    # Fragments cut off by a concave stretch of the outline join the neighbour they share
    # the longest edge with.
    while (owner < 0).any():
        changed = False
        for f in np.flatnonzero(owner < 0):
            neigh = tree.query(faces[f], predicate="touches")
            neigh = neigh[owner[neigh] >= 0]
            if len(neigh) == 0:
                continue
            shared = shapely.length(
                shapely.intersection(shapely.boundary(faces[neigh]), faces[f].boundary)
            )
            owner[f] = owner[neigh[np.argmax(shared)]]
            changed = True
        if not changed:
            raise RuntimeError("Voronoi tiling failed: isolated fragment")
    result = np.empty(len(pts), dtype=object)
    result[owner[face_idx]] = faces[face_idx]
    for s in np.unique(owner[np.isin(np.arange(len(faces)), face_idx, invert=True)]):
        merged = shapely.coverage_union_all(faces[owner == s])
        if merged.geom_type != "Polygon":
            raise RuntimeError("Voronoi tiling failed: merged grid is not one polygon")
        result[s] = merged
    return result


def _grid_polygons(
    rng: np.random.Generator, outline: shapely.Polygon, seat: np.ndarray, spec: _Spec
) -> np.ndarray:
    n_urban = round(spec.n_grids * spec.urban_share)
    sigma = 0.11 * np.sqrt(outline.area)
    urban = _sample_inside(rng, outline, n_urban, center=seat, sigma=sigma * 0.5)
    rural = _sample_inside(rng, outline, spec.n_grids - n_urban)
    pts = np.concatenate([urban, rural])
    # One Lloyd step evens the cells out without losing the dense core around the seat.
    cells = shapely.intersection(_voronoi_cells(pts, outline), outline)
    cent = shapely.centroid(cells)
    moved = 0.5 * pts + 0.5 * np.column_stack([shapely.get_x(cent), shapely.get_y(cent)])
    ok = shapely.contains_xy(outline, moved[:, 0], moved[:, 1])
    pts = np.where(ok[:, None], moved, pts)
    return _tile(pts, outline)


# --------------------------------------------------------------------------------------
# Areas
# --------------------------------------------------------------------------------------


@dataclass
class _Areas:
    frame: pd.DataFrame  # the areas table
    grid_code: np.ndarray
    grid_geom: np.ndarray  # shapely polygons in EPSG:4326
    grid_town: np.ndarray  # town index per grid
    grid_village: np.ndarray  # village index per grid
    grid_urban: np.ndarray
    grid_households: np.ndarray
    grid_name: np.ndarray
    town_code: np.ndarray
    town_name: np.ndarray
    town_is_street: np.ndarray
    village_code: np.ndarray
    village_name: np.ndarray  # full name incl. 村/社区
    village_town: np.ndarray
    village_is_community: np.ndarray
    village_households: np.ndarray
    village_population: np.ndarray


def _sort_key(xy: np.ndarray, band: float) -> np.ndarray:
    """Reading order: north to south in bands, then west to east."""
    return np.lexsort((xy[:, 0], -np.floor(xy[:, 1] / band)))


def _build_areas(seed: int, spec: _Spec) -> _Areas:
    outline, seat = _county_outline(_rng(seed, "outline"))
    polys = _grid_polygons(_rng(seed, "seeds"), outline, seat, spec)
    rng = _rng(seed, "areas")
    n = len(polys)
    centroids = shapely.centroid(polys)
    cent = np.column_stack([shapely.get_x(centroids), shapely.get_y(centroids)])

    # Urban core: the grids nearest the seat, split into streets by angle sectors.
    rel = cent - seat
    dist = np.hypot(rel[:, 0], rel[:, 1])
    n_urban = round(n * spec.urban_share)
    urban = np.zeros(n, dtype=bool)
    urban[np.argsort(dist, kind="stable")[:n_urban]] = True
    ang = (np.arctan2(rel[:, 1], rel[:, 0]) - rng.uniform(0, 2 * np.pi)) % (2 * np.pi)
    town = np.full(n, -1, dtype=np.int64)
    uidx = np.flatnonzero(urban)
    town[uidx[np.argsort(ang[uidx], kind="stable")]] = (
        np.arange(n_urban) * spec.n_streets // n_urban
    )
    ridx = np.flatnonzero(~urban)
    rural_labels = _kmeans(rng, cent[ridx], spec.n_towns)
    # Order rural towns north to south, west to east.
    n_rural_towns = rural_labels.max() + 1
    tc = np.stack([np.bincount(rural_labels, cent[ridx, i]) for i in range(2)], axis=1)
    tc /= np.bincount(rural_labels)[:, None]
    rank = np.empty(n_rural_towns, dtype=np.int64)
    rank[_sort_key(tc, 8_000.0)] = np.arange(n_rural_towns)
    town[ridx] = spec.n_streets + rank[rural_labels]
    n_towns = spec.n_streets + n_rural_towns
    town_is_street = np.arange(n_towns) < spec.n_streets

    # Villages / communities inside each town.
    village = np.full(n, -1, dtype=np.int64)
    v_town: list[int] = []
    v_comm: list[bool] = []
    for t in range(n_towns):
        idx = np.flatnonzero(town == t)
        per = spec.grids_per_community if town_is_street[t] else spec.grids_per_village
        labels = _kmeans(rng, cent[idx], max(1, round(len(idx) / per)))
        k = labels.max() + 1
        vc = np.stack([np.bincount(labels, cent[idx, i]) for i in range(2)], axis=1)
        vc /= np.bincount(labels)[:, None]
        is_comm = np.full(k, bool(town_is_street[t]))
        if not town_is_street[t] and rng.random() < 0.5:
            # The town seat is a community.
            centre = cent[idx].mean(axis=0)
            is_comm[np.argmin(((vc - centre) ** 2).sum(axis=1))] = True
        # Communities first, then villages, each in reading order.
        order = np.lexsort((np.argsort(_sort_key(vc, 3_000.0)), ~is_comm))
        pos = np.empty(k, dtype=np.int64)
        pos[order] = np.arange(k)
        village[idx] = len(v_town) + pos[labels]
        v_town.extend([t] * k)
        v_comm.extend(is_comm[order].tolist())
    village_town = np.array(v_town, dtype=np.int64)
    village_is_comm = np.array(v_comm, dtype=bool)
    n_villages = len(village_town)

    # Grid order: by village, then reading order inside the village.
    grid_order = np.lexsort((np.argsort(_sort_key(cent, 500.0)), village))
    polys, cent, urban = polys[grid_order], cent[grid_order], urban[grid_order]
    town, village = town[grid_order], village[grid_order]

    # Codes.
    town_code = np.empty(n_towns, dtype=object)
    street_no = 0
    town_no = 0
    for t in range(n_towns):
        if town_is_street[t]:
            street_no += 1
            town_code[t] = f"{COUNTY_CODE}{street_no:03d}"
        else:
            town_code[t] = f"{COUNTY_CODE}{100 + town_no:03d}"
            town_no += 1
    village_code = np.empty(n_villages, dtype=object)
    for t in range(n_towns):
        comm_no, vil_no = 0, 0
        for v in np.flatnonzero(village_town == t):
            if village_is_comm[v]:
                comm_no += 1
                village_code[v] = f"{town_code[t]}{comm_no:03d}"
            else:
                village_code[v] = f"{town_code[t]}{200 + vil_no:03d}"
                vil_no += 1
    first_of_village = np.searchsorted(village, np.arange(n_villages))
    grid_no = np.arange(n) - first_of_village[village] + 1
    grid_code = np.array(
        [f"{village_code[v]}{k:03d}" for v, k in zip(village, grid_no, strict=True)], dtype=object
    )

    # Names.
    nrng = _rng(seed, "names")
    stems = _name_pool(nrng, _place_names(), n_towns)
    town_name = np.array(
        [s + ("街道" if town_is_street[t] else "镇") for t, s in enumerate(stems)], dtype=object
    )
    vnames = iter(_name_pool(nrng, _village_names(), int((~village_is_comm).sum())))
    cnames = iter(_name_pool(nrng, _community_names(), int(village_is_comm.sum())))
    village_name = np.array(
        [next(cnames) + "社区" if c else next(vnames) + "村" for c in village_is_comm],
        dtype=object,
    )
    grid_name = np.array(
        [f"{village_name[v]}第{k}网格" for v, k in zip(village, grid_no, strict=True)],
        dtype=object,
    )

    # Households and population.
    hh = (
        np.where(
            urban,
            np.clip(rng.lognormal(np.log(200.0), 0.40, n), 100, 600),
            np.clip(rng.lognormal(np.log(72.0), 0.30, n), 40, 180),
        )
        .round()
        .astype(np.int64)
    )
    pop = np.round(hh * np.where(urban, 2.55, 2.8) * rng.uniform(0.92, 1.08, n)).astype(np.int64)
    v_hh = np.bincount(village, hh, minlength=n_villages).astype(np.int64)
    v_pop = np.bincount(village, pop, minlength=n_villages).astype(np.int64)
    t_hh = np.bincount(village_town, v_hh, minlength=n_towns).astype(np.int64)
    t_pop = np.bincount(village_town, v_pop, minlength=n_towns).astype(np.int64)

    to_geo = Transformer.from_crs(WORK_CRS, GEOM_CRS, always_xy=True)
    geo = shapely.transform(polys, lambda xy: np.column_stack(to_geo.transform(xy[:, 0], xy[:, 1])))
    wkb = shapely.to_wkb(geo, output_dimension=2)

    frame = pd.DataFrame(
        {
            "code": np.concatenate([[COUNTY_CODE], town_code, village_code, grid_code]),
            "name": np.concatenate([[COUNTY_NAME], town_name, village_name, grid_name]),
            "level": np.repeat(np.array(schema.LEVELS, dtype=object), [1, n_towns, n_villages, n]),
            "parent_code": np.concatenate(
                [
                    [None],
                    np.full(n_towns, COUNTY_CODE, dtype=object),
                    town_code[village_town],
                    village_code[village],
                ]
            ),
            "households": np.concatenate([[t_hh.sum()], t_hh, v_hh, hh]).astype(np.int64),
            "population": np.concatenate([[t_pop.sum()], t_pop, v_pop, pop]).astype(np.int64),
            "geom": np.concatenate([np.full(1 + n_towns + n_villages, None, dtype=object), wkb]),
            "geom_crs": np.concatenate(
                [
                    np.full(1 + n_towns + n_villages, None, dtype=object),
                    np.full(n, GEOM_CRS, dtype=object),
                ]
            ),
            "geom_source": np.concatenate(
                [
                    np.full(1 + n_towns + n_villages, None, dtype=object),
                    np.full(n, "generated", dtype=object),
                ]
            ),
        }
    )
    return _Areas(
        frame=frame,
        grid_code=grid_code,
        grid_geom=geo,
        grid_town=town,
        grid_village=village,
        grid_urban=urban,
        grid_households=hh,
        grid_name=grid_name,
        town_code=town_code,
        town_name=town_name,
        town_is_street=town_is_street,
        village_code=village_code,
        village_name=village_name,
        village_town=village_town,
        village_is_community=village_is_comm,
        village_households=v_hh,
        village_population=v_pop,
    )


# --------------------------------------------------------------------------------------
# Case categories
# --------------------------------------------------------------------------------------


@dataclass
class _Categories:
    frame: pd.DataFrame
    minor_code: np.ndarray
    minor_name: np.ndarray
    minor_major: np.ndarray  # major index per minor
    sla_hours: np.ndarray  # per minor
    p_urban: np.ndarray  # probability per minor for an urban case
    p_rural: np.ndarray
    units: list[tuple[str, ...]]  # unit templates per minor


def _build_categories(seed: int) -> _Categories:
    rng = _rng(seed, "categories")
    rows: list[tuple[str, str, str, str | None, float]] = []
    codes: list[str] = []
    names: list[str] = []
    majors: list[int] = []
    slas: list[float] = []
    units: list[tuple[str, ...]] = []
    w_urban: list[float] = []
    w_rural: list[float] = []
    for m, (code, zh, en, sla, weight, wu, wr, templates) in enumerate(_MAJORS):
        rows.append((code, zh, en, None, float(sla)))
        minors = _MINORS[code]
        share = rng.gamma(2.0, 1.0, len(minors))
        share /= share.sum()
        for j, spec in enumerate(minors):
            mcode = f"{code}{j + 1:02d}"
            msla = float(spec[2]) if len(spec) > 2 else float(sla)
            rows.append((mcode, spec[0], spec[1], code, msla))
            codes.append(mcode)
            names.append(spec[0])
            majors.append(m)
            slas.append(msla)
            units.append(tuple(str(spec[3] if len(spec) > 3 else templates).split("|")))
            w_urban.append(weight * wu * share[j])
            w_rural.append(weight * wr * share[j])
    frame = pd.DataFrame(rows, columns=["code", "name", "name_en", "parent_code", "sla_hours"])
    pu = np.array(w_urban)
    pr = np.array(w_rural)
    return _Categories(
        frame=frame,
        minor_code=np.array(codes, dtype=object),
        minor_name=np.array(names, dtype=object),
        minor_major=np.array(majors, dtype=np.int64),
        sla_hours=np.array(slas),
        p_urban=pu / pu.sum(),
        p_rural=pr / pr.sum(),
        units=units,
    )


def _unit_table(cats: _Categories, areas: _Areas) -> tuple[np.ndarray, np.ndarray]:
    """Handling units as a (minor, template, town) table and the template count per minor."""
    n_templates = np.array([len(u) for u in cats.units], dtype=np.int64)
    table = np.empty((len(cats.units), n_templates.max(), len(areas.town_code)), dtype=object)
    for t, town in enumerate(areas.town_name):
        stem = town.removesuffix("街道").removesuffix("镇")
        gov = town + ("办事处" if areas.town_is_street[t] else "政府")
        for c, templates in enumerate(cats.units):
            for k, tpl in enumerate(templates):
                table[c, k, t] = tpl.format(town=town, stem=stem, gov=gov)
    return table, n_templates


# --------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------


@dataclass
class _TownProfile:
    load: np.ndarray  # relative number of cases per household
    speed: np.ndarray  # multiplier on resolution time (>1 slower)
    late: np.ndarray  # probability that a case runs past its SLA
    stuck: np.ndarray  # relative probability that a case gets stuck
    reopen: np.ndarray  # probability of a reopen


def _town_profile(rng: np.random.Generator, areas: _Areas) -> _TownProfile:
    n = len(areas.town_code)
    rural = np.flatnonzero(~areas.town_is_street)
    n_slow = max(2, round(0.2 * n))
    slow = np.zeros(n, dtype=bool)
    slow[rng.choice(rural, size=min(n_slow, len(rural)), replace=False)] = True
    speed = np.where(slow, rng.uniform(1.5, 2.0, n), rng.uniform(0.65, 1.0, n))
    badness = np.where(slow, rng.uniform(1.6, 2.2, n), rng.uniform(0.6, 1.1, n))
    load = rng.lognormal(0.0, 0.2, n) * np.where(areas.town_is_street, 1.15, 1.0)
    return _TownProfile(
        load=load,
        speed=speed,
        late=np.clip(0.065 * badness, 0.0, 0.3),
        stuck=badness,
        reopen=np.clip(0.035 * badness, 0.0, 0.2),
    )


def _sample_points(
    rng: np.random.Generator, geoms: np.ndarray, which: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One uniform point inside geoms[which[i]] for every i (rejection sampling)."""
    bounds = shapely.bounds(geoms)
    x = np.empty(len(which))
    y = np.empty(len(which))
    todo = np.arange(len(which))
    shapely.prepare(geoms)
    for _ in range(60):
        if len(todo) == 0:
            break
        b = bounds[which[todo]]
        px = b[:, 0] + rng.random(len(todo)) * (b[:, 2] - b[:, 0])
        py = b[:, 1] + rng.random(len(todo)) * (b[:, 3] - b[:, 1])
        ok = shapely.contains_xy(geoms[which[todo]], px, py)
        x[todo[ok]] = px[ok]
        y[todo[ok]] = py[ok]
        todo = todo[~ok]
    if len(todo):
        rep = shapely.point_on_surface(geoms[which[todo]])
        x[todo] = shapely.get_x(rep)
        y[todo] = shapely.get_y(rep)
    return x, y


def _build_cases(
    seed: int, spec: _Spec, as_of: dt.date, areas: _Areas, cats: _Categories
) -> pd.DataFrame:
    rng = _rng(seed, "cases")
    prof = _town_profile(rng, areas)
    start = _years_before(as_of, spec.years)
    n_days = (as_of - start).days
    day = np.arange(n_days)
    dates = np.datetime64(start, "D") + day
    epoch_days = dates.astype(np.int64)
    weekday = (epoch_days + 3) % 7  # 1970-01-01 was a Thursday
    doy = (dates - dates.astype("datetime64[Y]")).astype(np.int64)
    lam = (
        _WEEKDAY_FACTOR[weekday]
        * (1.0 + 0.12 * np.sin(2.0 * np.pi * (doy - 105) / 365.25))
        * (1.0 + 0.03 * (day - n_days / 2) / 365.25)
    )
    counts = rng.multinomial(spec.cases_total, lam / lam.sum())
    n = int(counts.sum())
    cday = np.repeat(day, counts)

    source = rng.choice(len(schema.SOURCES), size=n, p=_SOURCE_P / _SOURCE_P.sum())
    patrol = source == schema.SOURCES.index("terminal")
    hour = np.where(
        patrol,
        rng.choice(24, size=n, p=_HOURS_PATROL / _HOURS_PATROL.sum()),
        rng.choice(24, size=n, p=_HOURS_RESIDENT / _HOURS_RESIDENT.sum()),
    )
    rep_s = cday * 86_400 + hour * 3_600 + rng.integers(0, 3_600, n)
    order = np.argsort(rep_s, kind="stable")
    rep_s, source, cday, patrol = rep_s[order], source[order], cday[order], patrol[order]
    as_of_s = n_days * 86_400

    # Where and what.
    w = areas.grid_households * prof.load[areas.grid_town] * np.where(areas.grid_urban, 1.1, 1.0)
    grid = rng.choice(len(w), size=n, p=w / w.sum())
    town = areas.grid_town[grid]
    urban = areas.grid_urban[grid]
    u = rng.random(n)
    cat = np.where(
        urban,
        np.searchsorted(np.cumsum(cats.p_urban), u),
        np.searchsorted(np.cumsum(cats.p_rural), u),
    )
    cat = np.minimum(cat, len(cats.minor_code) - 1)
    sla = cats.sla_hours[cat]

    # Resolution time: on time for most (faster in fast towns and on patrol), a long tail
    # for the cases that run late; the tail is scaled so that the mean is 24 h.
    reopen = (rng.random(n) < prof.reopen[town]).astype(np.int64)
    reopen += (reopen > 0) & (rng.random(n) < 0.15)
    late = rng.random(n) < prof.late[town]
    frac = _expit(rng.normal(np.log(0.33 / 0.67), 0.85, n))
    r_on = sla * prof.speed[town] * frac * np.where(patrol, 0.6, 1.0) * (1.0 + 0.5 * reopen)
    r_on = np.maximum(r_on, 0.2)
    tail = rng.lognormal(0.0, 1.1, n)
    # Stuck cases: more of them recent, more in weak towns.
    age_days = (as_of_s - rep_s) / 86_400
    p_stuck = prof.stuck[town] * (0.3 + 2.0 * np.exp(-age_days / 45.0))
    p_stuck *= _STUCK_SHARE / p_stuck.mean()
    stuck = rng.random(n) < p_stuck
    stuck_at = rng.choice(3, size=n, p=[0.1, 0.25, 0.65])
    # Scale the tail so that the mean over the cases resolved by the as-of instant is 24 h
    # (a few fixed-point rounds: which cases are resolved depends on the scale).
    resolved = ~stuck
    hours = r_on
    for _ in range(4):
        on_sum = r_on[resolved & ~late].sum()
        late_base = sla[resolved & late].sum()
        late_tail = (sla * tail)[resolved & late].sum()
        k = (_TARGET_MEAN_HOURS * resolved.sum() - on_sum - late_base) / max(late_tail, 1e-9)
        k = float(np.clip(k, 0.2, 20.0))
        hours = np.where(late, sla * (1.0 + k * tail), r_on)
        resolved = ~stuck & (rep_s + np.ceil(hours * 3_600) < as_of_s)

    accept = np.minimum(
        np.clip(rng.lognormal(np.log(720.0), 0.9, n), 60, 7_200), 0.2 * hours * 3600
    )
    dispatch = np.minimum(
        np.clip(rng.lognormal(np.log(2_100.0), 0.9, n), 60, 21_600), 0.3 * hours * 3600
    )
    close = np.minimum(rng.exponential(10 * 3_600.0, n), 72 * 3_600.0)
    steps = np.empty((n, 5), dtype=np.int64)
    steps[:, 0] = rep_s
    steps[:, 1] = rep_s + np.floor(accept).astype(np.int64)
    steps[:, 2] = steps[:, 1] + np.floor(dispatch).astype(np.int64)
    steps[:, 3] = rep_s + np.ceil(hours * 3_600).astype(np.int64)
    steps[:, 4] = steps[:, 3] + np.floor(close).astype(np.int64)

    # Cases stop at their stuck step or at the last step before the as-of instant.
    level = np.where(stuck, stuck_at, 4)
    level = np.minimum(level, (steps < as_of_s).sum(axis=1) - 1)
    reached = np.arange(5)[None, :] <= level[:, None]

    base = np.datetime64(start, "s")
    ts = np.where(reached, base + steps.astype("timedelta64[s]"), np.datetime64("NaT", "s"))
    due = base + (rep_s + np.round(sla * 3_600).astype(np.int64)).astype("timedelta64[s]")
    updated = base + steps[np.arange(n), level].astype("timedelta64[s]")

    # Follow-up satisfaction, after closing.
    closed = level == 4
    lateness = np.clip(hours / sla - 1.0, 0.0, 3.0)
    score = rng.normal(1.0, 1.0, n) - 0.6 * lateness - 0.6 * reopen
    satisfaction = 1 + np.searchsorted(np.array([-1.05, -0.645, -0.13, 0.75]), score)
    followed = closed & (rng.random(n) < 0.9)
    sat = pd.array(np.where(followed, satisfaction, 0), dtype="Int64")
    sat[~followed] = pd.NA

    # Handling unit (once dispatched), reporter (app and hotline), summary, point.
    unit_table, n_templates = _unit_table(cats, areas)
    kidx = np.floor(rng.random(n) * n_templates[cat]).astype(np.int64)
    unit = unit_table[cat, kidx, town]
    unit = np.where(level >= 2, unit, None)
    personal = np.isin(source, [schema.SOURCES.index("app"), schema.SOURCES.index("hotline")])
    names = _person_names(rng, n)
    phones = _phones(rng, n)
    reporter_name = np.where(personal, names, None)
    reporter_phone = np.where(personal, phones, None)
    prefix = np.array(
        ["", "网格员巡查发现", "12345热线转办：", "部门移交：", "领导交办：", ""], dtype=object
    )
    suffix = np.array(["问题反映", "问题", "问题", "事项", "事项", "问题反映"], dtype=object)
    vname = areas.village_name[areas.grid_village[grid]]
    summary = prefix[source] + vname + cats.minor_name[cat] + suffix[source]
    has_point = rng.random(n) < 0.85
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    lon[has_point], lat[has_point] = _sample_points(
        _rng(seed, "points"), areas.grid_geom, grid[has_point]
    )

    # Ids: C<year>-<sequence within the year>, in order of report.
    year = dates[cday].astype("datetime64[Y]").astype(np.int64) + 1970
    first = np.searchsorted(year, year, side="left")
    seq = np.arange(n) - first + 1
    ids = np.strings.add(
        np.strings.add("C", year.astype(str)),
        np.strings.add("-", np.strings.zfill(seq.astype(str), 6)),
    ).astype(object)

    us = "datetime64[us]"
    return pd.DataFrame(
        {
            "id": ids,
            "source": np.array(schema.SOURCES, dtype=object)[source],
            "category_code": cats.minor_code[cat],
            "area_code": areas.grid_code[grid],
            "lon": lon,
            "lat": lat,
            "reported_at": ts[:, 0].astype(us),
            "accepted_at": ts[:, 1].astype(us),
            "dispatched_at": ts[:, 2].astype(us),
            "resolved_at": ts[:, 3].astype(us),
            "closed_at": ts[:, 4].astype(us),
            "due_at": due.astype(us),
            "status": np.array(schema.STATUSES, dtype=object)[level],
            "satisfaction": sat,
            "reopen_count": reopen.astype(np.int64),
            "handling_unit": unit,
            "reporter_name": reporter_name,
            "reporter_phone": reporter_phone,
            "summary": summary,
            "updated_at": updated.astype(us),
        }
    )


# --------------------------------------------------------------------------------------
# Party organisation and digital coverage
# --------------------------------------------------------------------------------------


def _rank_within(groups: np.ndarray, key: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """0-based rank of each masked row inside its group by descending key (-1 elsewhere)."""
    idx = np.flatnonzero(mask)
    order = idx[np.lexsort((-key[idx], groups[idx]))]
    g = groups[order]
    start = np.r_[0, np.flatnonzero(np.diff(g)) + 1]
    run = np.repeat(start, np.diff(np.r_[start, len(g)]))
    rank = np.full(len(groups), -1, dtype=np.int64)
    rank[order] = np.arange(len(order)) - run
    return rank


def _build_party(seed: int, spec: _Spec, as_of: dt.date, areas: _Areas) -> dict[str, pd.DataFrame]:
    rng = _rng(seed, "party")
    nb = len(areas.village_code)
    comm = areas.village_is_community
    hh = areas.village_households
    branch_id = np.strings.add("B", areas.village_code.astype(str)).astype(object)
    general = comm | (hh >= np.quantile(hh, 0.8))
    kind = np.where(general, "general", "branch").astype(object)
    bname = areas.village_name + np.where(general, "党总支", "党支部").astype(object)
    branches = pd.DataFrame(
        {"id": branch_id, "name": bname, "kind": kind, "area_code": areas.village_code}
    )

    n_grid = len(areas.grid_code)
    workers = pd.DataFrame(
        {
            "id": np.strings.add("W", areas.grid_code.astype(str)).astype(object),
            "grid_code": areas.grid_code,
            "name": _person_names(rng, n_grid),
            "phone": _phones(rng, n_grid),
        }
    )
    groups = pd.DataFrame(
        {
            "id": np.strings.add("G", areas.grid_code.astype(str)).astype(object),
            "name": areas.grid_name + "党小组",
            "grid_code": areas.grid_code,
            "branch_id": branch_id[areas.grid_village],
        }
    )

    # Latent capacity per branch: town effect, own effect, urban bonus.
    town_eff = rng.normal(0.0, 0.6, len(areas.town_code))
    cap = town_eff[areas.village_town] + rng.normal(0.0, 0.8, nb) + 0.5 * comm
    cap = (cap - cap.mean()) / cap.std()

    pct = (np.argsort(np.argsort(hh, kind="stable"), kind="stable") + 0.5) / nb
    n_last = np.clip(np.round(25 + 35 * pct + rng.normal(0, 3, nb)), 25, 60).astype(np.int64)
    mob_share = np.clip(rng.normal(np.where(comm, 0.07, 0.13), 0.03), 0.02, 0.25)
    n_mobile = rng.binomial(n_last, mob_share)

    n_months = 12 * spec.years
    last_month = (as_of - dt.timedelta(days=1)).replace(day=1)  # holds as_of - 1 s
    months = [_add_months(last_month, m - n_months + 1) for m in range(n_months)]
    tau = np.linspace(0.0, 1.0, n_months)[None, :]
    c = cap[:, None]

    def level(mu: float, slope: float, g0: float, g1: float, noise: float) -> np.ndarray:
        walk = np.cumsum(rng.normal(0.0, noise, (nb, n_months)), axis=1) / np.sqrt(n_months)
        return mu + slope * c + (g0 + g1 * c) * 2.0 * tau + walk + rng.normal(0, 0.1, (nb, 1))

    # Up to three members join during the period (month index; 0 = present throughout).
    joins = rng.integers(0, n_months + 6, (nb, 3))
    joins[joins >= n_months] = 0
    members = n_last[:, None] - (joins[:, None, :] > np.arange(n_months)[None, :, None]).sum(2)
    members = np.maximum(members, n_mobile[:, None] + 1)
    reg = np.round(members * _expit(level(0.9, 0.8, 0.35, 0.6, 0.3))).astype(np.int64)
    reg = np.clip(reg, 0, members)
    act = np.round(members * _expit(level(-0.1, 0.9, 0.3, 0.7, 0.3))).astype(np.int64)
    act = np.clip(act, 0, reg)
    study = np.round(np.clip(_expit(level(0.4, 0.8, 0.3, 0.7, 0.3)), 0, 1), 3)
    meet = rng.binomial(4, _expit(level(1.0, 0.8, 0.3, 0.7, 0.3)))
    v_hh = np.repeat(hh[:, None], n_months, axis=1)
    bb = rng.binomial(v_hh, _expit(level(0.3, 0.5, 0.5, 0.35, 0.2) + 1.2 * comm[:, None]))
    app = rng.binomial(v_hh, _expit(level(-3.3, 0.3, 0.3, 0.25, 0.2) + 0.9 * comm[:, None]))
    switch = np.where(comm, -1, rng.integers(0, 2 * n_months, nb) - np.round(6 * cap))
    has_5g = np.arange(n_months)[None, :] >= switch[:, None]
    mob = np.minimum(n_mobile[:, None], members)
    mob_act = rng.binomial(mob, _expit(level(-0.6, 0.8, 0.3, 0.6, 0.3)))
    mob_act = np.clip(mob_act, np.maximum(0, act - (members - mob)), np.minimum(mob, act))

    upd = [
        dt.datetime.combine(_add_months(m, 1), dt.time(3))
        if m != last_month
        else dt.datetime.combine(as_of - dt.timedelta(days=1), dt.time(3))
        for m in months
    ]
    coverage = pd.DataFrame(
        {
            "branch_id": np.repeat(branch_id, n_months),
            "month": np.tile(np.array(months, dtype=object), nb),
            "members": members.ravel(),
            "registered": reg.ravel(),
            "active_30d": act.ravel(),
            "study_completion": study.ravel(),
            "meetings_required": np.full(nb * n_months, 4, dtype=np.int64),
            "meetings_recorded": meet.ravel().astype(np.int64),
            "households": v_hh.ravel().astype(np.int64),
            "broadband_households": bb.ravel().astype(np.int64),
            "has_5g": has_5g.ravel(),
            "app_users": app.ravel().astype(np.int64),
            "mobile_members": mob.ravel().astype(np.int64),
            "mobile_active": mob_act.ravel().astype(np.int64),
            "updated_at": np.tile(np.array(upd, dtype="datetime64[us]"), nb),
        }
    )

    # Members, consistent with the last month: counts of mobile, registered, active.
    b = np.repeat(np.arange(nb), n_last)
    m_total = len(b)
    seq = np.arange(m_total) - np.repeat(np.cumsum(n_last) - n_last, n_last) + 1
    ids = np.strings.add(
        np.strings.add("P", areas.village_code[b].astype(str)),
        np.strings.zfill(seq.astype(str), 3),
    ).astype(object)
    everyone = np.ones(m_total, dtype=bool)
    is_mobile = _rank_within(b, rng.random(m_total), everyone) < n_mobile[b]
    max_birth = min(2000, as_of.year - 19)
    birth = (
        np.round(rng.normal(np.where(comm[b], 1974.0, 1963.0) + 12.0 * is_mobile, 13.0))
        .clip(1940, max_birth)
        .astype(np.int64)
    )
    joined = (birth + 18 + np.floor(rng.exponential(12.0, m_total))).astype(np.int64)
    joined = np.clip(joined, birth + 18, as_of.year)
    age_w = np.exp(-0.04 * (as_of.year - birth - 50))
    key = np.log(rng.random(m_total)) / age_w  # weighted draw without replacement (younger first)
    a_last, r_last, ma_last = act[:, -1], reg[:, -1], mob_act[:, -1]
    active = np.where(
        is_mobile,
        _rank_within(b, key, is_mobile) < ma_last[b],
        _rank_within(b, key, ~is_mobile) < (a_last - ma_last)[b],
    )
    registered = active | (_rank_within(b, key, ~active) < (r_last - a_last)[b])
    as_of_dt = np.datetime64(as_of, "s")
    recent = rng.integers(60, 30 * 86_400, m_total).astype("timedelta64[s]")
    older = (30 * 86_400 + rng.exponential(60 * 86_400, m_total)).astype("timedelta64[s]")
    last_active = np.where(
        active, as_of_dt - recent, np.where(registered, as_of_dt - older, np.datetime64("NaT"))
    )
    members_frame = pd.DataFrame(
        {
            "id": ids,
            "branch_id": branch_id[b],
            "name": _person_names(rng, m_total),
            "phone": _phones(rng, m_total),
            "birth_year": birth,
            "joined_year": joined,
            "is_mobile": is_mobile,
            "registered": registered,
            "last_active_at": last_active.astype("datetime64[us]"),
        }
    )
    return {
        "grid_workers": workers,
        "party_branches": branches,
        "grid_party_groups": groups,
        "party_members": members_frame,
        "coverage_monthly": coverage,
    }


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


def build_demo_areas(seed: int = 7, scale: Scale = "reference") -> pd.DataFrame:
    """Only the ``areas`` table of the demo (grid polygons included), without cases: what the
    map layers need, fast enough for tests at large scale."""
    return _build_areas(seed, _SPECS[scale]).frame.copy()


def build_demo(
    seed: int = 7, as_of: dt.date | None = None, scale: Scale = "reference"
) -> dict[str, pd.DataFrame]:
    """Generate a synthetic county with every shared table of :mod:`dashboard.schema`.

    Parameters
    ----------
    seed : int
        Seed of the generator (non-negative); the same seed, as-of date and scale give
        identical frames.
    as_of : datetime.date, optional
        The data are as of this date at 00:00 (naive local time); nothing lies at or after
        that instant. Default: today.
    scale : {"reference", "large"}
        ``"reference"``: the reference county (13 towns/streets, 844 grids, ~20,000 cases a
        year over 2 years). ``"large"``: 30 towns/streets, 5,000 grids and 1,000,000 cases
        over 3 years, for benchmarks.

    Returns
    -------
    dict of str to pandas.DataFrame
        Keyed by table name, each frame with exactly that table's columns.
    """
    if scale not in _SPECS:
        raise ValueError(f"unknown scale {scale!r}")
    if isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    if as_of is None:
        as_of = dt.date.today()
    spec = _SPECS[scale]
    areas = _build_areas(seed, spec)
    cats = _build_categories(seed)
    frames: dict[str, pd.DataFrame] = {
        "areas": areas.frame,
        "area_paths": build_area_paths(areas.frame[["code", "parent_code"]]),
        "case_categories": cats.frame,
    }
    frames.update(_build_party(seed, spec, as_of, areas))
    frames["cases"] = _build_cases(seed, spec, as_of, areas, cats)
    meta = {
        "as_of": f"{as_of.isoformat()}T00:00:00",
        "synthetic": "1",
        "seed": str(seed),
        "scale": scale,
        "generator": GENERATOR,
        "source_zh": "演示数据（模拟）",
        "source_en": "Demo data (synthetic)",
    }
    frames["dataset_meta"] = pd.DataFrame({"key": list(meta), "value": list(meta.values())})
    out: dict[str, pd.DataFrame] = {}
    for name in TABLE_ORDER:
        columns = [c.name for c in schema.metadata.tables[name].columns]
        out[name] = frames[name][columns].reset_index(drop=True)
    return out


_CHUNK_ROWS = 100_000


@functools.cache
def _time_of_day_text() -> np.ndarray:
    """ " HH:MM:SS.000000" for every second of the day."""
    sec = np.arange(86_400)

    def two(x: np.ndarray) -> np.ndarray:
        return np.strings.zfill(x.astype(str), 2)

    text = np.strings.add(" ", two(sec // 3600))
    text = np.strings.add(np.strings.add(text, ":"), two(sec // 60 % 60))
    text = np.strings.add(np.strings.add(text, ":"), two(sec % 60))
    return np.strings.add(text, ".000000").astype(object)


def _datetime_text(stamps: np.ndarray, null: np.ndarray) -> np.ndarray:
    """ "YYYY-MM-DD HH:MM:SS.ffffff" per datetime64[us] value (SQLAlchemy's SQLite storage
    format, also valid PostgreSQL input); whole seconds take a fast path."""
    micros = np.where(null, 0, stamps.view(np.int64))
    secs, frac = np.divmod(micros, 1_000_000)
    if frac.any():
        text = np.datetime_as_string(np.where(null, np.datetime64(0, "us"), stamps), unit="us")
        return np.strings.replace(text, "T", " ").astype(object)
    days, second = np.divmod(secs, 86_400)
    unique_days, inverse = np.unique(days, return_inverse=True)
    day_text = np.datetime_as_string(unique_days.astype("datetime64[D]"), unit="D")
    return day_text.astype(object)[inverse.ravel()] + _time_of_day_text()[second]


def _column_values(series: pd.Series, column: sa.Column[Any], dialect: sa.Dialect) -> list[Any]:
    """Python values of one column, ready for the DBAPI (NULL as None)."""
    kind = column.type
    null = np.asarray(series.isna(), dtype=bool)
    text_dates = dialect.name in ("sqlite", "postgresql")
    values: np.ndarray
    if isinstance(kind, sa.DateTime):
        stamps = pd.to_datetime(series).to_numpy(dtype="datetime64[us]")
        if not text_dates:
            values = stamps.astype(object)
        else:
            values = _datetime_text(stamps, null)
            process = kind.dialect_impl(dialect).bind_processor(dialect)
            if process is not None and (~null).any():
                # Store exactly the text SQLAlchemy itself would, or let it do the work.
                first = stamps[~null][0].astype(object)
                if process(first) != values[~null][0]:
                    values = np.array([process(v) for v in stamps.astype(object)], dtype=object)
    elif isinstance(kind, sa.Date):
        days = pd.to_datetime(series).to_numpy(dtype="datetime64[D]")
        if text_dates:
            values = np.datetime_as_string(days, unit="D").astype(object)
        else:
            values = days.astype(object)
    elif isinstance(kind, sa.Boolean):
        flags = series.fillna(False).to_numpy(dtype=bool)
        values = (flags.astype(np.int64) if dialect.name == "sqlite" else flags).astype(object)
    elif isinstance(kind, sa.Integer):
        values = series.fillna(0).to_numpy(dtype=np.int64).astype(object)
    elif isinstance(kind, sa.Float):
        values = series.fillna(0.0).to_numpy(dtype=np.float64).astype(object)
    elif isinstance(kind, sa.LargeBinary):
        raw = series.to_numpy(dtype=object)
        values = np.array(
            [None if n else bytes(v) for v, n in zip(raw, null, strict=True)], dtype=object
        )
    else:
        values = series.to_numpy(dtype=object).copy()
    values[null] = None
    return values.tolist()


def _row_chunks(
    frame: pd.DataFrame, table: sa.Table, cols: list[str], dialect: sa.Dialect
) -> Iterator[list[tuple[Any, ...]]]:
    """Rows as DBAPI-ready tuples, _CHUNK_ROWS at a time (bounded memory)."""
    for start in range(0, len(frame), _CHUNK_ROWS):
        part = frame.iloc[start : start + _CHUNK_ROWS]
        data = [_column_values(part[c], table.c[c], dialect) for c in cols]
        yield list(zip(*data, strict=True))


def _ordered(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of self-referencing tables with parents first."""
    if name == "areas":
        rank = frame["level"].map({lvl: i for i, lvl in enumerate(schema.LEVELS)})
        return frame.iloc[np.argsort(rank.to_numpy(), kind="stable")]
    if name == "case_categories":
        return frame.iloc[np.argsort(frame["parent_code"].notna().to_numpy(), kind="stable")]
    return frame


def write_demo(engine: sa.Engine, frames: dict[str, pd.DataFrame]) -> None:
    """Insert demo frames into the (already created, empty) tables in one transaction.

    Tables are loaded in foreign-key order (:func:`queries.bulk.write_tables`: executemany
    on SQLite, ``COPY ... FROM STDIN`` on PostgreSQL, large tables with their secondary
    indexes detached). NaN/NaT/NA become NULL; numpy scalars become Python values.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        Engine of the target database.
    frames : dict of str to pandas.DataFrame
        Frames keyed by table name, as returned by :func:`build_demo`; tables of
        :mod:`dashboard.schema` only.
    """
    from queries.bulk import TableLoad, write_tables

    unknown = sorted(set(frames) - set(schema.metadata.tables))
    if unknown:
        raise ValueError(f"unknown tables: {', '.join(unknown)}")
    names = [t for t in TABLE_ORDER if t in frames] + sorted(set(frames) - set(TABLE_ORDER))
    loads = []
    for name in names:
        table = schema.metadata.tables[name]
        frame = _ordered(name, frames[name])
        cols = [c.name for c in table.columns if c.name in frame.columns]
        if frame.empty or not cols:
            continue
        loads.append(TableLoad(table, cols, len(frame),
                               functools.partial(_row_chunks, frame, table, cols)))
    write_tables(engine, loads)
