"""Push hints in (issue #18, platform.md "Push hints in"), end to end with real processes:
an edit in the fake CRM → the vendor's own webhook, signed as the vendor signs (the fake
sends it) → the hints listener verifies it → one hinted incremental run → the change is
in /v1/records, with the interval at 1h so that only the hint can explain it. Per CRM:
HubSpot v3 signatures, Pipedrive's Basic auth, Dataverse's header key, Zoho's channel
token, an in-house CRM's HMAC header. Also: what is not verified is a 401 and runs
nothing, unknown sources 404, other methods 405, bodies over 1 MiB 413, and 100 hints in
a second make at most two runs."""

import base64
import hashlib
import hmac
import http.client
import json
import os
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, Fake, Workspace, finished_runs, free_port, get_json, http_get, log, rest_source, wait_until  # noqa: E402
from test_dynamics import CLIENT_SECRET as DYN_SECRET, dynamics_source, write_secret  # noqa: E402
from test_hubspot import TOKEN as HUBSPOT_TOKEN, hubspot_source  # noqa: E402
from test_pipedrive import API_TOKEN as PD_TOKEN, pipedrive_source, write_token  # noqa: E402
from test_odoo import API_KEY as ODOO_KEY, odoo_source, write_secret as write_odoo_secret  # noqa: E402
from test_zoho import zoho_source  # noqa: E402


def post(port, path, body=b"{}", headers=None):
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        con.request("POST", path, body=body, headers=headers or {})
        resp = con.getresponse()
        return resp.status, resp.read()
    finally:
        con.close()


def too_large(port, path):
    """The status of a POST that announces a body over 1 MiB (the server answers before it comes)."""
    import socket
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {(1 << 20) + 1}\r\n\r\n".encode())
        try:
            s.sendall(b"x" * ((1 << 20) + 1))
        except OSError:
            pass  # closed after the answer
        return int(s.recv(4096).split(b" ", 2)[1])


class HintsTest(unittest.TestCase):
    """One CRM per test: source block, the fake's webhook configuration, the hints block."""

    def setUp(self):
        self.ws = Workspace()
        self.fakes = []
        self.daemon = None
        self.api_port, self.hints_port = free_port(), free_port()

    def tearDown(self):
        if self.daemon:
            self.daemon.stop()
        for f in self.fakes:
            f.stop()
        self.ws.cleanup()

    def secret_file(self, name, value):
        path = os.path.join(self.ws.dir, name)
        with open(path, "w") as f:
            f.write(value + "\n")
        os.chmod(path, 0o600)
        return name

    def start(self, sources, extra_top=""):
        top = (f"api:\n  listen: 127.0.0.1:{self.api_port}\n"
               f"hints:\n  listen: 127.0.0.1:{self.hints_port}\n  delay: 200ms\n  min_interval: 1s\n{extra_top}")
        self.ws.write_config(sources, defaults="  interval: 1h\n  jitter: 0\n  full_sync_every: 24h\n", top=top)
        self.daemon = Daemon(self.ws)
        self.daemon.wait_ready(self.api_port)

    def runs(self, source):
        return finished_runs(self.api_port, source)

    def metrics(self):
        return http_get(self.api_port, "/metrics")[2].decode()

    def first_sync_done(self, source):
        wait_until(lambda: self.runs(source) >= 1, 60, f"the first sync of {source}")

    def named(self, source, name):
        q = urllib.parse.quote(name)
        status, body = get_json(self.api_port, f"/v1/records?source={source}&q={q}")
        return status == 200 and any(r["name"] == name for r in body["items"])

    def hint_roundtrip(self, source, fake, hook, edit_id, new_name, query=""):
        """Configures the fake's webhook, edits one record there, and waits for the edit to
        show in the API: the interval is 1h, only a hint can bring it."""
        self.first_sync_done(source)
        before = self.runs(source)
        hook = dict(hook, url=f"http://127.0.0.1:{self.hints_port}/hooks/{source}{query}")
        fake.request("POST", "/_control/webhook", hook)
        t0 = time.monotonic()
        first, last = new_name.split(" ")
        fake.request("PATCH", f"/_control/records/{edit_id}", {"full_name": new_name, "first_name": first,
                                                                 "last_name": last})
        wait_until(lambda: self.named(source, new_name), 30, f"the edit in {source} to reach the API through a hint")
        took = time.monotonic() - t0
        state = json.loads(fake.request("GET", "/_control/webhook"))
        log(f"{source}: edit visible after {took:.2f}s, webhook {state['sent']} sent, runs {before} -> {self.runs(source)}")
        self.assertGreaterEqual(state["sent"], 1)
        wait_until(lambda: self.runs(source) > before, 10, "the hinted run to finish")
        self.assertLess(took, 10)
        wait_until(lambda: f'crm_index_hint_to_index_seconds_count{{source="{source}"}}' in self.metrics(), 10,
                   "the hinted run's time in the metrics")
        self.assertTrue(f'crm_index_hints_total{{result="accepted",source="{source}"}}' in self.metrics())

    def test_rest_hmac(self):
        fake = Fake("--records", "40")
        self.fakes.append(fake)
        key = "legacy-hook-key-0123456789"
        hints = (f"    hints: {{ type: hmac, header: X-Signature, secret_file: {self.secret_file('legacy-hook', key)},"
                 ' prefix: "sha256=", encoding: hex }\n')
        self.start(rest_source("legacy", fake, extra=hints))
        self.hint_roundtrip("legacy", fake, {"dialect": "rest", "secret": key, "header": "X-Signature",
                                             "prefix": "sha256=", "encoding": "hex"}, "7", "Hinted Seven")

        # Not verified: a wrong signature, no signature, a stale one; each a 401 and no run.
        before = self.runs("legacy")
        body = b'{"event":"changed","ids":["1"]}'
        good = "sha256=" + hmac.new(key.encode(), body, hashlib.sha256).hexdigest()
        self.assertEqual(post(self.hints_port, "/hooks/legacy", body, {"X-Signature": good[:-2] + "00"})[0], 401)
        self.assertEqual(post(self.hints_port, "/hooks/legacy", body)[0], 401)
        self.assertEqual(post(self.hints_port, "/hooks/nope", body, {"X-Signature": good})[0], 404)
        self.assertEqual(http_get(self.hints_port, "/hooks/legacy")[0], 405)
        self.assertEqual(http_get(self.hints_port, "/v1/records")[0], 404)  # the read API is not here
        self.assertEqual(too_large(self.hints_port, "/hooks/legacy"), 413)
        time.sleep(1.5)
        self.assertEqual(self.runs("legacy"), before, "an unverified hint must not run anything")
        # Two 401s; the 404 counts under source="", the 413 never reaches the handler.
        self.assertTrue('crm_index_hints_total{result="rejected",source="legacy"} 2' in self.metrics())
        self.assertNotIn(key, self.daemon.output())

        # 100 verified hints within a second: one run, at most two.
        self.assertEqual(post(self.hints_port, "/hooks/legacy", body, {"X-Signature": good})[0], 202)
        for _ in range(99):
            post(self.hints_port, "/hooks/legacy", body, {"X-Signature": good})
        time.sleep(3)
        extra = self.runs("legacy") - before
        log(f"100 hints in a second: {extra} runs")
        self.assertGreaterEqual(extra, 1)
        self.assertLessEqual(extra, 2)

    def test_hubspot_v3(self):
        fake = Fake("--records", "30", "--bearer", HUBSPOT_TOKEN)
        self.fakes.append(fake)
        secret = "hubspot-app-client-secret-42"
        hints = f"    hints: {{ type: hubspot, secret_file: {self.secret_file('hs-secret', secret)} }}\n"
        self.start(hubspot_source("hubspot", fake, extra=hints))
        self.hint_roundtrip("hubspot", fake, {"dialect": "hubspot", "secret": secret}, "5", "Hinted Five")
        # A captured request replayed later than 5 minutes: refused (the timestamp is signed).
        body = b'[{"objectId":5}]'
        old = str(int(time.time() * 1000) - 6 * 60 * 1000)
        url = f"http://127.0.0.1:{self.hints_port}/hooks/hubspot"
        sig = base64.b64encode(hmac.new(secret.encode(), ("POST" + url).encode() + body + old.encode(),
                                        hashlib.sha256).digest()).decode()
        status, _ = post(self.hints_port, "/hooks/hubspot", body,
                         {"X-HubSpot-Signature-v3": sig, "X-HubSpot-Request-Timestamp": old})
        self.assertEqual(status, 401)

    def test_pipedrive_basic(self):
        fake = Fake("--records", "30")
        self.fakes.append(fake)
        token = write_token(self.ws, PD_TOKEN)
        hints = (f"    hints: {{ type: basic, username: crm-index, "
                 f"password_file: {self.secret_file('pd-hook-pass', 'pd-hook-password-1')} }}\n")
        self.start(pipedrive_source("pd", fake, token, extra=hints))
        self.hint_roundtrip("pd", fake, {"dialect": "pipedrive", "username": "crm-index",
                                         "password": "pd-hook-password-1"}, "4", "Hinted Four")

    def test_dynamics_header(self):
        fake = Fake("--records", "30")
        self.fakes.append(fake)
        secret = write_secret(self.ws, DYN_SECRET)
        hints = f"    hints: {{ type: header, header: x-crm-key, value_file: {self.secret_file('dyn-hook', 'dyn-key-99')} }}\n"
        self.start(dynamics_source("dyn", fake, secret, extra=hints))
        self.hint_roundtrip("dyn", fake, {"dialect": "dynamics", "header": "x-crm-key", "value": "dyn-key-99"},
                            "3", "Hinted Three")

    def test_zoho_token(self):
        fake = Fake("--records", "30")
        self.fakes.append(fake)
        hints = f"    hints: {{ type: zoho, token_file: {self.secret_file('zoho-channel', 'zoho-channel-token-7')} }}\n"
        self.start(zoho_source("zo", fake, self.ws, extra=hints))
        self.hint_roundtrip("zo", fake, {"dialect": "zoho", "token": "zoho-channel-token-7"}, "6", "Hinted Six")

    def test_odoo_query_key(self):
        # Odoo's webhook action sets no header: the key rides in the URL it is given.
        fake = Fake("--records", "30")
        self.fakes.append(fake)
        secret = write_odoo_secret(self.ws, ODOO_KEY)
        hints = f"    hints: {{ type: query, param: key, value_file: {self.secret_file('odoo-hook', 'odoo-hook-key-3')} }}\n"
        self.start(odoo_source("od", fake, secret, extra=hints))
        self.hint_roundtrip("od", fake, {"dialect": "odoo"}, "8", "Hinted Eight", query="?key=odoo-hook-key-3")
        self.assertEqual(post(self.hints_port, "/hooks/od?key=wrong")[0], 401)
        self.assertNotIn("odoo-hook-key-3", self.daemon.output())


if __name__ == "__main__":
    unittest.main()
