"""End to end: the real crm-index binary syncing a `type: salesforce` source from the
fake's Salesforce dialect (SOQL over query/queryAll, nextRecordsUrl locators, OAuth token
endpoint without expires_in, instance_url from the token response) on 127.0.0.1."""

import json
import os
import subprocess
import sys
import unittest
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import CRM_INDEX, Fake, Workspace, parse_summary, wait_until  # noqa: E402

N = 1000  # 900 Contacts, 100 Accounts; the fake caps pages at 100, the connector asks 200
CLIENT_ID = "3MVG9sf-fake-consumer-key"
CLIENT_SECRET = "sf-client-secret-1"
REFRESH_TOKEN = "5Aep861sf-refresh-token-1"


def sf_source(name, fake, secrets_dir, grant="refresh_token", extra=""):
    refresh = f"      refresh_token_file: {secrets_dir}/sf-refresh\n" if grant == "refresh_token" else ""
    return (f"  - name: {name}\n    type: salesforce\n    base_url: {fake.url}\n"
            f"    api_version: v62.0\n"
            f"    auth:\n      type: oauth2\n      grant: {grant}\n"
            f"      token_url: {fake.url}/services/oauth2/token\n"
            f"      client_id: {CLIENT_ID}\n      client_secret_file: {secrets_dir}/sf-secret\n{refresh}{extra}")


def dataset_id(sf_id):
    """0035e0000000000042 → "42": the fake's Salesforce ids end in the Dataset id."""
    return str(int(sf_id[5:]))


def sf_view(record, with_time=True):
    """What Salesforce shows of a truth record: Accounts have no e-mail field. The index
    keeps remote_updated_at of the last change it wrote: a change Salesforce does not show
    (an Account's e-mail in the fake) re-stamps the truth only."""
    company = record["kind"] == "company"
    return {"kind": record["kind"], "name": record["name"], "given_name": record.get("given_name"),
            "family_name": record.get("family_name"), "email": None if company else record.get("email"),
            "phone": record.get("phone"), "company": record.get("company"),
            "updated_at": record.get("updated_at") if with_time else None}


def index_view(record, with_time=True):
    return {"kind": record["kind"], "name": record["name"], "given_name": record.get("given_name"),
            "family_name": record.get("family_name"), "email": record.get("email"),
            "phone": record.get("phone"), "company": record.get("company"),
            "updated_at": record.get("remote_updated_at") if with_time else None}


class SalesforceTest(unittest.TestCase):
    def setUp(self):
        self.fake = Fake("--records", str(N), "--seed", "5")
        self.ws = Workspace()
        self.env = {}
        self.write_secrets(CLIENT_SECRET)
        self.ws.write_config(sf_source("sf", self.fake, self.ws.dir), defaults="  page_size: 200\n")

    def write_secrets(self, secret):
        for name, value in (("sf-secret", secret), ("sf-refresh", REFRESH_TOKEN)):
            with open(os.path.join(self.ws.dir, name), "w") as f:
                f.write(value + "\n")

    def tearDown(self):
        self.fake.stop()
        self.ws.cleanup()

    def sync(self, *extra, expect=0):
        r = self.ws.run("sync", "--config", self.ws.config, *extra, env=self.env)
        self.assertEqual(r.returncode, expect, f"stdout: {r.stdout}\nstderr: {r.stderr[-3000:]}")
        return parse_summary(r.stdout, "sf"), r

    def exported(self, include_deleted=False):
        out = {}
        for line in self.ws.export("sf", include_deleted=include_deleted).splitlines():
            r = json.loads(line)
            out[r["external_id"]] = r
        return out

    def assert_matches_truth(self, with_time=False):
        truth = {k: sf_view(v, with_time) for k, v in self.fake.truth().items()}
        index = {dataset_id(k): index_view(v, with_time) for k, v in self.exported().items()}
        self.assertEqual(len(index), len(truth), f"missing {sorted(set(truth) - set(index))[:5]}, "
                                                 f"extra {sorted(set(index) - set(truth))[:5]}")
        diff = [k for k in truth if truth[k] != index.get(k)][:3]
        self.assertEqual(diff, [], "; ".join(f"{k}: {truth[k]} != {index.get(k)}" for k in diff))

    def test_full_sync_equals_truth_with_kinds_ids_and_links(self):
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        self.assertEqual(s["created"], N)
        self.assert_matches_truth(with_time=True)
        index = self.exported()
        contact, account = index["0035e0000000000001"], index["0015e0000000000010"]
        self.assertEqual((contact["kind"], account["kind"]), ("person", "company"))
        self.assertEqual(contact["web_url"], f"{self.fake.url}/lightning/r/Contact/0035e0000000000001/view")
        self.assertEqual(account["web_url"], f"{self.fake.url}/lightning/r/Account/0015e0000000000010/view")
        self.assertEqual(account["crm_type"], "salesforce")
        # Pages of 100 (fewer than asked): 9 Contact pages, 1 Account page, and the token.
        self.assertGreaterEqual(self.fake.stats()["list_requests"], 10)

    def test_incremental_reads_changes_and_deletions_without_a_full_pass(self):
        self.sync()
        before = self.fake.truth()
        changed = self.fake.mutate(update=30, create=7, delete=9, seed=3)
        after = self.fake.truth()
        expected_updated = sum(1 for k in after if k in before and sf_view(after[k], False) != sf_view(before[k], False))
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        self.assertEqual(s["created"], 7)
        self.assertEqual(s["updated"], expected_updated)
        self.assertEqual(s["deleted"], 9)  # queryAll shows the Recycle Bin: no full pass needed
        self.assert_matches_truth()
        gone = {dataset_id(k) for k, v in self.exported(include_deleted=True).items() if v["deleted_at"]}
        self.assertEqual(gone, {str(i) for i in changed["deleted"]})

        s, _ = self.sync()  # nothing changed: the overlap re-reads write nothing
        self.assertEqual((s["created"], s["updated"], s["deleted"]), (0, 0, 0))

    def test_merged_contact_becomes_a_tombstone_merged_into_the_survivor(self):
        self.sync()
        truth = self.fake.truth()
        persons = [k for k, v in truth.items() if v["kind"] == "person"]
        loser, survivor = persons[3], persons[7]
        self.fake.request("POST", "/_control/merge", {"loser": int(loser), "survivor": int(survivor)})
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        self.assertEqual(s["deleted"], 1)
        rec = self.exported(include_deleted=True)[f"0035e{int(loser):013d}"]
        self.assertIsNotNone(rec["deleted_at"])
        self.assertEqual(rec["merged_into"], f"0035e{int(survivor):013d}")
        self.assert_matches_truth()

    def test_server_errors_are_retried_and_request_limit_fails_the_run_transiently(self):
        self.sync()
        wm = self.ws.watermark("sf")
        self.fake.mutate(update=5, seed=4)
        self.fake.fault(kind="status", status=503, count=2)
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        self.assert_matches_truth()
        # Salesforce answers an exhausted allowance with 403 REQUEST_LIMIT_EXCEEDED (the
        # fake turns 429s into that): the run fails as transient, the watermark stays.
        wm = self.ws.watermark("sf")
        self.fake.mutate(update=5, seed=5)
        self.fake.fault(kind="status", status=429, count=1)
        s, r = self.sync(expect=1)
        self.assertEqual(s["status"], "failed")
        self.assertIn("REQUEST_LIMIT_EXCEEDED", r.stdout + r.stderr)
        self.assertEqual(self.ws.watermark("sf"), wm)
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        self.assert_matches_truth()

    def test_records_edited_while_paging_are_not_lost(self):
        # After two pages, the five oldest records (already read) are edited and move to
        # the end of the (SystemModstamp, Id) order: nothing behind them may be skipped.
        self.fake.fault(kind="mutate_after", skip=2, update=5)
        s, r = self.sync()
        self.assertEqual(s["status"], "ok", r.stdout + r.stderr[-2000:])
        self.assertEqual(len(self.fake.stats()["mutated_during_paging"]), 5)
        self.assert_matches_truth()

    def test_lost_query_locator_restarts_the_object_query(self):
        self.sync()
        self.fake.fault(kind="status", status=400, skip=3, count=1, content_type="application/json",
                        body='[{"message":"invalid query locator","errorCode":"INVALID_QUERY_LOCATOR"}]')
        s, r = self.sync("--full")
        self.assertEqual(s["status"], "ok", r.stdout + r.stderr[-2000:])
        self.assertEqual(self.fake.stats()["by_status"].get("400", 0), 1)  # the locator died once
        self.assertEqual(s["deleted"], 0)
        self.assert_matches_truth()

    def test_expired_token_is_refreshed(self):
        self.sync()
        issued_before = json.loads(self.fake.request("POST", "/_control/tokens/restore", {}))["issued"]
        # The second list request is held for 2 s; meanwhile every session expires, so the
        # API answers 401 INVALID_SESSION_ID and the client must refresh once.
        self.fake.fault(kind="slow", delay_ms=2000, skip=1, count=1)
        proc = subprocess.Popen([CRM_INDEX, "sync", "--full", "--config", self.ws.config],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=dict(os.environ, **self.env))
        try:
            wait_until(lambda: self.fake.stats()["faults_pending"] == 0, 20, "the slow request")
            self.fake.request("POST", "/_control/tokens/expire", {})
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        self.assertEqual(proc.returncode, 0, out + err[-2000:])
        self.assertEqual(parse_summary(out, "sf")["status"], "ok")
        self.assertGreaterEqual(self.fake.stats()["by_status"].get("401", 0), 1)
        issued = json.loads(self.fake.request("POST", "/_control/tokens/restore", {}))["issued"]
        self.assertEqual(issued - issued_before, 2)  # the run's first token and one refresh
        self.assert_matches_truth()

    def test_revoked_credentials_fail_with_the_vendor_message_and_no_secret(self):
        self.sync()
        self.fake.request("POST", "/_control/tokens/revoke", {})
        s, r = self.sync(expect=1)
        self.assertEqual(s["status"], "failed")
        self.assertIn("expired access/refresh token", r.stdout + r.stderr)
        for text in (r.stdout, r.stderr):
            self.assertNotIn(CLIENT_SECRET, text)
            self.assertNotIn(REFRESH_TOKEN, text)
        row = self.ws.query("SELECT error FROM runs ORDER BY id DESC LIMIT 1")[0][0]
        self.assertNotIn(CLIENT_SECRET, row)

    def test_client_credentials_grant(self):
        self.ws.write_config(sf_source("sf", self.fake, self.ws.dir, grant="client_credentials"))
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        self.assert_matches_truth()

    def test_wrong_secret_fails_without_echoing_it(self):
        self.write_secrets("not-the-secret-xyz")
        s, r = self.sync(expect=1)
        self.assertIn("invalid client credentials", r.stdout + r.stderr)
        self.assertNotIn("not-the-secret-xyz", r.stdout + r.stderr)

    def test_check_reports_config_mistakes_with_their_line(self):
        self.ws.write_config(sf_source("sf", self.fake, self.ws.dir, extra="    objects: [Contact, Contacts]\n    quota_reserve: 150%\n"))
        r = self.ws.run("check", "--config", self.ws.config, env=self.env)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn(f"{self.ws.config}:", r.stderr)
        self.assertIn("unknown Salesforce object 'Contacts'", r.stderr)
        self.assertIn("quota_reserve", r.stderr)

    def test_quota_reserve_reads_limits_and_skips_the_run_when_under_it(self):
        # The fake's org has 100000 daily requests and has served a handful: 99.999% is
        # more than remains, 50% is not.
        self.ws.write_config(sf_source("sf", self.fake, self.ws.dir, extra="    quota_reserve: 99.999%\n"))
        # Skipped on purpose, not failed: exit 0, status "skipped" in `sync` and the index.
        s, r = self.sync(expect=0)
        self.assertEqual(s["status"], "skipped")
        self.assertIn("daily API requests low", r.stdout + r.stderr)
        self.assertEqual(self.fake.stats()["list_requests"], 0)  # no query was spent
        self.assertEqual(self.ws.query("SELECT status FROM runs ORDER BY id DESC LIMIT 1"), [("skipped",)])
        self.ws.write_config(sf_source("sf", self.fake, self.ws.dir, extra="    quota_reserve: 50%\n"))
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        self.assert_matches_truth(with_time=True)

    def test_a_field_the_org_does_not_have_fails_as_configuration(self):
        self.ws.write_config(sf_source("sf", self.fake, self.ws.dir, extra="    fields: { national_id: Tax_Id__c }\n"))
        s, r = self.sync(expect=1)
        self.assertEqual(s["status"], "failed")
        self.assertIn("INVALID_FIELD", r.stdout + r.stderr)
        self.assertIn("Tax_Id__c", r.stdout + r.stderr)


class SalesforceFakeTest(unittest.TestCase):
    """The fake's Salesforce dialect refuses what Salesforce refuses."""

    @classmethod
    def setUpClass(cls):
        cls.fake = Fake("--records", "50")
        form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": CLIENT_ID,
                                       "client_secret": CLIENT_SECRET}).encode()
        req = urllib.request.Request(cls.fake.url + "/services/oauth2/token", data=form, method="POST")
        with urllib.request.urlopen(req, timeout=30) as resp:
            cls.token = json.loads(resp.read())
        cls.auth = {"Authorization": "Bearer " + cls.token["access_token"]}

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()

    def get(self, path, headers=None, raw_query=None):
        url = self.fake.url + path + (("?" + raw_query) if raw_query else "")
        req = urllib.request.Request(url, headers=headers if headers is not None else self.auth)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, dict(resp.headers), json.loads(resp.read())
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), json.loads(e.read())

    def soql(self, q, endpoint="queryAll"):
        return self.get(f"/services/data/v62.0/{endpoint}", raw_query=urllib.parse.urlencode({"q": q}))

    def test_token_response_has_instance_url_and_no_expires_in(self):
        self.assertEqual(self.token["instance_url"], self.fake.url)
        self.assertNotIn("expires_in", self.token)
        self.assertTrue(self.token["issued_at"].isdigit())

    def test_refusals(self):
        cases = [
            ("SELECT Id FROM Contact WHERE SystemModstamp >= '2025-01-01T00:00:00Z'", "INVALID_FIELD"),
            ("SELECT Id, Tax_Id__c FROM Contact", "INVALID_FIELD"),
            ("SELECT Id FROM Contacts", "INVALID_TYPE"),
            ("SELECT Id FROM Contact WHERE SystemModstamp >= 2025-01-01T00:00:00 01:00", "MALFORMED_QUERY"),
            ("SELECT Id FROM Contact WHERE LastModifiedDate >= 2025-01-01T00:00:00Z", "MALFORMED_QUERY"),
            ("SELECT Id FROM Contact ORDER BY Name", "MALFORMED_QUERY"),
            ("SELECT Id, Id FROM Contact", "MALFORMED_QUERY"),
            ("SELECT Id, Email FROM Account", "INVALID_FIELD"),
        ]
        for q, code in cases:
            status, _, body = self.soql(q)
            self.assertEqual((status, body[0]["errorCode"]), (400, code), q)

    def test_session_limits_and_usage_header(self):
        status, _, body = self.get("/services/data/v62.0/limits", headers={})
        self.assertEqual((status, body[0]["errorCode"]), (401, "INVALID_SESSION_ID"))
        status, headers, body = self.get("/services/data/v62.0/limits")
        self.assertEqual(status, 200)
        self.assertEqual(body["DailyApiRequests"]["Max"], 100000)
        self.assertRegex(headers.get("Sforce-Limit-Info", ""), r"^api-usage=\d+/100000$")
        status, _, body = self.get("/services/data/v99.0/limits")
        self.assertEqual((status, body[0]["errorCode"]), (404, "NOT_FOUND"))

    def test_query_pages_with_locators_and_offsets_without_colon(self):
        status, _, body = self.soql("SELECT Id, Name, SystemModstamp FROM Contact ORDER BY SystemModstamp, Id", "query")
        self.assertEqual(status, 200)
        self.assertEqual(body["totalSize"], 45)
        self.assertTrue(body["done"])
        self.assertRegex(body["records"][0]["SystemModstamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+0000$")
        self.assertTrue(body["records"][0]["Id"].startswith("0035e"))


if __name__ == "__main__":
    unittest.main()
