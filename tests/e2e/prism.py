"""Prism (Stoplight's OpenAPI mock) for the *_prism.py tests: starting it on a free port
with a vendor spec, waiting until it listens, stopping it, and the recording proxy that
keeps each request's status and sl-violations header. The three Prism tests repeated this
word for word; each now says only which spec it mocks and how.

Installs nothing: uses node_modules/.bin/prism when present; the tests skip otherwise."""

import http.client
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

from harness import SOURCE_DIR, Workspace, free_port

PRISM = os.path.join(SOURCE_DIR, "node_modules", ".bin", "prism")
SPECS = os.path.join(SOURCE_DIR, "..", "shared", "specs")
# The cleaning specs/README.md prescribes for specs whose examples are null or whose
# media type is */*.
JQ_CLEAN = ('walk(if type == "object" then'
            ' (if has("example") and .example == null then del(.example) else . end)'
            ' | (if has("*/*") then .["application/json"] = .["*/*"] | del(.["*/*"]) else . end)'
            ' else . end)')


def skip_unless_prism(spec, needs_jq=False):
    """Skips the test class when the vendor spec, Prism, node (or jq) is missing."""
    tools = ("node", "jq") if needs_jq else ("node",)
    have_spec = unittest.skipUnless(
        os.path.exists(spec), f"the vendor spec {spec} is not there (../shared/specs beside the checkout)")
    have_prism = unittest.skipUnless(
        os.path.exists(PRISM) and all(shutil.which(t) for t in tools),
        "Prism not installed (npm install --no-save @stoplight/prism-cli@5 puts it at "
        f"node_modules/.bin/prism), or {'/'.join(tools)} missing")
    return lambda cls: have_spec(have_prism(cls))


def jq_clean(spec, out_path):
    with open(out_path, "w") as out:
        subprocess.run(["jq", JQ_CLEAN, spec], stdout=out, check=True, timeout=60)


class PrismTestCase(unittest.TestCase):
    """Starts one Prism for the class. A subclass sets tmp_prefix, spec or prism_spec(tmp)
    (the spec file to mock, prepared in tmp if need be), and proxy_class."""

    tmp_prefix = "crm-prism-"
    proxy_class = None
    spec = None  # a vendor spec mocked as it is; else the subclass overrides prism_spec

    @classmethod
    def prism_spec(cls, tmp):
        if cls.spec is None:
            raise NotImplementedError
        return cls.spec

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix=cls.tmp_prefix)
        spec = cls.prism_spec(cls.tmp.name)
        cls.port = free_port()
        cls.log_path = os.path.join(cls.tmp.name, "prism.log")
        cls.log = open(cls.log_path, "w")
        cls.prism = subprocess.Popen([PRISM, "mock", "-h", "127.0.0.1", "-p", str(cls.port), spec],
                                     stdout=cls.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with open(cls.log_path) as f:
                if f"Prism is listening on http://127.0.0.1:{cls.port}" in f.read():
                    break
            if cls.prism.poll() is not None:
                break
            time.sleep(0.2)
        else:
            cls.tearDownClass()
            raise AssertionError("Prism did not start in 60 s")
        if cls.prism.poll() is not None:
            cls.tearDownClass()
            raise AssertionError("Prism exited: " + open(cls.log_path).read()[-2000:])

    @classmethod
    def tearDownClass(cls):
        cls.prism.terminate()
        try:
            cls.prism.wait(timeout=15)
        except subprocess.TimeoutExpired:
            cls.prism.kill()
            cls.prism.wait(timeout=10)
        cls.log.close()
        still_running = cls.prism.poll() is None
        cls.tmp.cleanup()
        if still_running:
            raise AssertionError("Prism is still running")

    def setUp(self):
        self.proxy = self.proxy_class(self.port)
        self.ws = Workspace()

    def tearDown(self):
        self.proxy.stop()
        self.ws.cleanup()

    def prism_log(self):
        with open(self.log_path) as f:
            return f.read()[-3000:]


class RecordingProxy:
    """Forwards every request to Prism and remembers (method, path, status, violations).
    With rewrite_sorts, a search body's sorts are sent in the spec's string form. A
    subclass may change the path Prism sees (upstream_path), what is kept (entry) and
    what the client is answered (reply: e.g. a fake CRM's answer to the same request,
    when the spec declares no bodies)."""

    def __init__(self, upstream_port):
        self.seen = []
        self.rewrite_sorts = False
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if body and proxy.rewrite_sorts and self.path.endswith("/search"):
                    doc = json.loads(body)
                    doc["sorts"] = [s["propertyName"] if isinstance(s, dict) else s for s in doc.get("sorts", [])]
                    body = json.dumps(doc).encode()
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "content-length", "accept-encoding", "connection")}
                con = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=30)
                try:
                    con.request(self.command, proxy.upstream_path(self.path), body=body, headers=headers)
                    resp = con.getresponse()
                    data = resp.read()
                    proxy.seen.append(proxy.entry(self.command, self.path, resp.status,
                                                  resp.getheader("sl-violations"), self.headers))
                    status, reply_headers, data = proxy.reply(self.command, self.path, body, headers,
                                                              (resp.status, resp.getheaders(), data))
                    self.send_response(status)
                    for k, v in reply_headers:
                        if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                            self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                finally:
                    con.close()

            do_GET = forward
            do_POST = forward

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def upstream_path(self, path):
        return path

    def entry(self, method, path, status, violations, headers):
        return (method, path, status, violations)

    def reply(self, method, path, body, headers, prism_answer):
        """What the client gets: (status, headers, body); Prism's answer unless overridden."""
        return prism_answer

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
