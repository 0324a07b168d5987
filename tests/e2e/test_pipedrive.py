"""End to end: the real crm-index binary syncing a `type: pipedrive` source from the fake's
Pipedrive API v2 dialect (x-api-token header, persons and organizations with keyset
cursors, org_id resolved through organizations?ids=, x-ratelimit-* burst windows and a
daily token budget, Pipedrive's error bodies)."""

import base64
import json
import os
import sys
import unittest
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import (Fake, FakeSourceTestCase, Workspace, assert_same_records, comparable,  # noqa: E402
                     parse_summary)

N = 1200                                   # every 10th record is an organization
API_TOKEN = "pd-api-token-0123456789abcdef"  # what the fake accepts in x-api-token


def pipedrive_source(name, fake, token_file, extra=""):
    return (f"  - name: {name}\n    type: pipedrive\n    base_url: {fake.url}\n"
            f"    auth: {{ type: api_key, in: header, name: x-api-token, value_file: {token_file} }}\n{extra}")


def write_token(ws, value):
    path = os.path.join(ws.dir, "pd-api-token")
    with open(path, "w") as f:
        f.write(value + "\n")
    return path


def start_fake(*args, **env):
    """A fake with Pipedrive's rate-limit knobs (read from its environment at start)."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update({k: str(v) for k, v in env.items()})
    try:
        return Fake(*args)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def expected(truth_record, org_names):
    """What Pipedrive v2 shows of a fake record: organizations have no e-mail or phone, and
    a person's company is an organization: the fake's person whose company name no live
    organization carries (a small dataset may lack one) has none."""
    c = comparable(truth_record)
    if c["kind"] == "company":
        c["email"] = None
        c["phone"] = None
    elif c["company"] not in org_names:
        c["company"] = None
    return c


def without_company_times(c):
    """An organization's name is all the index holds of it: when the fake re-stamps one
    for an e-mail or phone change, nothing mapped changed and the engine rightly writes
    nothing, so its stored update time stays the older one."""
    if c["kind"] == "company":
        c = dict(c, updated_at=None)
    return c


def assert_matches_truth(test, ws, fake, source):
    raw = fake.truth()
    org_names = {v["name"] for v in raw.values() if v["kind"] == "company"}
    truth = {k: without_company_times(expected(v, org_names)) for k, v in raw.items()}
    index = {}
    for rid, r in ws.exported(source).items():
        index[rid] = without_company_times(comparable(r))
        kind = "organization" if r["kind"] == "company" else "person"
        test.assertEqual(r["web_url"], f"{fake.url}/{kind}/{rid}")
    assert_same_records(test, truth, index)


class PipedriveSyncTest(FakeSourceTestCase):
    source = "pd"

    def setUp(self):
        # The fake caps pages at 100 while the config asks for 250: cursors must be followed.
        self.fake = Fake("--records", str(N), "--seed", "7", "--max-page-size", "100")
        self.ws = Workspace()
        self.token = write_token(self.ws, API_TOKEN)
        # Seeded times span minutes, so the 5-minute overlap re-reads ~90 organizations,
        # each followed by a persons?org_id= request: a rate limit above the default 10/s
        # keeps this file fast (the burst-window test below checks the throttled case).
        self.ws.write_config(pipedrive_source("pd", self.fake, self.token),
                             defaults="  page_size: 250\n  timeout: 5s\n  rate_limit: 200/s\n")

    def test_full_then_incremental_then_full_pass_finds_deletions(self):
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        self.assertEqual(s["created"], N)
        assert_matches_truth(self, self.ws, self.fake, "pd")
        persons = [r for r in self.ws.exported("pd").values() if r["kind"] == "person"]
        self.assertGreater(sum(1 for r in persons if r["company"]), len(persons) // 2)
        # Company names without one request per person: 11 persons pages, one ids lookup
        # each, 2 organizations pages.
        lists = self.fake.stats()["list_requests"]
        self.assertGreaterEqual(lists, 13)
        self.assertLessEqual(lists, 26)

        changed = self.fake.mutate(update=31, create=9, delete=12, seed=3)
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        self.assertEqual(s["created"], 9)
        self.assertEqual(s["deleted"], 0)  # the lists cannot show deletions
        # Organizations show only their name: their e-mail or phone changes are invisible.
        visible = [i for i in set(changed["updated"]) - set(changed["deleted"]) if int(i) % 10 != 0]
        self.assertEqual(s["updated"], len(visible))
        self.assertLess(s["fetched"], N)
        assert_matches_truth_live = {str(i) for i in changed["created"]}
        self.assertTrue(assert_matches_truth_live <= set(self.ws.exported("pd")))

        s, _ = self.sync("--full")
        self.assertEqual(s["status"], "ok")
        self.assertEqual(s["deleted"], 12)
        self.assertEqual(s["created"] + s["updated"], 0)
        assert_matches_truth(self, self.ws, self.fake, "pd")

    def fake_get(self, path):
        req = urllib.request.Request(self.fake.url + path, headers={"x-api-token": API_TOKEN})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def persons_of(self, org_id):
        body = self.fake_get(f"/api/v2/persons?org_id={org_id}&limit=500")
        self.assertIsNone(body["additional_data"]["next_cursor"])
        return {str(p["id"]) for p in body["data"]}

    def test_renamed_organization_reaches_its_untouched_persons(self):
        self.sync()
        org = next(p["org_id"] for p in self.fake_get("/api/v2/persons?limit=20")["data"] if p["org_id"])
        members = self.persons_of(org)
        self.assertGreater(len(members), 1)
        before = {i: r["remote_updated_at"] for i, r in self.ws.exported("pd").items() if i in members}
        # Renaming moves the organization's update_time, not its persons'.
        self.fake.request("PATCH", f"/_control/records/{org}", {"full_name": "Renamed Holding AG"})
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        self.assertEqual(s["updated"], 1 + len(members))
        index = self.ws.exported("pd")
        self.assertEqual(index[str(org)]["name"], "Renamed Holding AG")
        for i in members:
            self.assertEqual(index[i]["company"], "Renamed Holding AG", i)
            self.assertEqual(index[i]["remote_updated_at"], before[i], i)  # the persons did not change
        # And a full pass agrees with the incremental one: nothing more to write.
        s, _ = self.sync("--full")
        self.assertEqual(s["created"] + s["updated"] + s["deleted"], 0)

    def test_incremental_twice_writes_nothing_new(self):
        self.sync()
        self.fake.mutate(update=10, seed=9)
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        before = self.ws.fingerprint()
        s, _ = self.sync()  # the overlap re-reads the same window: same hashes, no writes
        self.assertEqual(s["status"], "ok")
        self.assertEqual(s["created"] + s["updated"] + s["deleted"], 0)
        self.assertEqual(self.ws.fingerprint(), before)
        assert_matches_truth(self, self.ws, self.fake, "pd")

    def test_records_edited_while_paging_are_not_lost(self):
        # After three list requests, the five oldest records of the view are edited and move
        # to the end of the (update_time, id) order; the keyset cursor still reaches them.
        self.fake.fault(kind="mutate_after", skip=3, update=5)
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        self.assertEqual(len(self.fake.stats()["mutated_during_paging"]), 5)
        assert_matches_truth(self, self.ws, self.fake, "pd")

    def test_429_and_5xx_are_survived(self):
        self.sync()
        self.fake.mutate(update=20, seed=4)
        self.fake.fault(kind="status", status=429, count=2)   # x-ratelimit-reset, no Retry-After
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        self.fake.fault(kind="status", status=503, count=2)
        s, _ = self.sync("--full")
        self.assertEqual(s["status"], "ok")
        assert_matches_truth(self, self.ws, self.fake, "pd")
        by_status = self.fake.stats()["by_status"]
        self.assertGreaterEqual(by_status.get("429", 0), 2)
        self.assertGreaterEqual(by_status.get("503", 0), 2)

    def test_persistent_5xx_fails_and_keeps_the_watermark(self):
        self.sync()
        wm = self.ws.watermark("pd")
        self.fake.fault(kind="status", status=500, count=50)
        s, r = self.sync(expect=1)
        self.assertEqual(s["status"], "failed")
        self.assertIn("HTTP 500", r.stdout)
        self.assertEqual(self.ws.watermark("pd"), wm)

    def test_wrong_token_fails_with_pipedrive_message_and_no_secret(self):
        write_token(self.ws, "not-the-token-xyz")
        s, r = self.sync(expect=1)
        self.assertEqual(s["status"], "failed")
        self.assertIn("HTTP 401: unauthorized access", r.stdout)
        self.assertNotIn("not-the-token-xyz", r.stdout + r.stderr)
        row = self.ws.query("SELECT error FROM runs ORDER BY id DESC LIMIT 1")[0][0]
        self.assertNotIn("not-the-token-xyz", row)
        self.assertEqual(self.ws.query("SELECT count(*) FROM records")[0][0], 0)

    def test_oauth_access_token_as_bearer(self):
        # An access token from Pipedrive's token endpoint (client credentials in HTTP Basic).
        basic = base64.b64encode(b"pd-client-id-e2e:pd-client-secret-1").decode()
        form = urllib.parse.urlencode({"grant_type": "refresh_token", "refresh_token": "pd-refresh-token-1"}).encode()
        req = urllib.request.Request(self.fake.url + "/oauth/token", data=form, method="POST",
                                     headers={"Authorization": "Basic " + basic,
                                              "Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            tok = json.loads(resp.read())
        self.assertEqual(tok["api_domain"], self.fake.url)
        self.ws.write_config(f"  - name: pd\n    type: pipedrive\n    base_url: {self.fake.url}\n"
                             f"    auth: {{ type: bearer, token: {tok['access_token']} }}\n")
        s, _ = self.sync()
        self.assertEqual(s["created"], N)

    def test_oauth2_refresh_token_with_basic_client_authentication(self):
        auth = ("{ type: oauth2, grant: refresh_token, token_url: " + self.fake.url + "/oauth/token, "
                "client_id: pd-client-id-e2e, client_secret: pd-client-secret-1, "
                "refresh_token: pd-refresh-token-1, client_auth: basic }")
        self.ws.write_config(f"  - name: pd\n    type: pipedrive\n    base_url: {self.fake.url}\n    auth: {auth}\n")
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        self.assertEqual(s["created"], N)
        # Without client_auth: basic, check says what Pipedrive needs.
        self.ws.write_config(f"  - name: pd\n    type: pipedrive\n    base_url: {self.fake.url}\n"
                             f"    auth: {auth.replace(', client_auth: basic', '')}\n")
        r = self.ws.run("check", "--config", self.ws.config)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("add client_auth: basic", r.stderr)
        self.assertNotIn("pd-client-secret-1", r.stdout + r.stderr)

    def test_check_reports_unknown_object_and_query_token_with_their_lines(self):
        self.ws.write_config(pipedrive_source("pd", self.fake, self.token, extra="    objects: [persons, deals]\n"))
        r = self.ws.run("check", "--config", self.ws.config)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn(f"{self.ws.config}:7:", r.stderr)
        self.assertIn("unknown Pipedrive object 'deals'", r.stderr)
        self.ws.write_config(f"  - name: pd\n    type: pipedrive\n    base_url: {self.fake.url}\n"
                             f"    auth: {{ type: api_key, in: query, name: api_token, value_file: {self.token} }}\n")
        r = self.ws.run("check", "--config", self.ws.config)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("x-api-token", r.stderr)
        self.ws.write_config(pipedrive_source("pd", self.fake, self.token))
        r = self.ws.run("check", "--config", self.ws.config)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


class PipedriveRateLimitTest(unittest.TestCase):
    """The fake's own Pipedrive limits: a 2-second burst window and a daily token budget."""

    def run_sync(self, fake, expect):
        ws = Workspace()
        self.addCleanup(ws.cleanup)
        ws.write_config(pipedrive_source("pd", fake, write_token(ws, API_TOKEN)),
                        defaults="  page_size: 100\n  timeout: 5s\n")
        r = ws.run("sync", "--config", ws.config)
        self.assertEqual(r.returncode, expect, r.stdout + r.stderr[-2000:])
        return ws, r

    def test_burst_window_is_waited_out(self):
        fake = start_fake("--records", "300", CRM_FAKE_PIPEDRIVE_BURST=4)
        self.addCleanup(fake.stop)
        ws, r = self.run_sync(fake, 0)
        self.assertEqual(parse_summary(r.stdout, "pd")["created"], 300)
        self.assertGreaterEqual(fake.stats()["by_status"].get("429", 0), 1)
        assert_matches_truth(self, ws, fake, "pd")

    def test_spent_daily_budget_stops_the_run_without_retrying(self):
        # 30 tokens: three list requests of cost 10, then 429 until 00:00 UTC.
        fake = start_fake("--records", "600", CRM_FAKE_PIPEDRIVE_DAILY_BUDGET=30)
        self.addCleanup(fake.stop)
        ws, r = self.run_sync(fake, 1)
        self.assertIn("daily API token budget is spent", r.stdout)
        stats = fake.stats()
        self.assertEqual(stats["by_status"].get("429", 0), 1)  # not retried
        self.assertEqual(stats["by_status"].get("200", 0), 3)
        self.assertIsNone(ws.watermark("pd"))


class PipedriveDialectTest(unittest.TestCase):
    """The fake's Pipedrive dialect is as strict as the service (raw HTTP, no crm-index)."""

    @classmethod
    def setUpClass(cls):
        cls.fake = Fake("--records", "40", "--max-page-size", "100")

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()

    def get(self, path, token=API_TOKEN):
        req = urllib.request.Request(self.fake.url + path, headers={"x-api-token": token} if token else {})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, dict(resp.headers), json.loads(resp.read())
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), json.loads(e.read())

    def test_persons_carry_only_the_org_id_and_rate_limit_headers(self):
        status, headers, body = self.get("/api/v2/persons?limit=3&sort_by=update_time&sort_direction=asc")
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("x-ratelimit-limit"), "80")
        self.assertIn("x-ratelimit-remaining", headers)
        self.assertIn("x-ratelimit-reset", headers)
        p = body["data"][0]
        self.assertIsInstance(p["id"], int)
        self.assertNotIn("org_name", p)
        self.assertTrue(p["update_time"].endswith("Z"))
        self.assertIsNotNone(body["additional_data"]["next_cursor"])
        org_ids = {x["org_id"] for x in body["data"] if x["org_id"]}
        status, _, orgs = self.get("/api/v2/organizations?ids=" + ",".join(map(str, org_ids)))
        self.assertEqual({o["id"] for o in orgs["data"]}, org_ids)

    def test_refusals_have_pipedrive_bodies(self):
        status, _, body = self.get("/api/v2/persons", token="wrong")
        self.assertEqual((status, body["success"], body["error"], body["errorCode"]),
                         (401, False, "unauthorized access", 401))
        self.assertEqual(self.get("/api/v2/persons?limit=501")[0], 400)
        self.assertEqual(self.get("/api/v2/persons?updated_since=2025-01-01T00:00:00")[0], 400)  # naive
        self.assertEqual(self.get("/api/v2/persons?cursor=%25%25")[0], 400)
        ids = ",".join(str(i) for i in range(1, 102))
        self.assertEqual(self.get("/api/v2/organizations?ids=" + ids)[0], 400)

    def test_updated_since_is_inclusive(self):
        _, _, body = self.get("/api/v2/persons?sort_by=update_time&updated_since=2025-01-01T00:00:01Z")
        self.assertEqual([p["id"] for p in body["data"][:3]], [4, 5, 6])  # ids 4-6 share 00:00:01


if __name__ == "__main__":
    unittest.main()
