"""End to end: `crm-index check --connect` (the real binary against crm-fake on 127.0.0.1)
tries each enabled source's credentials and one page of a full and of an incremental pass,
so that a misspelt incremental filter shows before the first incremental run does:

- all good: exit 0 and both lines per source, a disabled source listed as skipped;
- a wrong secret (an API key, an OAuth client secret): exit 1 naming the source, no secret
  in stdout or stderr;
- SuiteCRM's "Filter field date_modifed ... is not found" for a misspelt filter field: the
  full page passes (it leaves the {watermark} filter out), the incremental page fails;
- a dead port, a CRM that never answers, a CRM that keeps answering 429: exit 1, within
  the retry policy's bound (5 attempts), one page per probe;
- no index file created, an existing one left byte for byte; after a sync the
  incremental probe starts from the stored watermark minus the overlap."""

import hashlib
import os
import re
import sys
import time
import unittest
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(__file__))
from harness import Fake, Workspace, free_port, rest_source  # noqa: E402
from test_suitecrm import contacts_source, write_secret  # noqa: E402

KEY = "k3y-check-connect-0123456789"
WRONG_KEY = "wr0ng-k3y-check-connect-98765"
WRONG_CLIENT_SECRET = "wr0ng-suitecrm-secret-5555"
PAGE = r"\d+ records? \(ok\)"


def iso(ms):
    """format_iso8601: whole seconds unless the milliseconds are not 0."""
    t = datetime.fromtimestamp(ms / 1000, timezone.utc)
    frac = f".{ms % 1000:03d}" if ms % 1000 else ""
    return t.strftime("%Y-%m-%dT%H:%M:%S") + frac + "Z"


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class CheckConnectTest(unittest.TestCase):
    def setUp(self):
        self.fake = Fake("--records", "30", "--seed", "21", "--api-key", KEY)
        self.ws = Workspace()
        self.secret = write_secret(self.ws)

    def tearDown(self):
        self.fake.stop()
        self.ws.cleanup()

    def check(self, expect, timeout=120):
        r = self.ws.run("check", "--connect", "--config", self.ws.config, timeout=timeout)
        self.assertEqual(r.returncode, expect, f"stdout: {r.stdout}\nstderr: {r.stderr[-3000:]}")
        return r

    def assert_line(self, stdout, pattern):
        self.assertTrue(any(re.fullmatch(pattern, line) for line in stdout.splitlines()),
                        f"no line matching {pattern!r} in:\n{stdout}")

    def test_all_good_exits_0_with_both_lines_per_source(self):
        self.ws.write_config(rest_source("legacy", self.fake, api_key=KEY) + contacts_source(self.fake, self.secret)
                             + rest_source("spare", self.fake, api_key=KEY) + "    enabled: false\n")
        before = self.fake.stats()["list_requests"]
        r = self.check(0)
        for source in ("legacy", "suitecrm"):
            self.assert_line(r.stdout, rf"{source}: full page: {PAGE}")
            self.assert_line(r.stdout, rf"{source}: incremental page since \S+Z: {PAGE}")
        self.assert_line(r.stdout, r"legacy: full page: 30 records \(ok\)")
        self.assert_line(r.stdout, r"spare: skipped \(enabled: false\)")
        self.assertNotIn("spare: full", r.stdout)
        # One page per probe, though each listing has more (the suitecrm one pages by 20).
        self.assertEqual(self.fake.stats()["list_requests"] - before, 4)
        self.assertFalse(os.path.exists(self.ws.db), "check --connect created the index")

    def test_a_wrong_secret_fails_naming_the_source_and_never_prints_the_secret(self):
        with open(self.secret, "w") as f:
            f.write(WRONG_CLIENT_SECRET + "\n")
        self.ws.write_config(rest_source("legacy", self.fake, api_key=WRONG_KEY) + contacts_source(self.fake, self.secret))
        r = self.check(1)
        self.assert_line(r.stdout, r"legacy: full page: failed: .*401.*")
        self.assert_line(r.stdout, r"legacy: incremental page since \S+: failed: .*401.*")
        self.assert_line(r.stdout, r"suitecrm: full page: failed: .*token request.*401.*")
        for secret in (WRONG_KEY, WRONG_CLIENT_SECRET):
            self.assertNotIn(secret, r.stdout + r.stderr)

    def test_a_misspelt_incremental_filter_field_fails_only_the_incremental_probe(self):
        # The case of the issue: full passes succeed, the first incremental run fails.
        self.ws.write_config(contacts_source(self.fake, self.secret, filter_field="date_modifed"))
        r = self.check(1)
        self.assert_line(r.stdout, rf"suitecrm: full page: {PAGE}")
        self.assert_line(r.stdout, r"suitecrm: incremental page since \S+: failed: .*"
                                   r"Filter field date_modifed in Contact module is not found.*")

    def test_a_dead_port_fails_within_the_retry_bound(self):
        dead = free_port()
        source = rest_source("gone", self.fake).replace(self.fake.url, f"http://127.0.0.1:{dead}")
        self.ws.write_config(source + rest_source("legacy", self.fake, api_key=KEY))
        started = time.monotonic()
        r = self.check(1, timeout=60)
        # 5 attempts, backoff 0.5 + 1 + 2 + 4 s at most, for each of the two probes.
        self.assertLess(time.monotonic() - started, 30)
        self.assert_line(r.stdout, r"gone: full page: failed: .*connection refused \(after 5 attempts\).*")
        self.assert_line(r.stdout, r"gone: incremental page since \S+: failed: .*connection refused.*")
        self.assert_line(r.stdout, rf"legacy: full page: {PAGE}")  # the next source is still probed

    def test_a_crm_that_never_answers_fails_within_its_timeout_and_retries(self):
        self.fake.fault(kind="slow", delay_ms=3000, count=20)
        self.ws.write_config(rest_source("legacy", self.fake, api_key=KEY), defaults="  timeout: 1s\n")
        started = time.monotonic()
        r = self.check(1, timeout=90)
        # Two probes, each 5 attempts of 1 s plus at most 7.5 s of backoff.
        self.assertLess(time.monotonic() - started, 40)
        self.assert_line(r.stdout, r"legacy: full page: failed: .*timed out after 1000 ms \(after 5 attempts\).*")
        self.assert_line(r.stdout, r"legacy: incremental page since \S+: failed: .*timed out after 1000 ms.*")

    def test_429_is_retried_a_bounded_number_of_times(self):
        self.fake.fault(kind="status", status=429, retry_after="1", count=100)
        self.ws.write_config(rest_source("legacy", self.fake, api_key=KEY))
        r = self.check(1, timeout=90)
        self.assert_line(r.stdout, r"legacy: full page: failed: .*429.*")
        self.assert_line(r.stdout, r"legacy: incremental page since \S+: failed: .*429.*")
        self.assertEqual(self.fake.stats()["list_requests"], 10)  # 5 attempts per probe, then it gives up

    def test_after_a_sync_the_incremental_probe_starts_at_the_stored_watermark(self):
        self.ws.write_config(rest_source("legacy", self.fake, api_key=KEY), defaults="  overlap: 7m\n")
        r = self.ws.sync()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        watermark = self.ws.watermark("legacy")
        self.assertIsNotNone(watermark)
        before = digest(self.ws.db)
        r = self.check(0)
        since = iso(watermark - 7 * 60 * 1000)
        self.assert_line(r.stdout, rf"legacy: incremental page since {re.escape(since)}: {PAGE}")
        self.assertEqual(digest(self.ws.db), before, "check --connect changed the index")
        self.assertEqual(self.ws.watermark("legacy"), watermark)

    def test_config_errors_exit_2_without_probing(self):
        self.ws.write_config(rest_source("legacy", self.fake, api_key=KEY) + "    intervl: 5m\n")
        r = self.check(2)
        self.assertIn("unknown key 'intervl'", r.stderr)
        self.assertEqual(self.fake.stats()["list_requests"], 0)


if __name__ == "__main__":
    unittest.main()
