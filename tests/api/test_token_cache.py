"""Token lookups are cached per thread on SQLite (src/http/auth.c, issue 19): revocation stays
immediate.  Clients on many connections (so on every event loop) keep using a token while an
admin disables its user, cuts its roles, signs it out, or revokes its app; every request sent
after the admin's answer came back is refused, on every loop, at once."""
import threading
import time

import pytest

from helpers import Client, add_app, app_client, assert_error, staff_client

SECRETS = []
CLIENTS = 8


@pytest.fixture(scope="module")
def server():
    """Its own server without the per-partner rate limit: eight clients keep one token busy."""
    from helpers import Server
    s = Server(["--rate-limit", "0"])
    s.start()
    yield s
    s.stop()


@pytest.fixture
def admin(server):
    c = server.partner("Token Cache Co")
    SECRETS.extend([c.token, c.info["password"]])
    return c


def hammer(client, path, stop, seen):
    """GETs `path` until `stop`; records (start time, status) of each."""
    while not stop.is_set():
        t0 = time.monotonic()
        seen.append((t0, client.get(path).status))


def during(client, path, action, refused):
    """Runs CLIENTS hammers on `client` (each request its own connection), warms the cache,
    runs `action` (which must succeed), goes on for a moment and checks that every request
    that started after the action's answer got `refused` while before it they got 200."""
    stop, seen = threading.Event(), [[] for _ in range(CLIENTS)]
    threads = [threading.Thread(target=hammer, args=(client, path, stop, s)) for s in seen]
    for t in threads:
        t.start()
    time.sleep(0.3)  # every loop has served (and cached) the token by now
    action()
    done = time.monotonic()
    time.sleep(0.3)
    stop.set()
    for t in threads:
        t.join()
    before = [st for s in seen for (t0, st) in s if t0 < done]
    after = [st for s in seen for (t0, st) in s if t0 > done]
    assert before and after, (len(before), len(after))
    assert 200 in before, set(before)
    assert set(after) == {refused}, "a request sent after the revocation's answer got %s" % sorted(set(after))


def test_a_disabled_users_token_is_refused_at_once_on_every_loop(server, admin):
    c = staff_client(admin, ["sales_agent"], SECRETS)
    during(c, "/v1/customers?size=1",
           lambda: assert_ok(admin.req("PATCH", "/v1/users/" + c.info["id"], {"state": "disabled"})), 401)


def test_cut_roles_apply_at_once_on_every_loop(server, admin):
    c = staff_client(admin, ["sales_agent"], SECRETS)
    during(c, "/v1/customers?size=1",
           lambda: assert_ok(admin.req("PATCH", "/v1/users/" + c.info["id"], {"roles": ["user_management_admin"]})),
           403)


def test_a_removed_users_token_is_refused_at_once(server, admin):
    c = staff_client(admin, ["sales_agent"], SECRETS)
    during(c, "/v1/customers?size=1", lambda: assert_ok(admin.req("DELETE", "/v1/users/" + c.info["id"])), 401)


def test_a_revoked_apps_token_is_refused_at_once(server, admin):
    app = add_app(admin, ["sales_agent"])
    SECRETS.append(app["clientSecret"])
    c = app_client(server.port, app["clientId"], app["clientSecret"])
    during(c, "/v1/customers?size=1", lambda: assert_ok(admin.req("DELETE", "/v1/apps/" + app["id"])), 401)


def test_a_password_reset_ends_the_users_tokens_at_once(server, admin):
    c = staff_client(admin, ["sales_agent"], SECRETS)
    during(c, "/v1/customers?size=1",
           lambda: assert_ok(admin.req("POST", "/v1/users/%s/resetpassword" % c.info["id"])), 401)


def test_a_token_that_never_worked_is_refused(server, admin):
    assert_error(Client(server.port, "x" * 43).get("/v1/customers?size=1"), 401)


def assert_ok(r):
    assert r.status in (200, 204), r
