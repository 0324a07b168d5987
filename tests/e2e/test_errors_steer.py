"""Errors that steer (issue #14, points 8 and 10), against the real daemon and the fake.

- A source whose key the CRM refuses (401) needs attention: /v1/sources, `status` and
  /metrics say so, and it is not retried at the backoff pace (requests counted at the
  fake); a config reload (SIGHUP) retries it at once.
- A 429 with Retry-After: 600 waits what the CRM says, not the backoff.
- `crm-index sync` killed again and again during a first sync over a keyset-paged CRM
  continues from its stored cursor: the pages fetched in all are far fewer than starting
  from zero each time, and the index ends equal to the truth.
Every wait is bounded; no wall-clock duration is asserted."""

import os
import signal
import subprocess
import sys
import time
import unittest
from datetime import datetime

sys.path.insert(0, os.path.dirname(__file__))
from harness import (CRM_INDEX, Daemon, Fake, Workspace, assert_index_equals_truth, free_port, get_json,  # noqa: E402
                     http_get, parse_summary, rest_source, wait_until)

KEY = "steer-key-5c1e"


def when(iso):
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def metric(text, name, source):
    for line in text.splitlines():
        if line.startswith(f'{name}{{source="{source}"}} '):
            return float(line.rsplit(" ", 1)[1])
    return None


class SteeringTest(unittest.TestCase):
    def setUp(self):
        self.locked = Fake("--records", "30", "--api-key", KEY)
        self.limited = Fake("--records", "30", "--api-key", KEY)
        # The first list request of `limited` meets a 429 that asks for ten minutes.
        self.limited.fault(kind="status", status=429, retry_after="600", count=1)
        self.ws = Workspace()
        self.port = free_port()
        self.write(locked_key="wrong-key")
        self.daemon = Daemon(self.ws)

    def tearDown(self):
        self.daemon.stop()
        self.locked.stop()
        self.limited.stop()
        self.ws.cleanup()

    def write(self, locked_key):
        # interval 1s, max_backoff 1s: a failing source would be tried about every second.
        self.ws.write_config(rest_source("locked", self.locked, "cursor", api_key=locked_key) +
                             rest_source("limited", self.limited, "cursor", api_key=KEY),
                             defaults="  interval: 1s\n  jitter: 0%\n  max_backoff: 1s\n",
                             top=f"api:\n  listen: 127.0.0.1:{self.port}\n")

    def source(self, name):
        _, body = get_json(self.port, "/v1/sources")
        return next(s for s in body["items"] if s["name"] == name)

    def test_refused_and_rate_limited_sources_wait_and_a_reload_retries(self):
        self.daemon.wait_ready(self.port)
        locked = wait_until(lambda: (lambda s: s if s["needs_attention"] else None)(self.source("locked")), 20,
                            "locked needs attention")
        self.assertEqual(locked["needs_attention"]["kind"], "auth")
        self.assertIn("HTTP 401", locked["needs_attention"]["reason"])
        self.assertNotIn("wrong-key", locked["needs_attention"]["reason"])
        limited = wait_until(lambda: (lambda s: s if s["last_run"] and s["last_run"]["status"] == "failed" else None)(
            self.source("limited")), 20, "limited's failed run")
        self.assertIn("429", limited["last_run"]["error"])
        self.assertIsNone(limited["needs_attention"])
        # Next run: what the CRM asked for (600 s after the run ended), not a second later.
        wait = when(limited["next_run_at"]) - when(limited["last_run"]["finished_at"])
        self.assertGreaterEqual(wait, 595)
        self.assertLessEqual(wait, 605)
        self.assertGreaterEqual(when(locked["next_run_at"]) - when(locked["last_run"]["finished_at"]), 13 * 60)

        _, _, body = http_get(self.port, "/metrics")
        self.assertEqual(metric(body.decode(), "crm_index_source_needs_attention", "locked"), 1.0)
        self.assertEqual(metric(body.decode(), "crm_index_source_needs_attention", "limited"), 0.0)
        status = self.ws.run("status", "--config", self.ws.config)
        line = next(l for l in status.stdout.splitlines() if l.startswith("locked "))
        self.assertIn("needs attention: ", line)
        self.assertIn("HTTP 401", line)

        # Counted at the fakes: at the backoff pace each would see about three more.
        locked_before = self.locked.stats()["requests"]
        limited_before = self.limited.stats()["requests"]
        time.sleep(3)
        self.assertEqual(self.locked.stats()["requests"], locked_before)
        self.assertEqual(self.limited.stats()["requests"], limited_before)

        # Fixed and reloaded: the source runs at once, not in 15 minutes.
        self.write(locked_key=KEY)
        self.daemon.signal(signal.SIGHUP)
        ok = wait_until(lambda: (lambda s: s if s["last_run"]["status"] == "ok" else None)(self.source("locked")), 15,
                        "locked syncs after the reload")
        self.assertIsNone(ok["needs_attention"])
        self.assertEqual(ok["records"], 30)
        _, _, body = http_get(self.port, "/metrics")
        self.assertEqual(metric(body.decode(), "crm_index_source_needs_attention", "locked"), 0.0)
        self.assertEqual(self.limited.stats()["requests"], limited_before)  # still waiting its 600 s


class ResumeTest(unittest.TestCase):
    RECORDS = 20_000
    PAGE = 100      # 200 pages
    KILLS = 4
    PAGES_PER_LIFE = 40

    def setUp(self):
        self.fake = Fake("--records", str(self.RECORDS), "--max-page-size", str(self.PAGE))
        self.ws = Workspace()
        # 100 requests/s: a pass takes about two seconds, so each life can be cut short.
        self.ws.write_config(rest_source("big", self.fake, "cursor"),
                             defaults=f"  page_size: {self.PAGE}\n  rate_limit: 100/s\n")

    def tearDown(self):
        self.fake.stop()
        self.ws.cleanup()

    def test_killed_first_sync_resumes_from_its_cursor(self):
        for _ in range(self.KILLS):
            start = self.fake.stats()["list_requests"]
            proc = subprocess.Popen([CRM_INDEX, "sync", "--config", self.ws.config],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_until(lambda: self.fake.stats()["list_requests"] - start >= self.PAGES_PER_LIFE or
                           proc.poll() is not None, 30, "pages fetched", interval=0.01)
            finally:
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=30)
            self.assertLess(proc.returncode, 0, "the sync finished before it could be killed")
        lives = self.fake.stats()["list_requests"]
        self.assertLess(lives, self.RECORDS // self.PAGE, "the killed lives already read a whole pass")
        r = self.ws.sync()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        summary = parse_summary(r.stdout, "big")
        total = self.fake.stats()["list_requests"]
        pages = self.RECORDS // self.PAGE
        # From zero each time: `lives` plus a whole pass. Resumed: one pass, plus at most
        # the page in flight and the one prefetched at each kill.
        self.assertLessEqual(total, pages + 3 * self.KILLS, f"lives {lives}, total {total}")
        self.assertLess(summary["fetched"], self.RECORDS - lives * self.PAGE // 2)
        self.assertEqual(summary["deleted"], 0)
        assert_index_equals_truth(self, self.ws, self.fake, "big")
        # Done: the pass is complete, the next run is incremental.
        r = self.ws.sync()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("ok incremental", r.stdout)


if __name__ == "__main__":
    unittest.main()
