"""Login, sessions, roles and scopes.

Passwords are hashed with scrypt (a memory-hard key-derivation function, in the standard
library). A session cookie (signed, HttpOnly, SameSite=Lax, Secure behind HTTPS) carries only
the username; the user is re-read on every request, so disabling a user takes effect at once.
Every page and every Dash request needs a session (or, for the big screen, a kiosk token);
repeated failed logins for a username or from an address are throttled.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from urllib.parse import urlparse

from flask import Flask, Response, g, redirect, request, session
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from dashboard.schema import ROLES
from queries.context import Scope
from queries.users import (
    count_failed_logins,
    fetch_kiosk_by_id,
    fetch_kiosk_token,
    fetch_user,
    fetch_user_and_stamp,
    write_audit,
)

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MAX_FAILED = 5  # per username
MAX_FAILED_PER_IP = 20  # an office behind one address has many users
THROTTLE_MINUTES = 15
PUBLIC_PREFIXES = ("/login", "/assets/", "/glyphs/", "/map-style/", "/_favicon.ico",
                   "/healthz")


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """``scrypt$N$r$p$salt$hash`` (base64), for storage in ``users.password_hash``."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            dklen=32)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of ``password`` against a stored scrypt hash."""
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n),
                             r=int(r), p=int(p), dklen=len(base64.b64decode(digest)))
        return hmac.compare_digest(got, base64.b64decode(digest))
    except (ValueError, TypeError):
        return False


@dataclass(frozen=True)
class User:
    username: str
    role: str
    area_code: str | None
    pii: bool

    def scope(self) -> Scope:
        """The subtree this user may see, and whether personal fields show unmasked."""
        if self.role in ("county", "analyst"):
            roots = None
        else:
            roots = (self.area_code,) if self.area_code else ()
        return Scope(roots=roots, pii=self.pii and self.role != "analyst",
                     aggregates_only=self.role in ("analyst", "kiosk"))


def load_user(engine: Engine, username: str) -> User | None:
    return _active_user(username, fetch_user(engine, username))


def _active_user(username: str, row: dict[str, object] | None) -> User | None:
    """The signed-in user of a users row, None for a missing, disabled or unknown-role one."""
    if row is None or bool(row["disabled"]) or row["role"] not in ROLES:
        return None
    area = row["area_code"] if isinstance(row["area_code"], str) else None
    return User(username=username, role=str(row["role"]), area_code=area,
                pii=bool(row["can_view_pii"]))


def current_user() -> User | None:
    return g.get("user")


def new_kiosk_token() -> tuple[str, str]:
    """A fresh kiosk token and the hash stored for it (the token itself is never stored)."""
    token = secrets.token_urlsafe(24)
    return token, kiosk_hash(token)


def kiosk_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def load_kiosk(engine: Engine, token_id: int) -> User | None:
    """The read-only, aggregates-only pseudo-user of an active kiosk token."""
    row = fetch_kiosk_by_id(engine, token_id)
    if row is None:
        return None
    return User(username=f"kiosk:{token_id}", role="kiosk", area_code=str(row["area_code"]),
                pii=False)


#: What a kiosk session may request: the big screen and what it needs, nothing else.
KIOSK_PATHS = ("/screen", "/_dash-", "/_reload-hash")


def _client_ip() -> str | None:
    return request.remote_addr


def _safe_next(target: str | None) -> str:
    """Only same-site paths; never an absolute URL (open redirect)."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


#: How often a request stamps the session's last activity anew (seconds): the idle limit holds
#: to within this, and the requests in between send no new cookie (re-signing the session
#: on every callback request cost each of them time and a Set-Cookie header).
SEEN_STEP = 60


def _stamp_session(identity: dict[str, object]) -> None:
    """Record activity and the identity the session vouches for, where they changed."""
    now = time.time()
    if now - float(session.get("seen", 0)) >= SEEN_STEP:
        session["seen"] = now
    if session.get("identity") != identity:
        session["identity"] = identity


def init_auth(server: Flask, engine: Engine, session_minutes: int, secure_cookie: bool,
              render_login: Callable[..., str], generic: Engine | None = None) -> None:
    """Install the login/logout routes and the guard in front of every other request.

    ``generic``: the engine of the user and data-stamp look-up every request makes, planned
    once for any user (:data:`dashboard.db.GENERIC`); ``engine`` when not given."""
    lookups = generic or engine
    from datetime import timedelta

    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookie,
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=session_minutes),
        # the cookie is sent again when the session changes (_stamp_session: at most once a
        # minute for the activity stamp), and its expiry moves with it
        SESSION_REFRESH_EACH_REQUEST=False,
    )

    @server.before_request
    def _guard() -> Response | None:
        path = request.path
        if path.startswith(PUBLIC_PREFIXES):
            return None
        token = request.args.get("kiosk")
        if token and path == "/screen":
            row = fetch_kiosk_token(engine, kiosk_hash(token))
            if row is None:
                return Response("invalid or revoked kiosk link", status=403)
            session.clear()
            session["kiosk"] = int(row["id"])  # type: ignore[call-overload]
            session["seen"] = time.time()
            write_audit(engine, "kiosk_use", f"kiosk:{row['id']}", _client_ip(),
                        {"area": row["area_code"]})
        try:
            return _load_session_user(path)
        except SQLAlchemyError:
            # the database is away: keep serving the identity the signed session vouches
            # for, so that the big screen can say its figures are stale instead of failing
            cached = session.get("identity")
            fresh = time.time() - float(session.get("seen", 0)) <= session_minutes * 60
            if not cached or not fresh:
                return Response("database unavailable", status=503)
            user = User(**cached)
            if user.role == "kiosk" and not path.startswith(KIOSK_PATHS):
                return Response("kiosk links show the big screen only", status=403)
            g.user = user
            return None

    def _load_session_user(path: str) -> Response | None:
        if "kiosk" in session:
            kiosk = load_kiosk(engine, int(session["kiosk"]))
            if kiosk is None:  # revoked since: the screen stops at the next request
                session.clear()
                return Response("kiosk link revoked", status=403)
            if not path.startswith(KIOSK_PATHS) and not path.startswith("/_dash-component"):
                return Response("kiosk links show the big screen only", status=403)
            g.user = kiosk
            _stamp_session(asdict(kiosk))
            return None
        username = session.get("user")
        started = session.get("seen", 0)
        if username and time.time() - float(started) > session_minutes * 60:
            session.clear()
            username = None
        user = None
        if username:
            # the user and the data version in one round trip: query_context() takes the
            # version from g (a cached callback then needs nothing else from the database)
            row, g.countydash_stamp = fetch_user_and_stamp(lookups, username)
            user = _active_user(username, row)
        if user is None:
            if path.startswith("/_dash-") or request.method != "GET":
                return Response("login required", status=401)
            return redirect(f"/login?next={request.full_path.rstrip('?')}")
        _stamp_session(asdict(user))
        g.user = user
        return None

    @server.get("/login")
    def _login_form() -> Response:
        return Response(render_login(error=None, next_path=_safe_next(request.args.get("next"))),
                        mimetype="text/html")

    @server.post("/login")
    def _login() -> Response:
        username = (request.form.get("username") or "").strip()[:60]
        password = request.form.get("password") or ""
        next_path = _safe_next(request.form.get("next"))
        ip = _client_ip()
        by_user, by_ip = count_failed_logins(engine, username, ip, THROTTLE_MINUTES)
        if by_user >= MAX_FAILED or by_ip >= MAX_FAILED_PER_IP:
            write_audit(engine, "login_throttled", username, ip)
            return Response(render_login(error="throttled", next_path=next_path), status=429,
                            mimetype="text/html")
        row = fetch_user(engine, username) if username else None
        ok = (row is not None and not bool(row["disabled"])
              and verify_password(password, str(row["password_hash"])))
        if not ok:
            write_audit(engine, "login_failed", username or None, ip)
            return Response(render_login(error="invalid", next_path=next_path), status=401,
                            mimetype="text/html")
        session.clear()
        session.permanent = True
        session["user"] = username
        session["seen"] = time.time()
        write_audit(engine, "login", username, ip)
        return redirect(next_path)

    @server.route("/logout", methods=["GET", "POST"])
    def _logout() -> Response:
        session.clear()
        return redirect("/login")
