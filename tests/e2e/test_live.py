"""Live reads (issue #19, platform.md "Live reads"), end to end with real processes: the
daemon asks the fake CRM for one record now through the source's connector. Per CRM
(rest, HubSpot, Dataverse, Salesforce, Zoho here; Pipedrive, Odoo and SuiteCRM in
test_live_b.py): an unchanged record reads as it is, an edit is repaired into the index
with an `update` event, a deletion becomes a tombstone with a `delete` event. On the rest
source: 20 concurrent reads of one record reach the CRM at most twice; a source without
live is 404 live_not_enabled; unknown records 404; the CRM's 429 is a 503 with
Retry-After, its 5xx a 502, a timeout a 502; the live reads and the poller share the
source's rate limit (the fake, limiting at 3/s, never has to refuse a request while a
sync at 2/s and live reads run together)."""

import concurrent.futures
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Fake, get_json, http_get, log, rest_source  # noqa: E402
from live_support import LiveCase, live_block  # noqa: E402
from test_dynamics import CLIENT_SECRET as DYN_SECRET, dynamics_source, numeric_id as dyn_id  # noqa: E402
from test_hubspot import TOKEN as HUBSPOT_TOKEN, hubspot_source  # noqa: E402
from test_salesforce import CLIENT_SECRET as SF_SECRET, REFRESH_TOKEN as SF_REFRESH, dataset_id, sf_source  # noqa: E402
from test_zoho import numeric_id as zoho_id, zoho_source  # noqa: E402

REST_LIVE = live_block(["full_name", "/contact/email", "/company/name"], extra=', path: "/contacts/{id}", item: /data')


class LiveReadTest(LiveCase):
    def test_rest_round_trip_and_errors(self):
        fake = self.keep(Fake("--records", "40"))
        plain = rest_source("plain", fake)
        self.start(rest_source("legacy", fake, extra=REST_LIVE) + plain)
        self.first_sync_done("legacy")
        self.first_sync_done("plain")
        r = self.person("legacy", lambda r: r["external_id"] == "7")
        self.round_trip("legacy", fake, r["external_id"], "7", ["full_name", "/contact/email", "/company/name"])

        # What is not there.
        status, _, body = self.live("plain", "8")
        self.assertEqual((status, body["error"]["code"]), (404, "live_not_enabled"))
        status, _, body = self.live("nope", "8")
        self.assertEqual((status, body["error"]["code"]), (404, "not_found"))
        status, _, body = self.live("legacy", "no-such-record")
        self.assertEqual((status, body["error"]["code"]), (404, "not_found"))
        status, _, _ = http_get(self.api_port, "/v1/records/legacy/8/live", method="POST")
        self.assertEqual(status, 405)

        # The CRM's failures: 429 → 503 with its Retry-After, 5xx → 502, too slow → 502.
        fake.fault(kind="status", status=429, retry_after="7")
        status, headers, body = self.live("legacy", "8")
        self.assertEqual((status, body["error"]["code"], headers.get("retry-after")), (503, "crm_rate_limited", "7"))
        fake.fault(kind="status", status=500)
        status, _, body = self.live("legacy", "8")
        self.assertEqual((status, body["error"]["code"]), (502, "crm_unavailable"))
        fake.fault(kind="slow", delay_ms=8000)
        t0 = time.monotonic()
        status, _, body = self.live("legacy", "8")
        self.assertEqual((status, body["error"]["code"]), (502, "crm_unavailable"))
        self.assertLess(time.monotonic() - t0, 7.5)  # live.timeout 5s, not the fault's 8s
        fake.clear_faults()
        status, _, body = self.live("legacy", "8")
        self.assertEqual(status, 200, body)
        self.assertFalse(body["repaired"])
        metrics = http_get(self.api_port, "/metrics")[2].decode()
        self.assertIn('crm_index_live_reads_total{result="fetched",source="legacy"}', metrics)
        self.assertIn('crm_index_live_repairs_total{outcome="deleted",source="legacy"}', metrics)

    def test_concurrent_reads_of_one_record_share_one_request(self):
        fake = self.keep(Fake("--records", "40"))
        live = live_block(["full_name"], cache="30s", extra=', path: "/contacts/{id}", item: /data')
        self.start(rest_source("legacy", fake, extra=live))
        self.first_sync_done("legacy")
        # Slow answers, so that all 20 callers arrive while the first request is out.
        fake.fault(kind="slow", delay_ms=1000, count=5)
        before = fake.stats()["record_requests"]
        with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
            answers = list(pool.map(lambda _: self.live("legacy", "9"), range(20)))
        fake.clear_faults()
        self.assertEqual([a[0] for a in answers], [200] * 20)
        self.assertEqual(len({a[2]["fetched_at"] for a in answers}), 1, "callers got different fetches")
        asked = fake.stats()["record_requests"] - before
        log(f"20 concurrent live reads of one record: {asked} request(s) to the CRM")
        self.assertLessEqual(asked, 2)
        self.assertGreaterEqual(asked, 1)
        # Cached for 30s: one more read asks nothing.
        self.live("legacy", "9")
        self.assertEqual(fake.stats()["record_requests"] - before, asked)

    def test_more_than_four_in_flight_is_busy(self):
        fake = self.keep(Fake("--records", "40"))
        self.start(rest_source("legacy", fake, extra=REST_LIVE))
        self.first_sync_done("legacy")
        fake.fault(kind="slow", delay_ms=1500, count=4)
        with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
            answers = list(pool.map(lambda i: self.live("legacy", str(10 + i)), range(6)))
        fake.clear_faults()
        statuses = sorted(a[0] for a in answers)
        log(f"6 live reads at once: {statuses}")
        busy = [a for a in answers if a[0] == 503]
        self.assertGreaterEqual(len(busy), 1)
        for a in busy:
            self.assertEqual(a[2]["error"]["code"], "live_busy")
            self.assertEqual(a[1].get("retry-after"), "1")
        self.assertGreaterEqual(statuses.count(200), 4)

    def test_live_reads_share_the_pollers_rate_limit(self):
        # The fake refuses more than 3 requests a second; the source may send 2. A sync of
        # 12 pages and 8 live reads run together: if live reads had a bucket of their own,
        # the two would send up to 4 a second and the fake would answer 429s.
        fake = self.keep(Fake("--records", "1200", "--rate-limit", "3"))
        self.start(rest_source("legacy", fake, extra=REST_LIVE + "    rate_limit: 2/s\n    page_size: 100\n"))
        from harness import wait_until
        wait_until(lambda: len(self.records("legacy", 5)) >= 5, 30, "the first page in the index")
        t0 = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            answers = list(pool.map(lambda i: self.live("legacy", str(1 + i)), range(8)))
        took = time.monotonic() - t0
        self.first_sync_done("legacy")
        by_status = fake.stats()["by_status"]
        log(f"8 live reads during a sync at 2/s took {took:.1f}s; the fake answered {by_status}")
        self.assertEqual([a[0] for a in answers], [200] * 8, [a[2] for a in answers if a[0] != 200])
        self.assertNotIn("429", by_status)


class LiveVendorTest(LiveCase):
    def test_hubspot(self):
        fake = self.keep(Fake("--records", "30", "--bearer", HUBSPOT_TOKEN))
        self.start(hubspot_source("hs", fake, extra=live_block(["firstname", "lifecyclestage", "email"])))
        self.first_sync_done("hs")
        r = self.person("hs")
        self.round_trip("hs", fake, r["external_id"], r["external_id"], ["firstname", "lifecyclestage", "email"])

    def test_dynamics(self):
        fake = self.keep(Fake("--records", "30"))
        secret = self.secret_file("dyn-secret", DYN_SECRET)
        self.start(dynamics_source("dyn", fake, secret, extra=live_block(["fullname", "emailaddress1", "telephone1"])))
        self.first_sync_done("dyn")
        r = self.person("dyn")
        self.round_trip("dyn", fake, r["external_id"], dyn_id(r["external_id"]), ["fullname", "emailaddress1", "telephone1"])

    def test_salesforce(self):
        fake = self.keep(Fake("--records", "30"))
        self.secret_file("sf-secret", SF_SECRET)
        self.secret_file("sf-refresh", SF_REFRESH)
        self.start(sf_source("sf", fake, self.ws.dir, extra=live_block(["FirstName", "Email", "Phone"])))
        self.first_sync_done("sf")
        r = self.person("sf")
        self.round_trip("sf", fake, r["external_id"], dataset_id(r["external_id"]), ["FirstName", "Email", "Phone"])

    def test_zoho(self):
        fake = self.keep(Fake("--records", "30"))
        self.start(zoho_source("zoho", fake, self.ws, extra=live_block(["First_Name", "Email", "Lead_Source"])))
        self.first_sync_done("zoho")
        r = self.person("zoho")
        self.round_trip("zoho", fake, r["external_id"], zoho_id(r["external_id"]), ["First_Name", "Email", "Lead_Source"])


if __name__ == "__main__":
    unittest.main()
