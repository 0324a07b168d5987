"""End to end: the real crm-index binary syncing a `type: zoho` source from the fake's
Zoho CRM dialect (refresh-token OAuth against /oauth/v2/token, the Zoho-oauthtoken
header, Contacts and Accounts with +05:30 timestamps, If-Modified-Since windows, page
tokens past the 2,000-record wall, 204 for nothing new, the deleted-records endpoint,
Zoho's error bodies)."""

import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Fake, FakeSourceTestCase, Workspace, assert_same_records, comparable, http_get  # noqa: E402

N = 1200           # records; every 10th is an account, the others contacts
CLIENT_ID = "1000.CRMINDEXE2ECLIENT"           # what the fake's accounts server accepts
CLIENT_SECRET = "zoho-client-secret-1"
REFRESH_TOKEN = "1000.zoho-refresh-token-1"
ID_BASE = 554023000000000000


def zoho_source(name, fake, ws, extra="", secret=CLIENT_SECRET, refresh=REFRESH_TOKEN):
    for fname, value in (("zoho-secret", secret), ("zoho-refresh", refresh)):
        with open(os.path.join(ws.dir, fname), "w") as f:
            f.write(value + "\n")
    return (f"  - name: {name}\n    type: zoho\n    base_url: {fake.url}\n"
            f"    auth: {{ type: oauth2, grant: refresh_token, token_url: {fake.url}/oauth/v2/token,\n"
            f"            client_id: '{CLIENT_ID}', client_secret_file: {ws.dir}/zoho-secret,\n"
            f"            refresh_token_file: {ws.dir}/zoho-refresh }}\n{extra}")


def numeric_id(zid):
    return str(int(zid) - ID_BASE)


def mapped(r):
    """The mapped fields of a record (export or truth) without its modification time."""
    c = comparable(r)
    c.pop("updated_at")
    if c["kind"] == "company":
        c.pop("email")
    return c


def assert_matches_truth(test, ws, fake, source):
    def cmp(r):
        c = comparable(r)
        if c["kind"] == "company":
            # Zoho's Accounts have no e-mail field; an account whose only change was its
            # (fake) e-mail changes no mapped field, so the index keeps its old time.
            c.pop("email")
            c.pop("updated_at")
        return c
    truth = {k: cmp(v) for k, v in fake.truth().items()}
    index = {}
    for zid, r in ws.exported(source).items():
        index[numeric_id(zid)] = cmp(r)
        module = "Accounts" if r["kind"] == "company" else "Contacts"
        test.assertEqual(r["web_url"], f"{fake.url}/crm/tab/{module}/{zid}")
    assert_same_records(test, truth, index)


class ZohoSyncTest(FakeSourceTestCase):
    source = "zo"

    def setUp(self):
        # The fake caps pages at 100 while the config asks for 150.
        self.fake = Fake("--records", str(N), "--seed", "6", "--max-page-size", "100")
        self.ws = Workspace()
        self.ws.write_config(zoho_source("zo", self.fake, self.ws), defaults="  page_size: 150\n  timeout: 5s\n")

    def test_full_incremental_with_deletions_then_full_is_exact(self):
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        self.assertEqual(s["created"], N)
        assert_matches_truth(self, self.ws, self.fake, "zo")
        self.assertTrue(any(r["company"] for r in self.ws.exported("zo").values() if r["kind"] == "person"))
        self.assertGreaterEqual(self.fake.stats()["list_requests"], N // 100)

        before = {numeric_id(k): mapped(v) for k, v in self.ws.exported("zo").items()}
        changed = self.fake.mutate(update=31, create=9, delete=12, seed=3)
        truth = self.fake.truth()
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        self.assertEqual(s["created"], 9)
        really = [i for i in set(changed["updated"]) - set(changed["deleted"]) if mapped(truth[str(i)]) != before[str(i)]]
        self.assertGreater(len(really), 20)
        self.assertEqual(s["updated"], len(really))
        self.assertEqual(s["deleted"], 12)  # from /{Module}/deleted, not from a full pass
        self.assertLess(s["fetched"], N)
        tomb = {numeric_id(r[0]) for r in self.ws.query("SELECT external_id FROM records WHERE deleted_ms IS NOT NULL")}
        self.assertEqual(tomb, {str(i) for i in changed["deleted"]})
        assert_matches_truth(self, self.ws, self.fake, "zo")

        # Nothing changed since: every window answers 204, nothing is written.
        s, _ = self.sync()
        self.assertEqual((s["status"], s["created"], s["updated"], s["deleted"]), ("ok", 0, 0, 0))
        self.assertGreaterEqual(self.fake.stats()["by_status"].get("204", 0), 2)

        s, _ = self.sync("--full")
        self.assertEqual(s["status"], "ok")
        self.assertEqual(s["created"] + s["updated"] + s["deleted"], 0)
        assert_matches_truth(self, self.ws, self.fake, "zo")

    def test_bulk_update_past_the_2000_wall_and_edits_while_paging(self):
        self.sync()
        # 1,100 records edited in one burst share one or two Modified_Time seconds; with
        # pages of 100, page numbers alone could not go past 2,000, and offset pages would
        # shift under the edits queued below.
        self.fake.mutate(update=1100, seed=9)
        # The edits below must land in a later second than the burst, as real edits do: an
        # edit within the second a client already read is only seen by the next run's overlap.
        time.sleep(1.1)
        self.fake.fault(kind="mutate_after", skip=2, update=7)
        self.fake.fault(kind="mutate_after", skip=3, update=7)
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        self.assertGreaterEqual(s["fetched"], 1000)
        assert_matches_truth(self, self.ws, self.fake, "zo")
        self.fake.fault(kind="mutate_after", skip=4, update=9)
        s, _ = self.sync("--full")
        self.assertEqual(s["status"], "ok")
        self.assertEqual(s["deleted"], 0)
        assert_matches_truth(self, self.ws, self.fake, "zo")

    def test_429_and_5xx_are_survived(self):
        self.sync()
        self.fake.mutate(update=20, seed=4)
        self.fake.fault(kind="status", status=429, count=2)
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        self.fake.fault(kind="status", status=503, count=2)
        s, _ = self.sync("--full")
        self.assertEqual(s["status"], "ok")
        assert_matches_truth(self, self.ws, self.fake, "zo")
        self.assertGreaterEqual(self.fake.stats()["by_status"].get("429", 0), 2)
        self.assertGreaterEqual(self.fake.stats()["by_status"].get("503", 0), 2)

    def test_persistent_429_fails_with_zohos_code_and_keeps_the_watermark(self):
        self.sync()
        wm = self.ws.watermark("zo")
        self.fake.fault(kind="status", status=429, count=50)
        s, r = self.sync(expect=1)
        self.assertEqual(s["status"], "failed")
        self.assertIn("TOO_MANY_REQUESTS", r.stdout)
        self.assertEqual(self.ws.watermark("zo"), wm)

    def test_revoked_refresh_token_fails_without_secrets(self):
        self.sync()
        self.fake.request("POST", "/_control/tokens/revoke", {})
        s, r = self.sync(expect=1)
        self.assertEqual(s["status"], "failed")
        self.assertIn("invalid_code", r.stdout)
        for text in (r.stdout, r.stderr, self.ws.query("SELECT error FROM runs ORDER BY id DESC LIMIT 1")[0][0]):
            self.assertNotIn(CLIENT_SECRET, text)
            self.assertNotIn(REFRESH_TOKEN, text)

    def test_a_token_zoho_refuses_fails_as_auth_after_one_refresh(self):
        self.sync()
        issued = json.loads(self.fake.request("POST", "/_control/tokens/restore", {}))["issued"]
        self.fake.fault(kind="status", status=401, count=10)
        s, r = self.sync(expect=1)
        self.assertEqual(s["status"], "failed")
        self.assertIn("HTTP 401: INVALID_TOKEN: invalid oauth token", r.stdout)
        after = json.loads(self.fake.request("POST", "/_control/tokens/restore", {}))["issued"]
        self.assertEqual(after - issued, 2)  # the run's token and exactly one refresh

    def test_wrong_client_secret_fails_without_echoing_it(self):
        self.ws.write_config(zoho_source("zo", self.fake, self.ws, secret="not-the-secret-xyz"))
        s, r = self.sync(expect=1)
        self.assertIn("invalid_client", r.stdout)
        self.assertNotIn("not-the-secret-xyz", r.stdout + r.stderr)

    def test_check_reports_unknown_module_with_its_line(self):
        self.ws.write_config(zoho_source("zo", self.fake, self.ws, extra="    objects: [Contacts, Leads]\n"))
        r = self.ws.run("check", "--config", self.ws.config)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn(f"{self.ws.config}:", r.stderr)
        self.assertIn("unknown module 'Leads'", r.stderr)


class ZohoDialectTest(unittest.TestCase):
    """The fake's Zoho dialect is as strict as the service (raw HTTP, no crm-index)."""

    @classmethod
    def setUpClass(cls):
        cls.fake = Fake("--records", "2600", "--max-page-size", "200")
        import urllib.parse
        q = urllib.parse.urlencode({"grant_type": "refresh_token", "client_id": CLIENT_ID,
                                    "client_secret": CLIENT_SECRET, "refresh_token": REFRESH_TOKEN})
        tok = json.loads(cls.fake.request("POST", "/oauth/v2/token?" + q, {}))
        assert tok["token_type"] == "Bearer" and tok["expires_in"] == 3600, tok
        cls.token = tok["access_token"]

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()

    def get(self, query, path="/crm/v8/Contacts", auth=None, ims=None):
        headers = {"Authorization": auth or f"Zoho-oauthtoken {self.token}"}
        if ims:
            headers["If-Modified-Since"] = ims
        status, hdrs, body = http_get(self.fake.port, path + query, headers)
        return status, (json.loads(body) if body else None)

    F = "?fields=Full_Name,Modified_Time&sort_by=Modified_Time&sort_order=asc&per_page=200"

    def test_bearer_and_bad_tokens_are_refused(self):
        self.assertEqual(self.get(self.F, auth=f"Bearer {self.token}")[1]["code"], "AUTHENTICATION_FAILURE")
        status, body = self.get(self.F, auth="Zoho-oauthtoken 1000.nope")
        self.assertEqual((status, body["code"], body["status"]), (401, "INVALID_TOKEN", "error"))

    def test_request_errors_have_zoho_codes(self):
        for query, path, ims, code in [("?per_page=5", "/crm/v8/Contacts", None, "REQUIRED_PARAM_MISSING"),
                                       ("?fields=Nope", "/crm/v8/Contacts", None, "INVALID_DATA"),
                                       (self.F, "/crm/v8/Leads", None, "INVALID_MODULE"),
                                       (self.F, "/crm/v8/Contacts", "2025-01-01T00:00:00", "INVALID_DATA"),
                                       (self.F + "&page=11", "/crm/v8/Contacts", None, "DISCRETE_PAGINATION_LIMIT_EXCEEDED"),
                                       (self.F + "&page_token=AAAA", "/crm/v8/Contacts", None, "INVALID_DATA")]:
            with self.subTest(query=query, path=path):
                status, body = self.get(query, path=path, ims=ims)
                self.assertEqual(status, 400, body)
                self.assertEqual(body["code"], code)

    def test_default_order_is_descending_and_times_carry_the_org_offset(self):
        status, body = self.get("?fields=Modified_Time&per_page=3")
        self.assertEqual(status, 200)
        ids = [int(r["id"]) - ID_BASE for r in body["data"]]
        self.assertEqual(ids, sorted(ids, reverse=True))
        self.assertTrue(body["data"][0]["Modified_Time"].endswith("+05:30"))
        self.assertEqual(body["info"]["sort_order"], "desc")

    def test_page_tokens_go_past_page_10_and_are_bound_to_the_request(self):
        status, body = self.get(self.F + "&page=10")
        self.assertEqual(status, 200)
        self.assertTrue(body["info"]["more_records"])
        token = body["info"]["next_page_token"]
        status, page11 = self.get(self.F + "&page_token=" + token)
        self.assertEqual(status, 200, page11)
        self.assertEqual(len(page11["data"]), 200)  # 2,600 records, 260 accounts: 2,340 contacts
        self.assertTrue(page11["info"]["more_records"])
        status, page12 = self.get(self.F + "&page_token=" + page11["info"]["next_page_token"])
        self.assertEqual(len(page12["data"]), 140)
        self.assertFalse(page12["info"]["more_records"])
        self.assertIsNone(page12["info"]["next_page_token"])
        status, body = self.get(self.F.replace("per_page=200", "per_page=100") + "&page_token=" + token)
        self.assertEqual((status, body["code"]), (400, "TOKEN_BOUND_DATA_MISMATCH"))

    def test_nothing_new_is_204_and_if_modified_since_is_strictly_after(self):
        status, body = self.get(self.F, ims="2030-01-01T00:00:00+00:00")
        self.assertEqual((status, body), (204, None))
        # Seeded records 1-3 share 2025-01-01T00:00:00Z; "after 00:00:00" leaves out id 1-3.
        status, body = self.get(self.F, ims="2025-01-01T05:30:00+05:30")
        self.assertEqual(status, 200)
        self.assertEqual(int(body["data"][0]["id"]) - ID_BASE, 4)
        status, body = self.get("?type=all", path="/crm/v8/Contacts/deleted")
        self.assertEqual((status, body), (204, None))


if __name__ == "__main__":
    unittest.main()
