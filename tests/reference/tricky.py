#!/usr/bin/env python3
"""Hand-crafted edge cases for SPEC §3, written as CSVs in the SPEC §4 import formats.

    python3 tests/reference/tricky.py OUTDIR

Every scenario sits beside its near miss; the interesting as-of dates are printed (one
per line) so that compare.py can be run on them (`--dates $(... | paste -sd,)`).
"""
import os
import sys

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def uscc(n):
    """A valid 统一社会信用代码 numbered n."""
    body = "91530428MA" + "%07d" % n
    body = body[:17]
    s = sum(CHARSET.index(c) * w for c, w in zip(body, WEIGHTS))
    c = 31 - s % 31
    return body + CHARSET[0 if c == 31 else c]


PROGRAMS = []   # (code, name, fy, start, end, cap, once, group, sizes, status)
ALLOCS = []     # (program, date, amount)
DISB = []       # (voucher, program, ent, amount, date, status, entered, approved, reverses)
RECS = []       # (program, date, amount, reason, credit, reallocated_to)
EVALS = []      # (program, year, score, date)
INDS = []       # (program, year, name, target, actual, direction)
ENTS = {}       # n -> (code, size)
DATES = set()


def prog(code, fy=2025, start=None, end=None, cap="", once="否", group="", sizes="", status="active",
         alloc=None):
    PROGRAMS.append((code, "测试项目" + code, fy, start or "%d-01-01" % fy, end or "%d-12-31" % fy,
                     cap, once, group, sizes, status))
    if alloc:
        ALLOCS.append((code, alloc[0], alloc[1]))


def ent(n, size="小型"):
    ENTS[n] = (uscc(n), size)
    return ENTS[n][0]


_v = [0]


def pay(program, e, amount, date, status="已拨付", entered="张三", approved="李四", reverses="",
        voucher=None):
    _v[0] += 1
    v = voucher or "T-%05d" % _v[0]
    if status in ("待复核", "pending") and approved == "李四":
        approved = ""
    DISB.append((v, program, e, amount, date, status, entered, approved, reverses))
    return v


def rev(orig, program, e, amount, date):
    return pay(program, e, "-" + amount, date, reverses=orig)


# ---------------------------------------------------------------- OVER_CAP (cap 1000)
prog("CAP", cap="1000.00", alloc=("2025-01-02", "1000000"))
e = ent(1); pay("CAP", e, "600", "2025-02-01"); pay("CAP", e, "400", "2025-02-02")          # at cap
e = ent(2); pay("CAP", e, "600", "2025-02-01"); pay("CAP", e, "400.01", "2025-02-02")       # 0.01 over
e = ent(3); pay("CAP", e, "600", "2025-02-01"); v = pay("CAP", e, "500", "2025-02-02")
rev(v, "CAP", e, "500", "2025-03-01")                                                        # back under
e = ent(4); pay("CAP", e, "600", "2025-02-01"); v = pay("CAP", e, "500", "2025-02-02")
pay("CAP", e, "500", "2025-02-03"); rev(v, "CAP", e, "500", "2025-03-01")                   # crossing row reversed
e = ent(5); pay("CAP", e, "600", "2025-02-01"); pay("CAP", e, "500", "2025-02-02", status="待复核")
e = ent(6); pay("CAP", e, "600", "2025-02-01"); pay("CAP", e, "500", "2025-02-02", status="已退回")
e = ent(7); pay("CAP", e, "1200", "2024-12-31"); pay("CAP", e, "1200", "2025-01-01")        # two years
e = ent(8); pay("CAP", e, "600", "2025-02-05", voucher="T-B"); pay("CAP", e, "600", "2025-02-05", voucher="T-A")
e = ent(9); v = pay("CAP", e, "1500", "2025-02-01"); rev(v, "CAP", e, "1500", "2025-07-15")  # reversal after D
e = ent(10); pay("CAP", e, "1000", "2025-02-01"); pay("CAP", e, "600", "2025-02-02"); \
    v = pay("CAP", e, "500", "2025-02-03"); rev(v, "CAP", e, "500", "2025-02-04")           # crossing row live, later one reversed
e = ent(11); pay("CAP", e, "900", "2025-02-01"); v = pay("CAP", e, "200", "2025-02-02"); \
    rev(v, "CAP", e, "200", "2025-02-03"); pay("CAP", e, "100", "2025-02-04")               # at cap after reversal
e = ent(12); pay("CAP", e, "2000", "2025-02-01", status="已复核")                           # approved only
DATES.update(["2025-06-30", "2025-07-14", "2025-07-15", "2025-02-02", "2025-02-03", "2025-03-01"])

# ---------------------------------------------------------------- REPEAT
prog("ONCE", once="是", alloc=("2025-01-02", "1000000"))
e = ent(20); pay("ONCE", e, "100", "2025-03-01", voucher="R-B"); pay("ONCE", e, "100", "2025-03-01", voucher="R-A")
e = ent(21); v = pay("ONCE", e, "100", "2025-03-01"); rev(v, "ONCE", e, "100", "2025-03-05"); pay("ONCE", e, "100", "2025-04-01")
e = ent(22); pay("ONCE", e, "100", "2024-12-31"); pay("ONCE", e, "100", "2025-01-01")
e = ent(23); pay("ONCE", e, "100", "2025-03-01", status="待复核"); pay("ONCE", e, "100", "2025-03-02", status="已退回")
e = ent(24); pay("ONCE", e, "100", "2025-03-01"); pay("ONCE", e, "50", "2025-05-01", status="已复核"); pay("ONCE", e, "70", "2025-06-01", status="待复核")
e = ent(25); pay("ONCE", e, "100", "2025-03-01"); v = pay("ONCE", e, "100", "2025-04-01"); rev(v, "ONCE", e, "100", "2025-08-01")
DATES.update(["2025-07-31", "2025-08-01"])

# ---------------------------------------------------------------- EXCLUSIVE across three programs
for c in ("X1", "X2", "X3"):
    prog(c, group="吸纳扩岗", alloc=("2025-01-02", "1000000"))
prog("X4", group="另一组", alloc=("2025-01-02", "1000000"))
e = ent(30); pay("X1", e, "100", "2025-01-10"); pay("X2", e, "100", "2025-02-10"); pay("X3", e, "100", "2025-03-10")
e = ent(31); pay("X1", e, "100", "2025-01-10"); pay("X1", e, "100", "2025-02-10"); pay("X2", e, "100", "2025-03-10")
e = ent(32); pay("X2", e, "100", "2025-01-10"); pay("X1", e, "100", "2025-02-10"); pay("X2", e, "100", "2025-03-10")
e = ent(33); pay("X1", e, "100", "2025-04-01", voucher="EX-2"); pay("X2", e, "100", "2025-04-01", voucher="EX-1")
e = ent(34); pay("X1", e, "100", "2024-12-31"); pay("X2", e, "100", "2025-01-01")
e = ent(35); v = pay("X1", e, "100", "2025-01-10"); rev(v, "X1", e, "100", "2025-01-20"); pay("X2", e, "100", "2025-02-10")
e = ent(36); pay("X1", e, "100", "2025-01-10"); pay("X4", e, "100", "2025-02-10")
e = ent(37); pay("X1", e, "100", "2025-01-10", status="已退回"); pay("X2", e, "100", "2025-02-10", status="待复核")

# ---------------------------------------------------------------- DUPLICATE
prog("DUP", alloc=("2025-01-02", "1000000"))
e = ent(40); pay("DUP", e, "300", "2025-03-01"); pay("DUP", e, "300", "2025-03-08"); pay("DUP", e, "300", "2025-03-15")
e = ent(41); pay("DUP", e, "300", "2025-03-01"); pay("DUP", e, "300", "2025-03-09")
e = ent(42); pay("DUP", e, "300", "2025-03-01"); pay("DUP", e, "300.01", "2025-03-02")
e = ent(43); v = pay("DUP", e, "300", "2025-03-01"); rev(v, "DUP", e, "300", "2025-03-03"); pay("DUP", e, "300", "2025-03-04")
e = ent(44); pay("DUP", e, "300", "2025-03-01", voucher="D-B"); pay("DUP", e, "300", "2025-03-01", voucher="D-A")
e = ent(45); pay("DUP", e, "300", "2025-12-28"); pay("DUP", e, "300", "2026-01-02")
e = ent(46); pay("DUP", e, "300", "2025-03-01", status="已退回"); pay("DUP", e, "300", "2025-03-02")
e = ent(47); pay("DUP", e, "300", "2025-03-01", status="待复核"); pay("DUP", e, "300", "2025-03-05", status="已复核")

# ---------------------------------------------------------------- IDLE / RECOVER_DUE (D = 2025-06-30)
# 2025-06-30 minus 89 days = 2025-04-02, minus 90 = 2025-04-01
prog("IDL89", alloc=("2025-01-02", "10000")); pay("IDL89", ent(50), "100", "2025-04-02")
prog("IDL90", alloc=("2025-01-02", "10000")); pay("IDL90", ent(50), "100", "2025-04-01")
prog("NEV89", alloc=("2025-04-02", "10000"))
prog("NEV90", alloc=("2025-04-01", "10000"))
prog("NEVNEG", alloc=("2025-04-01", "10000")); ALLOCS.append(("NEVNEG", "2025-05-01", "-10000"))   # balance 0
prog("IDLREV", alloc=("2025-01-02", "10000")); v = pay("IDLREV", ent(51), "100", "2025-05-01"); rev(v, "IDLREV", ent(51), "100", "2025-06-01")
prog("IDLPEND", alloc=("2025-01-02", "10000")); pay("IDLPEND", ent(50), "100", "2025-01-05"); pay("IDLPEND", ent(50), "100", "2025-06-20", status="待复核")
prog("IDLLATER", alloc=("2025-01-02", "10000")); pay("IDLLATER", ent(50), "100", "2025-01-05"); pay("IDLLATER", ent(50), "100", "2025-07-20")
prog("IDLREC", alloc=("2025-01-02", "10000")); pay("IDLREC", ent(50), "100", "2025-01-05"); RECS.append(("IDLREC", "2025-03-01", "9900", "闲置", "", ""))
# RECOVER_DUE: 2025-06-30 minus 365 days = 2024-06-30
prog("RD365", fy=2024, alloc=("2024-01-02", "10000"), end="2026-12-31"); pay("RD365", ent(50), "100", "2024-06-30")
prog("RD364", fy=2024, alloc=("2024-01-02", "10000"), end="2026-12-31"); pay("RD364", ent(50), "100", "2024-07-01")
prog("RDEND", start="2025-01-01", end="2025-06-29", alloc=("2025-01-02", "10000")); pay("RDEND", ent(50), "100", "2025-06-20")
prog("RDENDEQ", start="2025-01-01", end="2025-06-30", alloc=("2025-01-02", "10000")); pay("RDENDEQ", ent(50), "100", "2025-06-20")
prog("RDNEV", fy=2024, alloc=("2024-06-30", "10000"), end="2026-12-31")          # never paid, 365 days from allocation
prog("RDNEV2", fy=2024, alloc=("2024-07-01", "10000"), end="2026-12-31")         # never paid, 364 days
prog("RDZERO", start="2025-01-01", end="2025-03-31", alloc=("2025-01-02", "10000")); pay("RDZERO", ent(50), "10000", "2025-03-01")
DATES.update(["2025-06-29", "2025-06-30", "2025-07-01", "2024-06-30", "2024-09-27", "2024-09-28", "2024-09-29"])

# ---------------------------------------------------------------- LAGGING (budget 1200, D = 2025-06-30: tp 0.5)
prog("LAG40", alloc=("2025-01-02", "1200")); pay("LAG40", ent(60), "480", "2025-05-01")       # exactly 10 pp behind
prog("LAG39", alloc=("2025-01-02", "1200")); pay("LAG39", ent(60), "479.99", "2025-05-01")    # fires, 120.01
prog("LAGFEN", alloc=("2025-01-02", "1000.01")); pay("LAGFEN", ent(60), "100", "2025-05-01")  # 500.005 -> half up
prog("LAGFEN7", alloc=("2025-01-02", "1000.07")); pay("LAGFEN7", ent(60), "1", "2025-05-01")
prog("LAGCLOSED", status="closed", alloc=("2025-01-02", "1200"))
prog("LAGNEXT", fy=2026, alloc=("2025-01-02", "1200"))
prog("LAGZERO", alloc=("2025-01-02", "1200")); ALLOCS.append(("LAGZERO", "2025-02-01", "-1200"))
prog("LAGNEG", alloc=("2025-01-02", "2400")); ALLOCS.append(("LAGNEG", "2025-02-01", "-1200")); pay("LAGNEG", ent(60), "480", "2025-05-01")
prog("LAGPEND", alloc=("2025-01-02", "1200")); pay("LAGPEND", ent(60), "1000", "2025-05-01", status="已复核")
prog("LAGREV", alloc=("2025-01-02", "1200")); v = pay("LAGREV", ent(60), "600", "2025-05-01"); rev(v, "LAGREV", ent(60), "600", "2025-06-01")
prog("LAGREC", alloc=("2025-01-02", "1200")); RECS.append(("LAGREC", "2025-03-01", "1200", "闲置", "", "LAGTGT"))
prog("LAGTGT", alloc=("2025-01-02", "0.03"))
for m in range(1, 13):
    DATES.add("2025-%02d-%02d" % (m, [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]))

# ---------------------------------------------------------------- OVERDRAWN
prog("OVEQ", alloc=("2025-01-02", "1000")); RECS.append(("OVEQ", "2025-02-01", "100", "闲置", "", "")); \
    pay("OVEQ", ent(70), "800", "2025-03-01"); pay("OVEQ", ent(71), "100", "2025-03-02", status="待复核")
prog("OV1", alloc=("2025-01-02", "1000")); RECS.append(("OV1", "2025-02-01", "100", "闲置", "", "")); \
    pay("OV1", ent(70), "800", "2025-03-01"); pay("OV1", ent(71), "100.01", "2025-03-02", status="待复核")
prog("OVCLAW", alloc=("2025-01-02", "1000")); pay("OVCLAW", ent(72), "1000", "2025-03-01"); \
    RECS.append(("OVCLAW", "2025-04-01", "200", "追回", ent(72), ""))

# ---------------------------------------------------------------- INELIGIBLE
prog("ELIG", sizes="小型;微型;个体", alloc=("2025-01-02", "100000"))
prog("ELIGALL", sizes="", alloc=("2025-01-02", "100000"))
big = ent(80, "大型"); mid = ent(81, "中型"); small = ent(82, "小型")
pay("ELIG", big, "10", "2025-03-01"); pay("ELIG", mid, "10", "2025-03-01", status="待复核")
pay("ELIG", mid, "10", "2025-03-02", status="已退回"); pay("ELIG", small, "10", "2025-03-01")
v = pay("ELIG", big, "20", "2025-03-03"); rev(v, "ELIG", big, "20", "2025-03-04")
pay("ELIG", big, "30", "2025-08-01")
pay("ELIGALL", big, "10", "2025-03-01")

# ---------------------------------------------------------------- SELF_APPROVED / STALE_PENDING
prog("SELF", alloc=("2025-01-02", "100000"))
pay("SELF", ent(90), "10", "2025-03-01", entered="杨丽", approved="杨丽")
pay("SELF", ent(90), "11", "2025-03-01", status="已退回", entered="杨丽", approved="杨丽")
pay("SELF", ent(90), "12", "2025-03-01", status="已复核", entered="杨丽", approved="杨丽")
pay("SELF", ent(90), "13", "2025-03-01", status="待复核", entered="杨丽", approved="")
pay("SELF", ent(90), "14", "2025-07-05", entered="杨丽", approved="杨丽")
v = pay("SELF", ent(91), "15", "2025-03-01", entered="杨丽", approved="杨丽"); rev(v, "SELF", ent(91), "15", "2025-03-10")
pay("SELF", ent(92), "16", "2025-03-01", entered="", approved="")
# STALE: D = 2025-06-30; 30 days before = 2025-05-31, 31 days = 2025-05-30
pay("SELF", ent(93), "20", "2025-05-31", status="待复核")
pay("SELF", ent(93), "21", "2025-05-30", status="待复核")
pay("SELF", ent(93), "22", "2025-05-30", status="已复核")
pay("SELF", ent(93), "23", "2025-05-30", status="已退回")

# ---------------------------------------------------------------- NO_EVAL / LOW_SCORE / TARGET_MISS
prog("EV24", fy=2024, alloc=("2024-01-02", "100")); EVALS.append(("EV24", 2024, "59.99", "2025-03-15"))
prog("EV24B", fy=2024, alloc=("2024-01-02", "100")); EVALS.append(("EV24B", 2024, "60.00", "2025-03-15"))
prog("EV24C", fy=2024, alloc=("2024-01-02", "100")); EVALS.append(("EV24C", 2024, "50", "2025-01-15")); EVALS.append(("EV24C", 2024, "80", "2025-02-15"))
prog("EV24D", fy=2024, alloc=("2024-01-02", "100")); EVALS.append(("EV24D", 2023, "50", "2025-02-15")); EVALS.append(("EV24D", 2024, "90", "2025-02-15"))
prog("EV24E", fy=2024, alloc=("2024-01-02", "100")); EVALS.append(("EV24E", 2025, "40", "2025-02-15"))   # wrong year: NO_EVAL + LOW_SCORE
prog("EV25", fy=2025, alloc=("2025-01-02", "100"))
INDS += [("EV24", 2024, "及时率", "95", "95", "ge"), ("EV24", 2024, "户数", "200", "199.9", "ge"),
         ("EV24", 2024, "闲置率", "5", "5.0", "le"), ("EV24", 2024, "闲置率2", "5", "5.01", "le"),
         ("EV24", 2024, "未知", "5", "", "le"), ("EV25", 2026, "将来", "10", "1", "ge")]
DATES.update(["2025-01-14", "2025-01-15", "2025-02-14", "2025-02-15", "2025-03-14", "2025-03-15", "2024-12-31"])


# ---------------------------------------------------------------- ordering (byte order of codes)
for c in ("a-low", "Z-up", "项目甲", "Ⅱ-1", "A-UP"):
    prog(c, once="是", alloc=("2025-01-02", "100"))
    e = ent(100)
    for v in ("b-1", "B-2", "凭-1", "10", "9", "Ⅱ"):
        pay(c, e, "1", "2025-03-03", voucher=c + v, entered="王五", approved="王五")
    pay(c, ent(101), "1", "2025-03-03", voucher=c + "x", entered="王五", approved="王五")
    pay(c, ent(102, "个体"), "1", "2025-03-03", voucher=c + "y", entered="王五", approved="王五")


SIZE_EN = {"大型": "large", "中型": "medium", "小型": "small", "微型": "micro", "个体": "individual"}


def write(out):
    os.makedirs(out, exist_ok=True)

    def w(name, header, rows):
        with open(os.path.join(out, name), "w", encoding="utf-8", newline="") as f:
            f.write(",".join(header) + "\n")
            for r in rows:
                f.write(",".join(str(x) for x in r) + "\n")

    w("programs.csv", ["项目编码", "项目名称", "主管部门", "资金级次", "年度", "文号", "直达资金", "开始日期",
                       "结束日期", "单户年度上限", "每年限一次", "互斥组", "适用规模", "状态"],
      [(c, n, "县财政局", "县级", fy, "", "是", s, e, cap, once, g, sizes, st)
       for (c, n, fy, s, e, cap, once, g, sizes, st) in PROGRAMS])
    w("enterprises.csv", ["统一社会信用代码", "企业名称", "规模", "行业", "乡镇", "联系人"],
      [(c, "测试企业%d有限公司" % n, s, "", "", "") for n, (c, s) in sorted(ENTS.items())])
    w("allocations.csv", ["项目编码", "日期", "金额", "文号", "备注"], [(p, d, a, "", "") for p, d, a in ALLOCS])
    w("disbursements.csv", ["凭证号", "项目编码", "统一社会信用代码", "金额", "日期", "状态", "经办人", "复核人", "冲销凭证号", "备注"],
      [r + ("",) for r in DISB])
    w("recoveries.csv", ["项目编码", "日期", "金额", "原因", "文号", "统一社会信用代码", "调入项目", "备注"],
      [(p, d, a, why, "", c, to, "") for p, d, a, why, c, to in RECS])
    w("evaluations.csv", ["项目编码", "年度", "得分", "评价人", "日期", "备注"], [(p, y, s, "", d, "") for p, y, s, d in EVALS])
    w("indicators.csv", ["项目编码", "年度", "指标名称", "单位", "目标值", "实际值", "方向"],
      [(p, y, n, "", t, a, dr) for p, y, n, t, a, dr in INDS])


if __name__ == "__main__":
    write(sys.argv[1])
    print("\n".join(sorted(DATES)))
