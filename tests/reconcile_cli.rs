//! End to end: `zhida reconcile` on the demo data and the shipped sample export — JSON
//! parsed, CSV with BOM, acknowledgement through `zhida ack`, exit statuses, profiles by
//! name from the config directory, and a bad export (exit 2, nothing on stdout).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const EXPORT: &str = "sample-data/reconcile/treasury-export-2026-10.csv";

struct Env {
    _dir: tempfile::TempDir,
    root: PathBuf,
    db: PathBuf,
    config: PathBuf,
}

impl Env {
    /// A database loaded from sample-data and an empty config dir.
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let config = root.join("config.toml");
        std::fs::write(&config, "").unwrap();
        let env = Env {
            db: root.join("直达.db"),
            root,
            config,
            _dir: dir,
        };
        let out = env.zhida(&["import", "sample-data"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        env
    }

    fn zhida(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_zhida"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .arg("--db")
            .arg(&self.db)
            .arg("--config")
            .arg(&self.config)
            .args(["--user", "王建国"])
            .args(args)
            .env_remove("ZHIDA_DB")
            .env_remove("ZHIDA_USER")
            .output()
            .unwrap()
    }

    fn json(&self, extra: &[&str]) -> serde_json::Value {
        let mut args = vec![
            "reconcile",
            EXPORT,
            "--profile",
            "treasury",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let out = self.zhida(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

fn count(v: &serde_json::Value, category: &str) -> u64 {
    v["summary"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["category"] == category)
        .unwrap()["count"]
        .as_u64()
        .unwrap()
}

fn keys(v: &serde_json::Value, kind: &str) -> Vec<String> {
    let mut out = Vec::new();
    for i in v["items"].as_array().unwrap() {
        if i["category"] == kind {
            out.push(i["key"].as_str().unwrap().to_string());
        }
        for d in i["differences"].as_array().unwrap() {
            if d["kind"] == kind {
                out.push(d["key"].as_str().unwrap().to_string());
            }
        }
    }
    out
}

#[test]
fn the_sample_export_against_the_demo_data() {
    let env = Env::new();
    let v = env.json(&["--month", "2026-10"]);
    assert_eq!(v["from"], "2026-10-01");
    assert_eq!(v["to"], "2026-10-31");
    assert_eq!(v["upstream_rows"], 156);
    assert_eq!(count(&v, "matched"), 143);
    assert_eq!(count(&v, "differences"), 8);
    assert_eq!(count(&v, "not_paid"), 1);
    assert_eq!(count(&v, "only_upstream"), 3);
    assert_eq!(count(&v, "only_ours"), 3);
    assert_eq!(count(&v, "duplicate"), 1);
    assert_eq!(v["open"], 16);
    assert_eq!(
        keys(&v, "amount"),
        [
            "RECON|amount|YJCZ-2026-01169|4960.00|4951.00",
            "RECON|amount|YJCZ-2026-01220|4500.00|4000.00"
        ]
    );
    assert_eq!(
        keys(&v, "program"),
        ["RECON|program|YJCZ-2026-01189|FZ-2026|LG-2026"]
    );
    assert_eq!(
        keys(&v, "direct"),
        [
            "RECON|direct|YJCZ-2026-01200|yes|no",
            "RECON|direct|YJCZ-2026-01202|no|yes"
        ]
    );
    assert_eq!(
        keys(&v, "date").len(),
        4,
        "3 matched rows and the not-paid one"
    );
    assert_eq!(
        keys(&v, "not_paid"),
        ["RECON|not_paid|YJCZ-2026-01264|pending|10824.77"]
    );
    // 5 days apart is outside ±3: the row shows on both sides
    assert!(keys(&v, "only_ours")
        .contains(&"RECON|only_ours|YJCZ-2026-01283|9000.00|2026-10-22".to_string()));
    assert!(keys(&v, "only_upstream")
        .iter()
        .any(|k| k.ends_with("|9000.00|2026-10-27")));
    // with a wider tolerance it matches, with a date difference
    let wide = env.json(&["--month", "2026-10", "--tolerance", "5"]);
    assert_eq!(count(&wide, "only_ours"), 2);
    assert!(keys(&wide, "date")
        .contains(&"RECON|date|YJCZ-2026-01283|2026-10-22|2026-10-27".to_string()));
    // the 冲销 of 2026-10-07 is matched as a negative payment
    let reversal = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["ours"]["voucher"] == "YJCZ-2026-01199")
        .unwrap();
    assert_eq!(reversal["category"], "matched");
    assert_eq!(reversal["upstream"]["amount"], "-1395.45");
}

#[test]
fn acknowledging_fail_on_diff_csv_and_table() {
    let env = Env::new();
    let base = ["reconcile", EXPORT, "--profile", "treasury"];
    let run = |extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend_from_slice(extra);
        env.zhida(&a)
    };
    assert_eq!(run(&[]).status.code(), Some(0));
    assert_eq!(run(&["--fail-on-diff"]).status.code(), Some(1));

    let key = "RECON|amount|YJCZ-2026-01169|4960.00|4951.00";
    let out = env.zhida(&["ack", key, "--note", "国库少付 9 元，已通知补付"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bad = env.zhida(&["ack", "RECON|bogus|x|1|2", "--note", "x"]);
    assert_eq!(bad.status.code(), Some(2));

    let v = env.json(&[]);
    assert_eq!(v["open"], 15);
    let d = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["differences"].as_array().unwrap().iter())
        .find(|d| d["key"] == key)
        .unwrap();
    assert_eq!(d["acknowledged"], true);
    assert_eq!(d["ack"]["note"], "国库少付 9 元，已通知补付");
    assert_eq!(d["ack"]["by"], "王建国");
    let hidden = env.json(&["--unacknowledged"]);
    assert!(!hidden.to_string().contains(key));

    let table = String::from_utf8(run(&[]).stdout).unwrap();
    assert!(table.contains("✓ 国库少付 9 元，已通知补付"), "{table}");
    assert!(table.contains("RECON|only_ours|YJCZ-2026-01294|5892.09|2026-10-25"));
    assert!(table.contains("待处理 15 项"), "{table}");

    let csv = run(&["--format", "csv"]).stdout;
    assert!(csv.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(text.starts_with("category,kind,key,acknowledged,note,"));
    let line = text.lines().find(|l| l.contains(key)).unwrap();
    assert!(line.starts_with("differences,amount,"), "{line}");
    assert!(line.contains(",true,国库少付 9 元，已通知补付,"), "{line}");
}

#[test]
fn profiles_by_name_from_the_config_dir_and_bad_exports() {
    let env = Env::new();
    let profiles = env.root.join("profiles");
    std::fs::create_dir_all(&profiles).unwrap();
    // the shipped profile under another name, with a tolerance of 5
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/reconcile/treasury.toml"),
    )
    .unwrap()
    .replace("date_tolerance_days = 3", "date_tolerance_days = 5");
    std::fs::write(profiles.join("国库.toml"), text).unwrap();
    let out = env.zhida(&["reconcile", EXPORT, "--profile", "国库", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["tolerance_days"], 5);

    let out = env.zhida(&["reconcile", EXPORT, "--profile", "省厅"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("国库"),
        "lists the profiles"
    );

    std::fs::write(profiles.join("坏.toml"), "[columns]\ncredit_code = \"x\"\n").unwrap();
    let out = env.zhida(&["reconcile", EXPORT, "--profile", "坏"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("坏.toml") && err.contains("columns.amount"),
        "{err}"
    );

    // a bad row: exit 2, every error as file:line: column: reason, nothing on stdout
    let sample =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(EXPORT)).unwrap();
    let broken = sample.replacen("\"5,029.30\"", "五千", 1).replacen(
        "91530428MAKPT10HC4",
        "91530428MAKPT10HC5",
        1,
    );
    let file = env.root.join("坏导出.csv");
    std::fs::write(&file, broken).unwrap();
    let out = env.zhida(&[
        "reconcile",
        file.to_str().unwrap(),
        "--profile",
        "treasury",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("坏导出.csv:4: 收款人统一社会信用代码: "),
        "{err}"
    );
    assert!(err.contains("坏导出.csv:4: 支付金额: "), "{err}");

    let help = env.zhida(&["reconcile", "--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("--profile") && help.contains("--fail-on-diff") && help.contains("对账"));
}
