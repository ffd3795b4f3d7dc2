//! The case library (案例学习): a closed complaint written up as a teaching
//! case — how it arose, how it was handled, where in the service core
//! process the gap was, the lesson — so that the next advisor does not
//! repeat it (`../shared/domain.md`, "Learning from cases").
//!
//! A case is a standard answer record with a [`CaseStudy`] (the same ids,
//! audiences, sync, bounds and search), so it is found beside the answers
//! and read by every member of staff its audience reaches. It is made from
//! the complaint by [`case_from_complaint`], which leaves the customer's
//! personal data out: their name, phone, plate and VIN never reach the case,
//! neither as fields nor inside the texts that are copied ([`anonymise`]
//! also masks anything that looks like a phone number or a VIN).

use crate::answers::{record_id, Answer, Audience, CaseStudy};
use crate::lang::{Labelled, Lang};
use crate::model::Complaint;

/// What stands in the copied texts for what was left out.
const NAME_MASK: &str = "顾客";
const NUMBER_MASK: &str = "＊＊＊";

/// The case's id for complaint `c` in `audience`: one case per complaint
/// and audience, so making it twice opens the same one.
pub fn case_id(c: &Complaint, audience: &Audience) -> String {
    let key: String =
        c.id.chars()
            .filter(char::is_ascii_alphanumeric)
            .take(16)
            .collect();
    record_id(audience, &format!("case-{}", key.to_ascii_lowercase()))
}

/// Whether `c` could belong to a VIN (letters and digits; I, O and Q never do).
fn vin_char(c: char) -> bool {
    c.is_ascii_digit() || (c.is_ascii_uppercase() && !matches!(c, 'I' | 'O' | 'Q'))
}

/// `text` with the customer's name, phone, plate and VIN of `c` replaced,
/// and anything else that looks like a phone number (see [`mask_numbers`])
/// or a VIN (17 VIN characters) masked too.
pub fn anonymise(text: &str, c: &Complaint) -> String {
    let mut out = text.to_string();
    let name = c.customer_name.trim();
    if name.chars().count() >= 2 {
        out = out.replace(name, NAME_MASK);
        // 李先生 → the surname alone with a title is the name too.
        let surname: String = name.chars().take(1).collect();
        for title in ["先生", "女士", "小姐"] {
            out = out.replace(&format!("{surname}{title}"), NAME_MASK);
        }
    }
    for exact in [c.plate.trim(), c.vin.trim(), c.phone.trim()] {
        if exact.chars().count() >= 4 {
            out = out.replace(exact, NUMBER_MASK);
        }
    }
    let plate_plain: String = c
        .plate
        .chars()
        .filter(|ch| !matches!(ch, '·' | ' ' | '-'))
        .collect();
    if plate_plain.chars().count() >= 4 {
        out = out.replace(&plate_plain, NUMBER_MASK);
    }
    mask_numbers(&out)
}

/// Masks phone-like digit runs (spaces and dashes allowed between the
/// digits) and runs of 17 VIN characters.
fn mask_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        // A digit run, separators allowed inside.
        let mut j = i;
        let mut digits = 0;
        let mut dashed = false;
        while j < chars.len()
            && (chars[j].is_ascii_digit() || (digits > 0 && matches!(chars[j], ' ' | '-')))
        {
            if chars[j].is_ascii_digit() {
                digits += 1;
            }
            dashed |= chars[j] == '-';
            j += 1;
        }
        // A phone number: 9 digits or more, or 7 or 8 without dashes (a
        // date, 2026-11-23, has 8 with dashes and stays).
        if digits >= 9 || (digits >= 7 && !dashed) {
            // Trailing separators stay.
            while j > i && !chars[j - 1].is_ascii_digit() {
                j -= 1;
            }
            out.push_str(NUMBER_MASK);
            i = j;
            continue;
        }
        let mut k = i;
        while k < chars.len()
            && vin_char(chars[k].to_ascii_uppercase())
            && chars[k].is_ascii_alphanumeric()
        {
            k += 1;
        }
        if k - i >= 17 {
            out.push_str(NUMBER_MASK);
            i = k;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// Non-empty parts joined by a line break.
fn lines(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A first draft of the teaching case made from complaint `c` for
/// `audience`: background, handling, the stage and, as the lesson, the root
/// cause and corrective action, each anonymised; `related`: the standard
/// answers it relates to. The manager edits it before it teaches anyone;
/// the author, editor, time and version are stamped when it is saved.
pub fn case_from_complaint(
    c: &Complaint,
    audience: &Audience,
    related: Vec<String>,
    lang: Lang,
) -> Answer {
    let clean = |text: &str| anonymise(text, c);
    let summary: String = clean(&c.content).chars().take(40).collect();
    let title = format!("{}：{}", c.category.label(lang), summary.trim());
    let background = lines(&[
        &clean(&c.content),
        &clean(&c.customer_background),
        &clean(&c.demand),
    ]);
    let handling = lines(&[&clean(&c.tracking), &clean(&c.final_result)]);
    let lesson = clean(&c.root_cause);
    Answer {
        id: case_id(c, audience),
        title: title.chars().take(crate::answers::MAX_TITLE).collect(),
        answer: if lesson.trim().is_empty() {
            summary
        } else {
            lesson
        },
        category: Some(c.category),
        models: Some(c.vehicle_model.trim().to_string())
            .filter(|m| !m.is_empty())
            .into_iter()
            .collect(),
        case: Some(CaseStudy {
            background: if background.is_empty() {
                clean(&c.content)
            } else {
                background
            },
            handling: if handling.is_empty() {
                "—".into()
            } else {
                handling
            },
            stage: c.service_stage,
            source: c.id.clone(),
            related,
        }),
        ..Answer::default()
    }
}
