//! Performance rules: NO_EVAL, LOW_SCORE, TARGET_MISS (program level; amount null).

use std::collections::{HashMap, HashSet};

use rusqlite::{params, Connection};
use rust_decimal::Decimal;

use super::{Ctx, Finding, Rule};
use crate::dates::iso;
use crate::error::Result;
use crate::model::{format_score, Direction};
use crate::repo::figures::ProgramFigures;

pub(super) fn run(
    conn: &Connection,
    ctx: &Ctx<'_>,
    figures: &[ProgramFigures],
    out: &mut Vec<Finding>,
) -> Result<()> {
    let codes: HashMap<i64, &str> = figures
        .iter()
        .map(|f| (f.program.id, f.program.code.as_str()))
        .collect();
    no_eval(conn, ctx, figures, out)?;
    low_score(conn, ctx, &codes, out)?;
    target_miss(conn, ctx, &codes, out)?;
    Ok(())
}

/// NO_EVAL: fiscal_year < year(D) and no evaluation for that fiscal year dated ≤ D.
fn no_eval(
    conn: &Connection,
    ctx: &Ctx<'_>,
    figures: &[ProgramFigures],
    out: &mut Vec<Finding>,
) -> Result<()> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT e.program_id FROM evaluation e JOIN program p ON p.id = e.program_id
         WHERE e.year = p.fiscal_year AND e.date <= ?1",
    )?;
    let evaluated: HashSet<i64> = stmt
        .query_map(params![iso(ctx.as_of)], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for f in figures {
        let p = &f.program;
        if p.fiscal_year < ctx.year && !evaluated.contains(&p.id) {
            let fy = p.fiscal_year;
            out.push(Finding::new(
                Rule::NoEval,
                &p.code,
                None,
                None,
                None,
                ctx.year,
                ctx.msg(
                    format!("{fy} 年度项目尚无绩效评价"),
                    format!("no performance evaluation for fiscal year {fy}"),
                ),
            ));
        }
    }
    Ok(())
}

/// LOW_SCORE: the latest evaluation (by date; ties: later year, then later entry) dated
/// ≤ D scores below low_score.
fn low_score(
    conn: &Connection,
    ctx: &Ctx<'_>,
    codes: &HashMap<i64, &str>,
    out: &mut Vec<Finding>,
) -> Result<()> {
    let mut stmt = conn.prepare(
        "SELECT program_id, score_x100, year, date FROM evaluation WHERE date <= ?1
         ORDER BY program_id, date DESC, year DESC, id DESC",
    )?;
    let mut q = stmt.query(params![iso(ctx.as_of)])?;
    let mut last: Option<i64> = None;
    let limit = i64::from(ctx.cfg.low_score) * 100;
    while let Some(r) = q.next()? {
        let pid: i64 = r.get(0)?;
        if last == Some(pid) {
            continue;
        }
        last = Some(pid);
        let score: i64 = r.get(1)?;
        if score >= limit {
            continue;
        }
        let Some(code) = codes.get(&pid) else {
            continue;
        };
        let (year, date): (i32, String) = (r.get(2)?, r.get(3)?);
        let s = format_score(score);
        out.push(Finding::new(
            Rule::LowScore,
            code,
            None,
            None,
            None,
            ctx.year,
            ctx.msg(
                format!(
                    "{date} 绩效评价（{year} 年度）得分 {s}，低于 {} 分",
                    ctx.cfg.low_score
                ),
                format!(
                    "evaluation of {date} (year {year}) scored {s}, below {}",
                    ctx.cfg.low_score
                ),
            ),
        ));
    }
    Ok(())
}

/// TARGET_MISS: an indicator with an actual value that misses its target (equality meets it).
fn target_miss(
    conn: &Connection,
    ctx: &Ctx<'_>,
    codes: &HashMap<i64, &str>,
    out: &mut Vec<Finding>,
) -> Result<()> {
    let mut stmt = conn.prepare(
        "SELECT program_id, year, name, unit, target, actual, direction FROM indicator
         WHERE actual IS NOT NULL",
    )?;
    let mut q = stmt.query([])?;
    while let Some(r) = q.next()? {
        let pid: i64 = r.get(0)?;
        let Some(code) = codes.get(&pid) else {
            continue;
        };
        let (year, name, unit): (i32, String, String) = (r.get(1)?, r.get(2)?, r.get(3)?);
        let (target_s, actual_s): (String, String) = (r.get(4)?, r.get(5)?);
        let direction: Direction = r.get(6)?;
        let (Ok(target), Ok(actual)) = (
            target_s.trim().parse::<Decimal>(),
            actual_s.trim().parse::<Decimal>(),
        ) else {
            continue;
        };
        let missed = match direction {
            Direction::Ge => actual < target,
            Direction::Le => actual > target,
        };
        if !missed {
            continue;
        }
        let op = direction.label(ctx.lang);
        let mut f = Finding::new(
            Rule::TargetMiss,
            code,
            None,
            None,
            None,
            year,
            ctx.msg(
                format!("{year} 年度指标「{name}」实际 {actual}{unit}，目标 {op}{target}{unit}"),
                format!(
                    "{year} indicator '{name}': actual {actual}{unit}, target {op}{target}{unit}"
                ),
            ),
        );
        f.key_detail = Some(name);
        out.push(f);
    }
    Ok(())
}
