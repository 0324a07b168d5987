"""The Pipedrive connector against Prism mocking Pipedrive's own OpenAPI v2 file
(../shared/specs/pipedrive/openapi-v2.yaml, used as it is: specs/README.md): the
requests crm-index sends must validate (no sl-violations) and the parser must accept the
spec's example bodies, the organization lookup by ids included.

Installs nothing: uses node_modules/.bin/prism when present, else skips. Prism serves
the spec's paths without the server URL's /api/v2 prefix, while the connector (rightly)
sends /api/v2/...: a small recording proxy between them strips the prefix and keeps each
request's status and sl-violations header. The spec's example always carries the same
next_cursor, so the engine stops the run with "did not advance" after the second page."""

import http.client
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Fake, parse_summary  # noqa: E402
from prism import SPECS, PrismTestCase, RecordingProxy, skip_unless_prism  # noqa: E402

SPEC = os.path.join(SPECS, "pipedrive", "openapi-v2.yaml")
TOKEN = "pd-api-token-0123456789abcdef"  # any value passes Prism; this one also the fake


class PrefixStrippingProxy(RecordingProxy):
    """Sends /api/v2/... to Prism without the prefix; remembers (path, status, violations, token)."""

    def upstream_path(self, path):
        return path[len("/api/v2"):] if path.startswith("/api/v2/") else path

    def entry(self, method, path, status, violations, headers):
        return (path, status, violations, headers.get("x-api-token"))


@skip_unless_prism(SPEC)
class PipedrivePrismTest(PrismTestCase):
    tmp_prefix = "crm-prism-pd-"
    proxy_class = PrefixStrippingProxy
    spec = SPEC  # used as it is

    def config(self, objects, extra="", base_url=None):
        self.ws.write_config(f"  - name: pd\n    type: pipedrive\n    base_url: {base_url or self.proxy.url}\n"
                             f"    objects: [{objects}]\n"
                             f"    auth: {{ type: api_key, in: header, name: x-api-token, value: {TOKEN} }}\n{extra}")

    def assert_all_valid(self):
        self.assertTrue(self.proxy.seen, self.prism_log())
        for path, status, violations, token in self.proxy.seen:
            self.assertEqual(status, 200, f"{path}: {violations} {self.prism_log()}")
            self.assertIn(violations, (None, "[]"), f"{path}: {violations}")
            self.assertEqual(token, TOKEN)

    def test_persons_list_and_org_lookup_validate_and_the_examples_parse(self):
        self.config("persons", extra="    page_size: 900\n")  # capped at 500 by the connector
        r = self.ws.sync()
        self.assert_all_valid()
        paths = [p for p, _, _, _ in self.proxy.seen]
        self.assertTrue(paths[0].startswith("/api/v2/persons?limit=500&sort_by=update_time&sort_direction=asc"),
                        paths)
        self.assertIn("/api/v2/organizations?ids=1&limit=100", paths)
        self.assertIn("did not advance", r.stdout + r.stderr)
        s = parse_summary(r.stdout, "pd")
        self.assertEqual(s["skipped"], 0)
        person = self.ws.exported("pd")["1"]
        self.assertEqual(person["name"], "Person Name")
        self.assertEqual(person["email"], "email1@email.com")  # the primary one
        self.assertEqual(person["phone"], "12345")
        self.assertEqual(person["company"], "Organization Name")  # from the ids lookup
        self.assertEqual(person["remote_updated_at"], "2021-01-01T00:00:00Z")

    def test_incremental_lists_validate_with_updated_since(self):
        # A watermark first, from the fake's Pipedrive dialect (Prism's example always has
        # a next cursor, so a run against it never completes).
        fake = Fake("--records", "30")
        try:
            self.config("organizations", base_url=fake.url)
            self.assertEqual(self.ws.sync().returncode, 0)
        finally:
            fake.stop()
        self.config("organizations")
        self.ws.sync()
        self.assert_all_valid()
        self.assertIn("&updated_since=", self.proxy.seen[0][0])
        org = self.ws.exported("pd")["1"]
        self.assertEqual((org["kind"], org["name"]), ("company", "Organization Name"))

    def test_a_request_without_credentials_is_refused(self):
        con = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            con.request("GET", "/persons?limit=2")
            self.assertEqual(con.getresponse().status, 401)
        finally:
            con.close()


if __name__ == "__main__":
    unittest.main()
