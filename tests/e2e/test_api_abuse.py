"""End to end: the read API stays answerable under abuse (issue #14 point 7,
docs/reliability.md "The read API under abuse"). The real crm-index serves a small index;
one client address (127.0.0.1) abuses it while a monitor on another loopback address
(127.0.0.2) asks /healthz every 0.2 s: every probe must answer 200 within HEALTHZ_BOUND,
throughout the abuse, and right after it from the abuser's own address too.

- 520 long-polls of /v1/changes?wait=60s whose clients hang up after half a second:
  beyond max_long_polls a 503 with Retry-After, and the hung-up ones are released;
- 520 half-open (slowloris) connections trickling their headers: closed at
  header_timeout however they trickle;
- wrk -c600 for 5 s: no worker stalls, no socket left in CLOSE_WAIT afterwards;
- a URL with 600 query parameters, and one of 9 KiB: 400 and 414 at once.

The limits are per client address (max_connections_per_client), so the monitor stands
for any other client; the abuser's own connections past its share are refused."""

import http.client
import json
import os
import resource
import selectors
import shutil
import socket
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, Fake, Workspace, free_port, get_json, rest_source, wait_until  # noqa: E402

ABUSER = "127.0.0.1"
MONITOR = "127.0.0.2"
HEALTHZ_BOUND = 1.0       # seconds: the contract for /healthz, not a benchmark
PROBE_TIMEOUT = 5.0       # a probe that gets nothing within this counts as failed
HEADER_TIMEOUT = 2        # seconds, api.header_timeout for these tests
MAX_LONG_POLLS = 64
ABUSE_CONNECTIONS = 520


def raise_fd_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def healthz(port, source, timeout=PROBE_TIMEOUT):
    """(seconds, status or error text) of one GET /healthz on a new connection from `source`."""
    t0 = time.monotonic()
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    try:
        con.request("GET", "/healthz")
        resp = con.getresponse()
        resp.read()
        return time.monotonic() - t0, resp.status
    except OSError as e:
        return time.monotonic() - t0, f"{type(e).__name__}: {e}"
    finally:
        con.close()


class Monitor:
    """Probes /healthz from MONITOR every 0.2 s on a thread until stopped."""

    def __init__(self, port):
        self.port = port
        self.samples = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.samples.append(healthz(self.port, MONITOR))
            self._stop.wait(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=PROBE_TIMEOUT + 5)

    def bad(self):
        return [s for s in self.samples if s[1] != 200 or s[0] >= HEALTHZ_BOUND]


def open_connections(port, n, first_bytes, timeout=5):
    """n connections from ABUSER, each having sent `first_bytes`. Connections the daemon
    refuses (its per-client limit) may be reset at any point: they are kept anyway."""
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.settimeout(timeout)
        s.bind((ABUSER, 0))
        try:
            s.connect(("127.0.0.1", port))
            s.sendall(first_bytes)
        except OSError:
            pass
        socks.append(s)
    return socks


def collect_answers(socks, seconds):
    """What the daemon sent on each socket within `seconds` (all sockets at once)."""
    answers = {s: b"" for s in socks}
    sel = selectors.DefaultSelector()
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    deadline = time.monotonic() + seconds
    while sel.get_map() and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=max(0.0, deadline - time.monotonic())):
            try:
                chunk = key.fileobj.recv(4096)
            except OSError:
                chunk = b""
            answers[key.fileobj] += chunk
            if not chunk:
                sel.unregister(key.fileobj)
    sel.close()
    return [answers[s] for s in socks]


def read_answer(s, limit=65536):
    """What the daemon sent on `s` until it closed it or the socket timed out."""
    data = b""
    try:
        while len(data) < limit:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    return data


def close_wait_sockets(port):
    """Sockets in CLOSE_WAIT whose local port is `port` (the daemon's side)."""
    count = 0
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "08":
                count += 1
    return count


class ApiAbuseTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        have = raise_fd_limit(4 * ABUSE_CONNECTIONS)
        if have < 2 * ABUSE_CONNECTIONS:
            raise AssertionError(f"RLIMIT_NOFILE is {have}: these tests need {2 * ABUSE_CONNECTIONS}")
        cls.fake = Fake("--records", "20", "--seed", "5")

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()

    def setUp(self):
        self.ws = Workspace()
        self.port = free_port()
        self.ws.write_config(rest_source("alpha", self.fake, "cursor"),
                             defaults="  interval: 1h\n  jitter: 0%\n",
                             top=(f"api:\n  listen: 127.0.0.1:{self.port}\n"
                                  f"  header_timeout: {HEADER_TIMEOUT}s\n"
                                  f"  max_long_polls: {MAX_LONG_POLLS}\n"))
        self.daemon = Daemon(self.ws)
        self.daemon.wait_ready(self.port)
        wait_until(lambda: get_json(self.port, "/v1/sources")[1]["items"][0]["records"] == 20, 30, "the first sync")

    def tearDown(self):
        code = self.daemon.stop()
        self.ws.cleanup()
        self.assertEqual(code, 0, "the daemon did not exit cleanly on SIGTERM")

    def assert_monitor_answered(self, monitor, what):
        self.assertTrue(monitor.samples, f"no probe during {what}")
        self.assertEqual(monitor.bad(), [], f"/healthz from {MONITOR} during {what}: "
                         f"slow or failed probes out of {len(monitor.samples)}")

    def assert_healthz_right_after(self, what):
        for source in (ABUSER, MONITOR):
            took, status = healthz(self.port, source)
            self.assertEqual(status, 200, f"/healthz from {source} right after {what}")
            self.assertLess(took, HEALTHZ_BOUND, f"/healthz from {source} right after {what}")

    def last_seq(self):
        status, body = get_json(self.port, "/v1/changes?limit=1000")
        self.assertEqual(status, 200)
        return body["last_seq"]

    def test_long_polls_whose_clients_hang_up(self):
        after = self.last_seq()
        request = f"GET /v1/changes?after={after}&wait=60s HTTP/1.1\r\nHost: x\r\n\r\n".encode()
        with Monitor(self.port) as monitor:
            socks = open_connections(self.port, ABUSE_CONNECTIONS, request)
            answers = collect_answers(socks, 0.5)  # then hang up
            for s in socks:
                s.close()
            time.sleep(1.5)
        self.assert_monitor_answered(monitor, "520 hung-up long-polls")
        busy = [a for a in answers if a.startswith(b"HTTP/1.1 503")]
        self.assertTrue(busy, "no long-poll beyond max_long_polls got a 503")
        head, _, body = busy[0].partition(b"\r\n\r\n")
        self.assertIn(b"\r\nRetry-After: ", head)
        self.assertEqual(json.loads(body)["error"]["code"], "too_many_long_polls")
        self.assert_healthz_right_after("the long-polls")
        # The hung-up long-polls were released: a new one from the abuser's address parks
        # (it is answered when its wait ends, not refused at once).
        t0 = time.monotonic()
        status, body = get_json(self.port, f"/v1/changes?after={after}&wait=1s", timeout=10)
        self.assertEqual(status, 200, body)
        self.assertGreaterEqual(time.monotonic() - t0, 0.9)

    def test_half_open_connections(self):
        head = b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
        socks = open_connections(self.port, ABUSE_CONNECTIONS, head)
        for s in socks:
            s.setblocking(False)
        with Monitor(self.port) as monitor:
            # Trickle one header line every 0.5 s for 2.5 header_timeouts: an idle
            # timeout would never end these connections.
            deadline = time.monotonic() + 2.5 * HEADER_TIMEOUT
            lines = 0
            while time.monotonic() < deadline:
                for s in socks:
                    try:
                        s.send(f"X-Slow-{lines}: a\r\n".encode())
                    except OSError:
                        pass
                lines += 1
                time.sleep(0.5)
        self.assert_monitor_answered(monitor, "520 half-open connections")
        # Every one of them was closed by the daemon (refused, or past header_timeout).
        still_open = 0
        for s in socks:
            s.settimeout(0.05)
            try:
                if s.recv(4096):
                    still_open += 1  # an answer: cannot happen, the head never ends
            except socket.timeout:
                still_open += 1
            except OSError:
                pass
            s.close()
        self.assertEqual(still_open, 0, "half-open connections outlived header_timeout")
        self.assert_healthz_right_after("the half-open connections")

    def test_wrk_600_connections(self):
        self.assertTrue(shutil.which("wrk"), "wrk is not installed: run scripts/install-deps")
        with Monitor(self.port) as monitor:
            r = subprocess.run(["wrk", "-t2", "-c600", "-d5s", "--timeout", "2s",
                                f"http://127.0.0.1:{self.port}/healthz"],
                               capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_monitor_answered(monitor, "wrk -c600")
        self.assert_healthz_right_after("wrk -c600")
        wait_until(lambda: close_wait_sockets(self.port) == 0, 5, "no socket in CLOSE_WAIT")

    def test_oversized_and_over_parametered_requests(self):
        with Monitor(self.port) as monitor:
            many = "&".join(f"p{i}=x" for i in range(600))
            long = "q=" + "a" * (9 * 1024)
            for target, status, code in ((f"/v1/records?{many}", 400, "too_many_parameters"),
                                         (f"/v1/records?{long}", 414, "uri_too_long")):
                s = socket.create_connection(("127.0.0.1", self.port), timeout=PROBE_TIMEOUT)
                s.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
                answer = read_answer(s)
                s.close()
                head, _, body = answer.partition(b"\r\n\r\n")
                self.assertTrue(head.startswith(f"HTTP/1.1 {status}".encode()), f"{status} expected: {answer[:200]!r}")
                self.assertEqual(json.loads(body)["error"]["code"], code)
            # The daemon still serves the connection's neighbours normally.
            status, body = get_json(self.port, "/v1/records?limit=1")
            self.assertEqual(status, 200, body)
            time.sleep(0.5)  # a few probes meanwhile
        self.assert_monitor_answered(monitor, "an over-parametered request")
        self.assert_healthz_right_after("an over-parametered request")


if __name__ == "__main__":
    unittest.main(verbosity=2)
