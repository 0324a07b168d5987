"""End to end: no secret of any auth kind reaches anything crm-index writes or serves
(issue #6, design.md "Operating it").

Every auth kind crm-index supports, as each connector takes it: `rest` with an API key in
a header and in the query, a bearer token and HTTP Basic; HubSpot's private-app token and
OAuth refresh; Salesforce's OAuth refresh and client credentials; Dataverse's client
credentials; Zoho's OAuth refresh (Zoho-oauthtoken scheme); Pipedrive's x-api-token and
OAuth with client_auth: basic; Odoo's password and API key. Secrets are given inline, as
`${ENV}` references and as `*_file` paths.

Two daemons run at debug log level against crm-fake: one with the right secrets (every
source syncs), one with wrong ones (every source fails: 401, invalid_client,
invalid_grant, Odoo's refused login). Then every secret value, and the base64 form of each
HTTP Basic credential, is searched for in the daemons' whole output, `crm-index check`,
`check --connect`, `sync` and `status` output, `/metrics`, `/v1/sources`, `/v1/records`, `/v1/changes`,
`/v1/customers`, and the bytes of the SQLite files (every table: runs.error included)."""

import base64
import glob
import json
import os
import secrets
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, Fake, Workspace, free_port, http_get, log, rest_source, wait_until  # noqa: E402

RECORDS = 40
DEBUG = ("--log-level", "debug")

# What the fake's vendor dialects accept (tests/fake/*_dialect.h).
SF_CLIENT_ID, SF_SECRET, SF_REFRESH = "3MVG9sf-fake-consumer-key", "sf-client-secret-1", "5Aep861sf-refresh-token-1"
DYN_CLIENT_ID, DYN_SECRET = "3f1c2a9e-crm-index-e2e", "dyn-client-secret-1"
ZOHO_CLIENT_ID, ZOHO_SECRET, ZOHO_REFRESH = "1000.CRMINDEXE2ECLIENT", "zoho-client-secret-1", "1000.zoho-refresh-token-1"
PD_TOKEN = "pd-api-token-0123456789abcdef"
PD_CLIENT_ID, PD_SECRET, PD_REFRESH = "pd-client-id-e2e", "pd-client-secret-1", "pd-refresh-token-1"
ODOO_LOGIN, ODOO_PASSWORD, ODOO_KEY = "crm-index@acme.example", "odoo-password-1", "6f1d2c9e0b7a4e1f8c3d5a7b9e0f1a2b3c4d5e6f"
BASIC_USER = "svc-e2e"


def distinctive(kind):
    return f"S3cr3t-{kind}-{secrets.token_hex(6)}"


def basic_b64(user, password):
    return base64.b64encode(f"{user}:{password}".encode()).decode()


class Config:
    """The sources of one daemon, with the secrets they hold and the environment that
    `${ENV}` references read."""

    def __init__(self, ws):
        self.ws = ws
        self.blocks = []
        self.secrets = []
        self.env = {}

    def secret(self, key, value, how):
        """`key: value` inline, as a ${ENV} reference or as key_file."""
        self.secrets.append(value)
        if how == "env":
            var = f"CRM_E2E_SECRET_{len(self.env)}"
            self.env[var] = value
            return f"{key}: \"${{{var}}}\""
        if how == "file":
            path = os.path.join(self.ws.dir, f"secret-{len(self.secrets)}")
            with open(path, "w") as f:
                f.write(value + "\n")
            return f"{key}_file: {path}"
        return f"{key}: {value}"

    def add(self, block):
        self.blocks.append(block)


def rest_with_auth(name, fake, auth):
    return rest_source(name, fake, "cursor").replace(f"    base_url: {fake.url}\n",
                                                     f"    base_url: {fake.url}\n    auth: {auth}\n", 1)


def vendor(name, type_, fake, auth, extra=""):
    return f"  - name: {name}\n    type: {type_}\n    base_url: {fake.url}\n    auth: {auth}\n{extra}"


def build(c, right, vendor_fake, key_fake, open_fake, key, bearer):
    """Every auth kind, with the right secrets (right=True) or distinctive wrong ones."""
    def pick(good, kind):
        return good if right else distinctive(kind)

    # rest: the fake's rest dialect checks --api-key and --bearer; it takes any Basic or
    # query key when started without them (open_fake).
    c.add(rest_with_auth("rest-key-header", key_fake, "{ type: api_key, in: header, name: X-Api-Key, "
                         + c.secret("value", pick(key, "apikey-header"), "env") + " }"))
    c.add(rest_with_auth("rest-key-query", open_fake, "{ type: api_key, in: query, name: api_key, "
                         + c.secret("value", distinctive("apikey-query"), "file") + " }"))
    c.add(rest_with_auth("rest-bearer", vendor_fake, "{ type: bearer, "
                         + c.secret("token", pick(bearer, "bearer"), "inline") + " }"))
    password = distinctive("basic")
    c.secrets.append(basic_b64(BASIC_USER, password))
    c.add(rest_with_auth("rest-basic", open_fake, f"{{ type: basic, username: {BASIC_USER}, "
                         + c.secret("password", password, "env") + " }"))
    # HubSpot: private-app token (the fake's --bearer) and OAuth refresh (any client).
    c.add(vendor("hs-private", "hubspot", vendor_fake, "{ type: bearer, "
                 + c.secret("token", pick(bearer, "hubspot-token"), "file") + " }", '    portal_id: "42"\n'))
    c.add(vendor("hs-oauth", "hubspot", vendor_fake,
                 f"{{ type: oauth2, grant: refresh_token, token_url: {vendor_fake.url}/oauth/v1/token, client_id: app-1, "
                 + c.secret("client_secret", distinctive("hubspot-client-secret"), "inline") + ", "
                 + c.secret("refresh_token", distinctive("hubspot-refresh"), "env") + " }", '    portal_id: "42"\n'))
    # Salesforce: refresh token and client credentials.
    c.add(vendor("sf-refresh", "salesforce", vendor_fake,
                 f"{{ type: oauth2, grant: refresh_token, token_url: {vendor_fake.url}/services/oauth2/token, "
                 f"client_id: {SF_CLIENT_ID}, " + c.secret("client_secret", pick(SF_SECRET, "sf-secret"), "file") + ", "
                 + c.secret("refresh_token", pick(SF_REFRESH, "sf-refresh"), "file") + " }", "    api_version: v62.0\n"))
    c.add(vendor("sf-client", "salesforce", vendor_fake,
                 f"{{ type: oauth2, grant: client_credentials, token_url: {vendor_fake.url}/services/oauth2/token, "
                 f"client_id: {SF_CLIENT_ID}, " + c.secret("client_secret", pick(SF_SECRET, "sf-cc-secret"), "env")
                 + " }", "    api_version: v62.0\n"))
    # Dataverse: client credentials with a scope.
    c.add(vendor("dyn", "dynamics", vendor_fake,
                 f"{{ type: oauth2, grant: client_credentials, token_url: {vendor_fake.url}/tenant-1/oauth2/v2.0/token, "
                 f"client_id: {DYN_CLIENT_ID}, " + c.secret("client_secret", pick(DYN_SECRET, "dyn-secret"), "file")
                 + ", scope: https://acme.crm4.dynamics.com/.default }"))
    # Zoho: refresh token, Zoho-oauthtoken scheme.
    c.add(vendor("zoho", "zoho", vendor_fake,
                 f"{{ type: oauth2, grant: refresh_token, token_url: {vendor_fake.url}/oauth/v2/token, "
                 f"client_id: '{ZOHO_CLIENT_ID}', " + c.secret("client_secret", pick(ZOHO_SECRET, "zoho-secret"), "env")
                 + ", " + c.secret("refresh_token", pick(ZOHO_REFRESH, "zoho-refresh"), "inline") + " }"))
    # Pipedrive: x-api-token, and OAuth with the client in HTTP Basic.
    c.add(vendor("pd-key", "pipedrive", vendor_fake, "{ type: api_key, in: header, name: x-api-token, "
                 + c.secret("value", pick(PD_TOKEN, "pd-token"), "file") + " }"))
    pd_secret = pick(PD_SECRET, "pd-secret")
    c.secrets.append(basic_b64(PD_CLIENT_ID, pd_secret))
    c.add(vendor("pd-oauth", "pipedrive", vendor_fake,
                 f"{{ type: oauth2, grant: refresh_token, token_url: {vendor_fake.url}/oauth/token, "
                 f"client_id: {PD_CLIENT_ID}, client_auth: basic, " + c.secret("client_secret", pd_secret, "inline")
                 + ", " + c.secret("refresh_token", pick(PD_REFRESH, "pd-refresh"), "env") + " }"))
    # Odoo: the password, or an API key in its place.
    for name, good, how in (("odoo-password", ODOO_PASSWORD, "file"), ("odoo-key", ODOO_KEY, "env")):
        c.add(vendor(name, "odoo", vendor_fake, f"{{ type: odoo, username: {ODOO_LOGIN}, "
                     + c.secret("password", pick(good, name), how) + " }", "    db: crm-e2e\n"))


class SecretsTest(unittest.TestCase):
    def setUp(self):
        self.fakes = []
        self.wss = []
        self.daemons = []

    def tearDown(self):
        for d in self.daemons:
            d.stop()
        for f in self.fakes:
            f.stop()
        for ws in self.wss:
            ws.cleanup()

    def fake(self, *args):
        f = Fake("--records", str(RECORDS), "--seed", "4", *args)
        self.fakes.append(f)
        return f

    def daemon_config(self, right, vendor_fake, key_fake, open_fake, key, bearer):
        ws = Workspace()
        self.wss.append(ws)
        c = Config(ws)
        build(c, right, vendor_fake, key_fake, open_fake, key, bearer)
        port = free_port()
        ws.write_config("".join(c.blocks), defaults="  interval: 2s\n  jitter: 0%\n  timeout: 5s\n",
                        top=f"api:\n  listen: 127.0.0.1:{port}\n")
        return ws, c, port

    def start(self, ws, c, port):
        d = Daemon(ws, env=c.env, global_args=DEBUG)
        self.daemons.append(d)
        d.wait_ready(port)
        return d

    def sources(self, port):
        status, _, body = http_get(port, "/v1/sources")
        self.assertEqual(status, 200)
        return json.loads(body)["items"]

    def served(self, port):
        """Everything the API shows, as text."""
        out = []
        for path in ("/metrics", "/v1/sources", "/v1/records?limit=1000&include_deleted=true",
                     "/v1/changes?limit=1000", "/v1/customers?limit=1000", "/readyz", "/healthz"):
            status, _, body = http_get(port, path)
            self.assertEqual(status, 200, f"{path}: {body[:300]!r}")
            out.append((path, body))
        return out

    def test_no_secret_of_any_auth_kind_leaks(self):
        key, bearer = distinctive("fake-key"), distinctive("fake-bearer")
        good = self.fake("--bearer", bearer)           # vendor dialects (own auth) and rest bearer
        keyed = self.fake("--api-key", key)            # rest api_key header
        open_ = self.fake()                            # rest basic and query key
        wrong = self.fake("--api-key", distinctive("other-key"), "--bearer", distinctive("other-bearer"))
        wrong.request("POST", "/_control/tokens/revoke")  # every token endpoint refuses

        right_ws, right_c, right_port = self.daemon_config(True, good, keyed, open_, key, bearer)
        wrong_ws, wrong_c, wrong_port = self.daemon_config(False, wrong, wrong, wrong, key, bearer)
        self.assertEqual(len(right_c.blocks), 14)
        right_d = self.start(right_ws, right_c, right_port)
        wrong_d = self.start(wrong_ws, wrong_c, wrong_port)

        def all_ok():
            items = self.sources(right_port)
            return len(items) == 14 and all((s["last_run"] or {}).get("status") == "ok" for s in items)
        try:
            wait_until(all_ok, 40, "every source with the right secret synced")
        except AssertionError:
            bad = {s["name"]: s["last_run"] for s in self.sources(right_port)
                   if (s["last_run"] or {}).get("status") != "ok"}
            raise AssertionError(f"not synced: {bad}\n{right_d.output()}")

        def all_failed():
            items = self.sources(wrong_port)
            return all(s["consecutive_failures"] >= 1 and (s["last_run"] or {}).get("status") == "failed"
                       for s in items)
        wait_until(all_failed, 40, "every source with a wrong secret failed")
        errors = {s["name"]: s["last_run"]["error"] for s in self.sources(wrong_port)}
        log("wrong-secret errors: " + "; ".join(f"{k}: {v}" for k, v in sorted(errors.items())))
        for name, error in errors.items():
            self.assertTrue(error, f"{name} failed without a message")

        texts = []
        for label, port in (("right", right_port), ("wrong", wrong_port)):
            texts += [(f"{label} API {path}", body) for path, body in self.served(port)]
        for label, d in (("right", right_d), ("wrong", wrong_d)):
            self.assertEqual(d.stop(), 0)
            with open(d.log_path, "rb") as f:
                texts.append((f"{label} daemon output", f.read()))
        self.assertIn(b"level=debug", texts[-1][1], "the daemon did not log at debug level")

        for label, ws, c in (("right", right_ws, right_c), ("wrong", wrong_ws, wrong_c)):
            for args in (("check", "--config", ws.config), ("status", "--config", ws.config)):
                r = ws.run(*DEBUG, *args, env=c.env)
                # status says by its exit code that the sources with wrong secrets need attention.
                expect = 1 if (label, args[0]) == ("wrong", "status") else 0
                self.assertEqual(r.returncode, expect, r.stdout + r.stderr)
                texts.append((f"{label} {args[0]}", (r.stdout + r.stderr).encode()))
        # check --connect asks every CRM: the right secrets pass, each wrong one fails.
        for label, ws, c, expect in (("right", right_ws, right_c, 0), ("wrong", wrong_ws, wrong_c, 1)):
            r = ws.run(*DEBUG, "check", "--connect", "--config", ws.config, env=c.env)
            self.assertEqual(r.returncode, expect, r.stdout + r.stderr)
            self.assertEqual(r.stdout.count(": full page: "), 14, r.stdout)
            self.assertEqual(r.stdout.count(": full page: failed: "), 14 if expect else 0, r.stdout)
            texts.append((f"{label} check --connect", (r.stdout + r.stderr).encode()))
        # A one-shot sync with the wrong secrets prints each source's failure.
        r = wrong_ws.run(*DEBUG, "sync", "--config", wrong_ws.config, env=wrong_c.env)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        texts.append(("wrong sync", (r.stdout + r.stderr).encode()))
        for label, ws in (("right", right_ws), ("wrong", wrong_ws)):
            for path in glob.glob(ws.db + "*"):
                with open(path, "rb") as f:
                    texts.append((f"{label} {os.path.basename(path)}", f.read()))
        self.assertGreater(right_ws.query("SELECT count(*) FROM records")[0][0], 0)
        self.assertGreater(wrong_ws.query("SELECT count(*) FROM runs WHERE error IS NOT NULL")[0][0], 0)

        all_secrets = right_c.secrets + wrong_c.secrets
        self.assertGreaterEqual(len(all_secrets), 40)
        # The search finds what is there: the inline secrets are in the config files.
        with open(right_ws.config) as f:
            self.assertIn(bearer, f.read())
        leaks = []
        for secret in all_secrets:
            needle = secret.encode()
            for label, data in texts:
                data = data if isinstance(data, bytes) else data.encode()
                if needle in data:
                    at = data.index(needle)
                    leaks.append(f"{secret!r} in {label}: …{data[max(0, at - 120):at + 40]!r}…")
        self.assertEqual(leaks, [], "secrets leaked:\n" + "\n".join(leaks))


class EchoTest(unittest.TestCase):
    """A CRM (or a proxy) whose 401 quotes the whole request back: headers, query string,
    form body (the fake's `echo` fault, on every request including token endpoints and
    Odoo's JSON-RPC). One source per auth type; each fails, and no secret, nor its base64
    or URL-encoded form, reaches `sync` output, the daemon log, runs.error (the SQLite
    files) or /v1/sources (issue #14, point 2)."""

    def test_an_echoing_crm_leaks_no_credential(self):
        fake = Fake("--records", "10")
        ws = Workspace()
        daemon = None
        try:
            c = Config(ws)
            c.add(rest_with_auth("e-bearer", fake, "{ type: bearer, " + c.secret("token", distinctive("bearer"), "inline") + " }"))
            c.add(rest_with_auth("e-key-header", fake, "{ type: api_key, in: header, name: X-Api-Key, "
                                 + c.secret("value", distinctive("key/header+"), "inline") + " }"))
            c.add(rest_with_auth("e-key-query", fake, "{ type: api_key, in: query, name: api_key, "
                                 + c.secret("value", distinctive("key query/"), "env") + " }"))
            password = distinctive("basic")
            c.secrets.append(basic_b64(BASIC_USER, password))
            c.add(rest_with_auth("e-basic", fake, f"{{ type: basic, username: {BASIC_USER}, "
                                 + c.secret("password", password, "file") + " }"))
            c.add(vendor("e-oauth", "hubspot", fake,
                         f"{{ type: oauth2, grant: refresh_token, token_url: {fake.url}/oauth/v1/token, client_id: app-1, "
                         + c.secret("client_secret", distinctive("client-secret"), "inline") + ", "
                         + c.secret("refresh_token", distinctive("refresh/token"), "env") + " }", '    portal_id: "42"\n'))
            pd_secret = distinctive("pd-secret")
            c.secrets.append(basic_b64(PD_CLIENT_ID, pd_secret))
            c.add(vendor("e-oauth-basic", "pipedrive", fake,
                         f"{{ type: oauth2, grant: refresh_token, token_url: {fake.url}/oauth/token, "
                         f"client_id: {PD_CLIENT_ID}, client_auth: basic, " + c.secret("client_secret", pd_secret, "inline")
                         + ", " + c.secret("refresh_token", distinctive("pd-refresh"), "inline") + " }"))
            c.add(vendor("e-odoo", "odoo", fake, f"{{ type: odoo, username: {ODOO_LOGIN}, "
                         + c.secret("password", distinctive("odoo pass"), "env") + " }", "    db: crm-e2e\n"))
            forms = []
            for secret in c.secrets:
                forms += [secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret),
                          base64.b64encode(secret.encode()).decode()]
            fake.fault(kind="echo", status=401, count=1000)
            port = free_port()
            ws.write_config("".join(c.blocks), defaults="  interval: 1h\n  timeout: 5s\n",
                            top=f"api:\n  listen: 127.0.0.1:{port}\n")
            os.chmod(ws.config, 0o600)
            daemon = Daemon(ws, env=c.env, global_args=DEBUG)
            daemon.wait_ready(port)

            def sources():
                return json.loads(http_get(port, "/v1/sources")[2])["items"]
            wait_until(lambda: all((s["last_run"] or {}).get("status") == "failed" for s in sources()), 30,
                       "every echoed source failed")
            served = http_get(port, "/v1/sources")[2]
            self.assertEqual(daemon.stop(), 0)
            r = ws.run(*DEBUG, "sync", "--config", ws.config, env=c.env)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            texts = [("/v1/sources", served), ("sync output", (r.stdout + r.stderr).encode())]
            r = ws.run(*DEBUG, "check", "--connect", "--config", ws.config, env=c.env)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn("request rejected", r.stdout)  # the echo reached check's lines too
            texts.append(("check --connect output", (r.stdout + r.stderr).encode()))
            with open(daemon.log_path, "rb") as f:
                texts.append(("daemon log", f.read()))
            for path in glob.glob(ws.db + "*"):
                with open(path, "rb") as f:
                    texts.append((os.path.basename(path), f.read()))
            errors = [row[0] for row in ws.query("SELECT error FROM runs WHERE error IS NOT NULL")]
            log("echo errors: " + " || ".join(sorted(set(errors))))
            self.assertTrue(any("request rejected" in e and "***" in e for e in errors),
                            "the echo reached no error message: the test proves nothing")
            leaks = [f"{form!r} in {label}" for form in forms for label, data in texts if form.encode() in data]
            self.assertEqual(leaks, [], "secrets leaked:\n" + "\n".join(leaks))
        finally:
            if daemon:
                daemon.stop()
            fake.stop()
            ws.cleanup()


if __name__ == "__main__":
    unittest.main()
