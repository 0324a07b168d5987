"""The monitoring assets (monitoring/): the alert rules pass `promtool check rules` and
their unit tests (`promtool test rules`), the scrape config passes `promtool check
config`, and every metric the rules and the Grafana dashboard name is one that a running
daemon serves, so that none of them can go stale. Prometheus scrapes the real daemon
with the bearer token and gets its series."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import SOURCE_DIR, Daemon, Fake, Workspace, free_port, http_get, rest_source, wait_until  # noqa: E402

MONITORING = os.path.join(SOURCE_DIR, "monitoring")
PROMTOOL = shutil.which("promtool")
NAME = re.compile(r"\b((?:crm_index|process)_[a-z0-9_]+)")


def names_in(text):
    """Metric names an expression uses, histogram suffixes taken off."""
    return {re.sub(r"_(bucket|count|sum)$", "", n) for n in NAME.findall(text)}


@unittest.skipUnless(PROMTOOL, "SKIPPED: promtool (Debian's prometheus package) is not installed")
class MonitoringTest(unittest.TestCase):
    def promtool(self, *args, cwd=MONITORING):
        r = subprocess.run([PROMTOOL, *args], capture_output=True, text=True, timeout=120, cwd=cwd)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r.stdout

    def test_rules_and_their_unit_tests(self):
        self.assertIn("SUCCESS: 8 rules found", self.promtool("check", "rules", "alerts.yml"))
        self.assertIn("SUCCESS", self.promtool("test", "rules", "alerts_test.yml"))

    def test_scrape_config(self):
        with tempfile.TemporaryDirectory() as d:
            for f in ("prometheus.yml", "alerts.yml"):
                shutil.copy(os.path.join(MONITORING, f), d)
            with open(os.path.join(d, "crm-index-api-token"), "w") as f:
                f.write("token\n")
            self.promtool("check", "config", "prometheus.yml", cwd=d)

    def test_every_metric_named_is_served(self):
        fake = Fake("--records", "20", "--seed", "5")
        ws = Workspace()
        port = free_port()
        token = os.path.join(ws.dir, "api-token")
        with open(token, "w") as f:
            f.write("monitoring-token-0123456789\n")
        os.chmod(token, 0o600)
        ws.write_config(rest_source("crm", fake), defaults="  interval: 1s\n  jitter: 0\n",
                        top=f"api:\n  listen: 127.0.0.1:{port}\n  token_file: {token}\n"
                            "outputs:\n  webhooks:\n    - { name: hook, url: 'http://127.0.0.1:9/x', "
                            f"secret_file: {self.webhook_secret(ws)} }}\n")
        daemon = Daemon(ws)
        try:
            daemon.wait_ready(port)
            auth = {"Authorization": "Bearer monitoring-token-0123456789"}
            wait_until(lambda: b'crm_index_runs_total{source="crm",status="ok"} 1' in http_get(port, "/metrics", auth)[2]
                       or b'status="ok"} 2' in http_get(port, "/metrics", auth)[2], 30, "a run")
            self.assertEqual(http_get(port, "/metrics")[0], 401, "/metrics needs the token")
            served = set(re.findall(r"^# TYPE (\S+) ", http_get(port, "/metrics", auth)[2].decode(), re.M))
            with open(os.path.join(MONITORING, "alerts.yml")) as f:
                rules = f.read()
            with open(os.path.join(MONITORING, "grafana-dashboard.json")) as f:
                dashboard = json.load(f)
            exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
            named = names_in(rules) | set().union(*(names_in(e) for e in exprs))
            self.assertGreater(len(named), 15)
            self.assertEqual(named - served, set(), "named in monitoring/ but not served")

            # Prometheus itself scrapes the daemon with the token from the example config.
            prometheus = shutil.which("prometheus")
            if prometheus:
                self.scrape_with_prometheus(prometheus, port, token, ws)
        finally:
            daemon.stop()
            fake.stop()
            ws.cleanup()

    def webhook_secret(self, ws):
        path = os.path.join(ws.dir, "hook-secret")
        with open(path, "w") as f:
            f.write("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n")
        os.chmod(path, 0o600)
        return path

    def scrape_with_prometheus(self, prometheus, port, token, ws):
        d = os.path.join(ws.dir, "prometheus")
        os.makedirs(d)
        with open(os.path.join(MONITORING, "prometheus.yml")) as f:
            config = f.read().replace("127.0.0.1:8787", f"127.0.0.1:{port}").replace("30s", "1s")
        with open(os.path.join(d, "prometheus.yml"), "w") as f:
            f.write(config)
        shutil.copy(os.path.join(MONITORING, "alerts.yml"), d)
        shutil.copy(token, os.path.join(d, "crm-index-api-token"))
        web = free_port()
        proc = subprocess.Popen([prometheus, f"--config.file={d}/prometheus.yml", f"--storage.tsdb.path={d}/data",
                                 f"--web.listen-address=127.0.0.1:{web}"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            def up():
                try:
                    status, _, body = http_get(web, "/api/v1/query?query=crm_index_source_interval_seconds")
                except OSError:
                    return False
                result = json.loads(body)["data"]["result"] if status == 200 else []
                return result and result[0]["value"][1] == "1"
            wait_until(up, 60, "Prometheus to scrape crm-index")
            status, _, body = http_get(web, "/api/v1/query?query=up%7Bjob%3D%22crm-index%22%7D")
            self.assertEqual(json.loads(body)["data"]["result"][0]["value"][1], "1")
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    unittest.main()
