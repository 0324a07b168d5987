"""End to end: the real crm-index binary syncing a `type: dynamics` source from the fake's
Dataverse Web API dialect (OAuth client credentials against /{tenant}/oauth2/v2.0/token,
contacts and accounts, GUID ids, @odata.nextLink with $skiptoken, OData errors)."""

import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import (CRM_INDEX, Fake, FakeSourceTestCase, Workspace, assert_same_records,  # noqa: E402
                     comparable, http_get, parse_summary, wait_until)

N = 1200           # records; every 10th is an account, the others contacts
CLIENT_ID = "3f1c2a9e-crm-index-e2e"          # what the fake's token endpoint accepts
CLIENT_SECRET = "dyn-client-secret-1"


def dynamics_source(name, fake, secret_file, extra=""):
    return (f"  - name: {name}\n    type: dynamics\n    base_url: {fake.url}\n"
            f"    auth: {{ type: oauth2, grant: client_credentials,\n"
            f"            token_url: {fake.url}/tenant-1/oauth2/v2.0/token,\n"
            f"            client_id: {CLIENT_ID}, client_secret_file: {secret_file},\n"
            f"            scope: https://acme.crm4.dynamics.com/.default }}\n{extra}")


def write_secret(ws, value):
    path = os.path.join(ws.dir, "dyn-client-secret")
    with open(path, "w") as f:
        f.write(value + "\n")
    return path


def numeric_id(guid):
    """The fake puts the seeded numeric id in a GUID's first 8 hex digits."""
    return str(int(guid[:8], 16))


def assert_matches_truth(test, ws, fake, source, ignore=()):
    def cmp(r):
        c = comparable(r)
        for k in ignore:
            c.pop(k)
        return c
    truth = {k: cmp(v) for k, v in fake.truth().items()}
    index = {}
    for guid, r in ws.exported(source).items():
        index[numeric_id(guid)] = cmp(r)
        test.assertIn(f"&id={guid}&pagetype=entityrecord", r["web_url"])
        test.assertIn("etn=account" if r["kind"] == "company" else "etn=contact", r["web_url"])
    assert_same_records(test, truth, index)


class DynamicsSyncTest(FakeSourceTestCase):
    source = "dyn"

    def setUp(self):
        # The fake caps pages at 100 while the config asks for 250: nextLink must be followed.
        self.fake = Fake("--records", str(N), "--seed", "5", "--max-page-size", "100")
        self.ws = Workspace()
        self.secret = write_secret(self.ws, CLIENT_SECRET)
        self.ws.write_config(dynamics_source("dyn", self.fake, self.secret),
                             defaults="  page_size: 250\n  timeout: 5s\n")

    def test_full_then_incremental_then_full_pass_finds_deletions(self):
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        self.assertEqual(s["created"], N)
        assert_matches_truth(self, self.ws, self.fake, "dyn")
        # Contacts carry their parent account's name (the FormattedValue annotation).
        self.assertTrue(any(r["company"] for r in self.ws.exported("dyn").values() if r["kind"] == "person"))
        lists = self.fake.stats()["list_requests"]
        self.assertGreaterEqual(lists, N // 100)  # pages of at most 100

        changed = self.fake.mutate(update=31, create=9, delete=12, seed=3)
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        self.assertEqual(s["created"], 9)
        self.assertEqual(s["updated"], len(set(changed["updated"]) - set(changed["deleted"])))
        self.assertEqual(s["deleted"], 0)  # the modifiedon filter cannot see deletions
        # Only the window since (watermark - 5 min overlap): the seeded records of the last
        # 5 minutes of seeded time, plus the changed ones.
        self.assertLess(s["fetched"], N)
        self.assertGreaterEqual(s["fetched"], 31 + 9)
        index = {numeric_id(g) for g in self.ws.exported("dyn")}
        for rid in changed["created"]:
            self.assertIn(str(rid), index)

        s, _ = self.sync("--full")
        self.assertEqual(s["status"], "ok")
        self.assertEqual(s["deleted"], 12)
        self.assertEqual(s["created"] + s["updated"], 0)
        assert_matches_truth(self, self.ws, self.fake, "dyn")

    def test_merge_arrives_as_tombstone_with_merged_into(self):
        self.sync()
        # Two contacts (every 10th id is an account): 12 merged into 13.
        self.fake.request("POST", "/_control/merge", {"loser": 12, "survivor": 13})
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        self.assertEqual(s["deleted"], 1)
        rows = self.ws.query("SELECT external_id, merged_into FROM records WHERE deleted_ms IS NOT NULL")
        self.assertEqual(len(rows), 1)
        self.assertEqual(numeric_id(rows[0][0]), "12")
        self.assertEqual(numeric_id(rows[0][1]), "13")
        s, _ = self.sync("--full")  # the deactivated row keeps coming: still a tombstone
        self.assertEqual(s["deleted"] + s["created"], 0)
        # The survivor was only re-stamped: no mapped field changed, so nothing was written.
        assert_matches_truth(self, self.ws, self.fake, "dyn", ignore=("updated_at",))

    def test_429_and_5xx_are_survived(self):
        self.sync()
        self.fake.mutate(update=20, seed=4)
        self.fake.fault(kind="status", status=429, retry_after="1", count=2)
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        self.fake.fault(kind="status", status=503, count=2)
        s, _ = self.sync("--full")
        self.assertEqual(s["status"], "ok")
        assert_matches_truth(self, self.ws, self.fake, "dyn")
        self.assertGreaterEqual(self.fake.stats()["by_status"].get("429", 0), 2)

    def test_persistent_429_fails_with_the_service_protection_message(self):
        self.sync()
        wm = self.ws.watermark("dyn")
        self.fake.fault(kind="status", status=429, retry_after="0", count=50)
        s, r = self.sync(expect=1)
        self.assertEqual(s["status"], "failed")
        self.assertIn("0x80072322", r.stdout)
        self.assertEqual(self.ws.watermark("dyn"), wm)

    def test_expired_token_is_refreshed(self):
        self.sync()
        self.fake.mutate(update=5, seed=8)
        issued_before = json.loads(self.fake.request("POST", "/_control/tokens/restore", {}))["issued"]
        # The second list request of the next run is held for 2 s; while it waits, every
        # token expires, so Dataverse answers it 401 and the client must refresh once.
        self.fake.fault(kind="slow", delay_ms=2000, skip=1, count=1)
        proc = subprocess.Popen([CRM_INDEX, "sync", "--full", "--config", self.ws.config],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=dict(os.environ))
        try:
            wait_until(lambda: self.fake.stats()["faults_pending"] == 0, 20, "the slow request")
            self.fake.request("POST", "/_control/tokens/expire", {})
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        self.assertEqual(proc.returncode, 0, out + err[-2000:])
        self.assertEqual(parse_summary(out, "dyn")["status"], "ok")
        self.assertGreaterEqual(self.fake.stats()["by_status"].get("401", 0), 1)
        issued = json.loads(self.fake.request("POST", "/_control/tokens/restore", {}))["issued"]
        self.assertEqual(issued - issued_before, 2)  # the run's first token and one refresh
        assert_matches_truth(self, self.ws, self.fake, "dyn")

    def test_revoked_credentials_fail_with_the_vendor_message_and_no_secret(self):
        self.sync()
        self.fake.request("POST", "/_control/tokens/revoke", {})
        s, r = self.sync(expect=1)
        self.assertEqual(s["status"], "failed")
        self.assertIn("AADSTS7000222", r.stdout)
        for text in (r.stdout, r.stderr):
            self.assertNotIn(CLIENT_SECRET, text)
        row = self.ws.query("SELECT error FROM runs ORDER BY id DESC LIMIT 1")[0][0]
        self.assertIn("401", row)
        self.assertNotIn(CLIENT_SECRET, row)

    def test_dataverse_refusing_fresh_tokens_fails_with_its_challenge(self):
        # E.g. no application user in the environment: tokens are issued, every call is 401.
        self.sync()
        wm = self.ws.watermark("dyn")
        self.fake.fault(kind="status", status=401, count=10)
        s, r = self.sync(expect=1)
        self.assertEqual(s["status"], "failed")
        self.assertIn("HTTP 401: WWW-Authenticate: Bearer error=invalid_token", r.stdout)
        self.assertNotIn(CLIENT_SECRET, r.stdout + r.stderr)
        self.assertNotIn("fake-token-", r.stdout + r.stderr)
        self.assertEqual(self.ws.watermark("dyn"), wm)

    def test_wrong_secret_fails_without_echoing_it(self):
        write_secret(self.ws, "not-the-secret-xyz")
        s, r = self.sync(expect=1)
        self.assertIn("AADSTS7000215", r.stdout)
        self.assertNotIn("not-the-secret-xyz", r.stdout + r.stderr)

    def test_check_reports_unknown_object_with_its_line(self):
        self.ws.write_config(dynamics_source("dyn", self.fake, self.secret, extra="    objects: [contacts, leads]\n"))
        r = self.ws.run("check", "--config", self.ws.config)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn(f"{self.ws.config}:", r.stderr)
        self.assertIn("unknown object 'leads'", r.stderr)


class DynamicsObjectsTest(unittest.TestCase):
    def test_accounts_only(self):
        fake = Fake("--records", "500")
        ws = Workspace()
        try:
            ws.write_config(dynamics_source("acc", fake, write_secret(ws, CLIENT_SECRET),
                                            extra="    objects: [accounts]\n"))
            r = ws.run("sync", "--config", ws.config)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr[-2000:])
            s = parse_summary(r.stdout, "acc")
            self.assertEqual(s["created"], 50)
            self.assertEqual({x["kind"] for x in ws.exported("acc").values()}, {"company"})
        finally:
            fake.stop()
            ws.cleanup()


class DynamicsDialectTest(unittest.TestCase):
    """The fake's Dataverse dialect is as strict as the service (raw HTTP, no crm-index)."""

    @classmethod
    def setUpClass(cls):
        cls.fake = Fake("--records", "40", "--max-page-size", "100")
        import urllib.parse
        form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": CLIENT_ID,
                                       "client_secret": CLIENT_SECRET,
                                       "scope": "https://acme.crm4.dynamics.com/.default"})
        status, _, body = cls.post("/tenant-1/oauth2/v2.0/token", form)
        assert status == 200, body
        tok = json.loads(body)
        assert tok["token_type"] == "Bearer" and tok["expires_in"] == 3599, tok
        cls.token = tok["access_token"]

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()

    @classmethod
    def post(cls, path, form):
        import http.client
        con = http.client.HTTPConnection("127.0.0.1", cls.fake.port, timeout=30)
        try:
            con.request("POST", path, body=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
            resp = con.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read().decode()
        finally:
            con.close()

    def get(self, query, prefer=None, token=True, path="/api/data/v9.2/contacts"):
        headers = {"Accept": "application/json", "OData-Version": "4.0"}
        if token:
            headers["Authorization"] = f"Bearer {self.token}"
        if prefer:
            headers["Prefer"] = prefer
        status, hdrs, body = http_get(self.fake.port, path + query, headers)
        return status, hdrs, body.decode()

    ORDER = "$orderby=modifiedon%20asc,contactid%20asc"

    def test_401_has_an_empty_body_and_a_challenge(self):
        status, hdrs, body = self.get("?" + self.ORDER, token=False)
        self.assertEqual((status, body), (401, ""))
        self.assertIn("Bearer error=invalid_token", hdrs["www-authenticate"])

    def test_unsupported_syntax_is_a_400_odata_error(self):
        for query, words in [("?$skip=10&" + self.ORDER, "$skip"),
                             ("?$select=contactid,foo&" + self.ORDER, "Could not find a property named 'foo'"),
                             ("?$filter=modifiedon%20ge%20'2025-01-01T00:00:00Z'&" + self.ORDER, "incompatible types"),
                             ("?$filter=modifiedon%20ge%202025-01-01T00:00:00&" + self.ORDER, "DateTimeOffset"),
                             ("?$orderby=fullname%20asc", "$orderby")]:
            with self.subTest(query=query):
                status, _, body = self.get(query)
                self.assertEqual(status, 400, body)
                err = json.loads(body)["error"]
                self.assertTrue(err["code"].startswith("0x"))
                self.assertIn(words, err["message"])

    def test_page_cap_next_link_and_annotations_only_on_request(self):
        prefer = 'odata.maxpagesize=9999,odata.include-annotations="OData.Community.Display.V1.FormattedValue"'
        status, hdrs, body = self.get("?$select=contactid,_parentcustomerid_value&" + self.ORDER, prefer)
        self.assertEqual(status, 200, body)
        self.assertTrue(hdrs["preference-applied"].startswith("odata.maxpagesize=100"))
        page = json.loads(body)
        self.assertEqual(len(page["value"]), 36)  # 40 records, every 10th an account
        self.assertNotIn("@odata.nextLink", page)
        self.assertTrue(any("_parentcustomerid_value@OData.Community.Display.V1.FormattedValue" in r for r in page["value"]))
        status, _, body = self.get("?$select=contactid,_parentcustomerid_value&" + self.ORDER, "odata.maxpagesize=5")
        page = json.loads(body)
        self.assertEqual(len(page["value"]), 5)
        self.assertFalse(any("_parentcustomerid_value@OData.Community.Display.V1.FormattedValue" in r for r in page["value"]))
        link = page["@odata.nextLink"]
        self.assertIn("$skiptoken=", link)
        # The link does not carry the Prefer header: without it the page size is the cap.
        status, _, body = http_get(self.fake.port, link.split(str(self.fake.port), 1)[1],
                                   {"Authorization": f"Bearer {self.token}"})[0:3]
        self.assertEqual(status, 200)
        self.assertEqual(len(json.loads(body)["value"]), 31)


if __name__ == "__main__":
    unittest.main()
