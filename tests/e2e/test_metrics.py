"""End to end: /metrics as Prometheus users expect it (issue "Operations", point 4): the
build, the standard process_* series, every per-source series from the first scrape
(also for a source that has not run yet), the interval beside the staleness, and the
requests sent to each CRM by status code, with retries and throttles. Checked with
promtool when it is installed."""

import os
import re
import shutil
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, Fake, Workspace, free_port, get_json, http_get, rest_source, wait_until  # noqa: E402


def sample(text, name, **labels):
    """The value of the series `name{labels}` (labels compared as a set), or None."""
    for line in text.splitlines():
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$", line)
        if not m or m.group(1) != name:
            continue
        got = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        if got == {k: str(v) for k, v in labels.items()}:
            return float(m.group(4))
    return None


class MetricsTest(unittest.TestCase):
    def setUp(self):
        self.fake = Fake("--records", "50", "--seed", "3")
        self.ws = Workspace()
        self.port = free_port()
        # "later" waits an hour for its first run: its series must be there anyway.
        sources = (rest_source("busy", self.fake) + "    interval: 1s\n" +
                   rest_source("later", self.fake) + "    interval: 1h\n    full_sync_every: 48h\n")
        self.ws.write_config(sources, defaults="  jitter: 0\n", top=f"api:\n  listen: 127.0.0.1:{self.port}\n")
        # Two 429s on busy's first list requests: throttled, then retried.
        self.fake.fault(kind="status", status=429, retry_after="0", count=2)
        self.daemon = Daemon(self.ws)
        self.daemon.wait_ready(self.port)

    def tearDown(self):
        self.daemon.stop()
        self.fake.stop()
        self.ws.cleanup()

    def scrape(self):
        status, _, body = http_get(self.port, "/metrics")
        self.assertEqual(status, 200)
        return body.decode()

    def test_the_series_prometheus_users_expect(self):
        wait_until(lambda: (sample(self.scrape(), "crm_index_runs_total", source="busy", status="ok") or 0) >= 1,
                   30, "busy's first ok run")
        text = self.scrape()
        build = [l for l in text.splitlines() if l.startswith("crm_index_build_info{")]
        self.assertEqual(len(build), 1, build)
        self.assertRegex(build[0], r'^crm_index_build_info\{revision="(?:[0-9a-f]{12}|unknown)",version="\d+\.\d+\.\d+"\} 1$')
        for name in ("process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
                     "process_open_fds", "process_max_fds", "process_start_time_seconds"):
            self.assertIsNotNone(sample(text, name), name)
        self.assertGreater(sample(text, "process_resident_memory_bytes"), 1_000_000)
        self.assertLess(abs(sample(text, "process_start_time_seconds") - time.time()), 3600)

        # A source that has not run: every per-source series, at zero.
        for name, labels in (("crm_index_runs_total", {"status": "ok"}), ("crm_index_runs_total", {"status": "failed"}),
                             ("crm_index_records_fetched_total", {}), ("crm_index_records_created_total", {}),
                             ("crm_index_records_deleted_total", {}), ("crm_index_http_retries_total", {}),
                             ("crm_index_http_throttled_total", {}), ("crm_index_source_up", {}),
                             ("crm_index_consecutive_failures", {})):
            self.assertEqual(sample(text, name, source="later", **labels), 0, (name, labels))
        self.assertIsNotNone(sample(text, "crm_index_run_duration_seconds_count", source="later"))
        self.assertEqual(sample(text, "crm_index_source_interval_seconds", source="later"), 3600)
        self.assertEqual(sample(text, "crm_index_source_interval_seconds", source="busy"), 1)

        # What busy sent: the two 429s and the answers after them, counted by code.
        self.assertEqual(sample(text, "crm_index_http_throttled_total", source="busy"), 2)
        self.assertGreaterEqual(sample(text, "crm_index_http_retries_total", source="busy"), 2)
        self.assertEqual(sample(text, "crm_index_http_requests_total", source="busy", code="429"), 2)
        ok = sample(text, "crm_index_http_requests_total", source="busy", code="200")
        self.assertGreaterEqual(ok, 1)
        stats = self.fake.stats()
        sent = sum(sample(text, "crm_index_http_requests_total", source=s, code=c) or 0
                   for s in ("busy", "later") for c in stats["by_status"])
        self.assertLessEqual(sent, stats["requests"], "no request counted that the fake did not see")
        # The API's own requests have their own family.
        self.assertIsNotNone(sample(self.scrape(), "crm_index_api_requests_total", route="/metrics", status="200"))

        if shutil.which("promtool"):
            r = subprocess.run(["promtool", "check", "metrics"], input=self.scrape(), capture_output=True, text=True,
                               timeout=60)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_a_removed_source_loses_its_series(self):
        wait_until(lambda: sample(self.scrape(), "crm_index_source_interval_seconds", source="later") is not None,
                   10, "later's series")
        self.ws.write_config(rest_source("busy", self.fake) + "    interval: 1s\n", defaults="  jitter: 0\n",
                             top=f"api:\n  listen: 127.0.0.1:{self.port}\n")
        self.daemon.signal(__import__("signal").SIGHUP)
        wait_until(lambda: sample(self.scrape(), "crm_index_source_interval_seconds", source="later") is None,
                   10, "later's series gone after the reload")
        self.assertIsNone(sample(self.scrape(), "crm_index_runs_total", source="later", status="ok"))
        status, body = get_json(self.port, "/v1/sources")
        self.assertEqual(status, 200)


if __name__ == "__main__":
    unittest.main()
