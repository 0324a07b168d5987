"""End to end: one customer across CRMs (design.md "Linking"). Three fake CRMs share 30
people (--shared-people: the same person written differently per CRM: e-mail capitals,
phone in national or international form); the real crm-index links them, serves
/v1/customers with reasons, moves a record when its CRM changes its e-mail, and keeps
manual marks through a full resync."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import (Daemon, Fake, Workspace, free_port, get_json, log, parse_summary,  # noqa: E402
                     rest_source, wait_until)

SHARED = 30
RECORDS = 300


class LinkingTest(unittest.TestCase):
    def setUp(self):
        self.fakes = {name: Fake("--records", str(RECORDS), "--seed", str(seed), "--shared-people", str(SHARED))
                      for name, seed in (("eu", 1), ("us", 2), ("hs", 3))}
        self.ws = Workspace()
        self.port = free_port()
        sources = "".join(rest_source(name, fake, style=style, extra="    phone_region: DE\n")
                          for (name, fake), style in zip(self.fakes.items(), ("next_url", "cursor", "offset")))
        self.ws.write_config(sources, defaults="  interval: 1s\n  jitter: 0\n",
                             top=f"api:\n  listen: 127.0.0.1:{self.port}\n")
        self.daemon = None

    def tearDown(self):
        if self.daemon:
            self.daemon.stop()
        for f in self.fakes.values():
            f.stop()
        self.ws.cleanup()

    def sync(self, *extra):
        r = self.ws.sync(*extra)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r.stdout

    def start_daemon(self):
        self.daemon = Daemon(self.ws)
        self.daemon.wait_ready(self.port)

    def stop_daemon(self):
        self.assertEqual(self.daemon.stop(), 0)
        self.daemon = None

    def api(self, path):
        status, body = get_json(self.port, path)
        self.assertEqual(status, 200, body)
        return body

    def customer_of(self, source, external_id):
        return self.api(f"/v1/records/{source}/{external_id}")["customer_id"]

    def customer_of_index(self, ref):
        """The customer of SOURCE:ID as the index file holds it (no daemon needed)."""
        source, external_id = ref.split(":", 1)
        rows = self.ws.query("SELECT coalesce(rc.customer_id, r.id) FROM records r JOIN sources s ON s.id = r.source_id "
                             "LEFT JOIN record_customer rc ON rc.record_id = r.id "
                             "WHERE s.name = ? AND r.external_id = ?", source, external_id)
        return rows[0][0]

    def members(self, customer):
        return sorted((m["source"], m["external_id"]) for m in customer["members"])

    def cli(self, *args, expect=0):
        r = self.ws.run(*args[:1], "--config", self.ws.config, *args[1:])
        self.assertEqual(r.returncode, expect, r.stdout + r.stderr)
        return r.stdout + r.stderr

    def test_shared_people_become_one_customer_with_reasons(self):
        out = self.sync()
        self.assertIn("linking: full", out)
        self.start_daemon()
        # Walk every customer of three records, page by page.
        threes, after = [], None
        for _ in range(20):
            page = self.api("/v1/customers?min_members=3&limit=7" + (f"&after={after}" if after else ""))
            threes += page["items"]
            after = page["next"]
            if not after:
                break
        persons = [i for i in range(1, SHARED + 1) if i % 10 != 0]
        found = {tuple(self.members(c)) for c in threes}
        for i in persons:
            self.assertIn((("eu", str(i)), ("hs", str(i)), ("us", str(i))), found)
        one = next(c for c in threes if ("eu", "1") in self.members(c))
        self.assertEqual(one["id"], self.customer_of("eu", "1"))
        self.assertEqual(self.customer_of("us", "1"), one["id"])
        reasons = one["reasons"]
        self.assertEqual(len(reasons), 2, reasons)  # a spanning tree of three members
        self.assertTrue(all(r["rule"] == "email" for r in reasons), reasons)
        email = self.fakes["us"].truth()["1"]["email"]
        self.assertEqual(reasons[0]["value"], email.lower())
        self.assertNotEqual(email, self.fakes["eu"].truth()["1"]["email"])  # case differs
        listed = self.api(f"/v1/records?customer_id={one['id']}")["items"]
        self.assertEqual(sorted((r["source"], r["external_id"]) for r in listed), self.members(one))
        # Search finds the customer by a member's name.
        name = one["name"].split()[-1]
        hits = self.api(f"/v1/customers?q={name}&source=hs&limit=100")["items"]
        self.assertIn(one["id"], [c["id"] for c in hits])
        # A person not shared is a customer of its own.
        self.assertEqual(self.customer_of("eu", "200"), self.api("/v1/records/eu/200")["customer_id"])
        solo = self.api(f"/v1/customers/{self.customer_of('eu', '200')}")
        self.assertEqual(len(solo["members"]), 1)

    def test_phone_written_two_ways_links_and_a_new_email_moves_the_record(self):
        # A record in hs that shares only a phone (national form) and the name with eu:201.
        eu201 = self.fakes["eu"].truth()["201"]
        phone = eu201["phone"]
        if not phone or not (phone.startswith("+49 30") or phone.startswith("030") or phone.startswith("0049")):
            phone = "+49 30 5550123"
            self.fakes["eu"].request("PATCH", "/_control/records/201", {"phone": phone})
        national = "030 " + phone.replace("+49 30 ", "").replace("0049-30-", "").replace("030 ", "")
        # The same name (a phone links only records whose names agree), another e-mail.
        created = self.fakes["hs"].request("POST", "/_control/records",
                                           {"full_name": eu201["name"], "email": "phone.only@elsewhere.example",
                                            "phone": national})
        new_id = __import__("json").loads(created)["id"]
        self.sync()
        self.start_daemon()
        cid = self.customer_of("eu", "201")
        self.assertEqual(self.customer_of("hs", new_id), cid)
        reasons = self.api(f"/v1/customers/{cid}")["reasons"]
        self.assertIn("phone", [r["rule"] for r in reasons])

        # us:2 takes eu:300's e-mail, and a new phone, in its CRM: on the next run it
        # leaves customer 2 (eu:2, hs:2) and joins eu:300's.
        before2 = self.customer_of("eu", "2")
        truth = self.fakes["eu"].truth()["299"]
        self.fakes["us"].request("PATCH", "/_control/records/2", {"email": truth["email"].upper(), "phone": None})
        target = self.customer_of("eu", "299")
        wait_until(lambda: self.customer_of("us", "2") == target, 30, "us:2 to move to eu:299's customer")
        self.assertEqual(self.members(self.api(f"/v1/customers/{before2}")), [("eu", "2"), ("hs", "2")])
        self.assertEqual(self.members(self.api(f"/v1/customers/{target}")), [("eu", "299"), ("us", "2")])
        # The move is in the change feed.
        feed = self.api("/v1/changes?after=0&limit=1000")
        moved = [c for c in feed["items"] if c["source"] == "us" and c["external_id"] == "2"]
        self.assertEqual(moved[-1]["record"]["customer_id"], target)

    def test_manual_marks_survive_a_full_resync_and_reach_the_feed(self):
        self.sync()
        out = self.cli("unlink", "eu:1", "us:1", "--note", "different people, same mailbox")
        self.assertIn("unlink", out)
        self.cli("link", "eu:201", "us:202", "--note", "checked by phone")
        self.assertIn("no record us:99999", self.cli("link", "eu:1", "us:99999", expect=2))
        self.assertIn("SOURCE:EXTERNAL_ID", self.cli("link", "eu-1", "us:1", expect=2))
        marks = self.cli("marks")
        self.assertIn("eu:1", marks)
        self.assertIn("checked by phone", marks)
        self.assertIn(os.environ.get("SUDO_USER") or __import__("getpass").getuser(), marks)
        # A mark made by mistake is taken back: eu:7 and us:9 are apart again.
        made = self.cli("link", "eu:7", "us:9")
        number = made.split("#", 1)[1].split(":", 1)[0]
        self.assertEqual(self.customer_of_index("eu:7"), self.customer_of_index("us:9"))
        self.assertIn(f"mark #{number} taken back", self.cli("unmark", number))
        self.assertNotEqual(self.customer_of_index("eu:7"), self.customer_of_index("us:9"))
        self.assertNotIn(f"#{number} ", self.cli("marks"))
        self.assertIn(f"no mark #{number} in force", self.cli("unmark", number, expect=2))

        self.sync("--full")
        self.start_daemon()
        c1 = self.customer_of("eu", "1")
        self.assertNotEqual(self.customer_of("us", "1"), c1)
        self.assertEqual(self.customer_of("hs", "1"), c1)  # hs:1 still joins one of them
        self.assertEqual(self.customer_of("eu", "201"), self.customer_of("us", "202"))
        reasons = self.api(f"/v1/customers/{self.customer_of('eu', '201')}")["reasons"]
        self.assertIn({"rule": "manual", "value": "checked by phone", "a": {"source": "eu", "external_id": "201"},
                       "b": {"source": "us", "external_id": "202"}}, reasons)
        feed = self.api("/v1/changes?after=0&limit=1000")["items"]
        ops = [(c["op"], c["source"], c["external_id"], c["mark"]["other"]["external_id"]) for c in feed if "mark" in c]
        self.assertIn(("unlink", "eu", "1", "1"), ops)
        self.assertIn(("link", "eu", "201", "202"), ops)

    def test_weak_evidence_is_a_suggestion_until_accepted(self):
        for name, fake in (("eu", self.fakes["eu"]), ("hs", self.fakes["hs"])):
            fake.request("POST", "/_control/records",
                         {"full_name": "Wilhelmina Sorensen", "company": "Nordisk Fisk AS",
                          "email": f"w.{name}@nordisk.example"})
        self.sync()
        self.start_daemon()
        hits = self.api("/v1/records?q=wilhelmina")["items"]
        self.assertEqual(len(hits), 2)
        self.assertNotEqual(hits[0]["customer_id"], hits[1]["customer_id"])
        sug = [s for s in self.api("/v1/suggestions?limit=1000")["items"]
               if s["a"]["name"] == "Wilhelmina Sorensen"]
        self.assertEqual(len(sug), 1)
        self.assertEqual(sug[0]["rule"], "name_company")
        self.assertEqual(sug[0]["value"], "wilhelmina sorensen | nordisk fisk as")
        review = self.cli("review", "--limit", "1000")
        a = f"{sug[0]['a']['source']}:{sug[0]['a']['external_id']}"
        b = f"{sug[0]['b']['source']}:{sug[0]['b']['external_id']}"
        self.assertIn(f"crm-index link -c {self.ws.config} {a} {b}", review)
        self.cli("link", a, b)  # accept, next to the running daemon
        self.assertEqual(self.customer_of(*a.split(":")), self.customer_of(*b.split(":")))
        left = [s for s in self.api("/v1/suggestions?limit=1000")["items"] if s["a"]["name"] == "Wilhelmina Sorensen"]
        self.assertEqual(left, [])


class NationalPhonesTest(unittest.TestCase):
    """Numbers typed the national way, in CRMs whose phone_region is not theirs (both say
    DE): they link to the same number in E.164 in another CRM when the names agree, and
    the same number under another name is a suggestion (phone_other_name), not a link."""

    PEOPLE = {  # name -> (in "intl", in "local")
        "Olivia Brown": ("+44 20 7028 9701", "020 7028 9701"),
        "Noah Green": ("+1 617 477 7138", "1-617-477-7138"),
        "Emma White": ("+44 20 7946 0123", None),
        "Jack Black": (None, "020 7946 0123"),  # Emma's number, another person
    }

    def setUp(self):
        self.fakes = {name: Fake("--records", "40", "--seed", str(seed)) for name, seed in (("intl", 7), ("local", 8))}
        self.ids = {}
        for name, phones in self.PEOPLE.items():
            for (source, fake), phone in zip(self.fakes.items(), phones):
                if phone:
                    slug = name.lower().replace(" ", ".")
                    created = fake.request("POST", "/_control/records",
                                           {"full_name": name, "email": f"{slug}@{source}.example", "phone": phone})
                    self.ids[(source, name)] = __import__("json").loads(created)["id"]
        self.ws = Workspace()
        self.port = free_port()
        sources = "".join(rest_source(name, fake, extra="    phone_region: DE\n") for name, fake in self.fakes.items())
        self.ws.write_config(sources, top=f"api:\n  listen: 127.0.0.1:{self.port}\n")
        self.daemon = None

    tearDown = LinkingTest.tearDown

    def customer(self, source, name):
        status, body = get_json(self.port, f"/v1/records/{source}/{self.ids[(source, name)]}")
        self.assertEqual(status, 200, body)
        return body["customer_id"]

    def test_national_numbers_link_when_names_agree_and_suggest_when_not(self):
        r = self.ws.sync()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.daemon = Daemon(self.ws)
        self.daemon.wait_ready(self.port)
        for name in ("Olivia Brown", "Noah Green"):
            self.assertEqual(self.customer("intl", name), self.customer("local", name), name)
        status, body = get_json(self.port, f"/v1/customers/{self.customer('intl', 'Olivia Brown')}")
        self.assertIn({"rule": "phone", "value": "+442070289701"},
                      [{"rule": x["rule"], "value": x["value"]} for x in body["reasons"]])
        self.assertNotEqual(self.customer("intl", "Emma White"), self.customer("local", "Jack Black"))
        status, body = get_json(self.port, "/v1/suggestions?limit=1000")
        self.assertEqual(status, 200, body)
        pairs = [(s["rule"], s["value"], sorted([s["a"]["name"], s["b"]["name"]])) for s in body["items"]]
        self.assertIn(("phone_other_name", "+442079460123", ["Emma White", "Jack Black"]), pairs)


if __name__ == "__main__":
    unittest.main()
