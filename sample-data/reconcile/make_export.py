#!/usr/bin/env python3
"""Generate the sample treasury export for `zhida reconcile` (对账) from the demo data.

    python3 sample-data/reconcile/make_export.py

Reads ../disbursements.csv, ../programs.csv and ../enterprises.csv and writes
treasury-export-2026-10.csv: the 国库集中支付 支付明细 of 2026-10 as the county treasury's
system exports it (title block, its own payment numbers, upstream program codes, dates
with a time, amounts with thousands separators, a 合计 row), read by the profile
treasury.toml beside it. Python 3 standard library only, fixed seed: byte-for-byte the
same each run.

Planted differences (reconciled with the demo database, period 2026-10-01 … 2026-10-31):
amount ×2, date ×2 (voucher matches), program ×1, 直达 flag ×2, matched by credit code +
amount + date without a voucher ×4 (one 2 days apart), one row 5 days apart (outside the
±3-day tolerance: only upstream and only ours), only upstream ×2, only ours ×2 (left out
of the export), a duplicated row, one payment our ledger still shows 待复核 (ours not yet
paid), and the 冲销 of 2026-10-07 as a negative payment.
"""

import csv
import datetime as dt
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.dirname(HERE)
OUT = os.path.join(HERE, "treasury-export-2026-10.csv")
rng = random.Random(20261102)

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def complete(first17):
    s = sum(CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS))
    return first17 + CHARSET[(31 - s % 31) % 31]


def read(name):
    with open(os.path.join(DATA, name), encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


programs = {p["项目编码"]: p for p in read("programs.csv")}
enterprises = {e["统一社会信用代码"]: e for e in read("enterprises.csv")}
disb = read("disbursements.csv")

# upstream program codes (the profile's [programs] table maps them back)
UP_CODE = {
    "WG-2026": "530428-2026-001", "LG-2026": "530428-2026-002", "KG-2026": "530428-2026-003",
    "XN-2026": "530428-2026-004", "KJ-2026": "530428-2026-005", "DB-2026": "530428-2026-006",
    "RD-2026": "530428-2026-007", "GY-2026": "530428-2026-008", "WL-2026": "530428-2026-009",
    "TY-2026": "530428-2026-010", "LY-2026": "530428-2026-011", "JX-2026": "530428-2026-012",
    "FZ-2026": "530428-2026-013",
}
SUBJECT = {
    "WG": "2080799 其他就业补助支出", "LG": "2080799 其他就业补助支出",
    "KG": "2080701 就业创业服务补贴", "XN": "2080701 就业创业服务补贴",
    "JX": "2080701 就业创业服务补贴", "KJ": "2060499 其他技术研究与开发支出",
    "DB": "2150899 其他支持中小企业发展和管理支出", "RD": "2150899 其他支持中小企业发展和管理支出",
    "GY": "2150805 中小企业发展专项", "FZ": "2150899 其他支持中小企业发展和管理支出",
    "LY": "2079999 其他文化旅游体育与传媒支出", "WL": "2140199 其他公路水路运输支出",
    "TY": "2100799 其他计划生育事务支出",
}


def money(x):
    return f"{x:,.2f}"


def account(cc):
    n = sum(ord(c) * (i + 7) for i, c in enumerate(cc)) % 10000
    return f"6217 **** **** {n:04d}"


def stamp(day):
    t = dt.time(rng.randint(8, 17), rng.randint(0, 59), rng.randint(0, 59))
    return f"{day.isoformat()} {t.isoformat()}"


def row(d, **over):
    """An export row for our disbursement dict d; keyword arguments override fields."""
    code = over.get("program", d["项目编码"])
    p = programs[code]
    day = over.get("day", dt.date.fromisoformat(d["日期"]))
    amount = over.get("amount", float(d["金额"]))
    cc = d["统一社会信用代码"]
    return {
        "voucher": over.get("voucher", d["凭证号"]),
        "day": day,
        "dept": p["主管部门"],
        "up_code": over.get("up_code", UP_CODE[code]),
        "prog_name": p["项目名称"],
        "subject": SUBJECT[code[:2]],
        "direct": over.get("direct", p["直达资金"]),
        "name": enterprises[cc]["企业名称"],
        "cc": cc,
        "amount": amount,
        "memo": over.get("memo", d["备注"] or p["项目名称"]),
    }


oct_paid = sorted(
    (d for d in disb if d["日期"].startswith("2026-10-") and d["状态"] == "已拨付"),
    key=lambda d: (d["日期"], d["凭证号"]),
)
by_voucher = {d["凭证号"]: d for d in disb}
rows = []
left_out = {oct_paid[130]["凭证号"], oct_paid[140]["凭证号"]}
planted = []
for i, d in enumerate(oct_paid):
    v = d["凭证号"]
    day = dt.date.fromisoformat(d["日期"])
    amount = float(d["金额"])
    if v in left_out:
        planted.append(f"only ours: {v}")
        continue
    if i == 10:
        wrong = round(amount - 9.00, 2)
        rows.append(row(d, amount=wrong))
        planted.append(f"amount: {v} ours {amount:.2f} upstream {wrong:.2f}")
    elif i == 60:
        rows.append(row(d, amount=amount - 500))
        planted.append(f"amount: {v} ours {amount:.2f} upstream {amount - 500:.2f}")
    elif i in (20, 80):
        shift = 1 if i == 20 else 2
        rows.append(row(d, day=day + dt.timedelta(days=shift)))
        planted.append(f"date: {v} +{shift} day(s)")
    elif i == 30:
        other = "LG-2026" if d["项目编码"] != "LG-2026" else "WG-2026"
        rows.append(row(d, up_code=UP_CODE[other]))
        planted.append(f"program: {v} ours {d['项目编码']} upstream {other}")
    elif i == 40 or (i > 40 and d["项目编码"] == "FZ-2026" and not any("direct: " in x and "FZ" in x for x in planted)):
        flag = "否" if programs[d["项目编码"]]["直达资金"] == "是" else "是"
        rows.append(row(d, direct=flag))
        planted.append(f"direct: {v} ({d['项目编码']}) upstream {flag}")
    elif i in (45, 90, 100):
        rows.append(row(d, voucher=""))
        planted.append(f"by credit code + amount + date: {v}")
    elif i == 110:
        rows.append(row(d, voucher="", day=day + dt.timedelta(days=2)))
        planted.append(f"by credit code + amount + date, 2 days apart: {v}")
    elif i == 120:
        rows.append(row(d, voucher="", day=day + dt.timedelta(days=5)))
        planted.append(f"5 days apart (outside ±3): {v}")
    else:
        rows.append(row(d))
    if i == 50:
        rows.append(dict(rows[-1], dup=True))
        planted.append(f"duplicate: {v}")

# upstream paid a row our ledger still shows as 待复核
pend = by_voucher["YJCZ-2026-01264"]
rows.append(row(pend, day=dt.date(2026, 10, 21)))
planted.append("ours not yet paid: YJCZ-2026-01264 (待复核), paid upstream 2026-10-21")

# two payments our ledger does not have
known = sorted(enterprises)
e1 = known[17]
rows.append({
    "voucher": "", "day": dt.date(2026, 10, 16), "dept": programs["JX-2026"]["主管部门"],
    "up_code": UP_CODE["JX-2026"], "prog_name": programs["JX-2026"]["项目名称"],
    "subject": SUBJECT["JX"], "direct": "是", "name": enterprises[e1]["企业名称"], "cc": e1,
    "amount": 4500.0, "memo": "就业见习补贴（10月）",
})
new_cc = complete("91530428MA6T8NQ2X")
rows.append({
    "voucher": "", "day": dt.date(2026, 10, 28), "dept": programs["FZ-2026"]["主管部门"],
    "up_code": UP_CODE["FZ-2026"], "prog_name": programs["FZ-2026"]["项目名称"],
    "subject": SUBJECT["FZ"], "direct": "否", "name": "元江县红河街道甜蜜蜜糕点店", "cc": new_cc,
    "amount": 2860.0, "memo": "房租水电补助",
})
planted.append(f"only upstream: {e1} 4,500.00 on 2026-10-16; {new_cc} 2,860.00 on 2026-10-28")

rows.sort(key=lambda r: (r["day"], r["voucher"] or "~", r["cc"]))

HEADER = ["序号", "支付凭证号", "业务单号", "支付日期", "预算单位", "项目代码", "项目名称",
          "功能分类科目", "是否直达资金", "收款人名称", "收款人统一社会信用代码", "收款人账号",
          "支付金额", "资金性质", "摘要"]
with open(OUT, "w", encoding="utf-8-sig", newline="") as f:
    f.write("元江县国库集中支付系统 支付明细查询\r\n")
    f.write("查询期间：2026-10-01 至 2026-10-31　单位：元　导出时间：2026-11-02 09:15:33\r\n")
    w = csv.writer(f, lineterminator="\r\n")
    w.writerow(HEADER)
    total = 0.0
    ref = 0
    last_ref = None
    for n, r in enumerate(rows, 1):
        if r.get("dup"):
            this_ref = last_ref
        else:
            ref += 1
            this_ref = f"ZF{r['day']:%Y%m}{ref:05d}"
        last_ref = this_ref
        total += r["amount"]
        w.writerow([n, this_ref, r["voucher"], stamp(r["day"]), r["dept"], r["up_code"],
                    r["prog_name"], r["subject"], r["direct"], r["name"], r["cc"],
                    account(r["cc"]), money(r["amount"]), "一般公共预算", r["memo"]])
    w.writerow(["合计", "", "", "", "", "", "", "", "", "", "", "", money(total), "", ""])

print(f"{OUT}: {len(rows)} payment rows")
for p in planted:
    print("  " + p)
