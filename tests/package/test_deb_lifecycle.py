"""The Debian package's life on a real system: install → start → upgrade → purge.

Installs with dpkg into this machine, so it runs only as root, only when crm-index is not
installed already, and only when CRM_DEB names the .deb to test (scripts/package-test
builds it with scripts/package and runs this). The upgrade is to the same build with a
higher version, repacked with dpkg-deb: what an upgrade tests is the maintainer scripts
and the conffile, which that exercises exactly. There is no systemd here (CI has none as
PID 1), so "start" is the unit's own ExecStart= line run by hand on the installed config.

Needs the fake CRM (CRM_FAKE_BIN) for the source the daemon syncs."""

import glob
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from harness import Fake, free_port, http_get, rest_source, wait_until  # noqa: E402

DEB = os.environ.get("CRM_DEB", "")
CONFIG = "/etc/crm-index/crm-index.yaml"
STATE = "/var/lib/crm-index"
TIMEOUT = 300


def run(*args, check=True):
    r = subprocess.run(list(args), capture_output=True, text=True, timeout=TIMEOUT)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r


def read_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def installed_version():
    r = run("dpkg-query", "-W", "-f=${Status} ${Version}", "crm-index", check=False)
    return r.stdout.split()[-1] if r.returncode == 0 and "install ok installed" in r.stdout else None


def why_skipped():
    if not DEB:
        return "CRM_DEB is not set (scripts/package-test sets it)"
    if os.geteuid() != 0:
        return "not root: dpkg -i needs root"
    if installed_version():
        return "crm-index is installed on this machine already; not touching it"
    return None


def repack_with_version(deb, version, out_dir):
    tree = os.path.join(out_dir, "tree")
    run("dpkg-deb", "-R", deb, tree)
    control = os.path.join(tree, "DEBIAN", "control")
    with open(control, encoding="utf-8") as f:
        lines = [f"Version: {version}" if l.startswith("Version:") else l for l in f.read().split("\n")]
    with open(control, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    out = os.path.join(out_dir, f"crm-index_{version}.deb")
    run("dpkg-deb", "--root-owner-group", "-b", tree, out)
    return out


def exec_start():
    with open("/lib/systemd/system/crm-index.service", encoding="utf-8") as f:
        for line in f:
            if line.startswith("ExecStart="):
                return line[len("ExecStart="):].split()
    raise AssertionError("the installed unit has no ExecStart=")


@unittest.skipIf(why_skipped(), f"package lifecycle skipped: {why_skipped()}")
class DebLifecycleTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="crm-deb-")
        self.fake = Fake("--seed", "7", "--records", "120")
        self.port = free_port()

    def tearDown(self):
        self.fake.stop()
        if installed_version():
            run("dpkg", "--purge", "crm-index", check=False)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def start_daemon(self):
        cmd = exec_start()
        self.assertEqual(cmd[0], "/usr/bin/crm-index")
        log = open(os.path.join(self.tmp, f"daemon-{time.monotonic_ns()}.log"), "w")
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        def ready():
            if proc.poll() is not None:
                raise AssertionError(f"the installed daemon exited {proc.returncode}")
            try:
                return http_get(self.port, "/readyz")[0] == 200
            except OSError:
                return False
        wait_until(ready, 30, "the installed daemon ready")
        return proc, log

    def stop_daemon(self, proc, log):
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=60), 0)
        log.close()

    def records(self):
        with sqlite3.connect(f"file:{STATE}/index.db?mode=ro", uri=True) as db:
            return db.execute("SELECT count(*) FROM records WHERE deleted_ms IS NULL").fetchone()[0]

    def test_install_start_upgrade_purge(self):
        # Install: the daemon, the unit (installed, not enabled), the man pages, the conffile.
        run("dpkg", "-i", DEB)
        first = installed_version()
        self.assertIsNotNone(first)
        for path in ("/usr/bin/crm-index", "/lib/systemd/system/crm-index.service",
                     "/usr/share/man/man1/crm-index.1.gz", "/usr/share/man/man5/crm-index.yaml.5.gz",
                     "/usr/share/doc/crm-index/copyright", CONFIG):
            self.assertTrue(os.path.exists(path), path)
        conffiles = run("dpkg-query", "-W", "-f=${Conffiles}", "crm-index").stdout
        self.assertIn(CONFIG, conffiles)
        self.assertEqual(glob.glob("/etc/systemd/system/*.wants/crm-index.service"), [],
                         "the service must not be enabled before it has a config")
        self.assertIn("crm-index check", run("man", "-P", "cat", "crm-index", check=False).stdout
                      or run("zcat", "/usr/share/man/man1/crm-index.1.gz").stdout)

        # Start: the operator writes the config, and the unit's command runs on it.
        os.makedirs(STATE, exist_ok=True)
        with open(CONFIG, "w", encoding="utf-8") as f:
            f.write(f"database: {STATE}/index.db\napi:\n  listen: 127.0.0.1:{self.port}\n"
                    "defaults:\n  interval: 1h\nsources:\n" + rest_source("legacy", self.fake))
        edited = read_text(CONFIG)
        run("/usr/bin/crm-index", "check")
        proc, log = self.start_daemon()
        wait_until(lambda: os.path.exists(f"{STATE}/index.db") and self.records() == 120, 60,
                   "the first sync of 120 records")
        self.stop_daemon(proc, log)

        # Upgrade: the edited conffile and the index stay, and the daemon runs on them.
        newer = repack_with_version(DEB, first + "+1", self.tmp)
        run("dpkg", "-i", "--force-confnew", newer)
        self.assertEqual(installed_version(), first + "+1")
        self.assertEqual(read_text(CONFIG), edited)
        self.assertEqual(self.records(), 120)
        proc, log = self.start_daemon()
        status = run("/usr/bin/crm-index", "status", "--json", check=False)
        self.assertIn('"legacy"', status.stdout)
        self.stop_daemon(proc, log)

        # Remove keeps the config and the index; purge takes both.
        run("dpkg", "--remove", "crm-index")
        self.assertFalse(os.path.exists("/usr/bin/crm-index"))
        self.assertTrue(os.path.exists(CONFIG))
        self.assertTrue(os.path.exists(f"{STATE}/index.db"))
        run("dpkg", "--purge", "crm-index")
        self.assertIsNone(installed_version())
        self.assertFalse(os.path.exists("/etc/crm-index"))
        self.assertFalse(os.path.exists(STATE))


if __name__ == "__main__":
    unittest.main(verbosity=2)
