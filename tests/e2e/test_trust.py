"""End to end: the trust boundaries of the outbound side (issue #14, platform.md "Trust
boundaries"), each against the real binary and crm-fake on 127.0.0.1:

- a next link to another origin fails the run naming both origins, and the other origin
  receives nothing (point 1);
- a CRM that copies the api_key query parameter into its next links leaves no key in the
  `cursors` table of an interrupted run (point 3);
- `check` warns about a world-readable config with an inline secret (point 4) and refuses
  a javascript: web_url with file:line (point 5);
- a real gzip bomb (about 1 MB inflating to 1 GiB) fails the request at
  max_response_size, and the sync process's peak RSS stays far below the bomb (point 6)."""

import json
import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import CRM_INDEX, Fake, Workspace, rest_source, wait_until  # noqa: E402

KEY = "k3y-S3CRET-trust-0123456789"


def query_key_source(name, fake, style="next_url", extra=""):
    return rest_source(name, fake, style, extra=extra).replace(
        f"    base_url: {fake.url}\n",
        f"    base_url: {fake.url}\n    auth: {{ type: api_key, in: query, name: api_key, value: {KEY} }}\n", 1)


def first_page(fake, per_page):
    """The fake's real first next_url page, as JSON."""
    return json.loads(fake.request("GET", f"/next_url/contacts?per_page={per_page}"))


class TrustTest(unittest.TestCase):
    def setUp(self):
        self.fake = Fake("--records", "30", "--seed", "14")
        self.ws = Workspace()

    def tearDown(self):
        self.fake.stop()
        self.ws.cleanup()

    def test_a_next_link_to_another_origin_fails_and_sends_nothing_there(self):
        other = Fake("--records", "5")
        try:
            page = first_page(self.fake, 10)
            page["links"]["next"] = page["links"]["next"].replace(self.fake.url, other.url)
            self.fake.fault(kind="status", status=200, body=json.dumps(page))
            self.ws.write_config(query_key_source("legacy", self.fake), defaults="  page_size: 10\n")
            r = self.ws.sync()
            out = r.stdout + r.stderr
            self.assertEqual(r.returncode, 1, out)
            self.assertIn(f"{other.url}/next_url/contacts: {other.url}", out)
            self.assertIn(f"is not the source's origin {self.fake.url}", out)
            self.assertEqual(other.stats()["requests"], 0, "the other origin was called")
            self.assertNotIn(KEY, out)
            error = self.ws.query("SELECT error FROM runs ORDER BY id DESC LIMIT 1")[0][0]
            self.assertIn("refusing to send the credentials there", error)
        finally:
            other.stop()

    def test_an_interrupted_run_stores_no_api_key_in_its_cursor(self):
        page = first_page(self.fake, 10)
        # A CRM that copies the caller's api_key into its next link.
        page["links"]["next"] += f"&api_key={KEY}"
        self.fake.fault(kind="status", status=200, body=json.dumps(page))
        self.fake.fault(kind="slow", delay_ms=20000)  # the second page hangs: the run is killed there
        self.ws.write_config(query_key_source("legacy", self.fake), defaults="  page_size: 10\n  timeout: 30s\n")
        proc = subprocess.Popen([CRM_INDEX, "sync", "--config", self.ws.config], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        try:
            wait_until(lambda: self.fake.stats()["list_requests"] >= 2, 20, "the second page request")
            cursor = wait_until(lambda: self.ws.query("SELECT page_token FROM cursors"), 10, "the stored cursor")
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
            proc.stdout.close()
        token = cursor[0][0]
        self.assertIn("offset=10", token)
        self.assertNotIn(KEY, token)
        for name in os.listdir(self.ws.dir):
            if name.startswith("index.db"):
                with open(os.path.join(self.ws.dir, name), "rb") as f:
                    self.assertNotIn(KEY.encode(), f.read(), f"{name} holds the key")
        # The next run resumes from that cursor, and the client puts the key back.
        self.fake.clear_faults()
        r = self.ws.sync()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_check_warns_about_permissions_and_refuses_a_javascript_web_url(self):
        self.ws.write_config(query_key_source("legacy", self.fake))
        os.chmod(self.ws.config, 0o644)
        r = self.ws.run("check", "--config", self.ws.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"warning: {self.ws.config} holds inline secrets and is readable by others (mode 0644)", r.stderr)
        self.assertNotIn(KEY, r.stdout + r.stderr)
        os.chmod(self.ws.config, 0o600)
        r = self.ws.run("check", "--config", self.ws.config)
        self.assertNotIn("warning", r.stderr)

        with open(self.ws.config) as f:
            text = f.read()
        text = text.replace("web_url: https://legacy.example/customers/{id}",
                            'web_url: "javascript:alert({id})"')
        with open(self.ws.config, "w") as f:
            f.write(text)
        line = text[:text.index("web_url:")].count("\n") + 1
        r = self.ws.run("check", "--config", self.ws.config)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn(f"{self.ws.config}:{line}:", r.stderr)
        self.assertIn("web_url: the template must be an http:// or https:// URL", r.stderr)


class GzipBombTest(unittest.TestCase):
    """Alone in its class and run in a child of its own, so that the peak RSS measured is
    the sync's."""

    def test_a_gzip_bomb_is_cut_at_max_response_size(self):
        fake = Fake("--records", "30")
        ws = Workspace()
        try:
            fake.fault(kind="gzip_bomb", inflate_mb=1024)
            ws.write_config(query_key_source("legacy", fake, extra="    max_response_size: 8MiB\n"))
            started = time.monotonic()
            out_path = os.path.join(ws.dir, "sync.out")
            with open(out_path, "w") as out_file:
                proc = subprocess.Popen([CRM_INDEX, "sync", "--config", ws.config], stdout=out_file,
                                        stderr=subprocess.STDOUT)
                # wait4: the rusage of this one child, its own peak RSS.
                _, wait_status, usage = os.wait4(proc.pid, 0)
                proc.returncode = os.waitstatus_to_exitcode(wait_status)
            with open(out_path) as f:
                out, err = f.read(), ""
            status, peak_kib = proc.returncode, usage.ru_maxrss
            self.assertEqual(status, 1, out + err)
            self.assertIn("answer larger than max_response_size (8388608 bytes after decompression)", out + err)
            self.assertEqual(fake.stats()["list_requests"], 1, "the bomb was fetched again")
            # The bomb inflates to 1 GiB; the sync may hold the 8 MiB cap, not the bomb.
            self.assertLess(peak_kib, 200 * 1024, f"peak RSS {peak_kib} KiB")
            print(f"gzip bomb: failed after {time.monotonic() - started:.1f}s, peak RSS {peak_kib // 1024} MiB",
                  file=sys.stderr)
        finally:
            fake.stop()
            ws.cleanup()


if __name__ == "__main__":
    unittest.main()
