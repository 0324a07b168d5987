"""End to end: `crm-index run` (scheduler + read-only API) against fake CRMs on 127.0.0.1."""

import json
import os
import signal
import socket
import sys
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import (Daemon, Fake, Workspace, free_port, get_json, http_get,  # noqa: E402
                     rest_source, wait_until)

INTERVAL = "2s"


def all_records(port, params="", limit=100, headers=None):
    """Walks /v1/records with keyset pagination; returns the items in order."""
    items, after = [], None
    for _ in range(10000):
        q = f"limit={limit}" + (f"&{params}" if params else "") + (f"&after={after}" if after else "")
        status, body = get_json(port, "/v1/records?" + q, headers)
        assert status == 200, body
        items += body["items"]
        after = body["next"]
        if not after:
            return items
    raise AssertionError("pagination did not end")


class DaemonTest(unittest.TestCase):
    def setUp(self):
        self.fake = Fake("--records", "1500", "--seed", "3")
        self.ws = Workspace()
        self.port = free_port()
        self.ws.write_config(rest_source("alpha", self.fake, "cursor"),
                             defaults=f"  interval: {INTERVAL}\n  jitter: 0%\n  page_size: 100\n",
                             top=f"api:\n  listen: 127.0.0.1:{self.port}\n")
        self.daemon = Daemon(self.ws)
        self.daemon.wait_ready(self.port)

    def tearDown(self):
        code = self.daemon.stop()
        self.fake.stop()
        self.ws.cleanup()
        self.assertEqual(code, 0, "the daemon did not exit cleanly on SIGTERM")

    def wait_for_count(self, n, timeout=30):
        def ok():
            s, body = get_json(self.port, "/v1/sources")
            return s == 200 and body["items"] and body["items"][0]["records"] == n
        wait_until(ok, timeout, f"{n} records in /v1/sources")

    def test_records_arrive_and_changes_flow(self):
        self.wait_for_count(1500)
        items = all_records(self.port)
        self.assertEqual(len(items), 1500)
        self.assertEqual(len({i["external_id"] for i in items}), 1500)

        status, feed = get_json(self.port, "/v1/changes?limit=1")
        last = feed["last_seq"]
        self.assertGreaterEqual(last, 1500)

        # A long poll returns as soon as a change lands (well before its 30 s wait).
        result = {}

        def poll():
            t0 = time.monotonic()
            result["status"], result["body"] = get_json(self.port, f"/v1/changes?after={last}&wait=30s", timeout=40)
            result["seconds"] = time.monotonic() - t0
        t = threading.Thread(target=poll)
        t.start()
        time.sleep(0.5)
        rid = json.loads(self.fake.request("POST", "/_control/records", {"full_name": "Zoë Quist", "first_name": "Zoë",
                                                                          "last_name": "Quist", "email": "zq@example.com"}))["id"]
        t.join(timeout=40)
        self.assertEqual(result.get("status"), 200)
        self.assertLess(result["seconds"], 2 * 2 + 5, "the change did not arrive within two intervals")
        ops = [(c["op"], c["external_id"]) for c in result["body"]["items"]]
        self.assertIn(("create", str(rid)), ops)
        ev = [c for c in result["body"]["items"] if c["external_id"] == str(rid)][0]
        self.assertEqual(ev["record"]["name"], "Zoë Quist")

        status, rec = get_json(self.port, f"/v1/records/alpha/{rid}")
        self.assertEqual(status, 200)
        self.assertEqual(rec["email"], "zq@example.com")

        # Accent- and case-insensitive search.
        status, body = get_json(self.port, "/v1/records?q=zoe%20quist")
        self.assertEqual(status, 200)
        self.assertIn(str(rid), [i["external_id"] for i in body["items"]])

        # An update shows up in /v1/records and in the feed.
        self.fake.request("PATCH", f"/_control/records/{rid}", {"email": "zoe.q@example.com"})

        def updated():
            s, r = get_json(self.port, f"/v1/records/alpha/{rid}")
            return s == 200 and r["email"] == "zoe.q@example.com"
        wait_until(updated, 10, "the update in /v1/records")
        status, feed = get_json(self.port, f"/v1/changes?after={last}")
        self.assertIn(("update", str(rid)), [(c["op"], c["external_id"]) for c in feed["items"]])

    def test_search_folds_every_letter(self):
        # Issue #15.5: letters NFKD does not decompose (Ł, Ø, Æ, ß) fold like accents do,
        # in the index and in the query.
        self.wait_for_count(1500)
        people = {"lukasz": ("Łukasz", "Wiśniewski"), "odegaard": ("Martin", "Ødegaard"),
                  "aero": ("Ærø", "Hansen"), "strasse": ("Jens", "Straße")}
        ids = {}
        for key, (first, last) in people.items():
            ids[key] = str(json.loads(self.fake.request("POST", "/_control/records", {
                "full_name": f"{first} {last}", "first_name": first, "last_name": last,
                "email": f"p{len(ids)}@example.com"}))["id"])
        self.wait_for_count(1500 + len(people))
        for query in ["lukasz", "odegaard", "aero", "strasse", "ŁUKASZ", "ødegaard", "straße", "STRASSE"]:
            key = {"ŁUKASZ": "lukasz", "ødegaard": "odegaard", "straße": "strasse", "STRASSE": "strasse"}.get(query, query)
            status, body = get_json(self.port, "/v1/records?q=" + urllib.parse.quote(query))
            self.assertEqual(status, 200, body)
            self.assertIn(ids[key], [i["external_id"] for i in body["items"]], f"q={query}")

    def test_etag_and_if_none_match(self):
        self.wait_for_count(1500)
        status, headers, body = http_get(self.port, "/v1/records?limit=5")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("application/json"))
        etag = headers.get("etag")
        self.assertTrue(etag)
        status, _, body = http_get(self.port, "/v1/records?limit=5", {"If-None-Match": etag})
        self.assertEqual(status, 304)
        self.assertEqual(body, b"")

    def test_keyset_walk_sees_every_record_once_while_a_sync_writes(self):
        self.wait_for_count(1500)
        self.fake.mutate(update=1200, create=300, seed=4)  # the next runs rewrite most rows
        seen = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # walk repeatedly while the daemon writes
            items = all_records(self.port, limit=37)
            ids = [i["external_id"] for i in items]
            self.assertEqual(len(ids), len(set(ids)), "a record came twice in one walk")
            self.assertGreaterEqual(len(ids), 1500)
            seen.append(len(ids))
            if len(ids) == 1800:
                break
        self.assertEqual(seen[-1], 1800)

    def test_sources_and_metrics(self):
        self.wait_for_count(1500)
        # At a 2 s interval the next run may have begun (seen under ASan): the latest run is
        # "running" then. Wait, bounded, for a moment between runs.
        deadline = time.monotonic() + 15
        while True:
            status, body = get_json(self.port, "/v1/sources")
            src = body["items"][0]
            if src["last_run"]["status"] != "running" or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        for key in ("name", "type", "enabled", "interval_s", "records", "deleted", "watermark",
                    "next_run_at", "consecutive_failures", "last_run"):
            self.assertIn(key, src)
        self.assertEqual(src["interval_s"], 2)
        self.assertFalse(src["stale"])
        self.assertEqual(src["last_run"]["status"], "ok")
        status, headers, text = http_get(self.port, "/metrics")
        self.assertEqual(status, 200)
        text = text.decode()
        self.assertIn('crm_index_runs_total{source="alpha",status="ok"}', text)
        self.assertIn("crm_index_config_last_reload_successful 1", text)
        self.assertIn('crm_index_records{source="alpha"} 1500', text)

    def test_bad_requests_get_4xx_json(self):
        for path, code in [("/v1/records?limit=0", 400), ("/v1/records?limit=1001", 400),
                           ("/v1/records?limit=abc", 400), ("/v1/records?bogus=1", 400),
                           ("/v1/records?after=%00garbage", 400), ("/v1/records?updated_since=yesterday", 400),
                           ("/v1/records?include_deleted=maybe", 400), ("/v1/changes?wait=forever", 400),
                           ("/v1/changes?after=-5", 400), ("/v1/nothing", 404), ("/v1/records/alpha/nope", 404),
                           ("/v1/records?q=%22%20OR%201%3D1%20--", 200), ("/v1/records?q=*", 200)]:
            with self.subTest(path=path):
                status, headers, body = http_get(self.port, path)
                self.assertEqual(status, code, body)
                data = json.loads(body)
                if code >= 400:
                    self.assertIn("code", data["error"])
                    self.assertIn("message", data["error"])
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            with self.subTest(method=method):
                status, headers, body = http_get(self.port, "/v1/records", method=method)
                self.assertEqual(status, 405)
                self.assertIn("error", json.loads(body))

    def test_sync_is_refused_while_the_daemon_runs(self):
        r = self.ws.sync()
        self.assertEqual(r.returncode, 1, "busy, not a usage error: " + r.stdout + r.stderr)
        self.assertIn("already running", r.stderr)

    def test_second_instance_is_refused(self):
        other = Daemon(self.ws)
        code = other.proc.wait(timeout=30)
        other.log.close()
        self.assertEqual(code, 1)
        with open(other.log_path) as f:
            self.assertIn("already running", f.read())


class DaemonOperationsTest(unittest.TestCase):
    def setUp(self):
        self.ws = Workspace()
        self.fakes = []

    def tearDown(self):
        for f in self.fakes:
            f.stop()
        self.ws.cleanup()

    def fake(self, *args):
        f = Fake(*args)
        self.fakes.append(f)
        return f

    def test_a_hanging_source_does_not_delay_another(self):
        fast, slow = self.fake("--records", "200"), self.fake("--records", "200")
        port = free_port()
        self.ws.write_config(rest_source("fast", fast, "cursor") + rest_source("slow", slow, "cursor"),
                             defaults="  interval: 1s\n  jitter: 0%\n  timeout: 30s\n",
                             top=f"api:\n  listen: 127.0.0.1:{port}\n")
        slow.fault(kind="slow", delay_ms=20000, count=5)
        d = Daemon(self.ws)
        try:
            d.wait_ready(port)
            time.sleep(8)
            runs = self.ws.query("SELECT count(*) FROM runs r JOIN sources s ON s.id = r.source_id "
                                 "WHERE s.name = 'fast' AND r.status = 'ok'")[0][0]
            self.assertGreaterEqual(runs, 4, "the fast source was held up by the hanging one")
            status, body = get_json(port, "/v1/sources")
            slow_src = [s for s in body["items"] if s["name"] == "slow"][0]
            self.assertEqual(slow_src["last_run"]["status"], "running")
        finally:
            self.assertEqual(d.stop(timeout=40), 0)

    def test_sighup_applies_a_valid_config_and_refuses_an_invalid_one(self):
        a, b = self.fake("--records", "100"), self.fake("--records", "50", "--seed", "9")
        port = free_port()
        top = f"api:\n  listen: 127.0.0.1:{port}\n"
        defaults = "  interval: 1s\n  jitter: 0%\n"
        self.ws.write_config(rest_source("a", a, "cursor"), defaults=defaults, top=top)
        d = Daemon(self.ws)
        try:
            d.wait_ready(port)
            wait_until(lambda: get_json(port, "/v1/sources")[1]["items"][0]["records"] == 100, 20, "source a")
            # Valid: add source b.
            self.ws.write_config(rest_source("a", a, "cursor") + rest_source("b", b, "cursor"), defaults=defaults, top=top)
            d.signal(signal.SIGHUP)

            def b_synced():
                items = {s["name"]: s for s in get_json(port, "/v1/sources")[1]["items"]}
                return "b" in items and items["b"]["records"] == 50
            wait_until(b_synced, 20, "source b after SIGHUP")
            # Invalid: refused, the old config keeps running, the failure is visible.
            with open(self.ws.config, "a") as f:
                f.write("    intervall: 5m\n")
            d.signal(signal.SIGHUP)
            wait_until(lambda: "crm_index_config_last_reload_successful 0" in http_get(port, "/metrics")[2].decode(),
                       10, "reload failure in /metrics")
            self.assertIn("intervall", d.output())
            self.assertEqual(http_get(port, "/readyz")[0], 200)
            before = self.ws.query("SELECT count(*) FROM runs")[0][0]
            wait_until(lambda: self.ws.query("SELECT count(*) FROM runs")[0][0] > before + 2, 15, "runs to go on")
        finally:
            self.assertEqual(d.stop(), 0)

    def test_sigterm_during_a_sync_leaves_a_consistent_index(self):
        f = self.fake("--records", "30000", "--max-page-size", "200")
        port = free_port()
        self.ws.write_config(rest_source("big", f, "cursor"), defaults="  interval: 1h\n  page_size: 200\n",
                             top=f"api:\n  listen: 127.0.0.1:{port}\n")
        f.fault(kind="slow", delay_ms=50, count=1000)  # make the full pass take a while
        d = Daemon(self.ws)
        d.wait_ready(port)
        wait_until(lambda: self.ws.query("SELECT count(*) FROM records")[0][0] > 1000, 30, "the sync to be underway")
        t0 = time.monotonic()
        self.assertEqual(d.stop(timeout=30), 0)
        self.assertLess(time.monotonic() - t0, 10)
        self.assertEqual(self.ws.query("PRAGMA integrity_check")[0][0], "ok")
        row = self.ws.query("SELECT status, error FROM runs ORDER BY id DESC LIMIT 1")[0]
        self.assertEqual(row[0], "failed")
        self.assertIn("interrupted", row[1])
        self.assertIsNone(self.ws.watermark("big"))
        # The next start finishes the job.
        f.clear_faults()
        d2 = Daemon(self.ws)
        try:
            d2.wait_ready(port)
            wait_until(lambda: self.ws.query("SELECT count(*) FROM records WHERE deleted_ms IS NULL")[0][0] == 30000,
                       60, "the full index after restart")
        finally:
            self.assertEqual(d2.stop(), 0)

    def test_token_protects_the_api(self):
        f = self.fake("--records", "10")
        port = free_port()
        token_file = os.path.join(self.ws.dir, "api-token")
        with open(token_file, "w") as fh:
            fh.write("s3cret-token\n")
        self.ws.write_config(rest_source("t", f, "cursor"),
                             top=f"api:\n  listen: 127.0.0.1:{port}\n  token_file: {token_file}\n")
        d = Daemon(self.ws)
        try:
            wait_until(lambda: http_get(port, "/healthz")[0] == 200 if _listening(port) else False, 20, "healthz")
            self.assertEqual(http_get(port, "/v1/records")[0], 401)
            self.assertEqual(http_get(port, "/v1/records", {"Authorization": "Bearer wrong"})[0], 401)
            status, headers, body = http_get(port, "/v1/records", {"Authorization": "Bearer s3cret-token"})
            self.assertEqual(status, 200)
            self.assertNotIn("s3cret-token", d.output())
        finally:
            self.assertEqual(d.stop(), 0)

    def test_sd_notify_ready_and_status(self):
        f = self.fake("--records", "10")
        port = free_port()
        sock_path = os.path.join(self.ws.dir, "notify.sock")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(sock_path)
        s.settimeout(30)
        self.ws.write_config(rest_source("n", f, "cursor"), top=f"api:\n  listen: 127.0.0.1:{port}\n")
        d = Daemon(self.ws, env={"NOTIFY_SOCKET": sock_path, "WATCHDOG_USEC": "2000000"})
        try:
            messages = []
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not any("STATUS=" in m for m in messages):
                messages.append(s.recv(4096).decode())
            self.assertTrue(any("READY=1" in m for m in messages), messages)
            self.assertTrue(any(m.startswith("STATUS=1 source") for m in messages), messages)
            self.assertEqual(http_get(port, "/readyz")[0], 200)  # READY came after the API listened
        finally:
            self.assertEqual(d.stop(), 0)
            s.close()


def _listening(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


if __name__ == "__main__":
    unittest.main()
