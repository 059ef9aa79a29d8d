//! Read queries behind the work screens that need every program at once: all
//! evaluations and all indicators (the 绩效 screen ranks programs by them).

use chrono::NaiveDate;
use rusqlite::Connection;
use rust_decimal::Decimal;

use crate::dates::iso;
use crate::error::Result;
use crate::model::{Evaluation, Indicator};

fn conv<E: std::error::Error + Send + Sync + 'static>(e: E) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
}

/// Every evaluation dated ≤ `as_of`, by program code, then newest date first.
pub fn evaluations_until(conn: &Connection, as_of: NaiveDate) -> Result<Vec<Evaluation>> {
    let mut stmt = conn.prepare_cached(
        "SELECT v.id, p.code, v.year, v.score_x100, v.evaluator, v.date, v.note
         FROM evaluation v JOIN program p ON p.id = v.program_id
         WHERE v.date <= ?1 ORDER BY p.code, v.date DESC, v.id DESC",
    )?;
    let rows = stmt.query_map([iso(as_of)], |r| {
        Ok(Evaluation {
            id: r.get(0)?,
            program_code: r.get(1)?,
            year: r.get(2)?,
            score_x100: r.get(3)?,
            evaluator: r.get(4)?,
            date: crate::repo::lookup::date_col(r, 5)?,
            note: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every indicator, by program code, newest year first, then name.
pub fn all_indicators(conn: &Connection) -> Result<Vec<Indicator>> {
    let mut stmt = conn.prepare_cached(
        "SELECT i.id, p.code, i.year, i.name, i.unit, i.target, i.actual, i.direction
         FROM indicator i JOIN program p ON p.id = i.program_id
         ORDER BY p.code, i.year DESC, i.name",
    )?;
    let rows = stmt.query_map([], |r| {
        let actual: Option<String> = r.get(6)?;
        Ok(Indicator {
            id: r.get(0)?,
            program_code: r.get(1)?,
            year: r.get(2)?,
            name: r.get(3)?,
            unit: r.get(4)?,
            target: r.get::<_, String>(5)?.parse::<Decimal>().map_err(conv)?,
            actual: actual
                .map(|a| a.parse::<Decimal>().map_err(conv))
                .transpose()?,
            direction: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::open_in_memory;
    use crate::model::Direction;
    use crate::repo::write::*;

    #[test]
    fn lists_evaluations_up_to_the_date_and_all_indicators() {
        let conn = open_in_memory().unwrap();
        insert_program(&conn, &NewProgram::new("WG2024", "稳岗返还", 2024)).unwrap();
        for (date, score) in [("2025-02-10", 5_850), ("2025-08-01", 8_200)] {
            insert_evaluation(
                &conn,
                &NewEvaluation {
                    program_code: "WG2024".into(),
                    year: 2024,
                    score_x100: score,
                    evaluator: "元江县财政局绩效股".into(),
                    date: crate::dates::parse_date(date).unwrap(),
                    note: String::new(),
                },
            )
            .unwrap();
        }
        insert_indicator(
            &conn,
            &NewIndicator {
                program_code: "WG2024".into(),
                year: 2024,
                name: "稳定就业岗位".into(),
                unit: "个".into(),
                target: Decimal::from(500),
                actual: Some(Decimal::from(430)),
                direction: Direction::Ge,
            },
        )
        .unwrap();
        let as_of = crate::dates::parse_date("2025-06-30").unwrap();
        let ev = evaluations_until(&conn, as_of).unwrap();
        assert_eq!(ev.len(), 1, "the August evaluation is after the date");
        assert_eq!(ev[0].score_x100, 5_850);
        let later =
            evaluations_until(&conn, crate::dates::parse_date("2025-12-31").unwrap()).unwrap();
        assert_eq!(later[0].score_x100, 8_200, "newest first");
        let ind = all_indicators(&conn).unwrap();
        assert_eq!(ind.len(), 1);
        assert_eq!(ind[0].actual, Some(Decimal::from(430)));
        assert_eq!(ind[0].met(), Some(false));
    }
}
