"""End to end: the fake CRM (tests/fake) keeps the contract of tests/fake/README.md.

Standard library only. Starts the binary named by CRM_FAKE_BIN on 127.0.0.1 with port 0
and reads the port from its banner line; every loop and wait is bounded; the child is
always stopped in tearDown (and must exit 0 on SIGTERM)."""

import base64
import datetime
import hashlib
import hmac
import http.client
import http.server
import json
import os
import re
import select
import signal
import socket
import subprocess
import threading
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


class HookReceiver:
    """A webhook receiver on 127.0.0.1: keeps every request (path as sent, headers, raw
    body) and answers `status`; a path starting /slow is held `slow_s` seconds first,
    longer than any test step that counts on a delivery still being in flight."""

    def __init__(self):
        self.requests, self.status, self.slow_s = [], 200, 5.0
        self.cond = threading.Condition()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.path.startswith("/slow"):
                    time.sleep(receiver.slow_s)
                with receiver.cond:
                    receiver.requests.append((self.path, self.headers, body))
                    receiver.cond.notify_all()
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def wait(self, count, timeout=10):
        """The first `count` requests, waiting at most `timeout` seconds for them."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.requests) < count and time.monotonic() < deadline:
                self.cond.wait(deadline - time.monotonic())
            return list(self.requests[:count])

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def hubspot_uri(uri):
    """The URI as HubSpot signs it: only these 12 escapes decoded (its v3 validation doc)."""
    table = {"3A": ":", "2F": "/", "3F": "?", "40": "@", "21": "!", "24": "$",
             "27": "'", "28": "(", "29": ")", "2A": "*", "2C": ",", "3B": ";"}
    return re.sub(r"%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)", lambda m: table[m.group(1).upper()], uri,
                  flags=re.IGNORECASE)


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class FakeWebhookTest(unittest.TestCase):
    """POST /_control/webhook: the fake sends its vendor's webhook on every change."""

    def setUp(self):
        self.fake = FakeProcess("--records", str(N))
        self.hooks = HookReceiver()

    def tearDown(self):
        self.hooks.close()
        self.assertEqual(self.fake.stop(), 0, "crm-fake must exit 0 on SIGTERM")

    def configure(self, **spec):
        r = self.fake.request("POST", "/_control/webhook", spec)
        self.assertEqual(r.status, 200, r.body)
        return r.json()

    def mutate(self, **spec):
        r = self.fake.request("POST", "/_control/mutate", spec)
        self.assertEqual(r.status, 200, r.body)
        return {k: [int(i) for i in v] for k, v in r.json().items()}

    def status(self):
        return self.fake.get("/_control/webhook").json()

    def wait_status(self, done, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            st = self.status()
            if done(st):
                return st
            time.sleep(0.05)
        self.fail(f"webhook status never got there: {self.status()}")

    def test_hubspot_v3_signature_over_the_uri_as_called(self):
        secret = "hs-client-secret-1"
        # %3A and %2f are among the escapes HubSpot decodes before signing, %20 is not.
        url = self.hooks.url("/hooks/hubspot?portal=a%3Ab%2fc%20d")
        self.configure(dialect="hubspot", url=url, secret=secret)
        res = self.mutate(update=3, create=1, delete=1, seed=4)
        (path, headers, body), = self.hooks.wait(1)
        ts = headers["X-HubSpot-Request-Timestamp"]
        self.assertLess(abs(int(ts) - time.time() * 1000), 60_000)
        source = "POST" + hubspot_uri(f"http://127.0.0.1:{self.hooks.port}{path}") + body.decode() + ts
        self.assertIn("portal=a:b/c%20d", source)
        want = base64.b64encode(hmac.new(secret.encode(), source.encode(), hashlib.sha256).digest()).decode()
        self.assertEqual(headers["X-HubSpot-Signature-v3"], want)
        self.assertEqual(headers["X-HubSpot-Signature-Version"], "v1")
        self.assertEqual(headers["X-HubSpot-Signature"], hashlib.sha256(secret.encode() + body).hexdigest())
        events = json.loads(body)
        self.assertIsInstance(events, list)
        by_type = {}
        for e in events:
            for key in ("eventId", "subscriptionId", "portalId", "occurredAt", "attemptNumber", "objectId",
                        "changeSource"):
                self.assertIn(key, e)
            by_type.setdefault(e["subscriptionType"].split(".")[1], []).append(e["objectId"])
        self.assertEqual(sorted(by_type["propertyChange"]), res["updated"])  # each update changes one property
        self.assertEqual(by_type["creation"], res["created"])
        self.assertEqual(by_type["deletion"], res["deleted"])
        change = next(e for e in events if e["subscriptionType"].endswith("propertyChange"))
        self.assertIn(change["propertyName"], ("email", "phone", "company", "domain"))
        self.assertEqual(len({e["eventId"] for e in events}), len(events))
        # A wrong secret does not verify: the check above is not vacuous.
        wrong = base64.b64encode(hmac.new(b"other", source.encode(), hashlib.sha256).digest()).decode()
        self.assertNotEqual(headers["X-HubSpot-Signature-v3"], wrong)

    def test_hubspot_batches_up_to_100_events(self):
        self.configure(dialect="hubspot", url=self.hooks.url("/hooks/hubspot"), secret="s")
        self.mutate(create=250)
        reqs = self.hooks.wait(3)
        sizes = [len(json.loads(b)) for _, _, b in reqs]
        self.assertEqual(sizes, [100, 100, 50])
        st = self.wait_status(lambda st: st["sent"] == 3)
        self.assertEqual((st["failed"], st["dropped"], st["last_status"]), (0, 0, 200))

    def test_pipedrive_basic_auth_and_v2_body(self):
        self.configure(dialect="pipedrive", url=self.hooks.url("/hooks/pd"), username="pipedrive", password="pd-pass")
        res = self.mutate(update=1, seed=9)
        (_, headers, body), = self.hooks.wait(1)
        want = "Basic " + base64.b64encode(b"pipedrive:pd-pass").decode()
        self.assertEqual(headers["Authorization"], want)
        hook = json.loads(body)
        self.assertEqual((hook["meta"]["action"], hook["meta"]["version"]), ("change", "2.0"))
        self.assertIn(hook["meta"]["entity"], ("person", "organization"))
        self.assertEqual(hook["meta"]["entity_id"], str(res["updated"][0]))
        self.assertEqual(hook["data"]["id"], res["updated"][0])
        self.assertIn("update_time", hook["previous"])
        self.fake.request("DELETE", f"/_control/records/{res['updated'][0]}")
        _, (_, _, body) = self.hooks.wait(2)
        gone = json.loads(body)
        self.assertEqual((gone["meta"]["action"], gone["data"]), ("delete", None))
        self.assertEqual(gone["previous"]["id"], res["updated"][0])

    def test_dynamics_http_header_and_execution_context(self):
        self.configure(dialect="dynamics", url=self.hooks.url("/hooks/dyn"), header="x-crm-key", value="dyn-key-1")
        r = self.fake.request("POST", "/_control/records", {"first_name": "Zoë", "last_name": "Müller"})
        new_id = int(r.json()["id"])
        (_, headers, body), = self.hooks.wait(1)
        self.assertEqual(headers["x-crm-key"], "dyn-key-1")
        self.assertEqual(headers["x-ms-dynamics-request-name"], "Create")
        self.assertEqual(headers["x-ms-dynamics-entity-name"], "contact")
        ctx = json.loads(body)
        self.assertEqual((ctx["MessageName"], ctx["PrimaryEntityName"]), ("Create", "contact"))
        self.assertEqual(int(ctx["PrimaryEntityId"][:8], 16), new_id)
        target = ctx["InputParameters"][0]
        self.assertEqual(target["key"], "Target")
        attrs = {a["key"]: a["value"] for a in target["value"]["Attributes"]}
        self.assertEqual((attrs["firstname"], attrs["fullname"]), ("Zoë", "Zoë Müller"))
        self.assertRegex(attrs["modifiedon"], r"^/Date\(\d+\)/$")

    def test_zoho_token_in_the_body_one_notification_per_operation(self):
        self.configure(dialect="zoho", url=self.hooks.url("/hooks/zoho?key1=val1"), token="TOKEN_FOR_VERIFICATION")
        created = []
        for i in range(2):  # one at a time: pending inserts of one module would share a notification
            created.append(int(self.fake.request("POST", "/_control/records", {"full_name": f"P{i}"}).json()["id"]))
            self.hooks.wait(i + 1)
        self.fake.request("PATCH", f"/_control/records/{created[0]}", {"email": "p0@example.net"})
        reqs = self.hooks.wait(3)
        notes = [json.loads(b) for _, _, b in reqs]
        for n in notes:
            self.assertEqual(n["token"], "TOKEN_FOR_VERIFICATION")
            self.assertEqual((n["module"], n["query_params"]), ("Contacts", {"key1": "val1"}))
            self.assertTrue(n["resource_uri"].endswith("/crm/v8/Contacts"))
        self.assertEqual([n["operation"] for n in notes], ["insert", "insert", "update"])
        zoho_ids = [int(i) - 554023000000000000 for n in notes[:2] for i in n["ids"]]
        self.assertEqual(zoho_ids, created)
        self.assertEqual(notes[2]["affected_fields"], [{str(554023000000000000 + created[0]): ["Email"]}])

    def test_zoho_groups_a_bulk_change(self):
        self.configure(dialect="zoho", url=self.hooks.url("/hooks/zoho"), token="t")
        res = self.mutate(create=5)  # N = 250: new ids 251..255, 260 would be the next company
        (_, _, body), = self.hooks.wait(1)
        note = json.loads(body)
        self.assertEqual(note["operation"], "insert")
        self.assertEqual([int(i) - 554023000000000000 for i in note["ids"]], res["created"])

    def test_rest_hmac_hex_and_base64(self):
        secret = "legacy-hook-secret"
        self.configure(dialect="rest", url=self.hooks.url("/hooks/legacy"), secret=secret, header="X-Signature",
                       prefix="sha256=", encoding="hex")
        res = self.mutate(update=2, touch=1)
        (_, headers, body), = self.hooks.wait(1)
        mac = hmac.new(secret.encode(), body, hashlib.sha256)
        self.assertEqual(headers["X-Signature"], "sha256=" + mac.hexdigest())
        hook = json.loads(body)
        self.assertEqual(hook["event"], "changed")
        self.assertEqual(sorted(int(i) for i in hook["ids"]), sorted(res["updated"] + res["touched"]))
        self.configure(dialect="rest", url=self.hooks.url("/hooks/legacy"), secret=secret, header="X-Signature",
                       encoding="base64")
        self.mutate(delete=1)
        _, (_, headers, body) = self.hooks.wait(2)
        self.assertEqual(headers["X-Signature"],
                         base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode())

    def test_salesforce_odoo_suitecrm(self):
        self.configure(dialect="salesforce", url=self.hooks.url("/hooks/sf"), header="X-Hook-Key", value="sf-key")
        res = self.mutate(update=1, delete=1, seed=3)
        (_, headers, body), = self.hooks.wait(1)
        self.assertEqual(headers["X-Hook-Key"], "sf-key")
        callout = json.loads(body)
        self.assertEqual(callout["event"], "updated")
        self.assertEqual(int(callout["recordId"][-13:]), res["updated"][0])
        # A deletion makes no callout (a delete-triggered flow cannot call out).
        self.wait_status(lambda st: st["pending"] == 0 and st["sent"] == 1)
        time.sleep(0.3)
        self.assertEqual(len(self.hooks.requests), 1)

        r = self.fake.request("POST", "/_control/webhook",
                              {"dialect": "odoo", "url": self.hooks.url("/hooks/odoo"), "header": "X-Key", "value": "k"})
        self.assertEqual(r.status, 400)
        self.assertIn("query string", r.json()["error"]["message"])
        self.configure(dialect="odoo", url=self.hooks.url("/hooks/odoo?key=odoo-key"))
        oid = int(self.fake.request("POST", "/_control/records", {"full_name": "Søren"}).json()["id"])
        _, (path, headers, body) = self.hooks.wait(2)
        self.assertTrue(path.endswith("?key=odoo-key"))
        self.assertNotIn("X-Key", headers)
        self.assertIn(b'"name": "S\\u00f8ren"', body)  # Python's json.dumps: ensure_ascii, ", " and ": "
        vals = json.loads(body)
        self.assertEqual((vals["_model"], vals["_id"], vals["id"], vals["email"]), ("res.partner", oid, oid, False))
        self.assertEqual(list(vals), sorted(vals))

        secret = "suite-secret"
        self.configure(dialect="suitecrm", url=self.hooks.url("/hooks/suite"), header="X-Suite-Signature", secret=secret)
        self.fake.request("DELETE", f"/_control/records/{oid}")
        _, _, (_, headers, body) = self.hooks.wait(3)
        self.assertEqual(headers["X-Suite-Signature"], hmac.new(secret.encode(), body, hashlib.sha256).hexdigest())
        self.assertEqual(json.loads(body)["event"], "after_delete")

    def test_bad_url_never_blocks_mutate(self):
        self.configure(dialect="rest", url=f"http://127.0.0.1:{closed_port()}/hooks", secret="s", header="X-Sig")
        for _ in range(5):
            started = time.monotonic()
            self.mutate(update=3)
            self.assertLess(time.monotonic() - started, 1.0)
        st = self.wait_status(lambda st: st["failed"] >= 1 and st["pending"] == 0)
        self.assertEqual((st["sent"], st["last_status"]), (0, 0))

    def test_slow_receiver_bounded_queue_and_stop(self):
        self.configure(dialect="rest", url=self.hooks.url("/slow"), secret="s", header="X-Sig")
        started = time.monotonic()
        self.mutate(touch=50)
        self.wait_status(lambda st: st["pending"] == 0)  # the first batch is in flight, held by the receiver
        self.mutate(create=5000)  # N = 250 records cannot be touched 5000 times
        self.assertLess(time.monotonic() - started, 2.0)
        st = self.status()
        self.assertEqual((st["pending"], st["dropped"]), (1000, 4000))
        # Odoo waits one second only: a held request is a failed one, counted, and the queue goes on.
        self.configure(dialect="odoo", url=self.hooks.url("/slow/odoo"))
        self.mutate(update=2)
        st = self.wait_status(lambda st: st["failed"] == 2, timeout=15)
        self.assertEqual((st["sent"], st["last_status"], st["pending"]), (0, 0, 0))
        r = self.fake.request("DELETE", "/_control/webhook")
        self.assertEqual((r.status, r.json()["configured"]), (200, False))
        self.mutate(update=5)
        self.assertEqual(self.status()["pending"], 0)

    def test_status_times_and_reset(self):
        st = self.status()
        self.assertEqual((st["configured"], st["sent"], st["last_change_ms"], st["last_sent_ms"]), (False, 0, None, None))
        self.configure(dialect="suitecrm", url=self.hooks.url("/hooks/suite"), header="X-Key", value="v")
        before = time.time() * 1000
        self.fake.request("POST", "/_control/merge", {"loser": 2, "survivor": 1})
        st = self.wait_status(lambda st: st["sent"] == 2)
        self.assertLessEqual(before - 5, st["last_change_ms"])
        self.assertLessEqual(st["last_change_ms"], st["last_sent_ms"])
        self.assertLess(st["last_sent_ms"], time.time() * 1000 + 5)
        self.assertEqual(set(st), {"configured", "dialect", "url", "pending", "sent", "failed", "dropped",
                                   "last_status", "last_change_ms", "last_sent_ms"})
        self.fake.request("POST", "/_control/reset")
        self.assertEqual((self.status()["configured"], self.status()["sent"]), (False, 0))

    def test_bad_configurations(self):
        for spec, needle in (({"dialect": "nope", "url": "http://127.0.0.1:1/"}, "unknown dialect"),
                             ({"dialect": "hubspot", "url": "http://127.0.0.1:1/"}, "secret"),
                             ({"dialect": "rest", "url": "ftp://x/", "secret": "s", "header": "X"}, "url"),
                             ({"dialect": "zoho", "url": "http://127.0.0.1:1/", "secret": "s"}, "secret"),
                             ({"dialect": "pipedrive", "url": "http://127.0.0.1:1/", "username": "u"}, "password"),
                             ({"dialect": "rest", "url": "http://127.0.0.1:1/", "secret": "s", "header": "X",
                               "encoding": "base32"}, "encoding"),
                             ({"dialect": "dynamics", "url": "http://127.0.0.1:1/", "header": "a b",
                               "value": "v"}, "header")):
            with self.subTest(spec=spec):
                r = self.fake.request("POST", "/_control/webhook", spec)
                self.assertEqual(r.status, 400, r.body)
                self.assertIn(needle, r.json()["error"]["message"])
        self.assertEqual(self.fake.request("PUT", "/_control/webhook", {}).status, 405)


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
