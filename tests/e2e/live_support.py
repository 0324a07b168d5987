"""What the live-read end-to-end tests share (platform.md "Live reads"): a daemon over one
or more fakes with the interval at 1h (so that only a live read can bring a change into
the index), reading /live, and the round trip every connector must pass: a read of an
unchanged record, an edit in the CRM repaired by the next read (an `update` event), and a
deletion turning the row into a tombstone (a `delete` event)."""

import json
import os
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, Workspace, finished_runs, free_port, get_json, http_get, wait_until  # noqa: E402


def live_block(fields, cache="0s", timeout="5s", extra=""):
    """A source's live: block. cache 0s: every read asks the CRM (the round trip needs it)."""
    return f"    live: {{ fields: [{', '.join(fields)}], timeout: {timeout}, cache: {cache}{extra} }}\n"


class LiveCase(unittest.TestCase):
    def setUp(self):
        self.ws = Workspace()
        self.fakes = []
        self.daemon = None
        self.api_port = free_port()

    def tearDown(self):
        if self.daemon:
            self.daemon.stop()
        for f in self.fakes:
            f.stop()
        self.ws.cleanup()

    def keep(self, fake):
        self.fakes.append(fake)
        return fake

    def secret_file(self, name, value):
        path = os.path.join(self.ws.dir, name)
        with open(path, "w") as f:
            f.write(value + "\n")
        os.chmod(path, 0o600)
        return path

    def start(self, sources, defaults="", top=""):
        self.ws.write_config(sources, defaults="  interval: 1h\n  jitter: 0\n  full_sync_every: 24h\n" + defaults,
                             top=f"api:\n  listen: 127.0.0.1:{self.api_port}\n{top}")
        self.daemon = Daemon(self.ws)
        self.daemon.wait_ready(self.api_port)

    def first_sync_done(self, source, timeout=90):
        wait_until(lambda: finished_runs(self.api_port, source) >= 1, timeout, f"the first sync of {source}")

    def records(self, source, limit=50):
        status, body = get_json(self.api_port, f"/v1/records?source={source}&limit={limit}")
        self.assertEqual(status, 200, body)
        return body["items"]

    def live(self, source, external_id, timeout=30):
        """(status, headers, parsed body) of the live read."""
        path = f"/v1/records/{source}/{urllib.parse.quote(external_id, safe='')}/live"
        status, headers, body = http_get(self.api_port, path, timeout=timeout)
        return status, headers, json.loads(body) if body else None

    def record(self, source, external_id):
        path = f"/v1/records/{source}/{urllib.parse.quote(external_id, safe='')}"
        return get_json(self.api_port, path)[1]

    def last_seq(self):
        return get_json(self.api_port, "/v1/changes?limit=1&after=0")[1]["last_seq"]

    def events_after(self, seq):
        status, body = get_json(self.api_port, f"/v1/changes?after={seq}&limit=1000")
        self.assertEqual(status, 200, body)
        return [(c["op"], c.get("external_id")) for c in body["items"] if c["op"] in ("create", "update", "delete")]

    def person(self, source, choose=lambda r: True):
        """A live person record of the source, as the index has it."""
        for r in self.records(source, 200):
            if r["kind"] == "person" and not r.get("deleted_at") and r.get("email") and choose(r):
                return r
        raise AssertionError(f"no person in {source}")

    def round_trip(self, source, fake, external_id, fake_id, crm_fields, new_name="Livia Readwell", requests=1):
        """The three reads every connector must get right, against the fake's truth.
        `requests`: what one read costs the CRM (Pipedrive: a person's organization too)."""
        def reads(stats):  # Salesforce reads a record with a parent's field by one query
            return stats["record_requests"] + stats["list_requests"]
        before = reads(fake.stats())
        status, headers, body = self.live(source, external_id)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["record"]["external_id"], external_id)
        self.assertFalse(body["repaired"], "an unchanged record was repaired: the live mapping differs from the sync's")
        self.assertEqual(list(body["crm"].keys()), crm_fields)
        self.assertTrue(body["fetched_at"].endswith("Z"))
        self.assertEqual(reads(fake.stats()) - before, requests)

        seq = self.last_seq()
        first, last = new_name.split(" ")
        fake.request("PATCH", f"/_control/records/{fake_id}", {"full_name": new_name, "first_name": first,
                                                                 "last_name": last})
        status, _, body = self.live(source, external_id)
        self.assertEqual(status, 200, body)
        self.assertTrue(body["repaired"])
        self.assertEqual(body["record"]["name"], new_name)
        self.assertEqual(self.record(source, external_id)["name"], new_name)
        found = get_json(self.api_port, f"/v1/records?source={source}&q={urllib.parse.quote(new_name)}")[1]["items"]
        self.assertIn(external_id, [r["external_id"] for r in found], "the repair did not reach the search index")
        self.assertEqual(self.events_after(seq), [("update", external_id)])

        status, _, body = self.live(source, external_id)
        self.assertFalse(body["repaired"], "a second read of the same content wrote again")

        seq = self.last_seq()
        fake.request("DELETE", f"/_control/records/{fake_id}")
        status, _, body = self.live(source, external_id)
        self.assertEqual(status, 200, body)
        self.assertTrue(body["repaired"])
        self.assertIsNone(body["crm"])
        self.assertIsNotNone(body["record"]["deleted_at"])
        # The delete, then (the linker took the tombstone out of its customer) the
        # customer-change updates a sync's tombstone gets too.
        events = self.events_after(seq)
        self.assertEqual(events[0], ("delete", external_id), events)
        self.assertEqual({e for e in events[1:]} - {("update", external_id)}, set(), events)
        return body
