#!/usr/bin/env python3
"""The baseline crm-index is measured against: what a sysadmin might write instead.

A straightforward poller in standard-library Python: it pages through one REST endpoint
with a keyset cursor over one keep-alive connection, maps each record to the same
minimal fields, hashes them (BLAKE2b, 128 bits; the modification time is not hashed, so
a record that was only re-stamped is unchanged), and upserts into SQLite (WAL,
synchronous=NORMAL) in one transaction per page: one query for the stored hashes of the
page's ids, then inserts and updates of what changed. The first run reads everything;
later runs ask for records modified since the watermark minus 5 minutes, and the
watermark moves only when a run completes.

Not done here, as a first version would not: deletions, linking, full-text search, a
change feed, retries. bench/run times it on the same fake CRM, endpoint and page size
as crm-index.

    bench/baseline.py --base-url http://127.0.0.1:PORT --api-key KEY --db base.db [--page-size 1000]

Prints `baseline: ok full|incremental fetched=F created=C updated=U unchanged=K seconds=S`.
"""
import argparse
import hashlib
import http.client
import json
import sqlite3
import sys
import time
import urllib.parse
from datetime import datetime, timedelta, timezone

OVERLAP = timedelta(minutes=5)

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
  id INTEGER PRIMARY KEY,
  external_id TEXT NOT NULL UNIQUE,
  kind TEXT, name TEXT, given_name TEXT, family_name TEXT,
  email TEXT, phone TEXT, company TEXT,
  updated_at TEXT NOT NULL,
  hash BLOB NOT NULL,
  changed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def mapped(rec):
    contact = rec.get("contact") or {}
    company = rec.get("company") or {}
    return (str(rec["id"]), rec.get("type") or "person", rec.get("full_name") or "",
            rec.get("first_name") or "", rec.get("last_name") or "",
            contact.get("email") or "", contact.get("phone") or "", company.get("name") or "")


def record_hash(fields):
    return hashlib.blake2b("\x1f".join(fields).encode(), digest_size=16).digest()


class Poller:
    def __init__(self, base_url, api_key, page_size):
        url = urllib.parse.urlsplit(base_url)
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        self.prefix = url.path.rstrip("/")
        self.headers = {"X-Api-Key": api_key, "Accept": "application/json"}
        self.page_size = page_size

    def pages(self, modified_since):
        cursor = None
        while True:
            params = {"limit": self.page_size}
            if modified_since:
                params["modified_since"] = modified_since
            if cursor:
                params["cursor"] = cursor
            self.conn.request("GET", f"{self.prefix}/cursor/contacts?{urllib.parse.urlencode(params)}",
                              headers=self.headers)
            resp = self.conn.getresponse()
            body = resp.read()
            if resp.status != 200:
                raise RuntimeError(f"HTTP {resp.status}: {body[:200]!r}")
            page = json.loads(body)
            yield page["data"]
            cursor = page["meta"]["next_cursor"]
            if not cursor or not page["data"]:
                return


def apply_page(db, records, counts, now):
    """One transaction: look up the page's stored hashes at once, write what changed."""
    rows = {}
    newest = None
    for rec in records:
        fields = mapped(rec)
        rows[fields[0]] = (fields, record_hash(fields), rec["modified_at"])
        ts = datetime.fromisoformat(rec["modified_at"].replace("Z", "+00:00"))
        newest = ts if newest is None or ts > newest else newest
    db.execute("BEGIN")
    ids = list(rows)
    stored = dict(db.execute(
        f"SELECT external_id, hash FROM records WHERE external_id IN ({','.join('?' * len(ids))})", ids))
    inserts, updates = [], []
    for ext, (f, h, updated) in rows.items():
        old = stored.get(ext)
        if old is None:
            inserts.append((ext, *f[1:], updated, h, now))
        elif old != h:
            updates.append((*f[1:], updated, h, now, ext))
    db.executemany("INSERT INTO records (external_id, kind, name, given_name, family_name, email, phone, "
                   "company, updated_at, hash, changed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", inserts)
    db.executemany("UPDATE records SET kind=?, name=?, given_name=?, family_name=?, email=?, phone=?, "
                   "company=?, updated_at=?, hash=?, changed_at=? WHERE external_id=?", updates)
    db.execute("COMMIT")
    counts["fetched"] += len(records)
    counts["created"] += len(inserts)
    counts["updated"] += len(updates)
    counts["unchanged"] += len(records) - len(inserts) - len(updates)
    return newest


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--api-key", default="")
    ap.add_argument("--db", required=True)
    ap.add_argument("--page-size", type=int, default=1000)
    args = ap.parse_args()

    started = time.monotonic()
    run_start = datetime.now(timezone.utc)
    db = sqlite3.connect(args.db, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(SCHEMA)
    row = db.execute("SELECT value FROM state WHERE key='watermark'").fetchone()
    watermark = datetime.fromisoformat(row[0]) if row else None
    since = (watermark - OVERLAP).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if watermark else None

    counts = {"fetched": 0, "created": 0, "updated": 0, "unchanged": 0}
    now = run_start.strftime("%Y-%m-%dT%H:%M:%SZ")
    newest = None
    for records in Poller(args.base_url, args.api_key, args.page_size).pages(since):
        if records:
            seen = apply_page(db, records, counts, now)
            newest = seen if newest is None or seen > newest else newest
    if newest is not None:
        db.execute("INSERT INTO state (key, value) VALUES ('watermark', ?) ON CONFLICT (key) DO UPDATE "
                   "SET value = excluded.value", (min(newest, run_start).astimezone(timezone.utc).isoformat(),))
    db.close()
    print(f"baseline: ok {'incremental' if watermark else 'full'} fetched={counts['fetched']} "
          f"created={counts['created']} updated={counts['updated']} unchanged={counts['unchanged']} "
          f"seconds={time.monotonic() - started:.2f}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
