//! The language of messages produced by the domain (finding messages, report headers).
//! Terminal strings live in the binary's own `i18n` module.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_lowercase().as_str() {
            "zh" | "zh-cn" | "cn" | "中文" => Some(Lang::Zh),
            "en" | "english" => Some(Lang::En),
            _ => None,
        }
    }

    /// Pick the string for this language.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}
