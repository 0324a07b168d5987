"""End to end: the index's file system fills up, or turns read-only, under the running
daemon (issue #6). Writes must fail with a clear error, the run must show as failed in
/v1/sources (even when the index cannot store that), reads and /healthz must go on, and
the daemon must recover once the file system can be written again, with an index equal
to the CRM and a sound SQLite file.

The index lives on a file system of its own: a 2 MB tmpfs (disk full) or a 16 MB ext4
image on a loop device (read-only). Both need root to mount; where mounting fails the
tests are skipped with a message, never passed.

A plain `mount -o remount,ro` is refused by the kernel ("busy") while the daemon holds the
index open for writing, so a file system turns read-only under a running daemon only the
hard way: ext4 with errors=remount-ro after an error, triggered here through
/sys/fs/ext4/<dev>/trigger_fs_error. Such a file system stays read-only until it is
unmounted and checked, so that test also starts the daemon on a read-only mount (it
refuses with the system's error) and then on the repaired, writable one."""

import json
import os
import shutil
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import (Daemon, Fake, Workspace, assert_index_equals_truth, free_port,  # noqa: E402
                     get_json, log, rest_source, wait_until)

SEEDED = 1000      # fits the small file system with room to spare
CREATED = 4000     # does not: the run that brings these in fills it
SOURCE = "alpha"


def run(*cmd):
    return subprocess.run(list(cmd), capture_output=True, text=True, timeout=60)


def unmount(path):
    """Unmounts `path` if it is a mount point; lazily when it is still busy."""
    if not os.path.ismount(path):
        return
    if run("umount", path).returncode != 0:
        run("umount", "-l", path)


class DiskFaultCase(unittest.TestCase):
    """A fake CRM, a workspace whose index sits on its own small file system (the
    subclass mounts it in mount_disk) and the daemon on a free port."""

    def setUp(self):
        self.daemon = None
        self.ws = Workspace()
        self.mnt = os.path.join(self.ws.dir, "disk")
        os.mkdir(self.mnt)
        try:
            self.mount_disk()
        except BaseException:
            self.ws.cleanup()
            raise
        self.fake = Fake("--records", str(SEEDED), "--seed", "5")
        self.ws.db = os.path.join(self.mnt, "index.db")
        self.port = free_port()
        # Short interval and backoff: the failures and the recovery come within seconds.
        self.ws.write_config(rest_source(SOURCE, self.fake, "cursor"),
                             defaults="  interval: 1s\n  jitter: 0%\n  page_size: 100\n  max_backoff: 1s\n",
                             top=f"api:\n  listen: 127.0.0.1:{self.port}\n")

    def tearDown(self):
        if self.daemon:
            self.daemon.stop()
        self.fake.stop()
        unmount(self.mnt)
        self.ws.cleanup()

    def start_daemon(self):
        self.daemon = Daemon(self.ws)
        self.daemon.wait_ready(self.port)

    def stop_daemon(self):
        """SIGTERM; the daemon must exit 0 (it stops cleanly even while writes fail)."""
        daemon, self.daemon = self.daemon, None
        code = daemon.stop()
        with open(daemon.log_path) as f:
            self.assertEqual(code, 0, f.read()[-5000:])

    def source(self):
        status, body = get_json(self.port, "/v1/sources")
        self.assertEqual(status, 200, body)
        return body["items"][0]

    def wait_for_ok_run(self, records, timeout=30):
        def ok():
            s = self.source()
            run_ = s["last_run"] or {}
            return s["records"] == records and run_.get("status") == "ok" and not s["running"]
        wait_until(ok, timeout, f"an ok run and {records} records")

    def assert_serving(self, at_least):
        """Reads and liveness while writes fail: the records already there, and /healthz."""
        self.assertIsNone(self.daemon.proc.poll(), f"the daemon exited: {self.daemon.output()}")
        status, body = get_json(self.port, "/healthz")
        self.assertEqual(status, 200, body)
        status, body = get_json(self.port, f"/v1/records?source={SOURCE}&limit=1000")
        self.assertEqual(status, 200, body)
        self.assertEqual(len(body["items"]), min(at_least, 1000))
        status, rec = get_json(self.port, f"/v1/records/{SOURCE}/1")
        self.assertEqual(status, 200, rec)

    def wait_for_failures(self, needle, failures, timeout=30):
        """Polls /v1/sources until `failures` consecutive failed runs, the last saying
        `needle`. On every poll: a source that is not running never shows its last run as
        "running" (a run whose end the index could not store shows as failed)."""
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            s = self.source()
            run_ = s["last_run"] or {}
            seen.append((s["consecutive_failures"], run_.get("status"), run_.get("error")))
            if not s["running"] and run_.get("status") == "running":
                # /v1/sources reads the index, then the scheduler: a run that ended in
                # between shows so once. Read again; the same run must not stay so.
                time.sleep(0.3)
                again = self.source()
                self.assertFalse(not again["running"] and (again["last_run"] or {}).get("status") == "running"
                                 and again["last_run"]["id"] == run_["id"],
                                 f"the source is idle but its last run says running: {json.dumps(again)}")
            if s["consecutive_failures"] >= failures and run_.get("status") == "failed" and \
                    needle in (run_.get("error") or ""):
                return s
            time.sleep(0.1)
        self.fail(f"no {failures} failed runs saying {needle!r}: last states {seen[-5:]}\n{self.daemon.output()}")

    def assert_sound_index(self):
        """After the daemon stopped: the index equals the CRM, SQLite finds no damage, and
        no run was left "running" or blamed on a stopped process."""
        assert_index_equals_truth(self, self.ws, self.fake, SOURCE)
        self.assertEqual(self.ws.query("PRAGMA integrity_check"), [("ok",)])
        self.assertEqual(self.ws.query("SELECT count(*) FROM runs WHERE status = 'running'"), [(0,)])
        self.assertEqual(self.ws.query("SELECT count(*) FROM runs WHERE error LIKE '%process stopped%'"), [(0,)])


class DiskFullTest(DiskFaultCase):
    def mount_disk(self):
        r = run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", self.mnt)
        if r.returncode != 0:
            self.skipTest(f"disk-full test needs root to mount a tmpfs: {r.stderr.strip()}")

    def test_disk_full_fails_the_run_keeps_serving_reads_and_recovers(self):
        self.start_daemon()
        self.wait_for_ok_run(SEEDED)
        self.fake.mutate(create=CREATED, seed=9)

        # Several failures: the page commit that no longer fits, then runs whose start
        # cannot even be written; the daemon serves reads all along.
        s = self.wait_for_failures("database or disk is full", failures=3)
        log(f"disk full: {s['last_run']}")
        self.assertGreaterEqual(s["records"], SEEDED)
        self.assert_serving(SEEDED)
        self.assertIn("database or disk is full", self.daemon.output())

        # Space comes back: the next run, by itself, brings in everything.
        r = run("mount", "-o", "remount,size=64m", self.mnt)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.wait_for_ok_run(SEEDED + CREATED, timeout=40)
        self.assertEqual(self.source()["consecutive_failures"], 0)
        self.assert_serving(SEEDED + CREATED)
        self.stop_daemon()
        self.assert_sound_index()
        failed = self.ws.query("SELECT error FROM runs WHERE status = 'failed' "
                               "AND error NOT LIKE 'interrupted: shutting down%'")
        self.assertTrue(failed, "no failed run was stored once space came back")
        for (error,) in failed:
            self.assertIn("database or disk is full", error)


class ReadOnlyTest(DiskFaultCase):
    def mount_disk(self):
        if not shutil.which("mkfs.ext4") or not shutil.which("e2fsck"):
            self.skipTest("read-only test needs mkfs.ext4 and e2fsck (e2fsprogs)")
        self.image = os.path.join(self.ws.dir, "ext4.img")
        with open(self.image, "wb") as f:
            f.truncate(16 * 1024 * 1024)
        r = run("mkfs.ext4", "-q", "-F", self.image)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.mount_image("rw")

    def mount_image(self, mode):
        r = run("mount", "-o", f"loop,{mode},errors=remount-ro", self.image, self.mnt)
        if r.returncode != 0:
            self.skipTest(f"read-only test needs root to mount an ext4 image on a loop device: {r.stderr.strip()}")

    def trigger_path(self):
        with open("/proc/mounts") as f:
            devices = [line.split()[0] for line in f if line.split()[1] == self.mnt]
        path = f"/sys/fs/ext4/{os.path.basename(devices[-1])}/trigger_fs_error" if devices else ""
        if not os.path.exists(path):
            self.skipTest("read-only test needs ext4's trigger_fs_error in /sys/fs/ext4")
        return path

    def test_read_only_file_system_fails_runs_keeps_serving_reads_and_recovers(self):
        trigger = self.trigger_path()
        self.start_daemon()
        self.wait_for_ok_run(SEEDED)

        # ext4 turns the file system read-only under the daemon (errors=remount-ro).
        with open(trigger, "w") as f:
            f.write("crm-index e2e: read-only test")
        self.fake.mutate(create=50, seed=11)
        s = self.wait_for_failures("Read-only file system", failures=2)
        log(f"read-only: {s['last_run']}")
        self.assertEqual(s["records"], SEEDED)
        self.assert_serving(SEEDED)
        self.stop_daemon()

        # The file system stays read-only until it is checked: a daemon started on it
        # refuses with the system's error (systemd's Restart=on-failure tries again).
        unmount(self.mnt)
        r = run("e2fsck", "-fy", self.image)
        self.assertIn(r.returncode, (0, 1), r.stdout + r.stderr)  # 1: errors corrected
        self.mount_image("ro")
        refused = Daemon(self.ws)
        try:
            refused.proc.wait(timeout=20)
        finally:
            refused.stop()
        with open(refused.log_path) as f:
            said = f.read()
        self.assertEqual(refused.proc.returncode, 1, said)
        self.assertIn("Read-only file system", said)

        # Writable again (mounted anew: a loop device set up read-only stays so), the
        # daemon starts and catches up.
        unmount(self.mnt)
        self.mount_image("rw")
        self.start_daemon()
        self.wait_for_ok_run(SEEDED + 50)
        self.stop_daemon()
        self.assert_sound_index()


if __name__ == "__main__":
    unittest.main()
