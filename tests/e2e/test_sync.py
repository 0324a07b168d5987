"""End to end: the real crm-index binary syncing from the fake CRM over 127.0.0.1."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import (Fake, Workspace, assert_index_equals_truth, parse_summary,  # noqa: E402
                     rest_source)

N = 2500  # records; the fake caps pages at 100, the config asks for 200


class SyncTest(unittest.TestCase):
    def setUp(self):
        self.fake = Fake("--records", str(N), "--seed", "7", "--tz", "+05:30", "--api-key", "k-123")
        self.ws = Workspace()
        self.ws.write_config(rest_source("legacy", self.fake, "next_url", api_key="k-123"),
                             defaults="  page_size: 200\n")

    def tearDown(self):
        self.fake.stop()
        self.ws.cleanup()

    def sync(self, *extra, expect=0):
        r = self.ws.sync(*extra)
        self.assertEqual(r.returncode, expect, f"stdout: {r.stdout}\nstderr: {r.stderr[-3000:]}")
        return parse_summary(r.stdout, "legacy"), r

    def test_full_then_incremental_then_full_pass_finds_deletions(self):
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        self.assertEqual(s["created"], N)
        assert_index_equals_truth(self, self.ws, self.fake, "legacy")
        wm1 = self.ws.watermark("legacy")
        self.assertIsNotNone(wm1)

        changed = self.fake.mutate(update=37, create=11, delete=13, seed=3)
        s, _ = self.sync()
        self.assertEqual(s["status"], "ok")
        self.assertEqual(s["created"], 11)
        expected_updated = len(set(changed["updated"]) - set(changed["deleted"]))
        self.assertEqual(s["updated"], expected_updated)
        self.assertEqual(s["deleted"], 0)  # this CRM shows deletions only to a full pass
        index = self.ws.exported("legacy")
        for rid in changed["created"]:
            self.assertIn(str(rid), index)

        # The fake's next links page by offset (README): a listing that shifts, so a
        # deletion takes two full passes that both miss the record.
        s, _ = self.sync("--full")
        self.assertEqual(s["status"], "ok")
        self.assertEqual(s["deleted"], 0)
        s, _ = self.sync("--full")
        self.assertEqual(s["status"], "ok")
        self.assertEqual(s["deleted"], 13)
        self.assertEqual(s["created"] + s["updated"], 0)
        assert_index_equals_truth(self, self.ws, self.fake, "legacy")
        tombstones = self.ws.query("SELECT count(*) FROM records WHERE deleted_ms IS NOT NULL")[0][0]
        self.assertEqual(tombstones, 13)
        ops = dict(self.ws.query("SELECT op, count(*) FROM changes GROUP BY op"))
        self.assertEqual(ops, {"create": N + 11, "update": expected_updated, "delete": 13})

    def test_noop_sync_writes_no_record_and_no_change(self):
        self.sync()
        before = self.ws.fingerprint()
        s, _ = self.sync()
        self.assertEqual(s["created"] + s["updated"] + s["deleted"], 0)
        self.assertGreater(s["unchanged"], 0)  # the overlap window was read again
        self.assertEqual(self.ws.fingerprint(), before)
        # A full pass over unchanged data writes no record row either.
        s, _ = self.sync("--full")
        self.assertEqual(s["unchanged"], N)
        self.assertEqual(self.ws.fingerprint(), before)

    def test_touched_records_get_the_crm_time_and_nothing_else(self):
        self.sync()
        before = self.ws.fingerprint()
        touched = self.fake.mutate(touch=50, seed=5)["touched"]  # only the modification time moves
        s, _ = self.sync()
        self.assertGreaterEqual(s["unchanged"], 50)
        self.assertEqual(s["touched"], 50)
        self.assertEqual(s["updated"], 0)
        # No hash, changed_ms or change-feed row was written: a touch is no feed event.
        self.assertEqual(self.ws.fingerprint(), before)
        truth, index = self.fake.truth(), self.ws.exported("legacy")
        for rid in touched:
            self.assertEqual(index[str(rid)]["remote_updated_at"], truth[str(rid)]["updated_at"])
        assert_index_equals_truth(self, self.ws, self.fake, "legacy")
        # A full pass over what did not change writes no row.
        s, _ = self.sync("--full")
        self.assertEqual(s["touched"] + s["created"] + s["updated"] + s["deleted"], 0)
        self.assertEqual(self.ws.fingerprint(), before)

    def test_delete_guard_refuses_a_pass_that_suddenly_returns_few_records(self):
        self.sync()
        self.fake.mutate(delete=int(N * 0.6), seed=9)
        s, r = self.sync("--full", expect=1)
        self.assertEqual(s["status"], "failed")
        self.assertIn("delete guard", r.stdout)
        live = self.ws.query("SELECT count(*) FROM records WHERE deleted_ms IS NULL")[0][0]
        self.assertEqual(live, N)
        status = self.ws.run("status", "--config", self.ws.config)
        self.assertEqual(status.returncode, 1, "a failing source is exit 1")
        self.assertIn("delete guard", status.stdout)
        self.assertIn("failing", status.stdout)

    def test_export_csv_quotes_and_keeps_utf8(self):
        self.sync()
        text = self.ws.export("legacy", fmt="csv")
        lines = text.split("\r\n")
        self.assertTrue(lines[0].startswith("source,external_id,crm_type,kind,name"))
        self.assertEqual(len([l for l in lines[1:] if l]), N)
        import csv
        import io
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        self.assertEqual(len(rows), N)
        truth = self.fake.truth()
        for row in rows[:200]:
            self.assertEqual(row["name"], truth[row["external_id"]]["name"])
        self.assertTrue(any(any(ord(c) > 127 for c in row["name"]) for row in rows), "no non-ASCII name survived")

    def test_status_table(self):
        r = self.ws.run("status", "--config", self.ws.config)
        self.assertEqual(r.returncode, 2, "no index yet is exit 2")
        self.assertIn("no index at", r.stderr)
        self.sync()
        r = self.ws.run("status", "--config", self.ws.config)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("legacy", r.stdout)
        self.assertIn("ok (full)", r.stdout)
        self.assertIn(str(N), r.stdout)
        r = self.ws.run("status", "--json", "--config", self.ws.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertTrue(doc["ok"])
        (legacy,) = doc["sources"]
        self.assertEqual((legacy["name"], legacy["state"], legacy["records"]), ("legacy", "ok", N))
        self.assertEqual((legacy["last_run"]["status"], legacy["last_run"]["mode"]), ("ok", "full"))
        # Stale once no run succeeded for three intervals: a script's exit code says so.
        self.ws.write_config(rest_source("legacy", self.fake, "next_url", api_key="k-123"),
                             defaults="  page_size: 200\n  stale_after: 1ms\n")
        r = self.ws.run("status", "--json", "--config", self.ws.config)
        self.assertEqual((r.returncode, json.loads(r.stdout)["sources"][0]["state"]), (1, "stale"))


class PaginationStylesTest(unittest.TestCase):
    """Every pagination style of the rest connector, against the fake's page cap."""

    def test_each_style_syncs_everything_once(self):
        fake = Fake("--records", "1234", "--tz", "-08:00")
        ws = Workspace()
        try:
            for style in ("next_url", "link_header", "page", "offset", "cursor"):
                with self.subTest(style=style):
                    ws.write_config(rest_source(style.replace("_", "-"), fake, style), defaults="  page_size: 150\n")
                    r = ws.sync()
                    self.assertEqual(r.returncode, 0, r.stdout + r.stderr[-2000:])
                    s = parse_summary(r.stdout, style.replace("_", "-"))
                    self.assertEqual(s["created"], 1234)
                    assert_index_equals_truth(self, ws, fake, style.replace("_", "-"))
        finally:
            fake.stop()
            ws.cleanup()


class EditsDuringPagingTest(unittest.TestCase):
    """Offset paging over a moving result set skips records; the next run must catch them."""

    def test_offset_paging_with_edits_converges(self):
        fake = Fake("--records", "900")
        ws = Workspace()
        try:
            ws.write_config(rest_source("moving", fake, "offset"), defaults="  page_size: 100\n")
            self.assertEqual(ws.sync().returncode, 0)
            fake.mutate(update=200, seed=11)
            fake.fault(kind="mutate_after", skip=1, update=5)
            r = ws.sync()
            self.assertEqual(r.returncode, 0, r.stderr[-2000:])
            r = ws.sync()
            self.assertEqual(r.returncode, 0, r.stderr[-2000:])
            assert_index_equals_truth(self, ws, fake, "moving")
        finally:
            fake.stop()
            ws.cleanup()


if __name__ == "__main__":
    unittest.main()
