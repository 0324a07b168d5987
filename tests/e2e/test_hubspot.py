"""End to end: the real crm-index binary syncing a `type: hubspot` source from the fake's
HubSpot dialect (CRM v3 list, search, archived list, OAuth token endpoint) on 127.0.0.1."""

import json
import os
import sys
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import Fake, FakeSourceTestCase, Workspace, assert_same_records, parse_summary  # noqa: E402

TOKEN = "pat-na1-0f3c-secret-token"


def hubspot_source(name, fake, auth=None, extra=""):
    auth = auth or f"{{ type: bearer, token: {TOKEN} }}"
    return (f"  - name: {name}\n    type: hubspot\n    base_url: {fake.url}\n"
            f"    auth: {auth}\n    portal_id: \"42\"\n{extra}")


def comparable(r, with_time=True):
    """Truth and export in one shape. HubSpot companies have no e-mail property, so the
    fake's company e-mail is not part of what the index can hold. After changes that no
    mapped field shows (a company's e-mail, a touch, a merge survivor's re-stamp) the
    index rightly keeps its row, and with it the older modification time: compare the
    time only right after a first full sync."""
    kind = r["kind"]
    out = {
        "kind": kind, "name": r["name"], "given_name": r.get("given_name"),
        "family_name": r.get("family_name"), "email": None if kind == "company" else r.get("email"),
        "phone": r.get("phone"), "company": r.get("company"),
    }
    if with_time:
        out["updated_at"] = r.get("updated_at", r.get("remote_updated_at"))
    return out


def search_total(fake, filters):
    """`total` of a contacts search on the fake's HubSpot dialect (waits out its 5/s)."""
    body = json.dumps({"filterGroups": [{"filters": filters}], "limit": 1, "after": "0"}).encode()
    for _ in range(20):
        req = urllib.request.Request(fake.url + "/crm/v3/objects/contacts/search", data=body, method="POST",
                                     headers={"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return json.loads(resp.read())["total"]
        except urllib.error.HTTPError as e:
            if e.code != 429:
                raise
            time.sleep(0.3)
    raise AssertionError("search stayed rate limited")


def assert_index_equals_truth(test, ws, fake, source, with_time=False):
    truth = {k: comparable(v, with_time) for k, v in fake.truth().items()}
    index = {k: comparable(v, with_time) for k, v in ws.exported(source).items()}
    assert_same_records(test, truth, index)


class HubspotTest(FakeSourceTestCase):
    N = 1500
    source = "hs"

    def setUp(self):
        self.fake = Fake("--records", str(self.N), "--seed", "5", "--bearer", TOKEN)
        self.ws = Workspace()
        self.ws.write_config(hubspot_source("hs", self.fake), defaults="  page_size: 200\n")

    def test_full_then_incremental_with_archived_deletions(self):
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        self.assertEqual(s["created"], self.N)
        assert_index_equals_truth(self, self.ws, self.fake, "hs", with_time=True)
        row = self.ws.query("SELECT web_url, CAST(crm_type AS TEXT), kind FROM records WHERE external_id = '10'")[0]
        self.assertEqual(row, ("https://app.hubspot.com/contacts/42/record/0-2/10", "hubspot", "company"))

        before = {k: comparable(v, False) for k, v in self.fake.truth().items()}
        changed = self.fake.mutate(update=37, create=11, delete=13, seed=3)
        after = {k: comparable(v, False) for k, v in self.fake.truth().items()}
        expected_updated = sum(1 for i in changed["updated"]
                               if str(i) in after and before[str(i)] != after[str(i)])
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        self.assertEqual(s["created"], 11)
        self.assertEqual(s["updated"], expected_updated)
        self.assertEqual(s["deleted"], 13)  # HubSpot shows deletions in the archived list
        assert_index_equals_truth(self, self.ws, self.fake, "hs")
        tombstones = self.ws.query("SELECT count(*) FROM records WHERE deleted_ms IS NOT NULL")[0][0]
        self.assertEqual(tombstones, 13)

        s, _ = self.sync("--full")
        self.assertEqual(s["status"], "ok")
        self.assertEqual(s["created"] + s["updated"] + s["deleted"], 0)

    def test_merge_gives_a_tombstone_with_merged_into(self):
        self.sync()
        self.fake.request("POST", "/_control/merge", {"loser": 5, "survivor": 4})
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        self.assertEqual(s["deleted"], 1)
        rows = self.ws.query("SELECT deleted_ms IS NOT NULL, merged_into FROM records WHERE external_id = '5'")
        self.assertEqual(rows, [(1, "4")])
        assert_index_equals_truth(self, self.ws, self.fake, "hs")

    def test_burst_of_equal_timestamps_is_paged_by_id(self):
        self.sync()
        touched = self.fake.mutate(touch=900, seed=2)["touched"]  # one second for all of them
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        self.assertGreaterEqual(s["unchanged"], len(touched))
        self.assertEqual(s["created"] + s["updated"] + s["deleted"], 0)
        self.assertNotIn("400", self.fake.stats()["by_status"])

    def test_429_and_5xx_are_survived(self):
        self.sync()
        self.fake.mutate(update=20, seed=4)
        self.fake.fault(kind="status", status=429, retry_after="1")
        self.fake.fault(kind="status", status=503, count=2)
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        self.assertEqual(self.fake.stats()["faults_pending"], 0)
        assert_index_equals_truth(self, self.ws, self.fake, "hs")

    def test_daily_limit_fails_the_run_with_a_clear_message(self):
        body = json.dumps({"status": "error", "message": "You have reached your daily limit.",
                           "errorType": "RATE_LIMIT", "correlationId": "c-1", "policyName": "DAILY",
                           "groupName": "publicapi:private-app-daily:42"})
        self.fake.fault(kind="status", status=429, body=body, count=10)
        before = self.fake.stats()["list_requests"]
        s, r = self.sync(expect=1)
        self.assertEqual(s["status"], "failed")
        self.assertIn("daily API limit", r.stdout + r.stderr)
        self.assertNotIn(TOKEN, r.stdout + r.stderr)
        # Not retried: the first DAILY answer ended the run.
        self.assertEqual(self.fake.stats()["list_requests"] - before, 1)

    def test_revoked_private_app_token_fails_with_hubspot_message_and_no_secret(self):
        self.sync()
        self.fake.request("POST", "/_control/tokens/revoke")
        s, r = self.sync(expect=1)
        self.assertEqual(s["status"], "failed")
        out = r.stdout + r.stderr
        self.assertIn("Authentication credentials not found", out)
        self.assertIn("401", out)
        self.assertNotIn(TOKEN, out)

    def test_search_cap_and_rate_limit_in_the_fake(self):
        def post(body):
            req = urllib.request.Request(self.fake.url + "/crm/v3/objects/contacts/search",
                                         data=json.dumps(body).encode(), method="POST",
                                         headers={"Authorization": "Bearer " + TOKEN,
                                                  "Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=10) as resp:
                    return resp.status, json.loads(resp.read())
            except urllib.error.HTTPError as e:
                return e.code, json.loads(e.read())
        status, body = post({"limit": 200, "after": "9800"})  # results 9,801..10,000: allowed
        self.assertEqual(status, 200, body)
        status, body = post({"limit": 200, "after": "9801"})  # would reach result 10,001
        self.assertEqual(status, 400)
        self.assertEqual(body["category"], "VALIDATION_ERROR")
        status, body = post({"limit": 201, "after": "0"})
        self.assertEqual(status, 400)
        answers = [post({"limit": 1, "after": "0"}) for _ in range(12)]  # search: 5 per second
        limited = [body for status, body in answers if status == 429]
        self.assertTrue(limited, [status for status, _ in answers])
        self.assertEqual(limited[0]["policyName"], "SECONDLY")
        self.assertEqual(limited[0]["errorType"], "RATE_LIMIT")


class HubspotCheckTest(unittest.TestCase):
    def test_check_reports_unknown_object_and_missing_auth_with_positions(self):
        ws = Workspace()
        try:
            ws.write_config("  - name: hs\n    type: hubspot\n    base_url: http://127.0.0.1:9\n"
                            "    objects: [contacts, deals]\n"
                            "  - name: hs2\n    type: hubspot\n    base_url: http://127.0.0.1:9\n")
            r = ws.run("check", "--config", ws.config)
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            out = r.stdout + r.stderr
            self.assertIn("crm-index.yaml:3:", out)  # hs: no auth, at the source block
            self.assertIn("hubspot needs auth", out)
            self.assertRegex(out, r"crm-index.yaml:6:\d+: .*unknown HubSpot object 'deals'")
        finally:
            ws.cleanup()


class HubspotOAuthTest(unittest.TestCase):
    def test_expired_token_is_refreshed_and_revoked_credentials_fail(self):
        fake = Fake("--records", "300")
        ws = Workspace()
        secret, refresh = "cs-very-secret-1", "rt-very-secret-2"
        auth = (f"{{ type: oauth2, grant: refresh_token, token_url: {fake.url}/oauth/v1/token, "
                f"client_id: app-1, client_secret: {secret}, refresh_token: {refresh} }}")
        try:
            ws.write_config(hubspot_source("hs", fake, auth=auth))
            r = ws.sync()
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr[-2000:])
            self.assertEqual(parse_summary(r.stdout, "hs")["created"], 300)
            fake.request("POST", "/_control/tokens/expire")
            fake.mutate(update=5, seed=1)
            r = ws.sync()
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr[-2000:])
            fake.request("POST", "/_control/tokens/revoke")
            r = ws.sync()
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr[-2000:])
            out = r.stdout + r.stderr
            self.assertIn("invalid refresh token", out)
            for s in (secret, refresh):
                self.assertNotIn(s, out)
        finally:
            fake.stop()
            ws.cleanup()


class HubspotSearchCapTest(unittest.TestCase):
    """More than 10,000 search results in one window, and more than 10,000 contacts
    sharing one timestamp: nothing may be missed and the fake's 400 never seen."""

    def test_windows_past_the_cap(self):
        n = 13000
        fake = Fake("--records", str(n), "--bearer", TOKEN)
        ws = Workspace()
        try:
            # An overlap longer than the data's history: the incremental search window
            # holds every contact (~11,700 > 10,000 results).
            ws.write_config(hubspot_source("hs", fake, extra="    overlap: 1000d\n"),
                            defaults="  page_size: 200\n  rate_limit: 20/s\n")
            r = ws.sync()
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr[-2000:])
            r = ws.sync()
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr[-2000:])
            s = parse_summary(r.stdout, "hs")
            self.assertGreaterEqual(s["unchanged"], n)
            stats = fake.stats()["by_status"]
            self.assertNotIn("400", stats)
            # Search requests draw from their own 4/s bucket: HubSpot's 5/s is never hit.
            self.assertNotIn("429", stats)
            # The window really held more than the cap.
            self.assertGreater(search_total(fake, [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": "0"}]), 10000)

            touched = fake.mutate(touch=12500, update=30, seed=8)
            instant = fake.truth()[str(touched["touched"][0])]["updated_at"]
            self.assertGreater(search_total(fake, [{"propertyName": "lastmodifieddate", "operator": "EQ", "value": instant}]), 10000)
            r = ws.sync()
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr[-2000:])
            s = parse_summary(r.stdout, "hs")
            self.assertGreaterEqual(s["unchanged"] + s["updated"], len(touched["touched"]))
            self.assertNotIn("400", fake.stats()["by_status"])
            assert_index_equals_truth(self, ws, fake, "hs")
        finally:
            fake.stop()
            ws.cleanup()


if __name__ == "__main__":
    unittest.main()
