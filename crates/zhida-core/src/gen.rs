//! Deterministic synthetic data (`zhida gen`): programs, enterprises, allocations,
//! disbursements, recoveries, evaluations and indicators as CSV files in exactly the
//! import formats of SPEC §4, for benchmarks and training.
//!
//! The same configuration always writes the same bytes: a private splitmix64 generator,
//! one stream per file, no clock, no hash maps. Enterprises and programs depend only on
//! the seed and their own counts, so `--rows` can grow without changing them.
//!
//! The data is internally consistent (every referenced program and enterprise exists,
//! voucher numbers are unique, each reversal cancels an earlier paid row of the same
//! program and enterprise) and carries a planted, realistic share (≈1.5 %) of rule
//! violations: over cap, repeats in once-per-year programs, exclusive pairs, ineligible
//! sizes, near-duplicates, self-approved and stale pending rows.
//!
//! Speed: rows are assembled byte by byte into one reused line buffer behind a large
//! `BufWriter`; dates, codes and names are preformatted once. ≈0.3–0.5 s per million
//! disbursements in a release build.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use chrono::{Datelike, Duration, NaiveDate};

use crate::credit_code::{CreditCode, CHARSET};
use crate::error::{Error, Result};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenConfig {
    /// number of disbursement rows (reversals included)
    pub rows: u64,
    pub programs: u32,
    pub enterprises: u32,
    pub seed: u64,
}

/// The file names written, in import (dependency) order.
pub const FILES: [&str; 7] = [
    "programs.csv",
    "enterprises.csv",
    "allocations.csv",
    "disbursements.csv",
    "recoveries.csv",
    "evaluations.csv",
    "indicators.csv",
];

/// The planted rule violations, in the order of [`GenStats::planted`].
pub const PLANTED: [&str; 7] = [
    "OVER_CAP",
    "REPEAT",
    "EXCLUSIVE",
    "INELIGIBLE",
    "DUPLICATE",
    "SELF_APPROVED",
    "STALE_PENDING",
];

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenStats {
    pub programs: u64,
    pub enterprises: u64,
    pub allocations: u64,
    pub disbursements: u64,
    pub reversals: u64,
    pub recoveries: u64,
    pub evaluations: u64,
    pub indicators: u64,
    /// rows deliberately written to break a rule, per [`PLANTED`] kind (rows that break a
    /// rule by chance, e.g. two payments of a once-per-year program to one enterprise, come
    /// on top)
    pub planted: [u64; 7],
    /// disbursements per status: pending, approved, paid, rejected
    pub by_status: [u64; 4],
    pub bytes: u64,
}

// ------------------------------------------------------------------ randomness

/// splitmix64: tiny, fast, and good enough for synthetic data.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        let mut r = Rng(seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F));
        r.next();
        r
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0), by multiply-shift.
    fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// True with probability `per_10k / 10000`.
    fn chance(&mut self, per_10k: u64) -> bool {
        self.below(10_000) < per_10k
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

// ------------------------------------------------------------------ word lists

/// 玉溪市 counties: (name, administrative division code, townships).
const COUNTIES: [(&str, &str, &[&str]); 9] = [
    (
        "元江县",
        "530428",
        &[
            "澧江街道",
            "红河街道",
            "甘庄街道",
            "曼来镇",
            "因远镇",
            "羊街乡",
            "那诺乡",
            "洼垤乡",
            "龙潭乡",
            "咪哩乡",
        ],
    ),
    (
        "红塔区",
        "530402",
        &["玉兴街道", "凤凰路街道", "春和街道", "李棋街道", "北城街道"],
    ),
    (
        "江川区",
        "530403",
        &["大街街道", "江城镇", "前卫镇", "九溪镇"],
    ),
    (
        "通海县",
        "530423",
        &["秀山街道", "九街街道", "河西镇", "杨广镇"],
    ),
    ("华宁县", "530424", &["宁州街道", "盘溪镇", "青龙镇"]),
    ("易门县", "530425", &["龙泉街道", "六街街道", "浦贝彝族乡"]),
    ("峨山县", "530426", &["双江街道", "小街街道", "甸中镇"]),
    (
        "新平县",
        "530427",
        &["桂山街道", "古城街道", "戛洒镇", "漠沙镇"],
    ),
    ("澄江市", "530481", &["凤麓街道", "龙街街道", "右所镇"]),
];

/// 字号 (trade names).
const TRADE_NAMES: [&str; 64] = [
    "鑫源", "恒达", "兴盛", "宏发", "金穗", "绿源", "瑞丰", "福康", "佳禾", "益农", "丰泽", "诚信",
    "永昌", "顺达", "天和", "聚鑫", "盛世", "汇通", "嘉裕", "昌隆", "万祥", "金沙", "哀牢", "彝山",
    "傣乡", "梯田", "云岭", "滇南", "玉润", "金凤", "鼎盛", "隆鑫", "泰和", "安康", "康源", "润丰",
    "福源", "祥瑞", "和顺", "富民", "惠农", "兴农", "绿野", "山泉", "青松", "翠竹", "宏图", "远航",
    "博远", "智联", "新程", "众诚", "信达", "合力", "同心", "德丰", "宝丰", "金田", "春晖", "晨光",
    "东升", "北辰", "锦绣", "腾飞",
];

/// (name word, industry column)
const INDUSTRIES: [(&str, &str); 20] = [
    ("科技", "科技服务业"),
    ("农业", "农业"),
    ("商贸", "批发和零售业"),
    ("建材", "建筑业"),
    ("食品", "制造业"),
    ("物流", "交通运输业"),
    ("电子", "制造业"),
    ("糖业", "制造业"),
    ("果业", "农业"),
    ("茶业", "农业"),
    ("餐饮", "住宿和餐饮业"),
    ("旅游", "文化和旅游业"),
    ("机械", "制造业"),
    ("矿业", "采矿业"),
    ("养殖", "农业"),
    ("种植", "农业"),
    ("生物", "制造业"),
    ("文化传媒", "文化和旅游业"),
    ("信息技术", "信息技术服务业"),
    ("服装", "制造业"),
];

/// Industries a 农民专业合作社 carries.
const COOP_INDUSTRIES: [usize; 5] = [1, 8, 9, 14, 15];

const SURNAMES: [&str; 24] = [
    "李", "王", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "普", "白", "罗", "刀", "马", "龙",
    "何", "高", "段", "施", "孔", "许", "方", "钱",
];
const GIVEN: [&str; 24] = [
    "建华", "丽萍", "志强", "秀英", "国庆", "海燕", "文华", "春梅", "晓东", "玉兰", "正福", "桂芳",
    "永明", "红霞", "德才", "琼", "伟", "娟", "芳", "军", "磊", "敏", "静", "涛",
];

/// 经办 and 复核 names used for entered_by/approved_by.
const CLERKS: [&str; 8] = [
    "李娟",
    "王芳",
    "张伟",
    "白建华",
    "普丽萍",
    "刀玉兰",
    "罗晓东",
    "马春梅",
];
const APPROVERS: [&str; 4] = ["杨建国", "何文华", "施正福", "龙海燕"];

/// Sizes in schema order, with their share in ‰.
const SIZES: [(&str, u64); 5] = [
    ("large", 10),
    ("medium", 50),
    ("small", 300),
    ("micro", 440),
    ("individual", 200),
];

struct Template {
    name: &'static str,
    dept: &'static str,
    /// 文号 abbreviation
    abbr: &'static str,
    /// typical amount per payment, 元
    base_yuan: i64,
    capped: bool,
    once: bool,
    /// bit i = SIZES[i] eligible; 0 = all sizes
    sizes: u8,
}

const L: u8 = 1;
const M: u8 = 2;
const S: u8 = 4;
const MI: u8 = 8;
const I: u8 = 16;

const TEMPLATES: [Template; 24] = [
    t(
        "稳岗返还",
        "人力资源和社会保障局",
        "社",
        6_000,
        false,
        true,
        0,
    ),
    t(
        "一次性扩岗补助",
        "人力资源和社会保障局",
        "社",
        1_500,
        false,
        true,
        0,
    ),
    t(
        "创业担保贷款贴息",
        "人力资源和社会保障局",
        "社",
        12_000,
        true,
        false,
        S | MI | I,
    ),
    t(
        "技能提升补贴",
        "人力资源和社会保障局",
        "社",
        2_000,
        true,
        false,
        0,
    ),
    t(
        "中小企业发展专项资金",
        "工业和信息化局",
        "企",
        80_000,
        true,
        false,
        M | S | MI,
    ),
    t(
        "专精特新企业奖补",
        "工业和信息化局",
        "企",
        200_000,
        false,
        true,
        M | S,
    ),
    t(
        "制造业设备更新贷款贴息",
        "工业和信息化局",
        "企",
        50_000,
        true,
        false,
        0,
    ),
    t(
        "科技创新券",
        "科学技术局",
        "科",
        20_000,
        true,
        false,
        S | MI,
    ),
    t(
        "高新技术企业认定奖励",
        "科学技术局",
        "科",
        100_000,
        false,
        true,
        0,
    ),
    t(
        "高原特色农业产业发展资金",
        "农业农村局",
        "农",
        30_000,
        true,
        false,
        0,
    ),
    t(
        "农业产业化龙头企业贴息",
        "农业农村局",
        "农",
        150_000,
        true,
        false,
        L | M,
    ),
    t(
        "甘蔗产业扶持资金",
        "农业农村局",
        "农",
        25_000,
        false,
        false,
        0,
    ),
    t(
        "芒果产业提质增效补助",
        "农业农村局",
        "农",
        15_000,
        true,
        false,
        0,
    ),
    t("外贸稳增长奖励", "商务局", "商", 60_000, true, false, 0),
    t(
        "电子商务进农村综合示范资金",
        "商务局",
        "商",
        40_000,
        false,
        false,
        0,
    ),
    t(
        "县域商业体系建设资金",
        "商务局",
        "商",
        35_000,
        true,
        false,
        0,
    ),
    t(
        "文旅消费券补贴",
        "文化和旅游局",
        "文",
        3_000,
        false,
        false,
        S | MI | I,
    ),
    t(
        "旅游民宿提质奖补",
        "文化和旅游局",
        "文",
        20_000,
        true,
        false,
        MI | I,
    ),
    t(
        "小微企业融资担保降费奖补",
        "财政局",
        "金",
        10_000,
        true,
        false,
        S | MI,
    ),
    t(
        "普惠金融发展专项资金",
        "财政局",
        "金",
        45_000,
        false,
        false,
        0,
    ),
    t(
        "以工代赈项目资金",
        "发展和改革局",
        "发",
        70_000,
        false,
        false,
        0,
    ),
    t(
        "冷链物流设施补助",
        "发展和改革局",
        "发",
        90_000,
        true,
        false,
        0,
    ),
    t(
        "节能降碳技术改造补助",
        "发展和改革局",
        "发",
        120_000,
        true,
        false,
        0,
    ),
    t(
        "个体工商户纾困补助",
        "市场监督管理局",
        "市",
        2_000,
        false,
        true,
        I,
    ),
];

#[allow(clippy::too_many_arguments)]
const fn t(
    name: &'static str,
    dept: &'static str,
    abbr: &'static str,
    base_yuan: i64,
    capped: bool,
    once: bool,
    sizes: u8,
) -> Template {
    Template {
        name,
        dept,
        abbr,
        base_yuan,
        capped,
        once,
        sizes,
    }
}

/// Template pairs that form an exclusive group within one county and year.
const EXCLUSIVE_PAIRS: [(usize, usize, &str); 2] = [(0, 1, "稳岗扩岗"), (9, 11, "农业产业奖补")];

const LEVELS: [&str; 4] = ["central", "provincial", "municipal", "county"];

// ------------------------------------------------------------------ model

#[derive(Clone, Copy, Default)]
struct Recent {
    ent: u32,
    fen: i64,
}

/// What the row generator needs to know about one program.
struct Prog {
    code: String,
    fy: i32,
    base_fen: i64,
    cap_fen: Option<i64>,
    once: bool,
    sizes: u8,
    /// index of the earlier program of its exclusive pair
    partner: Option<usize>,
    /// live rows recently written (for repeats, duplicates, exclusive pairs, clawbacks)
    recent: [Recent; 8],
    recent_len: usize,
    recent_pos: usize,
    /// Σ paid + committed (net of reversals)
    used_fen: i64,
    rows: u64,
}

impl Prog {
    fn remember(&mut self, r: Recent) {
        self.recent[self.recent_pos] = r;
        self.recent_pos = (self.recent_pos + 1) % self.recent.len();
        self.recent_len = (self.recent_len + 1).min(self.recent.len());
    }

    fn recall(&self, rng: &mut Rng) -> Option<Recent> {
        (self.recent_len > 0).then(|| self.recent[rng.below(self.recent_len as u64) as usize])
    }
}

struct Ent {
    code: [u8; 18],
    size: u8,
}

/// Fiscal year of program `i`: every third block of 24 programs (one county) is the
/// previous year's, so each data set carries closed-out and evaluated programs too.
fn fiscal_year(i: usize) -> i32 {
    if (i / TEMPLATES.len()) % 3 == 1 {
        2024
    } else {
        2025
    }
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

// ------------------------------------------------------------------ formatting

fn push_u64(buf: &mut Vec<u8>, mut n: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// `12345.67` / `-300.00`: the plain 元 form the import reads.
fn push_money(buf: &mut Vec<u8>, fen: i64) {
    if fen < 0 {
        buf.push(b'-');
    }
    let abs = fen.unsigned_abs();
    push_u64(buf, abs / 100);
    let c = (abs % 100) as u8;
    buf.extend_from_slice(&[b'.', b'0' + c / 10, b'0' + c % 10]);
}

/// `PZ000012345`: unique because the sequence is.
fn push_voucher(buf: &mut Vec<u8>, seq: u64) {
    buf.extend_from_slice(b"PZ");
    let mut digits = 1;
    let mut n = seq;
    while n >= 10 {
        n /= 10;
        digits += 1;
    }
    for _ in digits..9 {
        buf.push(b'0');
    }
    push_u64(buf, seq);
}

fn push_date(buf: &mut Vec<u8>, d: NaiveDate) {
    buf.extend_from_slice(d.format("%Y-%m-%d").to_string().as_bytes());
}

struct Out {
    w: BufWriter<File>,
    bytes: u64,
}

impl Out {
    fn create(dir: &Path, name: &str, header: &str) -> Result<Out> {
        let path = dir.join(name);
        let f = File::create(&path).map_err(|e| {
            Error::invalid(format!("{}: 无法写入 (cannot write): {e}", path.display()))
        })?;
        let mut out = Out {
            w: BufWriter::with_capacity(1 << 20, f),
            bytes: 0,
        };
        out.line(header.as_bytes())?;
        Ok(out)
    }

    fn line(&mut self, line: &[u8]) -> Result<()> {
        self.w.write_all(line)?;
        self.w.write_all(b"\n")?;
        self.bytes += line.len() as u64 + 1;
        Ok(())
    }

    fn finish(mut self) -> Result<u64> {
        self.w.flush()?;
        Ok(self.bytes)
    }
}

// ------------------------------------------------------------------ generation

/// Write the seven CSV files into `dir` (created if missing).
pub fn generate(cfg: &GenConfig, dir: &Path) -> Result<GenStats> {
    if cfg.rows > 0 && (cfg.programs == 0 || cfg.enterprises == 0) {
        return Err(Error::invalid(
            "gen: 拨付记录需要至少一个项目和一家企业 (--programs and --enterprises must be > 0 when --rows > 0)",
        ));
    }
    std::fs::create_dir_all(dir)?;
    let mut stats = GenStats::default();
    let mut progs = write_programs(cfg, dir, &mut stats)?;
    let ents = write_enterprises(cfg, dir, &mut stats)?;
    write_disbursements(cfg, dir, &mut progs, &ents, &mut stats)?;
    let budgets = write_allocations(cfg, dir, &progs, &mut stats)?;
    write_recoveries(cfg, dir, &progs, &ents, &budgets, &mut stats)?;
    write_evaluations(cfg, dir, &progs, &mut stats)?;
    write_indicators(cfg, dir, &progs, &mut stats)?;
    Ok(stats)
}

fn write_programs(cfg: &GenConfig, dir: &Path, stats: &mut GenStats) -> Result<Vec<Prog>> {
    let mut out = Out::create(
        dir,
        "programs.csv",
        "code,name,department,level,fiscal_year,policy_ref,is_direct,start_date,end_date,\
         cap_per_enterprise,once_per_year,exclusive_group,eligible_sizes,status",
    )?;
    let mut rng = Rng::new(cfg.seed, 1);
    let mut progs = Vec::with_capacity(cfg.programs as usize);
    let mut line = Vec::with_capacity(256);
    for i in 0..cfg.programs as usize {
        let ti = i % TEMPLATES.len();
        let tpl = &TEMPLATES[ti];
        let (county, _, _) = COUNTIES[(i / TEMPLATES.len()) % COUNTIES.len()];
        let fy = fiscal_year(i);
        let code = format!("ZD{fy}{:04}", i + 1);
        let level = LEVELS[rng.below(LEVELS.len() as u64) as usize];
        let is_direct = matches!(level, "central" | "provincial");
        // amounts vary by county and program, rounded to 100 元
        let base_fen = (tpl.base_yuan * rng.range(70, 140) / 100).max(100) / 100 * 100 * 100;
        let cap_fen = tpl.capped.then_some(base_fen * 3);
        let partner = EXCLUSIVE_PAIRS
            .iter()
            .find(|(_, b, _)| *b == ti)
            .and_then(|(a, _, _)| {
                let j = i - ti + a;
                (fiscal_year(j) == fy).then_some(j)
            });
        let group = EXCLUSIVE_PAIRS
            .iter()
            .find(|(a, b, _)| *a == ti || *b == ti)
            .map(|(a, b, name)| (i - ti + a, i - ti + b, name))
            .filter(|(a, b, _)| *a < cfg.programs as usize && *b < cfg.programs as usize)
            .map(|(_, _, name)| format!("{county}{fy}{name}"));
        let dated = !rng.chance(2_500);
        let closed = fy < 2025 && ti.is_multiple_of(3);

        line.clear();
        line.extend_from_slice(code.as_bytes());
        line.push(b',');
        line.extend_from_slice(format!("{fy}年{county}{}", tpl.name).as_bytes());
        line.push(b',');
        line.extend_from_slice(format!("{county}{}", tpl.dept).as_bytes());
        line.push(b',');
        line.extend_from_slice(level.as_bytes());
        line.push(b',');
        push_u64(&mut line, fy as u64);
        line.push(b',');
        line.extend_from_slice(format!("玉财{}〔{fy}〕{}号", tpl.abbr, 10 + i).as_bytes());
        line.push(b',');
        line.extend_from_slice(if is_direct { b"yes" } else { b"no" });
        line.push(b',');
        if dated {
            push_date(&mut line, ymd(fy, 1, 1));
        }
        line.push(b',');
        if dated {
            push_date(&mut line, ymd(fy, 12, 31));
        }
        line.push(b',');
        if let Some(c) = cap_fen {
            push_money(&mut line, c);
        }
        line.push(b',');
        line.extend_from_slice(if tpl.once { b"yes" } else { b"no" });
        line.push(b',');
        if let Some(g) = &group {
            line.extend_from_slice(g.as_bytes());
        }
        line.push(b',');
        let mut first = true;
        for (k, (size, _)) in SIZES.iter().enumerate() {
            if tpl.sizes & (1 << k) != 0 {
                if !first {
                    line.push(b';');
                }
                line.extend_from_slice(size.as_bytes());
                first = false;
            }
        }
        line.push(b',');
        line.extend_from_slice(if closed { b"closed" } else { b"active" });
        out.line(&line)?;

        progs.push(Prog {
            code,
            fy,
            base_fen,
            cap_fen,
            once: tpl.once,
            sizes: tpl.sizes,
            partner: partner.filter(|_| group.is_some()),
            recent: [Recent::default(); 8],
            recent_len: 0,
            recent_pos: 0,
            used_fen: 0,
            rows: 0,
        });
    }
    stats.programs = progs.len() as u64;
    stats.bytes += out.finish()?;
    Ok(progs)
}

fn write_enterprises(cfg: &GenConfig, dir: &Path, stats: &mut GenStats) -> Result<Vec<Ent>> {
    let mut out = Out::create(
        dir,
        "enterprises.csv",
        "credit_code,name,size,industry,township,contact",
    )?;
    let mut rng = Rng::new(cfg.seed, 2);
    let mut ents = Vec::with_capacity(cfg.enterprises as usize);
    let mut line = Vec::with_capacity(256);
    let mut first17 = String::with_capacity(17);
    for i in 0..cfg.enterprises as u64 {
        // 元江县 holds 40 % of the enterprises, the other counties share the rest
        let ci = if rng.chance(4_000) {
            0
        } else {
            1 + rng.below(COUNTIES.len() as u64 - 1) as usize
        };
        let (county, division, townships) = COUNTIES[ci];
        let township = *rng.pick(townships);
        let mut roll = rng.below(1000);
        let mut size = 0;
        while roll >= SIZES[size].1 {
            roll -= SIZES[size].1;
            size += 1;
        }
        let individual = size == 4;
        let coop = !individual && size >= 2 && rng.chance(1_500);
        let ind = if coop {
            *rng.pick(&COOP_INDUSTRIES)
        } else {
            rng.below(INDUSTRIES.len() as u64) as usize
        };
        let (word, industry) = INDUSTRIES[ind];
        let trade = *rng.pick(&TRADE_NAMES);
        // 元江县澧江街道… or the short place name 元江县甘庄…
        let place = if rng.chance(3_500) {
            township
        } else {
            township
                .trim_end_matches("街道")
                .trim_end_matches("镇")
                .trim_end_matches("乡")
        };
        let suffix = if individual {
            "店（个体工商户）"
        } else if coop {
            "专业合作社"
        } else if size == 0 {
            "股份有限公司"
        } else if rng.chance(2_000) {
            "有限责任公司"
        } else {
            "有限公司"
        };
        // GB 32100: 登记管理部门 9 (市场监管), 类别 1 企业 / 2 个体工商户 / 3 农民专业合作社,
        // the county's division code, a 9-character 主体标识码 (here: the index in base 31
        // — unique — then three random characters), then the check character.
        first17.clear();
        first17.push('9');
        first17.push(if individual {
            '2'
        } else if coop {
            '3'
        } else {
            '1'
        });
        first17.push_str(division);
        let mut n = i;
        for _ in 0..6 {
            first17.push(CHARSET[(n % 31) as usize] as char);
            n /= 31;
        }
        for _ in 0..3 {
            first17.push(CHARSET[rng.below(31) as usize] as char);
        }
        let code = CreditCode::complete(&first17)
            .ok_or_else(|| Error::invalid("gen: bad credit code prefix"))?;
        let mut code_bytes = [0u8; 18];
        code_bytes.copy_from_slice(code.as_str().as_bytes());

        line.clear();
        line.extend_from_slice(&code_bytes);
        line.push(b',');
        line.extend_from_slice(county.as_bytes());
        line.extend_from_slice(place.as_bytes());
        line.extend_from_slice(trade.as_bytes());
        line.extend_from_slice(word.as_bytes());
        line.extend_from_slice(suffix.as_bytes());
        line.push(b',');
        line.extend_from_slice(SIZES[size].0.as_bytes());
        line.push(b',');
        line.extend_from_slice(industry.as_bytes());
        line.push(b',');
        line.extend_from_slice(township.as_bytes());
        line.push(b',');
        line.extend_from_slice(rng.pick(&SURNAMES).as_bytes());
        line.extend_from_slice(rng.pick(&GIVEN).as_bytes());
        line.extend_from_slice(b" 1");
        line.push(*rng.pick(b"35789"));
        for _ in 0..9 {
            line.push(b'0' + rng.below(10) as u8);
        }
        out.line(&line)?;
        ents.push(Ent {
            code: code_bytes,
            size: size as u8,
        });
    }
    stats.enterprises = ents.len() as u64;
    stats.bytes += out.finish()?;
    Ok(ents)
}

/// Enterprise indices by size, to pick eligible (or deliberately ineligible) recipients.
struct Pools {
    by_size: [Vec<u32>; 5],
}

impl Pools {
    fn new(ents: &[Ent]) -> Pools {
        let mut by_size: [Vec<u32>; 5] = Default::default();
        for (i, e) in ents.iter().enumerate() {
            by_size[e.size as usize].push(i as u32);
        }
        Pools { by_size }
    }

    /// A random enterprise whose size is in `mask` (0 = any); None if there is none.
    fn pick(&self, rng: &mut Rng, mask: u8, n_all: usize) -> Option<u32> {
        if mask == 0 {
            return Some(rng.below(n_all as u64) as u32);
        }
        let total: usize = (0..5)
            .filter(|k| mask & (1 << k) != 0)
            .map(|k| self.by_size[k].len())
            .sum();
        if total == 0 {
            return None;
        }
        let mut r = rng.below(total as u64) as usize;
        for k in 0..5 {
            if mask & (1 << k) != 0 {
                let pool = &self.by_size[k];
                if r < pool.len() {
                    return Some(pool[r]);
                }
                r -= pool.len();
            }
        }
        None
    }
}

/// A paid positive row that a later reversal may cancel.
#[derive(Clone, Copy)]
struct Reversible {
    seq: u64,
    prog: u32,
    ent: u32,
    fen: i64,
}

const ST_PENDING: usize = 0;
const ST_APPROVED: usize = 1;
const ST_PAID: usize = 2;
const ST_REJECTED: usize = 3;
const STATUS: [&[u8]; 4] = [b"pending", b"approved", b"paid", b"rejected"];

fn write_disbursements(
    cfg: &GenConfig,
    dir: &Path,
    progs: &mut [Prog],
    ents: &[Ent],
    stats: &mut GenStats,
) -> Result<()> {
    let mut out = Out::create(
        dir,
        "disbursements.csv",
        "voucher_no,program,credit_code,amount,date,status,entered_by,approved_by,reverses,note",
    )?;
    if cfg.rows == 0 {
        stats.bytes += out.finish()?;
        return Ok(());
    }
    let mut rng = Rng::new(cfg.seed, 3);
    let pools = Pools::new(ents);

    // the rows run in date order over the programs' fiscal years
    let first_year = progs.iter().map(|p| p.fy).min().unwrap_or(2025);
    let last_year = progs.iter().map(|p| p.fy).max().unwrap_or(2025);
    let start = ymd(first_year, 1, 1);
    let ndays = (ymd(last_year, 12, 31) - start).num_days() as u64 + 1;
    let dates: Vec<[u8; 10]> = (0..ndays)
        .map(|k| {
            let mut b = [0u8; 10];
            let s = (start + Duration::days(k as i64))
                .format("%Y-%m-%d")
                .to_string();
            b.copy_from_slice(s.as_bytes());
            b
        })
        .collect();
    // programs of each year, and those a planted violation can use
    let years = (last_year - first_year + 1) as usize;
    let mut of_year: Vec<Vec<u32>> = vec![Vec::new(); years];
    let mut capped: Vec<Vec<u32>> = vec![Vec::new(); years];
    let mut once: Vec<Vec<u32>> = vec![Vec::new(); years];
    let mut paired: Vec<Vec<u32>> = vec![Vec::new(); years];
    let mut restricted: Vec<Vec<u32>> = vec![Vec::new(); years];
    for (i, p) in progs.iter().enumerate() {
        let y = (p.fy - first_year) as usize;
        of_year[y].push(i as u32);
        if p.cap_fen.is_some() {
            capped[y].push(i as u32);
        }
        if p.once {
            once[y].push(i as u32);
        }
        if p.partner.is_some() {
            paired[y].push(i as u32);
        }
        if p.sizes != 0 {
            restricted[y].push(i as u32);
        }
    }
    let prog_codes: Vec<Vec<u8>> = progs.iter().map(|p| p.code.clone().into_bytes()).collect();
    let mut reversible: Vec<Option<Reversible>> = vec![None; 4096];
    let mut line = Vec::with_capacity(256);

    for i in 0..cfg.rows {
        let seq = i + 1;
        let day = (i as u128 * ndays as u128 / cfg.rows as u128) as usize;
        let days_left = ndays as usize - 1 - day;
        let year = (dates[day][0] - b'0') as i32 * 1000
            + (dates[day][1] - b'0') as i32 * 100
            + (dates[day][2] - b'0') as i32 * 10
            + (dates[day][3] - b'0') as i32;
        let y = (year - first_year) as usize;
        if of_year[y].is_empty() {
            // a year between two fiscal years without programs: no row can be dated there
            continue;
        }
        let entered = rng.below(CLERKS.len() as u64) as usize;
        let mut approver = APPROVERS[rng.below(APPROVERS.len() as u64) as usize];

        // the recent part of the ledger is still in flight; older rows are mostly paid
        let mut status = if days_left < 45 {
            match rng.below(100) {
                0..=49 => ST_PAID,
                50..=69 => ST_APPROVED,
                70..=94 => ST_PENDING,
                _ => ST_REJECTED,
            }
        } else if rng.chance(250) {
            ST_REJECTED
        } else {
            ST_PAID
        };

        // skewed program choice: some programs are much busier than others
        let pick_prog = |rng: &mut Rng, list: &[u32]| -> usize {
            let a = rng.below(list.len() as u64);
            let b = rng.below(list.len() as u64);
            list[a.min(b) as usize] as usize
        };
        let mut prog = pick_prog(&mut rng, &of_year[y]);
        let mut ent: Option<u32> = None;
        let mut fen: Option<i64> = None;
        let mut reverses: Option<Reversible> = None;
        let mut self_approved = false;

        let roll = rng.below(10_000);
        if roll < 30 {
            // a reversal (冲销) of an earlier paid row
            let slot = rng.below(reversible.len() as u64) as usize;
            if let Some(r) = reversible[slot].take() {
                reverses = Some(r);
                prog = r.prog as usize;
                ent = Some(r.ent);
                fen = Some(-r.fen);
                status = ST_PAID;
            }
        } else if roll < 180 {
            let kind = (roll % 7) as usize;
            let planted = match kind {
                0 if !capped[y].is_empty() => {
                    prog = *rng.pick(&capped[y]) as usize;
                    let cap = progs[prog].cap_fen.unwrap_or(0);
                    fen = Some(cap + 100 * rng.range(1, (cap / 400).max(1)));
                    true
                }
                1 if !once[y].is_empty() => {
                    prog = *rng.pick(&once[y]) as usize;
                    progs[prog].recall(&mut rng).is_some_and(|r| {
                        ent = Some(r.ent);
                        true
                    })
                }
                2 if !paired[y].is_empty() => {
                    prog = *rng.pick(&paired[y]) as usize;
                    let partner = progs[prog].partner.unwrap_or(prog);
                    progs[partner].recall(&mut rng).is_some_and(|r| {
                        ent = Some(r.ent);
                        true
                    })
                }
                3 if !restricted[y].is_empty() => {
                    prog = *rng.pick(&restricted[y]) as usize;
                    let not_eligible = !progs[prog].sizes & 0x1F;
                    ent = pools.pick(&mut rng, not_eligible, ents.len());
                    ent.is_some()
                }
                4 => progs[prog].recall(&mut rng).is_some_and(|r| {
                    ent = Some(r.ent);
                    fen = Some(r.fen);
                    true
                }),
                5 => {
                    self_approved = true;
                    if status == ST_PENDING || status == ST_REJECTED {
                        status = ST_PAID;
                    }
                    true
                }
                6 if days_left > 60 => {
                    status = if rng.chance(5_000) {
                        ST_PENDING
                    } else {
                        ST_APPROVED
                    };
                    true
                }
                _ => false,
            };
            if planted {
                stats.planted[kind] += 1;
                if kind <= 4 && status == ST_REJECTED {
                    status = ST_PAID;
                }
            }
        }

        let p = &mut progs[prog];
        let ent = match ent.or_else(|| pools.pick(&mut rng, p.sizes, ents.len())) {
            Some(e) => e,
            // no enterprise of an eligible size exists: pay anyone (tiny data sets only)
            None => rng.below(ents.len() as u64) as u32,
        };
        let fen = fen.unwrap_or_else(|| {
            let f = p.base_fen * rng.range(50, 150) / 100;
            // most payments are whole hundreds of 元; some carry fen (e.g. 稳岗返还 by payroll)
            if rng.chance(7_000) {
                (f / 10_000).max(1) * 10_000
            } else {
                f.max(1)
            }
        });
        if status != ST_REJECTED {
            p.used_fen += fen;
            if reverses.is_none() {
                p.remember(Recent { ent, fen });
            }
        }
        p.rows += 1;
        if status == ST_PAID && reverses.is_none() {
            let slot = rng.below(reversible.len() as u64) as usize;
            reversible[slot] = Some(Reversible {
                seq,
                prog: prog as u32,
                ent,
                fen,
            });
        }

        line.clear();
        push_voucher(&mut line, seq);
        line.push(b',');
        line.extend_from_slice(&prog_codes[prog]);
        line.push(b',');
        line.extend_from_slice(&ents[ent as usize].code);
        line.push(b',');
        push_money(&mut line, fen);
        line.push(b',');
        line.extend_from_slice(&dates[day]);
        line.push(b',');
        line.extend_from_slice(STATUS[status]);
        line.push(b',');
        line.extend_from_slice(CLERKS[entered].as_bytes());
        line.push(b',');
        if self_approved {
            approver = CLERKS[entered];
        }
        if status != ST_PENDING {
            line.extend_from_slice(approver.as_bytes());
        }
        line.push(b',');
        if let Some(r) = reverses {
            push_voucher(&mut line, r.seq);
            line.extend_from_slice(",冲销：收款账户有误".as_bytes());
            stats.reversals += 1;
        } else {
            line.push(b',');
            if status == ST_REJECTED {
                line.extend_from_slice("申报材料不全".as_bytes());
            }
        }
        out.line(&line)?;
        stats.disbursements += 1;
        stats.by_status[status] += 1;
    }
    stats.bytes += out.finish()?;
    Ok(())
}

/// Allocations sized from what each program actually spends: most programs a little
/// above it, some far above (lagging), a few below (overdrawn). Returns the budgets.
fn write_allocations(
    cfg: &GenConfig,
    dir: &Path,
    progs: &[Prog],
    stats: &mut GenStats,
) -> Result<Vec<i64>> {
    let mut out = Out::create(dir, "allocations.csv", "program,date,amount,doc_no,note")?;
    let mut rng = Rng::new(cfg.seed, 4);
    let mut budgets = Vec::with_capacity(progs.len());
    let mut line = Vec::with_capacity(256);
    let mut doc = 100;
    for p in progs {
        let factor = match rng.below(100) {
            0..=2 => rng.range(930, 980),
            3..=14 => rng.range(1_300, 1_800),
            _ => rng.range(1_020, 1_120),
        };
        let unit = 1_000_000; // 1 万元
        let budget = ((p.used_fen * factor / 1000).max(10 * unit) + unit - 1) / unit * unit;
        let a1 = budget * 6 / 10 / unit * unit;
        let a2 = budget * 3 / 10 / unit * unit;
        let cut = if rng.chance(1_000) {
            (budget / 50 / unit).max(1) * unit
        } else {
            0
        };
        let a3 = budget - a1 - a2 + cut;
        let rows: [(u32, u32, i64, &str); 4] = [
            (1, rng.range(5, 15) as u32, a1, "年初预算下达"),
            (4, rng.range(1, 20) as u32, a2, "第二批下达"),
            (7, rng.range(1, 20) as u32, a3, "清算下达"),
            (9, rng.range(1, 25) as u32, -cut, "调减"),
        ];
        for (m, d, fen, note) in rows {
            if fen == 0 {
                continue;
            }
            doc += 1;
            line.clear();
            line.extend_from_slice(p.code.as_bytes());
            line.push(b',');
            push_date(&mut line, ymd(p.fy, m, d));
            line.push(b',');
            push_money(&mut line, fen);
            line.push(b',');
            line.extend_from_slice(format!("玉财预〔{}〕{doc}号", p.fy).as_bytes());
            line.push(b',');
            line.extend_from_slice(note.as_bytes());
            out.line(&line)?;
            stats.allocations += 1;
        }
        budgets.push(budget);
    }
    stats.bytes += out.finish()?;
    Ok(budgets)
}

fn write_recoveries(
    cfg: &GenConfig,
    dir: &Path,
    progs: &[Prog],
    ents: &[Ent],
    budgets: &[i64],
    stats: &mut GenStats,
) -> Result<()> {
    let mut out = Out::create(
        dir,
        "recoveries.csv",
        "program,date,amount,reason,doc_no,credit_code,reallocated_to",
    )?;
    let mut rng = Rng::new(cfg.seed, 5);
    let mut line = Vec::with_capacity(256);
    for (i, p) in progs.iter().enumerate() {
        let budget = budgets[i];
        let mut row = |date: NaiveDate,
                       fen: i64,
                       reason: &str,
                       ent: Option<u32>,
                       to: Option<&str>|
         -> Result<()> {
            line.clear();
            line.extend_from_slice(p.code.as_bytes());
            line.push(b',');
            push_date(&mut line, date);
            line.push(b',');
            push_money(&mut line, fen);
            line.push(b',');
            line.extend_from_slice(reason.as_bytes());
            line.push(b',');
            line.extend_from_slice(format!("玉财收〔{}〕{}号", date.year(), 20 + i).as_bytes());
            line.push(b',');
            if let Some(e) = ent {
                line.extend_from_slice(&ents[e as usize].code);
            }
            line.push(b',');
            if let Some(t) = to {
                line.extend_from_slice(t.as_bytes());
            }
            out.line(&line)?;
            stats.recoveries += 1;
            Ok(())
        };
        // idle money of a current program, re-allocated (统筹安排) to the next program of
        // the same year
        if i % 17 == 3 {
            let to = progs
                .iter()
                .skip(i + 1)
                .chain(progs.iter().take(i))
                .find(|q| q.fy == p.fy);
            let fen = budget * 3 / 100 / 10_000 * 10_000;
            if fen > 0 {
                row(
                    ymd(p.fy, 10, rng.range(10, 25) as u32),
                    fen,
                    "idle",
                    None,
                    to.map(|q| q.code.as_str()),
                )?;
            }
        }
        // a closed-out year's leftover returned to the treasury
        if p.fy < 2025 && i % 7 == 2 {
            let fen = budget * 2 / 100 / 10_000 * 10_000;
            if fen > 0 {
                row(
                    ymd(p.fy + 1, 3, rng.range(1, 28) as u32),
                    fen,
                    "expired",
                    None,
                    None,
                )?;
            }
        }
        // a clawback (追回) from an enterprise that was paid
        if i % 13 == 7 {
            if let Some(r) = p.recall(&mut rng) {
                let fen = (r.fen / 2).max(1);
                row(
                    ymd(p.fy, 11, rng.range(1, 28) as u32),
                    fen,
                    "clawback",
                    Some(r.ent),
                    None,
                )?;
            }
        }
    }
    stats.bytes += out.finish()?;
    Ok(())
}

fn write_evaluations(
    cfg: &GenConfig,
    dir: &Path,
    progs: &[Prog],
    stats: &mut GenStats,
) -> Result<()> {
    let mut out = Out::create(
        dir,
        "evaluations.csv",
        "program,year,score,evaluator,date,note",
    )?;
    let mut rng = Rng::new(cfg.seed, 6);
    let mut line = Vec::with_capacity(256);
    let last_year = progs.iter().map(|p| p.fy).max().unwrap_or(2025);
    for p in progs {
        // finished years are evaluated the following spring, most of them (NO_EVAL for the
        // rest); about one in ten scores 差 (LOW_SCORE)
        if p.fy >= last_year || rng.chance(1_500) {
            continue;
        }
        let score = if rng.chance(1_000) {
            rng.range(4_500, 5_950)
        } else {
            rng.range(6_000, 9_800)
        };
        let (evaluator, note) = if rng.chance(5_000) {
            ("玉溪市财政局绩效评价中心", "财政重点评价")
        } else {
            ("云南滇中会计师事务所", "第三方评价")
        };
        line.clear();
        line.extend_from_slice(p.code.as_bytes());
        line.push(b',');
        push_u64(&mut line, p.fy as u64);
        line.push(b',');
        push_money(&mut line, score);
        line.push(b',');
        line.extend_from_slice(evaluator.as_bytes());
        line.push(b',');
        push_date(&mut line, ymd(p.fy + 1, 3, rng.range(10, 28) as u32));
        line.push(b',');
        line.extend_from_slice(note.as_bytes());
        out.line(&line)?;
        stats.evaluations += 1;
    }
    stats.bytes += out.finish()?;
    Ok(())
}

fn write_indicators(
    cfg: &GenConfig,
    dir: &Path,
    progs: &[Prog],
    stats: &mut GenStats,
) -> Result<()> {
    let mut out = Out::create(
        dir,
        "indicators.csv",
        "program,year,name,unit,target,actual,direction",
    )?;
    let mut rng = Rng::new(cfg.seed, 7);
    let mut line = Vec::with_capacity(256);
    for p in progs {
        // target and actual in tenths; about one indicator in twelve misses its target
        let households = (p.rows / 2).max(10) as i64;
        for (name, unit, dir_) in [
            ("补助企业户数", "户", "ge"),
            ("资金拨付及时率", "%", "ge"),
            ("投诉次数", "次", "le"),
        ] {
            let miss = rng.chance(800);
            let known = rng.chance(9_000);
            let (target, actual) = match (name, miss) {
                ("补助企业户数", false) => {
                    (households, households + rng.range(0, households / 10))
                }
                ("补助企业户数", true) => (
                    households,
                    households - rng.range(1, (households / 10).max(1)),
                ),
                ("资金拨付及时率", false) => (95, rng.range(95, 100)),
                ("资金拨付及时率", true) => (95, rng.range(80, 94)),
                (_, false) => (3, rng.range(0, 3)),
                (_, true) => (3, rng.range(4, 8)),
            };
            // the rate carries one decimal
            let (target, actual) = if unit == "%" {
                (
                    target * 10,
                    actual * 10 + rng.range(0, 9).min(if actual >= 100 { 0 } else { 9 }),
                )
            } else {
                (target * 10, actual * 10)
            };
            line.clear();
            line.extend_from_slice(p.code.as_bytes());
            line.push(b',');
            push_u64(&mut line, p.fy as u64);
            line.push(b',');
            line.extend_from_slice(name.as_bytes());
            line.push(b',');
            line.extend_from_slice(unit.as_bytes());
            line.push(b',');
            push_tenths(&mut line, target);
            line.push(b',');
            if known {
                push_tenths(&mut line, actual);
            }
            line.push(b',');
            line.extend_from_slice(dir_.as_bytes());
            out.line(&line)?;
            stats.indicators += 1;
        }
    }
    stats.bytes += out.finish()?;
    Ok(())
}

/// `955` → `95.5`, `950` → `95`.
fn push_tenths(buf: &mut Vec<u8>, tenths: i64) {
    push_u64(buf, (tenths / 10) as u64);
    if tenths % 10 != 0 {
        buf.push(b'.');
        buf.push(b'0' + (tenths % 10) as u8);
    }
}

/// Load generated files row by row through the repository's inserts (the same constraints
/// the importer meets), in one transaction; returns Σ paid amounts read from the CSV.
/// For tests of this and other modules (summary, checks) that want realistic data.
#[cfg(test)]
pub(crate) fn load_dir(conn: &rusqlite::Connection, dir: &Path) -> i64 {
    use crate::dates::parse_date;
    use crate::model::{parse_bool, parse_score, Direction, Level, Reason, Size, Status};
    use crate::money::Money;
    use crate::repo::write::*;
    use rust_decimal::Decimal;

    let tx = conn.unchecked_transaction().unwrap();
    let opt = |s: &String| (!s.is_empty()).then(|| s.clone());
    let date = |s: &String| parse_date(s).unwrap();
    for p in tests::read(dir, "programs.csv") {
        let mut np = NewProgram::new(&p["code"], &p["name"], p["fiscal_year"].parse().unwrap());
        np.department = p["department"].clone();
        np.level = Level::parse(&p["level"]).unwrap();
        np.policy_ref = p["policy_ref"].clone();
        np.is_direct = parse_bool(&p["is_direct"]).unwrap();
        np.start_date = opt(&p["start_date"]).map(|d| date(&d));
        np.end_date = opt(&p["end_date"]).map(|d| date(&d));
        np.cap_per_enterprise = opt(&p["cap_per_enterprise"]).map(|c| Money::parse(&c).unwrap());
        np.once_per_year = parse_bool(&p["once_per_year"]).unwrap();
        np.exclusive_group = opt(&p["exclusive_group"]);
        np.eligible_sizes = crate::model::sizes_from_db(&p["eligible_sizes"]);
        np.status = crate::model::ProgramStatus::parse(&p["status"]).unwrap();
        insert_program(&tx, &np).unwrap();
    }
    for e in tests::read(dir, "enterprises.csv") {
        insert_enterprise(
            &tx,
            &NewEnterprise {
                credit_code: CreditCode::parse(&e["credit_code"]).unwrap(),
                name: e["name"].clone(),
                size: Size::parse(&e["size"]).unwrap(),
                industry: e["industry"].clone(),
                township: e["township"].clone(),
                contact: e["contact"].clone(),
            },
        )
        .unwrap();
    }
    for a in tests::read(dir, "allocations.csv") {
        insert_allocation(
            &tx,
            &NewAllocation {
                program_code: a["program"].clone(),
                date: date(&a["date"]),
                amount: Money::parse(&a["amount"]).unwrap(),
                doc_no: a["doc_no"].clone(),
                note: a["note"].clone(),
            },
        )
        .unwrap();
    }
    let mut paid_csv = 0i64;
    for d in tests::read(dir, "disbursements.csv") {
        let amount = Money::parse(&d["amount"]).unwrap();
        let status = Status::parse(&d["status"]).unwrap();
        if status == Status::Paid {
            paid_csv += amount.0;
        }
        insert_disbursement(
            &tx,
            &NewDisbursement {
                voucher_no: d["voucher_no"].clone(),
                program_code: d["program"].clone(),
                credit_code: d["credit_code"].clone(),
                amount,
                date: date(&d["date"]),
                status,
                entered_by: d["entered_by"].clone(),
                approved_by: d["approved_by"].clone(),
                reverses: opt(&d["reverses"]),
                note: d["note"].clone(),
            },
        )
        .unwrap_or_else(|e| panic!("{}: {e}", d["voucher_no"]));
    }
    for r in tests::read(dir, "recoveries.csv") {
        insert_recovery(
            &tx,
            &NewRecovery {
                program_code: r["program"].clone(),
                date: date(&r["date"]),
                amount: Money::parse(&r["amount"]).unwrap(),
                reason: Reason::parse(&r["reason"]).unwrap(),
                doc_no: r["doc_no"].clone(),
                credit_code: opt(&r["credit_code"]),
                reallocated_to: opt(&r["reallocated_to"]),
                note: String::new(),
            },
        )
        .unwrap();
    }
    for e in tests::read(dir, "evaluations.csv") {
        insert_evaluation(
            &tx,
            &NewEvaluation {
                program_code: e["program"].clone(),
                year: e["year"].parse().unwrap(),
                score_x100: parse_score(&e["score"]).unwrap(),
                evaluator: e["evaluator"].clone(),
                date: date(&e["date"]),
                note: e["note"].clone(),
            },
        )
        .unwrap();
    }
    for i in tests::read(dir, "indicators.csv") {
        insert_indicator(
            &tx,
            &NewIndicator {
                program_code: i["program"].clone(),
                year: i["year"].parse().unwrap(),
                name: i["name"].clone(),
                unit: i["unit"].clone(),
                target: i["target"].parse::<Decimal>().unwrap(),
                actual: opt(&i["actual"]).map(|a| a.parse::<Decimal>().unwrap()),
                direction: Direction::parse(&i["direction"]).unwrap(),
            },
        )
        .unwrap();
    }
    tx.commit().unwrap();
    paid_csv
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;
    use crate::dates::parse_date;
    use crate::model::{parse_bool, parse_score, Direction, Level, Reason, Size, Status};
    use crate::money::Money;

    fn cfg(rows: u64, seed: u64) -> GenConfig {
        GenConfig {
            rows,
            programs: 60,
            enterprises: 2_000,
            seed,
        }
    }

    /// Every record of a generated file as header → value maps.
    pub(crate) fn read(dir: &Path, name: &str) -> Vec<HashMap<String, String>> {
        let mut rdr = csv::Reader::from_path(dir.join(name)).unwrap();
        let headers: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
        rdr.records()
            .map(|r| {
                let r = r.unwrap();
                assert_eq!(r.len(), headers.len(), "{name}: ragged row");
                headers
                    .iter()
                    .cloned()
                    .zip(r.iter().map(String::from))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let c = tempfile::tempdir().unwrap();
        let sa = generate(&cfg(5_000, 7), a.path()).unwrap();
        let sb = generate(&cfg(5_000, 7), b.path()).unwrap();
        generate(&cfg(5_000, 8), c.path()).unwrap();
        assert_eq!(sa, sb);
        for f in FILES {
            let x = std::fs::read(a.path().join(f)).unwrap();
            let y = std::fs::read(b.path().join(f)).unwrap();
            assert!(x == y, "{f} differs between two runs with seed 7");
        }
        let x = std::fs::read(a.path().join("disbursements.csv")).unwrap();
        let z = std::fs::read(c.path().join("disbursements.csv")).unwrap();
        assert_ne!(x, z, "seed 8 must give other data");
        // enterprises do not depend on the number of rows
        let d = tempfile::tempdir().unwrap();
        generate(&cfg(100, 7), d.path()).unwrap();
        assert_eq!(
            std::fs::read(a.path().join("enterprises.csv")).unwrap(),
            std::fs::read(d.path().join("enterprises.csv")).unwrap()
        );
    }

    #[test]
    fn counts_codes_and_enterprise_fields_are_valid() {
        let dir = tempfile::tempdir().unwrap();
        let s = generate(&cfg(3_000, 1), dir.path()).unwrap();
        let ents = read(dir.path(), "enterprises.csv");
        assert_eq!(ents.len() as u64, s.enterprises);
        assert_eq!(s.enterprises, 2_000);
        let mut codes = HashSet::new();
        for e in &ents {
            let code = CreditCode::parse(&e["credit_code"]).expect("valid credit code");
            assert!(codes.insert(code), "duplicate code {}", e["credit_code"]);
            assert!(Size::parse(&e["size"]).is_some());
            let name = &e["name"];
            assert!(
                COUNTIES.iter().any(|(c, _, _)| name.starts_with(c)),
                "{name}"
            );
            assert!(
                name.ends_with("有限公司")
                    || name.ends_with("有限责任公司")
                    || name.ends_with("合作社")
                    || name.ends_with("（个体工商户）"),
                "{name}"
            );
            assert!(!e["township"].is_empty());
        }
        assert!(ents.iter().any(|e| e["name"].contains("元江县澧江街道")));
        assert!(ents
            .iter()
            .any(|e| e["name"].contains("甘庄") && !e["name"].contains("甘庄街道")));
        assert_eq!(read(dir.path(), "programs.csv").len() as u64, s.programs);
        assert_eq!(
            read(dir.path(), "allocations.csv").len() as u64,
            s.allocations
        );
        assert_eq!(
            read(dir.path(), "disbursements.csv").len() as u64,
            s.disbursements
        );
        assert_eq!(s.disbursements, 3_000);
        assert_eq!(
            read(dir.path(), "recoveries.csv").len() as u64,
            s.recoveries
        );
        assert_eq!(
            read(dir.path(), "evaluations.csv").len() as u64,
            s.evaluations
        );
        assert_eq!(
            read(dir.path(), "indicators.csv").len() as u64,
            s.indicators
        );
        let bytes: u64 = FILES
            .iter()
            .map(|f| std::fs::metadata(dir.path().join(f)).unwrap().len())
            .sum();
        assert_eq!(bytes, s.bytes);
    }

    #[test]
    fn every_field_parses_and_every_reference_resolves() {
        let dir = tempfile::tempdir().unwrap();
        let s = generate(&cfg(20_000, 3), dir.path()).unwrap();
        let progs = read(dir.path(), "programs.csv");
        let mut pcodes = HashMap::new();
        for p in &progs {
            assert!(Level::parse(&p["level"]).is_some());
            assert!(parse_bool(&p["is_direct"]).is_some());
            assert!(parse_bool(&p["once_per_year"]).is_some());
            if !p["cap_per_enterprise"].is_empty() {
                Money::parse(&p["cap_per_enterprise"]).unwrap();
            }
            for sz in p["eligible_sizes"].split(';').filter(|x| !x.is_empty()) {
                assert!(Size::parse(sz).is_some(), "{sz}");
            }
            assert!(pcodes
                .insert(p["code"].clone(), p["fiscal_year"].clone())
                .is_none());
        }
        let ents: HashSet<String> = read(dir.path(), "enterprises.csv")
            .into_iter()
            .map(|e| e["credit_code"].clone())
            .collect();
        for a in read(dir.path(), "allocations.csv") {
            assert!(pcodes.contains_key(&a["program"]));
            parse_date(&a["date"]).unwrap();
            assert_ne!(Money::parse(&a["amount"]).unwrap(), Money(0));
        }

        // voucher → (program, enterprise, amount, status)
        let mut seen: HashMap<String, (String, String, Money, Status)> = HashMap::new();
        let mut reversed = HashSet::new();
        let mut statuses = HashSet::new();
        let mut self_approved = 0;
        let mut last_date = None;
        for d in read(dir.path(), "disbursements.csv") {
            let v = d["voucher_no"].clone();
            assert!(pcodes.contains_key(&d["program"]), "{v}: unknown program");
            assert!(ents.contains(&d["credit_code"]), "{v}: unknown enterprise");
            let amount = Money::parse(&d["amount"]).unwrap();
            let date = parse_date(&d["date"]).unwrap();
            assert!(
                last_date.is_none_or(|l| l <= date),
                "{v}: rows in date order"
            );
            last_date = Some(date);
            let status = Status::parse(&d["status"]).unwrap();
            statuses.insert(status);
            if status == Status::Pending {
                assert!(d["approved_by"].is_empty(), "{v}: pending has no approver");
            }
            if !d["approved_by"].is_empty() && d["approved_by"] == d["entered_by"] {
                self_approved += 1;
            }
            if d["reverses"].is_empty() {
                assert!(amount.0 > 0, "{v}: only reversals are negative");
            } else {
                let orig = seen
                    .get(&d["reverses"])
                    .unwrap_or_else(|| panic!("{v}: reverses a later or unknown voucher"));
                assert_eq!(status, Status::Paid);
                assert_eq!(orig.3, Status::Paid, "{v}: reverses a paid row");
                assert_eq!((&orig.0, &orig.1), (&d["program"], &d["credit_code"]));
                assert_eq!(amount, -orig.2);
                assert!(
                    reversed.insert(d["reverses"].clone()),
                    "{v}: reversed twice"
                );
            }
            assert!(
                seen.insert(
                    v.clone(),
                    (
                        d["program"].clone(),
                        d["credit_code"].clone(),
                        amount,
                        status
                    )
                )
                .is_none(),
                "{v}: voucher repeated"
            );
        }
        assert_eq!(statuses.len(), 4, "every status occurs");
        assert_eq!(reversed.len() as u64, s.reversals);
        assert!(s.reversals > 0);
        // self-approved rows are exactly the planted ones
        assert_eq!(self_approved, s.planted[5]);
        let planted: u64 = s.planted.iter().sum();
        let share = planted as f64 / s.disbursements as f64;
        assert!((0.01..=0.03).contains(&share), "planted share {share}");
        assert!(s.planted.iter().all(|&n| n > 0), "{:?}", s.planted);

        for r in read(dir.path(), "recoveries.csv") {
            assert!(pcodes.contains_key(&r["program"]));
            assert!(Money::parse(&r["amount"]).unwrap().0 > 0);
            let reason = Reason::parse(&r["reason"]).unwrap();
            assert_eq!(r["credit_code"].is_empty(), reason != Reason::Clawback);
            if !r["credit_code"].is_empty() {
                assert!(ents.contains(&r["credit_code"]));
            }
            if !r["reallocated_to"].is_empty() {
                assert!(pcodes.contains_key(&r["reallocated_to"]));
                assert_ne!(r["reallocated_to"], r["program"]);
            }
        }
        let evals = read(dir.path(), "evaluations.csv");
        assert!(!evals.is_empty());
        for e in evals {
            assert!(pcodes.contains_key(&e["program"]));
            assert!(parse_score(&e["score"]).is_some());
            assert_eq!(pcodes[&e["program"]], e["year"]);
        }
        for i in read(dir.path(), "indicators.csv") {
            assert!(pcodes.contains_key(&i["program"]));
            assert!(Direction::parse(&i["direction"]).is_some());
            i["target"].parse::<rust_decimal::Decimal>().unwrap();
        }
    }

    #[test]
    fn round_trip_through_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let s = generate(&cfg(4_000, 11), dir.path()).unwrap();
        let conn = crate::db::open_in_memory().unwrap();
        let paid_csv = load_dir(&conn, dir.path());
        crate::db::verify(&conn).unwrap();

        let n: i64 = conn
            .query_row("SELECT count(*) FROM disbursement", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n as u64, s.disbursements);
        let figs = crate::repo::program_figures(&conn, ymd(2025, 12, 31)).unwrap();
        assert_eq!(figs.len() as u64, s.programs);
        let paid: i64 = figs.iter().map(|f| f.paid.0).sum();
        assert_eq!(paid, paid_csv);
        // allocations cover what is spent for most programs: few are overdrawn
        let overdrawn = figs
            .iter()
            .filter(|f| f.paid.0 + f.committed.0 > f.budget.0 - f.recovered.0)
            .count();
        assert!(
            overdrawn * 5 < figs.len(),
            "{overdrawn} of {} overdrawn",
            figs.len()
        );
    }

    #[test]
    fn rows_without_programs_or_enterprises_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = cfg(10, 1);
        c.programs = 0;
        assert!(generate(&c, dir.path()).is_err());
        c.rows = 0;
        let s = generate(&c, dir.path()).unwrap();
        assert_eq!(s.disbursements, 0);
        assert_eq!(read(dir.path(), "disbursements.csv").len(), 0);
    }

    #[test]
    fn money_and_voucher_formatting() {
        let mut b = Vec::new();
        push_money(&mut b, 1_234_567);
        b.push(b' ');
        push_money(&mut b, -5);
        b.push(b' ');
        push_money(&mut b, 0);
        b.push(b' ');
        push_voucher(&mut b, 42);
        b.push(b' ');
        push_voucher(&mut b, 1_234_567_890);
        b.push(b' ');
        push_tenths(&mut b, 955);
        b.push(b' ');
        push_tenths(&mut b, 950);
        assert_eq!(
            String::from_utf8(b).unwrap(),
            "12345.67 -0.05 0.00 PZ000000042 PZ1234567890 95.5 95"
        );
    }
}
