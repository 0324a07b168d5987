"""End to end: every fault the fake CRM can inject ends in a correct index after retries,
or in a failed run that records the CRM's error and leaves the watermark where it was."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import (Fake, Workspace, assert_index_equals_truth, parse_summary,  # noqa: E402
                     free_port, rest_source)

N = 600


class FaultTest(unittest.TestCase):
    def setUp(self):
        self.fake = Fake("--records", str(N), "--api-key", "secret-key-1")
        self.ws = Workspace()
        self.ws.write_config(rest_source("flaky", self.fake, "cursor", api_key="secret-key-1"),
                             defaults="  page_size: 100\n  timeout: 2s\n")
        r = self.ws.sync()
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])

    def tearDown(self):
        self.fake.stop()
        self.ws.cleanup()

    def change_and_sync(self, fault, expect_ok):
        """Changes some records, injects the fault, syncs; returns (summary, result)."""
        self.fake.mutate(update=20, create=5, seed=len(str(fault)) + N)
        wm_before = self.ws.watermark("flaky")
        self.fake.fault(**fault)
        r = self.ws.sync()
        s = parse_summary(r.stdout, "flaky")
        self.assertEqual(r.returncode, 0 if expect_ok else 1, r.stdout + r.stderr[-2000:])
        if not expect_ok:
            self.assertEqual(s["status"], "failed")
            self.assertEqual(self.ws.watermark("flaky"), wm_before, "a failed run moved the watermark")
            row = self.ws.query("SELECT status, error FROM runs ORDER BY id DESC LIMIT 1")[0]
            self.assertEqual(row[0], "failed")
            self.assertTrue(row[1])
        self.fake.clear_faults()
        # Whatever happened, the next run repairs the index.
        r2 = self.ws.sync()
        self.assertEqual(r2.returncode, 0, r2.stdout + r2.stderr[-2000:])
        assert_index_equals_truth(self, self.ws, self.fake, "flaky")
        return s, r

    def test_429_with_retry_after_is_waited_out(self):
        s, r = self.change_and_sync({"kind": "status", "status": 429, "retry_after": "1", "count": 2}, True)
        self.assertEqual(s["status"], "ok")

    def test_429_with_http_date_retry_after(self):
        self.change_and_sync({"kind": "status", "status": 429, "retry_after": "Thu, 01 Jan 1970 00:00:00 GMT", "count": 1}, True)

    def test_5xx_are_retried(self):
        for status in (500, 502, 503):
            with self.subTest(status=status):
                self.change_and_sync({"kind": "status", "status": status, "count": 2}, True)

    def test_persistent_5xx_fails_the_run_with_the_crm_message(self):
        s, r = self.change_and_sync({"kind": "status", "status": 503, "count": 50, "skip": 1,
                                     "body": '{"error":{"code":"maintenance","message":"CRM under maintenance"}}'}, False)
        self.assertIn("CRM under maintenance", r.stdout)
        row = self.ws.query("SELECT error FROM runs ORDER BY id DESC LIMIT 1 OFFSET 1")[0]
        self.assertIn("CRM under maintenance", row[0])

    def test_slow_answer_times_out_and_is_retried(self):
        self.change_and_sync({"kind": "slow", "delay_ms": 3000, "count": 1}, True)

    def test_dropped_connection_is_retried(self):
        self.change_and_sync({"kind": "drop", "count": 2}, True)

    def test_truncated_json_fails_the_run_without_damage(self):
        s, r = self.change_and_sync({"kind": "truncate", "count": 1, "skip": 1}, False)
        self.assertIn("not valid JSON", r.stdout)

    def test_401_fails_with_the_crm_message_and_no_secret(self):
        s, r = self.change_and_sync({"kind": "status", "status": 401, "count": 1}, False)
        self.assertIn("401", r.stdout)
        for text in (r.stdout, r.stderr):
            self.assertNotIn("secret-key-1", text)


class BadInputTest(unittest.TestCase):
    def setUp(self):
        self.ws = Workspace()

    def tearDown(self):
        self.ws.cleanup()

    def test_bad_config_gives_file_line_and_exit_2(self):
        with open(self.ws.config, "w") as f:
            f.write(f"database: {self.ws.db}\nsources:\n  - name: a\n    type: rest\n    base_url: http://127.0.0.1:9\n"
                    "    intervall: 5m\n    list: { path: /x, items: /data, pagination: { style: pages } }\n"
                    "    fields: { external_id: /id }\n")
        for cmd in ("check", "sync", "status", "export"):
            with self.subTest(cmd=cmd):
                r = self.ws.run(cmd, "--config", self.ws.config)
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertIn(f"{self.ws.config}:6:5:", r.stderr)
                self.assertIn("interval", r.stderr)
                self.assertIn("pages", r.stderr)

    def test_missing_config_file(self):
        r = self.ws.run("sync", "--config", os.path.join(self.ws.dir, "nope.yaml"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("nope.yaml", r.stderr)

    def test_unknown_subcommand_and_flag(self):
        self.assertEqual(self.ws.run("frobnicate").returncode, 2)
        self.assertEqual(self.ws.run("sync", "--bogus").returncode, 2)

    def test_server_not_running_fails_cleanly(self):
        port = free_port()

        class Nowhere:
            url = f"http://127.0.0.1:{port}"
        self.ws.write_config(rest_source("gone", Nowhere, "next_url"), defaults="  timeout: 1s\n")
        r = self.ws.sync()
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("gone: failed", r.stdout)
        self.assertIn("refused", r.stdout.lower())
        self.assertIsNone(self.ws.watermark("gone"))

    def test_newer_schema_is_refused(self):
        import sqlite3
        con = sqlite3.connect(self.ws.db)
        con.execute("PRAGMA user_version = 999")
        con.close()
        self.ws.write_config(rest_source("x", type("F", (), {"url": "http://127.0.0.1:9"}), "next_url"))
        r = self.ws.sync()
        self.assertEqual(r.returncode, 1)
        self.assertIn("newer", r.stderr)


if __name__ == "__main__":
    unittest.main()
