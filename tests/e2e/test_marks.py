"""End to end: people act (platform.md "People act"). Two fake CRMs share people; the real
daemon links them. A person holding a write token takes two records apart and joins two
others over HTTP, takes a mark back, and every other caller is refused: a read token or
none gets 403, a wrong token 401, any other route 405. Every customer carries its summary
(distinct e-mails, E.164 phones, companies, the name by linking.survivorship), the list
counts and facets every match and sorts by name or last change, and a source's runs are
listed for the page's chart. A reload changes the write tokens and the survivorship."""

import http.client
import json
import os
import re
import signal
import sys
import unicodedata
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, Fake, Workspace, free_port, get_json, rest_source, wait_until  # noqa: E402

SHARED = 8
RECORDS = 40
READ = "read-token-0123456789"
ALICE = "alice-write-token-0123456789"
BOB = "bob-write-token-0123456789"


def request(port, method, path, token=None, body=None, content_type="application/json"):
    """(status, headers, parsed JSON or None) of one request to the daemon."""
    headers = {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        headers["Content-Type"] = content_type
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        con.request(method, path, body=data, headers=headers)
        resp = con.getresponse()
        raw = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, json.loads(raw) if raw else None
    finally:
        con.close()


HAND_FOLDED = str.maketrans({"ł": "l", "ø": "o", "æ": "ae", "đ": "d", "ß": "ss", "ı": "i", "œ": "oe", "þ": "th",
                             "ð": "d", "'": None, "’": None})


def folded(name):
    """Names as the index compares them (core/text_fold.h): accents and case aside."""
    text = "".join(c for c in unicodedata.normalize("NFKD", name or "") if not unicodedata.combining(c))
    text = text.casefold().translate(HAND_FOLDED)
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


class MarksTest(unittest.TestCase):
    def setUp(self):
        self.fakes = {name: Fake("--records", str(RECORDS), "--seed", str(seed), "--shared-people", str(SHARED))
                      for name, seed in (("eu", 1), ("us", 2))}
        self.ws = Workspace()
        self.port = free_port()
        for name, token in (("read", READ), ("alice", ALICE), ("bob", BOB)):
            path = os.path.join(self.ws.dir, f"{name}-token")
            with open(path, "w") as f:
                f.write(token + "\n")
            os.chmod(path, 0o600)
        self.write_config(["alice"], ["us", "eu"])
        self.daemon = Daemon(self.ws)
        self.daemon.wait_ready(self.port)
        wait_until(lambda: self.get("/v1/customers?min_members=2")["items"], 60, "linked customers")

    def tearDown(self):
        self.daemon.stop()
        for f in self.fakes.values():
            f.stop()
        self.ws.cleanup()

    def write_config(self, writers, priority):
        sources = "".join(rest_source(name, fake, extra="    phone_region: DE\n") for name, fake in self.fakes.items())
        tokens = "".join(f"    - {{ name: {w}, token_file: {w}-token }}\n" for w in writers)
        self.ws.write_config(sources, defaults="  interval: 1s\n  jitter: 0\n",
                             top=f"api:\n  listen: 127.0.0.1:{self.port}\n  token_file: read-token\n"
                                 f"  write_tokens:\n{tokens}"
                                 f"linking:\n  survivorship: {{ name: [{', '.join(priority)}] }}\n")

    def get(self, path, token=READ):
        status, body = get_json(self.port, path, headers={"Authorization": f"Bearer {token}"})
        self.assertEqual(status, 200, body)
        return body

    def customer_of(self, ref):
        source, external_id = ref.split(":", 1)
        return self.get(f"/v1/records/{source}/{external_id}")["customer_id"]

    def a_linked_pair(self):
        c = self.get("/v1/customers?min_members=2&source=eu")["items"][0]
        refs = {m["source"]: f'{m["source"]}:{m["external_id"]}' for m in c["members"]}
        return c, refs["eu"], refs["us"]

    def test_marks_over_http_take_effect_at_once_and_only_for_write_tokens(self):
        _, eu, us = self.a_linked_pair()
        unlink = {"op": "unlink", "a": eu, "b": us, "note": "two people, one family"}

        # Who may write: a write token only.
        status, _, body = request(self.port, "POST", "/v1/marks", READ, unlink)
        self.assertEqual((status, body["error"]["code"]), (403, "forbidden"), body)
        status, _, body = request(self.port, "POST", "/v1/marks", None, unlink)
        self.assertEqual(status, 403, body)
        status, hdrs, body = request(self.port, "POST", "/v1/marks", "not-a-token", unlink)
        self.assertEqual(status, 401, body)
        status, hdrs, body = request(self.port, "POST", "/v1/records", ALICE, unlink)
        self.assertEqual((status, body["error"]["code"]), (405, "method_not_allowed"), body)
        self.assertEqual(hdrs["allow"], "GET, HEAD")
        status, hdrs, _ = request(self.port, "PUT", "/v1/marks", ALICE, unlink)
        self.assertEqual((status, hdrs["allow"]), (405, "GET, HEAD, POST"))
        self.assertEqual(self.customer_of(eu), self.customer_of(us), "a refused write changed nothing")

        # What is refused as a mark.
        for body_sent, code in ((b"{not json", 400), ({"op": "merge", "a": eu, "b": us}, 400),
                                ({"op": "link", "a": eu}, 400), ({"op": "link", "a": eu, "b": us, "x": 1}, 400),
                                ({"op": "link", "a": eu, "b": eu}, 400), ({"op": "link", "a": eu, "b": "us:nope"}, 404),
                                ({"op": "link", "a": "nowhere", "b": us}, 400)):
            status, _, body = request(self.port, "POST", "/v1/marks", ALICE, body_sent)
            self.assertEqual(status, code, (body_sent, body))
            self.assertIn("error", body)
        status, _, _ = request(self.port, "POST", "/v1/marks", ALICE, "op=link", content_type="text/plain")
        self.assertEqual(status, 415)

        # A write token's mark: 201 with the mark, by the token's name, in force at once.
        status, hdrs, mark = request(self.port, "POST", "/v1/marks", ALICE, unlink)
        self.assertEqual(status, 201, mark)
        self.assertEqual((mark["op"], mark["a"], mark["b"], mark["by"], mark["note"]),
                         ("unlink", eu, us, "alice", "two people, one family"))
        self.assertEqual(hdrs["location"], f'/v1/marks/{mark["id"]}')
        self.assertNotEqual(self.customer_of(eu), self.customer_of(us))
        self.assertEqual(self.get("/v1/marks")["items"], [mark])
        self.assertEqual(self.get("/v1/marks", token=ALICE)["items"], [mark], "a write token reads too")
        changes = self.get("/v1/changes?limit=1000")["items"]
        ev = [c for c in changes if c["op"] == "unlink"]
        self.assertEqual(len(ev), 1)
        self.assertEqual((ev[0]["mark"]["id"], ev[0]["mark"]["by"]), (mark["id"], "alice"))

        # It survives the re-syncs that follow.
        runs = lambda: self.get("/v1/sources/eu/runs?limit=50")["items"]  # noqa: E731
        before = len(runs())
        wait_until(lambda: len(runs()) >= before + 2, 30, "two more runs of eu")
        self.assertNotEqual(self.customer_of(eu), self.customer_of(us))

        # Taken back: the rules link the pair again; the feed says who took it back.
        status, _, body = request(self.port, "DELETE", f'/v1/marks/{mark["id"]}', READ)
        self.assertEqual(status, 403, body)
        status, _, body = request(self.port, "DELETE", f'/v1/marks/{mark["id"]}', ALICE)
        self.assertEqual(status, 204, body)
        self.assertEqual(self.customer_of(eu), self.customer_of(us))
        self.assertEqual(self.get("/v1/marks")["items"], [])
        gone = [c for c in self.get("/v1/changes?limit=1000")["items"] if c["op"] == "mark_deleted"]
        self.assertEqual(len(gone), 1)
        self.assertEqual(gone[0]["mark"]["removed_by"], "alice")
        self.assertIsNotNone(gone[0]["mark"]["removed_at"])
        status, _, body = request(self.port, "DELETE", f'/v1/marks/{mark["id"]}', ALICE)
        self.assertEqual((status, body["error"]["code"]), (404, "not_found"))
        status, _, body = request(self.port, "DELETE", "/v1/marks/abc", ALICE)
        self.assertEqual(status, 400)

        # A link mark joins two records no rule joins.
        loners = [c for c in self.get("/v1/customers?max_members=1&limit=200")["items"]]
        a = next(c["members"][0] for c in loners if c["members"][0]["source"] == "eu")
        b = next(c["members"][0] for c in loners if c["members"][0]["source"] == "us")
        ra, rb = f'eu:{a["external_id"]}', f'us:{b["external_id"]}'
        status, _, joined = request(self.port, "POST", "/v1/marks", ALICE, {"op": "link", "a": ra, "b": rb})
        self.assertEqual(status, 201, joined)
        self.assertEqual(self.customer_of(ra), self.customer_of(rb))
        self.assertEqual(joined["note"], "")

    def test_summary_counts_sorting_runs_and_a_reload(self):
        c, eu, us = self.a_linked_pair()
        s = c["summary"]
        # The shared person: one mailbox written with other capitals, one number written
        # nationally in one CRM and internationally in the other.
        self.assertEqual(len(s["emails"]), 1, s)
        self.assertEqual(sorted(f'{r["source"]}:{r["external_id"]}' for r in s["emails"][0]["from"]), [eu, us])
        self.assertEqual(s["emails"][0]["value"], s["emails"][0]["value"].lower())
        self.assertEqual(len(s["phones"]), 1, s)
        self.assertTrue(s["phones"][0]["value"].startswith("+49"), s)
        self.assertIsNotNone(s["updated_at"])
        # survivorship [us, eu]: the us member names the customer.
        self.assertIn({"source": "us", "external_id": us.split(":", 1)[1]}, s["name"]["from"])
        self.assertEqual(c["name"], s["name"]["value"])
        one = self.get(f'/v1/customers/{c["id"]}')
        self.assertEqual(one["summary"], s)

        # Counts of every match, on the first page; facets by source and by members.
        everyone = self.get("/v1/customers?limit=1000")
        self.assertEqual(everyone["total"], len(everyone["items"]))
        first = self.get("/v1/customers?limit=5")
        self.assertEqual(first["total"], everyone["total"])
        self.assertIsNone(self.get(f'/v1/customers?limit=5&after={first["next"]}')["total"])
        by_source = {f["value"]: f["count"] for f in first["facets"]["source"]}
        for name in ("eu", "us"):
            expect = sum(1 for i in everyone["items"] if any(m["source"] == name and not m["deleted_at"]
                                                             for m in i["members"]))
            self.assertEqual(by_source[name], expect)
        by_members = {f["value"]: f["count"] for f in first["facets"]["members"]}
        self.assertEqual(sum(by_members.values()), everyone["total"])
        self.assertEqual(by_members[2], len(self.get("/v1/customers?min_members=2&max_members=2&limit=1000")["items"]))
        only_eu = self.get("/v1/customers?source=eu&limit=1000")
        self.assertEqual(only_eu["total"], by_source["eu"])

        # Sorted by name (case aside) and by the latest change, page by page.
        for sort, key, reverse in (("name", lambda i: folded(i["name"]), False),
                                   ("-changed", lambda i: i["changed_at"], True)):
            seen, after = [], None
            for _ in range(40):
                page = self.get(f"/v1/customers?sort={sort}&limit=7" + (f"&after={after}" if after else ""))
                seen += page["items"]
                after = page["next"]
                if not after:
                    break
            self.assertEqual(len(seen), everyone["total"], sort)
            self.assertEqual(len({i["id"] for i in seen}), len(seen), sort)
            keys = [key(i) for i in seen]
            self.assertEqual(keys, sorted(keys, reverse=reverse), sort)
        token = self.get("/v1/customers?sort=name&limit=3")["next"]
        status, body = get_json(self.port, f"/v1/customers?after={token}", {"Authorization": f"Bearer {READ}"})
        self.assertEqual((status, body["error"]["code"]), (400, "invalid_parameter"))
        status, body = get_json(self.port, "/v1/customers?sort=size", {"Authorization": f"Bearer {READ}"})
        self.assertEqual(status, 400)

        # A source's runs, newest first, with their duration; an unknown source is 404.
        runs = self.get("/v1/sources/eu/runs?limit=3")["items"]
        self.assertTrue(1 <= len(runs) <= 3)
        self.assertEqual([r["id"] for r in runs], sorted((r["id"] for r in runs), reverse=True))
        self.assertTrue(all(r["duration_s"] is None or r["duration_s"] >= 0 for r in runs))
        self.assertTrue(all(isinstance(r["status"], str) and r["started_at"] for r in runs))
        status, body = get_json(self.port, "/v1/sources/nope/runs", {"Authorization": f"Bearer {READ}"})
        self.assertEqual(status, 404, body)

        # A reload: bob instead of alice, and eu's names first.
        self.write_config(["bob"], ["eu", "us"])
        self.daemon.signal(signal.SIGHUP)
        wait_until(lambda: request(self.port, "POST", "/v1/marks", ALICE,
                                   {"op": "unlink", "a": eu, "b": us})[0] == 401, 20, "alice's token no longer known")
        status, _, mark = request(self.port, "POST", "/v1/marks", BOB, {"op": "unlink", "a": eu, "b": us})
        self.assertEqual((status, mark["by"]), (201, "bob"))
        self.assertNotEqual(self.customer_of(eu), self.customer_of(us))
        status, _, _ = request(self.port, "DELETE", f'/v1/marks/{mark["id"]}', BOB)
        self.assertEqual(status, 204)
        again = self.get(f'/v1/customers/{self.customer_of(eu)}')
        self.assertIn({"source": "eu", "external_id": eu.split(":", 1)[1]}, again["summary"]["name"]["from"])


if __name__ == "__main__":
    unittest.main()
