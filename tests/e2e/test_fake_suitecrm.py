"""End to end: the fake CRM's SuiteCRM dialect keeps the contract of tests/fake/README.md
("The suitecrm dialect"), which is SuiteCRM 7.14's V8 JSON:API as connectors/rest/README.md
describes it: OAuth client credentials, PHP-array parameters, page-number links relative
to /Api with raw brackets and spaces, HTML-escaped values, deleted rows only on request,
the vendor's 400 messages, and a listing that shifts when records are edited.

Standard library only; every paging loop is bounded."""

import base64
import html
import json
import os
import re
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from test_fake_crm import FakeProcess, utc  # noqa: E402

N = 250
MAX_PAGES = 200
CLIENT_ID = "3f1c8a52-9d3e-4a1f-b1d2-5c6e7f809a1b"
CLIENT_SECRET = "suitecrm-client-secret-1"
FIELDS = "first_name,last_name,email1,phone_work,account_name,date_modified,deleted"
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def q(s):
    """Percent-encodes a query the way a careful client does (brackets and spaces too)."""
    return urllib.parse.quote(s, safe="=&,:")


def follow(link):
    """A links.next as the rest connector follows it: relative to /Api, gaps encoded."""
    assert link.startswith("V8/module/"), link
    return "/Api/" + urllib.parse.quote(link, safe="/?&=,:+%")


def numeric(guid):
    return int(guid[:8], 16)


def issue(fake, body=None, headers=None):
    """POST /Api/access_token, by default with the client the fake knows."""
    return fake.request("POST", "/Api/access_token", headers=headers, form=body or (
        f"grant_type=client_credentials&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}"))


class SuiteFakeTest(unittest.TestCase):
    def setUp(self):
        self.fake = FakeProcess("--records", str(N))
        self.token = self.issue().json()["access_token"]

    def tearDown(self):
        self.assertEqual(self.fake.stop(), 0)

    def issue(self, body=None, headers=None):
        return issue(self.fake, body, headers)

    def get(self, path, token=None):
        return self.fake.get(path, headers={"Authorization": f"Bearer {token or self.token}"})

    def walk(self, module, query):
        """Every page from page[number]=1 on, following links.next; (records, answers)."""
        out, answers, path = [], [], f"/Api/V8/module/{module}?{q(query)}"
        for _ in range(MAX_PAGES):
            r = self.get(path)
            self.assertEqual(r.status, 200, r.body)
            body = r.json()
            answers.append(body)
            out += body["data"]
            link = body.get("links", {}).get("next")
            if not link:
                return out, answers
            path = follow(link)
        raise AssertionError("the walk did not end")

    def truth(self, companies=False):
        return {int(t["id"]): t for t in self.fake.truth() if (t["kind"] == "company") == companies}

    # --- auth -------------------------------------------------------------------------

    def test_token_endpoint_and_bearer_tokens(self):
        ok = self.issue()
        self.assertEqual(ok.status, 200)
        self.assertEqual((ok.json()["token_type"], ok.json()["expires_in"]), ("Bearer", 3600))
        wrong = self.issue(f"grant_type=client_credentials&client_id={CLIENT_ID}&client_secret=nope")
        self.assertEqual((wrong.status, wrong.json()["error"], wrong.json()["message"]),
                         (401, "invalid_client", "Client authentication failed"))
        self.assertEqual(self.issue("client_id=x").json()["error"], "unsupported_grant_type")
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        self.assertEqual(self.issue("grant_type=client_credentials", {"Authorization": f"Basic {basic}"}).status, 200)

        r = self.fake.get("/Api/V8/module/Contacts")
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json()["hint"], 'Missing "Authorization" header')
        self.assertEqual(self.get("/Api/V8/module/Contacts", token="forged").status, 401)
        self.assertEqual(self.get("/Api/V8/module/Contacts").status, 200)
        self.fake.request("POST", "/_control/tokens/expire")
        self.assertEqual(self.get("/Api/V8/module/Contacts").status, 401)
        self.fake.request("POST", "/_control/tokens/revoke")
        self.assertEqual(self.issue().status, 401)

    # --- listing and paging -----------------------------------------------------------

    def test_a_walk_serves_each_person_once_in_date_order_with_raw_links(self):
        records, answers = self.walk("Contacts", f"fields[Contacts]={FIELDS}&page[size]=20&page[number]=1"
                                                 "&sort=date_modified")
        truth = self.truth()
        self.assertEqual([numeric(r["id"]) for r in records], sorted(truth))  # seeded: id order = date order
        self.assertTrue(all(GUID.fullmatch(r["id"]) and r["type"] == "Contacts" for r in records))
        pages = -(-len(truth) // 20)
        self.assertEqual(len(answers), pages)
        self.assertEqual({a["meta"]["total-pages"] for a in answers}, {pages})
        first = answers[0]["links"]
        self.assertEqual((first["first"], first["prev"]), (None, None))
        self.assertEqual(first["next"], f"V8/module/Contacts?fields[Contacts]={FIELDS}&page[size]=20"
                                        "&page[number]=2&sort=date_modified")
        self.assertEqual(first["last"].split("page[number]=")[1].split("&")[0], str(pages))
        self.assertIsNone(answers[-1]["links"]["next"])
        self.assertEqual(answers[1]["links"]["prev"].count("page[number]=1"), 1)
        # Companies are Accounts.
        accounts, _ = self.walk("Accounts", "fields[Accounts]=name,email1,phone_office&page[size]=7&page[number]=1")
        self.assertEqual(sorted(numeric(r["id"]) for r in accounts), sorted(self.truth(companies=True)))
        r = self.get(f"/Api/V8/module/Contacts?{q('page[size]=1&page[number]=1')}")
        self.assertEqual(r.header("Content-Type"), "application/vnd.api+json")

    def test_page_zero_without_number_and_no_paging_without_size(self):
        page0 = self.get(f"/Api/V8/module/Contacts?{q('page[size]=5')}").json()
        page1 = self.get(f"/Api/V8/module/Contacts?{q('page[size]=5&page[number]=1')}").json()
        self.assertEqual([r["id"] for r in page0["data"]], [r["id"] for r in page1["data"]])
        self.assertEqual(page0["links"]["next"], "V8/module/Contacts?page[size]=5&page[number]=1")  # page 1 again
        unpaged = self.get("/Api/V8/module/Contacts").json()
        self.assertEqual(len(unpaged["data"]), 20)
        self.assertEqual(set(unpaged), {"data"})  # no meta, no links
        # No cap on page[size]: one page holds everything.
        everything = self.get(f"/Api/V8/module/Contacts?{q('page[size]=100000&page[number]=1')}").json()
        self.assertEqual(len(everything["data"]), len(self.truth()))
        self.assertIsNone(everything["links"]["next"])
        past = self.get(f"/Api/V8/module/Contacts?{q('page[size]=50&page[number]=99')}").json()
        self.assertEqual(past, {"meta": {"message": "Request was successful, but there is no result"}, "data": []})

    def test_date_filter_compares_text_and_links_keep_a_raw_space(self):
        # Seeded record i was modified at 2025-01-01 00:00:00 + floor((i-1)/3) s.
        wanted = sorted(i for i in self.truth() if (i - 1) // 3 >= 10)
        for value in ("2025-01-01%2000:00:10", "2025-01-01+00:00:10"):  # a '+' is a space in a query
            path = "/Api/V8/module/Contacts?" + q("page[size]=30&page[number]=1&filter[date_modified][gte]=") + value
            body = self.get(path).json()
            self.assertEqual([numeric(r["id"]) for r in body["data"]], wanted[:30])
            # page[number] keeps its place in the query; the date comes back with a raw space.
            self.assertEqual(body["links"]["next"], "V8/module/Contacts?page[size]=30&page[number]=2"
                                                    "&filter[date_modified][gte]=2025-01-01 00:00:10")
        # As text, an ISO "T" sorts after the space of every time that day: nothing matches.
        t = self.get("/Api/V8/module/Contacts?" + q("page[size]=30&filter[date_modified][gte]=2025-01-01T00:00:10Z"))
        self.assertEqual(t.json()["data"], [])
        gt = self.get("/Api/V8/module/Contacts?" + q("page[size]=300&filter[date_modified][gt]=2025-01-01 00:00:10"))
        self.assertEqual(numeric(gt.json()["data"][0]["id"]), 34)  # 00:00:11, the next second

    def test_values_are_html_escaped_and_dates_atom(self):
        created = json.loads(self.fake.request("POST", "/_control/records",
                                               {"first_name": "Zoë", "last_name": "<b>O'Brien</b>",
                                                "company": "Smith & Co"}).body)["id"]
        records, _ = self.walk("Contacts", f"fields[Contacts]={FIELDS}&page[size]=100&page[number]=1")
        truth = self.truth()
        by_id = {numeric(r["id"]): r["attributes"] for r in records}
        typed = " " if int(created) % 4 == 3 else ""  # every 4th person's name as typed, with a space
        self.assertEqual(by_id[int(created)]["last_name"], "&lt;b&gt;O&#039;Brien&lt;/b&gt;" + typed)
        self.assertEqual(by_id[int(created)]["account_name"], "Smith &amp; Co")
        seen = set()
        for i, a in by_id.items():
            t = truth[i]
            self.assertEqual(html.unescape(a["first_name"]), t["given_name"])
            self.assertEqual(html.unescape(a["last_name"]), t["family_name"] + (" " if i % 4 == 3 else ""))
            self.assertEqual(html.unescape(a["account_name"]), t["company"] or "")
            self.assertEqual(a["email1"], t["email"] or "")
            self.assertEqual(a["phone_work"], t["phone"] or "")
            self.assertRegex(a["date_modified"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")
            self.assertEqual(utc(a["date_modified"]), utc(t["updated_at"]))
            self.assertEqual(a["deleted"], "0")
            for esc in ("&#039;", "&amp;", "&quot;"):
                if esc in a["last_name"] + a["account_name"]:
                    seen.add(esc)
        self.assertEqual(seen, {"&#039;", "&amp;", "&quot;"})  # O'Brien, d'Essai, Smith & Co, Café "Zur Post"
        self.assertIn("d&#039;Essai", {a["last_name"].strip() for a in by_id.values()})

    def test_deleted_rows_only_on_request(self):
        self.fake.request("DELETE", "/_control/records/4")
        listed, _ = self.walk("Contacts", "page[size]=100&page[number]=1")
        self.assertNotIn(4, {numeric(r["id"]) for r in listed})
        gone = self.get("/Api/V8/module/Contacts?" + q("filter[deleted][eq]=1&page[size]=10&page[number]=1")).json()
        self.assertEqual([(numeric(r["id"]), r["attributes"]["deleted"]) for r in gone["data"]], [(4, "1")])
        self.assertEqual(gone["meta"]["total-pages"], 1)

    def test_vendor_errors(self):
        r = self.get("/Api/V8/module/Contacts?" + q("filter[date_modifed][gte]=2025-01-01 00:00:00"))
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json(), {"errors": {"status": 400, "title": None,
                                               "detail": "Filter field date_modifed in Contact module is not found"}})
        self.assertEqual(r.header("Content-Type"), "application/json;charset=utf-8")
        for query, detail in (
                ("api_key=x", 'The option "api_key" does not exist. Defined options are: "fields", "filter", '
                              '"moduleName", "page", "sort".'),
                ("fields[Contacts]=first_name,nope", "The following field in Contact module is not found: nope"),
                ("page[size]=0", 'The option "size" with value "0" is invalid.'),
                ("page[size]=ten", 'The option "page" with value array is invalid.'),
                ("sort=date_modifed", "Sort field date_modifed in Contact module is not found"),
                ("filter[date_modified]=x", "Filter field date_modified must be an array"),
                ("filter[date_modified][after]=x", "Filter operator after is invalid")):
            with self.subTest(query=query):
                r = self.get("/Api/V8/module/Contacts?" + q(query))
                self.assertEqual((r.status, r.json()["errors"]["detail"]), (400, detail))
        self.assertEqual(self.get("/Api/V8/module/Leads").json()["errors"]["detail"], "Module Leads does not exist")
        self.assertEqual(self.fake.request("POST", "/Api/V8/module/Contacts", {}).status, 405)

    def test_edits_during_a_pass_shift_records_across_pages(self):
        order = sorted(self.truth())  # the listing's order before the edits
        self.fake.fault(kind="mutate_after", skip=2, update=5)
        records, _ = self.walk("Contacts", "page[size]=20&page[number]=1&sort=date_modified")
        moved = [int(i) for i in self.fake.stats()["mutated_during_paging"]]
        self.assertEqual(moved, order[:5])  # already read on page 1; now last in the order
        seen = [numeric(r["id"]) for r in records]
        self.assertEqual(sorted(set(order) - set(seen)), order[40:45])  # pushed back across a page boundary
        self.assertEqual(seen[-5:], moved)  # read again at the end

    def test_one_record_and_the_memory_bound(self):
        first = self.get("/Api/V8/module/Contacts?" + q("page[size]=1&page[number]=1")).json()["data"][0]
        one = self.get(f"/Api/V8/module/Contacts/{first['id']}?" + q("fields[Contacts]=last_name")).json()
        self.assertEqual((one["data"]["id"], list(one["data"]["attributes"])), (first["id"], ["last_name"]))
        self.assertEqual(self.get("/Api/V8/module/Contacts/00000000-0000-0000-0000-000000000000").status, 400)


class SuiteFakeMemoryBoundTest(unittest.TestCase):
    def test_an_answer_over_50000_records_is_phps_memory_error(self):
        fake = FakeProcess("--records", "56000")  # 50,400 persons
        try:
            self.assertEqual(issue(fake, "client_id=x").json()["error"], "unsupported_grant_type")
            token = issue(fake).json()["access_token"]
            r = fake.get("/Api/V8/module/Contacts?" + q("page[size]=60000&page[number]=1"),
                         headers={"Authorization": f"Bearer {token}"})
            self.assertEqual(r.status, 500)
            self.assertIn("Allowed memory size", r.body)
        finally:
            self.assertEqual(fake.stop(), 0)


if __name__ == "__main__":
    unittest.main()
