#!/usr/bin/env python3
"""Generate zhida's demo data set (元江县财政局 惠企资金台账, fiscal years 2025–2026).

Deterministic (fixed seed, Python 3 standard library only):

    python3 sample-data/make_sample.py            # writes the CSVs beside this script

The data are realistic in shape (programs from the 元江县 纾困 action plans, real
townships, valid 统一社会信用代码) and carry a handful of planted problems so that the
month-end checks for 2026-10 (as of 2026-10-31) find every rule: OVER_CAP, REPEAT,
EXCLUSIVE, INELIGIBLE, DUPLICATE, SELF_APPROVED, STALE_PENDING, LAGGING, IDLE,
RECOVER_DUE, OVERDRAWN, NO_EVAL, LOW_SCORE, TARGET_MISS. See README.md.
"""

import csv
import datetime as dt
import os
import random
import tomllib

SEED = 20261125
AS_OF = dt.date(2026, 10, 31)  # the month-end the planted problems are aimed at
TODAY = dt.date(2026, 11, 25)
OUT = os.path.dirname(os.path.abspath(__file__))

rng = random.Random(SEED)

# ------------------------------------------------------------------ credit codes
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def complete(first17):
    s = sum(CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS))
    return first17 + CHARSET[(31 - s % 31) % 31]


def credit_code(kind):
    # 9 = 市场监管登记; 1 企业 / 2 个体工商户 / 3 农民专业合作社; 530428 = 元江县
    body = "MA" + "".join(rng.choice(CHARSET) for _ in range(7))
    return complete("9" + kind + "530428" + body)


# ------------------------------------------------------------------ enterprises
TOWNSHIPS = ["澧江街道", "红河街道", "甘庄街道", "因远镇", "曼来镇", "东峨镇",
             "羊街乡", "那诺乡", "洼垤乡", "龙潭乡", "咪哩乡"]
BRANDS = ["红河谷", "哈尼", "澧江", "金芒", "甘庄", "彝乡", "傣乡", "玉元", "元通", "云岭",
          "热坝", "青龙", "阿波", "玛玉", "三江", "南溪", "磨房", "普洱", "滇南", "金沙",
          "元康", "恒达", "鑫源", "兴元", "瑞丰", "宏泰", "佳禾", "丰源", "华诚", "昌隆"]
INDUSTRIES = [
    ("食品加工", ["食品", "米线加工", "果脯食品", "调味品"]),
    ("农业", ["芒果种植", "热带水果", "蔬菜种植", "生态农业"]),
    ("蔗糖加工", ["糖业", "蔗糖"]),
    ("矿冶", ["矿业", "冶炼"]),
    ("电力", ["水电", "新能源"]),
    ("生物医药", ["生物科技", "药业"]),
    ("信息技术", ["信息技术", "网络科技", "电子商务"]),
    ("文化旅游", ["文化旅游", "旅游开发"]),
    ("住宿餐饮", ["酒店", "餐饮管理"]),
    ("批发零售", ["商贸", "农资"]),
    ("交通运输", ["运输", "物流"]),
    ("建筑业", ["建筑工程", "建材"]),
]
SURNAMES = "李王张刀白普杨马罗陈赵周岩施龙"
GIVEN = ["明", "芳", "伟", "丽", "强", "兰", "春梅", "华", "军", "国庆", "秀英", "建华", "玉香", "志勇", "文"]
SIZE_WEIGHTS = [("large", 3), ("medium", 12), ("small", 35), ("micro", 35), ("individual", 15)]
SIZE_ZH = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型", "individual": "个体"}


def person():
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def pick_size():
    total = sum(w for _, w in SIZE_WEIGHTS)
    x = rng.uniform(0, total)
    for s, w in SIZE_WEIGHTS:
        x -= w
        if x <= 0:
            return s
    return "micro"


enterprises = []
names = set()
codes = set()
while len(enterprises) < 320:
    size = pick_size()
    industry, words = rng.choice(INDUSTRIES)
    town = rng.choice(TOWNSHIPS)
    if size == "individual":
        shop = rng.choice(["米线店", "便利店", "农资店", "小吃店", "汽车修理部", "五金店", "水果店"])
        name = f"元江县{town}{person()}{shop}"
        code = credit_code("2")
    elif industry == "农业" and rng.random() < 0.5:
        name = f"元江县{town}{rng.choice(BRANDS)}{rng.choice(words)}专业合作社"
        code = credit_code("3")
    else:
        suffix = "有限责任公司" if rng.random() < 0.3 else "有限公司"
        where = town if rng.random() < 0.4 else ""
        name = f"元江县{where}{rng.choice(BRANDS)}{rng.choice(words)}{suffix}"
        code = credit_code("1")
    if name in names or code in codes:
        continue
    names.add(name)
    codes.add(code)
    enterprises.append({"code": code, "name": name, "size": size, "industry": industry,
                        "township": town, "contact": person()})

by_size = {}
for e in enterprises:
    by_size.setdefault(e["size"], []).append(e)

# ------------------------------------------------------------------ programs
# (code, name, department, level, year, policy_ref, direct, cap_yuan, once, group, sizes, status)
PROGRAMS = [
    ("WG-2025", "失业保险稳岗返还", "县人力资源和社会保障局", "county", 2025, "元人社发〔2025〕8号", True, None, False, None, "", "active"),
    ("LG-2025", "一次性留工培训补助", "县人力资源和社会保障局", "provincial", 2025, "云人社通〔2025〕15号", True, None, True, None, "", "active"),
    ("KJ-2025", "科技创新券", "县工业商贸和科技信息局", "provincial", 2025, "元财教〔2025〕3号", True, 300000, False, None, "medium;small;micro", "active"),
    ("DB-2025", "创业担保贷款贴息", "县人力资源和社会保障局", "central", 2025, "元财社〔2025〕12号", True, None, False, None, "small;micro;individual", "active"),
    ("SK-2025", "中小微企业纾困资金", "县财政局", "county", 2025, "元财企〔2025〕6号", False, None, False, None, "small;micro;individual", "active"),
    ("GY-2025", "规上工业企业培育专项资金", "县工业商贸和科技信息局", "municipal", 2025, "玉财企〔2025〕21号", False, None, False, None, "large;medium;small", "active"),
    ("NY-2025", "有机农业绿色食品发展专项资金", "县农业农村局", "provincial", 2025, "云财农〔2025〕33号", True, None, False, None, "", "active"),
    ("LY-2025", "旅游业恢复发展奖补资金", "县文化和旅游局", "provincial", 2025, "云财产业〔2025〕18号", True, None, False, None, "", "closed"),
    ("WG-2026", "失业保险稳岗返还", "县人力资源和社会保障局", "county", 2026, "元人社发〔2026〕5号", True, None, False, None, "", "active"),
    ("LG-2026", "一次性留工培训补助", "县人力资源和社会保障局", "provincial", 2026, "云人社通〔2026〕9号", True, None, True, None, "", "active"),
    ("KG-2026", "一次性扩岗补助", "县人力资源和社会保障局", "central", 2026, "元人社发〔2026〕11号", True, None, False, "吸纳扩岗", "", "active"),
    ("XN-2026", "一次性吸纳就业补贴", "县人力资源和社会保障局", "county", 2026, "元人社发〔2026〕12号", True, None, False, "吸纳扩岗", "medium;small;micro", "active"),
    ("KJ-2026", "科技创新券", "县工业商贸和科技信息局", "provincial", 2026, "元财教〔2026〕2号", True, 300000, False, None, "medium;small;micro", "active"),
    ("DB-2026", "创业担保贷款贴息", "县人力资源和社会保障局", "central", 2026, "元财社〔2026〕7号", True, None, False, None, "small;micro;individual", "active"),
    ("RD-2026", "融资担保费补贴", "县财政局", "provincial", 2026, "元财金〔2026〕4号", True, None, False, None, "small;micro", "active"),
    ("GY-2026", "规上工业企业培育专项资金", "县工业商贸和科技信息局", "municipal", 2026, "玉财企〔2026〕14号", False, None, False, None, "large;medium;small", "active"),
    ("WL-2026", "中老铁路货运物流补助", "县交通运输局", "provincial", 2026, "云财建〔2026〕27号", True, None, False, None, "", "active"),
    ("TY-2026", "托育服务代金券补助", "县卫生健康局", "county", 2026, "元财社〔2026〕19号", False, None, False, None, "small;micro;individual", "active"),
    ("LY-2026", "旅游业恢复发展奖补资金", "县文化和旅游局", "provincial", 2026, "云财产业〔2026〕10号", True, None, False, None, "", "active"),
    ("JX-2026", "就业见习补贴", "县人力资源和社会保障局", "county", 2026, "元人社发〔2026〕16号", True, None, False, None, "", "active"),
    ("FZ-2026", "服务业小微企业房租水电补助", "县财政局", "county", 2026, "元财企〔2026〕3号", False, None, False, None, "micro;individual", "active"),
]
PROG = {p[0]: p for p in PROGRAMS}


def eligible(code):
    sizes = PROG[code][10]
    if not sizes:
        return list(enterprises)
    allowed = sizes.split(";")
    return [e for e in enterprises if e["size"] in allowed]


def yuan(x):
    """Round to the fen, as a string with 2 decimals."""
    return f"{x:.2f}"


def amount_for(code, e):
    s = e["size"]
    if code.startswith("WG"):
        # 稳岗返还: large 50 %, others 90 % of last year's unemployment-insurance premium
        base = {"large": (80000, 400000), "medium": (30000, 120000), "small": (6000, 40000),
                "micro": (1000, 8000), "individual": (300, 2000)}[s]
        return round(rng.uniform(*base) * (0.5 if s == "large" else 0.9), 2)
    if code.startswith("LG"):  # 500 元/人
        staff = {"large": (150, 600), "medium": (40, 150), "small": (8, 40), "micro": (2, 8), "individual": (1, 3)}[s]
        return 500 * rng.randint(*staff)
    if code.startswith("KG"):  # 1500 元/人
        return 1500 * rng.randint(1, 6)
    if code.startswith("XN"):  # 1000 元/人
        return 1000 * rng.randint(1, 8)
    if code.startswith("KJ"):  # 按交易额 50% 兑付, ≤ 30万/户/年
        return round(rng.uniform(20000, 150000), -2)
    if code.startswith("DB"):  # 季度贴息
        return round(rng.uniform(1500, 18000), 2)
    if code.startswith("RD"):
        return round(rng.uniform(2000, 16000), 2)
    if code.startswith("SK"):
        return round(rng.uniform(3000, 30000), -2)
    if code.startswith("GY"):
        return round(rng.uniform(300000, 900000), -3)
    if code.startswith("NY"):
        return round(rng.uniform(20000, 120000), -2)
    if code.startswith("LY"):
        return round(rng.uniform(10000, 80000), -2)
    if code.startswith("WL"):
        return round(rng.uniform(20000, 90000), 2)
    if code.startswith("JX"):  # 1500 元/人/月
        return 1500 * rng.randint(1, 4)
    if code.startswith("FZ"):
        return round(rng.uniform(800, 6000), -1)
    return round(rng.uniform(1000, 10000), 2)


# how many rows, in which months, per program
PLAN = {
    "WG-2025": (230, 4, 11), "LG-2025": (170, 3, 9), "KJ-2025": (55, 3, 12),
    "DB-2025": (140, 3, 12), "SK-2025": (180, 2, 8), "GY-2025": (13, 5, 12),
    "NY-2025": (60, 4, 11), "LY-2025": (55, 3, 10),
    "WG-2026": (240, 3, 11), "LG-2026": (170, 3, 10), "KG-2026": (110, 2, 11),
    "XN-2026": (110, 2, 11), "KJ-2026": (55, 3, 11), "DB-2026": (140, 1, 11),
    "RD-2026": (95, 2, 10), "GY-2026": (12, 4, 11), "WL-2026": (38, 2, 7),
    "TY-2026": (0, 1, 1), "LY-2026": (40, 3, 10), "JX-2026": (170, 2, 11),
    "FZ-2026": (190, 2, 11),
}

CLERKS = ["李娟", "杨丽", "普春梅", "白云"]
APPROVERS = ["王建国", "刀美兰"]

disb = []  # dicts
seq = {2025: 0, 2026: 0}


def voucher(year):
    seq[year] += 1
    return f"YJCZ-{year}-{seq[year]:05d}"


def rand_date(year, m1, m2):
    while True:
        m = rng.randint(m1, m2)
        d = rng.randint(1, 28)
        day = dt.date(year, m, d)
        if day <= TODAY:
            return day


def status_for(day):
    """Old rows are paid (a few rejected); the last weeks are still in review."""
    age = (TODAY - day).days
    r = rng.random()
    if age <= 10:
        return "pending" if r < 0.6 else "approved"
    if age <= 25:
        return "pending" if r < 0.2 else ("approved" if r < 0.6 else "paid")
    return "rejected" if r < 0.03 else "paid"


def add(code, e, amount, day, status=None, entered=None, approved=None, note="", reverses=""):
    year = PROG[code][4] if day.year == PROG[code][4] else day.year
    status = status or status_for(day)
    entered = entered or rng.choice(CLERKS)
    if approved is None:
        approved = "" if status == "pending" else rng.choice(APPROVERS)
    if status == "rejected" and not note:
        note = rng.choice(["材料不全，退回补充", "收款账户信息有误，退回", "不符合申报条件，退回"])
    row = {"voucher": voucher(year), "program": code, "credit": e["code"], "amount": amount,
           "date": day, "status": status, "entered": entered, "approved": approved,
           "reverses": reverses, "note": note}
    disb.append(row)
    return row


# regular rows, respecting each program's own rules (problems are planted after)
used_once = {}     # (program, year) -> set of enterprises
group_used = {}    # (group, year) -> {enterprise: program}
cap_total = {}     # (program, ent, year) -> yuan
dup_guard = set()  # (program, ent, amount)
for code, (n, m1, m2) in PLAN.items():
    p = PROG[code]
    year = p[4]
    pool = eligible(code)
    if code.startswith(("GY",)):
        pool = [e for e in pool if e["industry"] in ("食品加工", "蔗糖加工", "矿冶", "电力", "生物医药", "建筑业")] or pool
    if code.startswith("JX"):
        pool = [e for e in pool if e["size"] in ("large", "medium", "small")]
    made = 0
    tries = 0
    while made < n and tries < n * 50:
        tries += 1
        e = rng.choice(pool)
        day = rand_date(year, m1, m2)
        if code.startswith(("TY",)):
            break
        if p[8]:  # once per year
            s = used_once.setdefault((code, year), set())
            if e["code"] in s:
                continue
            s.add(e["code"])
        if p[9]:  # exclusive group
            g = group_used.setdefault((p[9], year), {})
            if g.get(e["code"], code) != code:
                continue
            g[e["code"]] = code
        amount = amount_for(code, e)
        if p[7]:  # cap per enterprise per year
            key = (code, e["code"], year)
            if cap_total.get(key, 0) + amount > p[7] * 0.9:
                continue
            cap_total[key] = cap_total.get(key, 0) + amount
        if (code, e["code"], amount) in dup_guard:
            continue
        if code.startswith("WG") and any(r["program"] == code and r["credit"] == e["code"] for r in disb):
            continue  # 稳岗返还 is once a year in practice (not a rule of the program)
        dup_guard.add((code, e["code"], amount))
        # nothing older than a month stays in review (stale rows are planted below)
        row = add(code, e, amount, day)
        if row["status"] in ("pending", "approved") and (AS_OF - day).days > 30 and day <= AS_OF:
            row["status"] = "paid"
            row["approved"] = row["approved"] or rng.choice(APPROVERS)
        made += 1


def ent(size=None, not_in=(), pool=None):
    pool = pool or (by_size[size] if size else enterprises)
    while True:
        e = rng.choice(pool)
        if e["code"] not in not_in:
            return e


def find_unused(code, year, size_ok):
    taken = {r["credit"] for r in disb if r["program"] == code}
    group = PROG[code][9]
    if group:
        taken |= set(group_used.get((group, year), {}))
    return ent(pool=[e for e in enterprises if e["size"] in size_ok and e["code"] not in taken])


planted = []  # (rule, description) for README

# OVER_CAP: KJ-2026 18万 + 15万 for one enterprise in 2026 (cap 30万)
e = find_unused("KJ-2026", 2026, ("small",))
add("KJ-2026", e, 180000, dt.date(2026, 3, 18), "paid", "普春梅", "王建国", "技术开发合同交易额36万元，按50%兑付")
add("KJ-2026", e, 150000, dt.date(2026, 8, 21), "paid", "普春梅", "王建国", "检验检测服务交易额30万元")
planted.append(("OVER_CAP", f"KJ-2026 {e['name']}: 18万 + 15万 > 30万"))
# near miss: exactly at the cap (does not fire)
e = find_unused("KJ-2026", 2026, ("micro",))
add("KJ-2026", e, 200000, dt.date(2026, 4, 9), "paid", "李娟", "刀美兰")
add("KJ-2026", e, 100000, dt.date(2026, 9, 2), "paid", "李娟", "刀美兰", "累计恰好30万元")

# REPEAT: LG-2026 twice in 2026 for one enterprise
e = find_unused("LG-2026", 2026, ("small", "medium"))
add("LG-2026", e, 12500, dt.date(2026, 4, 16), "paid", "杨丽", "王建国")
add("LG-2026", e, 9000, dt.date(2026, 7, 23), "paid", "白云", "刀美兰", "二次申领")
planted.append(("REPEAT", f"LG-2026 {e['name']}: 2026-04-16 and 2026-07-23"))

# EXCLUSIVE: 扩岗 + 吸纳 for the same enterprise in 2026
e = find_unused("KG-2026", 2026, ("small",))
add("KG-2026", e, 4500, dt.date(2026, 4, 10), "paid", "李娟", "王建国", "招用高校毕业生3人")
add("XN-2026", e, 3000, dt.date(2026, 6, 18), "paid", "白云", "刀美兰", "吸纳脱贫劳动力3人")
planted.append(("EXCLUSIVE", f"KG-2026 + XN-2026 {e['name']}"))

# INELIGIBLE: a medium and a large enterprise in 创业担保贷款贴息 (small/micro/individual)
e1 = ent("medium")
add("DB-2026", e1, 16800, dt.date(2026, 5, 20), "paid", "杨丽", "王建国", "第二季度贴息")
e2 = ent("large")
add("DB-2026", e2, 22400.5, dt.date(2026, 9, 24), "approved", "普春梅", "刀美兰", "第三季度贴息")
planted.append(("INELIGIBLE", f"DB-2026 {e1['name']} (中型), {e2['name']} (大型)"))

# DUPLICATE: same program/enterprise/amount 3 days apart; near miss 8 days apart
e = find_unused("WG-2026", 2026, ("small",))
add("WG-2026", e, 18650.4, dt.date(2026, 5, 12), "paid", "李娟", "王建国")
add("WG-2026", e, 18650.4, dt.date(2026, 5, 15), "paid", "白云", "刀美兰")
planted.append(("DUPLICATE", f"WG-2026 {e['name']}: 18,650.40 on 05-12 and 05-15"))
e = find_unused("FZ-2026", 2026, ("micro",))
add("FZ-2026", e, 2400, dt.date(2026, 6, 1), "paid", "杨丽", "王建国", "第一季度房租补助")
add("FZ-2026", e, 2400, dt.date(2026, 6, 9), "paid", "杨丽", "王建国", "第二季度房租补助")

# SELF_APPROVED: entered and approved by the same clerk
for code, amount, day in [("JX-2026", 6000, dt.date(2026, 9, 8)), ("FZ-2026", 3150, dt.date(2026, 9, 9)),
                          ("RD-2026", 8800, dt.date(2026, 10, 12))]:
    e = ent(pool=eligible(code))
    add(code, e, amount, day, "paid", "杨丽", "杨丽", "")
planted.append(("SELF_APPROVED", "杨丽 entered and approved 3 payments in 2026-09/10"))

# OVERDRAWN: 融资担保费补贴 applications in review push RD-2026 past its budget
for day in (dt.date(2026, 10, 19), dt.date(2026, 10, 22), dt.date(2026, 10, 26), dt.date(2026, 10, 29)):
    e = ent(pool=eligible("RD-2026"))
    add("RD-2026", e, round(rng.uniform(9000, 16000), 2), day, "pending", "白云", "", "担保费补贴申请")
planted.append(("OVERDRAWN", "RD-2026: paid + pending > budget at 2026-10-31"))

# STALE_PENDING: in review for more than 30 days at 2026-10-31
for code, status, day in [("WG-2026", "pending", dt.date(2026, 8, 14)), ("JX-2026", "approved", dt.date(2026, 9, 3)),
                          ("LY-2026", "pending", dt.date(2026, 7, 30)), ("FZ-2026", "pending", dt.date(2026, 9, 22))]:
    e = ent(pool=eligible(code))
    amount = amount_for(code, e)
    add(code, e, amount, day, status, "普春梅", "" if status == "pending" else "王建国", "待补充材料")
planted.append(("STALE_PENDING", "4 rows pending/approved since 2026-07 … 2026-09"))

# reversals (冲销): paid rows reversed and paid again to the right account
paid_rows = [r for r in disb if r["status"] == "paid" and r["date"] <= dt.date(2026, 9, 30)
             and (r["date"].year == 2026 or r["date"].month <= 11)
             and not PROG[r["program"]][8] and not PROG[r["program"]][9] and not PROG[r["program"]][7]
             and r["program"] not in ("SK-2025",)]
for r in rng.sample(paid_rows, 9):
    rev_day = r["date"] + dt.timedelta(days=rng.randint(3, 15))
    e = next(x for x in enterprises if x["code"] == r["credit"])
    add(r["program"], e, -r["amount"], rev_day, "paid", r["entered"], r["approved"],
        f"收款账户有误，冲销 {r['voucher']}", reverses=r["voucher"])
    if rng.random() < 0.7:
        add(r["program"], e, r["amount"], rev_day + dt.timedelta(days=rng.randint(2, 6)), "paid",
            r["entered"], r["approved"], f"更正账户后重拨（原 {r['voucher']}）")

# WL-2026 stops paying in July (IDLE at 2026-10-31); TY-2026 is never paid (IDLE)
disb.sort(key=lambda r: (r["date"], r["voucher"]))
# vouchers in date order, as a treasury system numbers them
seq = {2025: 0, 2026: 0}
renum = {}
for r in disb:
    old = r["voucher"]
    r["voucher"] = voucher(r["date"].year)
    renum[old] = r["voucher"]
for r in disb:
    if r["reverses"]:
        r["reverses"] = renum[r["reverses"]]
    r["note"] = r["note"].replace("冲销 ", "冲销 ")
    for old, new in ((k, v) for k, v in renum.items() if k in r["note"]):
        r["note"] = r["note"].replace(old, new)


# ------------------------------------------------------------------ budgets
def paid_until(code, until):
    return sum(r["amount"] for r in disb if r["program"] == code and r["status"] == "paid" and r["date"] <= until)


def committed_until(code, until):
    return sum(r["amount"] for r in disb if r["program"] == code and r["status"] in ("pending", "approved")
               and r["date"] <= until)


def ceil_wan(x):
    return int(-(-x // 10000) * 10000)


# execution rate as of 2026-10-31 for 2026 programs (time progress 83.3 %, lag line 73.3 %)
RATE_2026 = {"WG-2026": 0.86, "LG-2026": 0.88, "KG-2026": 0.80, "XN-2026": 0.78, "KJ-2026": 0.82,
             "DB-2026": 0.84, "GY-2026": 0.79, "WL-2026": 0.52, "LY-2026": 0.61, "JX-2026": 0.77,
             "FZ-2026": 0.90}
budget = {}
for code in PROG:
    year = PROG[code][4]
    if year == 2025:
        total = paid_until(code, dt.date(2025, 12, 31)) + committed_until(code, dt.date(2025, 12, 31))
        budget[code] = 9300000 if code == "GY-2025" else ceil_wan(total / rng.uniform(0.90, 0.96))
    elif code == "RD-2026":
        # OVERDRAWN: paid + committed exceed the budget
        budget[code] = int((paid_until(code, AS_OF) + committed_until(code, AS_OF)) * 0.985 // 10000 * 10000)
    elif code == "TY-2026":
        budget[code] = 1000000
    else:
        budget[code] = ceil_wan(paid_until(code, AS_OF) / RATE_2026[code])
assert paid_until("GY-2025", dt.date(2025, 12, 31)) < 9300000, "GY-2025 overspent: change the seed"

# ------------------------------------------------------------------ recoveries
recoveries = []
reallocated_in = {}
# a clawback in 2025: 骗取稳岗返还 追回
victim = next(r for r in disb if r["program"] == "WG-2025" and r["status"] == "paid" and not r["reverses"])
claw = round(victim["amount"] * 0.4, 2)
recoveries.append({"program": "WG-2025", "date": dt.date(2025, 12, 10), "amount": claw, "reason": "clawback",
                   "doc_no": "元人社函〔2025〕66号", "credit": victim["credit"], "to": "",
                   "note": "虚报参保人数，追回多发部分"})
REALLOC = {"WG-2025": "WG-2026", "GY-2025": "GY-2026", "LG-2025": "LG-2026", "DB-2025": "DB-2026",
           "KJ-2025": None, "NY-2025": None, "LY-2025": None}
for code, to in REALLOC.items():
    left = budget[code] - paid_until(code, dt.date(2026, 1, 31)) - sum(
        x["amount"] for x in recoveries if x["program"] == code)
    left = round(left, 2)
    if left <= 0:
        continue
    day = dt.date(2026, 1, rng.randint(12, 27))
    recoveries.append({"program": code, "date": day, "amount": left,
                       "reason": "idle" if to else "expired",
                       "doc_no": f"元财预〔2026〕{rng.randint(2, 9)}号", "credit": "", "to": to or "",
                       "note": "年度结余资金收回，统筹安排" if to else "项目到期，结余收回国库"})
    if to:
        reallocated_in[to] = reallocated_in.get(to, 0) + left
# SK-2025 keeps its balance past end_date (RECOVER_DUE); a partial idle recovery in 2025
recoveries.append({"program": "SK-2025", "date": dt.date(2025, 11, 28), "amount": 150000.0, "reason": "idle",
                   "doc_no": "元财企〔2025〕19号", "credit": "", "to": "", "note": "部分闲置资金收回"})

# ------------------------------------------------------------------ allocations
allocations = []
DOC = {"county": "元财", "municipal": "玉财", "provincial": "云财", "central": "财"}
for code in PROG:
    p = PROG[code]
    year = p[4]
    if code in reallocated_in:
        # the reallocated recovery is part of the budget; explicit allocations stay round
        total = ceil_wan(budget[code] - reallocated_in[code])
        budget[code] = total + reallocated_in[code]
    else:
        total = budget[code]
    assert total > 0, code
    first_day = dt.date(year, 1, rng.randint(10, 28)) if PLAN[code][1] > 1 else dt.date(year, 1, 8)
    if code == "TY-2026":
        first_day = dt.date(2026, 4, 10)
    dept = p[2]
    tag = next((t for k, t in (("人力", "社"), ("卫生", "社"), ("科技", "企"), ("农业", "农"), ("旅游", "产业"),
                                ("交通", "建"), ("财政", "企")) if k in dept), "企")
    if code.startswith("KJ"):
        tag = "教"
    first = total - round(total * 0.4, -4) if code not in ("TY-2026",) else total
    allocations.append({"program": code, "date": first_day, "amount": first,
                        "doc_no": f"{DOC[p[3]]}{tag}〔{year}〕{rng.randint(3, 40)}号", "note": "提前下达"})
    rest = round(total - first, 2)
    if code == "LY-2026":
        # 调减: more was planned, then cut in September
        cut = 200000
        allocations.append({"program": code, "date": dt.date(year, 5, 16), "amount": rest + cut,
                            "doc_no": f"{DOC[p[3]]}{tag}〔{year}〕{rng.randint(41, 80)}号", "note": "第二批下达"})
        allocations.append({"program": code, "date": dt.date(year, 9, 12), "amount": -cut,
                            "doc_no": f"{DOC[p[3]]}{tag}〔{year}〕{rng.randint(81, 99)}号",
                            "note": "调减：项目实施进度滞后"})
    elif rest > 0:
        allocations.append({"program": code, "date": dt.date(year, rng.randint(4, 6), rng.randint(1, 28)),
                            "amount": rest, "doc_no": f"{DOC[p[3]]}{tag}〔{year}〕{rng.randint(41, 80)}号",
                            "note": "第二批下达"})
# a 调减 in 2025 too
allocations.append({"program": "NY-2025", "date": dt.date(2025, 10, 15), "amount": -50000,
                    "doc_no": "云财农〔2025〕71号", "note": "调减：部分项目未通过验收"})
allocations.append({"program": "NY-2025", "date": dt.date(2025, 10, 15), "amount": 50000,
                    "doc_no": "云财农〔2025〕72号", "note": "调整后重新下达"})
allocations.sort(key=lambda a: (a["date"], a["program"]))

# ------------------------------------------------------------------ evaluations and indicators
evaluations = [
    ("WG-2025", 2025, "58.00", "县人力资源和社会保障局（自评）", dt.date(2026, 2, 20), "自评：部分资金发放滞后"),
    ("WG-2025", 2025, "85.50", "云南元信会计师事务所（第三方）", dt.date(2026, 5, 15), "第三方评价：整改到位"),
    ("KJ-2025", 2025, "56.50", "县财政局绩效评价股", dt.date(2026, 4, 20), "创新券兑付率低，带动研发投入未达目标"),
    ("DB-2025", 2025, "91.00", "县财政局绩效评价股", dt.date(2026, 4, 28), ""),
    ("GY-2025", 2025, "88.20", "玉溪市财政局", dt.date(2026, 3, 30), "规上企业新增4户"),
    ("NY-2025", 2025, "76.40", "县农业农村局（自评）", dt.date(2026, 3, 18), ""),
    ("LY-2025", 2025, "82.00", "县财政局绩效评价股", dt.date(2026, 5, 8), ""),
]
# SK-2025 and LG-2025 have no evaluation for 2025 (NO_EVAL)
indicators = [
    ("WG-2025", 2025, "资金发放及时率", "%", "95", "91.5", "ge"),
    ("WG-2025", 2025, "受益企业户数", "户", "200", "226", "ge"),
    ("LG-2025", 2025, "受益参保职工人数", "人", "8000", "9120", "ge"),
    ("KJ-2025", 2025, "带动企业研发投入", "万元", "5000", "3860", "ge"),
    ("KJ-2025", 2025, "创新券兑付户数", "户", "50", "52", "ge"),
    ("DB-2025", 2025, "贷款逾期率", "%", "3", "1.8", "le"),
    ("SK-2025", 2025, "资金闲置率", "%", "5", "12.6", "le"),
    ("GY-2025", 2025, "新增规上工业企业", "户", "4", "4", "ge"),
    ("NY-2025", 2025, "绿色食品认证产品", "个", "10", "11", "ge"),
    ("LY-2025", 2025, "接待游客人次增长", "%", "10", "12.3", "ge"),
    ("WG-2026", 2026, "资金发放及时率", "%", "95", "", "ge"),
    ("KG-2026", 2026, "吸纳高校毕业生就业", "人", "300", "", "ge"),
    ("KJ-2026", 2026, "带动企业研发投入", "万元", "5000", "", "ge"),
    ("WL-2026", 2026, "中老铁路货运量", "万吨", "12", "4.6", "ge"),
    ("FZ-2026", 2026, "受益个体工商户", "户", "150", "", "ge"),
]


# ------------------------------------------------------------------ action dates
# 复核日期 / 支付日期 of the disbursements and 收到日期 / 分解下达日期 of the allocations,
# counted in working days on the same holiday data zhida ships. A separate generator, so
# every row above (and every finding of the 14 SPEC rules) stays exactly as before.
drng = random.Random(SEED + 1)
with open(os.path.join(OUT, "..", "crates", "zhida-core", "data", "holidays.toml"), "rb") as f:
    _hol = tomllib.load(f)["holiday"]


def _days(spec):
    a, _, b = spec.partition("..")
    a = dt.date.fromisoformat(a)
    b = dt.date.fromisoformat(b) if b else a
    return [a + dt.timedelta(days=i) for i in range((b - a).days + 1)]


OFF = {d for h in _hol for d in _days(h["off"])}
WORK = {d for h in _hol for w in h.get("work", []) for d in _days(w)}


def working(day):
    return day in WORK or (day.weekday() < 5 and day not in OFF)


def add_wd(day, n):
    """The n-th working day after `day` (zhida's add_working_days)."""
    while n > 0:
        day += dt.timedelta(days=1)
        n -= working(day)
    return day


# 中老铁路货运物流补助 and 旅游业恢复发展奖补资金 pay slowly (按时发放率 below 90 %)
SLOW = {"WL-2026": 0.45, "LY-2026": 0.3}
for r in disb:
    r["approved_date"] = r["paid_date"] = None
    if r["reverses"] or r["status"] in ("pending", "rejected"):
        continue
    appr = min(add_wd(r["date"], drng.choice([0, 1, 1, 2, 2, 3, 5])), TODAY)
    r["approved_date"] = appr
    if r["status"] == "paid":
        late = drng.random() < SLOW.get(r["program"], 0.03)
        wait = drng.randint(12, 30) if late else drng.randint(1, 8)
        r["paid_date"] = max(min(add_wd(appr, wait), TODAY), appr)

# 指标: received a few days after the document's date, passed on (分解下达) within 30
# working days as a rule; a few late, one not passed on at all. County funds (县级) are
# the county's own budget: nothing is received from above. 调减 rows carry no dates.
ALLOC_LATE = {("WL-2026", 0): 44, ("LY-2026", 1): 37, ("NY-2025", 1): 41}
ALLOC_OPEN = {("GY-2026", 1)}  # still not passed on
batch = {}
for a in allocations:
    a["received"] = a["distributed"] = None
    if a["amount"] <= 0 or PROG[a["program"]][3] == "county":
        continue
    k = (a["program"], batch.get(a["program"], 0))
    batch[a["program"]] = k[1] + 1
    a["received"] = add_wd(a["date"], drng.randint(1, 4))
    if k in ALLOC_OPEN:
        continue
    a["distributed"] = add_wd(a["received"], ALLOC_LATE.get(k) or drng.randint(6, 24))


def iso(day):
    return day.isoformat() if day else ""


# ------------------------------------------------------------------ write
def write(name, header, rows):
    with open(os.path.join(OUT, name), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


write("programs.csv",
      ["项目编码", "项目名称", "主管部门", "资金级次", "年度", "文号", "直达资金", "开始日期", "结束日期",
       "单户年度上限", "每年限一次", "互斥组", "适用规模", "状态"],
      [[p[0], p[1], p[2], {"central": "中央", "provincial": "省级", "municipal": "市级", "county": "县级"}[p[3]],
        p[4], p[5], "是" if p[6] else "否", f"{p[4]}-01-01", f"{p[4]}-12-31",
        "" if p[7] is None else f"{p[7]:.2f}", "是" if p[8] else "否", p[9] or "",
        ";".join(SIZE_ZH[s] for s in p[10].split(";")) if p[10] else "", p[11]] for p in PROGRAMS])
write("enterprises.csv", ["统一社会信用代码", "企业名称", "规模", "行业", "乡镇", "联系人"],
      [[e["code"], e["name"], SIZE_ZH[e["size"]], e["industry"], e["township"], e["contact"]] for e in enterprises])
write("allocations.csv", ["项目编码", "日期", "金额", "文号", "备注", "收到日期", "下达日期"],
      [[a["program"], a["date"].isoformat(), yuan(a["amount"]), a["doc_no"], a["note"], iso(a["received"]),
        iso(a["distributed"])] for a in allocations])
STATUS_ZH = {"pending": "待复核", "approved": "已复核", "paid": "已拨付", "rejected": "已退回"}
write("disbursements.csv",
      ["凭证号", "项目编码", "统一社会信用代码", "金额", "日期", "状态", "经办人", "复核人", "冲销凭证号", "备注",
       "复核日期", "支付日期"],
      [[r["voucher"], r["program"], r["credit"], yuan(r["amount"]), r["date"].isoformat(), STATUS_ZH[r["status"]],
        r["entered"], r["approved"], r["reverses"], r["note"], iso(r["approved_date"]), iso(r["paid_date"])]
       for r in disb])
write("recoveries.csv", ["项目编码", "日期", "金额", "原因", "文号", "统一社会信用代码", "调入项目", "备注"],
      [[x["program"], x["date"].isoformat(), yuan(x["amount"]),
        {"idle": "闲置", "expired": "到期", "performance": "绩效", "clawback": "追回"}[x["reason"]],
        x["doc_no"], x["credit"], x["to"], x["note"]] for x in sorted(recoveries, key=lambda x: x["date"])])
write("evaluations.csv", ["项目编码", "年度", "得分", "评价人", "日期", "备注"],
      [[a, b, c, d, e.isoformat(), f] for a, b, c, d, e, f in evaluations])
write("indicators.csv", ["项目编码", "年度", "指标名称", "单位", "目标值", "实际值", "方向"],
      [list(x) for x in indicators])

if __name__ == "__main__":
    print(f"{len(PROGRAMS)} programs, {len(enterprises)} enterprises, {len(allocations)} allocations, "
          f"{len(disb)} disbursements, {len(recoveries)} recoveries, {len(evaluations)} evaluations, "
          f"{len(indicators)} indicators")
    for rule, what in planted:
        print(f"  {rule}: {what}")
    print(f"program figures as of {AS_OF} (budget, paid, committed, recovered, balance, rate, last paid):")
    for code in PROG:
        b = sum(a["amount"] for a in allocations if a["program"] == code and a["date"] <= AS_OF) + sum(
            x["amount"] for x in recoveries if x["to"] == code and x["date"] <= AS_OF)
        pd = paid_until(code, AS_OF)
        cm = committed_until(code, AS_OF)
        rc = sum(x["amount"] for x in recoveries if x["program"] == code and x["date"] <= AS_OF)
        last = max((r["date"] for r in disb if r["program"] == code and r["status"] == "paid"
                    and r["amount"] > 0 and r["date"] <= AS_OF), default=None)
        rate = pd / b if b else 0
        print(f"  {code} {b:>12.2f} {pd:>12.2f} {cm:>10.2f} {rc:>11.2f} {b - pd - rc:>11.2f} {rate:6.1%} {last}")
