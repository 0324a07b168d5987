"""Install rules: `cmake --install` puts exactly the daemon, its unit and its docs in place
(never crm-fake or the tests), with the unit's ExecStart= rewritten for the prefix. The
Debian package, built through these rules by debian/rules, has its own test:
scripts/package-test (tests/package/).

Standard library only. Works on the build tree that holds CRM_INDEX_BIN; everything is
written to a temp dir, nothing into the build or source tree. Skipped, with the reason
printed, where cmake or the build tree is missing. Takes a few seconds."""

import os
import shutil
import subprocess
import tempfile
import unittest

SOURCE_DIR = os.environ.get("CRM_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
CRM_INDEX = os.environ.get("CRM_INDEX_BIN", os.path.join(SOURCE_DIR, "build", "crm-index"))
BUILD_DIR = os.path.dirname(os.path.abspath(CRM_INDEX))
TIMEOUT = 120


def missing_tools():
    tools = [t for t in ("cmake",) if shutil.which(t) is None]
    if not os.path.exists(os.path.join(BUILD_DIR, "cmake_install.cmake")):
        tools.append(f"a configured build tree at {BUILD_DIR}")
    if not os.access(CRM_INDEX, os.X_OK):
        tools.append(f"the built binary {CRM_INDEX}")
    return tools


def run(*args, cwd=None):
    r = subprocess.run(list(args), capture_output=True, text=True, timeout=TIMEOUT, cwd=cwd)
    if r.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r.stdout


def files_under(root):
    out = set()
    for d, _, names in os.walk(root):
        for n in names:
            out.add(os.path.relpath(os.path.join(d, n), root))
    return out


@unittest.skipIf(missing_tools(), f"packaging checks skipped: missing {', '.join(missing_tools())}")
class PackageTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="crm-package-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_install_puts_the_daemon_unit_and_docs_in_place(self):
        prefix = os.path.join(self.tmp, "prefix")
        run("cmake", "--install", BUILD_DIR, "--prefix", prefix)
        files = files_under(prefix)
        for want in ("bin/crm-index", "lib/systemd/system/crm-index.service",
                     "share/doc/crm-index/README.md", "share/doc/crm-index/operations.md",
                     "share/doc/crm-index/examples/example.yaml"):
            self.assertIn(want, files)
        self.assertEqual({f for f in files if f.startswith("bin/")}, {"bin/crm-index"})
        strays = [f for f in files if not f.startswith(("bin/", "lib/systemd/system/", "share/doc/crm-index/"))]
        self.assertEqual(strays, [])
        self.assertFalse([f for f in files if "crm-fake" in f or "unit-tests" in f or f.endswith(".py")])

        with open(os.path.join(prefix, "lib/systemd/system/crm-index.service"), encoding="utf-8") as f:
            unit = f.read()
        self.assertIn(f"ExecStart={prefix}/bin/crm-index run --config /etc/crm-index/crm-index.yaml\n", unit)
        self.assertIn(f"Documentation=file:{prefix}/share/doc/crm-index/operations.md\n", unit)


if __name__ == "__main__":
    unittest.main()
