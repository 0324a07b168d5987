"""End to end: the fake CRM's get-by-id routes of the rest, SuiteCRM, Pipedrive and Odoo
dialects (tests/fake/README.md), what the live reads of those connectors ask: one record
in the same shape as the dialect's list answers, the vendor's own "no such record", the
dialect's auth, `record_requests` in /_control/stats, and faults that hit the route.

Standard library only; the fake is stopped in tearDown and must exit 0."""

import json
import os
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from test_fake_crm import FakeProcess  # noqa: E402

N = 60
PD_TOKEN = "pd-api-token-0123456789abcdef"  # tests/fake/pipedrive_dialect.h
SUITE_FORM = ("grant_type=client_credentials&client_id=3f1c8a52-9d3e-4a1f-b1d2-5c6e7f809a1b"
              "&client_secret=suitecrm-client-secret-1")


class GetByIdTest(unittest.TestCase):
    args = ()

    def setUp(self):
        self.fake = FakeProcess("--records", str(N), *self.args)

    def tearDown(self):
        self.assertEqual(self.fake.stop(), 0)

    def record_requests(self):
        s = self.fake.stats()
        return s["record_requests"], s["list_requests"]


class RestGetById(GetByIdTest):
    def test_one_record_as_the_list_renders_it_and_404_when_unknown_or_deleted(self):
        listed = self.fake.get("/cursor/contacts?limit=10").json()["data"]
        one = self.fake.get("/contacts/3")
        self.assertEqual(one.status, 200, one.body)
        self.assertEqual(one.json(), {"data": next(r for r in listed if r["id"] == "3")})
        for path in ("/contacts/999999", "/contacts/abc"):
            r = self.fake.get(path)
            self.assertEqual(r.status, 404, path)
            self.assertEqual(r.json()["error"]["code"], "not_found")
        self.assertEqual(self.fake.request("DELETE", "/_control/records/3").status, 200)
        self.assertEqual(self.fake.get("/contacts/3").status, 404)
        self.assertEqual(self.fake.get("/contacts/3/notes").status, 404)  # no such route
        self.assertEqual(self.record_requests(), (4, 1))

    def test_faults_hit_the_route(self):
        self.fake.fault(kind="status", status=503)
        self.assertEqual(self.fake.get("/contacts/1").status, 503)
        self.assertEqual(self.fake.get("/contacts/1").status, 200)


class RestGetByIdWithKey(GetByIdTest):
    args = ("--api-key", "k-1")

    def test_the_api_key_is_asked_for(self):
        self.assertEqual(self.fake.get("/contacts/1").status, 401)
        self.assertEqual(self.fake.get("/contacts/1", headers={"X-Api-Key": "k-1"}).status, 200)
        self.assertEqual(self.record_requests(), (2, 0))


class SuiteGetById(GetByIdTest):
    def get(self, path, token=None):
        if token is None:
            token = self.fake.request("POST", "/Api/access_token", form=SUITE_FORM).json()["access_token"]
        return self.fake.get(path, headers={"Authorization": f"Bearer {token}"} if token else {})

    def test_one_contact_with_its_list_shape_fields_and_the_vendors_400(self):
        q = urllib.parse.quote("page[size]=5&page[number]=1&sort=id", safe="=&")
        listed = self.get(f"/Api/V8/module/Contacts?{q}").json()["data"]
        guid = listed[0]["id"]
        one = self.get(f"/Api/V8/module/Contacts/{guid}")
        self.assertEqual(one.status, 200, one.body)
        self.assertEqual(one.header("Content-Type"), "application/vnd.api+json")
        self.assertEqual(one.json(), {"data": listed[0]})
        some = self.get(f"/Api/V8/module/Contacts/{guid}?" + urllib.parse.quote("fields[Contacts]=email1", safe="="))
        self.assertEqual(list(some.json()["data"]["attributes"]), ["email1"])

        unknown = "00000000-0000-4000-8000-000000000000"
        r = self.get(f"/Api/V8/module/Contacts/{unknown}")
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json(), {"errors": {"status": 400, "title": None,
                                               "detail": f"Contacts module with id {unknown} is not found"}})
        self.assertEqual(self.get(f"/Api/V8/module/Accounts/{guid}").status, 400)  # a contact is no account
        self.assertEqual(self.get(f"/Api/V8/module/Contacts/{guid}", token="").status, 401)
        self.assertEqual(self.get(f"/Api/V8/module/Contacts/{guid}", token="forged").status, 401)
        self.assertEqual(self.record_requests(), (6, 1))


class PipedriveGetById(GetByIdTest):
    def get(self, path, token=PD_TOKEN):
        return self.fake.get(path, headers={"x-api-token": token} if token else {})

    def test_person_and_organization_as_the_lists_render_them(self):
        persons = self.get("/api/v2/persons?limit=20").json()["data"]
        orgs = self.get("/api/v2/organizations?limit=20").json()["data"]
        person, org = persons[0], orgs[0]
        one = self.get(f"/api/v2/persons/{person['id']}")
        self.assertEqual(one.status, 200, one.body)
        self.assertEqual(one.json(), {"success": True, "data": person})
        self.assertIsNotNone(one.header("x-ratelimit-remaining"))
        self.assertEqual(self.get(f"/api/v2/organizations/{org['id']}").json(), {"success": True, "data": org})

        r = self.get(f"/api/v2/persons/{org['id']}")  # an organization's id is no person's
        self.assertEqual(r.status, 404)
        self.assertEqual((r.json()["success"], r.json()["error"], r.json()["errorCode"]),
                         (False, "Person not found", 404))
        self.assertEqual(self.get(f"/api/v2/organizations/{person['id']}").json()["error"], "Organization not found")
        self.assertEqual(self.fake.request("DELETE", f"/_control/records/{person['id']}").status, 200)
        self.assertEqual(self.get(f"/api/v2/persons/{person['id']}").status, 404)
        self.assertEqual(self.get("/api/v2/persons/abc").status, 400)
        r = self.get("/api/v2/persons/1", token=None)
        self.assertEqual((r.status, r.json()["error"]), (401, "unauthorized access"))
        self.assertEqual(self.record_requests(), (7, 2))


class OdooRead(GetByIdTest):
    def call(self, method, args, kwargs=None):
        body = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
            "service": "object", "method": "execute_kw",
            "args": ["crm-e2e", 7, "odoo-password-1", "res.partner", method, args, kwargs or {}]}}
        r = self.fake.request("POST", "/jsonrpc", body=body, headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 200, r.body)
        return r.json()

    def test_read_one_partner_missing_error_and_archived(self):
        fields = ["name", "email", "is_company", "active", "write_date"]
        row = self.call("read", [[4]], {"fields": fields})["result"]
        self.assertEqual([r["id"] for r in row], [4])
        self.assertEqual(sorted(row[0]), sorted(["id"] + fields))
        listed = self.call("search_read", [[["id", "=", 4]]], {"fields": fields, "order": "id asc"})["result"]
        self.assertEqual(listed, row)
        gone = self.call("read", [[999999]], {"fields": fields})
        self.assertEqual(gone["error"]["data"]["name"], "odoo.exceptions.MissingError")
        self.call("write", [[4], {"active": False}])
        self.assertIs(self.call("read", [[4]], {"fields": fields})["result"][0]["active"], False)


if __name__ == "__main__":
    unittest.main()
