//! Vehicle identification numbers per ISO 3779 (and China's GB 16735, which
//! follows it): 17 characters from `0-9` and `A-Z` without `I`, `O` and `Q`.
//!
//! The ninth character is a check digit in North America and China, but not
//! in every market: a VIN whose check digit does not match is still accepted,
//! with a warning, because a grey-import car at the roadside must still be
//! recorded.

/// What is wrong with a VIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VinProblem {
    /// Not 17 characters (after removing spaces).
    Length(usize),
    /// Contains I, O or Q, which ISO 3779 excludes (easily confused with 1 and 0).
    ForbiddenLetter(char),
    /// Contains something other than a digit or a Latin letter.
    InvalidChar(char),
}

/// Upper-cases a typed VIN and removes spaces and hyphens.
pub fn normalize(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Checks the form of a normalised VIN (see [`normalize`]); the check digit
/// is separate, see [`check_digit`].
pub fn check_format(vin: &str) -> Result<(), VinProblem> {
    for c in vin.chars() {
        match c {
            'I' | 'O' | 'Q' => return Err(VinProblem::ForbiddenLetter(c)),
            '0'..='9' | 'A'..='Z' => {}
            other => return Err(VinProblem::InvalidChar(other)),
        }
    }
    let len = vin.chars().count();
    if len != 17 {
        return Err(VinProblem::Length(len));
    }
    Ok(())
}

fn transliterate(c: char) -> Option<u32> {
    Some(match c {
        '0'..='9' => c as u32 - '0' as u32,
        'A' | 'J' => 1,
        'B' | 'K' | 'S' => 2,
        'C' | 'L' | 'T' => 3,
        'D' | 'M' | 'U' => 4,
        'E' | 'N' | 'V' => 5,
        'F' | 'W' => 6,
        'G' | 'P' | 'X' => 7,
        'H' | 'Y' => 8,
        'R' | 'Z' => 9,
        _ => return None,
    })
}

const WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/// The check digit (`0`–`9` or `X`) a well-formed VIN should carry in position 9;
/// `None` when the VIN is not well-formed.
pub fn check_digit(vin: &str) -> Option<char> {
    check_format(vin).ok()?;
    let sum: u32 = vin
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| transliterate(c).map(|v| v * w))
        .sum::<Option<u32>>()?;
    Some(match sum % 11 {
        10 => 'X',
        d => char::from_digit(d, 10)?,
    })
}

/// `Some((expected, found))` when a well-formed VIN's check digit does not match.
pub fn check_digit_mismatch(vin: &str) -> Option<(char, char)> {
    let expected = check_digit(vin)?;
    let found = vin.chars().nth(8)?;
    (expected != found).then_some((expected, found))
}
