"""A real nats-server (Debian's, JetStream on) for the events tests, and a small reader of
its streams over the NATS text protocol: enough to ask JetStream's API for a stream's
state and its messages. Test code only: the daemon speaks NATS through libnats.

Standard library only; 127.0.0.1 only; every wait is bounded."""

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import time

NATS_SERVER = os.environ.get("NATS_SERVER_BIN", shutil.which("nats-server") or "/usr/bin/nats-server")


class NatsServer:
    """nats-server -js on 127.0.0.1:port with its store in `store_dir`; stop() and start()
    again keep the port and the stored streams (an outage, not a new server)."""

    def __init__(self, port, store_dir, token=None, extra=(), wait=True):
        """`extra`: more nats-server arguments (a cluster node's); wait=False: start() does
        not wait for JetStream (a cluster node's needs its peers: see wait_ready)."""
        self.port = port
        self.store_dir = store_dir
        self.token = token
        self.extra = list(extra)
        self.wait = wait
        self.proc = None
        os.makedirs(store_dir, exist_ok=True)
        self.log_path = os.path.join(store_dir, f"nats-{port}.log")
        self.start()

    @property
    def url(self):
        return f"nats://127.0.0.1:{self.port}"

    def start(self, timeout=20):
        args = [NATS_SERVER, "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", self.store_dir]
        if self.token:
            args += ["--auth", self.token]
        args += self.extra
        self.log = open(self.log_path, "a")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        if self.wait:
            self.wait_ready(timeout)

    def wait_ready(self, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nats-server exited with {self.proc.returncode}")
            try:
                with NatsProbe(self.port, token=self.token) as probe:
                    probe.ping()
                    if probe.jetstream_ready():
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"nats-server not ready within {timeout}s")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.proc:
            self.log.close()
        self.proc = None


class NatsProbe:
    """One NATS connection that sends requests and reads their replies."""

    def __init__(self, port, token=None, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        self.timeout = timeout
        line = self._line()
        if not line.startswith(b"INFO "):
            raise OSError(f"not a NATS server: {line[:80]!r}")
        connect = {"verbose": False, "pedantic": False, "headers": True, "no_responders": True, "protocol": 1,
                   "lang": "python-probe", "version": "0"}
        if token:
            connect["auth_token"] = token
        self._send(b"CONNECT " + json.dumps(connect).encode() + b"\r\n")
        self._send(b"SUB _INBOX.probe 1\r\n")
        self.ping()
        self.n = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()

    def _send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise OSError("NATS connection closed")
        self.buf += chunk

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def ping(self):
        self._send(b"PING\r\n")
        while True:
            line = self._line()
            if line == b"PONG":
                return
            if line.startswith(b"-ERR"):
                raise OSError(line.decode(errors="replace"))
            if line == b"PING":
                self._send(b"PONG\r\n")

    def request(self, subject, payload=b""):
        """The reply's payload (JSON decoded), or None for a no-responders status."""
        if isinstance(payload, (dict, list)):
            payload = json.dumps(payload).encode()
        self._send(f"PUB {subject} _INBOX.probe {len(payload)}\r\n".encode() + payload + b"\r\n")
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            line = self._line()
            if line == b"PING":
                self._send(b"PONG\r\n")
            elif line.startswith(b"MSG "):
                size = int(line.split()[-1])
                return json.loads(self._exact(size))
            elif line.startswith(b"HMSG "):
                parts = line.split()
                hdr_len, total = int(parts[-2]), int(parts[-1])
                data = self._exact(total)
                if b" 503" in data[:hdr_len]:
                    return None
                return json.loads(data[hdr_len:]) if total > hdr_len else None
            elif line.startswith(b"-ERR"):
                raise OSError(line.decode(errors="replace"))
        raise OSError(f"no reply to {subject} within {self.timeout}s")

    def jetstream_ready(self):
        reply = self.request("$JS.API.INFO")
        return reply is not None and "error" not in reply

    def stream_info(self, stream):
        """None when the stream does not exist."""
        reply = self.request(f"$JS.API.STREAM.INFO.{stream}")
        if reply is None or "error" in reply:
            return None
        return reply

    def last_for_subject(self, stream, subject):
        """The data (bytes) of the subject's last message in the stream, or None."""
        reply = self.request(f"$JS.API.STREAM.MSG.GET.{stream}", {"last_by_subj": subject})
        if reply is None or "error" in reply:
            return None
        return base64.b64decode(reply["message"].get("data", ""))

    def messages(self, stream):
        """Every message of the stream: dicts with seq, subject, headers (dict) and data (bytes)."""
        info = self.stream_info(stream)
        if info is None:
            return []
        state = info["state"]
        out = []
        if state["messages"] == 0:
            return out
        for seq in range(state["first_seq"], state["last_seq"] + 1):
            reply = self.request(f"$JS.API.STREAM.MSG.GET.{stream}", {"seq": seq})
            if reply is None or "error" in reply:
                continue  # removed (max_age) or never stored at this seq
            m = reply["message"]
            headers = {}
            if m.get("hdrs"):
                for hl in base64.b64decode(m["hdrs"]).decode().split("\r\n")[1:]:
                    if ":" in hl:
                        k, v = hl.split(":", 1)
                        headers[k.strip()] = v.strip()
            out.append({"seq": m["seq"], "subject": m["subject"], "headers": headers,
                        "data": base64.b64decode(m.get("data", ""))})
        return out


class NatsCluster:
    """A JetStream cluster of `size` nats-server processes on 127.0.0.1, each with its own
    client port, cluster (route) port and store; node(i).stop() / start() is one node's
    outage. Ready once every node answers JetStream's API (a meta leader is elected)."""

    def __init__(self, store_dir, ports, route_ports, name="crm-test"):
        self.nodes = []
        routes = ",".join(f"nats://127.0.0.1:{p}" for p in route_ports)
        for i, (port, route) in enumerate(zip(ports, route_ports)):
            extra = ["--cluster", f"nats://127.0.0.1:{route}", "--routes", routes, "--cluster_name", name,
                     "-n", f"n{i + 1}"]
            self.nodes.append(NatsServer(port, os.path.join(store_dir, f"n{i + 1}"), extra=extra, wait=False))
        for node in self.nodes:
            node.wait_ready(timeout=60)

    @property
    def urls(self):
        return [n.url for n in self.nodes]

    def stop(self):
        for node in self.nodes:
            node.stop()
