//! Drawing tables: columns sized by display width, low-priority columns dropped on narrow
//! terminals, and only the visible window of rows handed to the terminal.

use std::borrow::Cow;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};
use ratatui::Frame;

use super::action::Action;
use super::text::{fit, put, truncate, width, Align};

#[derive(Debug, Clone)]
pub struct Col {
    pub title: String,
    /// width in cells (the minimum for the flexible column)
    pub width: u16,
    /// higher stays longer when space is short
    pub prio: u8,
    /// takes the space left over
    pub flex: bool,
    pub align: Align,
}

impl Col {
    pub fn left(title: &str, width: u16, prio: u8) -> Col {
        Col {
            title: title.to_string(),
            width,
            prio,
            flex: false,
            align: Align::Left,
        }
    }

    pub fn right(title: &str, width: u16, prio: u8) -> Col {
        Col {
            align: Align::Right,
            ..Col::left(title, width, prio)
        }
    }

    pub fn flex(title: &str, width: u16, prio: u8) -> Col {
        Col {
            flex: true,
            ..Col::left(title, width, prio)
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Cell {
    pub text: String,
    pub style: Style,
}

impl Cell {
    pub fn new(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            style: Style::default(),
        }
    }

    pub fn styled(text: impl Into<String>, style: Style) -> Cell {
        Cell {
            text: text.into(),
            style,
        }
    }
}

/// Which columns fit in `avail` cells (one space between columns) and how wide each is.
pub fn layout(cols: &[Col], avail: u16) -> Vec<(usize, u16)> {
    let mut keep: Vec<usize> = (0..cols.len()).collect();
    let total = |keep: &[usize]| -> u32 {
        keep.iter().map(|&i| cols[i].width as u32).sum::<u32>()
            + keep.len().saturating_sub(1) as u32
    };
    while keep.len() > 1 && total(&keep) > avail as u32 {
        let Some((pos, _)) = keep
            .iter()
            .enumerate()
            .min_by_key(|(pos, &i)| (cols[i].prio, std::cmp::Reverse(*pos)))
        else {
            break;
        };
        keep.remove(pos);
    }
    let spare = (avail as u32).saturating_sub(total(&keep)) as u16;
    let flex_count = keep.iter().filter(|&&i| cols[i].flex).count() as u16;
    keep.iter()
        .map(|&i| {
            let mut w = cols[i].width;
            if cols[i].flex && flex_count > 0 {
                w += spare / flex_count;
            }
            (i, w.min(avail))
        })
        .collect()
}

/// Offset that keeps `sel` inside a window of `height` rows, moving as little as possible.
pub fn scroll(offset: usize, sel: usize, height: usize) -> usize {
    if height == 0 {
        return sel;
    }
    if sel < offset {
        sel
    } else if sel >= offset + height {
        sel + 1 - height
    } else {
        offset
    }
}

/// Where a list-moving key (j/k, PgUp/PgDn, g/G) takes the selection in a list of `len`
/// rows showing `page` at a time; None for any other action.
pub fn moved(action: Action, sel: usize, len: usize, page: usize) -> Option<usize> {
    let last = len.saturating_sub(1);
    Some(match action {
        Action::Down => (sel + 1).min(last),
        Action::Up => sel.saturating_sub(1),
        Action::PageDown => (sel + page).min(last),
        Action::PageUp => sel.saturating_sub(page),
        Action::Top => 0,
        Action::Bottom => last,
        _ => return None,
    })
}

/// One line of fitted cells.
pub fn row_line(cols: &[Col], lay: &[(usize, u16)], cells: &[Cell], style: Style) -> Line<'static> {
    let mut spans = Vec::with_capacity(lay.len() * 2);
    for (n, &(i, w)) in lay.iter().enumerate() {
        if n > 0 {
            spans.push(Span::styled(" ", style));
        }
        let cell = cells.get(i).cloned().unwrap_or_default();
        spans.push(Span::styled(
            fit(&cell.text, w as usize, cols[i].align),
            cell.style.patch(style),
        ));
    }
    Line::from(spans)
}

/// Draw one row of cells at `area` (one terminal row): each cell's text truncated to its
/// column, aligned within it, the row style under everything. Equal, cell for cell, to a
/// `Line` of space-padded spans, but only the text goes through grapheme segmentation —
/// padding is styled, not written (most of a wide table's cells are padding).
pub fn draw_row(
    buf: &mut Buffer,
    area: Rect,
    cols: &[Col],
    lay: &[(usize, u16)],
    cells: &[Cell],
    style: Style,
) {
    let area = area.intersection(buf.area);
    if area.is_empty() {
        return;
    }
    let mut x = area.x;
    let blank = Cell::default();
    for (n, &(i, w)) in lay.iter().enumerate() {
        if n > 0 {
            // the space between columns
            if x >= area.right() {
                break;
            }
            buf.set_style(Rect::new(x, area.y, 1, 1), style);
            x += 1;
        }
        let w = w.min(area.right().saturating_sub(x));
        if w == 0 {
            break;
        }
        let cell = cells.get(i).unwrap_or(&blank);
        let cell_style = cell.style.patch(style);
        let rect = Rect::new(x, area.y, w, 1);
        buf.set_style(rect, cell_style);
        // the text as it is when it fits (no copy), cut with `…` otherwise
        let full = width(&cell.text) as u16;
        let (text, used) = if full <= w {
            (Cow::Borrowed(cell.text.as_str()), full)
        } else {
            let cut = truncate(&cell.text, w as usize);
            let used = width(&cut) as u16;
            (Cow::Owned(cut), used)
        };
        let pad = w.saturating_sub(used);
        let start = match cols[i].align {
            Align::Left => x,
            Align::Right => x + pad,
        };
        put(buf, Rect::new(start, area.y, w - pad, 1), &text, cell_style);
        x += w;
    }
}

/// Draw a table: header, then `rows` (already the visible window), `selected` being an
/// index into `rows`. `sort` marks the sorted column with ▲/▼.
// One call draws a whole table; its parts are independent, so a builder adds nothing.
#[allow(clippy::too_many_arguments)]
pub fn draw(
    f: &mut Frame,
    area: Rect,
    block: Block<'_>,
    cols: &[Col],
    sort: Option<(usize, bool)>,
    rows: &[Vec<Cell>],
    selected: Option<usize>,
    empty: &str,
) {
    let inner = block.inner(area);
    f.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let lay = layout(cols, inner.width);
    let header: Vec<Cell> = cols
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mark = match sort {
                Some((s, desc)) if s == i => {
                    if desc {
                        "▼"
                    } else {
                        "▲"
                    }
                }
                _ => "",
            };
            Cell::new(format!("{}{mark}", c.title))
        })
        .collect();
    let head_style = Style::default().add_modifier(Modifier::BOLD);
    let buf = f.buffer_mut();
    let line = |n: usize| Rect {
        y: inner.y + n as u16,
        height: 1,
        ..inner
    };
    draw_row(buf, line(0), cols, &lay, &header, head_style);
    if rows.is_empty() && inner.height > 1 {
        Line::from(empty.to_string()).render(line(1), buf);
    }
    for (n, r) in rows
        .iter()
        .take((inner.height as usize).saturating_sub(1))
        .enumerate()
    {
        let style = if selected == Some(n) {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
        };
        draw_row(buf, line(n + 1), cols, &lay, r, style);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_terminals_drop_low_priority_columns_and_flex_takes_the_rest() {
        let cols = vec![
            Col::left("编码", 8, 9),
            Col::flex("名称", 10, 10),
            Col::left("主管部门", 10, 2),
            Col::right("指标", 14, 8),
        ];
        // 8 + 10 + 10 + 14 + 3 spaces = 45
        let l = layout(&cols, 45);
        assert_eq!(l, vec![(0, 8), (1, 10), (2, 10), (3, 14)]);
        let l = layout(&cols, 50);
        assert_eq!(l[1], (1, 15), "flex column gets the spare 5 cells");
        let l = layout(&cols, 40);
        assert_eq!(
            l.iter().map(|x| x.0).collect::<Vec<_>>(),
            vec![0, 1, 3],
            "department dropped first"
        );
        assert_eq!(l.iter().map(|x| x.1 as u32).sum::<u32>() + 2, 40);
    }

    #[test]
    fn list_keys_move_the_selection_within_the_rows() {
        assert_eq!(moved(Action::Down, 3, 5, 2), Some(4));
        assert_eq!(moved(Action::Down, 4, 5, 2), Some(4), "stays on the last");
        assert_eq!(moved(Action::Up, 0, 5, 2), Some(0));
        assert_eq!(moved(Action::PageDown, 1, 5, 2), Some(3));
        assert_eq!(moved(Action::PageDown, 4, 5, 2), Some(4));
        assert_eq!(moved(Action::PageUp, 1, 5, 2), Some(0));
        assert_eq!(moved(Action::Top, 3, 5, 2), Some(0));
        assert_eq!(moved(Action::Bottom, 0, 5, 2), Some(4));
        assert_eq!(moved(Action::Down, 0, 0, 2), Some(0), "empty list");
        assert_eq!(moved(Action::Open, 1, 5, 2), None);
    }

    #[test]
    fn scroll_keeps_selection_visible() {
        assert_eq!(scroll(0, 5, 10), 0);
        assert_eq!(scroll(0, 12, 10), 3);
        assert_eq!(scroll(5, 2, 10), 2);
        assert_eq!(scroll(3, 7, 10), 3);
    }
}
