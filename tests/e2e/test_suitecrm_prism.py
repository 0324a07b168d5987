"""The SuiteCRM source of connectors/rest/README.md's worked example against Prism mocking
SuiteCRM's own OpenAPI file (../shared/specs/suitecrm/swagger.json, used as it is): every
list request crm-index sends, the first page's and the next links' it follows, must
validate (no sl-violations), and the fake's GUIDs must pass the spec's uuid format.

The spec declares no response bodies (Prism answers 200 with an empty body), so a
validating proxy sends each request to Prism to have it checked and answers the client
with the fake's suitecrm dialect's answer to the same request: a whole full and
incremental sync runs through the spec. Prism serves the paths without the server URL's
/Api/V8 prefix, so the proxy strips it for Prism. Tokens come from the fake directly
(token_url is not a path of the spec). Installs nothing: skips without Prism."""

import http.client
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Fake, assert_same_records, parse_summary  # noqa: E402
from prism import SPECS, PrismTestCase, RecordingProxy, skip_unless_prism  # noqa: E402
from test_suitecrm import (CLIENT_ID, CLIENT_SECRET, SECONDS, contacts_source, indexed, truth_of,  # noqa: E402
                           write_secret)

SPEC = os.path.join(SPECS, "suitecrm", "swagger.json")
PREFIX = "/Api/V8"


class ValidatingProxy(RecordingProxy):
    """Prism checks each request (without /Api/V8); the fake answers it."""

    fake = None  # set by the test before the run

    def upstream_path(self, path):
        return path[len(PREFIX):] if path.startswith(PREFIX + "/") else path

    def reply(self, method, path, body, headers, prism_answer):
        con = http.client.HTTPConnection("127.0.0.1", self.fake.port, timeout=30)
        try:
            con.request(method, path, body=body, headers=headers)
            resp = con.getresponse()
            return resp.status, resp.getheaders(), resp.read()
        finally:
            con.close()


@skip_unless_prism(SPEC)
class SuiteCrmPrismTest(PrismTestCase):
    tmp_prefix = "crm-prism-suitecrm-"
    proxy_class = ValidatingProxy
    spec = SPEC  # used as it is

    def setUp(self):
        super().setUp()
        self.fake = Fake("--records", "300", *SECONDS)
        self.proxy.fake = self.fake

    def tearDown(self):
        self.fake.stop()
        super().tearDown()

    def assert_all_valid(self, requests):
        self.assertTrue(requests, self.prism_log())
        for method, path, status, violations in requests:
            self.assertEqual((method, status), ("GET", 200), f"{path}: {violations} {self.prism_log()}")
            self.assertIn(violations, (None, "[]"), f"{path}: {violations}")

    def test_full_and_incremental_requests_validate_against_the_spec(self):
        self.ws.write_config(contacts_source(self.fake, write_secret(self.ws), page_size=25,
                                             base_url=self.proxy.url + "/Api"))
        r = self.ws.sync()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr[-2000:])
        full = list(self.proxy.seen)
        self.assert_all_valid(full)
        self.assertGreater(len(full), 5)  # next links were followed through the proxy
        self.assertTrue(full[0][1].startswith("/Api/V8/module/Contacts?fields%5BContacts%5D="), full[0][1])
        self.assertTrue(any("page%5Bnumber%5D=3" in p for _, p, _, _ in full), full)

        self.fake.mutate(update=40, seed=2)
        self.proxy.seen.clear()
        r = self.ws.sync()
        self.assertEqual(parse_summary(r.stdout, "suitecrm")["status"], "ok", r.stdout + r.stderr[-2000:])
        self.assertIn("incremental", r.stdout)
        self.assert_all_valid(self.proxy.seen)
        # The watermark's raw space arrives percent-encoded, in the first request and the links.
        filtered = [p for _, p, _, _ in self.proxy.seen if "filter%5Bdate_modified%5D%5Bgt%5D=" in p]
        self.assertEqual(len(filtered), len(self.proxy.seen))
        self.assertTrue(all("%20" in p.split("gt%5D=")[1].split("&")[0] for p in filtered), filtered)
        assert_same_records(self, truth_of(self.fake, "person"), indexed(self.ws, "suitecrm"))

    def test_the_fakes_guids_pass_the_specs_uuid_format(self):
        status, _, body = self.direct("/Api/V8/module/Contacts?page%5Bsize%5D=1&page%5Bnumber%5D=1", self.token(),
                                      port=self.fake.port)
        guid = json.loads(body)["data"][0]["id"]
        for record_id, want in ((guid, 200), ("not-a-uuid", 400)):
            status, violations, _ = self.direct(f"/module/Contacts/{record_id}", "prism-dummy")
            self.assertEqual(status, want, violations)

    def test_a_request_without_credentials_is_refused(self):
        status, _, _ = self.direct("/module/Contacts?page%5Bsize%5D=2", None)
        self.assertEqual(status, 401)

    def token(self):
        con = http.client.HTTPConnection("127.0.0.1", self.fake.port, timeout=10)
        try:
            con.request("POST", "/Api/access_token",
                        body=f"grant_type=client_credentials&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}",
                headers={"Content-Type": "application/x-www-form-urlencoded"})
            return json.loads(con.getresponse().read())["access_token"]
        finally:
            con.close()

    def direct(self, path, token, port=None):
        """(status, sl-violations, body) of a GET to Prism (or to `port`)."""
        con = http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=10)
        try:
            con.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})
            resp = con.getresponse()
            return resp.status, resp.getheader("sl-violations"), resp.read()
        finally:
            con.close()


if __name__ == "__main__":
    unittest.main()
