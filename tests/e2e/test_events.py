"""Events out (issue #17, platform.md "Events out"): the change feed delivered to a real
nats-server (JetStream, on loopback) and to a webhook receiver, with the real daemon.

- every event of a mutating sync reaches the stream once (by Nats-Msg-Id) and the webhook
  with a valid Standard Webhooks signature, in seq order;
- SIGKILL of the daemon mid-stream, nats-server down for 10 s, and the endpoint answering
  500 for a while: afterwards every event is there, none missing, lag 0;
- an endpoint that keeps failing dead-letters the event and the next one proceeds;
  `crm-index outputs replay` delivers it again;
- bad outputs config makes `check` exit 2 with file:line."""

import base64
import hashlib
import hmac
import http.server
import json
import os
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, Fake, Workspace, free_port, get_json, log, rest_source, wait_until  # noqa: E402
from nats_probe import NatsProbe, NatsServer  # noqa: E402

KEY = b"crm-index events test key 0123456789"
SECRET = "whsec_" + base64.b64encode(KEY).decode()
STREAM = "CRM_EVENTS_TEST"
PREFIX = "crm-test"


class Receiver:
    """A webhook endpoint on 127.0.0.1: records every POST; answers `fail_status` while
    fail_until is in the future, and always for the seqs in `refuse`."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received = []  # (headers, body bytes, status answered)
        self.fail_until = 0.0
        self.fail_status = 500
        self.refuse = set()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                try:
                    seq = json.loads(body)["seq"]
                except (ValueError, KeyError):
                    seq = None
                with receiver.lock:
                    failing = time.monotonic() < receiver.fail_until or seq in receiver.refuse
                    status = receiver.fail_status if failing else 204
                    receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body, status))
                self.send_response(status)
                if status in (301, 302, 307, 308):
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                reply = b"" if status == 204 else b'{"error":"not now"}'
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self):
        return f"http://127.0.0.1:{self.port}/hooks/crm"

    def accepted(self):
        with self.lock:
            return [(h, b) for h, b, s in self.received if 200 <= s < 300]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def signature_ok(headers, body):
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(KEY, signed, hashlib.sha256).digest()).decode()
    return any(sig.split(",", 1)[1] == expected for sig in headers["webhook-signature"].split())


class EventsTest(unittest.TestCase):
    def setUp(self):
        self.ws = Workspace()
        self.fake = Fake("--records", "300", "--seed", "17")
        self.nats = NatsServer(free_port(), os.path.join(self.ws.dir, "nats"))
        self.receiver = Receiver()
        self.port = free_port()
        with open(os.path.join(self.ws.dir, "hook-secret"), "w") as f:
            f.write(SECRET + "\n")
        os.chmod(os.path.join(self.ws.dir, "hook-secret"), 0o600)
        self.daemons = []

    def tearDown(self):
        for d in self.daemons:
            d.stop()
        self.receiver.stop()
        self.nats.stop()
        self.fake.stop()
        self.ws.cleanup()

    def write_config(self, max_attempts=10, interval="1s", full_sync_every="1h", nats_auth=""):
        top = (f"api:\n  listen: 127.0.0.1:{self.port}\n"
               "outputs:\n"
               f"  nats:\n    servers: [{self.nats.url}]\n    stream: {STREAM}\n    subject_prefix: {PREFIX}\n"
               f"    max_age: 1h\n{nats_auth}"
               "  webhooks:\n"
               f"    - name: flows\n      url: {self.receiver.url()}\n      secret_file: hook-secret\n"
               f"      timeout: 5s\n      max_attempts: {max_attempts}\n")
        self.ws.write_config(rest_source("legacy", self.fake), defaults=f"  interval: {interval}\n  jitter: 0\n  full_sync_every: {full_sync_every}\n",
                             top=top)

    def start_daemon(self):
        d = Daemon(self.ws)
        self.daemons.append(d)
        d.wait_ready(self.port)
        return d

    def outputs(self):
        status, body = get_json(self.port, "/v1/outputs")
        self.assertEqual(status, 200, body)
        return {o["name"]: o for o in body["items"]}, body["last_seq"]

    def caught_up(self):
        try:
            outs, head = self.outputs()
        except OSError:
            return False
        return head > 0 and len(outs) == 2 and all(o["lag"] == 0 for o in outs.values()) and outs

    def feed(self):
        """Every event of the change feed, by seq."""
        events, after = {}, 0
        for _ in range(1000):
            status, body = get_json(self.port, f"/v1/changes?after={after}&limit=1000")
            self.assertEqual(status, 200)
            for item in body["items"]:
                events[item["seq"]] = item
            if not body["items"]:
                return events
            after = body["items"][-1]["seq"]
        self.fail("the change feed did not end")

    def check_stream(self, feed):
        with NatsProbe(self.nats.port) as probe:
            messages = probe.messages(STREAM)
        ids = [m["headers"].get("Nats-Msg-Id") for m in messages]
        self.assertEqual(len(ids), len(set(ids)), "a message id is in the stream twice")
        by_seq = {}
        for m in messages:
            event = json.loads(m["data"])
            index_id = event["index_id"]
            self.assertEqual(m["headers"]["Nats-Msg-Id"], f"{index_id}-{event['seq']}")
            self.assertEqual(m["subject"], f"{PREFIX}.{event['op']}.{event['source']}")
            by_seq[event["seq"]] = event
        self.assertEqual(sorted(by_seq), sorted(feed), "the stream does not hold exactly the feed's events")
        for seq, item in feed.items():
            self.assertEqual(by_seq[seq]["op"], item["op"])
            self.assertEqual(by_seq[seq]["external_id"], item["external_id"])
        return by_seq

    def check_webhook(self, feed):
        accepted = self.receiver.accepted()
        first_seen = []
        for headers, body in accepted:
            self.assertTrue(signature_ok(headers, body), f"bad signature on {headers.get('webhook-id')}")
            self.assertEqual(headers["content-type"], "application/json")
            event = json.loads(body)
            self.assertEqual(headers["webhook-id"], f"{event['index_id']}-{event['seq']}")
            if event["seq"] not in first_seen:
                first_seen.append(event["seq"])
        self.assertEqual(sorted(first_seen), sorted(feed), "the webhook did not get exactly the feed's events")
        self.assertEqual(first_seen, sorted(first_seen), "webhook events out of seq order")

    def test_every_event_once_signed_in_order(self):
        self.write_config(full_sync_every="1s")  # every run a full pass: it finds the deletions
        self.start_daemon()
        wait_until(self.caught_up, 60, "both outputs to catch up after the first sync")
        self.fake.mutate(update=40, create=15, delete=5, seed=3)
        # A deletion shows after two full passes miss the record (design.md "Deletions").
        wait_until(lambda: "delete" in {e["op"] for e in self.feed().values()}, 60, "the deletions in the feed")
        wait_until(self.caught_up, 60, "the mutations to reach both outputs")
        feed = self.feed()
        ops = {e["op"] for e in feed.values()}
        self.assertTrue({"create", "update", "delete"} <= ops, ops)
        self.check_stream(feed)
        self.check_webhook(feed)
        # Exactly once each when nothing failed.
        self.assertEqual(len(self.receiver.accepted()), len(feed))
        outs, head = self.outputs()
        for o in outs.values():
            self.assertEqual(o["position"], head)
            self.assertIsNone(o["last_error"])
            self.assertEqual(o["dead_letters"], 0)
        status, hdrs, body = __import__("harness").http_get(self.port, "/metrics")
        text = body.decode()
        for name in ("crm_index_output_lag_events", "crm_index_output_delivered_total",
                     "crm_index_output_dead_letters"):
            self.assertIn(f'{name}{{output="flows"}}', text)
        self.assertIn('crm_index_output_lag_events{output="nats"} 0', text)

    def test_kill_outage_and_500s_lose_nothing(self):
        self.write_config()
        self.receiver.fail_until = time.monotonic() + 8  # the endpoint refuses for a while
        d = self.start_daemon()
        wait_until(lambda: self.outputs()[0].get("nats", {}).get("position", 0) > 0, 60, "NATS delivery to begin")
        outs, head = self.outputs()
        self.assertGreater(outs["flows"]["lag"], 0, "the webhook should be behind while it answers 500")
        self.assertIn("HTTP 500", outs["flows"]["last_error"] or "")
        log("SIGKILL mid-stream at", outs)
        d.proc.send_signal(signal.SIGKILL)
        d.proc.wait(timeout=10)

        self.nats.stop()
        self.fake.mutate(update=30, create=10, delete=3, seed=4)
        self.start_daemon()
        down_since = time.monotonic()
        wait_until(lambda: (self.outputs()[0]["nats"]["last_error"] or "") != "", 30, "the NATS outage to show")
        outs, _ = self.outputs()
        log("NATS down:", outs["nats"])
        time.sleep(max(0.0, 10 - (time.monotonic() - down_since)))
        outs, head = self.outputs()
        self.assertGreater(outs["nats"]["lag"], 0, "events written while NATS was down")
        self.nats.start()
        wait_until(self.caught_up, 90, "both outputs to catch up after the outage")
        feed = self.feed()
        self.check_stream(feed)
        self.check_webhook(feed)
        outs, _ = self.outputs()
        self.assertIsNone(outs["nats"]["last_error"])
        self.assertIsNone(outs["flows"]["last_error"])

    def test_dead_letter_then_replay(self):
        self.write_config(max_attempts=2)
        self.receiver.refuse = {3}
        self.receiver.fail_status = 302  # a redirect is not followed: it is a failure
        d = self.start_daemon()
        wait_until(lambda: self.caught_up(), 60, "the webhook to get past the refused event")
        outs, _ = self.outputs()
        self.assertEqual(outs["flows"]["dead_letters"], 1)
        self.assertIn("seq 3: POST http://127.0.0.1", d.output())
        self.assertIn("HTTP 302 (redirects are not followed)", d.output())
        delivered = {json.loads(b)["seq"] for _, b in self.receiver.accepted()}
        self.assertNotIn(3, delivered)
        self.assertIn(4, delivered)
        refused = [h for h, b, s in self.receiver.received if s == 302]
        self.assertEqual(len(refused), 2, "max_attempts: 2")

        listing = self.ws.run("outputs", "--config", self.ws.config)
        self.assertEqual(listing.returncode, 0, listing.stderr)
        self.assertRegex(listing.stdout, r"flows\s+webhook\s+\d+\s+0\s+\d+\s+1\s")

        # Bad replays: a name the config does not have, a seq below 1, no --config.
        r = self.ws.run("outputs", "replay", "nope", "--config", self.ws.config)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("no output named 'nope'", r.stderr)
        r = self.ws.run("outputs", "replay", "flows", "--from", "0", "--config", self.ws.config)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--from", r.stderr)
        self.assertEqual(self.ws.run("outputs", "replay", "flows").returncode, 2)

        self.receiver.refuse = set()
        r = self.ws.run("outputs", "replay", "flows", "--config", self.ws.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("1 dead letters queued", r.stdout)
        wait_until(lambda: self.outputs()[0]["flows"]["dead_letters"] == 0, 30, "the replay to deliver")
        self.assertIn(3, {json.loads(b)["seq"] for _, b in self.receiver.accepted()})

        # --from: everything from seq 5 on again (the webhook gets duplicates, in order).
        before = len(self.receiver.accepted())
        _, head = self.outputs()
        r = self.ws.run("outputs", "replay", "flows", "--from", "5", "--config", self.ws.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("every event after seq 4 is delivered again", r.stdout)
        wait_until(lambda: len(self.receiver.accepted()) >= before + head - 4, 60, "the replay from seq 5")
        wait_until(self.caught_up, 60, "the replay from seq 5 to catch up")
        again = [json.loads(b)["seq"] for _, b in self.receiver.accepted()[before:]]
        self.assertEqual(again, sorted(again))
        self.assertEqual(again[0], 5)


class NatsTokenTest(EventsTest):
    """A NATS server that wants a token: the right one delivers, a wrong one shows as an
    error that names neither token, in the API and in the log."""

    TOKEN = "s3cret-nats-token-4711"

    def setUp(self):
        super().setUp()
        self.nats.stop()
        self.nats = NatsServer(self.nats.port, self.nats.store_dir, token=self.TOKEN)

    def token_file(self, value):
        path = os.path.join(self.ws.dir, "nats-token")
        with open(path, "w") as f:
            f.write(value + "\n")
        os.chmod(path, 0o600)
        return "    auth: { type: token, token_file: nats-token }\n"

    def test_token_auth(self):
        self.write_config(nats_auth=self.token_file("wrong-token-0815"))
        d = self.start_daemon()
        wait_until(lambda: (self.outputs()[0]["nats"]["last_error"] or "") != "", 30, "the refused token to show")
        outs, _ = self.outputs()
        self.assertEqual(outs["nats"]["position"], 0)
        log("wrong token:", outs["nats"]["last_error"])
        d.stop()
        with open(d.log_path) as f:
            logged = f.read()
        for text in (json.dumps(outs), logged):
            self.assertNotIn("wrong-token-0815", text)
            self.assertNotIn(self.TOKEN, text)

        self.write_config(nats_auth=self.token_file(self.TOKEN))
        d = self.start_daemon()
        outs = wait_until(self.caught_up, 60, "delivery with the right token")
        delivered = outs["nats"]["position"]
        d.stop()
        # The daemon's next runs may add events after the check: the stream holds every
        # event delivered by then, and none the feed does not have.
        (last,) = self.ws.query("SELECT max(seq) FROM changes")[0]
        with NatsProbe(self.nats.port, token=self.TOKEN) as probe:
            messages = probe.stream_info(STREAM)["state"]["messages"]
        self.assertGreaterEqual(messages, delivered)
        self.assertLessEqual(messages, last)
        with open(d.log_path) as f:
            self.assertNotIn(self.TOKEN, f.read())

    # The other tests of EventsTest run against a server without auth only.
    test_every_event_once_signed_in_order = None
    test_kill_outage_and_500s_lose_nothing = None
    test_dead_letter_then_replay = None


class EventsConfigTest(unittest.TestCase):
    def setUp(self):
        self.ws = Workspace()

    def tearDown(self):
        self.ws.cleanup()

    def check(self, outputs):
        self.ws.write_config("  - name: legacy\n    type: rest\n    base_url: http://127.0.0.1:9\n"
                             "    list: { path: /c, items: /data }\n"
                             "    fields: { external_id: /id, updated_at: /m }\n",
                             top="outputs:\n" + outputs)
        return self.ws.run("check", "--config", self.ws.config)

    def test_bad_outputs_config_exits_2_with_file_line(self):
        cases = [
            ("  nats:\n    servers: [nats://127.0.0.1:4222]\n    strem: X\n", 5, "strem"),
            ("  webhooks:\n    - name: a\n      url: ftp://x/y\n      secret_file: s\n", 5, "url"),
            ("  webhooks:\n    - name: a\n      url: http://127.0.0.1:9/h\n      secret_file: missing-secret\n", 6,
             "missing-secret"),
        ]
        for text, line, word in cases:
            with self.subTest(word=word):
                r = self.check(text)
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertRegex(r.stderr + r.stdout, rf"crm-index.yaml:{line}:\d+: .*{word}")


if __name__ == "__main__":
    unittest.main()
