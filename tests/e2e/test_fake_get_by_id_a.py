"""End to end: the fake CRM's get-by-id routes (what a live read asks, platform.md "Live
reads") for the HubSpot, Dataverse, Salesforce and Zoho dialects, against the real
crm-fake binary (CRM_FAKE_BIN): a found record in the shape of the lists, the vendor's
"no such record" for unknown and deleted ids, auth refused like the list routes, the
route counted as record_requests in /_control/stats and hit by faults.

Standard library only; every fake is stopped in tearDownClass."""

import http.client
import json
import os
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import Fake  # noqa: E402

HUBSPOT_TOKEN = "pat-na1-live-a-token"
DYN_CLIENT = ("3f1c2a9e-crm-index-e2e", "dyn-client-secret-1")
SF_CLIENT = ("3MVG9sf-fake-consumer-key", "sf-client-secret-1")
ZOHO_CLIENT = ("1000.CRMINDEXE2ECLIENT", "zoho-client-secret-1", "1000.zoho-refresh-token-1")
ZOHO_ID_BASE = 554023000000000000


class GetByIdCase(unittest.TestCase):
    """One fake for the class; raw HTTP against it."""

    fake_args = ()

    @classmethod
    def setUpClass(cls):
        cls.fake = Fake("--records", "40", "--seed", "3", *cls.fake_args)

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()

    @classmethod
    def token_from(cls, path, form):
        """The access_token of the fake's OAuth token endpoint at `path` for a form body."""
        con = http.client.HTTPConnection("127.0.0.1", cls.fake.port, timeout=30)
        try:
            con.request("POST", path, body=urllib.parse.urlencode(form),
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
            return json.loads(con.getresponse().read())["access_token"]
        finally:
            con.close()

    def call(self, method, path, headers=None, body=None):
        """(status, headers with lower-case names, body text)."""
        con = http.client.HTTPConnection("127.0.0.1", self.fake.port, timeout=30)
        try:
            con.request(method, path, body=body, headers=headers or {})
            resp = con.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read().decode()
        finally:
            con.close()

    def get(self, path, headers=None):
        return self.call("GET", path, headers if headers is not None else self.auth())

    def get_json(self, path, status=200):
        code, _, body = self.get(path)
        self.assertEqual(code, status, f"{path}: {body}")
        return json.loads(body) if body else None

    def record_requests(self):
        return self.fake.stats()["record_requests"]

    def delete_one(self):
        """Deletes one live record through the control API: (its dataset id, is a company)."""
        kinds = {int(i): r.get("type", r.get("kind")) for i, r in self.fake.truth().items()}
        gone = int(self.fake.mutate(delete=1, seed=11)["deleted"][0])
        return gone, kinds[gone] == "company"

    def check_counted_and_faulted(self, path):
        """The route counts as record_requests, and a queued fault hits it."""
        before = self.record_requests()
        code, _, _ = self.get(path)
        self.assertEqual(code, 200)
        self.assertEqual(self.record_requests(), before + 1)
        self.fake.fault(kind="status", status=503, retry_after="2", count=1)
        try:
            code, headers, _ = self.get(path)
            self.assertEqual(code, 503)
            self.assertEqual(headers.get("retry-after"), "2")
        finally:
            self.fake.clear_faults()
        code, _, _ = self.get(path)
        self.assertEqual(code, 200)


class HubspotGetById(GetByIdCase):
    fake_args = ("--bearer", HUBSPOT_TOKEN)

    def auth(self):
        return {"Authorization": "Bearer " + HUBSPOT_TOKEN}

    def test_found_contact_has_the_list_shape_and_only_the_properties_asked(self):
        listed = self.get_json("/crm/v3/objects/contacts?limit=1&properties=firstname,email")["results"][0]
        one = self.get_json(f"/crm/v3/objects/contacts/{listed['id']}?properties=firstname,email&archived=false")
        self.assertEqual(one, listed)
        self.assertIn("lastmodifieddate", one["properties"])
        self.assertNotIn("lastname", one["properties"])
        self.assertFalse(one["archived"])

    def test_company_and_the_wrong_object_type(self):
        company = self.get_json("/crm/v3/objects/companies/10?properties=name")
        self.assertEqual(company["id"], "10")
        self.assertIn("name", company["properties"])
        body = self.get_json("/crm/v3/objects/contacts/10", status=404)
        self.assertEqual(body["category"], "OBJECT_NOT_FOUND")

    def test_unknown_and_deleted_ids_are_object_not_found(self):
        for path in ("/crm/v3/objects/contacts/999999", "/crm/v3/objects/contacts/abc"):
            body = self.get_json(path, status=404)
            self.assertEqual(body["status"], "error")
            self.assertEqual(body["category"], "OBJECT_NOT_FOUND")
        gone, company = self.delete_one()
        kind = "companies" if company else "contacts"
        self.get_json(f"/crm/v3/objects/{kind}/{gone}", status=404)
        archived = self.get_json(f"/crm/v3/objects/{kind}/{gone}?archived=true")
        self.assertTrue(archived["archived"])
        self.assertIn("archivedAt", archived)

    def test_auth_is_refused_like_the_list(self):
        code, _, body = self.get("/crm/v3/objects/contacts/1", headers={})
        self.assertEqual(code, 401)
        self.assertEqual(json.loads(body)["category"], "INVALID_AUTHENTICATION")
        code, _, _ = self.get("/crm/v3/objects/contacts/1", headers={"Authorization": "Bearer wrong"})
        self.assertEqual(code, 401)

    def test_counted_and_faulted(self):
        self.check_counted_and_faulted("/crm/v3/objects/contacts/1?properties=email")


def dyn_guid(n, account=False):
    return f"{n:08x}" + ("-aea6-ea11-a812-000d3a55d474" if account else "-d01c-ed11-b83e-000d3a572421")


class DynamicsGetById(GetByIdCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.token = cls.token_from("/tenant-1/oauth2/v2.0/token", {
            "grant_type": "client_credentials", "client_id": DYN_CLIENT[0], "client_secret": DYN_CLIENT[1],
            "scope": "https://acme.crm4.dynamics.com/.default"})

    def auth(self):
        return {"Authorization": "Bearer " + self.token,
                "Prefer": 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"'}

    SELECT = "contactid,fullname,emailaddress1,_parentcustomerid_value,modifiedon,statecode,merged,_masterid_value"

    def test_found_row_has_the_list_shape(self):
        listed = self.get_json(f"/api/data/v9.2/contacts?$select={self.SELECT}"
                               "&$orderby=modifiedon%20asc,contactid%20asc")["value"][0]
        one = self.get_json(f"/api/data/v9.2/contacts({listed['contactid']})?$select={self.SELECT}")
        self.assertTrue(one.pop("@odata.context").endswith("/$entity"))
        self.assertEqual(one, listed)
        self.assertNotIn("firstname", one)

    def test_account_and_unknown_select_column(self):
        account = self.get_json(f"/api/data/v9.2/accounts({dyn_guid(10, True)})?$select=accountid,name")
        self.assertEqual(account["accountid"], dyn_guid(10, True))
        body = self.get_json(f"/api/data/v9.2/contacts({dyn_guid(1)})?$select=nosuch", status=400)
        self.assertIn("nosuch", body["error"]["message"])

    def test_unknown_and_deleted_rows_do_not_exist_merged_ones_are_deactivated(self):
        for guid in (dyn_guid(999999), dyn_guid(10)):  # 10 is an account, not a contact
            body = self.get_json(f"/api/data/v9.2/contacts({guid})", status=404)
            self.assertEqual(body["error"]["code"], "0x80040217")
            self.assertIn("Does Not Exist", body["error"]["message"])
        gone, company = self.delete_one()
        self.get_json(f"/api/data/v9.2/{'accounts' if company else 'contacts'}({dyn_guid(gone, company)})", status=404)
        self.fake.request("POST", "/_control/merge", {"loser": 22, "survivor": 21})
        merged = self.get_json(f"/api/data/v9.2/contacts({dyn_guid(22)})?$select={self.SELECT}")
        self.assertTrue(merged["merged"])
        self.assertEqual(merged["statecode"], 1)
        self.assertEqual(merged["_masterid_value"], dyn_guid(21))

    def test_auth_is_refused_like_the_list(self):
        code, headers, body = self.get(f"/api/data/v9.2/contacts({dyn_guid(1)})", headers={})
        self.assertEqual(code, 401)
        self.assertEqual(body, "")
        self.assertIn("Bearer", headers.get("www-authenticate", ""))

    def test_counted_and_faulted(self):
        self.check_counted_and_faulted(f"/api/data/v9.2/contacts({dyn_guid(3)})?$select=contactid,fullname")


def sf_id(n, account=False):
    return ("0015e" if account else "0035e") + f"{n:013d}"


class SalesforceGetById(GetByIdCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.token = cls.token_from("/services/oauth2/token", {
            "grant_type": "client_credentials", "client_id": SF_CLIENT[0], "client_secret": SF_CLIENT[1]})

    def auth(self):
        return {"Authorization": "Bearer " + self.token}

    def query(self, soql):
        return self.get_json("/services/data/v62.0/query?q=" + urllib.parse.quote(soql))

    def test_found_row_has_the_query_shape(self):
        fields = "Id,Name,Email,IsDeleted,MasterRecordId,SystemModstamp"
        listed = self.query(f"SELECT {fields.replace(',', ', ')} FROM Contact ORDER BY SystemModstamp, Id")["records"][0]
        one = self.get_json(f"/services/data/v62.0/sobjects/Contact/{listed['Id']}?fields={fields}")
        self.assertEqual(one, listed)
        self.assertNotIn("Phone", one)

    def test_a_parent_field_is_refused_but_the_query_by_id_has_it(self):
        body = self.get_json(f"/services/data/v62.0/sobjects/Contact/{sf_id(1)}?fields=Id,Account.Name", status=400)
        self.assertEqual(body[0]["errorCode"], "INVALID_FIELD")
        page = self.query(f"SELECT Id, Account.Name FROM Contact WHERE Id = '{sf_id(1)}'")
        self.assertEqual([r["Id"] for r in page["records"]], [sf_id(1)])
        self.assertEqual(self.query(f"SELECT Id FROM Contact WHERE Id = '{sf_id(10)}'")["records"], [])

    def test_unknown_and_deleted_records(self):
        body = self.get_json(f"/services/data/v62.0/sobjects/Contact/{sf_id(999999)}", status=404)
        self.assertEqual(body[0]["errorCode"], "NOT_FOUND")
        self.get_json(f"/services/data/v62.0/sobjects/Account/{sf_id(1, True)}", status=404)  # 1 is a person
        gone, company = self.delete_one()
        obj = "Account" if company else "Contact"
        body = self.get_json(f"/services/data/v62.0/sobjects/{obj}/{sf_id(gone, company)}", status=404)
        self.assertEqual(body[0]["errorCode"], "ENTITY_IS_DELETED")
        soql = f"SELECT Id, IsDeleted FROM {obj} WHERE Id = '{sf_id(gone, company)}'"
        self.assertEqual(self.query(soql)["records"], [])
        rows = self.get_json("/services/data/v62.0/queryAll?q=" + urllib.parse.quote(soql))["records"]
        self.assertEqual([r["IsDeleted"] for r in rows], [True])

    def test_auth_is_refused_like_the_query(self):
        code, _, body = self.get(f"/services/data/v62.0/sobjects/Contact/{sf_id(1)}", headers={})
        self.assertEqual(code, 401)
        self.assertEqual(json.loads(body)[0]["errorCode"], "INVALID_SESSION_ID")

    def test_counted_and_faulted(self):
        self.check_counted_and_faulted(f"/services/data/v62.0/sobjects/Account/{sf_id(20, True)}?fields=Id,Name")


class ZohoGetById(GetByIdCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        q = urllib.parse.urlencode({"grant_type": "refresh_token", "client_id": ZOHO_CLIENT[0],
                                    "client_secret": ZOHO_CLIENT[1], "refresh_token": ZOHO_CLIENT[2]})
        cls.token = json.loads(cls.fake.request("POST", "/oauth/v2/token?" + q, {}))["access_token"]

    def auth(self):
        return {"Authorization": "Zoho-oauthtoken " + self.token}

    FIELDS = "Full_Name,Email,Account_Name,Modified_Time"

    def test_found_record_has_the_list_shape(self):
        listed = self.get_json(f"/crm/v8/Contacts?fields={self.FIELDS}&sort_by=id&sort_order=asc&per_page=1")["data"][0]
        one = self.get_json(f"/crm/v8/Contacts/{listed['id']}?fields={self.FIELDS}")
        self.assertEqual(one, {"data": [listed]})
        self.assertNotIn("Phone", listed)

    def test_accounts_and_unknown_fields(self):
        account = self.get_json(f"/crm/v8/Accounts/{ZOHO_ID_BASE + 10}?fields=Account_Name")["data"][0]
        self.assertEqual(account["id"], str(ZOHO_ID_BASE + 10))
        body = self.get_json(f"/crm/v8/Contacts/{ZOHO_ID_BASE + 1}?fields=Nosuch", status=400)
        self.assertEqual(body["details"], {"api_name": "Nosuch"})

    def test_deleted_is_204_never_there_is_invalid_data(self):
        body = self.get_json(f"/crm/v8/Contacts/{ZOHO_ID_BASE + 999999}?fields=Email", status=400)
        self.assertEqual(body["code"], "INVALID_DATA")
        self.assertIn("id", body["details"])
        self.get_json(f"/crm/v8/Contacts/{ZOHO_ID_BASE + 10}?fields=Email", status=400)  # an account's id
        gone, company = self.delete_one()
        module = "Accounts" if company else "Contacts"
        code, _, body = self.get(f"/crm/v8/{module}/{ZOHO_ID_BASE + gone}?fields=Phone")
        self.assertEqual((code, body), (204, ""))

    def test_auth_is_refused_like_the_list(self):
        code, _, body = self.get(f"/crm/v8/Contacts/{ZOHO_ID_BASE + 1}?fields=Email",
                                 headers={"Authorization": "Bearer " + self.token})
        self.assertEqual(code, 401)
        self.assertEqual(json.loads(body)["code"], "AUTHENTICATION_FAILURE")

    def test_counted_and_faulted(self):
        self.check_counted_and_faulted(f"/crm/v8/Contacts/{ZOHO_ID_BASE + 2}?fields=Email")


if __name__ == "__main__":
    unittest.main()
