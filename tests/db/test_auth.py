"""Login, throttling, logout and scoping: a town user gets nothing of another town."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from dash import Dash
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from dashboard.auth import hash_password, verify_password
from dashboard.factory import create_app
from dashboard.settings import Settings
from tests import reference

PASSWORDS = {"county": "county-demo", "town": "town-demo", "village": "village-demo",
             "analyst": "analyst-demo"}


@pytest.fixture(scope="module")
def app(sqlite_path: Path) -> Dash:
    return create_app(Settings.from_env({"DATABASE_URL": f"sqlite:///{sqlite_path}",
                                         "COUNTYDASH_CACHE": "null"}))


def client_as(app: Dash, username: str | None):  # type: ignore[no-untyped-def]
    client = app.server.test_client()
    if username:
        resp = client.post("/login", data={"username": username,
                                           "password": PASSWORDS[username], "next": "/"})
        assert resp.status_code == 302
    return client


def test_password_hash_round_trip() -> None:
    stored = hash_password("correct horse")
    assert stored.startswith("scrypt$") and "correct horse" not in stored
    assert verify_password("correct horse", stored)
    assert not verify_password("wrong", stored)
    assert not verify_password("x", "garbage")


def test_every_page_and_callback_needs_a_session(app: Dash) -> None:
    client = client_as(app, None)
    page = client.get("/cases?area=211122")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login?next=")
    assert client.post("/_dash-update-component", json={}).status_code == 401
    assert client.get("/_dash-layout").status_code == 401
    assert client.get("/login").status_code == 200
    assert client.get("/assets/10-theme.css").status_code == 200


def test_login_sets_secure_cookie_and_logout_ends_session(app: Dash) -> None:
    client = app.server.test_client()
    resp = client.post("/login", data={"username": "county", "password": "county-demo",
                                       "next": "https://evil.example/"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"  # no open redirect
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/").status_code == 200
    client.get("/logout")
    assert client.get("/").status_code == 302


def test_session_cookie_is_sent_again_only_when_the_session_changes(app: Dash) -> None:
    """A signed-in request re-signs the session only when its activity stamp is due
    (dashboard.auth.SEEN_STEP) or its identity changed; the idle limit still ends it."""
    import time

    from dashboard import auth

    client = client_as(app, "county")
    first = client.get("/_dash-layout")  # the first request after login stamps the identity
    assert first.status_code == 200 and "Set-Cookie" in first.headers
    again = client.get("/_dash-layout")
    assert again.status_code == 200 and "Set-Cookie" not in again.headers
    with client.session_transaction() as sess:  # activity a step ago: stamped anew
        sess["seen"] = time.time() - auth.SEEN_STEP - 1
    assert "Set-Cookie" in client.get("/_dash-layout").headers
    with client.session_transaction() as sess:
        assert time.time() - sess["seen"] < 5
        sess["seen"] = time.time() - 24 * 3600  # idle for a day: signed out
    assert client.get("/_dash-layout").status_code == 401


def test_failed_logins_are_throttled_and_audited(app: Dash, sqlite_engine: Engine) -> None:
    client = app.server.test_client()
    for _ in range(5):
        resp = client.post("/login", data={"username": "village", "password": "nope"})
        assert resp.status_code == 401
    resp = client.post("/login", data={"username": "village", "password": "village-demo"})
    assert resp.status_code == 429  # even the right password waits now
    audit = reference.raw(sqlite_engine, "audit_log")
    assert (audit["action"] == "login_failed").sum() >= 5
    assert (audit["action"] == "login_throttled").any()


# --- scoping: walk every registered callback ----------------------------------------------

def other_town(engine: Engine, own: str) -> tuple[str, list[str]]:
    """A town that is not ``own``, and the names of it and everything below it."""
    areas = reference.raw(engine, "areas")
    towns = sorted(areas.loc[(areas["level"] == "town") & (areas["code"] != own), "code"])
    code = towns[-1]
    below = reference.subtree(engine, code)
    names = areas.loc[areas["code"].isin(below), "name"].tolist()
    return code, names


def parse_outputs(key: str) -> list[dict[str, Any]]:
    parts = key.strip(".").split("...") if key.startswith("..") else [key]
    out = []
    for part in parts:
        cid, prop = part.rsplit(".", 1)
        out.append({"id": json.loads(cid) if cid.startswith("{") else cid, "property": prop})
    return out


def value_for(cid: Any, prop: str, code: str) -> Any:
    search = f"?area={code}&from=2025-01-01&to=2026-11-21"
    if cid == "shell-view" and prop == "data":
        return {"area": code, "start": "2025-01-01", "end": "2026-11-21", "metric": None,
                "lang": "zh", "problems": []}
    if prop == "search":
        return search
    if prop == "pathname":
        return "/"
    if prop == "clickData":
        return {"points": [{"location": code}]}
    if prop in ("start_date",):
        return "2025-01-01"
    if prop in ("end_date",):
        return "2026-11-21"
    if isinstance(cid, dict):
        return []
    return None


def call_every_callback(app: Dash, client, code: str) -> list[tuple[str, int, str]]:  # type: ignore[no-untyped-def]
    results = []
    for key, spec in app.callback_map.items():
        if spec.get("callback") is None:  # clientside: runs in the browser, no endpoint
            continue
        # pattern-matching (ALL) ids are sent as the browser sends them: a list of the
        # matching components, here none
        outputs: list[Any] = [[] if isinstance(o["id"], dict) else o
                              for o in parse_outputs(key)]

        def entry(dep: dict[str, Any]) -> Any:
            if isinstance(dep["id"], dict):
                return []
            return {**dep, "value": value_for(dep["id"], dep["property"], code)}

        payload = {
            "output": key,
            "outputs": outputs if len(outputs) > 1 or key.startswith("..") else outputs[0],
            "inputs": [entry(i) for i in spec["inputs"]],
            "state": [entry(s) for s in spec["state"]],
            "changedPropIds": [f"{spec['inputs'][0]['id']}.{spec['inputs'][0]['property']}"]
            if spec["inputs"] and isinstance(spec["inputs"][0]["id"], str) else [],
        }
        resp = client.post("/_dash-update-component", json=payload)
        body = resp.get_data(as_text=True)
        if resp.status_code == 200:  # compare decoded text, not \u-escaped JSON
            body = json.dumps(json.loads(body), ensure_ascii=False)
        results.append((key, resp.status_code, body))
    return results


def test_town_user_gets_nothing_of_another_town_from_any_callback(app: Dash,
                                                                 sqlite_engine: Engine) -> None:
    users = reference.raw(sqlite_engine, "users").set_index("username")
    own = users.loc["town", "area_code"]
    code, names = other_town(sqlite_engine, own)
    client = client_as(app, "town")
    results = call_every_callback(app, client, code)
    server_side = [k for k, v in app.callback_map.items() if v.get("callback") is not None]
    assert len(results) == len(server_side) >= 8
    for key, status, body in results:
        assert status in (200, 204), (key, status, body[:300])
        # the code may only come back as the echo of what was asked ("“code” is unknown or
        # not visible"), which reads the same for a code that does not exist
        assert code not in body.replace(f"“{code}”", ""), key
        leaked = [n for n in names if n in body]
        assert not leaked, (key, leaked[:3])
    # the same walk as the county user does show that town (the test can fail)
    county = call_every_callback(app, client_as(app, "county"), code)
    assert any(names[0] in body for _, _, body in county)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=60))
def test_crafted_area_values_change_nothing_and_leak_nothing(app: Dash, sqlite_engine: Engine,
                                                            value: str) -> None:
    before = len(reference.raw(sqlite_engine, "cases"))
    client = client_as(app, "town")
    for key, status, body in call_every_callback(app, client, value):
        assert status in (200, 204), (key, value, body[:200])
        assert "Traceback" not in body
    assert len(reference.raw(sqlite_engine, "cases")) == before


def grid_card_body(app: Dash, username: str, grid: str) -> str:
    client = client_as(app, username)
    key = next(k for k in app.callback_map if "map-card.children" in k)
    [(_, status, body)] = [r for r in call_every_callback(app, client, grid) if r[0] == key]
    assert status == 200
    return body


def test_personal_fields_masked_without_permission_and_audited_with_it(
        app: Dash, sqlite_engine: Engine) -> None:
    users = reference.raw(sqlite_engine, "users").set_index("username")
    own_town = users.loc["town", "area_code"]
    areas = reference.raw(sqlite_engine, "areas")
    grids = areas[(areas["level"] == "grid")
                  & areas["code"].isin(reference.subtree(sqlite_engine, own_town))]
    grid = sorted(grids["code"])[0]
    workers = reference.raw(sqlite_engine, "grid_workers").set_index("grid_code")
    name, phone = workers.loc[grid, "name"], workers.loc[grid, "phone"]
    masked = grid_card_body(app, "town", grid)
    assert name not in masked and phone not in masked
    assert f"{name[0]}*" in masked and f"{phone[:3]}****{phone[-4:]}" in masked
    before = (reference.raw(sqlite_engine, "audit_log")["action"] == "pii_view").sum()
    clear = grid_card_body(app, "county", grid)
    assert name in clear and phone in clear
    after = (reference.raw(sqlite_engine, "audit_log")["action"] == "pii_view").sum()
    assert after == before + 1


def test_audit_page_only_for_county_users(app: Dash) -> None:
    key = next(k for k in app.callback_map if "audit-table" in k)
    town = [r for r in call_every_callback(app, client_as(app, "town"), "x") if r[0] == key]
    county = [r for r in call_every_callback(app, client_as(app, "county"), "x") if r[0] == key]
    assert "login" not in town[0][2] and "仅县级用户" in town[0][2]
    assert "login" in county[0][2]  # the county user sees login records


@pytest.fixture(scope="module")
def cached_app(sqlite_path: Path) -> Dash:
    """The app with a real (in-process) cache: callback outputs are cached too."""
    return create_app(Settings.from_env({"DATABASE_URL": f"sqlite:///{sqlite_path}",
                                         "COUNTYDASH_CACHE": "simple"}))


def test_cached_outputs_never_cross_scopes(cached_app: Dash, sqlite_engine: Engine) -> None:
    """The county user's walk fills the output cache with another town's figures; the town
    user's identical requests then get nothing of them (the scope is in every key)."""
    users = reference.raw(sqlite_engine, "users").set_index("username")
    code, names = other_town(sqlite_engine, users.loc["town", "area_code"])
    county = call_every_callback(cached_app, client_as(cached_app, "county"), code)
    assert any(names[0] in body for _, _, body in county)
    for key, status, body in call_every_callback(cached_app, client_as(cached_app, "town"),
                                                 code):
        assert status in (200, 204), (key, status, body[:300])
        assert code not in body.replace(f"“{code}”", ""), key
        assert not [n for n in names if n in body], key


def test_cached_grid_card_is_audited_on_every_showing(cached_app: Dash,
                                                      sqlite_engine: Engine) -> None:
    """The second showing of an unmasked card comes from the output cache and is audited
    all the same; the masked card of a town user is cached apart and stays masked."""
    areas = reference.raw(sqlite_engine, "areas")
    users = reference.raw(sqlite_engine, "users").set_index("username")
    own_town = users.loc["town", "area_code"]
    grid = sorted(areas[(areas["level"] == "grid") & areas["code"].isin(
        reference.subtree(sqlite_engine, own_town))]["code"])[1]
    name = reference.raw(sqlite_engine, "grid_workers").set_index("grid_code").loc[grid, "name"]

    def audits() -> int:  # views of this grid's card (the walk shows other lists too)
        log = reference.raw(sqlite_engine, "audit_log")
        log = log[log["action"] == "pii_view"]
        return sum(json.loads(d) == {"what": "grid_card", "area": grid} for d in log["detail"])

    before = audits()
    first = grid_card_body(cached_app, "county", grid)
    second = grid_card_body(cached_app, "county", grid)
    assert name in first and first == second
    assert audits() == before + 2
    masked = grid_card_body(cached_app, "town", grid)
    assert name not in masked and f"{name[0]}*" in masked
    assert audits() == before + 2
