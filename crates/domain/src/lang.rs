//! The two languages the UI speaks, and the one trait every labelled domain
//! value implements.
//!
//! Labels live here, in the shared crate, rather than in the app's string
//! table, because the server answers with the same words (for example in a
//! rejection reason) and because the Chinese terms are part of the domain: they
//! are the words on the paper forms dealers are trained on.

use serde::{Deserialize, Serialize};

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Simplified Chinese, the default for the people this app is for.
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    /// The BCP 47 tag used in `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Picks the language for a browser language tag such as `zh-CN`, `zh-Hant-TW`
    /// or `en-GB`; `None` when the tag is neither Chinese nor English.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language for a browser's ordered preference list
    /// (`navigator.languages`): the first Chinese or English entry wins;
    /// with neither, English (the lingua franca for everyone else).
    pub fn from_preferences<'a>(tags: impl IntoIterator<Item = &'a str>) -> Lang {
        tags.into_iter()
            .find_map(Lang::from_tag)
            .unwrap_or(Lang::En)
    }

    /// Picks the text for this language.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// A domain value with a label in each UI language.
pub trait Labelled {
    fn label(&self, lang: Lang) -> &'static str;
}
