"""End to end: the command line as scripts and sysadmins use it (issue "Operations"):
where the config is looked for (-c, $CRM_INDEX_CONFIG, /etc/crm-index/crm-index.yaml),
global options before or after the subcommand, a misspelt command's suggestion, --json
on status, marks, review and outputs, `sync -q`, log lines as JSON and under the
journal (priority first, no second timestamp), and the bash and zsh completions."""

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import CRM_INDEX, Fake, Workspace, rest_source  # noqa: E402


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fakes = {name: Fake("--records", "30", "--seed", str(seed), "--shared-people", "5")
                     for name, seed in (("eu", 1), ("us", 2))}

    @classmethod
    def tearDownClass(cls):
        for f in cls.fakes.values():
            f.stop()

    def setUp(self):
        self.ws = Workspace()
        sources = "".join(rest_source(n, f, extra="    phone_region: DE\n") for n, f in self.fakes.items())
        self.ws.write_config(sources)

    def tearDown(self):
        self.ws.cleanup()

    def run_cli(self, *args, env=None, expect=0):
        r = self.ws.run(*args, env=env)
        self.assertEqual(r.returncode, expect, f"{args}: {r.stdout}\n{r.stderr}")
        return r

    def test_where_the_config_is_and_global_options_anywhere(self):
        # Before or after the subcommand, long or short.
        self.run_cli("--config", self.ws.config, "check")
        self.run_cli("check", "-c", self.ws.config)
        self.run_cli("-c", self.ws.config, "--log-level", "debug", "check")
        self.run_cli("check", "--log-format", "json", "--config", self.ws.config)
        # $CRM_INDEX_CONFIG when there is no -c; -c wins over it.
        self.run_cli("check", env={"CRM_INDEX_CONFIG": self.ws.config})
        r = self.run_cli("check", "-c", "/nonexistent/x.yaml", env={"CRM_INDEX_CONFIG": self.ws.config}, expect=2)
        self.assertIn("/nonexistent/x.yaml", r.stderr)
        # Neither: the Debian place.
        env = {k: v for k, v in os.environ.items() if k != "CRM_INDEX_CONFIG"}
        r = subprocess.run([CRM_INDEX, "check"], capture_output=True, text=True, timeout=30, env=env)
        if not os.path.exists("/etc/crm-index/crm-index.yaml"):
            self.assertEqual(r.returncode, 2)
            self.assertIn("/etc/crm-index/crm-index.yaml", r.stderr)
        # A misspelt command: the right one suggested, exit 2.
        r = self.run_cli("-c", self.ws.config, "syncc", expect=2)
        self.assertIn("unknown command 'syncc' (did you mean 'sync'?)", r.stderr)
        r = self.run_cli("stauts", expect=2)
        self.assertIn("did you mean 'status'?", r.stderr)

    def test_json_for_scripts_and_a_quiet_sync(self):
        r = self.run_cli("status", "--json", "-c", self.ws.config, expect=2)
        self.assertIn("no index at", r.stderr)
        r = self.run_cli("sync", "-q", "-c", self.ws.config)
        self.assertEqual(r.stdout, "", "sync -q prints no result lines")
        r = self.run_cli("sync", "-c", self.ws.config)
        lines = [l for l in (r.stdout + r.stderr).splitlines() if l.startswith("eu")]
        self.assertEqual(len(lines), 1, f"the result once, not also as a log line: {r.stdout}{r.stderr}")
        self.assertIn("eu: ok incremental", lines[0])

        status = json.loads(self.run_cli("status", "--json", "-c", self.ws.config).stdout)
        self.assertTrue(status["ok"])
        self.assertEqual(sorted(s["name"] for s in status["sources"]), ["eu", "us"])
        self.assertTrue(all(s["state"] == "ok" and s["records"] > 0 for s in status["sources"]))
        table = self.run_cli("status", "-c", self.ws.config).stdout
        self.assertIn("ok (incremental)", table)

        self.run_cli("link", "-c", self.ws.config, "eu:30", "us:29", "--note", "same desk")
        marks = json.loads(self.run_cli("marks", "--json", "-c", self.ws.config).stdout)["marks"]
        self.assertEqual([(m["op"], m["note"]) for m in marks], [("link", "same desk")])
        review = json.loads(self.run_cli("review", "--json", "-c", self.ws.config).stdout)
        self.assertIsInstance(review["suggestions"], list)
        outputs = json.loads(self.run_cli("outputs", "--json", "-c", self.ws.config).stdout)
        self.assertEqual(outputs["outputs"], [])
        self.assertGreater(outputs["last_seq"], 0)

        # The CSV export names each record's customer.
        rows = list(csv.DictReader(io.StringIO(self.ws.export(fmt="csv"), newline="")))
        self.assertEqual(list(rows[0])[-1], "customer_id")
        self.assertTrue(rows and all(r["customer_id"].startswith("c_") for r in rows))
        linked = {r["customer_id"] for r in rows if (r["source"], r["external_id"]) in (("eu", "30"), ("us", "29"))}
        self.assertEqual(len(linked), 1, "the link mark made them one customer")

    def test_log_lines_as_json_and_under_the_journal(self):
        r = self.run_cli("--log-format", "json", "--log-level", "info", "sync", "-c", self.ws.config)
        events = [json.loads(l) for l in r.stderr.splitlines() if l.startswith("{")]
        self.assertTrue(events, r.stderr)
        started = [e for e in events if e.get("msg", "").endswith("run started")]
        self.assertTrue(started, events)
        self.assertEqual(set(started[0]) >= {"ts", "level", "msg", "source", "run"}, True, started[0])
        self.assertEqual(started[0]["level"], "info")
        ok = next(e for e in events if e.get("msg", "").endswith("run ok"))
        self.assertIn("fetched", ok)

        # stderr is the journal's stream when $JOURNAL_STREAM names its device and inode.
        log = os.path.join(self.ws.dir, "journal.log")
        with open(log, "w") as f:
            st = os.fstat(f.fileno())
            env = dict(os.environ, JOURNAL_STREAM=f"{st.st_dev}:{st.st_ino}")
            subprocess.run([CRM_INDEX, "--log-level", "info", "sync", "--full", "-c", self.ws.config], stdout=subprocess.DEVNULL,
                           stderr=f, env=env, timeout=120, check=True)
        with open(log) as f:
            lines = [l for l in f.read().splitlines() if l]
        self.assertTrue(lines)
        for line in lines:
            self.assertRegex(line, r"^<[3467]>level=(debug|info|warn|error) ", "priority first, no timestamp")
        self.assertTrue(any(l.startswith("<6>level=info") for l in lines))

    def test_completions_name_every_command(self):
        script = self.run_cli("completion", "bash").stdout
        path = os.path.join(self.ws.dir, "crm-index.bash")
        with open(path, "w") as f:
            f.write(script)

        def complete(*words):
            line = " ".join(("crm-index",) + words)
            probe = (f"source {path}; COMP_WORDS=(crm-index {' '.join(words)}); COMP_CWORD={len(words)}; "
                     f"COMP_LINE='{line}'; _crm_index; printf '%s\\n' \"${{COMPREPLY[@]}}\"")
            return subprocess.run(["bash", "-c", probe], capture_output=True, text=True, timeout=30,
                                  check=True).stdout.split()

        self.assertEqual(complete("sy"), ["sync"])
        self.assertIn("--full", complete("sync", "--f"))
        self.assertIn("--json", complete("status", "--j"))
        self.assertEqual(sorted(complete("--log-level", "")), ["debug", "error", "info", "warn"])
        help_text = self.run_cli("--help").stdout
        for command in ("run", "check", "sync", "status", "export", "link", "unlink", "marks", "unmark",
                        "review", "relink", "outputs", "completion"):
            self.assertIn(command, complete(""), command)
            self.assertIn(command, help_text)

        zsh = self.run_cli("completion", "zsh").stdout
        self.assertTrue(zsh.startswith("#compdef crm-index"))
        self.assertIn("'sync:", zsh)
        if shutil.which("zsh"):
            zpath = os.path.join(self.ws.dir, "_crm-index")
            with open(zpath, "w") as f:
                f.write(zsh)
            subprocess.run(["zsh", "-n", zpath], check=True, timeout=30)
        subprocess.run(["bash", "-n", path], check=True, timeout=30)


if __name__ == "__main__":
    unittest.main()
