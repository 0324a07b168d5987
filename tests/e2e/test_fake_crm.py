"""End to end: the fake CRM (tests/fake) keeps the contract of tests/fake/README.md.

Standard library only. Starts the binary named by CRM_FAKE_BIN on 127.0.0.1 with port 0
and reads the port from its banner line; every loop and wait is bounded; the child is
always stopped in tearDown (and must exit 0 on SIGTERM)."""

import datetime
import http.client
import json
import os
import re
import select
import signal
import subprocess
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

FAKE_BIN = os.environ.get("CRM_FAKE_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "build", "crm-fake"))
N = 250
MAX_PAGES = 400  # bound on every paging loop


def utc(ts):
    """An ISO 8601 timestamp with Z or an offset, as an aware datetime in UTC."""
    if ts.endswith("Z"):
        ts = ts[:-1] + "+00:00"
    return datetime.datetime.fromisoformat(ts).astimezone(datetime.timezone.utc)


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        return self.headers.get(name)


class FakeProcess:
    def __init__(self, *args):
        self.proc = subprocess.Popen([FAKE_BIN, "--host", "127.0.0.1", "--port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], 20)
        line = self.proc.stdout.readline() if ready else ""
        m = re.fullmatch(r"crm-fake listening on (http://127\.0\.0\.1:(\d+))\n", line)
        if not m:
            self.stop()
            raise RuntimeError(f"crm-fake did not start: {line!r}")
        self.base, self.port = m.group(1), int(m.group(2))

    def stop(self):
        """SIGTERM, bounded wait; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        for f in (self.proc.stdout, self.proc.stderr):
            f.close()
        return self.proc.returncode

    def request(self, method, path_or_url, body=None, headers=None, form=None):
        """`body` is sent as JSON, `form` (a str) as an application/x-www-form-urlencoded body."""
        url = path_or_url if path_or_url.startswith("http") else self.base + path_or_url
        data = json.dumps(body).encode() if body is not None else None
        if form is not None:
            data = form.encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=20) as resp:
                return Response(resp.status, resp.headers, resp.read().decode())
        except urllib.error.HTTPError as e:
            body = e.read().decode()
            e.close()
            return Response(e.code, e.headers, body)

    def get(self, path_or_url, headers=None):
        return self.request("GET", path_or_url, headers=headers)

    def truth(self):
        r = self.get("/_control/truth")
        assert r.status == 200, r.body
        return [json.loads(line) for line in r.body.splitlines() if line.strip()]

    def fault(self, **spec):
        r = self.request("POST", "/_control/faults", spec)
        assert r.status == 201, r.body

    def stats(self):
        return self.get("/_control/stats").json()


# One walker per pagination style: each returns the records of every page, in order.

def walk_page(fake, query, size):
    out = []
    for page in range(1, MAX_PAGES):
        data = fake.get(f"/page/contacts?per_page={size}&page={page}{query}").json()["data"]
        if not data:
            return out
        out += data
    raise AssertionError("page walk did not end")


def walk_offset(fake, query, size):
    out = []
    for _ in range(MAX_PAGES):
        data = fake.get(f"/offset/contacts?limit={size}&offset={len(out)}{query}").json()["data"]
        if not data:
            return out
        out += data
    raise AssertionError("offset walk did not end")


def walk_next_url(fake, query, size):
    out, url = [], f"/next_url/contacts?per_page={size}{query}"
    for _ in range(MAX_PAGES):
        body = fake.get(url).json()
        out += body["data"]
        url = body["links"]["next"]
        if url is None:
            return out
        assert url.startswith(fake.base + "/next_url/contacts?"), url
    raise AssertionError("next_url walk did not end")


def next_link(link_header):
    for part in (link_header or "").split(","):
        m = re.fullmatch(r'\s*<([^>]*)>\s*;\s*rel="([^"]*)"\s*', part)
        if m and m.group(2) == "next":
            return m.group(1)
    return None


def walk_link_header(fake, query, size):
    out, url = [], f"/link_header/contacts?per_page={size}{query}"
    for _ in range(MAX_PAGES):
        r = fake.get(url)
        out += r.json()["data"]
        url = next_link(r.header("Link"))
        if url is None:
            return out
    raise AssertionError("link_header walk did not end")


def walk_cursor(fake, query, size):
    out, cursor = [], None
    for _ in range(MAX_PAGES):
        extra = f"&cursor={urllib.parse.quote(cursor)}" if cursor else ""
        body = fake.get(f"/cursor/contacts?limit={size}{query}{extra}").json()
        out += body["data"]
        cursor = body["meta"]["next_cursor"]
        if cursor is None:
            return out
    raise AssertionError("cursor walk did not end")


WALKERS = {"page": walk_page, "offset": walk_offset, "next_url": walk_next_url,
           "link_header": walk_link_header, "cursor": walk_cursor}


class FakeCrmTest(unittest.TestCase):
    ARGS = ("--records", str(N))

    def setUp(self):
        self.fake = FakeProcess(*self.ARGS)
        self.extra = []

    def tearDown(self):
        for f in self.extra:
            f.stop()
        self.assertEqual(self.fake.stop(), 0, "crm-fake must exit 0 on SIGTERM")

    def start(self, *args):
        f = FakeProcess(*args)
        self.extra.append(f)
        return f

    def assert_ordered(self, records):
        keys = [(utc(r["modified_at"]), int(r["id"])) for r in records]
        self.assertEqual(keys, sorted(keys))

    def test_each_style_walks_all_records_exactly_once(self):
        for style, walk in WALKERS.items():
            for size in (1, 30, 100, 250):
                with self.subTest(style=style, size=size):
                    records = walk(self.fake, "", size)
                    ids = [int(r["id"]) for r in records]
                    self.assertEqual(sorted(ids), list(range(1, N + 1)))
                    self.assert_ordered(records)

    def test_each_style_with_modified_since(self):
        since = urllib.parse.quote("2025-01-01T00:00:10Z")
        for style, walk in WALKERS.items():
            with self.subTest(style=style):
                ids = [int(r["id"]) for r in walk(self.fake, f"&modified_since={since}", 17)]
                self.assertEqual(ids, list(range(31, N + 1)))

    def test_page_cap_and_default(self):
        body = self.fake.get("/page/contacts?per_page=1000").json()
        self.assertEqual(len(body["data"]), 100)
        self.assertEqual(body["meta"], {"page": 1, "per_page": 100, "total": N})
        self.assertEqual(len(self.fake.get("/offset/contacts?limit=500").json()["data"]), 100)
        self.assertEqual(len(self.fake.get("/page/contacts").json()["data"]), 25)
        # Only a style's own parameters count: limit means nothing to /page.
        self.assertEqual(len(self.fake.get("/page/contacts?limit=5").json()["data"]), 25)
        for bad in ("per_page=0", "per_page=abc", "per_page=-1", "page=0"):
            r = self.fake.get(f"/page/contacts?{bad}")
            self.assertEqual(r.status, 400, bad)
            self.assertEqual(r.json()["error"]["code"], "bad_request")
        capped = self.start("--records", "50", "--max-page-size", "7")
        self.assertEqual(len(capped.get("/cursor/contacts?limit=50").json()["data"]), 7)

    def test_equal_timestamps_and_tz_offset(self):
        data = self.fake.get("/page/contacts?per_page=6").json()["data"]
        stamps = [r["modified_at"] for r in data]
        self.assertEqual(stamps[0], "2025-01-01T01:00:00+01:00")  # default --tz +01:00
        self.assertEqual(len(set(stamps[:3])), 1)
        self.assertEqual(len(set(stamps[3:6])), 1)
        self.assertNotEqual(stamps[2], stamps[3])
        west = self.start("--records", "20", "--tz", "-08:00")
        r0 = west.get("/page/contacts?per_page=1").json()["data"][0]
        self.assertEqual(r0["modified_at"], "2024-12-31T16:00:00-08:00")
        self.assertEqual(utc(r0["modified_at"]), utc(west.truth()[0]["updated_at"]))

    def test_modified_since_is_inclusive_and_accepts_offsets(self):
        for value in ("2025-01-01T00:00:10Z", "2025-01-01T01:00:10+01:00", "2024-12-31T19:00:10-05:00"):
            body = self.fake.get(f"/offset/contacts?limit=3&modified_since={urllib.parse.quote(value)}").json()
            self.assertEqual([r["id"] for r in body["data"]], ["31", "32", "33"], value)
            self.assertEqual(body["meta"]["total"], N - 30)
        r = self.fake.get("/offset/contacts?modified_since=yesterday")
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json()["error"],
                         {"code": "bad_request", "message": "modified_since: not a timestamp: yesterday"})

    def test_record_shape(self):
        data = self.fake.get("/page/contacts?per_page=100").json()["data"]
        company = next(r for r in data if r["type"] == "company")
        self.assertIsNone(company["company"])
        self.assertIsNone(company["first_name"])
        person = next(r for r in data if r["type"] == "person" and r["company"])
        self.assertEqual(person["full_name"], f'{person["first_name"]} {person["last_name"]}')
        self.assertIn("@", person["contact"]["email"])
        self.assertTrue(any(r["contact"]["phone"] is None for r in data))
        self.assertTrue(any(any(ord(c) > 127 for c in r["full_name"]) for r in data))
        self.assertTrue(any(r["contact"]["email"] != r["contact"]["email"].lower() for r in data))

    def test_api_key_and_bearer(self):
        keyed = self.start("--records", "10", "--api-key", "k-1")
        r = keyed.get("/page/contacts")
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json()["error"], {"code": "unauthorized", "message": "invalid or missing API key"})
        self.assertEqual(keyed.get("/page/contacts", {"X-Api-Key": "wrong"}).status, 401)
        self.assertEqual(keyed.get("/page/contacts", {"X-Api-Key": "k-1"}).status, 200)
        self.assertEqual(keyed.get("/_control/stats").status, 200)  # the control API is open
        bearer = self.start("--records", "10", "--bearer", "t-2")
        self.assertEqual(bearer.get("/cursor/contacts").status, 401)
        self.assertEqual(bearer.get("/cursor/contacts", {"Authorization": "Bearer t-2"}).status, 200)

    def test_rate_limit(self):
        limited = self.start("--records", "10", "--rate-limit", "3")
        statuses = [limited.get("/page/contacts") for _ in range(10)]
        refused = [r for r in statuses if r.status == 429]
        self.assertTrue(refused, [r.status for r in statuses])
        self.assertEqual(refused[0].header("Retry-After"), "1")
        self.assertEqual(refused[0].json()["error"]["code"], "rate_limited")
        self.assertEqual(limited.stats()["by_status"]["429"], len(refused))

    def test_status_fault_with_retry_after(self):
        self.fake.fault(kind="status", status=429, retry_after="1", count=2, skip=1)
        statuses = []
        for _ in range(4):
            r = self.fake.get("/next_url/contacts")
            statuses.append(r.status)
            if r.status == 429:
                self.assertEqual(r.header("Retry-After"), "1")
                self.assertEqual(r.json()["error"]["code"], "rate_limited")
        self.assertEqual(statuses, [200, 429, 429, 200])
        self.fake.fault(kind="status", status=503, body="<html>down</html>", content_type="text/html")
        r = self.fake.get("/cursor/contacts")
        self.assertEqual((r.status, r.body, r.header("Content-Type")), (503, "<html>down</html>", "text/html"))

    def test_truncate_gives_invalid_json(self):
        self.fake.fault(kind="truncate")
        conn = http.client.HTTPConnection("127.0.0.1", self.fake.port, timeout=20)
        try:
            conn.request("GET", "/page/contacts")
            resp = conn.getresponse()
            body = resp.read()
            self.assertEqual(resp.status, 200)
            self.assertEqual(int(resp.getheader("Content-Length")), len(body))
        finally:
            conn.close()
        with self.assertRaises(ValueError):
            json.loads(body)
        self.assertEqual(self.fake.get("/page/contacts").status, 200)  # one hit only

    def test_drop_and_cut_close_the_connection(self):
        for kind in ("drop", "cut"):
            with self.subTest(kind=kind):
                self.fake.fault(kind=kind)
                with self.assertRaises((http.client.HTTPException, ConnectionError, urllib.error.URLError)):
                    self.fake.get("/page/contacts")
        self.assertEqual(self.fake.stats()["dropped"], 1)

    def test_slow_fault(self):
        self.fake.fault(kind="slow", delay_ms=300)
        t0 = time.monotonic()
        self.assertEqual(self.fake.get("/page/contacts").status, 200)
        self.assertGreaterEqual(time.monotonic() - t0, 0.29)

    def test_mutate_and_truth_agree(self):
        before = time.time()
        res = self.fake.request("POST", "/_control/mutate",
                                {"update": 7, "delete": 5, "create": 4, "touch": 3, "seed": 9}).json()
        self.assertEqual([len(res[k]) for k in ("updated", "deleted", "created", "touched")], [7, 5, 4, 3])
        self.assertEqual(res["created"], ["251", "252", "253", "254"])
        truth = self.fake.truth()
        by_id = {r["id"]: r for r in truth}
        self.assertEqual(len(truth), N - 5 + 4)
        self.assertEqual([int(r["id"]) for r in truth], sorted(int(r["id"]) for r in truth))
        for gone in res["deleted"]:
            self.assertNotIn(gone, by_id)
        for changed in res["updated"] + res["created"] + res["touched"]:
            self.assertGreaterEqual(utc(by_id[changed]["updated_at"]).timestamp(), int(before))
        stats = self.fake.stats()
        self.assertEqual((stats["records"], stats["max_id"]), (N - 1, N + 4))
        # Every style serves exactly the truth, field by field.
        for style, walk in WALKERS.items():
            with self.subTest(style=style):
                records = walk(self.fake, "", 40)
                self.assertEqual(sorted(r["id"] for r in records), sorted(by_id))
                self.assert_ordered(records)
                for r in records:
                    t = by_id[r["id"]]
                    self.assertEqual(r["full_name"], t["name"])
                    self.assertEqual(r["contact"]["email"], t["email"])
                    self.assertEqual(r["contact"]["phone"], t["phone"])
                    self.assertEqual((r["company"] or {}).get("name"), t["company"])
                    self.assertEqual(utc(r["modified_at"]), utc(t["updated_at"]))
        # Changed records come after the seeded ones, in an incremental query too.
        since = urllib.parse.quote(datetime.datetime.fromtimestamp(int(before), datetime.timezone.utc).isoformat())
        recent = walk_cursor(self.fake, f"&modified_since={since}", 5)
        self.assertEqual(sorted(r["id"] for r in recent), sorted(res["updated"] + res["created"] + res["touched"]))

    def test_single_record_control(self):
        since = urllib.parse.quote(datetime.datetime.fromtimestamp(int(time.time()), datetime.timezone.utc).isoformat())
        r = self.fake.request("POST", "/_control/records",
                              {"first_name": "Zoë", "last_name": "Łukasz", "email": "zoe@example.com"})
        self.assertEqual(r.status, 201)
        new_id = r.json()["id"]
        self.assertEqual(new_id, str(N + 1))
        rec = self.fake.get(f"/_control/records/{new_id}").json()
        self.assertEqual((rec["name"], rec["phone"], rec["kind"]), ("Zoë Łukasz", None, "person"))
        self.assertEqual(self.fake.request("PATCH", "/_control/records/3", {"phone": None, "company": "Acme Ltd"}).status, 200)
        recent = self.fake.get(f"/cursor/contacts?limit=100&modified_since={since}").json()["data"]
        self.assertEqual(sorted(r["id"] for r in recent), sorted([new_id, "3"]))
        self.assert_ordered(recent)
        patched = next(r for r in recent if r["id"] == "3")
        self.assertEqual((patched["contact"]["phone"], patched["company"]), (None, {"name": "Acme Ltd"}))
        self.assertEqual(self.fake.request("DELETE", "/_control/records/3").status, 200)
        self.assertEqual(self.fake.request("DELETE", "/_control/records/3").status, 404)
        self.assertEqual(self.fake.request("PATCH", "/_control/records/3", {"email": "x@y"}).status, 404)
        self.assertEqual(self.fake.request("PATCH", "/_control/records/99999", {"email": "x@y"}).status, 404)
        self.assertEqual(self.fake.request("POST", "/_control/records", {"bogus": 1}).status, 400)
        self.assertEqual(self.fake.stats()["records"], N)

    def test_mutate_after_makes_offset_paging_skip(self):
        self.fake.fault(kind="mutate_after", skip=2, update=5)
        records = walk_offset(self.fake, "", 20)
        ids = [int(r["id"]) for r in records]
        moved = [int(i) for i in self.fake.stats()["mutated_during_paging"]]
        self.assertEqual(moved, [1, 2, 3, 4, 5])  # the oldest, already read on page 1
        self.assertEqual(sorted(set(range(1, N + 1)) - set(ids)), [41, 42, 43, 44, 45])
        # Keyset paging under the same fault misses nothing.
        self.fake.request("POST", "/_control/reset")
        self.fake.fault(kind="mutate_after", skip=2, update=5)
        self.assertEqual(sorted({int(r["id"]) for r in walk_cursor(self.fake, "", 20)}), list(range(1, N + 1)))

    def test_invalid_utf8_and_html_faults(self):
        self.fake.fault(kind="invalid_utf8", skip=1)
        clean = self.fake.get("/cursor/contacts?limit=3").body  # the skipped request
        with urllib.request.urlopen(self.fake.base + "/cursor/contacts?limit=3", timeout=20) as resp:
            raw = resp.read()
        self.assertIn(b'"full_name":"\xc3\x28', raw)  # a lead byte then "(": invalid UTF-8
        with self.assertRaises(UnicodeDecodeError):
            raw.decode("utf-8")
        self.assertEqual(raw.replace(b"\xc3\x28", b"", 1).decode(), clean)
        self.fake.fault(kind="html", count=2)
        for _ in range(2):
            r = self.fake.get("/offset/contacts")
            self.assertEqual(r.status, 200)
            self.assertTrue(r.header("Content-Type").startswith("text/html"))
            self.assertIn("<html>", r.body)
        self.assertEqual(self.fake.get("/offset/contacts").header("Content-Type"), "application/json; charset=utf-8")

    def test_duplicate_fault_repeats_the_previous_pages_last_record(self):
        # Server-made next pages (cursor, next link): each hit repeats one record. Client-made
        # positions (page numbers, offsets): a shift that lasts to the end of the pass, as
        # when a record was inserted ahead, repeats one record in all.
        for style, walk, count, dups in (("cursor", walk_cursor, 2, 2), ("next_url", walk_next_url, 2, 2),
                                         ("page", walk_page, 1000, 1), ("offset", walk_offset, 1000, 1)):
            with self.subTest(style=style):
                self.fake.request("POST", "/_control/reset")
                self.fake.fault(kind="duplicate", skip=1, count=count)
                ids = [int(r["id"]) for r in walk(self.fake, "", 50)]
                self.fake.request("DELETE", "/_control/faults")
                self.assertEqual(sorted(set(ids)), list(range(1, N + 1)), "a record was skipped")
                self.assertEqual(ids[50], ids[49], "page 2 does not start with page 1's last record")
                self.assertEqual(len(ids) - N, dups)
        # A shift that stops early makes offset paging skip a record: count covers the pass.
        self.fake.request("POST", "/_control/reset")
        self.fake.fault(kind="duplicate", skip=1, count=1)
        ids = [int(r["id"]) for r in walk_offset(self.fake, "", 50)]
        self.assertEqual(ids[50], 50)
        self.assertEqual(sorted(set(range(1, N + 1)) - set(ids)), [100])
        # Not implemented for vendor dialects: a loud 501, never a silent pass.
        self.fake.fault(kind="duplicate")
        r = self.fake.get("/api/data/v9.2/contacts")
        self.assertEqual(r.status, 501, r.body)
        self.assertIn("only implemented for the rest dialect", r.body)

    def test_empty_fault_ends_the_listing_early(self):
        for style, walk in WALKERS.items():
            with self.subTest(style=style):
                self.fake.request("POST", "/_control/reset")
                self.fake.fault(kind="empty", skip=2)
                ids = [int(r["id"]) for r in walk(self.fake, "", 40)]
                self.assertEqual(ids, list(range(1, 81)))
        self.fake.fault(kind="empty")
        r = self.fake.get("/next_url/contacts?per_page=10").json()
        self.assertEqual((r["data"], r["links"]["next"]), ([], None))
        self.fake.fault(kind="empty")
        r = self.fake.get("/page/contacts?per_page=10").json()
        self.assertEqual((r["data"], r["meta"]["total"]), ([], N))

    def test_reset_not_found_and_methods(self):
        self.fake.request("POST", "/_control/mutate", {"delete": 10})
        self.fake.fault(kind="drop", count=5)
        self.fake.request("POST", "/_control/reset")
        stats = self.fake.stats()
        self.assertEqual((stats["records"], stats["requests"], stats["faults_pending"]), (N, 0, 0))
        r = self.fake.get("/nope")
        self.assertEqual((r.status, r.json()["error"]["code"]), (404, "not_found"))
        self.assertEqual(self.fake.request("POST", "/page/contacts", {}).status, 405)
        self.assertEqual(self.fake.get("/cursor/contacts?cursor=not-a-cursor").status, 400)
        self.assertEqual(self.fake.stats()["by_status"], {"404": 1, "405": 1, "400": 1})


class FakeCliTest(unittest.TestCase):
    def test_bad_flag_and_port_in_use_exit_2(self):
        r = subprocess.run([FAKE_BIN, "--tz", "CET"], capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--tz", r.stderr)
        r = subprocess.run([FAKE_BIN, "--no-such-flag"], capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 2)
        first = FakeProcess("--records", "1")
        try:
            r = subprocess.run([FAKE_BIN, "--port", str(first.port)], capture_output=True, text=True, timeout=20)
            self.assertEqual(r.returncode, 2)
            self.assertTrue(r.stderr)
        finally:
            self.assertEqual(first.stop(), 0)


if __name__ == "__main__":
    unittest.main()
