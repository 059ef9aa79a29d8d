#!/usr/bin/env python3
"""Compare `zhida check --format json` with the reference implementation (checks_ref.py)
on many as-of dates.

    python3 tests/reference/compare.py --bin target/release/zhida DB [DB ...]
        [--dates 2025-01-31,2025-06-15,...]   (default: every month end and mid-month
                                                date over the data's years, plus edges)

Exit 0 when every run agrees (message ignored), 1 otherwise; prints the first
differences of each run.
"""
import argparse
import calendar
import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks_ref  # noqa: E402

FIELDS = ["rule", "severity", "program", "enterprise", "voucher", "amount", "message",
          "acknowledged"]


def default_dates(db):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    lo, hi = con.execute(
        "SELECT min(d), max(d) FROM (SELECT min(date) d FROM allocation UNION ALL "
        "SELECT max(date) FROM disbursement UNION ALL SELECT max(date) FROM evaluation)"
    ).fetchone()
    y0, y1 = int(lo[:4]), int(hi[:4])
    dates = [dt.date(y0 - 1, 12, 31), dt.date.fromisoformat(lo) - dt.timedelta(days=1),
             dt.date.fromisoformat(lo)]
    for y in range(y0, y1 + 2):
        for m in range(1, 13):
            dates.append(dt.date(y, m, calendar.monthrange(y, m)[1]))
            dates.append(dt.date(y, m, 15))
    dates.append(dt.date(y1 + 3, 6, 30))
    return sorted(set(dates))


def rust(bin_, db, d, env):
    p = subprocess.run([bin_, "--db", db, "check", "--as-of", d.isoformat(), "--format",
                        "json"], capture_output=True, env=env)
    if p.returncode != 0:
        raise SystemExit("zhida check failed (%d): %s" % (p.returncode, p.stderr.decode()))
    arr = json.loads(p.stdout, object_pairs_hook=lambda kv: kv)
    out = []
    for kv in arr:
        keys = [k for k, _ in kv]
        if keys != FIELDS:
            raise SystemExit("JSON fields %s != %s" % (keys, FIELDS))
        out.append(dict(kv))
    return out


def strip(fs):
    return [tuple(f[k] for k in FIELDS if k != "message") for f in fs]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/zhida")
    ap.add_argument("--dates")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("db", nargs="+")
    a = ap.parse_args()
    env = dict(os.environ)
    # no user configuration: the SPEC §7 defaults
    env["XDG_CONFIG_HOME"] = tempfile.mkdtemp()
    env["HOME"] = env["XDG_CONFIG_HOME"]
    bad = runs = findings = 0
    for db in a.db:
        dates = ([dt.date.fromisoformat(s) for s in a.dates.split(",")] if a.dates
                 else default_dates(db))
        for d in dates:
            runs += 1
            r = strip(rust(a.bin, db, d, env))
            e = strip(checks_ref.run(db, d))
            findings += len(e)
            if r != e:
                bad += 1
                rs, es = set(r), set(e)
                print("DIFF %s as of %s: zhida %d, reference %d findings" % (db, d, len(r), len(e)))
                for f in sorted(rs - es, key=str)[:10]:
                    print("  only zhida:    ", f)
                for f in sorted(es - rs, key=str)[:10]:
                    print("  only reference:", f)
                if rs == es:
                    for i, (x, y) in enumerate(zip(r, e)):
                        if x != y:
                            print("  order differs at %d: zhida %s, reference %s" % (i, x, y))
                            break
            elif not a.quiet:
                print("ok   %s as of %s: %d findings" % (db, d, len(e)))
    print("%d runs, %d differ, %d reference findings in all" % (runs, bad, findings))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
