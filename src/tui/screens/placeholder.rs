//! Screens 4–7 until their modules land: the tab exists, keys are listed, nothing acts.

use ratatui::layout::{Alignment, Rect};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;
use zhida_core::Error;

use super::{Cx, Env, Outcome, Screen};
use crate::tui::action::{Action, ScreenId};
use crate::tui::i18n;
use crate::tui::keymap::Scope;

pub struct Placeholder {
    id: ScreenId,
    scope: Option<Scope>,
}

impl Placeholder {
    pub fn new(id: ScreenId, scope: Option<Scope>) -> Placeholder {
        Placeholder { id, scope }
    }
}

impl Screen for Placeholder {
    fn id(&self) -> ScreenId {
        self.id
    }

    fn scope(&self) -> Option<Scope> {
        self.scope
    }

    fn is_list(&self) -> bool {
        false
    }

    fn refresh(&mut self, _env: &Env) -> Result<(), Error> {
        Ok(())
    }

    fn update(&mut self, action: Action, env: &Env) -> Result<Outcome, Error> {
        let own = crate::tui::keymap::DEFAULTS
            .iter()
            .any(|b| Some(b.scope) == self.scope && b.action == action);
        Ok(if own {
            Outcome::Message(i18n::not_built(env.lang, i18n::tab(self.id, env.lang)))
        } else {
            Outcome::Ignored
        })
    }

    fn hints(&self) -> Vec<Action> {
        crate::tui::keymap::DEFAULTS
            .iter()
            .filter(|b| Some(b.scope) == self.scope)
            .map(|b| b.action)
            .collect()
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn render(&self, f: &mut Frame, area: Rect, cx: &Cx) {
        let title = i18n::tab(self.id, cx.lang);
        let p = Paragraph::new(format!("\n{}\n\n{}", title, cx.s.placeholder))
            .alignment(Alignment::Center)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(format!(" {title} ")),
            );
        f.render_widget(p, area);
    }
}
