"""docs/openapi.yaml describes the API as it is: Prism runs as a validating proxy
(`prism proxy docs/openapi.yaml <daemon> --errors`) in front of the real daemon, every
route is asked through it (answers and errors alike), and any answer that violates the
document fails the test (Prism turns it into an error and names the violation)."""

import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import SOURCE_DIR, Daemon, Fake, Workspace, free_port, http_get, rest_source, wait_until  # noqa: E402
from prism import PRISM, skip_unless_prism  # noqa: E402

SPEC = os.path.join(SOURCE_DIR, "docs", "openapi.yaml")
READ = "openapi-read-token-0123456789"
WRITE = "openapi-write-token-0123456789"


@skip_unless_prism(SPEC)
class OpenApiTest(unittest.TestCase):
    def setUp(self):
        self.fakes = {n: Fake("--records", "30", "--seed", str(s), "--shared-people", "6") for n, s in (("eu", 1), ("us", 2))}
        self.ws = Workspace()
        self.port = free_port()
        for name, token in (("read", READ), ("alice", WRITE)):
            path = os.path.join(self.ws.dir, f"{name}-token")
            with open(path, "w") as f:
                f.write(token + "\n")
            os.chmod(path, 0o600)
        live = '    live: { fields: [full_name], cache: 0s, path: "/contacts/{id}", item: /data }\n'
        sources = rest_source("eu", self.fakes["eu"], extra="    phone_region: DE\n" + live) + \
            rest_source("us", self.fakes["us"], extra="    phone_region: DE\n")
        self.ws.write_config(sources, defaults="  interval: 1s\n  jitter: 0\n",
                             top=f"api:\n  listen: 127.0.0.1:{self.port}\n  token_file: read-token\n"
                                 "  write_tokens:\n    - { name: alice, token_file: alice-token }\n")
        self.daemon = Daemon(self.ws)
        self.daemon.wait_ready(self.port)
        auth = {"Authorization": f"Bearer {READ}"}
        wait_until(lambda: json.loads(http_get(self.port, "/v1/customers?min_members=2", auth)[2])["items"], 60,
                   "linked customers")
        self.proxy_port = free_port()
        self.log_path = os.path.join(self.ws.dir, "prism.log")
        self.log = open(self.log_path, "w")
        self.prism = subprocess.Popen([PRISM, "proxy", "-h", "127.0.0.1", "-p", str(self.proxy_port), "--errors",
                                       SPEC, f"http://127.0.0.1:{self.port}"], stdout=self.log, stderr=subprocess.STDOUT)
        wait_until(self.prism_listens, 60, "Prism to listen")

    def prism_listens(self):
        with open(self.log_path) as f:
            text = f.read()
        if self.prism.poll() is not None:
            raise AssertionError("Prism exited: " + text[-2000:])
        return "Prism is listening" in text

    def tearDown(self):
        self.prism.terminate()
        self.prism.wait(timeout=20)
        self.log.close()
        self.daemon.stop()
        for f in self.fakes.values():
            f.stop()
        self.ws.cleanup()

    def ask(self, method, path, expect, token=READ, body=None):
        import http.client
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        con = http.client.HTTPConnection("127.0.0.1", self.proxy_port, timeout=60)
        try:
            con.request(method, path, body=data, headers=headers)
            resp = con.getresponse()
            raw = resp.read()
            violations = resp.getheader("sl-violations")
        finally:
            con.close()
        self.assertIsNone(violations, f"{method} {path}: {violations}")
        self.assertEqual(resp.status, expect, f"{method} {path}: {raw[:2000]!r}")
        self.asked.append((method, path))
        return json.loads(raw) if raw and resp.getheader("content-type", "").startswith("application/json") else raw

    def test_every_route_answers_as_documented(self):
        self.asked = []
        self.ask("GET", "/healthz", 200, token=None)
        self.ask("GET", "/readyz", 200, token=None)
        self.ask("GET", "/metrics", 200)
        self.ask("GET", "/metrics", 401, token="wrong")
        sources = self.ask("GET", "/v1/sources", 200)
        self.assertEqual(sorted(s["name"] for s in sources["items"]), ["eu", "us"])
        self.ask("GET", "/v1/sources/eu/runs?limit=5", 200)
        self.ask("GET", "/v1/sources/nope/runs", 404)
        page = self.ask("GET", "/v1/records?limit=5", 200)
        self.ask("GET", f"/v1/records?limit=5&after={page['next']}", 200)
        self.ask("GET", "/v1/records?q=zoe&include_deleted=true&source=eu", 200)
        rec = page["items"][0]
        self.ask("GET", f"/v1/records/{rec['source']}/{rec['external_id']}", 200)
        self.ask("GET", "/v1/records/eu/no-such-id", 404)
        self.ask("GET", "/v1/records/eu/1/live", 200)
        self.ask("GET", "/v1/records/us/1/live", 404)
        customers = self.ask("GET", "/v1/customers?min_members=2&limit=3", 200)
        self.ask("GET", "/v1/customers?sort=name&limit=3", 200)
        self.ask("GET", f"/v1/customers?sort=-changed&limit=3&after={customers['next']}", 400)  # a token of another sort
        one = customers["items"][0]
        self.ask("GET", f"/v1/customers/{one['id']}", 200)
        self.ask("GET", "/v1/customers/c_999999", 404)
        self.ask("GET", "/v1/suggestions?limit=10", 200)
        self.ask("GET", f"/v1/suggestions?customer_id={one['id']}", 200)
        a, b = (f"{m['source']}:{m['external_id']}" for m in one["members"][:2])
        self.ask("POST", "/v1/marks", 403, body={"op": "unlink", "a": a, "b": b})
        mark = self.ask("POST", "/v1/marks", 201, token=WRITE, body={"op": "unlink", "a": a, "b": b, "note": "n"})
        self.ask("POST", "/v1/marks", 404, token=WRITE, body={"op": "link", "a": a, "b": "us:nope"})
        self.ask("GET", "/v1/marks", 200)
        self.ask("GET", "/v1/changes?after=0&limit=50", 200)
        feed = self.ask("GET", "/v1/changes?after=0&limit=1000", 200)
        self.assertIn("unlink", [c["op"] for c in feed["items"]])
        self.ask("DELETE", f"/v1/marks/{mark['id']}", 403)
        self.ask("DELETE", f"/v1/marks/{mark['id']}", 204, token=WRITE)
        self.ask("DELETE", f"/v1/marks/{mark['id']}", 404, token=WRITE)
        feed = self.ask("GET", f"/v1/changes?after={feed['last_seq']}&limit=100", 200)
        self.assertIn("mark_deleted", [c["op"] for c in feed["items"]])
        self.ask("GET", f"/v1/changes?after={feed['last_seq'] + 1000}&wait=1s", 200)
        self.ask("GET", "/v1/outputs", 200)

        # Every path of the document was asked at least once.
        import re
        with open(SPEC) as f:
            documented = re.findall(r"^  (/[^:]*):$", f.read(), re.M)
        for template in documented:
            pattern = "^" + re.sub(r"\{[^}]+\}", "[^/?]+", template) + r"(\?|$)"
            self.assertTrue(any(re.match(pattern, p) for _, p in self.asked), f"{template} was never asked")


if __name__ == "__main__":
    unittest.main()
