"""Bearer authentication on /v1 and the OAuth2 token endpoint."""
import time
import uuid

import pytest

from helpers import Client, assert_error, db_update, get_token, http_request, token_request, uniq, cn_body

V1_CALLS = [
    ("GET", "/v1/customers", None),
    ("GET", "/v1/customers?size=1", None),
    ("POST", "/v1/customers", cn_body("authprobe")),
    ("GET", "/v1/customers/%s" % uuid.uuid4(), None),
    ("GET", "/v1/customers/%s/profiles/company" % uuid.uuid4(), None),
    ("GET", "/v1/customers/%s/profiles/billing" % uuid.uuid4(), None),
    ("PUT", "/v1/customers/%s/profiles/billing" % uuid.uuid4(), {"email": "a@b.cn"}),
    ("DELETE", "/v1/customers/%s" % uuid.uuid4(), None),
    ("POST", "/v1/validations/address", {"country": "CN"}),
    ("GET", "/v1/countryvalidationrules/CN", None),
]


def _assert_401(r):
    assert r.status == 401, r
    assert (r.h("WWW-Authenticate") or "").startswith("Bearer"), r.headers
    assert_error(r, 401)


@pytest.mark.parametrize("method,path,body", V1_CALLS)
def test_v1_without_token_is_401(server, method, path, body):
    _assert_401(Client(server.port).req(method, path, body))


@pytest.mark.parametrize("method,path,body", V1_CALLS[:4] + V1_CALLS[8:])
def test_v1_with_garbage_token_is_401(server, method, path, body):
    _assert_401(Client(server.port, "not-a-real-token-" + uuid.uuid4().hex).req(method, path, body))


@pytest.mark.parametrize("auth", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Token abc", "bearer-x y"])
def test_malformed_authorization_header_is_401(server, auth):
    r = http_request(server.port, "GET", "/v1/customers", headers={"Authorization": auth})
    _assert_401(r)


def test_head_domain_without_token_is_401(server):
    r = http_request(server.port, "HEAD", "/v1/domains/%s.partner.onmschina.cn" % uniq("h"))
    assert r.status == 401
    assert (r.h("WWW-Authenticate") or "").startswith("Bearer")


def test_valid_token_is_accepted(partner_a):
    r = partner_a.get("/v1/customers")
    assert r.status == 200, r
    assert r.json["attributes"]["objectType"] == "Collection"


def test_token_response_shape(server):
    info = server.add_partner("Token Shape")
    r = token_request(server.port, {"grant_type": "password", "username": info["userName"],
                                    "password": info["password"]})
    assert r.status == 200, r
    assert (r.h("Content-Type") or "").startswith("application/json")
    j = r.json
    assert isinstance(j["access_token"], str) and len(j["access_token"]) >= 20
    assert j["token_type"] == "Bearer"
    assert j["expires_in"] == 3600
    assert "no-store" in (r.h("Cache-Control") or "")
    # the password is never echoed back
    assert info["password"] not in r.text


def test_partner_add_json_shape(server):
    info = server.add_partner("Json Shape", email="ops-%s@example.cn" % uuid.uuid4().hex[:8])
    assert set(["partnerId", "userId", "userName", "password"]) <= set(info)
    assert info["userName"].startswith("ops-") and info["userName"].endswith("@example.cn")
    assert len(info["password"]) >= 12
    assert info["partnerId"] != info["userId"]


def test_expired_token_is_401(server):
    """Tokens expire: the server's --token-ttl floor is 60 s, so the test ages a token by moving
    its expiry into the past in the store (the server checks expiry on every request)."""
    info = server.add_partner("Short Lived")
    tok = get_token(server.port, info["userName"], info["password"])
    c = Client(server.port, tok)
    assert c.get("/v1/customers").status == 200
    n = db_update(server.db, "UPDATE tokens SET expires_at = %d WHERE partner_id = '%s'"
                  % (int(time.time()) - 5, info["partnerId"]))
    assert n == 1
    _assert_401(c.get("/v1/customers"))
    # a new token for the same user works again
    assert Client(server.port, get_token(server.port, info["userName"], info["password"])) \
        .get("/v1/customers").status == 200


def test_token_ttl_option_sets_expires_in(make_server):
    s = make_server(["--token-ttl", "120"]).start()
    info = s.add_partner("Ttl")
    r = token_request(s.port, {"grant_type": "password", "username": info["userName"],
                               "password": info["password"]})
    assert r.status == 200, r
    assert r.json["expires_in"] == 120


class TestTokenEndpointErrors:
    @pytest.fixture(scope="class")
    def creds(self, server):
        return server.add_partner("Token Errors")

    def test_wrong_password(self, server, creds):
        r = token_request(server.port, {"grant_type": "password", "username": creds["userName"],
                                        "password": creds["password"] + "x"})
        assert r.status == 400, r
        assert r.json["error"] == "invalid_grant"
        assert "access_token" not in r.json

    def test_unknown_user(self, server):
        r = token_request(server.port, {"grant_type": "password", "username": "nobody-%s@example.cn" % uniq(),
                                        "password": "whatever-password"})
        assert r.status == 400, r
        assert r.json["error"] == "invalid_grant"

    def test_unsupported_grant_type(self, server, creds):
        r = token_request(server.port, {"grant_type": "foo", "username": creds["userName"],
                                        "password": creds["password"]})
        assert r.status == 400, r
        assert r.json["error"] == "unsupported_grant_type"

    @pytest.mark.parametrize("drop", ["grant_type", "username", "password"])
    def test_missing_fields(self, server, creds, drop):
        fields = {"grant_type": "password", "username": creds["userName"], "password": creds["password"]}
        del fields[drop]
        r = token_request(server.port, fields)
        assert r.status == 400, r
        assert r.json["error"] == "invalid_request"

    def test_wrong_content_type(self, server, creds):
        import json
        body = json.dumps({"grant_type": "password", "username": creds["userName"],
                           "password": creds["password"]})
        r = token_request(server.port, body, content_type="application/json")
        assert r.status == 415, r

    def test_get_is_not_allowed(self, server):
        r = http_request(server.port, "GET", "/oauth2/token")
        assert r.status == 405, r
        assert "POST" in (r.h("Allow") or "")

    def test_wrong_password_for_bootstrap_admin(self, server):
        r = token_request(server.port, {"grant_type": "password", "username": "admin@partnerd.local",
                                        "password": "definitely-wrong"})
        assert r.status == 400, r
        assert r.json["error"] == "invalid_grant"


def test_two_tokens_of_one_user_both_work(server):
    info = server.add_partner("Two Tokens")
    t1 = get_token(server.port, info["userName"], info["password"])
    t2 = get_token(server.port, info["userName"], info["password"])
    assert t1 != t2
    assert Client(server.port, t1).get("/v1/customers").status == 200
    assert Client(server.port, t2).get("/v1/customers").status == 200


def test_sign_in_email_is_case_insensitive(server):
    info = server.add_partner("Case Mail", email="MixedCase.%s@Example.CN" % uuid.uuid4().hex[:8])
    for name in (info["userName"], info["userName"].lower(), info["userName"].upper()):
        r = token_request(server.port, {"grant_type": "password", "username": name, "password": info["password"]})
        assert r.status == 200, (name, r)


def test_duplicate_partner_admin_email_is_refused(server):
    email = "dup-%s@example.cn" % uuid.uuid4().hex[:8]
    server.add_partner("First", email=email)
    from helpers import run_cli
    r = run_cli(["partner", "add", "--db", server.db, "--name", "Second", "--admin-email", email.upper(), "--json"])
    assert r.returncode != 0, r.stdout
    assert r.stderr.strip()


def test_client_credentials_with_unknown_client(server):
    r = token_request(server.port, {"grant_type": "client_credentials", "client_id": str(uuid.uuid4()),
                                    "client_secret": "nope-nope-nope-nope"})
    assert r.status == 400, r
    assert r.json["error"] == "invalid_client"
    assert "access_token" not in r.json


def test_token_works_only_as_bearer_header(server, partner_a):
    r = http_request(server.port, "GET", "/v1/customers?access_token=" + partner_a.token)
    assert r.status == 401, r
