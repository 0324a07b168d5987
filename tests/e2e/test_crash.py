"""Crash safety (issue #6, item 2): `crm-index sync` on 50,000 records killed with SIGKILL
at random moments, then the daemon killed the same way while clients read its API. After
every kill `PRAGMA integrity_check` says ok; the final sync leaves the index equal to the
fake's truth. Seeded (CRM_CRASH_SEED) and bounded in time: every wait has a deadline."""

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import (CRM_INDEX, Daemon, Fake, Workspace, comparable, free_port, http_get, log,  # noqa: E402
                     parse_summary, rest_source)

RECORDS = 50_000
KILLS = 20
SEED = int(os.environ.get("CRM_CRASH_SEED", "20261126"))


def assert_index_equals_truth(test, ws, fake, source):
    """Every field but the remote modification time: an update that happens to write a
    value the record already had only moves that time, and such a touch writes nothing by
    design (design.md: an unchanged record costs a read, never a write)."""
    def strip(r):
        c = comparable(r)
        del c["updated_at"]
        return c
    truth = {k: strip(v) for k, v in fake.truth().items()}
    index = {k: strip(v) for k, v in ws.exported(source).items()}
    missing = sorted(set(truth) - set(index), key=int)[:5]
    extra = sorted(set(index) - set(truth), key=int)[:5]
    test.assertEqual(len(index), len(truth), f"missing {missing}, extra {extra}")
    diff = [k for k in truth if truth[k] != index.get(k)][:3]
    test.assertEqual(diff, [], "; ".join(f"{k}: {truth[k]} != {index.get(k)}" for k in diff))


def integrity(db):
    con = sqlite3.connect(db, timeout=30)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


class CrashTest(unittest.TestCase):
    def setUp(self):
        self.fake = Fake("--records", str(RECORDS), "--seed", "5", "--max-page-size", "500", "--shared-people", "100")
        self.other = Fake("--records", "2000", "--seed", "6", "--shared-people", "100")
        self.ws = Workspace()
        self.port = free_port()
        self.ws.write_config(rest_source("big", self.fake, style="cursor") + rest_source("small", self.other),
                             defaults="  page_size: 500\n  rate_limit: 1000/s\n  interval: 1s\n  jitter: 0\n  full_sync_every: 2s\n",
                             top=f"api:\n  listen: 127.0.0.1:{self.port}\n")
        self.rng = random.Random(SEED)

    def tearDown(self):
        self.fake.stop()
        self.other.stop()
        self.ws.cleanup()

    def first_sync(self):
        """One uninterrupted sync; how long it took (ASan builds are slower)."""
        started = time.monotonic()
        r = self.ws.sync()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return time.monotonic() - started

    def kill_sync_after(self, delay, *args):
        proc = subprocess.Popen([CRM_INDEX, "sync", "--config", self.ws.config, *args],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)

    def test_sync_killed_at_random_moments_loses_nothing(self):
        # A first sync killed part-way: nothing of it is committed but whole pages.
        probe = time.monotonic()
        self.kill_sync_after(0.3)
        self.assertEqual(integrity(self.ws.db), "ok", "after the first kill")
        span = self.first_sync()
        log(f"crash: seed {SEED}, a full sync of {RECORDS} takes {span:.2f}s")
        deadline = probe + 240
        for i in range(1, KILLS):
            self.assertLess(time.monotonic(), deadline, "the kill loop ran out of time")
            if i % 3 == 0:
                # A full pass (tombstones, the delete guard, a full relink) killed anywhere.
                self.kill_sync_after(self.rng.uniform(0.05, span * 1.1), "--full")
            else:
                # An incremental run over fresh changes, killed in its pages, its deletions
                # or its linking.
                self.fake.mutate(update=300, create=20, delete=10, seed=i)
                self.kill_sync_after(self.rng.uniform(0.01, 0.8))
            self.assertEqual(integrity(self.ws.db), "ok", f"after kill {i + 1}")
        r = self.ws.sync("--full")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(integrity(self.ws.db), "ok")
        assert_index_equals_truth(self, self.ws, self.fake, "big")
        assert_index_equals_truth(self, self.ws, self.other, "small")
        # Customers are consistent with the records: every linked record's customer is a
        # customer row, and the 100 shared people (but for companies) are customers of two.
        rows = self.ws.query("SELECT count(*) FROM record_customer rc LEFT JOIN customers c ON c.id = rc.customer_id "
                             "WHERE c.id IS NULL")
        self.assertEqual(rows[0][0], 0)
        shared = self.ws.query("SELECT count(*) FROM customers WHERE sources = 2")[0][0]
        self.assertGreaterEqual(shared, 80)

    def test_daemon_killed_under_api_load_loses_nothing(self):
        stop = threading.Event()
        errors = []

        def reader():
            paths = ["/v1/records?limit=100", "/v1/customers?limit=50", "/v1/sources", "/v1/changes?after=0&limit=200"]
            n = 0
            while not stop.is_set():
                try:
                    status, _, _ = http_get(self.port, paths[n % len(paths)], timeout=5)
                    if status >= 500 and status != 503:
                        errors.append(status)
                except OSError:
                    time.sleep(0.05)  # the daemon is down between kills
                n += 1

        self.first_sync()
        threads = [threading.Thread(target=reader) for _ in range(3)]
        for t in threads:
            t.start()
        try:
            for i in range(8):
                d = Daemon(self.ws)
                try:
                    d.wait_ready(self.port, timeout=60)
                except AssertionError:
                    d.stop()
                    raise
                if i % 2 == 1:
                    self.fake.mutate(update=100, create=10, delete=5, seed=100 + i)
                time.sleep(self.rng.uniform(0.2, 2.5))
                d.signal(signal.SIGKILL)
                d.proc.wait(timeout=30)
                d.log.close()
                self.assertEqual(integrity(self.ws.db), "ok", f"after daemon kill {i + 1}")
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=30)
        self.assertEqual(errors, [], "the API answered 5xx")
        r = self.ws.sync("--full")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(parse_summary(r.stdout, "big")["status"], "ok")
        assert_index_equals_truth(self, self.ws, self.fake, "big")


if __name__ == "__main__":
    unittest.main()
