"""Shared pieces of the end-to-end tests: the fake CRM as a child process, a scratch
folder with a config and an index, and the real crm-index binary run as a process.

Standard library only. Every network call goes to 127.0.0.1, every wait is bounded."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

SOURCE_DIR = os.environ.get("CRM_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
CRM_INDEX = os.environ.get("CRM_INDEX_BIN", os.path.join(SOURCE_DIR, "build", "crm-index"))
CRM_FAKE = os.environ.get("CRM_FAKE_BIN", os.path.join(SOURCE_DIR, "build", "crm-fake"))
COMMAND_TIMEOUT = 120


class Fake:
    """A crm-fake process on 127.0.0.1 with an ephemeral port."""

    def __init__(self, *args, port=0):
        self.proc = subprocess.Popen([CRM_FAKE, "--port", str(port), *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        line = self._read_banner()
        if "listening on" not in line:
            self.stop()
            raise RuntimeError(f"crm-fake did not start: {line!r} {self.proc.stderr.read()}")
        self.url = line.strip().rsplit(" ", 1)[-1]
        self.port = int(self.url.rsplit(":", 1)[-1])

    def _read_banner(self):
        import select
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.5)
            if ready:
                return self.proc.stdout.readline()
            if self.proc.poll() is not None:
                return ""
        return ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        for f in (self.proc.stdout, self.proc.stderr):
            if f:
                f.close()

    def request(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.read().decode()

    def truth(self):
        """Live records by id, as the fake holds them."""
        out = {}
        for line in self.request("GET", "/_control/truth").splitlines():
            if line.strip():
                r = json.loads(line)
                out[r["id"]] = r
        return out

    def mutate(self, **counts):
        return json.loads(self.request("POST", "/_control/mutate", counts))

    def fault(self, **spec):
        self.request("POST", "/_control/faults", spec)

    def clear_faults(self):
        self.request("DELETE", "/_control/faults")

    def stats(self):
        return json.loads(self.request("GET", "/_control/stats"))


REST_FIELDS = """    fields:
      external_id: /id
      kind: /type
      name: /full_name
      given_name: /first_name
      family_name: /last_name
      email: /contact/email
      phone: /contact/phone
      company: /company/name
      updated_at: /modified_at
"""


def rest_source(name, fake, style="next_url", api_key=None, extra=""):
    """A `type: rest` source block for one of the fake's pagination styles."""
    params = {
        "next_url": 'per_page: "{page_size}", modified_since: "{watermark}"',
        "link_header": 'per_page: "{page_size}", modified_since: "{watermark}"',
        "page": 'page: "{page}", per_page: "{page_size}", modified_since: "{watermark}"',
        "offset": 'offset: "{offset}", limit: "{page_size}", modified_since: "{watermark}"',
        "cursor": 'cursor: "{cursor}", limit: "{page_size}", modified_since: "{watermark}"',
    }[style]
    pointer = {"next_url": ", pointer: /links/next", "cursor": ", pointer: /meta/next_cursor"}.get(style, "")
    auth = f"    auth: {{ type: api_key, in: header, name: X-Api-Key, value: {api_key} }}\n" if api_key else ""
    return (f"  - name: {name}\n    type: rest\n    base_url: {fake.url}\n{auth}"
            f"    web_url: https://legacy.example/customers/{{id}}\n"
            f"    list:\n      path: /{style}/contacts\n      params: {{ {params} }}\n"
            f"      items: /data\n      pagination: {{ style: {style}{pointer} }}\n"
            f"{REST_FIELDS}{extra}")


class Workspace:
    """A scratch folder holding a config file and the index it names."""

    def __init__(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="crm-e2e-")
        self.dir = self._tmp.name
        self.db = os.path.join(self.dir, "index.db")
        self.config = os.path.join(self.dir, "crm-index.yaml")

    def cleanup(self):
        self._tmp.cleanup()

    def write_config(self, sources, defaults="", top=""):
        text = f"database: {self.db}\n{top}"
        if defaults:
            text += "defaults:\n" + defaults
        text += "sources:\n" + sources
        with open(self.config, "w") as f:
            f.write(text)
        return self.config

    def run(self, *args, timeout=COMMAND_TIMEOUT, env=None):
        full_env = dict(os.environ)
        full_env.update(env or {})
        return subprocess.run([CRM_INDEX, *args], capture_output=True, text=True, timeout=timeout, env=full_env)

    def sync(self, *extra):
        return self.run("sync", "--config", self.config, *extra)

    def export(self, source=None, fmt="jsonl", include_deleted=False):
        args = ["export", "--config", self.config, "--format", fmt]
        if source:
            args += ["--source", source]
        if include_deleted:
            args.append("--include-deleted")
        # Bytes, decoded here: text mode would turn the CSV's CRLF line ends into LF.
        r = subprocess.run([CRM_INDEX, *args], capture_output=True, timeout=COMMAND_TIMEOUT)
        if r.returncode != 0:
            raise AssertionError(f"export failed: {r.stderr.decode(errors='replace')}")
        return r.stdout.decode("utf-8")

    def exported(self, source=None):
        out = {}
        for line in self.export(source).splitlines():
            r = json.loads(line)
            out[r["external_id"]] = r
        return out

    def query(self, sql, *params):
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=10)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def watermark(self, source):
        rows = self.query("SELECT watermark_ms FROM sources WHERE name = ?", source)
        return rows[0][0] if rows else None

    def fingerprint(self):
        """Everything a no-op run must leave untouched: record rows and the change feed."""
        return (self.query("SELECT count(*), total(changed_ms), total(length(hash)) FROM records")[0],
                self.query("SELECT count(*), max(seq) FROM changes")[0])


def parse_summary(stdout, source):
    """The counts of a source's summary line from `crm-index sync`."""
    for line in stdout.splitlines():
        if line.startswith(source + ": "):
            counts = {}
            for tok in line.split():
                if "=" in tok:
                    k, v = tok.split("=", 1)
                    try:
                        counts[k] = float(v) if "." in v else int(v)
                    except ValueError:
                        pass
            counts["status"] = line.split()[1]
            return counts
    raise AssertionError(f"no summary line for {source} in {stdout!r}")


def comparable(record):
    """The fields both the fake's truth and the export carry, in the truth's names."""
    return {
        "kind": record["kind"], "name": record["name"], "given_name": record.get("given_name"),
        "family_name": record.get("family_name"), "email": record.get("email"),
        "phone": record.get("phone"), "company": record.get("company"),
        "updated_at": record.get("updated_at", record.get("remote_updated_at")),
    }


def assert_index_equals_truth(test, ws, fake, source):
    truth = {k: comparable(v) for k, v in fake.truth().items()}
    index = {k: comparable(v) for k, v in ws.exported(source).items()}
    assert_same_records(test, truth, index)


def assert_same_records(test, truth, index):
    """truth and index map numeric ids to comparable records; says what is missing, extra
    or different (a few of each) when they are not the same."""
    missing = sorted(set(truth) - set(index), key=int)[:5]
    extra = sorted(set(index) - set(truth), key=int)[:5]
    test.assertEqual(len(index), len(truth), f"missing {missing}, extra {extra}")
    diff = [k for k in truth if truth[k] != index.get(k)][:3]
    test.assertEqual(diff, [], "records differ: " + "; ".join(f"{k}: {truth[k]} != {index.get(k)}" for k in diff))


class FakeSourceTestCase(unittest.TestCase):
    """One fake CRM (self.fake), one workspace (self.ws) and one source named `source`:
    the subclass's setUp makes them; tearDown stops and removes them."""

    source = None

    def tearDown(self):
        self.fake.stop()
        self.ws.cleanup()

    def sync(self, *extra, expect=0):
        r = self.ws.sync(*extra)
        self.assertEqual(r.returncode, expect, f"stdout: {r.stdout}\nstderr: {r.stderr[-3000:]}")
        return parse_summary(r.stdout, self.source), r


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def free_port():
    """A port on 127.0.0.1 that nothing listens on right now, below the kernel's ephemeral range.

    A port from the ephemeral range can be taken while a test holds it: a client whose
    connect to a stopped daemon picks that very port as its source port connects to itself
    (TCP simultaneous open) and keeps the port, and the next daemon cannot bind it (seen in
    CI: test_crash's readers against a SIGKILLed daemon)."""
    import random
    import socket
    low = 32768
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        pass
    floor = 10000 if low > 12000 else 1024
    for _ in range(200):
        port = random.randrange(floor, low)
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    raise RuntimeError(f"no free port in {floor}..{low}")


class Daemon:
    """`crm-index run` as a child process, with its API on a free loopback port."""

    def __init__(self, ws, env=None, global_args=()):
        """`global_args` go before `run`, e.g. ("--log-level", "debug")."""
        self.ws = ws
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.log_path = os.path.join(ws.dir, f"daemon-{time.monotonic_ns()}.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([CRM_INDEX, *global_args, "run", "--config", ws.config], stdout=self.log,
                                     stderr=subprocess.STDOUT, env=full_env)

    def wait_ready(self, port, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"daemon exited with {self.proc.returncode}: {self.output()}")
            try:
                status, _, _ = http_get(port, "/readyz")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"daemon not ready in {timeout}s: {self.output()}")

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()
        return self.proc.returncode

    def output(self):
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()[-5000:]


def http_get(port, path, headers=None, method="GET", timeout=30):
    """(status, headers, body) for a request to 127.0.0.1:port; never raises on 4xx/5xx."""
    import http.client
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        con.request(method, path, headers=headers or {})
        resp = con.getresponse()
        body = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body
    finally:
        con.close()


def get_json(port, path, headers=None, timeout=30):
    status, hdrs, body = http_get(port, path, headers, timeout=timeout)
    return status, json.loads(body) if body else None


def finished_runs(port, source):
    """How many runs of the source have finished, as the daemon's /v1/sources tells."""
    status, body = get_json(port, "/v1/sources")
    for s in body["items"]:
        if s["name"] == source:
            run = s.get("last_run") or {}
            return (run.get("id") or 0) - (0 if run.get("finished_at") else 1)
    return 0


def wait_until(predicate, timeout, what, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
