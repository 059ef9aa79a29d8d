//! Keyset paging through disbursements: the pager holds a window of rows around the
//! selection and fetches the next/previous page by (date, id) — never OFFSET — so moving
//! costs the same on the millionth row as on the first.

use rusqlite::Connection;
use zhida_core::model::Disbursement;
use zhida_core::repo::listing::{disbursement_page, DisbFilter, Page};
use zhida_core::Error;

use super::table::scroll;

/// Rows fetched per page; the window keeps at most three pages.
pub const FETCH: usize = 100;

#[derive(Debug, Clone, Default)]
pub struct Pager {
    pub filter: DisbFilter,
    pub rows: Vec<Disbursement>,
    /// index into `rows`
    pub sel: usize,
    /// first visible index into `rows`
    pub offset: usize,
    at_start: bool,
    at_end: bool,
}

impl Pager {
    pub fn new(filter: DisbFilter) -> Pager {
        Pager {
            filter,
            ..Pager::default()
        }
    }

    pub fn selected(&self) -> Option<&Disbursement> {
        self.rows.get(self.sel)
    }

    pub fn first(&mut self, conn: &Connection) -> Result<(), Error> {
        self.first_n(conn, FETCH)
    }

    /// The first `n` rows only: what a box of `n` rows shows when it opens (a cold page
    /// costs SQLite a read from the OS per row; moving on fetches the rest).
    pub fn first_n(&mut self, conn: &Connection, n: usize) -> Result<(), Error> {
        let n = n.clamp(1, FETCH);
        let rows = disbursement_page(conn, &self.filter, Page::First, n)?;
        self.start_with(rows, n);
        Ok(())
    }

    pub fn last(&mut self, conn: &Connection, height: usize) -> Result<(), Error> {
        self.rows = disbursement_page(conn, &self.filter, Page::Last, FETCH)?;
        self.at_end = true;
        self.at_start = self.rows.len() < FETCH;
        self.sel = self.rows.len().saturating_sub(1);
        self.offset = self.rows.len().saturating_sub(height.max(1));
        Ok(())
    }

    /// Start with `rows`, the first `asked` rows as read elsewhere (fewer: the whole list).
    pub fn start_with(&mut self, rows: Vec<Disbursement>, asked: usize) {
        self.at_end = rows.len() < asked;
        self.rows = rows;
        self.at_start = true;
        self.sel = 0;
        self.offset = 0;
    }

    /// Start the window at `row` and select it (a jump to a row deep in a long list);
    /// moving up fetches what lies before.
    pub fn start_at(&mut self, conn: &Connection, row: &Disbursement) -> Result<(), Error> {
        self.rows = disbursement_page(
            conn,
            &self.filter,
            Page::After((row.date, row.id - 1)),
            FETCH,
        )?;
        self.at_start = false;
        self.at_end = self.rows.len() < FETCH;
        self.sel = 0;
        self.offset = 0;
        Ok(())
    }

    /// Append the next page; returns how many rows were dropped at the front.
    fn fetch_after(&mut self, conn: &Connection) -> Result<usize, Error> {
        let Some(last) = self.rows.last() else {
            return Ok(0);
        };
        let more = disbursement_page(conn, &self.filter, Page::After(Page::key_of(last)), FETCH)?;
        self.at_end = more.len() < FETCH;
        self.rows.extend(more);
        if self.rows.len() > 3 * FETCH {
            let drop = self.rows.len() - 3 * FETCH;
            self.rows.drain(..drop);
            self.sel = self.sel.saturating_sub(drop);
            self.offset = self.offset.saturating_sub(drop);
            self.at_start = false;
            return Ok(drop);
        }
        Ok(0)
    }

    fn fetch_before(&mut self, conn: &Connection) -> Result<(), Error> {
        let Some(first) = self.rows.first() else {
            return Ok(());
        };
        let more = disbursement_page(conn, &self.filter, Page::Before(Page::key_of(first)), FETCH)?;
        self.at_start = more.len() < FETCH;
        let n = more.len();
        self.rows.splice(0..0, more);
        self.sel += n;
        self.offset += n;
        if self.rows.len() > 3 * FETCH {
            self.rows.truncate(3 * FETCH);
            self.at_end = false;
            self.sel = self.sel.min(3 * FETCH - 1);
        }
        Ok(())
    }

    /// Fetch on until at least `n` rows are held (or the list ends): a window grown
    /// taller shows them at once.
    pub fn fill(&mut self, conn: &Connection, n: usize) -> Result<(), Error> {
        while self.rows.len() < n && !self.at_end && !self.rows.is_empty() {
            self.fetch_after(conn)?;
        }
        Ok(())
    }

    /// Move the selection by `delta` rows, fetching pages as needed; keep it visible in
    /// a window of `height` rows.
    pub fn move_by(&mut self, conn: &Connection, delta: isize, height: usize) -> Result<(), Error> {
        if delta > 0 {
            let mut want = self.sel + delta as usize;
            while want >= self.rows.len() && !self.at_end && !self.rows.is_empty() {
                // rows dropped at the front shift the target too
                want -= self.fetch_after(conn)?;
            }
            self.sel = want.min(self.rows.len().saturating_sub(1));
        } else if delta < 0 {
            let back = delta.unsigned_abs();
            while back > self.sel && !self.at_start && !self.rows.is_empty() {
                let sel_before = self.sel;
                self.fetch_before(conn)?;
                if self.sel == sel_before {
                    break;
                }
            }
            self.sel = self.sel.saturating_sub(back);
        }
        self.offset = scroll(self.offset, self.sel, height);
        Ok(())
    }

    /// Reload in place: the same first row onwards, the same row selected if it still exists.
    pub fn refresh(&mut self, conn: &Connection) -> Result<(), Error> {
        let Some(first) = self.rows.first() else {
            return self.first(conn);
        };
        let anchor = (first.date, first.id - 1);
        let sel_id = self.selected().map(|d| d.id);
        let keep_start = self.at_start;
        self.rows = disbursement_page(
            conn,
            &self.filter,
            Page::After(anchor),
            FETCH.max(self.rows.len()),
        )?;
        self.at_start = keep_start;
        self.at_end = self.rows.len() < FETCH;
        if let Some(pos) = sel_id.and_then(|id| self.rows.iter().position(|d| d.id == id)) {
            self.sel = pos;
        } else {
            self.sel = self.sel.min(self.rows.len().saturating_sub(1));
        }
        self.offset = self.offset.min(self.sel);
        Ok(())
    }
}
