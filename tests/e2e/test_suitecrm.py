"""End to end: the real crm-index syncing SuiteCRM 7.14's V8 JSON:API (the fake's suitecrm
dialect) with the `type: rest` source of connectors/rest/README.md's worked example:
OAuth client credentials at /Api/access_token, next links relative to /Api with raw
brackets and spaces, page-number paging that shifts when records are edited, HTML-escaped
names decoded by the field transforms, and the CRM's own 400 message in the run's error.

Contacts hold the fake's persons and Accounts its companies: the two sources together
must index exactly the fake's truth."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Fake, FakeSourceTestCase, Workspace, assert_same_records, comparable, parse_summary  # noqa: E402

N = 600
CLIENT_ID = "3f1c8a52-9d3e-4a1f-b1d2-5c6e7f809a1b"  # what the fake's token endpoint accepts
CLIENT_SECRET = "suitecrm-client-secret-1"
CONTACT_FIELDS = "first_name,last_name,email1,phone_work,account_name,date_modified"
# The worked example asks for an API user whose time format is H:i:s (a fresh SuiteCRM's
# H:i drops the seconds of every date).
SECONDS = ("--suitecrm-time-format", "H:i:s")


def write_secret(ws):
    path = os.path.join(ws.dir, "suitecrm-secret")
    with open(path, "w") as f:
        f.write(CLIENT_SECRET + "\n")
    return path


def auth_block(fake, secret):
    return (f"    auth:\n      type: oauth2\n      grant: client_credentials\n"
            f"      token_url: {fake.url}/Api/access_token\n      client_id: {CLIENT_ID}\n"
            f"      client_secret_file: {secret}\n")


def contacts_source(fake, secret, name="suitecrm", page_size=20, filter_field="date_modified", shifts="true",
                    base_url=None, sort="id"):
    """The worked example of connectors/rest/README.md, pointed at the fake."""
    return (f"  - name: {name}\n    type: rest\n    base_url: {base_url or fake.url + '/Api'}\n"
            f"{auth_block(fake, secret)}"
            f"    web_url: https://crm.example.com/index.php?module=Contacts&action=DetailView&record={{id}}\n"
            f"    page_size: {page_size}\n"
            f"    list:\n      path: /V8/module/Contacts\n      params:\n"
            f"        \"fields[Contacts]\": {CONTACT_FIELDS}\n"
            f"        \"filter[{filter_field}][gt]\": \"{{watermark}}\"\n"
            f"        \"page[size]\": \"{{page_size}}\"\n"
            f"        \"page[number]\": \"1\"\n"
            f"        sort: {sort}\n"
            f"      items: /data\n"
            f"      pagination: {{ style: next_url, pointer: /links/next, shifts: {shifts} }}\n"
            f"    fields:\n      external_id: /id\n"
            f"      given_name: {{ from: /attributes/first_name, decode: html, trim: true }}\n"
            f"      family_name: {{ from: /attributes/last_name, decode: html, trim: true }}\n"
            f"      email: {{ from: /attributes/email1, trim: true }}\n"
            f"      phone: /attributes/phone_work\n"
            f"      company: {{ from: /attributes/account_name, decode: html, trim: true }}\n"
            f"      updated_at: /attributes/date_modified\n"
            f"    watermark_format: \"%Y-%m-%d %H:%M:%S\"\n")


def accounts_source(fake, secret, page_size=20):
    """The same API's Accounts module: the fake's companies."""
    return (f"  - name: suitecrm-accounts\n    type: rest\n    base_url: {fake.url}/Api\n"
            f"{auth_block(fake, secret)}"
            f"    web_url: https://crm.example.com/index.php?module=Accounts&action=DetailView&record={{id}}\n"
            f"    page_size: {page_size}\n    kind: company\n"
            f"    list:\n      path: /V8/module/Accounts\n      params:\n"
            f"        \"fields[Accounts]\": name,email1,phone_office,date_modified\n"
            f"        \"filter[date_modified][gt]\": \"{{watermark}}\"\n"
            f"        \"page[size]\": \"{{page_size}}\"\n"
            f"        \"page[number]\": \"1\"\n"
            f"        sort: id\n"
            f"      items: /data\n"
            f"      pagination: {{ style: next_url, pointer: /links/next, shifts: true }}\n"
            f"    fields:\n      external_id: /id\n"
            f"      name: {{ from: /attributes/name, decode: html, trim: true }}\n"
            f"      email: {{ from: /attributes/email1, trim: true }}\n"
            f"      phone: /attributes/phone_office\n"
            f"      updated_at: /attributes/date_modified\n"
            f"    watermark_format: \"%Y-%m-%d %H:%M:%S\"\n")


def numeric_id(guid):
    """The fake puts the numeric id in a GUID's first 8 hex digits."""
    return str(int(guid[:8], 16))


def indexed(ws, *sources):
    """The live records of the sources, by the fake's numeric id, in the truth's names."""
    out = {}
    for source in sources:
        for guid, r in ws.exported(source).items():
            out[numeric_id(guid)] = comparable(r)
    return out


def truth_of(fake, kind=None):
    return {k: comparable(v) for k, v in fake.truth().items() if kind is None or v["kind"] == kind}


class SuiteCrmSyncTest(FakeSourceTestCase):
    source = "suitecrm"

    def setUp(self):
        self.fake = Fake("--records", str(N), "--seed", "4", *SECONDS)
        self.ws = Workspace()
        self.secret = write_secret(self.ws)

    def both(self):
        self.ws.write_config(contacts_source(self.fake, self.secret) + accounts_source(self.fake, self.secret))

    def test_full_sync_indexes_exactly_the_truth_with_names_decoded(self):
        self.both()
        s, r = self.sync()
        self.assertEqual(s["status"], "ok", r.stdout)
        self.assertEqual(parse_summary(r.stdout, "suitecrm-accounts")["status"], "ok", r.stdout)
        assert_same_records(self, truth_of(self.fake), indexed(self.ws, "suitecrm", "suitecrm-accounts"))
        exported = list(self.ws.exported("suitecrm").values()) + list(self.ws.exported("suitecrm-accounts").values())
        text = " ".join(f"{r['name']}|{r.get('given_name')}|{r.get('family_name')}|{r.get('company')}" for r in exported)
        for escaped in ("&#039;", "&amp;", "&quot;", " |", " None"):
            self.assertNotIn(escaped, text)  # decoded and trimmed
        names = {r.get("family_name") for r in exported}
        self.assertTrue({"O'Brien", "d'Essai"} <= names, sorted(filter(None, names))[:40])
        companies = {r.get("company") for r in exported} | {r["name"] for r in exported if r["kind"] == "company"}
        self.assertTrue({"Smith & Co", 'Café "Zur Post" KG', "Müller & Söhne GmbH"} <= companies)
        some = next(r for r in exported if r["kind"] == "person")
        self.assertTrue(some["web_url"].endswith("&record=" + some["external_id"]), some["web_url"])

    def test_incremental_after_edits_follows_the_raw_next_links(self):
        self.both()
        self.sync()
        changed = self.fake.mutate(update=45, create=12, seed=7)
        before = self.fake.stats()
        s, r = self.sync()
        self.assertEqual(s["status"], "ok", r.stdout + r.stderr[-2000:])
        self.assertIn("suitecrm: ok incremental", r.stdout)
        after = self.fake.stats()
        # More than one page per source: the links with "filter[date_modified][gt]=… …"
        # (a raw space and brackets) were followed.
        self.assertGreater(after["list_requests"] - before["list_requests"], 4)
        self.assertEqual(after["by_status"].get("400", 0), before["by_status"].get("400", 0))
        truth = self.fake.truth()
        persons = [i for i in changed["created"] if truth[i]["kind"] == "person"]
        self.assertEqual(s["created"], len(persons))
        assert_same_records(self, truth_of(self.fake), indexed(self.ws, "suitecrm", "suitecrm-accounts"))

    def test_records_edited_during_a_full_pass_are_never_tombstoned(self):
        self.ws.write_config(contacts_source(self.fake, self.secret))
        self.sync()
        # Two pages in, the five oldest persons are edited: sorted by id they keep their
        # place, and the next run reads them by their new date_modified.
        self.fake.fault(kind="mutate_after", skip=2, update=5)
        s, r = self.sync("--full")
        self.assertEqual(s["status"], "ok", r.stdout)
        self.assertEqual(len(self.fake.stats()["mutated_during_paging"]), 5)
        self.assertEqual(s["deleted"], 0)
        self.assertEqual(self.ws.query("SELECT count(*) FROM records WHERE deleted_ms IS NOT NULL")[0][0], 0)
        s, _ = self.sync()
        assert_same_records(self, truth_of(self.fake, "person"), indexed(self.ws, "suitecrm"))

    def test_sorted_by_date_modified_edits_and_ties_hide_live_records(self):
        # Why the worked example sorts by id. By date_modified, edited records move to the
        # end and push others across a page boundary, and the records of one second come
        # in another order on every page request: each pass misses some live records. With
        # shifts: false one pass tombstones them; with shifts: true two passes that both
        # missed one still do, and the first pass never indexed some.
        self.ws.write_config(contacts_source(self.fake, self.secret, shifts="false", sort="date_modified"))
        self.sync()
        self.fake.fault(kind="mutate_after", skip=2, update=5)
        s, _ = self.sync("--full")
        self.assertGreaterEqual(s["deleted"], 5)
        live = truth_of(self.fake, "person")
        tombstoned = [numeric_id(g) for (g,) in self.ws.query(
            "SELECT external_id FROM records WHERE deleted_ms IS NOT NULL")]
        self.assertTrue(tombstoned and all(t in live for t in tombstoned), tombstoned)

        self.ws.write_config(contacts_source(self.fake, self.secret, sort="date_modified"))
        for _ in range(2):
            self.sync("--full")
        index = indexed(self.ws, "suitecrm")
        self.assertLess(len(set(index) & set(live)), len(live))  # live records missing after two full passes

    def test_a_deletion_takes_two_full_passes(self):
        self.ws.write_config(contacts_source(self.fake, self.secret))
        self.sync()
        for rid in (3, 4, 5):
            self.fake.request("DELETE", f"/_control/records/{rid}")
        s, _ = self.sync()
        self.assertEqual(s["deleted"], 0)  # the listing leaves deleted rows out
        s, _ = self.sync("--full")
        self.assertEqual(s["deleted"], 0)  # a shifting listing: one pass is not proof
        s, _ = self.sync("--full")
        self.assertEqual(s["deleted"], 3)
        assert_same_records(self, truth_of(self.fake, "person"), indexed(self.ws, "suitecrm"))

    def test_a_misspelt_filter_field_shows_the_crms_message(self):
        self.ws.write_config(contacts_source(self.fake, self.secret, filter_field="date_modifed"))
        s, _ = self.sync()  # a full pass leaves the {watermark} filter out
        self.assertEqual(s["status"], "ok")
        s, r = self.sync(expect=1)
        self.assertEqual(s["status"], "failed")
        self.assertIn("Filter field date_modifed in Contact module is not found", r.stdout + r.stderr)
        status = self.ws.run("status", "--config", self.ws.config)
        self.assertIn("Filter field date_modifed in Contact module is not found", status.stdout)


class SuiteCrmBasePathTest(unittest.TestCase):
    def test_a_base_url_without_api_shows_the_login_redirect(self):
        # Links are relative to /Api: with base_url at the server root, the first page's
        # next link resolves outside /Api, where SuiteCRM answers 301 to its login page.
        fake = Fake("--records", "80", *SECONDS)
        ws = Workspace()
        try:
            source = contacts_source(fake, write_secret(ws), base_url=fake.url).replace(
                "path: /V8/module/Contacts", "path: /Api/V8/module/Contacts")
            ws.write_config(source)
            r = ws.sync()
            self.assertEqual(r.returncode, 1, r.stdout)
            self.assertIn("index.php?action=Login&module=Users", r.stdout + r.stderr)
        finally:
            fake.stop()
            ws.cleanup()


class SuiteCrmTimeFormatTest(FakeSourceTestCase):
    """A fresh SuiteCRM's API user has the time format H:i: every date comes without its
    seconds (…T06:52:00+00:00), so the watermark is up to a minute early."""

    source = "suitecrm"

    def setUp(self):
        self.fake = Fake("--records", str(N), "--seed", "4")  # the default: H:i
        self.ws = Workspace()
        self.ws.write_config(contacts_source(self.fake, write_secret(self.ws)))

    def test_with_h_i_a_sync_still_ends_equal_to_the_truth_but_minutes_early(self):
        s, r = self.sync()
        self.assertEqual(s["status"], "ok", r.stdout)
        for _ in range(2):  # edits within one minute: the second burst shares the first's minute
            self.fake.mutate(update=30, create=5, seed=len(self.ws.exported("suitecrm")))
            s, r = self.sync()
            self.assertEqual(s["status"], "ok", r.stdout + r.stderr[-2000:])
            self.assertIn("suitecrm: ok incremental", r.stdout)
        truth = {k: dict(v, updated_at=minute(v["updated_at"])) for k, v in truth_of(self.fake, "person").items()}
        assert_same_records(self, truth, indexed(self.ws, "suitecrm"))


def minute(ts):
    """An ISO 8601 UTC time with the seconds dropped, as H:i shows it."""
    return ts[:17] + "00" + ts[19:]


if __name__ == "__main__":
    unittest.main()
