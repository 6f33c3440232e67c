"""Indirect resellers (two-tier CSP, issue 16): a partner as an indirect provider keeps its
indirect resellers (GET/POST /v1/relationships, PATCH /v1/relationships/{id} to end one,
`partnerd reseller add`), creates customers for them (associatedPartnerId, checked against
its active resellers, again in the writer's transaction), filters its list by them
(IndirectReseller), and ending a relationship clears the association from every customer in
one transaction, recorded in the activity log.  The requests and response shapes are those
of Partner Center's documentation (develop/retrieve-a-list-of-indirect-resellers.md,
create-a-customer-for-an-indirect-reseller.md, get-customers-of-an-indirect-reseller.md,
get-indirect-resellers-of-a-customer.md)."""
import json
import urllib.parse
import uuid

import pytest

from helpers import (SUFFIX, race, Client, assert_error, audit_all, cn_body, custom, filt, fresh_source,
                     get_token, has_cjk, http_request, run_cli, staff_client, uniq, walk_pages)

REL = "/v1/relationships"
LIST = REL + "?relationship_type=IsIndirectCloudSolutionProviderOf"
LOCALES = ["en-US", "zh-CN", "de-DE"]
# the keys of the documentation's example responses
PC_RELATIONSHIP_KEYS = {"id", "name", "relationshipType", "state", "mpnId", "location", "attributes"}
PC_CUSTOMER_KEYS = {"id", "commerceId", "companyProfile", "billingProfile", "relationshipToPartner",
                    "allowDelegatedAccess", "userCredentials", "associatedPartnerId", "attributes"}
_mpn = [4847000 + (uuid.uuid4().int % 100000) * 10]


def mpn():
    _mpn[0] += 1
    return str(_mpn[0])


@pytest.fixture
def provider(server):
    return server.partner(uniq("Distributor"))


def add(p, name=None, **extra):
    body = {"name": name or "经销商 %s" % uuid.uuid4().hex[:6], "mpnId": mpn()}
    body.update(extra)
    r = p.req("POST", REL, body)
    assert r.status == 201, r
    return r.json


def end(p, rid, headers=None):
    return p.req("PATCH", "%s/%s" % (REL, rid), {"state": "Terminated"}, headers=headers)


def for_reseller(rid, prefix="ir"):
    return dict(cn_body(uniq(prefix), company="间接客户%s有限公司" % uuid.uuid4().hex[:6]),
                associatedPartnerId=rid)


def of_reseller(p, rid, size=500):
    return p.list_all(size=size, query="&filter=" + filt("IndirectReseller", rid))


# ---- the relationships ----------------------------------------------------------------------

def test_add_then_list_with_the_documented_request(provider):
    made = add(provider, "First Up Consultants", location="us")
    assert set(made) == PC_RELATIONSHIP_KEYS, made
    assert made["relationshipType"] == "is_indirect_cloud_solution_provider_of"
    assert made["state"] == "Active" and made["location"] == "US"
    assert made["attributes"] == {"objectType": "PartnerRelationship"}
    second = add(provider, "ReleCloud", location="BR")
    # the documentation's request, headers and all
    r = provider.get(LIST, headers={"Accept": "application/json",
                                    "MS-RequestId": "144391a4-fb06-41ae-b684-3308ce4706bd",
                                    "MS-CorrelationId": "72524ef8-81aa-4141-a049-45a4fece5d84",
                                    "X-Locale": "en-US"})
    assert r.status == 200, r
    assert r.json["totalCount"] == 2 and r.json["attributes"] == {"objectType": "Collection"}, r.json
    # ordered by (creation time, id): both made within one second come in id order
    assert sorted(r.json["items"], key=lambda x: x["id"]) == sorted([made, second], key=lambda x: x["id"])
    for it in r.json["items"]:
        assert set(it) == PC_RELATIONSHIP_KEYS, it
    g = provider.get("%s/%s" % (REL, made["id"]))
    assert g.status == 200 and g.json == made, g


def test_post_answers_201_with_location_and_keeps_a_given_id(provider):
    rid = str(uuid.uuid4())
    r = provider.req("POST", REL, {"id": rid.upper(), "name": "ReleCloud", "mpnId": mpn(),
                                   "relationshipType": "IsIndirectCloudSolutionProviderOf"})
    assert r.status == 201, r
    assert r.json["id"] == rid and r.h("Location") == "/v1/relationships/" + rid, r
    assert "location" not in r.json  # none given, none shown


def test_list_is_paged_and_its_tokens_are_its_own(provider):
    made = [add(provider)["id"] for _ in range(5)]
    items, pages = walk_pages(provider, LIST, 2)
    assert sorted(x["id"] for x in items) == sorted(made) and len(items) == 5 and pages == 3
    for tok in ("!!!", "eyJ2Ijox"):
        r = provider.get(LIST + "&seekOperation=Next", headers={"MS-ContinuationToken": tok})
        assert_error(r, 400, code=3000, field="MS-ContinuationToken")
    assert_error(provider.get(LIST + "&size=501"), 400, field="size")


def test_list_needs_the_providers_relationship_type(provider):
    assert_error(provider.get(REL), 400, field="relationship_type", details=False)
    r = provider.get(REL + "?relationship_type=IsIndirectResellerOf")
    assert_error(r, 400, field="relationship_type", details=False)
    assert "IsIndirectCloudSolutionProviderOf" in r.json["description"]
    assert provider.get(REL + "?relationship_type=is_indirect_cloud_solution_provider_of").status == 200


@pytest.mark.parametrize("body, field", [
    ({"mpnId": "4847383"}, "name"),
    ({"name": "   ", "mpnId": "4847383"}, "name"),
    ({"name": "x" * 257, "mpnId": "4847383"}, "name"),
    ({"name": "evil\u202egnp.exe", "mpnId": "4847383"}, "name"),
    ({"name": "A"}, "mpnId"),
    ({"name": "A", "mpnId": "12345"}, "mpnId"),
    ({"name": "A", "mpnId": "12345678901"}, "mpnId"),
    ({"name": "A", "mpnId": "48473a3"}, "mpnId"),
    ({"name": "A", "mpnId": " 4847383"}, "mpnId"),
    ({"name": "A", "mpnId": 4847383}, "mpnId"),
    ({"name": "A", "mpnId": "4847383", "location": "XX"}, "location"),
    ({"name": "A", "mpnId": "4847383", "id": "not-a-uuid"}, "id"),
    ({"name": "A", "mpnId": "4847383", "state": "Terminated"}, "state"),
    ({"name": "A", "mpnId": "4847383", "relationshipType": "IsIndirectResellerOf"}, "relationshipType"),
    ({"name": "A", "mpnId": "4847383", "tier": "gold"}, "tier"),
])
def test_add_refuses_bad_fields_naming_them(provider, body, field):
    r = provider.req("POST", REL, body)
    assert_error(r, 400, code=3000, field=field)
    assert provider.get(LIST).json["totalCount"] == 0, "a refused add left a relationship"


def test_errors_come_in_the_callers_language(provider):
    texts = {}
    for loc in LOCALES:
        r = provider.req("POST", REL, {"name": "A", "mpnId": "12"}, headers={"X-Locale": loc})
        assert_error(r, 400, field="mpnId")
        texts[loc] = r.json["description"]
    assert "MPN" in texts["en-US"] and has_cjk(texts["zh-CN"]) and "Ziffern" in texts["de-DE"], texts
    r = provider.get("%s/%s" % (REL, uuid.uuid4()), headers={"X-Locale": "zh-CN"})
    assert_error(r, 404)
    assert r.json["description"].startswith("未找到间接经销商"), r.json  # no English noun inside


def test_ids_and_mpn_ids_are_unique_per_partner(server, provider):
    one = add(provider)
    r = provider.req("POST", REL, {"name": "B", "mpnId": one["mpnId"]})
    assert_error(r, 409, field="mpnId")
    r = provider.req("POST", REL, {"name": "B", "mpnId": mpn(), "id": one["id"]})
    assert_error(r, 409, field="id")
    other = server.partner(uniq("Other Distributor"))
    # another partner may have the same reseller (the same tenant, the same MPN id)
    r = other.req("POST", REL, {"name": one["name"], "mpnId": one["mpnId"], "id": one["id"]})
    assert r.status == 201, r
    assert provider.get(LIST).json["items"] == [one]


def test_a_partner_sees_only_its_own_resellers(server, provider):
    mine = add(provider)
    other = server.partner(uniq("Other Distributor"))
    assert other.get(LIST).json["items"] == []
    assert_error(other.get("%s/%s" % (REL, mine["id"])), 404)
    assert_error(end(other, mine["id"]), 404)
    assert provider.get("%s/%s" % (REL, mine["id"])).json["state"] == "Active"


# ---- customers of a reseller ------------------------------------------------------------------

def documented_create_body(rid):
    """The request body of create-a-customer-for-an-indirect-reseller.md, with a domain of this
    deployment and the reseller's id."""
    return {
        "Id": None, "CommerceId": None,
        "CompanyProfile": {"TenantId": None, "Domain": "WingtipToys%d.%s" % (uuid.uuid4().int % 10**9, SUFFIX),
                           "CompanyName": None, "Attributes": {"ObjectType": "CustomerCompanyProfile"}},
        "BillingProfile": {"Id": None, "FirstName": None, "LastName": None, "Email": "Gena@wingtiptoys.com",
                           "Culture": "EN-US", "Language": "En", "CompanyName": "Wingtip Toys678152504",
                           "DefaultAddress": {"Country": "US", "Region": None, "City": "Redmond", "State": "WA",
                                              "AddressLine1": "One Microsoft Way", "AddressLine2": None,
                                              "PostalCode": "98052", "FirstName": "Gena", "LastName": "Soto",
                                              "PhoneNumber": "4255550101"},
                           "Attributes": {"ObjectType": "CustomerBillingProfile"}},
        "RelationshipToPartner": "none", "AllowDelegatedAccess": None, "UserCredentials": None,
        "CustomDomains": None, "AssociatedPartnerId": rid, "Attributes": {"ObjectType": "Customer"},
    }


def test_create_for_a_reseller_with_the_documented_request(provider):
    rid = add(provider, "First Up Consultants")["id"]
    r = provider.create(documented_create_body(rid),
                        headers={"MS-RequestId": str(uuid.uuid4()), "MS-CorrelationId": str(uuid.uuid4()),
                                 "X-Locale": "en-US", "MS-PartnerCenter-Client": "Partner Center .NET SDK"})
    assert r.status == 201, r
    assert PC_CUSTOMER_KEYS <= set(r.json), r.json
    assert r.json["associatedPartnerId"] == rid
    g = provider.get("/v1/customers/" + r.json["id"])
    assert g.status == 200 and g.json["associatedPartnerId"] == rid, g
    created = dict(r.json)
    del created["userCredentials"]
    assert g.json == created  # the direct writer of GET and the create's tree agree
    # get-indirect-resellers-of-a-customer.md
    rel = provider.get("/v1/customers/%s/relationships" % r.json["id"])
    assert rel.status == 200, rel
    assert rel.json["totalCount"] == 1 and rel.json["items"][0]["id"] == rid, rel.json
    assert rel.json["items"][0]["name"] == "First Up Consultants"


def test_a_direct_customer_has_no_reseller(provider):
    c = provider.create_ok(cn_body(uniq("direct")))
    assert "associatedPartnerId" not in c
    assert "associatedPartnerId" not in provider.get("/v1/customers/" + c["id"]).json
    rel = provider.get("/v1/customers/%s/relationships" % c["id"])
    assert rel.status == 200 and rel.json["items"] == [] and rel.json["totalCount"] == 0, rel


def test_create_refuses_an_unknown_ended_or_foreign_reseller(server, provider):
    ended = add(provider)["id"]
    assert end(provider, ended).status == 200
    foreign = add(server.partner(uniq("Other Distributor")))["id"]
    before = provider.count()
    for rid in (str(uuid.uuid4()), ended, foreign):
        for loc in LOCALES:
            r = provider.create(for_reseller(rid), headers={"X-Locale": loc})
            assert_error(r, 400, code=3000, field="associatedPartnerId")
            assert rid in r.json["description"], r.json
            if loc == "zh-CN":
                assert has_cjk(r.json["description"]), r.json
    for bad in ("4847383", 12, {"id": ended}, ""):
        assert_error(provider.create(for_reseller(bad)), 400, field="associatedPartnerId")
    assert provider.count() == before, "a refused create left a customer"


def test_a_replay_after_the_end_answers_what_was_made(provider):
    rid = add(provider)["id"]
    body, rq = for_reseller(rid), {"MS-RequestId": str(uuid.uuid4())}
    made = provider.create(body, headers=rq)
    assert made.status == 201, made
    assert end(provider, rid).status == 200
    again = provider.create(body, headers=rq)
    assert again.status == 201 and again.h("Idempotent-Replayed") == "true", again
    assert again.json["id"] == made.json["id"] and "associatedPartnerId" not in again.json, again.json
    fresh = dict(body, companyProfile={"domain": "%s.%s" % (uniq("fresh"), SUFFIX)})
    for headers in ({"MS-RequestId": str(uuid.uuid4())}, {}):  # decided in the write, or before it
        assert_error(provider.create(fresh, headers=headers), 400, code=3000, field="associatedPartnerId")


def test_the_list_filters_by_reseller_as_documented(provider):
    r1, r2 = add(provider)["id"], add(provider)["id"]
    one = [provider.create_ok(for_reseller(r1))["id"] for _ in range(3)]
    two = [provider.create_ok(for_reseller(r2))["id"] for _ in range(2)]
    provider.create_ok(cn_body(uniq("direct")))
    # get-customers-of-an-indirect-reseller.md: size=0 and the encoded filter
    r = provider.get("/v1/customers?size=0&filter=%7B%22Field%22%3A%22IndirectReseller%22%2C%22Value%22%3A%22"
                     + r1 + "%22%2C%22Operator%22%3A%22starts_with%22%7D",
                     headers={"Accept": "application/json", "X-Locale": "en-US",
                              "MS-RequestId": "aa04fb9d-c6b6-4754-8a6a-86e00cdd5ccb",
                              "MS-CorrelationId": "b4e67a78-0692-45d1-b408-04b9178a8ac6"})
    assert r.status == 200, r
    assert [c["id"] for c in r.json["items"]] == one and r.json["totalCount"] == 3, r.json
    assert all(c["associatedPartnerId"] == r1 for c in r.json["items"])
    assert [c["id"] for c in of_reseller(provider, r2.upper(), size=1)] == two  # paged, any case
    assert of_reseller(provider, str(uuid.uuid4())) == []
    assert_error(provider.get("/v1/customers?filter=" + filt("IndirectReseller", r1, "substring")), 400,
                 field="filter.Operator")
    assert_error(provider.get("/v1/customers?filter=" + filt("IndirectReseller", r1[:8])), 400,
                 field="filter.Value")


# ---- ending a relationship --------------------------------------------------------------------

def test_ending_keeps_the_customers_and_clears_the_association(provider):
    keep = add(provider)["id"]
    gone = add(provider, "Ending Reseller")
    rid = gone["id"]
    theirs = [provider.create_ok(for_reseller(rid))["id"] for _ in range(3)]
    kept = provider.create_ok(for_reseller(keep))["id"]
    r = end(provider, rid)
    assert r.status == 200, r
    assert r.json == dict(gone, state="Terminated")
    assert provider.get("%s/%s" % (REL, rid)).json["state"] == "Terminated"
    assert {x["id"]: x["state"] for x in provider.get(LIST).json["items"]} == {keep: "Active", rid: "Terminated"}
    for cid in theirs:
        g = provider.get("/v1/customers/" + cid)
        assert g.status == 200 and "associatedPartnerId" not in g.json, g
        assert provider.get("/v1/customers/%s/relationships" % cid).json["items"] == []
    assert of_reseller(provider, rid) == []
    assert provider.get("/v1/customers/" + kept).json["associatedPartnerId"] == keep
    # ending it again changes nothing and says so
    for loc in LOCALES:
        again = end(provider, rid, headers={"X-Locale": loc})
        assert_error(again, 409, field="state")
        assert rid in again.json["description"]


def test_ending_is_recorded_per_customer_and_for_the_relationship(provider):
    rid = add(provider)["id"]
    theirs = sorted(provider.create_ok(for_reseller(rid))["id"] for _ in range(2))
    assert end(provider, rid, headers={"MS-RequestId": "ended-" + rid}).status == 200
    recs = audit_all(provider, "&startDate=2000-01-01")
    cleared = [a for a in recs if a["operationType"] == "remove_indirect_reseller"]
    assert sorted(a["customerId"] for a in cleared) == theirs, cleared
    for a in cleared:
        assert json.loads(a["resourceOldValue"]) == {"associatedPartnerId": rid}, a
        assert json.loads(a["resourceNewValue"]) == {"associatedPartnerId": None}, a
        assert a["customerName"].startswith("间接客户") and custom(a, "RequestId") == "ended-" + rid
    (rel,) = [a for a in recs if a["operationType"] == "end_indirect_reseller_relationship"]
    assert custom(rel, "ResourceId") == rid and rel["resourceType"] == "indirect_reseller", rel
    assert json.loads(rel["resourceNewValue"]) == {"state": "Terminated", "customersCleared": 2}, rel
    added = [a for a in recs if a["operationType"] == "add_customer" and a["customerId"] in theirs]
    assert len(added) == 2 and all(json.loads(a["resourceNewValue"])["associatedPartnerId"] == rid
                                   for a in added), added
    (made,) = [a for a in recs if a["operationType"] == "add_indirect_reseller" and custom(a, "ResourceId") == rid]
    assert json.loads(made["resourceNewValue"])["state"] == "Active"


@pytest.mark.parametrize("body, field", [({}, "state"), ({"state": "Active"}, "state"),
                                         ({"state": 1}, "state"),
                                         ({"state": "Terminated", "name": "renamed"}, "name")])
def test_patch_takes_only_the_end(provider, body, field):
    rid = add(provider)["id"]
    assert_error(provider.req("PATCH", "%s/%s" % (REL, rid), body), 400, field=field, details=False)
    assert provider.get("%s/%s" % (REL, rid)).json["state"] == "Active"


# ---- roles -------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, manage, read", [
    ("global_admin", True, True), ("admin_agent", True, True), ("sales_agent", False, True),
    ("helpdesk_agent", False, True), ("billing_admin", False, True), ("user_management_admin", False, False),
])
def test_roles(provider, role, manage, read):
    rid = add(provider)["id"]
    staff = staff_client(provider, [role])
    r = staff.req("POST", REL, {"name": "By %s" % role, "mpnId": mpn()})
    assert r.status == (201 if manage else 403), r
    r = end(staff, rid)
    assert r.status == (200 if manage else 403), r
    assert staff.get(LIST).status == (200 if read else 403)
    assert staff.get("%s/%s" % (REL, rid)).status == (200 if read else 403)
    # creating for a reseller needs what creating needs, nothing more
    other = add(provider)["id"]
    can_create = role in ("global_admin", "admin_agent", "sales_agent")
    assert staff.create(for_reseller(other)).status == (201 if can_create else 403)


# ---- the race: a create for a reseller against the end of that reseller ----------------------

CLIENTS = 10
MAX_ROUNDS = 20


def test_no_customer_stays_with_an_ended_reseller(provider):
    """Creates for a reseller race the end of that reseller: whatever the interleaving, every
    create either refuses (400 associatedPartnerId) or made a customer that the end cleared;
    none is left associated with the ended reseller."""
    mixed = 0
    for _ in range(MAX_ROUNDS):
        rid = add(provider)["id"]
        creates = [lambda: provider.create(for_reseller(rid, "race")) for _ in range(CLIENTS)]
        answers, (ended,) = race(*creates, late=[lambda: end(provider, rid)], delay=0.0)
        assert ended.status == 200, ended
        made = []
        for r in answers:
            assert r.status in (201, 400), r
            if r.status == 400:
                assert_error(r, 400, field="associatedPartnerId")
            else:
                made.append(r.json["id"])
        left = of_reseller(provider, rid)
        assert left == [], "customers left with the ended reseller %s: %r" % (rid, [c["id"] for c in left])
        for cid in made:
            assert "associatedPartnerId" not in provider.get("/v1/customers/" + cid).json
        cleared = ended.json and [a for a in audit_all(provider, "&startDate=2000-01-01")
                                  if a["operationType"] == "remove_indirect_reseller"
                                  and json.loads(a["resourceOldValue"])["associatedPartnerId"] == rid]
        assert sorted(a["customerId"] for a in cleared) == sorted(made)
        mixed += 0 < len(made) < CLIENTS
        if mixed >= 2:
            break
    assert mixed >= 2, "the end never landed between the creates"


# ---- `partnerd reseller add` -------------------------------------------------------------------

def test_partnerd_reseller_add(server, provider):
    pid = provider.info["partnerId"]
    number = mpn()
    res = run_cli(["reseller", "add", "--db", server.db, "--partner", pid, "--name", "命令行经销商",
                   "--mpn-id", number, "--location", "cn", "--json"])
    assert res.returncode == 0, res.stderr
    made = json.loads(res.stdout)
    assert set(made) == PC_RELATIONSHIP_KEYS and made["location"] == "CN" and made["state"] == "Active"
    assert provider.get(LIST).json["items"] == [made]  # the only one so far
    assert provider.create(for_reseller(made["id"])).status == 201
    rec = [a for a in audit_all(provider, "&startDate=2000-01-01") if a["operationType"] == "add_indirect_reseller"]
    assert len(rec) == 1 and custom(rec[0], "PrincipalKind") == "operator", rec
    plain = run_cli(["reseller", "add", "--db", server.db, "--partner", pid, "--name", "Plain", "--mpn-id", mpn()])
    assert plain.returncode == 0 and plain.stdout.startswith("indirect reseller "), plain
    for args, flag in ((["--mpn-id", "12a"], "--mpn-id"), (["--mpn-id", number], "--mpn-id"),
                       (["--mpn-id", mpn(), "--id", made["id"]], "--id"), (["--mpn-id", mpn(), "--id", "x"], "--id"),
                       (["--mpn-id", mpn(), "--location", "ZZ"], "--location")):
        res = run_cli(["reseller", "add", "--db", server.db, "--partner", pid, "--name", "X"] + args)
        assert res.returncode == 2 and flag in res.stderr, (args, res.stderr)
    res = run_cli(["reseller", "add", "--db", server.db, "--partner", str(uuid.uuid4()), "--name", "X",
                   "--mpn-id", mpn()])
    assert res.returncode == 2 and "no partner" in res.stderr, res.stderr
    assert run_cli(["reseller", "add", "--db", server.db, "--partner", pid]).returncode == 2
    helped = run_cli(["reseller", "--help"])
    assert helped.returncode == 0 and "--mpn-id" in helped.stdout
    assert len(provider.get(LIST).json["items"]) == 2, "a refused add left a relationship"


# ---- an accepted relationship does not carry another partner's reseller ------------------------

def test_a_linked_account_has_no_reseller_of_the_home_partner(server, provider):
    rid = add(provider)["id"]
    c = provider.create_ok(for_reseller(rid))
    other = server.partner(uniq("Accepting Partner"))
    r = other.get("/v1/customers/relationshiprequests")
    assert r.status == 200, r
    code = r.json["url"].rsplit("/", 1)[1]
    body = urllib.parse.urlencode({"userName": c["userCredentials"]["userName"],
                                   "password": c["userCredentials"]["password"]})
    r = http_request(server.port, "POST", "/invite/" + code, body,
                     {"Content-Type": "application/x-www-form-urlencoded"}, source=fresh_source())
    assert r.status == 200, r
    g = other.get("/v1/customers/" + c["id"])
    assert g.status == 200 and "associatedPartnerId" not in g.json, g
    assert provider.get("/v1/customers/" + c["id"]).json["associatedPartnerId"] == rid
