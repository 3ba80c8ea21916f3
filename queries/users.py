"""Users and the audit log: the dashboard's own tables (the only ones it writes)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import (
    Engine,
    Select,
    and_,
    bindparam,
    case,
    func,
    insert,
    literal,
    select,
    update,
)

from dashboard import db
from dashboard.schema import audit_log, kiosk_tokens, users
from queries.stamp import stamp_of, version_columns


def build_user(username: str) -> Select:
    return select(users).where(users.c.username == username)


_STAMP_COLUMNS = version_columns()
#: Built once (an immutable statement, not state): every request runs it, and building the
#: five subqueries anew cost more than the round trip.
USER_AND_STAMP = select(users, *_STAMP_COLUMNS).where(
    users.c.username == bindparam("username"))


Stamp = tuple[str, datetime, str | None]


def fetch_user_and_stamp(engine: Engine, username: str
                         ) -> tuple[dict[str, object] | None, Stamp | None]:
    """The user row and, in the same round trip, the data version, as-of instant and sole
    root (:func:`queries.stamp.version_and_as_of`) that the request's queries will need: every
    signed-in request looks the user up, and a request served from the cache then makes no
    other. (None, None) for an unknown user."""
    with db.read_connection(engine) as conn:
        row = conn.execute(USER_AND_STAMP, {"username": username}).mappings().first()
    if row is None:
        return None, None
    stamp = stamp_of([row[col.name] for col in _STAMP_COLUMNS])
    return {col.name: row[col.name] for col in users.c}, stamp


def fetch_user(engine: Engine, username: str) -> dict[str, object] | None:
    """The user row (password hash included) or None (read on every request: no frame)."""
    with engine.connect() as conn:
        row = conn.execute(build_user(username)).mappings().first()
    return None if row is None else dict(row)


def fetch_users(engine: Engine) -> pd.DataFrame:
    """Every user without password hashes."""
    cols = [c for c in users.c if c.name != "password_hash"]
    return db.read_frame(engine, select(*cols).order_by(users.c.username))


def insert_user(engine: Engine, *, username: str, password_hash: str, role: str,
                area_code: str | None, pii: bool) -> None:
    with engine.begin() as conn:
        conn.execute(insert(users).values(
            username=username, password_hash=password_hash, role=role, area_code=area_code,
            can_view_pii=pii, disabled=False, created_at=datetime.now().replace(microsecond=0)))


def set_disabled(engine: Engine, username: str, disabled: bool = True) -> int:
    with engine.begin() as conn:
        return conn.execute(update(users).where(users.c.username == username)
                            .values(disabled=disabled)).rowcount


def write_audit(engine: Engine, action: str, username: str | None, ip: str | None,
                detail: dict[str, object] | None = None) -> None:
    """Append one audit record (login, failed login, export, personal-data view, kiosk use)."""
    with engine.begin() as conn:
        conn.execute(insert(audit_log).values(
            at=datetime.now().replace(microsecond=0), username=username, action=action,
            ip=ip, detail=json.dumps(detail or {}, ensure_ascii=False)))


def count_failed_logins(engine: Engine, username: str, ip: str | None, minutes: int
                        ) -> tuple[int, int]:
    """Failed logins in the last ``minutes``: (for this username, from this address)."""
    since = datetime.now() - timedelta(minutes=minutes)
    failed = and_(audit_log.c.action == "login_failed", audit_log.c.at >= since)
    by_user = func.sum(case((audit_log.c.username == username, 1), else_=0))
    by_ip = func.sum(case((audit_log.c.ip == ip, 1), else_=0)) if ip else literal(0)
    stmt = select(func.coalesce(by_user, 0), func.coalesce(by_ip, 0)).where(failed)
    with engine.connect() as conn:
        row = conn.execute(stmt).one()
    return int(row[0] or 0), int(row[1] or 0)


def fetch_audit(engine: Engine, limit: int = 500) -> pd.DataFrame:
    """The latest audit records, newest first."""
    return db.read_frame(engine, select(audit_log).order_by(audit_log.c.id.desc()).limit(limit))


def insert_kiosk_token(engine: Engine, token_hash: str, area_code: str, label: str | None
                       ) -> int:
    with engine.begin() as conn:
        result = conn.execute(insert(kiosk_tokens).values(
            token_hash=token_hash, area_code=area_code, label=label,
            created_at=datetime.now().replace(microsecond=0)))
        return int(result.inserted_primary_key[0])


def fetch_kiosk_token(engine: Engine, token_hash: str) -> dict[str, object] | None:
    """An active (not revoked) kiosk token by its hash."""
    frame = db.read_frame(engine, select(kiosk_tokens).where(
        kiosk_tokens.c.token_hash == token_hash, kiosk_tokens.c.revoked_at.is_(None)))
    return None if frame.empty else frame.iloc[0].to_dict()


def fetch_kiosk_by_id(engine: Engine, token_id: int) -> dict[str, object] | None:
    frame = db.read_frame(engine, select(kiosk_tokens).where(
        kiosk_tokens.c.id == token_id, kiosk_tokens.c.revoked_at.is_(None)))
    return None if frame.empty else frame.iloc[0].to_dict()


def revoke_kiosk_token(engine: Engine, token_id: int) -> int:
    with engine.begin() as conn:
        return conn.execute(update(kiosk_tokens).where(
            kiosk_tokens.c.id == token_id, kiosk_tokens.c.revoked_at.is_(None))
            .values(revoked_at=datetime.now().replace(microsecond=0))).rowcount


def fetch_kiosk_tokens(engine: Engine) -> pd.DataFrame:
    cols = [c for c in kiosk_tokens.c if c.name != "token_hash"]
    return db.read_frame(engine, select(*cols).order_by(kiosk_tokens.c.id))
