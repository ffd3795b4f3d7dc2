//! Contact phone numbers as Chinese customers give them: mobiles
//! (`138 0013 8000`), landlines with area code (`010-12345678`,
//! `0755 1234567`), service numbers (`400-800-1234`), with or without `+86`;
//! and foreign numbers written with a `+` country code.

/// The digits of a phone number and whether it was written with a leading
/// `+`, or `None` when the text has characters no phone number has.
fn digits(input: &str) -> Option<(bool, String)> {
    let mut international = false;
    let mut out = String::new();
    for c in input.trim().chars() {
        match c {
            '0'..='9' => out.push(c),
            // A `+` before any digit, also inside brackets: `(+86) 138 0013 8000`.
            '+' | '＋' if out.is_empty() && !international => international = true,
            ' ' | '-' | '(' | ')' | '（' | '）' | '\u{3000}' => {}
            _ => return None,
        }
    }
    Some((international, out))
}

/// Whether `input` is a plausible phone number.
pub fn is_valid(input: &str) -> bool {
    let Some((international, mut d)) = digits(input) else {
        return false;
    };
    let had_country_code = international || d.starts_with("0086");
    if !international && d.starts_with("0086") {
        d = d[4..].to_string();
    } else if international {
        match d.strip_prefix("86") {
            Some(rest) => d = rest.to_string(),
            // Another country: E.164 allows up to 15 digits.
            None => return (8..=15).contains(&d.len()),
        }
    }
    // After +86 a landline drops its trunk 0: `+86 10 1234 5678`, `+86 755 1234567`.
    if had_country_code
        && (d.starts_with("10") || d.starts_with(|c: char| ('2'..='9').contains(&c)))
    {
        d.insert(0, '0');
    }
    let bytes = d.as_bytes();
    match bytes.first() {
        // Mobile: 11 digits, 13x–19x.
        Some(b'1') => d.len() == 11 && (b'3'..=b'9').contains(&bytes[1]),
        // Landline: 0 + 2–3 digit area code + 7–8 digit number (10–12 digits).
        Some(b'0') => (10..=12).contains(&d.len()),
        // Nationwide service numbers.
        Some(b'4') | Some(b'8') => d.len() == 10 && (d.starts_with("400") || d.starts_with("800")),
        _ => false,
    }
}

/// Only the digits, for matching a search against a number typed with
/// different spacing.
pub fn search_key(input: &str) -> String {
    input.chars().filter(|c| c.is_ascii_digit()).collect()
}
