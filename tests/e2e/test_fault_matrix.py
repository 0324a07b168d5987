"""End to end: one table of CRM faults against the real daemon (`crm-index run`).

One daemon and one crm-fake serve every row (300 records, pages of 50, cursor paging,
every run a full pass so that a partial pass would delete if it could). For each row the
test waits for a quiet moment between runs, injects the fault, changes a few records and
checks, while the fault lasts, that a failing row shows in /v1/sources (the CRM's message),
/metrics (runs_total{status="failed"}, source_up 0) and the daemon's log; then, once the
fault is gone, that the index equals the fake's truth, that nothing was deleted but what
the CRM deleted, that the watermark never passed data the index does not hold, and that
the requests the fake saw stay under a bound derived from the retry policy
(src/http/http_client.h, src/http/retry_policy.cpp, src/sync/scheduler.cpp):

  - a page is tried at most 5 times per run (HttpClientOptions::max_attempts);
  - between attempts the client sleeps jittered(500 ms * 2^(n-1)) >= 250, 500, 1000,
    2000 ms, so a page that keeps failing holds its run >= 3.75 s;
  - Retry-After is honoured as given;
  - after a failed run the scheduler waits >= interval (0.5 s here) before the next.

Connection refused uses a second source whose port nothing listens on (a fake is then
started there: recovery). DNS failure runs `crm-index sync` in a fresh network namespace
(`unshare -n`: only a down `lo`), so no packet leaves the machine. Two one-shot tests
cover offset paging: a repeated record, and (pinned as an expected failure) the records a
full pass skips when edits shift the pages."""

import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import (CRM_INDEX, Daemon, Fake, Workspace, assert_index_equals_truth,  # noqa: E402
                     free_port, get_json, http_get, log, parse_summary, rest_source, wait_until)

N = 300
PAGE = 50
KEY = "fm-secret-key-7f3a9c"
MAX_ATTEMPTS = 5          # HttpClientOptions::max_attempts
MIN_FAILING_RUN_S = 3.75  # the jittered backoff floors between 5 attempts: 0.25+0.5+1+2
INTERVAL_S = 0.5

# name, faults queued in order, expected outcome of the run that meets them, the text its
# error must carry (failing rows), whether the fault persists until cleared.
ROWS = [
    ("429 Retry-After seconds", [{"kind": "status", "status": 429, "retry_after": "1", "count": 2}], "ok", None),
    ("429 Retry-After HTTP-date", [{"kind": "status", "status": 429,
                                    "retry_after": "Thu, 01 Jan 1970 00:00:00 GMT", "count": 1}], "ok", None),
    ("500 then 502 then 503", [{"kind": "status", "status": s, "count": 1} for s in (500, 502, 503)], "ok", None),
    ("persistent 503 with the CRM's message",
     [{"kind": "status", "status": 503, "count": 10000,
       "body": '{"error":{"code":"maintenance","message":"CRM under maintenance"}}'}], "persistent",
     "CRM under maintenance"),
    ("slow answer past the timeout", [{"kind": "slow", "delay_ms": 2500, "count": 1}], "ok", None),
    ("dropped connection", [{"kind": "drop", "count": 2}], "ok", None),
    ("connection cut mid-body", [{"kind": "cut", "count": 1, "skip": 1}], "ok", None),
    ("truncated JSON", [{"kind": "truncate", "count": 1, "skip": 1}], "fail", "not valid JSON"),
    ("401 then recovery", [{"kind": "status", "status": 401, "count": 1}], "fail", "HTTP 401"),
    ("HTML login page (captive portal)", [{"kind": "html", "count": 1, "skip": 1}], "fail",
     "Content-Type text/html, not JSON"),
    ("invalid UTF-8 in a name", [{"kind": "invalid_utf8", "count": 1}], "ok", None),
    ("duplicate records across pages", [{"kind": "duplicate", "count": 3, "skip": 1}], "ok", None),
    ("listing cut short by an empty page", [{"kind": "empty", "count": 1, "skip": 2}], "fail", "delete guard"),
    ("records modified while the pass pages", [{"kind": "mutate_after", "skip": 2, "update": 5}], "ok", None),
]


def metric(text, name, **labels):
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith(name + "{"):
            head, _, value = line.rpartition(" ")
            got = ",".join(sorted(head[len(name) + 1:-1].split(",")))
            if got == want:
                return float(value)
    return 0.0


class FaultMatrixTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = Fake("--records", str(N), "--api-key", KEY, "--max-page-size", str(PAGE))
        cls.gone_port = free_port()
        cls.ws = Workspace()
        cls.port = free_port()

        class Nowhere:
            url = f"http://127.0.0.1:{cls.gone_port}"
        cls.ws.write_config(
            rest_source("flaky", cls.fake, "cursor", api_key=KEY) + rest_source("gone", Nowhere, "cursor", api_key=KEY),
            defaults=(f"  interval: 500ms\n  jitter: 0%\n  page_size: {PAGE}\n  timeout: 1s\n  max_backoff: 1s\n"
                      "  full_sync_every: 500ms\n  auth_retry: 500ms\n"),  # the 401 row recovers at once
            top=f"api:\n  listen: 127.0.0.1:{cls.port}\n")
        cls.daemon = Daemon(cls.ws)
        cls.deleted = set()  # ids the CRM deleted: the only tombstones allowed
        try:
            cls.daemon.wait_ready(cls.port)
            wait_until(lambda: cls.source("flaky")["records"] == N, 30, "the first full pass")
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()
        cls.fake.stop()
        cls.ws.cleanup()

    @classmethod
    def source(cls, name):
        status, body = get_json(cls.port, "/v1/sources")
        assert status == 200, body
        return [s for s in body["items"] if s["name"] == name][0]

    def metrics(self):
        status, _, text = http_get(self.port, "/metrics")
        self.assertEqual(status, 200)
        return text.decode()

    def log_text(self):
        with open(self.daemon.log_path, errors="replace") as f:
            return f.read()

    def runs(self, source, after_id):
        return self.ws.query("SELECT r.id, r.status, r.error, r.started_ms, r.finished_ms, r.pages, r.fetched, "
                             "r.created, r.updated, r.unchanged FROM runs r JOIN sources s ON s.id = r.source_id "
                             "WHERE s.name = ? AND r.id > ? ORDER BY r.id", source, after_id)

    def last_run_id(self, source):
        return self.ws.query("SELECT coalesce(max(r.id), 0) FROM runs r JOIN sources s ON s.id = r.source_id "
                             "WHERE s.name = ?", source)[0][0]

    def quiet_moment(self):
        """Waits until no run of `flaky` is in progress: the next one is >= 0.5 s away."""
        wait_until(lambda: not self.source("flaky")["running"], 30, "a moment between runs", interval=0.05)

    def wait_ok_run_after(self, run_id, timeout=30):
        def ok():
            rows = [r for r in self.runs("flaky", run_id) if r[1] != "running"]
            return rows[-1] if rows and rows[-1][1] == "ok" else None
        return wait_until(ok, timeout, f"an ok run of flaky after run {run_id}")

    def check_invariants(self, row):
        assert_index_equals_truth(self, self.ws, self.fake, "flaky")
        tomb = {r[0] for r in self.ws.query(
            "SELECT r.external_id FROM records r JOIN sources s ON s.id = r.source_id "
            "WHERE s.name = 'flaky' AND r.deleted_ms IS NOT NULL")}
        self.assertLessEqual(tomb, self.deleted, f"{row}: deleted records the CRM still has")
        removed = {r[0] for r in self.ws.query(
            "SELECT r.external_id FROM changes c JOIN records r ON r.id = c.record_id JOIN sources s "
            "ON s.id = c.source_id WHERE s.name = 'flaky' AND c.op = 'delete'")}
        self.assertLessEqual(removed, self.deleted, f"{row}: a delete event for a live record")
        dup = self.ws.query("SELECT external_id FROM records GROUP BY source_id, external_id HAVING count(*) > 1")
        self.assertEqual(dup, [], f"{row}: a record stored twice")
        creates = self.ws.query("SELECT c.record_id FROM changes c WHERE c.op = 'create' "
                                "GROUP BY c.record_id HAVING count(*) > 1")
        self.assertEqual(creates, [], f"{row}: a record created twice in the change feed")
        self.check_watermark(row)

    def check_watermark(self, row):
        wm = self.ws.watermark("flaky")
        top = self.ws.query("SELECT max(r.remote_updated_ms) FROM records r JOIN sources s ON s.id = r.source_id "
                            "WHERE s.name = 'flaky'")[0][0]
        self.assertIsNotNone(wm)
        self.assertLessEqual(wm, top, f"{row}: the watermark passed every record the index holds")

    def test_fault_matrix(self):
        for i, (name, faults, expect, message) in enumerate(ROWS):
            with self.subTest(row=name):
                self.one_row(i, name, faults, expect, message)
        log = self.log_text()
        self.assertNotIn(KEY, log, "the API key reached the daemon's log")
        self.assertNotIn(KEY, json.dumps(get_json(self.port, "/v1/sources")[1]))
        self.assertNotIn(KEY, self.metrics())

    def one_row(self, i, name, faults, expect, message):
        # Between two runs (>= 0.5 s apart): read the state, queue the fault, then change a
        # few records, so that the next run is the one that meets the fault.
        self.quiet_moment()
        log_start = len(self.log_text())
        r0 = self.last_run_id("flaky")
        wm0 = self.ws.watermark("flaky")
        failed0 = metric(self.metrics(), "crm_index_runs_total", source="flaky", status="failed")
        stats0 = self.fake.stats()
        total_count = sum(f.get("count", 1) for f in faults)
        t0 = time.monotonic()
        for f in faults:
            self.fake.fault(**f)
        changed = self.fake.mutate(update=3, create=1, delete=1, seed=100 + i)
        self.deleted.update(changed["deleted"])

        if expect in ("fail", "persistent"):
            def failing():
                src = self.source("flaky")
                run = src["last_run"]
                return src if run and run["id"] > r0 and run["status"] == "failed" else None
            src = wait_until(failing, 30, f"{name}: a failed run in /v1/sources", interval=0.05)
            self.assertIn(message, src["last_run"]["error"])
            self.assertGreaterEqual(src["consecutive_failures"], 1)
            self.assertEqual(self.ws.watermark("flaky"), wm0, f"{name}: a failed run moved the watermark")
            wait_until(lambda: metric(self.metrics(), "crm_index_runs_total", source="flaky", status="failed")
                       > failed0, 10, f"{name}: the failure in /metrics")
            self.assertIn(message, self.log_text()[log_start:])
            if expect == "persistent":
                self.assertEqual(metric(self.metrics(), "crm_index_source_up", source="flaky"), 0.0)
                time.sleep(1.0)  # let the scheduler's backoff run a little longer

        if expect == "persistent":
            pending = json.loads(self.fake.request("GET", "/_control/faults"))
            self.fake.clear_faults()
            hits = total_count - sum(f["count"] for f in pending)
        else:
            wait_until(lambda: json.loads(self.fake.request("GET", "/_control/faults")) == [], 30,
                       f"{name}: the fault to be used up")
            hits = total_count
        window = time.monotonic() - t0
        r1 = self.last_run_id("flaky")
        ok_run = self.wait_ok_run_after(r1)  # started after the fault was gone
        stats1 = self.fake.stats()
        self.check_invariants(name)
        runs = self.runs("flaky", r0)
        requests = stats1["list_requests"] - stats0["list_requests"]

        # Every run asks for each page once (ceil(live / PAGE) + 1 pages at most, the
        # duplicates' extra page included), plus one request per faulted answer.
        pages = math.ceil(stats1["records"] / PAGE) + 1
        self.assertLessEqual(requests, len(runs) * pages + hits,
                             f"{name}: {requests} requests in {len(runs)} runs, {hits} faulted")
        if expect == "persistent":
            # Backoff: <= 5 attempts per run, a failing run lasts >= 3.75 s, then >= one interval.
            bound = MAX_ATTEMPTS * (math.floor(window / (MIN_FAILING_RUN_S + INTERVAL_S)) + 1)
            self.assertGreaterEqual(hits, MAX_ATTEMPTS, f"{name}: the failing page was not retried")
            self.assertLessEqual(hits, bound, f"{name}: {hits} attempts in {window:.1f} s (bound {bound})")
        if expect == "ok":
            bad = [r for r in runs if r[1] == "failed"]
            self.assertEqual(bad, [], f"{name}: a run failed")
        self.extra_checks(name, runs, ok_run, stats1, changed)
        log(f"fault matrix: {name}: {len(runs)} runs, {requests} list requests ({hits} faulted), "
            f"{time.monotonic() - t0:.1f} s")

    def extra_checks(self, name, runs, ok_run, stats, changed):
        first = runs[0]  # the run that met the fault
        if name == "429 Retry-After seconds":
            self.assertGreaterEqual(first[4] - first[3], 1900, "Retry-After: 1 (twice) was not waited out")
        elif name == "invalid UTF-8 in a name":
            self.assertIn("invalid UTF-8 in the CRM's answer: 1 sequence(s)", self.log_text())
            self.assertEqual(first[1], "ok")
            # The record came with U+FFFD in its name (one update more than the CRM made),
            # and the next run, with the CRM's bytes fixed, wrote it back.
            self.assertEqual(first[8], len(changed["updated"]) + 1)
            self.assertGreaterEqual(ok_run[8], 1)
        elif name == "duplicate records across pages":
            self.assertEqual(first[1], "ok")
            live = first[7] + first[8] + first[9]
            self.assertEqual(first[6], live, "fetched does not add up to created + updated + unchanged")
            self.assertEqual(first[6], stats["records"] + 3, "the three repeated records were not counted as fetched")
            self.assertEqual(first[7], len(changed["created"]), "a repeated record was counted as created")
        elif name == "records modified while the pass pages":
            self.assertEqual(len(stats["mutated_during_paging"]), 5)

    def test_connection_refused_then_recovery(self):
        def failing():
            src = self.source("gone")
            run = src["last_run"]
            return src if run and run["status"] == "failed" else None
        src = wait_until(failing, 30, "source 'gone' failing")
        self.assertIn("connection refused", src["last_run"]["error"])
        wait_until(lambda: metric(self.metrics(), "crm_index_runs_total", source="gone", status="failed") >= 1, 10,
                   "gone's failures in /metrics")
        self.assertIn("connection refused", self.log_text())
        # Bounded: a refused connect is retried with backoff (a failing run lasts >= 3.75 s),
        # then the scheduler pauses >= one interval.
        started = self.ws.query("SELECT min(r.started_ms), max(r.started_ms), count(*) FROM runs r JOIN sources s "
                                "ON s.id = r.source_id WHERE s.name = 'gone'")[0]
        span_s = (started[1] - started[0]) / 1000.0
        self.assertLessEqual(started[2], span_s / (MIN_FAILING_RUN_S + INTERVAL_S) + 1,
                             f"{started[2]} runs in {span_s:.1f} s")
        fake = Fake("--records", "40", "--seed", "5", "--api-key", KEY, port=self.gone_port)
        try:
            wait_until(lambda: self.source("gone")["records"] == 40, 30, "gone to recover")
            assert_index_equals_truth(self, self.ws, fake, "gone")
        finally:
            fake.stop()


class OffsetPagingDuplicateTest(unittest.TestCase):
    """Offset paging is where CRMs repeat records: one inserted ahead of the client's
    position shifts the rest of the pass by one."""

    def test_a_repeated_record_is_stored_once_and_counted_honestly(self):
        fake = Fake("--records", str(N), "--max-page-size", str(PAGE))
        ws = Workspace()
        try:
            ws.write_config(rest_source("off", fake, "offset"), defaults=f"  page_size: {PAGE}\n")
            fake.fault(kind="duplicate", skip=1, count=1000)  # page 2 to the end: shifted by one
            r = ws.sync()
            fake.clear_faults()
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr[-2000:])
            s = parse_summary(r.stdout, "off")
            self.assertEqual((s["fetched"], s["created"], s["unchanged"], s["skipped"]), (N + 1, N, 1, 0))
            self.assertEqual(ws.query("SELECT count(*), count(DISTINCT external_id) FROM records"), [(N, N)])
            self.assertEqual(ws.query("SELECT count(*) FROM changes WHERE op = 'create'"), [(N,)])
            assert_index_equals_truth(self, ws, fake, "off")
        finally:
            fake.stop()
            ws.cleanup()


class OffsetPagingFullPassTest(unittest.TestCase):
    """Offset paging skips the records that edits during a pass push past a page boundary.
    A full pass must not tombstone them (they are live in the CRM; incremental runs would
    not bring them back, their times are old): for sources that page by position a record
    is deleted only when two full passes in a row miss it. Cursor paging (the matrix
    above) deletes at the first full pass."""

    def test_full_pass_with_edits_during_offset_paging_deletes_nothing(self):
        fake = Fake("--records", str(N), "--max-page-size", str(PAGE))
        ws = Workspace()
        try:
            ws.write_config(rest_source("off", fake, "offset"), defaults=f"  page_size: {PAGE}\n")
            self.assertEqual(ws.sync().returncode, 0)
            fake.fault(kind="mutate_after", skip=2, update=5)
            r = ws.sync("--full")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr[-2000:])
            self.assertEqual(len(fake.stats()["mutated_during_paging"]), 5)
            # The pass really missed live records (else this test proves nothing: the edited
            # ones come again at the end, so `fetched` is still N) and deleted none of them.
            self.assertGreater(ws.query("SELECT count(*) FROM unseen_once")[0][0], 0)
            tomb = ws.query("SELECT external_id FROM records WHERE deleted_ms IS NOT NULL")
            self.assertEqual(tomb, [], "live records tombstoned by a full pass that offset paging made skip them")
            # A record really deleted in the CRM: kept after one full pass, gone after two.
            victim = fake.mutate(delete=1, seed=7)
            r = ws.sync("--full")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr[-2000:])
            self.assertEqual(ws.query("SELECT count(*) FROM records WHERE deleted_ms IS NOT NULL"), [(0,)])
            self.assertEqual(ws.query("SELECT count(*) FROM unseen_once"), [(1,)])
            r = ws.sync("--full")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr[-2000:])
            self.assertEqual(ws.query("SELECT count(*) FROM records WHERE deleted_ms IS NOT NULL"), [(1,)], victim)
            self.assertEqual(ws.query("SELECT count(*) FROM unseen_once"), [(0,)])
            assert_index_equals_truth(self, ws, fake, "off")
        finally:
            fake.stop()
            ws.cleanup()


class DnsFailureTest(unittest.TestCase):
    """`crm-index sync` in a network namespace of its own: the name cannot be resolved and
    nothing leaves loopback."""

    def test_unresolvable_host(self):
        unshare = shutil.which("unshare")
        if not unshare:
            self.skipTest("DNS row skipped: no unshare(1) on this machine")
        probe = subprocess.run([unshare, "-n", "true"], capture_output=True, text=True, timeout=30)
        if probe.returncode != 0:
            self.skipTest(f"DNS row skipped: `unshare -n` is not permitted here ({probe.stderr.strip()})")
        ws = Workspace()
        try:
            class Invalid:
                url = "http://crm.invalid:1/"
            ws.write_config(rest_source("dns", Invalid, "cursor", api_key=KEY), defaults="  timeout: 2s\n")
            t0 = time.monotonic()
            r = subprocess.run([unshare, "-n", CRM_INDEX, "sync", "--config", ws.config], capture_output=True,
                               text=True, timeout=120)
            seconds = time.monotonic() - t0
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertEqual(parse_summary(r.stdout, "dns")["status"], "failed")
            self.assertIn("could not resolve host", r.stdout + r.stderr)
            self.assertIn("crm.invalid", r.stdout + r.stderr)
            self.assertNotIn(KEY, r.stdout + r.stderr)
            self.assertLess(seconds, 30, "an unresolvable name was retried for too long")
            self.assertIsNone(ws.watermark("dns"))
            self.assertTrue(re.search(r"dns: failed", r.stdout), r.stdout)
        finally:
            ws.cleanup()


if __name__ == "__main__":
    unittest.main()
