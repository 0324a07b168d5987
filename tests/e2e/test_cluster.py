"""Beyond one machine (issue #23, platform.md): two pollers and two replicas around a real
3-node JetStream cluster (Debian's nats-server with --cluster and --routes, on loopback),
over two simulated CRMs.

- each source is synced by one poller at a time (its lease in crm-index-leases);
- both replicas equal the CRMs' truth after mutations, deletions included;
- SIGKILL of the poller that holds a source: the other takes it within lease_ttl plus one
  interval, and the replicas keep equalling the truth;
- one NATS node stopped: nothing is lost;
- a mark made on one replica's API (POST /v1/marks) is in force on every replica, the
  late one too, and taken back on another (DELETE) it is gone from all;
- a replica started late is ready (readyz) only once it has caught up, and then equals
  the truth;
- a bad cluster block makes `check` exit 2 with file:line:col."""

import base64
import os
import re
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import (Daemon, Fake, Workspace, assert_same_records, comparable, free_port,  # noqa: E402
                     http_get, log, rest_source, wait_until)
from nats_probe import NatsCluster, NatsProbe  # noqa: E402

LEASE_TTL = 3
INTERVAL = 1
SOURCES = ("alpha", "beta")
ALICE = "alice-write-token-0123456789"


def request(port, method, path, body=None):
    """(status, parsed JSON or None) of one request with alice's write token."""
    import http.client
    import json
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Authorization": f"Bearer {ALICE}"}
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        con.request(method, path, body=data, headers=headers)
        resp = con.getresponse()
        raw = resp.read()
        return resp.status, json.loads(raw) if raw else None
    finally:
        con.close()


class Node:
    """One crm-index process of the cluster, with its own workspace, index and API port."""

    def __init__(self, name, role, nats_urls, fakes):
        self.name, self.role = name, role
        self.ws = Workspace()
        self.port = free_port()
        sources = "".join(rest_source(s, fakes[s]) for s in SOURCES) if role == "poller" else ""
        with open(os.path.join(self.ws.dir, "alice-token"), "w") as f:
            f.write(ALICE + "\n")
        os.chmod(os.path.join(self.ws.dir, "alice-token"), 0o600)
        top = (f"api:\n  listen: 127.0.0.1:{self.port}\n"
               "  write_tokens:\n    - { name: alice, token_file: alice-token }\n"
               f"cluster:\n  servers: [{', '.join(nats_urls)}]\n  role: {role}\n  name: {name}\n"
               f"  lease_ttl: {LEASE_TTL}s\n")
        self.ws.write_config(sources, defaults=f"  interval: {INTERVAL}s\n  jitter: 0\n  full_sync_every: 2s\n",
                             top=top)
        self.daemon = Daemon(self.ws)

    def metrics(self):
        status, _, body = http_get(self.port, "/metrics")
        return body.decode() if status == 200 else ""

    def holds(self, source):
        try:
            text = self.metrics()
        except OSError:
            return False
        return re.search(r'^crm_index_cluster_lease_held\{source="%s"\} 1$' % source, text, re.M) is not None

    def ready(self):
        try:
            return http_get(self.port, "/readyz")[0] == 200
        except OSError:
            return False

    def stop(self):
        self.daemon.stop()
        self.ws.cleanup()


class ClusterTest(unittest.TestCase):
    def setUp(self):
        self.scratch = Workspace()
        ports = [free_port() for _ in range(3)]
        routes = [free_port() for _ in range(3)]
        self.nats = NatsCluster(os.path.join(self.scratch.dir, "nats"), ports, routes)
        self.fakes = {"alpha": Fake("--records", "400", "--seed", "31"),
                      "beta": Fake("--records", "250", "--seed", "32")}
        self.nodes = {}

    def tearDown(self):
        for node in self.nodes.values():
            node.stop()
        for fake in self.fakes.values():
            fake.stop()
        self.nats.stop()
        self.scratch.cleanup()

    def start(self, name, role):
        node = Node(name, role, self.nats.urls, self.fakes)
        self.nodes[name] = node
        return node

    def replica_differences(self, node):
        """'' when the replica's index equals both CRMs' truth, else what differs."""
        for source in SOURCES:
            truth = {k: comparable(v) for k, v in self.fakes[source].truth().items()}
            try:
                index = {k: comparable(v) for k, v in node.ws.exported(source).items()}
                assert_same_records(self, truth, index)
            except AssertionError as e:
                return f"{node.name}/{source}: {str(e)[:300]}"
        return ""

    def wait_replicas_equal_truth(self, replicas, timeout, what):
        last = {}

        def equal():
            for r in replicas:
                last[r.name] = self.replica_differences(r)
            return all(not d for d in last.values())

        try:
            wait_until(equal, timeout, what, interval=0.5)
        except AssertionError:
            self.fail(f"{what}: {last}")

    def marks(self, node):
        status, body = request(node.port, "GET", "/v1/marks")
        self.assertEqual(status, 200, body)
        return {frozenset((m["a"], m["b"])): m for m in body["items"]}

    def customer_of(self, node, ref):
        source, external_id = ref.split(":", 1)
        status, body = request(node.port, "GET", f"/v1/records/{source}/{external_id}")
        return body["customer_id"] if status == 200 else None

    def holders(self, source):
        return [n.name for n in self.nodes.values() if n.role == "poller" and n.holds(source)]

    def test_pollers_and_replicas(self):
        a, b = self.start("poller-a", "poller"), self.start("poller-b", "poller")
        r1, r2 = self.start("replica-1", "replica"), self.start("replica-2", "replica")
        for node in (a, b, r1, r2):
            node.daemon.wait_ready(node.port, timeout=60)
        self.wait_replicas_equal_truth([r1, r2], 90, "both replicas equal the truth after the first syncs")

        # One poller per source, looked at several times over two lease periods.
        for _ in range(6):
            for source in SOURCES:
                self.assertEqual(len(self.holders(source)), 1, f"{source} held by {self.holders(source)}")
            time.sleep(1)

        # A mark made on one replica is in force on both, with the same pair, verdict and author.
        a_ref, b_ref = "alpha:" + sorted(self.fakes["alpha"].truth())[0], "beta:" + sorted(self.fakes["beta"].truth())[0]
        status, mark = request(r1.port, "POST", "/v1/marks", {"op": "link", "a": a_ref, "b": b_ref, "note": "same"})
        self.assertEqual(status, 201, mark)
        pair = frozenset((a_ref, b_ref))
        for r in (r1, r2):
            wait_until(lambda: pair in self.marks(r), 20, f"the mark on {r.name}")
            m = self.marks(r)[pair]
            self.assertEqual((m["op"], m["by"], m["note"]), ("link", "alice", "same"))
            wait_until(lambda: self.customer_of(r, a_ref) == self.customer_of(r, b_ref) is not None, 20,
                       f"the marked pair in one customer on {r.name}")
        # ... and a mark on a record no replica holds is refused by every one of them alike.
        status, body = request(r2.port, "POST", "/v1/marks", {"op": "link", "a": a_ref, "b": "beta:no-such-id"})
        self.assertEqual(status, 404, body)

        for i, fake in enumerate(self.fakes.values()):
            fake.mutate(update=40, create=15, delete=8, seed=100 + i)
        self.wait_replicas_equal_truth([r1, r2], 60, "both replicas equal the truth after mutations")

        # SIGKILL the poller that holds alpha: the other takes it within lease_ttl + one interval.
        holder = self.nodes[self.holders("alpha")[0]]
        other = b if holder is a else a
        holder.daemon.signal(signal.SIGKILL)
        holder.daemon.proc.wait(timeout=10)
        killed = time.monotonic()
        wait_until(lambda: other.holds("alpha") and other.holds("beta"), LEASE_TTL + INTERVAL + 10,
                   "the other poller takes the killed one's sources")
        took = time.monotonic() - killed
        log(f"sources taken over {took:.1f}s after the SIGKILL (lease_ttl {LEASE_TTL}s, interval {INTERVAL}s)")
        # The metric is scraped once a lease round: allow that round (lease_ttl / 3) and the scrape.
        self.assertLessEqual(took, LEASE_TTL + INTERVAL + LEASE_TTL / 3 + 2)
        for i, fake in enumerate(self.fakes.values()):
            fake.mutate(update=30, create=10, delete=5, seed=200 + i)
        self.wait_replicas_equal_truth([r1, r2], 60, "the replicas equal the truth after the takeover")

        # One NATS node down: nothing is lost.
        self.nats.nodes[0].stop()
        for i, fake in enumerate(self.fakes.values()):
            fake.mutate(update=30, create=10, delete=5, seed=300 + i)
        self.wait_replicas_equal_truth([r1, r2], 90, "the replicas equal the truth with one NATS node down")
        self.nats.nodes[0].start()

        # A replica started late is ready only once caught up, and then equals the truth.
        r3 = self.start("replica-3", "replica")
        wait_until(r3.ready, 60, "the late replica to be ready")
        differences = self.replica_differences(r3)
        self.assertEqual(differences, "", "the late replica is ready before it caught up\n" + self.explain(r3, r1))
        wait_until(lambda: pair in self.marks(r3), 20, "the mark on the late replica")

        # Taken back on another replica than the one it was made on: gone from all.
        status, body = request(r2.port, "DELETE", f"/v1/marks/{self.marks(r2)[pair]['id']}")
        self.assertEqual(status, 204, body)
        for r in (r1, r2, r3):
            wait_until(lambda: pair not in self.marks(r), 20, f"the mark gone from {r.name}")

    def explain(self, late, early):
        """For the records where the late replica and the truth differ: the stream's last
        state of each, and both replicas' rows."""
        out = []
        for source in SOURCES:
            truth = self.fakes[source].truth()
            index = late.ws.exported(source)
            for ext in sorted(set(truth) ^ set(index))[:3]:
                token = base64.urlsafe_b64encode(ext.encode()).decode().rstrip("=")
                with NatsProbe(self.nats.nodes[1].port) as probe:
                    last = probe.last_for_subject("CRM_RECORDS", f"crm-index.rec.{source}.{token}")
                rows = [n.ws.query("SELECT r.external_id, r.deleted_ms, r.changed_ms FROM records r JOIN sources s "
                                   "ON s.id = r.source_id WHERE s.name = ? AND r.external_id = ?", source, ext)
                        for n in (late, early)]
                out.append(f"{source}/{ext}: in truth {ext in truth}; stream {last!r}; late {rows[0]}; "
                           f"early {rows[1]}")
        return "\n".join(out)

    def test_bad_cluster_block(self):
        ws = Workspace()
        try:
            ws.write_config("", top="cluster:\n  servers: [http://127.0.0.1:4222]\n  role: leader\n"
                                    "  lease_ttl: 1s\n  nmae: x\n")
            r = ws.run("check", "--config", ws.config)
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            for expected in (r":3:\d+: .*servers", r":4:\d+: .*role.*poller", r":5:\d+: .*lease_ttl",
                             r":6:\d+: .*nmae.*name", r"cluster.*name"):
                self.assertRegex(r.stderr, expected)
        finally:
            ws.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
