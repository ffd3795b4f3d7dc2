//! Money in Chinese yuan (CNY), held as a whole number of fen (0.01 CNY) so
//! that comparisons such as "over CNY 10,000" are exact.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An amount of money in CNY, in fen. Never negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cny(i64);

/// Why a typed amount could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyError {
    /// Not a number at all.
    Invalid,
    Negative,
    /// More than two decimal places.
    TooPrecise,
    /// Above [`Cny::MAX_YUAN`].
    TooLarge,
}

impl Cny {
    /// The largest amount accepted from a form: CNY 100,000,000.
    pub const MAX_YUAN: i64 = 100_000_000;

    pub fn from_fen(fen: i64) -> Cny {
        Cny(fen.max(0))
    }

    pub fn from_yuan(yuan: i64) -> Cny {
        Cny::from_fen(yuan.saturating_mul(100))
    }

    pub fn fen(self) -> i64 {
        self.0
    }

    /// Reads an amount as people type it: `10000`, `10,000.50`, `¥ 10 000`,
    /// `10000元`, `￥8000.5`. Thousands separators and spaces are ignored.
    pub fn parse(input: &str) -> Result<Cny, MoneyError> {
        let mut s: String = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, ',' | '，' | ' ' | '\u{3000}' | '_'))
            .collect();
        for prefix in ["¥", "￥", "CNY", "RMB", "cny", "rmb"] {
            if let Some(rest) = s.strip_prefix(prefix) {
                s = rest.to_string();
            }
        }
        if let Some(rest) = s.strip_suffix('元') {
            s = rest.to_string();
        }
        if let Some(rest) = s.strip_prefix('-') {
            return match Cny::parse(rest) {
                Ok(c) if c.0 == 0 => Ok(c),
                Ok(_) => Err(MoneyError::Negative),
                Err(e) => Err(e),
            };
        }
        let (whole, frac) = match s.split_once('.') {
            Some((w, f)) => (w, f),
            None => (s.as_str(), ""),
        };
        if whole.is_empty() && frac.is_empty() {
            return Err(MoneyError::Invalid);
        }
        if !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
            return Err(MoneyError::Invalid);
        }
        if frac.len() > 2 {
            return Err(MoneyError::TooPrecise);
        }
        let whole_digits = whole.trim_start_matches('0');
        if whole_digits.len() > 12 {
            return Err(MoneyError::TooLarge);
        }
        let yuan: i64 = if whole_digits.is_empty() {
            0
        } else {
            whole_digits.parse().map_err(|_| MoneyError::Invalid)?
        };
        let fen_part: i64 = match frac.len() {
            0 => 0,
            1 => frac.parse::<i64>().map_err(|_| MoneyError::Invalid)? * 10,
            _ => frac.parse().map_err(|_| MoneyError::Invalid)?,
        };
        let fen = yuan * 100 + fen_part;
        if fen > Cny::MAX_YUAN * 100 {
            return Err(MoneyError::TooLarge);
        }
        Ok(Cny(fen))
    }

    /// The amount as an editable number, e.g. `10000.5` → `"10000.50"`, `8000` → `"8000"`.
    pub fn to_input(self) -> String {
        if self.0 % 100 == 0 {
            format!("{}", self.0 / 100)
        } else {
            format!("{}.{:02}", self.0 / 100, self.0 % 100)
        }
    }
}

/// `¥10,000.00`
impl fmt::Display for Cny {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let yuan = self.0 / 100;
        let digits = yuan.to_string();
        let mut grouped = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        write!(f, "¥{}.{:02}", grouped, self.0 % 100)
    }
}
