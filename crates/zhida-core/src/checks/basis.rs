//! The policy basis (依据) a finding cites: a default text per rule, quoting the policy
//! documents in `seeds/` where they have the wording (元江县财政惠企专项行动实施方案 = seed
//! 003; 鄂尔多斯市助企纾困工作实施方案 = seed 004), overridable per program and rule from
//! config.toml `[basis]` (`[basis."KJ-2026"] OVER_CAP = "…"`, `[basis."*"]` for every
//! program).
//!
//! The rules whose conditions are the program's own parameters (cap, once per year,
//! exclusive group, eligible sizes) cite the program's 文号 (`program.policy_ref`) in front
//! of the text: that document is where the parameter comes from. The fund-management
//! rules (execution, idle money, review, evaluation) cite their text alone — the program's
//! 文号 is not where they come from; a bureau that wants its own management document cited
//! configures the text (it is then shown as written).

use std::collections::BTreeMap;

use super::Rule;
use crate::error::{Error, Result};
use crate::i18n::Lang;
use crate::model::{Program, Size};
use crate::money::Money;

/// The key of `[basis]` that applies to every program.
pub const ALL_PROGRAMS: &str = "*";

/// Per-program (or [`ALL_PROGRAMS`]) overrides: program code → rule → text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BasisTable {
    overrides: BTreeMap<String, BTreeMap<Rule, String>>,
}

impl BasisTable {
    /// From the raw `[basis]` table of config.toml; an unknown rule or an empty text is an
    /// error naming the file and the key (`basis.KJ-2026.OVERCAP`).
    pub fn from_config(
        raw: &BTreeMap<String, BTreeMap<String, String>>,
        file: &str,
    ) -> Result<Self> {
        let bad = |key: String, reason: String| Error::Config {
            file: file.to_string(),
            key,
            reason,
        };
        let mut overrides: BTreeMap<String, BTreeMap<Rule, String>> = BTreeMap::new();
        for (program, rules) in raw {
            let code = program.trim();
            if code.is_empty() {
                return Err(bad(
                    "basis".into(),
                    "项目编码为空 (empty program code; use \"*\" for every program)".into(),
                ));
            }
            for (name, text) in rules {
                let key = format!("basis.{program}.{name}");
                let rule = Rule::parse(name).ok_or_else(|| {
                    let known: Vec<&str> = Rule::ALL.iter().map(|r| r.as_str()).collect();
                    bad(
                        key.clone(),
                        format!("未知规则 (unknown rule; one of {})", known.join(", ")),
                    )
                })?;
                if text.trim().is_empty() {
                    return Err(bad(key, "依据文字为空 (empty basis text)".into()));
                }
                overrides
                    .entry(code.to_string())
                    .or_default()
                    .insert(rule, text.trim().to_string());
            }
        }
        Ok(BasisTable { overrides })
    }

    fn get(&self, program: &str, rule: Rule) -> Option<&str> {
        [program, ALL_PROGRAMS]
            .iter()
            .find_map(|p| self.overrides.get(*p).and_then(|m| m.get(&rule)))
            .map(String::as_str)
    }

    /// The basis a finding of `rule` on program `p` cites.
    pub fn cite(&self, rule: Rule, p: &Program, lang: Lang) -> String {
        let text = match self.get(&p.code, rule) {
            Some(t) => t.to_string(),
            None => default_text(rule, p, lang),
        };
        let doc = p.policy_ref.trim();
        if !cites_program_document(rule) || doc.is_empty() || text.contains(doc) {
            return text;
        }
        match lang {
            Lang::Zh => format!("{doc}：{text}"),
            Lang::En => format!("{doc}: {text}"),
        }
    }
}

/// The rules whose condition is one of the program's own parameters.
pub fn cites_program_document(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::OverCap | Rule::Repeat | Rule::Exclusive | Rule::Ineligible
    )
}

/// `30万元` for a whole number of 万元, else `12,345.67元`.
fn cap_text(cap: Money, lang: Lang) -> String {
    let wan: i64 = 1_000_000; // 1万元 in fen
    match lang {
        Lang::Zh if cap.0 % wan == 0 => format!("{}万元", cap.0 / wan),
        Lang::Zh => format!("{}元", cap.format_yuan()),
        Lang::En => format!("{} yuan", cap.format_yuan()),
    }
}

fn sizes_text(sizes: &[Size], lang: Lang) -> String {
    let v: Vec<&str> = sizes.iter().map(|s| s.label(lang)).collect();
    v.join(lang.pick("、", ", "))
}

/// The default basis of a rule for a program, without the 文号. Quotes are verbatim from
/// the seed documents named in each arm.
pub fn default_text(rule: Rule, p: &Program, lang: Lang) -> String {
    let fixed = |zh: &str, en: &str| lang.pick(zh, en).to_string();
    match rule {
        // 004: 加快预算执行进度，加大存量资金盘活力度
        Rule::Lagging => fixed(
            "加快预算执行进度，加大存量资金盘活力度",
            "speed up budget execution and put stock funds to use",
        ),
        // 004: 及时清理收回财政闲置资金，统筹用于稳经济政策
        Rule::Idle => fixed(
            "及时清理收回财政闲置资金，统筹用于稳经济政策",
            "clear and recover idle fiscal funds in time and use them for the stabilisation policies",
        ),
        // 003: 对沉淀资金一律按规定收回并统筹安排
        Rule::RecoverDue => fixed(
            "对沉淀资金一律按规定收回并统筹安排",
            "idle (settled) funds are all recovered as required and re-allocated",
        ),
        // 004: 全链条监管直达资金的分配、拨付、使用 (the first clause is ours)
        Rule::Overdrawn => fixed(
            "拨付不得超过已下达指标；全链条监管直达资金的分配、拨付、使用",
            "payments may not exceed the allocated budget; direct funds are supervised through allocation, payment and use",
        ),
        // 003: 每家企业每年兑付创新券不超过30万元 — with the program's own cap
        Rule::OverCap => match p.cap_per_enterprise {
            Some(cap) => match lang {
                Lang::Zh => format!("每家企业每年不超过{}", cap_text(cap, lang)),
                Lang::En => format!(
                    "no more than {} per enterprise per year",
                    cap_text(cap, lang)
                ),
            },
            None => fixed(
                "每家企业每年不超过单户年度上限",
                "no more than the cap per enterprise per year",
            ),
        },
        // 003: 同一企业一年内只能享受一次
        Rule::Repeat => fixed(
            "同一企业一年内只能享受一次",
            "an enterprise may receive it only once a year",
        ),
        // 003: 与一次性吸纳就业补贴政策不重复享受 — generalised to the program's group
        Rule::Exclusive => match (&p.exclusive_group, lang) {
            (Some(g), Lang::Zh) => format!("与互斥组「{g}」内其他政策不重复享受"),
            (Some(g), Lang::En) => {
                format!("not received together with another policy of exclusive group '{g}'")
            }
            (None, _) => fixed(
                "与互斥政策不重复享受",
                "not received together with an exclusive policy",
            ),
        },
        Rule::Ineligible if !p.eligible_sizes.is_empty() => match lang {
            Lang::Zh => format!(
                "享受对象限于{}企业",
                sizes_text(&p.eligible_sizes, lang)
            ),
            Lang::En => format!(
                "only for {} enterprises",
                sizes_text(&p.eligible_sizes, lang)
            ),
        },
        Rule::Ineligible => fixed(
            "享受对象须符合政策规定的条件",
            "only for the enterprises the policy names",
        ),
        // 003: 不重复享受
        Rule::Duplicate => fixed(
            "同一事项不重复享受、不重复拨付",
            "the same support is neither received nor paid twice",
        ),
        // 003: 健全审核机制，切实防范风险
        Rule::SelfApproved => fixed(
            "健全审核机制，切实防范风险（经办与复核须为不同人）",
            "a sound review mechanism to guard against risk (entry and review by different people)",
        ),
        // 003: 对符合条件的应付尽付、即时兑付
        Rule::StalePending => fixed(
            "对符合条件的应付尽付、即时兑付",
            "pay everything due to eligible enterprises, and pay it at once",
        ),
        // 003: 对支持中小微企业纾困发展的政策落实和资金使用情况开展绩效评价
        Rule::NoEval => fixed(
            "对支持中小微企业纾困发展的政策落实和资金使用情况开展绩效评价",
            "evaluate the performance of the policy's implementation and of the use of its funds",
        ),
        // 003: “花钱必问效、无效必问责”；加强绩效评价结果应用
        Rule::LowScore => fixed(
            "花钱必问效、无效必问责，加强绩效评价结果应用",
            "spending must show results, no results means accountability; apply the evaluation results",
        ),
        // 003: 加强绩效运行监控和监督检查
        Rule::TargetMiss => fixed(
            "加强绩效运行监控和监督检查",
            "monitor performance during execution and inspect it",
        ),
        // 004: 加大存量资金盘活力度，及时清理收回财政闲置资金
        Rule::BalanceRate => fixed(
            "加大存量资金盘活力度，及时清理收回财政闲置资金",
            "put stock funds to use and recover idle fiscal funds in time",
        ),
        // 003: 确保各项惠企待遇按时足额支付
        Rule::OnTime => fixed(
            "确保各项惠企待遇按时足额支付",
            "pay every support to enterprises on time and in full",
        ),
        // 004: 提高直达资金使用效率，……加快资金分配下达和预算执行
        Rule::AllocLate => fixed(
            "加快资金分配下达和预算执行",
            "use direct funds efficiently: allocate and pass them on quickly",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Level, ProgramStatus};

    fn program(code: &str, policy_ref: &str) -> Program {
        Program {
            id: 1,
            code: code.into(),
            name: "科技创新券".into(),
            department: "县科技局".into(),
            level: Level::County,
            fiscal_year: 2026,
            policy_ref: policy_ref.into(),
            is_direct: true,
            start_date: None,
            end_date: None,
            cap_per_enterprise: Some(Money(300_000_00)),
            once_per_year: true,
            exclusive_group: Some("科技补助".into()),
            eligible_sizes: vec![Size::Small, Size::Micro],
            status: ProgramStatus::Active,
        }
    }

    fn raw(pairs: &[(&str, &str, &str)]) -> BTreeMap<String, BTreeMap<String, String>> {
        let mut m: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for (p, r, t) in pairs {
            m.entry(p.to_string())
                .or_default()
                .insert(r.to_string(), t.to_string());
        }
        m
    }

    #[test]
    fn every_rule_has_a_default_in_both_languages() {
        let p = program("KJ-2026", "");
        for rule in Rule::ALL {
            for lang in [Lang::Zh, Lang::En] {
                let t = default_text(*rule, &p, lang);
                assert!(!t.trim().is_empty(), "{rule:?} {lang:?}");
            }
            // Chinese text in zh, none in en
            assert!(
                default_text(*rule, &p, Lang::Zh)
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{rule:?}"
            );
            assert!(
                !default_text(*rule, &p, Lang::En)
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
                    || *rule == Rule::Exclusive,
                "{rule:?}"
            );
        }
    }

    #[test]
    fn defaults_quote_the_policy_wording() {
        let p = program("KJ-2026", "");
        let zh = |r| default_text(r, &p, Lang::Zh);
        assert_eq!(zh(Rule::Repeat), "同一企业一年内只能享受一次");
        assert_eq!(zh(Rule::OverCap), "每家企业每年不超过30万元");
        assert_eq!(zh(Rule::RecoverDue), "对沉淀资金一律按规定收回并统筹安排");
        assert!(zh(Rule::Exclusive).contains("不重复享受"));
        assert!(zh(Rule::Exclusive).contains("科技补助"));
        assert_eq!(zh(Rule::Ineligible), "享受对象限于小型、微型企业");
        // a cap that is not a whole number of 万元
        let mut odd = p.clone();
        odd.cap_per_enterprise = Some(Money(12_345_67));
        assert_eq!(
            default_text(Rule::OverCap, &odd, Lang::Zh),
            "每家企业每年不超过12,345.67元"
        );
    }

    /// The quoted wording is in the seed documents, which live beside the repository
    /// (`../shared/seeds`), not in it: `cargo test -p zhida-core -- --ignored quote`.
    #[test]
    #[ignore = "reads ../shared/seeds, outside the repository"]
    fn quotes_are_verbatim_in_the_seed_documents() {
        let p = program("KJ-2026", "");
        let zh = |r| default_text(r, &p, Lang::Zh);
        for (rule, file) in [
            (Rule::Repeat, "003"),
            (Rule::RecoverDue, "003"),
            (Rule::StalePending, "003"),
            (Rule::NoEval, "003"),
            (Rule::TargetMiss, "003"),
            (Rule::Lagging, "004"),
            (Rule::Idle, "004"),
            (Rule::BalanceRate, "004"),
            (Rule::OnTime, "003"),
            (Rule::AllocLate, "004"),
        ] {
            let dir =
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/seeds");
            let entries = std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("{}: {e} (the seed documents)", dir.display()));
            let text: String = entries
                .filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().starts_with(file))
                .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                .collect::<String>()
                .replace([',', ' '], "，");
            let quote = zh(rule).replace([',', ' '], "，");
            assert!(text.contains(&quote), "{rule:?}: {quote}");
        }
    }

    #[test]
    fn program_rules_cite_the_program_document() {
        let p = program("KJ-2026", "元科发〔2026〕3号");
        let t = BasisTable::default();
        assert_eq!(
            t.cite(Rule::OverCap, &p, Lang::Zh),
            "元科发〔2026〕3号：每家企业每年不超过30万元"
        );
        assert_eq!(
            t.cite(Rule::Repeat, &p, Lang::En),
            "元科发〔2026〕3号: an enterprise may receive it only once a year"
        );
        // a management rule does not claim the program's document
        assert_eq!(
            t.cite(Rule::RecoverDue, &p, Lang::Zh),
            "对沉淀资金一律按规定收回并统筹安排"
        );
        // no 文号: the text alone
        assert_eq!(
            t.cite(Rule::Repeat, &program("X", " "), Lang::Zh),
            "同一企业一年内只能享受一次"
        );
    }

    #[test]
    fn overrides_per_program_then_for_all_programs() {
        let t = BasisTable::from_config(
            &raw(&[
                ("KJ-2026", "EXCLUSIVE", "与一次性吸纳就业补贴政策不重复享受"),
                ("*", "EXCLUSIVE", "同类政策不重复享受"),
                ("*", "IDLE", "财预〔2021〕62号：存量资金按规定收回"),
                (
                    "KJ-2026",
                    "超上限",
                    "每户科技型企业每年可使用创新券总额不超过30万元",
                ),
            ]),
            "config.toml",
        )
        .unwrap();
        let p = program("KJ-2026", "元科发〔2026〕3号");
        assert_eq!(
            t.cite(Rule::Exclusive, &p, Lang::Zh),
            "元科发〔2026〕3号：与一次性吸纳就业补贴政策不重复享受"
        );
        assert_eq!(
            t.cite(Rule::OverCap, &p, Lang::Zh),
            "元科发〔2026〕3号：每户科技型企业每年可使用创新券总额不超过30万元"
        );
        let other = program("WG-2026", "元人社〔2026〕1号");
        assert_eq!(
            t.cite(Rule::Exclusive, &other, Lang::Zh),
            "元人社〔2026〕1号：同类政策不重复享受"
        );
        assert_eq!(
            t.cite(Rule::Idle, &other, Lang::En),
            "财预〔2021〕62号：存量资金按规定收回",
            "a configured text is shown as written"
        );
        assert_eq!(
            t.cite(Rule::Repeat, &other, Lang::Zh),
            "元人社〔2026〕1号：同一企业一年内只能享受一次"
        );
        // an override that already names the 文号 is not prefixed twice
        let t = BasisTable::from_config(
            &raw(&[("KJ-2026", "REPEAT", "按元科发〔2026〕3号，每年限一次")]),
            "c.toml",
        )
        .unwrap();
        assert_eq!(
            t.cite(Rule::Repeat, &p, Lang::Zh),
            "按元科发〔2026〕3号，每年限一次"
        );
    }

    #[test]
    fn bad_keys_name_file_and_key() {
        let e = BasisTable::from_config(&raw(&[("KJ-2026", "OVERCAP", "x")]), "/etc/zhida.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("/etc/zhida.toml") && e.contains("basis.KJ-2026.OVERCAP"),
            "{e}"
        );
        assert!(e.contains("OVER_CAP"), "lists the known rules: {e}");
        let e = BasisTable::from_config(&raw(&[("KJ-2026", "REPEAT", "  ")]), "c.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("basis.KJ-2026.REPEAT"), "{e}");
        let e = BasisTable::from_config(&raw(&[(" ", "REPEAT", "x")]), "c.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("c.toml") && e.contains("basis"), "{e}");
    }
}
