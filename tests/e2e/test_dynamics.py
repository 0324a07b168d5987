"""End to end: the real crm-index binary syncing a `type: dynamics` source from the fake's
Dataverse Web API dialect (OAuth client credentials against /{tenant}/oauth2/v2.0/token,
contacts and accounts, GUID ids, @odata.nextLink with $skiptoken, OData errors, change
tracking: delta links, deleted rows, expired tokens)."""

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

    def test_full_then_incremental_sees_deletions_through_change_tracking(self):
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        self.assertEqual(s["created"], N)
        assert_matches_truth(self, self.ws, self.fake, "dyn")
        # Contacts carry their parent account's name (the FormattedValue annotation).
        self.assertTrue(any(r["company"] for r in self.ws.exported("dyn").values() if r["kind"] == "person"))
        lists = self.fake.stats()["list_requests"]
        self.assertGreaterEqual(lists, N // 100)  # pages of at most 100

        changed = self.fake.mutate(update=31, create=9, delete=12, seed=3)
        s, r = self.sync()
        self.assertEqual(s["status"], "ok")
        self.assertIn("dyn: ok incremental", r.stdout)
        self.assertEqual(s["created"], 9)
        self.assertEqual(s["updated"], len(set(changed["updated"]) - set(changed["deleted"])))
        self.assertEqual(s["deleted"], 12)  # the delta link lists them
        # Only what changed since the delta link was made: no overlap window re-read.
        self.assertLess(s["fetched"], 31 + 9 + 12 + 10)
        self.assertGreaterEqual(s["fetched"], 31 + 9 + 12)
        assert_matches_truth(self, self.ws, self.fake, "dyn")
        index = {numeric_id(g) for g in self.ws.exported("dyn")}
        for rid in changed["created"]:
            self.assertIn(str(rid), index)

        s, _ = self.sync("--full")
        self.assertEqual(s["status"], "ok")
        self.assertEqual(s["created"] + s["updated"] + s["deleted"] + s["touched"], 0)
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
        # The survivor was only re-stamped: no mapped field changed, only its time follows.
        assert_matches_truth(self, self.ws, self.fake, "dyn")

    def run_modes(self):
        return self.ws.query("SELECT mode, status, coalesce(error, '') FROM runs ORDER BY id")

    def test_the_delta_link_survives_a_restart_and_a_deletion_arrives_incrementally(self):
        s, _ = self.sync()
        self.assertEqual(s["created"], N)
        state = json.loads(self.ws.query("SELECT connector_state FROM sources WHERE name = 'dyn'")[0][0])
        self.assertEqual(sorted(state["objects"]), ["accounts", "contacts"])
        for o in state["objects"].values():
            self.assertIn("$deltatoken=", o["delta"])
        # Every `sync` is a new process: the next one reads the stored delta links.
        self.fake.request("DELETE", "/_control/records/17")
        lists = self.fake.stats()["list_requests"]
        s, r = self.sync()
        self.assertEqual(s["status"], "ok")
        self.assertIn("dyn: ok incremental", r.stdout)
        self.assertEqual(s["deleted"], 1)
        self.assertEqual(self.fake.stats()["list_requests"] - lists, 2)  # one delta page per entity set
        row = self.ws.query("SELECT deleted_ms IS NOT NULL, name FROM records WHERE external_id LIKE '00000011-%'")
        self.assertEqual(row[0][0], 1)
        self.assertTrue(row[0][1])  # the tombstone keeps the record's fields
        assert_matches_truth(self, self.ws, self.fake, "dyn")
        # Nothing changed: the next delta writes nothing (the fake's versions are whole
        # seconds, so a change of the second the link was made for may come once more).
        before = self.ws.fingerprint()
        s, _ = self.sync()
        self.assertLessEqual(s["fetched"], 1)
        self.assertEqual(s["created"] + s["updated"] + s["deleted"] + s["touched"], 0)
        self.assertEqual(self.ws.fingerprint(), before)
        self.assertEqual([m for m, _, _ in self.run_modes()], ["full", "incremental", "incremental"])

    def test_an_expired_delta_token_brings_a_full_pass_and_the_index_equals_truth(self):
        self.sync()
        self.fake.mutate(update=7, delete=4, create=3, touch=5, seed=11)
        self.fake.request("POST", "/_control/deltatokens/expire", {})
        s, r = self.sync()
        self.assertEqual(s["status"], "ok", r.stdout + r.stderr[-2000:])
        self.assertIn("dyn: ok full", r.stdout)
        self.assertEqual(s["deleted"], 4)
        assert_matches_truth(self, self.ws, self.fake, "dyn")
        runs = self.run_modes()
        self.assertEqual([(m, st) for m, st, _ in runs[-2:]], [("incremental", "failed"), ("full", "ok")])
        self.assertIn("0x80044352", runs[-2][2])
        self.assertIn("Please perform a full sync", runs[-2][2])
        # The full pass made new delta links: the run after it is incremental again.
        s, r = self.sync()
        self.assertIn("dyn: ok incremental", r.stdout)

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


class DynamicsUntrackedTableTest(unittest.TestCase):
    def test_a_table_without_change_tracking_is_read_by_modifiedon_and_its_deletions_wait(self):
        fake = Fake("--records", "300", "--dynamics-untracked", "accounts")
        ws = Workspace()
        try:
            ws.write_config(dynamics_source("dyn", fake, write_secret(ws, CLIENT_SECRET)))
            r = ws.run("sync", "--config", ws.config)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr[-2000:])
            state = json.loads(ws.query("SELECT connector_state FROM sources")[0][0])["objects"]
            self.assertEqual(state["accounts"]["delta"], "")
            self.assertIn("$deltatoken=", state["contacts"]["delta"])
            fake.request("DELETE", "/_control/records/20")  # an account
            fake.request("DELETE", "/_control/records/21")  # a contact
            r = ws.run("sync", "--config", ws.config)
            s = parse_summary(r.stdout, "dyn")
            self.assertIn("dyn: ok incremental", r.stdout)
            self.assertEqual(s["deleted"], 1)  # the contact, through its delta link
            r = ws.run("sync", "--full", "--config", ws.config)
            self.assertEqual(parse_summary(r.stdout, "dyn")["deleted"], 1)  # the account
            assert_matches_truth(self, ws, fake, "dyn")
        finally:
            fake.stop()
            ws.cleanup()


class DynamicsDialectTest(unittest.TestCase):
    """The fake's Dataverse dialect is as strict as the service (raw HTTP, no crm-index)."""

    @classmethod
    def setUpClass(cls):
        cls.fake = Fake("--records", "40", "--max-page-size", "100")
        cls.issue_token()

    @classmethod
    def issue_token(cls):
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
    TRACK = 'odata.track-changes,odata.maxpagesize=100'

    def test_change_tracking_delta_links_deleted_rows_and_expiry(self):
        try:
            self.check_change_tracking()
        finally:  # the other tests read the seeded 40 records
            self.fake.request("POST", "/_control/reset", {})
            self.issue_token()

    def check_change_tracking(self):
        status, _, body = self.get("?$select=contactid&" + self.ORDER, self.TRACK)
        self.assertEqual(status, 400)
        self.assertIn("isn't supported when Change Tracking is enabled", json.loads(body)["error"]["message"])
        status, hdrs, body = self.get("?$select=contactid,emailaddress1", self.TRACK)
        self.assertEqual(status, 200, body)
        self.assertTrue(hdrs["preference-applied"].startswith("odata.track-changes"))
        page = json.loads(body)
        self.assertEqual(len(page["value"]), 36)
        link = page["@odata.deltaLink"]
        self.assertRegex(link, r"/api/data/v9\.2/contacts\?\$select=contactid%2Cemailaddress1&\$deltatoken=\d+%21")
        path = link.split(str(self.fake.port), 1)[1]
        # Nothing changed yet: an empty delta and a new link.
        status, _, body = self.get(path[len("/api/data/v9.2/contacts"):], "odata.maxpagesize=100")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["value"], [])
        self.fake.request("DELETE", "/_control/records/3")
        self.fake.request("PATCH", "/_control/records/4", {"email": "new4@example.org"})
        status, _, body = self.get(path[len("/api/data/v9.2/contacts"):], "odata.maxpagesize=100")
        delta = json.loads(body)
        self.assertTrue(delta["@odata.context"].endswith("/$delta"))
        rows = delta["value"]
        self.assertEqual([r["emailaddress1"] for r in rows if "contactid" in r], ["new4@example.org"])
        gone = [r for r in rows if r.get("@odata.context", "").endswith("#contacts/$deletedEntity")]
        self.assertEqual([(numeric_id(r["id"]), r["reason"]) for r in gone], [("3", "deleted")])
        self.assertIn("@odata.deltaLink", delta)
        self.fake.request("POST", "/_control/deltatokens/expire", {})
        status, _, body = self.get(path[len("/api/data/v9.2/contacts"):])
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(body)["error"]["code"], "0x80044352")

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
