"""End to end: the real crm-index binary syncing a `type: odoo` source from the fake's Odoo
JSON-RPC dialect (POST /jsonrpc: common.authenticate for the uid, then object.execute_kw
search_read on res.partner; naive UTC write_date with whole seconds; errors as HTTP 200
envelopes; archived partners hidden unless asked for; deletions leave nothing behind)."""

import json
import os
import sys
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import (Fake, FakeSourceTestCase, Workspace, assert_same_records, comparable,  # noqa: E402
                     parse_summary)

N = 1200           # res.partner rows; every 10th is a company (is_company true)
DB = "crm-e2e"     # what the fake's dialect accepts (tests/fake/odoo_dialect.h)
LOGIN = "crm-index@acme.example"
PASSWORD = "odoo-password-1"
API_KEY = "6f1d2c9e0b7a4e1f8c3d5a7b9e0f1a2b3c4d5e6f"
UID = 7


def odoo_source(name, fake, secret_file, extra="", db=DB):
    return (f"  - name: {name}\n    type: odoo\n    base_url: {fake.url}\n    db: {db}\n"
            f"    auth: {{ type: odoo, username: {LOGIN}, password_file: {secret_file} }}\n{extra}")


def write_secret(ws, value):
    path = os.path.join(ws.dir, "odoo-secret")
    with open(path, "w") as f:
        f.write(value + "\n")
    return path


def rpc(fake, service, method, args, rpc_id=1):
    """One raw JSON-RPC call; the whole answer envelope."""
    body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": rpc_id,
                       "params": {"service": service, "method": method, "args": args}}).encode()
    req = urllib.request.Request(fake.url + "/jsonrpc", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status == 200
        return json.loads(resp.read())


def execute(fake, method, args, kwargs=None, secret=API_KEY):
    return rpc(fake, "object", "execute_kw", [DB, UID, secret, "res.partner", method, args, kwargs or {}])


def set_active(fake, ids, active):
    answer = execute(fake, "write", [list(ids), {"active": active}])
    assert answer.get("result") is True, answer


def live_truth(fake, archived):
    """The fake's truth without the archived partners (the index holds them as tombstones)."""
    return {k: v for k, v in fake.truth().items() if int(k) not in archived}


def assert_matches_truth(test, ws, fake, source, archived=(), ignore=()):
    def cmp(r):
        c = comparable(r)
        # Odoo core has no first/last name: the connector maps name only.
        for k in ("given_name", "family_name", *ignore):
            c.pop(k)
        return c
    truth = {k: cmp(v) for k, v in live_truth(fake, set(archived)).items()}
    index = {}
    for rid, r in ws.exported(source).items():
        index[rid] = cmp(r)
        test.assertEqual(r["web_url"], f"{fake.url}/web#id={rid}&model=res.partner&view_type=form")
    assert_same_records(test, truth, index)


class OdooSyncTest(FakeSourceTestCase):
    source = "od"

    def setUp(self):
        self.fake = Fake("--records", str(N), "--seed", "9")
        self.ws = Workspace()
        self.secret = write_secret(self.ws, PASSWORD)
        # 97 per page: pages end inside runs of equal write_dates (three per second).
        self.ws.write_config(odoo_source("od", self.fake, self.secret),
                             defaults="  page_size: 97\n  timeout: 5s\n")

    def test_full_incremental_archive_unarchive_and_full_pass_deletions(self):
        s, _ = self.sync()
        self.assertEqual((s["status"], s["created"]), ("ok", N))
        assert_matches_truth(self, self.ws, self.fake, "od")
        self.assertEqual(self.fake.stats()["list_requests"], 1 + (N // 97 + 1))  # login + pages
        kinds = [r["kind"] for r in self.ws.exported("od").values()]
        self.assertEqual(kinds.count("company"), N // 10)

        changed = self.fake.mutate(update=31, create=9, delete=12, seed=3)
        gone = set(changed["deleted"])
        archived = sorted({5, 17, 40, 333, 1001} - gone - set(changed["updated"]))
        set_active(self.fake, archived, False)
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        self.assertEqual(s["created"], 9)
        self.assertEqual(s["updated"], len(set(changed["updated"]) - gone))
        # Archived partners arrive (active_test false) and become tombstones; unlinked ones
        # leave nothing for write_date to find.
        self.assertEqual(s["deleted"], len(archived))
        self.assertLess(s["fetched"], N)
        exported = self.ws.exported("od")
        for rid in archived:
            self.assertNotIn(str(rid), exported)
        for rid in gone:
            self.assertIn(str(rid), exported)  # still there until a full pass
        tomb = {r["external_id"]: r for r in map(json.loads, self.ws.export("od", include_deleted=True).splitlines())}
        for rid in archived:
            self.assertIsNotNone(tomb[str(rid)]["deleted_at"])

        before = self.ws.fingerprint()
        s, _ = self.sync()  # nothing changed: the overlap re-reads, nothing is written
        self.assertEqual((s["status"], s["created"], s["updated"], s["deleted"]), ("ok", 0, 0, 0))
        self.assertEqual(self.ws.fingerprint(), before)

        s, _ = self.sync("--full")
        self.assertEqual(s["status"], "ok")
        self.assertEqual(s["deleted"], len(gone))
        self.assertEqual(s["created"] + s["updated"], 0)
        assert_matches_truth(self, self.ws, self.fake, "od", archived)

        set_active(self.fake, archived[:2], True)  # unarchived: back in the index
        s, _ = self.sync()
        self.assertEqual((s["status"], s["created"], s["deleted"]), ("ok", 2, 0))
        assert_matches_truth(self, self.ws, self.fake, "od", archived[2:])

    def test_edits_during_paging_lose_nothing(self):
        self.sync()
        self.fake.mutate(update=400, seed=11)  # one burst: 400 rows share one write_date
        self.ws.write_config(odoo_source("od", self.fake, self.secret), defaults="  page_size: 25\n  timeout: 5s\n")
        # Before pages 3 and 6, rows the run has already read are edited and move behind it.
        self.fake.fault(kind="mutate_after", skip=3, update=7)
        self.fake.fault(kind="mutate_after", skip=2, update=7)
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        self.assertEqual(len(self.fake.stats()["mutated_during_paging"]), 14)
        assert_matches_truth(self, self.ws, self.fake, "od")
        # A full pass goes by id: the 9 oldest rows (ids the pass has read by its 4th call)
        # are edited behind it. Nothing is lost or tombstoned; the edits are the next
        # incremental run's (the watermark never passes the full pass's start).
        self.fake.fault(kind="mutate_after", skip=4, update=9)
        s, _ = self.sync("--full")
        self.assertEqual((s["status"], s["deleted"], s["created"]), ("ok", 0, 0))
        self.assertEqual(len(self.fake.stats()["mutated_during_paging"]), 23)
        s, _ = self.sync()
        self.assertEqual((s["status"], s["updated"]), ("ok", 9))
        assert_matches_truth(self, self.ws, self.fake, "od")

    def test_429_5xx_and_server_errors(self):
        self.sync()
        self.fake.mutate(update=20, seed=4)
        wm = self.ws.watermark("od")
        # A proxy's 429 and 502/504 are retried by the HTTP client.
        self.fake.fault(kind="status", status=429, retry_after="1", count=1, skip=1)
        self.fake.fault(kind="status", status=502, count=2)
        self.fake.fault(kind="status", status=504, count=1)
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        by_status = self.fake.stats()["by_status"]
        self.assertEqual((by_status.get("429"), by_status.get("502"), by_status.get("504")), (1, 2, 1))
        assert_matches_truth(self, self.ws, self.fake, "od")
        wm = self.ws.watermark("od")
        # An error envelope with HTTP 200 is not an empty success: the run fails, the
        # watermark stays, Odoo's message is reported.
        envelope = json.dumps({"jsonrpc": "2.0", "id": 2, "error": {
            "code": 200, "message": "Odoo Server Error",
            "data": {"name": "psycopg2.errors.SerializationFailure", "debug": "Traceback ... zoe@example.com",
                     "message": "could not serialize access due to concurrent update",
                     "arguments": [], "context": {}}}})
        self.fake.mutate(update=3, seed=5)
        self.fake.fault(kind="status", status=200, body=envelope, skip=1)
        s, r = self.sync(expect=1)
        self.assertEqual(s["status"], "failed")
        self.assertIn("psycopg2.errors.SerializationFailure: could not serialize access", r.stdout)
        self.assertNotIn("Traceback", r.stdout + r.stderr)
        self.assertEqual(self.ws.watermark("od"), wm)
        self.fake.fault(kind="truncate", skip=1)  # a cut answer: failed, retried by the next run
        s, _ = self.sync(expect=1)
        self.assertEqual(self.ws.watermark("od"), wm)
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        assert_matches_truth(self, self.ws, self.fake, "od")

    def test_wrong_password_revoked_key_and_wrong_db(self):
        write_secret(self.ws, "not-the-password-xyz")
        s, r = self.sync(expect=1)
        self.assertEqual(s["status"], "failed")
        self.assertIn(f"Odoo refused the login '{LOGIN}' on database '{DB}'", r.stdout)
        self.assertNotIn("not-the-password-xyz", r.stdout + r.stderr)
        self.assertEqual(self.fake.stats()["list_requests"], 1)  # only the login

        write_secret(self.ws, API_KEY)  # an API key goes where the password goes
        s, _ = self.sync()
        self.assertEqual((s["status"], s["created"]), ("ok", N))
        self.fake.request("POST", "/_control/tokens/revoke", {})
        s, r = self.sync(expect=1)
        self.assertIn("Odoo refused the login", r.stdout)
        self.assertNotIn(API_KEY, r.stdout + r.stderr)
        row = self.ws.query("SELECT error FROM runs ORDER BY id DESC LIMIT 1")[0][0]
        self.assertNotIn(API_KEY, row)
        self.fake.request("POST", "/_control/tokens/restore", {})

        self.ws.write_config(odoo_source("od", self.fake, self.secret, db="nope"))
        s, r = self.sync(expect=1)
        self.assertIn('psycopg2.OperationalError', r.stdout)
        self.assertIn('database "nope" does not exist', r.stdout)

    def test_unknown_field_is_reported_with_odoos_message(self):
        self.ws.write_config(odoo_source("od", self.fake, self.secret, extra="    fields: { national_id: x_tax_id }\n"))
        s, r = self.sync(expect=1)
        self.assertIn("builtins.ValueError: Invalid field 'x_tax_id' on model 'res.partner'", r.stdout)
        self.assertEqual(self.ws.watermark("od"), None)

    def test_check_validates_the_block(self):
        self.ws.write_config(f"  - name: od\n    type: odoo\n    base_url: {self.fake.url}\n"
                             f"    objects: [res.partner, crm.lead]\n"
                             f"    auth: {{ type: odoo, username: {LOGIN}, password_file: {self.secret} }}\n")
        r = self.ws.run("check", "--config", self.ws.config)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn(f"{self.ws.config}:", r.stderr)
        self.assertIn("type odoo needs db", r.stderr)
        self.assertIn("unknown model 'crm.lead'", r.stderr)
        self.ws.write_config(odoo_source("od", self.fake, self.secret))
        r = self.ws.run("check", "--config", self.ws.config)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


class OdooRateLimitTest(unittest.TestCase):
    def test_a_throttling_server_is_waited_out(self):
        """Odoo Online may throttle with 429 (self-hosted has no contract): the fake's token
        bucket of 3 requests per second answers 429 with Retry-After: 1 to a client sending
        10 per second; every page still arrives."""
        fake = Fake("--records", "400", "--rate-limit", "3")
        ws = Workspace()
        try:
            ws.write_config(odoo_source("od", fake, write_secret(ws, API_KEY)),
                            defaults="  page_size: 40\n  rate_limit: 10/s\n")
            r = ws.run("sync", "--config", ws.config)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr[-2000:])
            self.assertEqual(parse_summary(r.stdout, "od")["created"], 400)
            self.assertGreaterEqual(fake.stats()["by_status"].get("429", 0), 1)
            assert_matches_truth(self, ws, fake, "od")
        finally:
            fake.stop()
            ws.cleanup()


class OdooDialectTest(unittest.TestCase):
    """The fake's Odoo dialect is as strict as the server (raw JSON-RPC, no crm-index)."""

    @classmethod
    def setUpClass(cls):
        cls.fake = Fake("--records", "60", "--max-page-size", "10")

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()

    def setUp(self):
        self.fake.request("POST", "/_control/reset", {})

    def test_authenticate_gives_the_uid_or_false(self):
        self.assertEqual(rpc(self.fake, "common", "authenticate", [DB, LOGIN, PASSWORD, {}])["result"], UID)
        self.assertEqual(rpc(self.fake, "common", "authenticate", [DB, LOGIN, API_KEY, {}], rpc_id="x")["id"], "x")
        self.assertIs(rpc(self.fake, "common", "authenticate", [DB, LOGIN, "wrong", {}])["result"], False)

    def test_errors_are_http_200_envelopes(self):
        for answer, name, words in [
                (execute(self.fake, "search_read", [[]], {"order": "id asc"}, secret="wrong"),
                 "odoo.exceptions.AccessDenied", "Access Denied"),
                (execute(self.fake, "search_read", [[]], {"fields": ["x_foo"], "order": "id asc"}),
                 "builtins.ValueError", "Invalid field 'x_foo' on model 'res.partner'"),
                (execute(self.fake, "search_read", [[["write_date", ">=", "2025-01-01T00:00:00Z"]]],
                         {"order": "id asc"}), "builtins.ValueError", "does not match format '%Y-%m-%d %H:%M:%S'"),
                (rpc(self.fake, "object", "execute_kw", [DB, UID, API_KEY, "res.partnr", "search", [[]]]),
                 "builtins.KeyError", "'res.partnr'")]:
            with self.subTest(name=name, words=words):
                self.assertNotIn("result", answer)
                err = answer["error"]
                self.assertEqual((err["code"], err["message"]), (200, "Odoo Server Error"))
                self.assertEqual(err["data"]["name"], name)
                self.assertIn(words, err["data"]["message"])
                self.assertTrue(err["data"]["debug"].startswith("Traceback"))

    def test_rows_use_false_naive_utc_and_no_page_cap(self):
        rows = execute(self.fake, "search_read", [[]], {"fields": ["name", "email", "phone", "is_company",
                                                                    "commercial_company_name", "write_date"],
                                                         "order": "write_date asc, id asc", "limit": 1000})["result"]
        self.assertEqual(len(rows), 60)  # --max-page-size does not apply: Odoo has no cap
        self.assertEqual(rows[0]["write_date"], "2025-01-01 00:00:00")
        self.assertEqual(rows[0]["write_date"], rows[2]["write_date"])  # equal timestamps
        company = next(r for r in rows if r["is_company"])
        self.assertEqual(company["commercial_company_name"], company["name"])
        self.assertTrue(any(r["phone"] is False for r in rows))
        self.assertFalse(any(v is None for r in rows for v in r.values()))

    def test_archived_rows_only_with_active_test_false_or_an_active_leaf(self):
        set_active(self.fake, [3, 4], False)
        count = lambda domain, ctx=None: execute(self.fake, "search_count", [domain], {"context": ctx or {}})["result"]
        self.assertEqual(count([]), 58)
        self.assertEqual(count([], {"active_test": False}), 60)
        self.assertEqual(count([["active", "=", False]]), 2)
        rows = execute(self.fake, "search_read", [[["write_date", ">=", "2025-01-01 00:00:00"]]],
                       {"fields": ["active", "write_date"], "order": "write_date asc, id asc",
                        "context": {"active_test": False}})["result"]
        self.assertEqual([r["id"] for r in rows[-2:]], [3, 4])  # re-stamped: now last
        self.assertEqual([r["active"] for r in rows[-2:]], [False, False])

    def test_offset_paging_skips_rows_when_read_rows_are_edited(self):
        """The hazard the connector's keyset domain avoids: pages 1-2 read, 5 of those rows
        edited (they move to the end), page 3 at offset 20 skips 5 rows never read."""
        self.fake.fault(kind="mutate_after", skip=2, update=5)
        seen = []
        for page in range(10):
            rows = execute(self.fake, "search_read", [[]], {"fields": ["write_date"], "order": "write_date asc, id asc",
                                                            "limit": 10, "offset": page * 10})["result"]
            seen += [r["id"] for r in rows]
            if len(rows) < 10:
                break
        self.assertEqual(len(set(range(1, 61)) - set(seen)), 5)


if __name__ == "__main__":
    unittest.main()
