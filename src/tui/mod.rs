//! The terminal interface (ratatui). Thin: input → Action → App::update → render.
//!
//! - `action.rs` what a key can mean · `keymap.rs` keys as data (dispatch, footer, help,
//!   palette, docs/keys.md) · `i18n.rs` every UI string, zh and en · `text.rs`
//!   display-width pad/truncate · `table.rs` visible-window tables · `pager.rs` keyset
//!   paging through disbursements · `input.rs` line editing (tui-input) for every text
//!   input, pasted text made safe
//! - `app.rs` state and `App::update` · `ui.rs` the shell's drawing · `background.rs`
//!   slow computations on their own thread and connection (pattern in `screens/mod.rs`)
//! - `screens/` one module per screen behind the `Screen` trait

pub mod action;
pub mod app;
pub mod background;
pub mod form;
pub mod i18n;
pub mod input;
pub mod keymap;
pub mod pager;
pub mod screens;
pub mod table;
pub mod text;
pub mod ui;
pub mod writes;

#[cfg(test)]
mod docs;
#[cfg(test)]
mod tests;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use ratatui::crossterm::event::{
    self, DisableBracketedPaste, EnableBracketedPaste, Event, KeyEventKind,
};
use ratatui::DefaultTerminal;
use zhida_core::Error;

use crate::cli::Ctx;
use action::Action;
use app::{App, Flow};
use keymap::KeySpec;

/// Open the TUI on the context's database.
pub fn run_on_db(ctx: &Ctx) -> Result<ExitCode, Error> {
    use std::io::IsTerminal;
    // refused before anything is opened: without a terminal raw mode fails with an OS
    // error ("No such device or address") that tells a clerk nothing
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        return Err(Error::invalid(
            "界面需要在终端中运行（经 SSH 请用 ssh -t）；脚本中请用 zhida check、zhida status 等命令 \
             (the TUI needs a terminal: over SSH use ssh -t; in scripts use the commands, e.g. zhida check, zhida status)",
        ));
    }
    background::tune_allocator();
    let conn = ctx.open()?;
    let actor = ctx.actor(&conn)?;
    let mut app = App::build(
        conn,
        actor,
        ctx.lang,
        &ctx.config,
        zhida_core::dates::today(),
    );
    // try_init installs the panic hook (restoring the terminal) before entering raw mode
    // and the alternate screen.
    let mut terminal = ratatui::try_init()?;
    // a paste arrives as one Event::Paste (typed into the focused input), not as keys
    let paste = BracketedPaste::enable();
    let result = event_loop(&mut terminal, &mut app);
    drop(paste);
    ratatui::restore();
    result?;
    Ok(ExitCode::SUCCESS)
}

fn event_loop(terminal: &mut DefaultTerminal, app: &mut App) -> std::io::Result<()> {
    let size = terminal.size()?;
    app.resize(size.width, size.height);
    // show the shell at once, then load the first screen's figures, then start what
    // runs in the background
    terminal.draw(|f| ui::render(app, f))?;
    app.load();
    terminal.draw(|f| ui::render(app, f))?;
    app.warm();
    terminal.draw(|f| ui::render(app, f))?;
    loop {
        match wait_for_input(app)? {
            Wake::Input => match event::read()? {
                Event::Key(k)
                    if k.kind == KeyEventKind::Press
                        && app.handle_key(KeySpec::from_event(&k)) == Flow::Quit =>
                {
                    return Ok(());
                }
                Event::Paste(text) => app.paste(&text),
                Event::Resize(w, h) => app.resize(w, h),
                _ => {}
            },
            Wake::Job => {
                app.update(Action::Background);
            }
            Wake::Idle => app.idle(),
        }
        terminal.draw(|f| ui::render(app, f))?;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wake {
    /// a terminal event is ready
    Input,
    /// a background job has finished: apply it and redraw
    Job,
    /// no key for [`app::IDLE`] after the last one
    Idle,
}

/// Wait until a terminal event is ready, a background job has finished, or the user has
/// paused after a key.
fn wait_for_input(app: &App) -> std::io::Result<Wake> {
    let pause_ends = app.idle_due().then(|| Instant::now() + app::IDLE);
    loop {
        let jobs = app.jobs_running();
        let step = match pause_ends {
            None if !jobs => return Ok(Wake::Input),
            None => Duration::from_millis(25),
            Some(end) => {
                let left = end.saturating_duration_since(Instant::now());
                if jobs {
                    left.min(Duration::from_millis(25))
                } else {
                    left
                }
            }
        };
        if event::poll(step)? {
            return Ok(Wake::Input);
        }
        if app.jobs_ready() {
            return Ok(Wake::Job);
        }
        if pause_ends.is_some_and(|end| Instant::now() >= end) {
            return Ok(Wake::Idle);
        }
    }
}

/// Bracketed paste while the TUI runs; switched off again on the way out, also when
/// unwinding from a panic.
struct BracketedPaste;

impl BracketedPaste {
    fn enable() -> BracketedPaste {
        // a terminal without it still types the pasted keys one by one
        let _ = ratatui::crossterm::execute!(std::io::stdout(), EnableBracketedPaste);
        BracketedPaste
    }
}

impl Drop for BracketedPaste {
    fn drop(&mut self) {
        let _ = ratatui::crossterm::execute!(std::io::stdout(), DisableBracketedPaste);
    }
}
