#!/usr/bin/env python3
"""Independent reference implementation of SPEC §3 (month-end checks), written from the
SPEC text alone. Python 3 standard library only (sqlite3). Reads a zhida SQLite database
and prints the same JSON array as `zhida check --format json` (message left empty).

    python3 tests/reference/checks_ref.py DB (--month YYYY-MM | --as-of YYYY-MM-DD)

Readings of the SPEC where it needs one are marked READING below (see README.md).
"""
import argparse
import calendar
import datetime as dt
import json
import sqlite3
import sys
from decimal import Decimal
from fractions import Fraction

# SPEC §7 defaults ("these are the defaults the tests use")
LAG_PP = 10
IDLE_DAYS = 90
RECOVER_DAYS = 365
DUPLICATE_DAYS = 7
STALE_DAYS = 30
LOW_SCORE = 60

ERROR, WARN = "error", "warn"
SEVERITY = {
    "LAGGING": WARN, "IDLE": WARN, "RECOVER_DUE": ERROR, "OVERDRAWN": ERROR,
    "OVER_CAP": ERROR, "REPEAT": ERROR, "EXCLUSIVE": ERROR, "INELIGIBLE": ERROR,
    "DUPLICATE": WARN, "SELF_APPROVED": ERROR, "STALE_PENDING": WARN, "NO_EVAL": WARN,
    "LOW_SCORE": ERROR, "TARGET_MISS": WARN,
}
LIVE_STATUS = ("pending", "approved", "paid")


def day(s):
    return dt.date.fromisoformat(s)


def half_up(x):
    """Round a Fraction of fen half up to a whole fen (half away from zero)."""
    if x >= 0:
        return int((x + Fraction(1, 2)) // 1)
    return -int((-x + Fraction(1, 2)) // 1)


def yuan(fen):
    if fen is None:
        return None
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return "%s%d.%02d" % (sign, fen // 100, fen % 100)


def run(db, d):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    con.row_factory = sqlite3.Row
    ds = d.isoformat()
    programs = {r["id"]: r for r in con.execute("SELECT * FROM program")}
    ents = {r["id"]: r for r in con.execute("SELECT * FROM enterprise")}
    # Only rows dated <= D count.
    allocs = [r for r in con.execute(
        "SELECT program_id, date, amount_fen FROM allocation WHERE date <= ?", (ds,))]
    recs = [r for r in con.execute(
        "SELECT program_id, date, amount_fen FROM recovery WHERE date <= ?", (ds,))]
    # Rejected rows count nowhere.
    disb = [dict(r) for r in con.execute(
        "SELECT id, voucher_no, program_id, enterprise_id, amount_fen, date, status, "
        "entered_by, approved_by, reverses_id FROM disbursement "
        "WHERE date <= ? AND status <> 'rejected'", (ds,))]
    evals = [r for r in con.execute(
        "SELECT id, program_id, year, score_x100, date FROM evaluation WHERE date <= ?", (ds,))]
    # READING: indicators carry no date; every indicator with actual set is considered.
    inds = [r for r in con.execute(
        "SELECT id, program_id, year, name, target, actual, direction FROM indicator")]
    acks = {r[0] for r in con.execute("SELECT key FROM finding_ack")}

    # live = pending/approved/paid, dated <= D, not a reversal row, not reversed by a
    # reversal dated <= D.  (A reversal is a paid row; a rejected "reversal" cancels nothing.)
    reversed_ids = {r["reverses_id"] for r in disb
                    if r["reverses_id"] is not None and r["status"] == "paid"}
    for r in disb:
        r["live"] = r["reverses_id"] is None and r["id"] not in reversed_ids
        r["year"] = int(r["date"][:4])
        r["credit"] = ents[r["enterprise_id"]]["credit_code"]
    live = [r for r in disb if r["live"]]

    budget, paid, committed, recovered = {}, {}, {}, {}
    first_alloc, last_paid = {}, {}
    for a in allocs:
        p = a["program_id"]
        budget[p] = budget.get(p, 0) + a["amount_fen"]
        if p not in first_alloc or a["date"] < first_alloc[p]:
            first_alloc[p] = a["date"]
    for r in recs:
        recovered[r["program_id"]] = recovered.get(r["program_id"], 0) + r["amount_fen"]
    for r in disb:
        p = r["program_id"]
        if r["status"] == "paid":
            paid[p] = paid.get(p, 0) + r["amount_fen"]
            if r["amount_fen"] > 0 and (p not in last_paid or r["date"] > last_paid[p]):
                last_paid[p] = r["date"]
        else:
            committed[p] = committed.get(p, 0) + r["amount_fen"]

    out = []

    def find(rule, prog_id, ent=None, voucher=None, amount=None, year=None, detail=None):
        code = programs[prog_id]["code"]
        # READING (the SPEC does not say which year): a voucher finding is acknowledged
        # under the calendar year of its row (of the OVER_CAP group) or the year of D;
        # a program-level finding under the year of D; TARGET_MISS under
        # TARGET_MISS|program||<indicator name>|<indicator year>, or with the voucher part
        # empty (literal) and the indicator's year or the year of D.
        def k(v, y):
            return "|".join([rule, code, ent or "", v, "%04d" % y])
        if detail is not None:
            keys = {k(detail, year), k("", year), k("", d.year)}
        elif voucher is not None:
            keys = {k(voucher, year), k(voucher, d.year)}
        else:
            keys = {k("", d.year)}
        out.append({
            "rule": rule, "severity": SEVERITY[rule], "program": code,
            "enterprise": ent, "voucher": voucher, "amount": yuan(amount),
            "message": "", "acknowledged": bool(keys & acks),
        })

    # ---------------------------------------------------------------- program level
    for pid, p in programs.items():
        b = budget.get(pid, 0)
        pd = paid.get(pid, 0)
        cm = committed.get(pid, 0)
        rc = recovered.get(pid, 0)
        bal = b - pd - rc
        # LAGGING
        if p["status"] == "active" and p["fiscal_year"] == d.year and b > 0:
            tp = Fraction(d.month, 12)
            rate = Fraction(pd, b)
            if rate < tp - Fraction(LAG_PP, 100):
                find("LAGGING", pid, amount=half_up(b * tp - pd))
        # RECOVER_DUE / IDLE
        if bal > 0:
            since = last_paid.get(pid)
            if since is None:
                since = first_alloc.get(pid)  # never paid: counted from its first allocation
            days = (d - day(since)).days if since is not None else None
            ended = p["end_date"] is not None and p["end_date"] < ds
            # READING: the 365-day clause uses the same reference date as IDLE (first
            # allocation for a program never paid).
            if ended or (days is not None and days >= RECOVER_DAYS):
                find("RECOVER_DUE", pid, amount=bal)
            elif days is not None and days >= IDLE_DAYS:
                find("IDLE", pid, amount=bal)
        # OVERDRAWN
        if pd + cm > b - rc:
            find("OVERDRAWN", pid, amount=pd + cm - (b - rc))
        # NO_EVAL
        if p["fiscal_year"] < d.year and not any(
                e["program_id"] == pid and e["year"] == p["fiscal_year"] for e in evals):
            find("NO_EVAL", pid)
        # LOW_SCORE: latest evaluation by date (READING: same date -> later year, then id)
        mine = [e for e in evals if e["program_id"] == pid]
        if mine:
            latest = max(mine, key=lambda e: (e["date"], e["year"], e["id"]))
            if latest["score_x100"] < LOW_SCORE * 100:
                find("LOW_SCORE", pid)
    # TARGET_MISS
    for i in inds:
        if i["actual"] is None:
            continue
        t, a = Decimal(i["target"]), Decimal(i["actual"])
        miss = a < t if i["direction"] == "ge" else a > t
        if miss:
            find("TARGET_MISS", i["program_id"], year=i["year"], detail=i["name"])

    # ---------------------------------------------------------------- voucher level
    order = lambda r: (r["date"], r["voucher_no"])

    # OVER_CAP: totals over all counted rows (reversals included); the voucher is the
    # row at which the running total first exceeds the cap.
    groups = {}
    for r in disb:
        if programs[r["program_id"]]["cap_per_enterprise_fen"] is not None:
            groups.setdefault((r["program_id"], r["enterprise_id"], r["year"]), []).append(r)
    for (pid, eid, y), rows in groups.items():
        cap = programs[pid]["cap_per_enterprise_fen"]
        rows.sort(key=order)
        total = sum(r["amount_fen"] for r in rows)
        if total <= cap:
            continue
        run_total, at = 0, None
        for r in rows:
            run_total += r["amount_fen"]
            # READING: literally "the row at which the running total first exceeds the
            # cap", even when that row is reversed later (the finding belongs to the
            # enterprise-year total, not to the row; the row only locates it).
            if run_total > cap:
                at = r
                break
        if at is not None:
            find("OVER_CAP", pid, at["credit"], at["voucher_no"], total - cap, y)

    # REPEAT
    groups = {}
    for r in live:
        if programs[r["program_id"]]["once_per_year"]:
            groups.setdefault((r["program_id"], r["enterprise_id"], r["year"]), []).append(r)
    for rows in groups.values():
        rows.sort(key=order)
        for r in rows[1:]:
            find("REPEAT", r["program_id"], r["credit"], r["voucher_no"], r["amount_fen"], r["year"])

    # EXCLUSIVE: earlier = before in (date, voucher_no) order, same calendar year
    groups = {}
    for r in live:
        g = programs[r["program_id"]]["exclusive_group"]
        if g is not None:
            groups.setdefault((g, r["enterprise_id"], r["year"]), []).append(r)
    for rows in groups.values():
        rows.sort(key=order)
        seen = set()
        for r in rows:
            if seen - {r["program_id"]}:
                find("EXCLUSIVE", r["program_id"], r["credit"], r["voucher_no"], r["amount_fen"], r["year"])
            seen.add(r["program_id"])

    # INELIGIBLE: per pending/approved/paid row dated <= D; reversal / reversed rows never
    # produce voucher findings of their own -> live rows.
    for r in live:
        sizes = programs[r["program_id"]]["eligible_sizes"]
        if sizes and ents[r["enterprise_id"]]["size"] not in sizes.split(";"):
            find("INELIGIBLE", r["program_id"], r["credit"], r["voucher_no"], r["amount_fen"], r["year"])

    # DUPLICATE: each later one of a pair <= 7 days apart
    groups = {}
    for r in live:
        groups.setdefault((r["program_id"], r["enterprise_id"], r["amount_fen"]), []).append(r)
    for rows in groups.values():
        rows.sort(key=order)
        for i, r in enumerate(rows):
            if any((day(r["date"]) - day(q["date"])).days <= DUPLICATE_DAYS for q in rows[:i]):
                find("DUPLICATE", r["program_id"], r["credit"], r["voucher_no"], r["amount_fen"], r["year"])

    # SELF_APPROVED (READING: rows that count = live rows)
    for r in live:
        if r["approved_by"] != "" and r["approved_by"] == r["entered_by"]:
            find("SELF_APPROVED", r["program_id"], r["credit"], r["voucher_no"], r["amount_fen"], r["year"])

    # STALE_PENDING
    for r in live:
        if r["status"] in ("pending", "approved") and (d - day(r["date"])).days > STALE_DAYS:
            find("STALE_PENDING", r["program_id"], r["credit"], r["voucher_no"], r["amount_fen"], r["year"])

    # Findings are sorted: severity (error first), rule, program, enterprise, voucher.
    # Strings by code point (= UTF-8 byte order); READING: null before any string.
    def k(f):
        n = lambda s: (0, "") if s is None else (1, s)
        return (0 if f["severity"] == ERROR else 1, f["rule"], f["program"],
                n(f["enterprise"]), n(f["voucher"]))
    out.sort(key=k)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--month")
    g.add_argument("--as-of")
    a = ap.parse_args()
    if a.month:
        y, m = map(int, a.month.split("-"))
        d = dt.date(y, m, calendar.monthrange(y, m)[1])
    else:
        d = dt.date.fromisoformat(a.as_of)
    json.dump(run(a.db, d), sys.stdout, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main()
