"""End to end: the fake CRM's SuiteCRM dialect keeps the contract of tests/fake/README.md
("The suitecrm dialect"), which is SuiteCRM 7.14's V8 JSON:API as measured on a real
SuiteCRM 7.14.6 (../shared/docs/crm-apis.md): OAuth client credentials, PHP-array
parameters, page-number links relative to /Api with raw brackets and spaces, date filters
compared as datetimes, dates in the API user's time format (H:i drops the seconds),
HTML-escaped values with `&` as it is, no listing of deleted rows, the vendor's 400
messages, a 301 to the login page outside /Api, and a listing that shifts when records are
edited and whose ties (one date_modified second) come in another order on every request.

Standard library only; every paging loop is bounded."""

import base64
import html
import http.client
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


def second(i):
    """Seeded record i was modified at 2025-01-01 00:00:00 + floor((i-1)/3) s."""
    return (i - 1) // 3


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
        # In date order; which record of a second lands on which page is the request's.
        self.assertEqual([second(numeric(r["id"])) for r in records], sorted(map(second, truth)))
        self.assertTrue(all(GUID.fullmatch(r["id"]) and r["type"] == "Contacts" for r in records))
        by_id, _ = self.walk("Contacts", "page[size]=20&page[number]=1")  # no sort: the primary key's order
        self.assertEqual([numeric(r["id"]) for r in by_id], sorted(truth))
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
        page0 = self.get(f"/Api/V8/module/Contacts?{q('page[size]=5&sort=date_modified')}").json()
        page1 = self.get(f"/Api/V8/module/Contacts?{q('page[size]=5&sort=date_modified&page[number]=1')}").json()
        self.assertEqual([second(numeric(r["id"])) for r in page0["data"]], [0, 0, 0, 1, 1])
        self.assertEqual([second(numeric(r["id"])) for r in page1["data"]], [0, 0, 0, 1, 1])
        self.assertEqual(page0["links"]["next"], "V8/module/Contacts?page[size]=5&page[number]=1&sort=date_modified")
        page0 = self.get(f"/Api/V8/module/Contacts?{q('page[size]=5')}").json()
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

    def test_date_filter_compares_datetimes_and_links_keep_a_raw_space(self):
        wanted = sorted(i for i in self.truth() if second(i) >= 10)
        for value in ("2025-01-01%2000:00:10", "2025-01-01+00:00:10"):  # a '+' is a space in a query
            path = "/Api/V8/module/Contacts?" + q("page[size]=30&page[number]=1&filter[date_modified][gte]=") + value
            body = self.get(path).json()
            self.assertEqual([numeric(r["id"]) for r in body["data"]], wanted[:30])
            # page[number] keeps its place in the query; the date comes back with a raw space.
            self.assertEqual(body["links"]["next"], "V8/module/Contacts?page[size]=30&page[number]=2"
                                                    "&filter[date_modified][gte]=2025-01-01 00:00:10")

        def listed(op, value):
            r = self.get("/Api/V8/module/Contacts?" + q(f"page[size]=300&filter[date_modified][{op}]={value}"))
            self.assertEqual(r.status, 200, r.body)
            return sorted(numeric(x["id"]) for x in r.json()["data"])

        # MariaDB compares a DATETIME: the ISO forms are the same second as the DB form.
        for value in ("2025-01-01 00:00:10", "2025-01-01T00:00:10Z", "2025-01-01T00:00:10+00:00"):
            with self.subTest(value=value):
                self.assertEqual(listed("gte", value), wanted)
                self.assertEqual(listed("gt", value), [i for i in wanted if second(i) > 10])  # strictly after
                self.assertEqual(listed("lt", value), sorted(set(self.truth()) - set(wanted)))
        self.assertEqual(listed("gte", "2025-01-01T00:00:09.5Z"), wanted)  # the next whole second
        self.assertEqual(listed("gte", "2025-01-01"), sorted(self.truth()))  # a date alone is midnight
        # Not a datetime: the zero date 0000-00-00 00:00:00, before every row.
        self.assertEqual(listed("gt", "yesterday"), sorted(self.truth()))
        self.assertEqual(listed("lt", "yesterday"), [])
        self.assertEqual(listed("eq", "2025-13-01 00:00:00"), [])

    def test_dates_follow_the_api_users_time_format(self):
        # A fresh SuiteCRM's H:i drops the seconds; ids 31..33 were modified at 00:00:10.
        r = self.get("/Api/V8/module/Contacts/" + self.guid_of(31) + "?" + q("fields[Contacts]=date_modified"))
        self.assertEqual(r.json()["data"]["attributes"]["date_modified"], "2025-01-01T00:00:00+00:00")
        fake = FakeProcess("--records", "40", "--suitecrm-time-format", "H:i:s")
        try:
            token = issue(fake).json()["access_token"]
            r = fake.get("/Api/V8/module/Contacts?" + q("fields[Contacts]=date_modified,date_entered&page[size]=40"
                                                         "&page[number]=1&sort=date_modified"),
                         headers={"Authorization": f"Bearer {token}"})
            by_id = {numeric(x["id"]): x["attributes"] for x in r.json()["data"]}
            self.assertEqual(by_id[31], {"date_modified": "2025-01-01T00:00:10+00:00",
                                         "date_entered": "2025-01-01T00:00:10+00:00"})
        finally:
            self.assertEqual(fake.stop(), 0)

    def guid_of(self, i):
        r = self.get("/Api/V8/module/Contacts?" + q("fields[Contacts]=last_name&page[size]=300&page[number]=1"))
        return next(x["id"] for x in r.json()["data"] if numeric(x["id"]) == i)

    def test_values_are_html_escaped_and_dates_atom(self):
        created = json.loads(self.fake.request("POST", "/_control/records",
                                               {"first_name": "Zoë", "last_name": "<b>O'Brien</b>",
                                                "company": "Smith & Co"}).body)["id"]
        records, _ = self.walk("Contacts", f"fields[Contacts]={FIELDS}&page[size]=100&page[number]=1")
        truth = self.truth()
        by_id = {numeric(r["id"]): r["attributes"] for r in records}
        typed = " " if int(created) % 4 == 3 else ""  # every 4th person's name as typed, with a space
        self.assertEqual(by_id[int(created)]["last_name"], "&lt;b&gt;O&#039;Brien&lt;/b&gt;" + typed)
        self.assertEqual(by_id[int(created)]["account_name"], "Smith & Co")  # measured: & is not escaped
        seen = set()
        for i, a in by_id.items():
            t = truth[i]
            self.assertEqual(html.unescape(a["first_name"]), t["given_name"])
            self.assertEqual(html.unescape(a["last_name"]), t["family_name"] + (" " if i % 4 == 3 else ""))
            self.assertEqual(html.unescape(a["account_name"]), t["company"] or "")
            self.assertEqual(a["email1"], t["email"] or "")
            self.assertEqual(a["phone_work"], t["phone"] or "")
            self.assertRegex(a["date_modified"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:00\+00:00$")  # H:i
            self.assertEqual(utc(a["date_modified"]), utc(t["updated_at"]).replace(second=0))
            self.assertEqual(a["deleted"], "0")
            for esc in ("&#039;", "&amp;", "&quot;", "&"):
                if esc in a["last_name"] + a["account_name"]:
                    seen.add(esc)
        self.assertEqual(seen, {"&#039;", "&quot;", "&"})  # O'Brien, d'Essai, Café "Zur Post", Smith & Co
        self.assertIn("d&#039;Essai", {a["last_name"].strip() for a in by_id.values()})

    def test_deleted_rows_cannot_be_listed(self):
        none = self.get("/Api/V8/module/Contacts?" + q("filter[deleted][eq]=1&page[size]=10&page[number]=1"))
        self.assertEqual((none.status, none.json()["data"]), (200, []))  # nothing deleted yet
        self.fake.request("DELETE", "/_control/records/4")
        listed, _ = self.walk("Contacts", "page[size]=100&page[number]=1")
        self.assertNotIn(4, {numeric(r["id"]) for r in listed})
        # deleted = 1 selects the deleted rows; getRecords() reloads every listed bean and
        # finds no deleted one: HTTP 400.
        r = self.get("/Api/V8/module/Contacts?" + q("filter[deleted][eq]=1&page[size]=300&page[number]=1"))
        self.assertEqual(r.status, 400, r.body)
        self.assertRegex(r.json()["errors"]["detail"], r"^Contacts module with id 00000004-[0-9a-f-]{27} is not found$")
        self.assertEqual(r.header("Content-Type"), "application/vnd.api+json")
        # Any other filter on deleted keeps get_list()'s deleted = 0: no deleted row either.
        for query, count in (("filter[deleted][neq]=0", 0), ("filter[deleted][eq]=0", len(listed))):
            with self.subTest(query=query):
                r = self.get("/Api/V8/module/Contacts?" + q(query + "&page[size]=300&page[number]=1"))
                self.assertEqual((r.status, len(r.json()["data"])), (200, count), r.body[:300])

    def test_a_path_outside_api_is_a_301_to_the_login_page(self):
        con = http.client.HTTPConnection("127.0.0.1", self.fake.port, timeout=10)
        try:
            con.request("GET", "/V8/module/Contacts?page%5Bsize%5D=5", headers={"Authorization": f"Bearer {self.token}"})
            resp = con.getresponse()
            body = resp.read().decode()
            self.assertEqual(resp.status, 301)
            self.assertEqual(resp.getheader("Location"), self.fake.base + "/index.php?action=Login&module=Users")
            self.assertTrue(resp.getheader("Content-Type").startswith("text/html"))
            self.assertIn("Moved Permanently", body)
            con.request("GET", "/index.php?action=Login&module=Users")
            resp = con.getresponse()
            self.assertEqual((resp.status, resp.getheader("Content-Type")), (200, "text/html; charset=UTF-8"))
            self.assertIn('name="user_name"', resp.read().decode())
        finally:
            con.close()

    def test_records_of_one_second_come_in_another_order_per_request(self):
        # Persons 1, 2 and 3 share a second: a page of two holds two of them, not always the same two.
        pages = set()
        for _ in range(30):
            r = self.get("/Api/V8/module/Contacts?" + q("page[size]=2&page[number]=1&sort=date_modified"))
            pages.add(tuple(sorted(numeric(x["id"]) for x in r.json()["data"])))
        self.assertTrue(pages <= {(1, 2), (1, 3), (2, 3)}, pages)
        self.assertGreater(len(pages), 1)
        # So a walk may read a record of a boundary second twice and miss another; the
        # seconds by position stay put.
        walks = [self.walk("Contacts", "page[size]=7&page[number]=1&sort=date_modified")[0] for _ in range(6)]
        truth = sorted(self.truth())
        for w in walks:
            self.assertEqual([second(numeric(r["id"])) for r in w], sorted(map(second, truth)))
        self.assertGreater(len({tuple(numeric(r["id"]) for r in w) for w in walks}), 1)

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
        missed = set(order) - set(seen)
        # Pushed back across a page boundary: order[40:45], but for those that share a
        # second with a neighbour outside it (that tie may come in either order).
        neighbours = {second(i) for i in order[:40] + order[45:]}
        surely = {i for i in order[40:45] if second(i) not in neighbours}
        self.assertTrue(surely and surely <= missed, (surely, sorted(missed)))
        self.assertEqual(sorted(seen[-5:]), moved)  # read again at the end

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
