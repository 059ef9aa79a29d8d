//! `zhida gen`
use std::process::ExitCode;

use zhida_core::gen::{generate, GenConfig};
use zhida_core::Error;

use super::Ctx;

/// Write deterministic synthetic CSVs in the import formats.
#[derive(Debug, clap::Args)]
pub struct GenArgs {
    /// Number of disbursements
    #[arg(long)]
    pub rows: u64,
    /// Number of programs 项目数
    #[arg(long, default_value_t = 200)]
    pub programs: u32,
    /// Number of enterprises 企业数
    #[arg(long, default_value_t = 50_000)]
    pub enterprises: u32,
    /// Seed: the same seed writes the same bytes
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output directory (created if missing)
    #[arg(long)]
    pub out: std::path::PathBuf,
}

pub fn run(_ctx: &Ctx, args: GenArgs) -> Result<ExitCode, Error> {
    let started = std::time::Instant::now();
    let cfg = GenConfig {
        rows: args.rows,
        programs: args.programs,
        enterprises: args.enterprises,
        seed: args.seed,
    };
    let s = generate(&cfg, &args.out)?;
    let planted: u64 = s.planted.iter().sum();
    println!(
        "已生成 (generated) {}: {} 个项目 programs, {} 家企业 enterprises, {} 条指标 allocations, \
         {} 条拨付 disbursements ({} 冲销 reversals, {} 条预置违规 planted violations), \
         {} 条收回 recoveries, {} 条评价 evaluations, {} 个绩效指标 indicators; {:.1} MB, {:.2} s",
        args.out.display(),
        s.programs,
        s.enterprises,
        s.allocations,
        s.disbursements,
        s.reversals,
        planted,
        s.recoveries,
        s.evaluations,
        s.indicators,
        s.bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
