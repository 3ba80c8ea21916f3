"""The shared schema: every table the dashboard reads or writes, in one place.

The case-handling platform, the party-member system and this project's importer write the
shared tables; the dashboard itself writes only ``users``, ``audit_log``, ``dataset_meta``
and (later) warning snapshots. Alembic migrations in ``dashboard/migrations`` create and
upgrade these tables in place; a test checks that the migrations and this module agree.

Timestamps are naive local time of the county (Asia/Shanghai): the platforms that write them
do so, and comparisons stay index-friendly on both SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
)

#: Levels of the area tree, top to bottom. Households are counted, never mapped.
LEVELS: tuple[str, ...] = ("county", "town", "village", "grid")

#: Case sources a county platform typically has (DOMAIN.md).
SOURCES: tuple[str, ...] = ("app", "terminal", "hotline", "department", "leader", "other")

#: Steps of a case, in order.
STATUSES: tuple[str, ...] = ("reported", "accepted", "dispatched", "resolved", "closed")

ROLES: tuple[str, ...] = ("county", "town", "village", "analyst", "kiosk")

naming = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=naming)

areas = Table(
    "areas",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("level", String(10), nullable=False),
    Column("parent_code", String(40), ForeignKey("areas.code"), nullable=True),
    Column("households", Integer, nullable=True),
    Column("population", Integer, nullable=True),
    # Polygon as WKB in the CRS named by geom_crs (e.g. "EPSG:4326"); grids always carry one,
    # higher levels only when imported (otherwise they are derived by dissolving grids).
    Column("geom", LargeBinary, nullable=True),
    Column("geom_crs", String(40), nullable=True),
    Column("geom_source", String(20), nullable=True),
    CheckConstraint("level IN ('county','town','village','grid')", name="level"),
)
Index(None, areas.c.parent_code)
Index(None, areas.c.level)

#: Closure of the area tree: one row per (ancestor, descendant) including (a, a) at depth 0.
#: Scoping any query to a subtree is one indexed semi-join on this table, whatever the
#: shape of the codes (real codes are not always prefixes of their children's).
area_paths = Table(
    "area_paths",
    metadata,
    Column("ancestor_code", String(40), ForeignKey("areas.code"), primary_key=True),
    Column("descendant_code", String(40), ForeignKey("areas.code"), primary_key=True),
    Column("depth", SmallInteger, nullable=False),
)
Index(None, area_paths.c.descendant_code, area_paths.c.ancestor_code)

grid_workers = Table(
    "grid_workers",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("grid_code", String(40), ForeignKey("areas.code"), nullable=False),
    Column("name", String(50), nullable=False),  # personal
    Column("phone", String(20), nullable=True),  # personal
)
Index(None, grid_workers.c.grid_code)

party_branches = Table(
    "party_branches",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("kind", String(20), nullable=False, default="branch"),  # branch / general
    Column("area_code", String(40), ForeignKey("areas.code"), nullable=False),  # village
)
Index(None, party_branches.c.area_code)

grid_party_groups = Table(
    "grid_party_groups",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("grid_code", String(40), ForeignKey("areas.code"), nullable=False),
    Column("branch_id", String(40), ForeignKey("party_branches.id"), nullable=False),
)
Index(None, grid_party_groups.c.grid_code)

party_members = Table(
    "party_members",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("branch_id", String(40), ForeignKey("party_branches.id"), nullable=False),
    Column("name", String(50), nullable=False),  # personal
    Column("phone", String(20), nullable=True),  # personal
    Column("birth_year", SmallInteger, nullable=True),  # personal
    Column("joined_year", SmallInteger, nullable=True),  # personal
    Column("is_mobile", Boolean, nullable=False, default=False),  # floating member
    Column("registered", Boolean, nullable=False, default=False),  # on the platform
    Column("last_active_at", DateTime, nullable=True),
)
Index(None, party_members.c.branch_id)

case_categories = Table(
    "case_categories",
    metadata,
    Column("code", String(20), primary_key=True),
    Column("name", String(60), nullable=False),
    Column("name_en", String(80), nullable=True),
    Column("parent_code", String(20), ForeignKey("case_categories.code"), nullable=True),
    Column("sla_hours", Float, nullable=False, default=24.0),
)

cases = Table(
    "cases",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("source", String(20), nullable=False),
    Column("category_code", String(20), ForeignKey("case_categories.code"), nullable=False),
    # The deepest area that holds the case: its grid, or its village where there are no grids.
    Column("area_code", String(40), ForeignKey("areas.code"), nullable=False),
    Column("lon", Float, nullable=True),
    Column("lat", Float, nullable=True),
    Column("reported_at", DateTime, nullable=False),
    Column("accepted_at", DateTime, nullable=True),
    Column("dispatched_at", DateTime, nullable=True),
    Column("resolved_at", DateTime, nullable=True),
    Column("closed_at", DateTime, nullable=True),
    # reported_at + the category's SLA, fixed when the case is reported, so that overdue and
    # within-SLA tests are plain timestamp comparisons on every database.
    Column("due_at", DateTime, nullable=False),
    Column("status", String(12), nullable=False),
    Column("satisfaction", SmallInteger, nullable=True),
    Column("reopen_count", SmallInteger, nullable=False, default=0),
    Column("handling_unit", String(80), nullable=True),
    Column("reporter_name", String(50), nullable=True),  # personal
    Column("reporter_phone", String(20), nullable=True),  # personal
    Column("summary", Text, nullable=True),
    # Set by every writer on insert and update; max(updated_at) is the cases' data version.
    Column("updated_at", DateTime, nullable=False),
    CheckConstraint("satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5", name="satisfaction"),
    CheckConstraint(
        "status IN ('reported','accepted','dispatched','resolved','closed')", name="status"
    ),
)
Index(None, cases.c.area_code, cases.c.reported_at)
Index(None, cases.c.reported_at)
Index(None, cases.c.category_code, cases.c.reported_at)
Index(None, cases.c.resolved_at)
# Open cases (resolved_at NULL or later than now) by area, due and report time: an
# index-only scan instead of reading every case of the area (migration 0004).
Index(None, cases.c.resolved_at, cases.c.area_code, cases.c.due_at, cases.c.reported_at)
Index(None, cases.c.due_at)
Index(None, cases.c.updated_at)

coverage_monthly = Table(
    "coverage_monthly",
    metadata,
    Column("branch_id", String(40), ForeignKey("party_branches.id"), primary_key=True),
    Column("month", Date, primary_key=True),  # first day of the month
    Column("members", Integer, nullable=False),
    Column("registered", Integer, nullable=False),
    Column("active_30d", Integer, nullable=False),
    Column("study_completion", Float, nullable=True),  # 0-1, share of the study plan done
    Column("meetings_required", Integer, nullable=True),
    Column("meetings_recorded", Integer, nullable=True),
    Column("households", Integer, nullable=True),
    Column("broadband_households", Integer, nullable=True),
    Column("has_5g", Boolean, nullable=True),
    Column("app_users", Integer, nullable=True),
    Column("mobile_members", Integer, nullable=True),
    Column("mobile_active", Integer, nullable=True),
    Column("updated_at", DateTime, nullable=False),
)
Index(None, coverage_monthly.c.month)
Index(None, coverage_monthly.c.updated_at)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(60), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(12), nullable=False),
    Column("area_code", String(40), ForeignKey("areas.code"), nullable=True),
    Column("can_view_pii", Boolean, nullable=False, default=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("username", String(60), nullable=True),
    Column("action", String(40), nullable=False),
    Column("detail", Text, nullable=True),
    Column("ip", String(45), nullable=True),
)
Index(None, audit_log.c.at)

#: Key/value facts about the dataset: its as-of time, its source, whether it is synthetic.
dataset_meta = Table(
    "dataset_meta",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)

#: Daily snapshot of warning tiers (the dashboard's own table): one row per unit that held a
#: tier that day, with the reasons as JSON. Written by ``countydash warnings snapshot``.
warning_snapshots = Table(
    "warning_snapshots",
    metadata,
    Column("day", Date, primary_key=True),
    Column("unit_type", String(10), primary_key=True),
    Column("code", String(40), primary_key=True),
    Column("tier", String(6), nullable=False),
    Column("reasons", Text, nullable=False),
    CheckConstraint("tier IN ('red','yellow','blue')", name="tier"),
)
Index(None, warning_snapshots.c.unit_type, warning_snapshots.c.code, warning_snapshots.c.day)

#: Read-only kiosk links for the big screen: one token (stored hashed) per screen, scoped to
#: one area, revocable.
kiosk_tokens = Table(
    "kiosk_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("area_code", String(40), ForeignKey("areas.code"), nullable=False),
    Column("label", String(100), nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("revoked_at", DateTime, nullable=True),
)
