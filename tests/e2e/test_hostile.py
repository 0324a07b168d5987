"""Hostile content from a CRM (issue #6, item 4): a 10 MB name, NUL bytes, markup. The run
goes on; each such record is stored cut to the index's limits, counted and logged, and
the rest of the page is stored as it is."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Fake, Workspace, parse_summary, rest_source  # noqa: E402


class HostileContentTest(unittest.TestCase):
    def setUp(self):
        self.fake = Fake("--records", "50", "--seed", "9")
        self.ws = Workspace()
        self.ws.write_config(rest_source("crm", self.fake, style="cursor"))

    def tearDown(self):
        self.fake.stop()
        self.ws.cleanup()

    def create(self, **fields):
        import json
        return json.loads(self.fake.request("POST", "/_control/records", fields))["id"]

    def test_oversized_and_nul_fields_are_cut_counted_and_logged(self):
        huge = self.create(full_name="Z" * (10 * 1024 * 1024), email="huge@example.com")
        nul = self.create(full_name="Nul\u0000Byte", email="n\u0000ul@example.com", company="A\u0000B")
        markup = self.create(full_name="<script>alert(1)</script>", company="<img src=x onerror=alert(2)>")
        r = self.ws.sync()
        self.assertEqual(r.returncode, 0, r.stdout[-2000:] + r.stderr[-2000:])
        s = parse_summary(r.stdout, "crm")
        self.assertEqual(s["status"], "ok")
        self.assertEqual(s["created"], 53)
        self.assertIn("crm: 2 record(s) stored cut to the index's limits", r.stdout)
        self.assertIn(f"external_id={huge} msg=\"record cut to the index's limits: name cut from 10485760 to 1024 bytes",
                      r.stderr)
        self.assertIn(f"external_id={nul} msg=\"record cut to the index's limits: name: NUL bytes removed", r.stderr)
        self.assertNotIn("ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ" * 100, r.stderr)  # the log names the field, not the value
        index = self.ws.exported("crm")
        self.assertEqual(index[huge]["name"], "Z" * 1024)
        self.assertEqual(index[huge]["email"], "huge@example.com")
        self.assertEqual(index[nul]["name"], "NulByte")
        self.assertEqual(index[nul]["email"], "nul@example.com")
        self.assertEqual(index[nul]["company"], "AB")
        self.assertEqual(index[markup]["name"], "<script>alert(1)</script>")  # text, stored as given
        # A second run finds nothing new: the cut record hashes the same every time.
        again = parse_summary(self.ws.sync().stdout, "crm")
        self.assertEqual((again["created"], again["updated"]), (0, 0))


if __name__ == "__main__":
    unittest.main()
