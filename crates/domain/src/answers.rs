//! Standard answers (客户常见问题标准化解答): one voice for every common
//! customer problem, readable offline by every member of staff.
//!
//! # As synced records
//!
//! An answer is a record of its own, with the id `ans:<audience>:<key>`
//! ([`record_id`]), where the audience is `all`, `region:<code>` or
//! `branch:<code>` ([`Audience`]). The audience is fixed by the id: an
//! answer written for a region reaches every branch of that region, an
//! administrator's reaches everyone. It travels through the same outbox,
//! push, pull and merge as a complaint (its fields merge one by one,
//! concurrent edits kept as conflicts); [`check_op`] is what the server
//! accepts for it, [`may_write`] who may write it and [`may_read`] who
//! receives it.
//!
//! Staff read answers; branch managers write their branch's, regional
//! managers their region's and its branches', administrators any.
//!
//! Finding an answer is [`AnswerIndex::search`]: substring and
//! character-bigram matching for Chinese, word prefixes for English, title
//! and keywords ranked before the text.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde_json::Value;

use crate::access::{Role, Scope};
use crate::model::{Category, ServiceStage};
use crate::replica::{record_change, Op, RecordState, RejectCode, Rejection, Stamp, CREATED_AT};

/// The id prefix of answer records.
pub const PREFIX: &str = "ans:";

/// The fields of an answer record.
pub const FIELDS: [&str; 11] = [
    "title",
    "keywords",
    "answer",
    "steps",
    "category",
    "models",
    "author",
    "editor",
    "updated_at",
    "version",
    CREATED_AT,
];

/// The `field` of a refusal because the user may not write this answer.
pub const WRITE_FIELD: &str = "answers";

/// The longest title, in characters.
pub const MAX_TITLE: usize = 120;
/// The most keywords (the problem in the customer's words), and the longest one.
pub const MAX_KEYWORDS: usize = 20;
pub const MAX_KEYWORD: usize = 40;
/// The longest answer text, in characters.
pub const MAX_ANSWER: usize = 4000;
/// The most steps to try by phone, and the longest one.
pub const MAX_STEPS: usize = 15;
pub const MAX_STEP: usize = 300;
/// The most vehicle models, and the longest model name.
pub const MAX_MODELS: usize = 20;
pub const MAX_MODEL: usize = 60;
/// The longest author or editor name.
pub const MAX_NAME: usize = 100;
/// The longest key (the last part of the id): letters, digits and `-`.
pub const MAX_KEY: usize = 40;
/// The longest branch or region code in an id.
pub const MAX_CODE: usize = 40;

/// Who an answer is written for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Audience {
    /// Everyone (written by an administrator).
    All,
    /// Every branch of a region.
    Region(String),
    /// One branch.
    Branch(String),
}

impl Audience {
    /// The audience as it reads in an id: `all`, `region:<code>`, `branch:<code>`.
    pub fn as_id_part(&self) -> String {
        match self {
            Audience::All => "all".into(),
            Audience::Region(code) => format!("region:{code}"),
            Audience::Branch(code) => format!("branch:{code}"),
        }
    }
}

/// Whether a record id names an answer (and not a complaint).
pub fn is_answer(record: &str) -> bool {
    record.starts_with(PREFIX)
}

fn valid_part(part: &str, max: usize) -> bool {
    !part.is_empty()
        && part.len() <= max
        && part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The id of the answer `key` written for `audience`.
pub fn record_id(audience: &Audience, key: &str) -> String {
    format!("{PREFIX}{}:{key}", audience.as_id_part())
}

/// The audience and key an answer id names; `None` for anything else.
pub fn parse_id(record: &str) -> Option<(Audience, &str)> {
    let rest = record.strip_prefix(PREFIX)?;
    let parts: Vec<&str> = rest.split(':').collect();
    let (audience, key) = match parts.as_slice() {
        ["all", key] => (Audience::All, *key),
        ["region", code, key] if valid_part(code, MAX_CODE) => {
            (Audience::Region((*code).into()), *key)
        }
        ["branch", code, key] if valid_part(code, MAX_CODE) => {
            (Audience::Branch((*code).into()), *key)
        }
        _ => return None,
    };
    valid_part(key, MAX_KEY).then_some((audience, key))
}

/// Where a user stands: their role, the region whose answers they read
/// (a regional manager's own, or the region of a staff member's or branch
/// manager's branch) and their branches ([`Scope`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader<'a> {
    pub role: Role,
    pub region: Option<&'a str>,
    pub scope: &'a Scope,
}

/// Whether `reader` receives answers written for `audience`.
pub fn may_read(reader: &Reader, audience: &Audience) -> bool {
    match audience {
        _ if reader.role == Role::Admin => true,
        Audience::All => true,
        Audience::Region(code) => reader.region == Some(code.as_str()),
        Audience::Branch(code) => reader.scope.allows(code),
    }
}

/// Whether `reader` may write (create or change) answers for `audience`:
/// branch managers their branch's, regional managers their region's and its
/// branches', administrators any; staff none.
pub fn may_write(reader: &Reader, audience: &Audience) -> bool {
    match (reader.role, audience) {
        (Role::Admin, _) => true,
        (Role::Staff, _) | (Role::BranchManager, Audience::All | Audience::Region(_)) => false,
        (Role::RegionalManager, Audience::All) => false,
        (Role::RegionalManager, Audience::Region(code)) => reader.region == Some(code.as_str()),
        (Role::RegionalManager | Role::BranchManager, Audience::Branch(code)) => {
            reader.scope.allows(code)
        }
    }
}

/// The key under which the server files an answer for scoped pulls: the
/// branch code for a branch's answers (so they go where the branch's
/// complaints go), `*region:<code>` and `*all` otherwise (branch codes
/// never start with `*`).
pub fn scope_key(audience: &Audience) -> String {
    match audience {
        Audience::All => "*all".into(),
        Audience::Region(code) => format!("*region:{code}"),
        Audience::Branch(code) => code.clone(),
    }
}

/// The keys beyond their branches whose answers a user of `region` pulls
/// (see [`scope_key`]).
pub fn reader_keys(region: Option<&str>) -> Vec<String> {
    let mut keys = vec![scope_key(&Audience::All)];
    keys.extend(region.map(|r| scope_key(&Audience::Region(r.into()))));
    keys
}

/// One standard answer, as it reads now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    /// The record id (`ans:…`).
    pub id: String,
    pub title: String,
    /// The problem in the customer's words: several phrasings.
    pub keywords: Vec<String>,
    /// The answer, as staff should give it.
    pub answer: String,
    /// Steps the customer can try while on the phone, in order.
    pub steps: Vec<String>,
    /// The complaint category it belongs to; `None`: any.
    pub category: Option<Category>,
    /// The vehicle models it applies to; empty: every model.
    pub models: Vec<String>,
    /// Who wrote it first, and who changed it last.
    pub author: String,
    pub editor: String,
    /// When it was last changed (RFC 3339, as the editor's device stamped it).
    pub updated_at: String,
    /// 1 when written, one more at every saved change.
    pub version: u32,
    /// A teaching case (`crate::cases`): what the lesson came from. `None`
    /// for a standard answer. For a case, `answer` holds the lesson.
    pub case: Option<CaseStudy>,
}

/// The parts of a teaching case beyond an answer's: written from a closed
/// complaint with the customer's personal data left out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseStudy {
    /// How the complaint arose (the customer's words, what they wanted).
    pub background: String,
    /// How it was handled, and the result.
    pub handling: String,
    /// Where in the service core process the gap was (the analysis).
    pub stage: Option<ServiceStage>,
    /// The complaint it was made from (its id).
    pub source: String,
    /// The standard answers it relates to (their ids): each links to it.
    pub related: Vec<String>,
}

fn texts(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

impl Answer {
    /// The audience its id names.
    pub fn audience(&self) -> Option<Audience> {
        parse_id(&self.id).map(|(audience, _)| audience)
    }

    /// The answer an answer record's merged fields make; `None` for any
    /// other record.
    pub fn from_state(state: &RecordState) -> Option<Answer> {
        parse_id(&state.id)?;
        let get = |key: &str| state.fields.get(key).and_then(|f| f.value());
        let text = |key: &str| {
            get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        Some(Answer {
            id: state.id.clone(),
            title: text("title"),
            keywords: texts(get("keywords")),
            answer: text("answer"),
            steps: texts(get("steps")),
            category: get("category")
                .and_then(Value::as_str)
                .and_then(Category::from_code),
            models: texts(get("models")),
            author: text("author"),
            editor: text("editor"),
            updated_at: text("updated_at"),
            version: get("version")
                .and_then(Value::as_u64)
                .and_then(|v| u32::try_from(v).ok())
                .unwrap_or(1),
            case: Some(text("case_source"))
                .filter(|source| !source.is_empty())
                .map(|source| CaseStudy {
                    background: text("case_background"),
                    handling: text("case_handling"),
                    stage: get("case_stage")
                        .and_then(Value::as_str)
                        .and_then(ServiceStage::from_code),
                    source,
                    related: texts(get("case_related")),
                }),
        })
    }

    /// The fields as an operation sets them.
    fn fields(&self) -> BTreeMap<String, Value> {
        let list = |items: &[String]| Value::from(items.to_vec());
        let mut fields = crate::sort::map_of([
            ("title".to_string(), self.title.clone().into()),
            ("keywords".to_string(), list(&self.keywords)),
            ("answer".to_string(), self.answer.clone().into()),
            ("steps".to_string(), list(&self.steps)),
            (
                "category".to_string(),
                self.category.map_or(Value::Null, |c| c.as_str().into()),
            ),
            ("models".to_string(), list(&self.models)),
            ("author".to_string(), self.author.clone().into()),
            ("editor".to_string(), self.editor.clone().into()),
            ("updated_at".to_string(), self.updated_at.clone().into()),
            ("version".to_string(), self.version.into()),
        ]);
        if let Some(case) = &self.case {
            fields.extend([
                (
                    "case_background".to_string(),
                    case.background.clone().into(),
                ),
                ("case_handling".to_string(), case.handling.clone().into()),
                (
                    "case_stage".to_string(),
                    case.stage.map_or(Value::Null, |s| s.as_str().into()),
                ),
                ("case_source".to_string(), case.source.clone().into()),
                ("case_related".to_string(), list(&case.related)),
            ]);
        }
        fields
    }
}

/// The operation that saves `after` over the record's `state` (`None`: a new
/// answer, all fields and `created_at`; else only what changed, with the
/// heads seen as its base). `None` when nothing changed. The caller sets
/// `editor`, `updated_at` and `version` (one more than the state's).
pub fn change(
    state: Option<&RecordState>,
    after: &Answer,
    created_at: &str,
    stamp: Stamp,
) -> Option<Op> {
    let old = state.and_then(Answer::from_state).map(|a| a.fields());
    record_change(
        after.id.clone(),
        state,
        old,
        after.fields(),
        created_at,
        stamp,
    )
}

/// Whether `value` is a list of at most `most` texts, each non-empty after
/// trimming and at most `longest` characters.
fn text_list(value: &Value, most: usize, longest: usize) -> bool {
    value.as_array().is_some_and(|list| {
        list.len() <= most
            && list.iter().all(|item| {
                item.as_str()
                    .is_some_and(|t| !t.trim().is_empty() && t.chars().count() <= longest)
            })
    })
}

/// Checks an operation on an answer record (the caller has checked its ids,
/// its stamp and that the user may write it) and returns the record with it
/// applied.
pub fn check_op(before: Option<&RecordState>, op: &Op) -> Result<RecordState, Rejection> {
    let refuse = |code, field: &str, detail: &str| {
        Err(Rejection::new(code, Some(field), detail.to_string()))
    };
    if parse_id(&op.record).is_none() {
        return Err(Rejection::new(
            RejectCode::Malformed,
            None,
            "an answer's id is ans:all:<key>, ans:region:<code>:<key> or ans:branch:<code>:<key>",
        ));
    }
    if before.is_none() {
        if let Some(missing) = ["title", "answer", "author", "version", CREATED_AT]
            .into_iter()
            .find(|k| !op.set.contains_key(*k))
        {
            return refuse(RejectCode::IncompleteRecord, missing, "required");
        }
    }
    check_fields(&op.set)?;
    let mut after = before
        .cloned()
        .unwrap_or_else(|| RecordState::new(&op.record));
    after.apply(op);
    Ok(after)
}

impl Answer {
    /// What the editor saves: each field as edited when it was edited
    /// (`self` differs from `opened`, what the editor started from), else
    /// as it reads `now`, so an edit never reverts a field someone else
    /// changed meanwhile.
    pub fn rebase(&self, opened: &Answer, now: &Answer) -> Answer {
        fn pick<T: Clone + PartialEq>(mine: &T, opened: &T, now: &T) -> T {
            if mine != opened {
                mine.clone()
            } else {
                now.clone()
            }
        }
        Answer {
            title: pick(&self.title, &opened.title, &now.title),
            keywords: pick(&self.keywords, &opened.keywords, &now.keywords),
            answer: pick(&self.answer, &opened.answer, &now.answer),
            steps: pick(&self.steps, &opened.steps, &now.steps),
            category: pick(&self.category, &opened.category, &now.category),
            models: pick(&self.models, &opened.models, &now.models),
            case: pick(&self.case, &opened.case, &now.case),
            ..now.clone()
        }
    }

    /// What the server would refuse of what the editor fills in (the
    /// title, keywords, answer, steps, category and models; the engine
    /// stamps the rest), checked before saving.
    pub fn check(&self) -> Result<(), Rejection> {
        let mut fields = self.fields();
        fields.retain(|k, _| !matches!(k.as_str(), "author" | "editor" | "updated_at" | "version"));
        check_fields(&fields)
    }
}

/// Every field an operation sets, against the answers' bounds.
fn check_fields(set: &BTreeMap<String, Value>) -> Result<(), Rejection> {
    let refuse = |code, field: &str, detail: &str| {
        Err(Rejection::new(code, Some(field), detail.to_string()))
    };
    for (key, value) in set {
        let text = value.as_str();
        let chars = text.map_or(0, |t| t.chars().count());
        let filled = text.is_some_and(|t| !t.trim().is_empty());
        let (ok, detail) = match key.as_str() {
            "title" => (filled && chars <= MAX_TITLE, "text of 1 to 120 characters"),
            "answer" => (
                filled && chars <= MAX_ANSWER,
                "text of 1 to 4000 characters",
            ),
            "keywords" => (
                text_list(value, MAX_KEYWORDS, MAX_KEYWORD),
                "at most 20 phrases of up to 40 characters",
            ),
            "steps" => (
                text_list(value, MAX_STEPS, MAX_STEP),
                "at most 15 steps of up to 300 characters",
            ),
            "models" => (
                text_list(value, MAX_MODELS, MAX_MODEL),
                "at most 20 model names of up to 60 characters",
            ),
            "category" => (
                value.is_null() || text.is_some_and(|c| Category::from_code(c).is_some()),
                "a complaint category code, or null",
            ),
            "author" | "editor" => (filled && chars <= MAX_NAME, "a name of 1 to 100 characters"),
            "case_background" | "case_handling" => (
                filled && chars <= MAX_ANSWER,
                "text of 1 to 4000 characters",
            ),
            "case_stage" => (
                value.is_null() || text.is_some_and(|c| ServiceStage::from_code(c).is_some()),
                "a service-process stage code, or null",
            ),
            "case_source" => (
                text.is_some_and(|t| valid_part(t, MAX_KEY + 24)),
                "the id of the complaint the case was made from",
            ),
            "case_related" => (
                value.as_array().is_some_and(|list| {
                    list.len() <= MAX_KEYWORDS
                        && list
                            .iter()
                            .all(|id| id.as_str().is_some_and(|id| parse_id(id).is_some()))
                }),
                "at most 20 answer ids",
            ),
            "updated_at" | CREATED_AT => (
                text.is_some_and(|t| crate::timefmt::rfc3339::parse(t).is_some()),
                "an RFC 3339 time",
            ),
            "version" => (
                value.as_u64().is_some_and(|v| (1..=1_000_000).contains(&v)),
                "a whole number from 1",
            ),
            _ => return refuse(RejectCode::UnknownField, key, ""),
        };
        if !ok {
            return refuse(RejectCode::InvalidValue, key, detail);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Search

/// Whether `c` is a CJK ideograph (the characters Chinese text is made of).
fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}')
}

/// Whether `c` belongs to a Latin word (letters and digits other than CJK).
fn is_latin(c: char) -> bool {
    c.is_alphanumeric() && !is_cjk(c)
}

/// One term of a query: a run of Chinese characters, or a Latin word
/// (lower-cased; ASCII only: full Unicode case tables would cost the app's
/// download, and Chinese has no case).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    Chinese(Vec<char>),
    Word(String),
}

/// Splits a query into terms: Chinese runs and Latin words, in order.
fn terms(query: &str) -> Vec<Term> {
    let mut out = Vec::new();
    let mut chinese = Vec::new();
    let mut word = String::new();
    let flush = |out: &mut Vec<Term>, chinese: &mut Vec<char>, word: &mut String| {
        if !chinese.is_empty() {
            out.push(Term::Chinese(std::mem::take(chinese)));
        }
        if !word.is_empty() {
            out.push(Term::Word(std::mem::take(word)));
        }
    };
    for c in query.chars() {
        if is_cjk(c) {
            if !word.is_empty() {
                flush(&mut out, &mut chinese, &mut word);
            }
            chinese.push(c);
        } else if c.is_alphanumeric() {
            if !chinese.is_empty() {
                flush(&mut out, &mut chinese, &mut word);
            }
            word.push(c.to_ascii_lowercase());
        } else {
            flush(&mut out, &mut chinese, &mut word);
        }
    }
    flush(&mut out, &mut chinese, &mut word);
    out
}

/// A text prepared for matching: lower-cased (ASCII), its characters, and
/// where each Latin word starts.
#[derive(Debug, Clone, Default)]
struct Prepared {
    chars: Vec<char>,
    word_starts: Vec<usize>,
}

impl Prepared {
    fn new(text: &str) -> Prepared {
        let chars: Vec<char> = text.chars().map(|c| c.to_ascii_lowercase()).collect();
        let word_starts = (0..chars.len())
            .filter(|&i| is_latin(chars[i]) && (i == 0 || !is_latin(chars[i - 1])))
            .collect();
        Prepared { chars, word_starts }
    }

    /// Where `needle` occurs, as character positions.
    fn find_all<'a>(&'a self, needle: &'a [char]) -> impl Iterator<Item = usize> + 'a {
        self.chars
            .windows(needle.len().max(1))
            .enumerate()
            .filter(move |(_, w)| !needle.is_empty() && *w == needle)
            .map(|(i, _)| i)
    }

    /// The character ranges `term` matches, and how well (1.0: the whole
    /// term; less: the share of its bigrams found, Chinese only).
    fn matches(&self, term: &Term) -> (f32, Vec<(usize, usize)>) {
        match term {
            Term::Word(word) => {
                let needle: Vec<char> = word.chars().collect();
                let ranges: Vec<(usize, usize)> = self
                    .word_starts
                    .iter()
                    .filter(|&&i| self.chars[i..].starts_with(&needle))
                    .map(|&i| (i, i + needle.len()))
                    .collect();
                (if ranges.is_empty() { 0.0 } else { 1.0 }, ranges)
            }
            Term::Chinese(run) => {
                let whole: Vec<(usize, usize)> =
                    self.find_all(run).map(|i| (i, i + run.len())).collect();
                if !whole.is_empty() {
                    return (1.0, whole);
                }
                if run.len() < 2 {
                    return (0.0, Vec::new());
                }
                let mut found = 0;
                let mut ranges = Vec::new();
                for pair in run.windows(2) {
                    let at: Vec<usize> = self.find_all(pair).collect();
                    if !at.is_empty() {
                        found += 1;
                        ranges.extend(at.into_iter().map(|i| (i, i + 2)));
                    }
                }
                (found as f32 / (run.len() - 1) as f32, ranges)
            }
        }
    }
}

/// How much a match in each part of an answer counts.
const TITLE_WEIGHT: f32 = 10.0;
const KEYWORD_WEIGHT: f32 = 8.0;
const TEXT_WEIGHT: f32 = 3.0;
/// A Chinese term matched by its bigrams only counts if at least this share
/// of them is found (one of two, two of three…).
const MIN_BIGRAM_SHARE: f32 = 0.5;
/// A bigram match counts this much of a whole-term match.
const BIGRAM_DISCOUNT: f32 = 0.6;

/// What a match of a share of a term counts in a part of weight `weight`:
/// all of it when whole, less when only some character pairs matched,
/// nothing below [`MIN_BIGRAM_SHARE`]; the ranges stay as found.
fn weigh((share, ranges): (f32, Vec<(usize, usize)>), weight: f32) -> (f32, Vec<(usize, usize)>) {
    let counted = if share >= 1.0 {
        weight
    } else if share >= MIN_BIGRAM_SHARE {
        weight * share * BIGRAM_DISCOUNT
    } else {
        0.0
    };
    (counted, ranges)
}

/// The best count of `term` over several texts of one part (keywords, steps).
fn best_of(texts: &[Prepared], term: &Term, weight: f32) -> f32 {
    texts
        .iter()
        .map(|t| weigh(t.matches(term), weight).0)
        .fold(0.0, f32::max)
}

/// What to look for among the answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnswerQuery {
    /// Chinese or English words, as typed; empty: every answer (filtered).
    pub text: String,
    pub category: Option<Category>,
    /// A vehicle model: answers for it or for every model.
    pub model: Option<String>,
}

/// One answer found, with where the query matched its title and text
/// (character ranges, sorted, not overlapping) for highlighting.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The position of the answer in the index.
    pub index: usize,
    pub score: f32,
    pub title_marks: Vec<(usize, usize)>,
    pub answer_marks: Vec<(usize, usize)>,
    /// The ranges per keyword, in the answer's keyword order (empty when
    /// none matched).
    pub keyword_marks: Vec<Vec<(usize, usize)>>,
}

struct Entry {
    title: Prepared,
    /// The title's and each keyword's terms, for [`AnswerIndex::suggest`].
    title_terms: Vec<Term>,
    keyword_terms: Vec<Vec<Term>>,
    keywords: Vec<Prepared>,
    answer: Prepared,
    steps: Vec<Prepared>,
    models: Vec<String>,
    category: Option<Category>,
    /// Every pair of adjacent Chinese characters and every Latin word in
    /// any part, sorted: a term that cannot match anywhere is told in a few
    /// binary searches, before any text is scanned.
    pairs: Vec<u64>,
    words: Vec<Vec<char>>,
}

/// A pair of characters as one sortable number.
fn pair_key(a: char, b: char) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

impl Entry {
    fn new(a: &Answer) -> Entry {
        let title = Prepared::new(&a.title);
        let keywords: Vec<Prepared> = a.keywords.iter().map(|k| Prepared::new(k)).collect();
        let answer = Prepared::new(&a.answer);
        let steps: Vec<Prepared> = a
            .steps
            .iter()
            .chain(a.case.iter().flat_map(|c| [&c.background, &c.handling]))
            .map(|s| Prepared::new(s))
            .collect();
        let mut pairs = Vec::new();
        let mut words = Vec::new();
        for part in std::iter::once(&title)
            .chain(&keywords)
            .chain(std::iter::once(&answer))
            .chain(&steps)
        {
            pairs.extend(
                part.chars
                    .windows(2)
                    .filter(|w| is_cjk(w[0]) && is_cjk(w[1]))
                    .map(|w| pair_key(w[0], w[1])),
            );
            words.extend(part.word_starts.iter().map(|&i| {
                part.chars[i..]
                    .iter()
                    .take_while(|c| is_latin(**c))
                    .copied()
                    .collect::<Vec<char>>()
            }));
        }
        crate::sort::sort(&mut pairs);
        pairs.dedup();
        crate::sort::sort(&mut words);
        words.dedup();
        Entry {
            title,
            title_terms: terms(&a.title),
            keyword_terms: a.keywords.iter().map(|k| terms(k)).collect(),
            keywords,
            answer,
            steps,
            models: a.models.iter().map(|m| m.to_ascii_lowercase()).collect(),
            category: a.category,
            pairs,
            words,
        }
    }

    /// Whether `term` may match some part of this answer; `false` means
    /// it certainly does not (a Chinese run with fewer than half of its
    /// pairs anywhere, a word that starts no word).
    fn may_match(&self, term: &Term) -> bool {
        match term {
            Term::Chinese(run) if run.len() >= 2 => {
                let found = run
                    .windows(2)
                    .filter(|w| self.pairs.binary_search(&pair_key(w[0], w[1])).is_ok())
                    .count();
                found as f32 / (run.len() - 1) as f32 >= MIN_BIGRAM_SHARE
            }
            Term::Chinese(_) => true,
            Term::Word(word) => {
                let word: Vec<char> = word.chars().collect();
                let at = self.words.partition_point(|w| *w < word);
                self.words.get(at).is_some_and(|w| w.starts_with(&word))
            }
        }
    }
}

/// The answers prepared for searching as the user types: built once when
/// the answers change, searched at every keystroke.
pub struct AnswerIndex {
    entries: Vec<Entry>,
}

/// Sorted, merged character ranges.
fn merged(mut ranges: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    crate::sort::sort(&mut ranges);
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        match out.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => out.push((start, end)),
        }
    }
    out
}

impl AnswerIndex {
    pub fn new(answers: &[Answer]) -> AnswerIndex {
        AnswerIndex {
            entries: answers.iter().map(Entry::new).collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The answers matching `query`, best first: every term must match the
    /// title, a keyword, the answer or a step; a match in the title counts
    /// most, then keywords, then the text; a Chinese term matched only by
    /// some of its character pairs counts less. Equal scores keep the
    /// index's order.
    pub fn search(&self, query: &AnswerQuery) -> Vec<Hit> {
        let terms = terms(&query.text);
        let model = query.model.as_deref().map(str::to_ascii_lowercase);
        let mut hits: Vec<Hit> = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                query
                    .category
                    .is_none_or(|c| e.category.is_none_or(|k| k == c))
            })
            .filter(|(_, e)| {
                model
                    .as_deref()
                    .is_none_or(|m| e.models.is_empty() || e.models.iter().any(|x| x.contains(m)))
            })
            .filter(|(_, e)| terms.iter().all(|t| e.may_match(t)))
            .filter_map(|(index, e)| {
                let mut score = 0.0;
                let mut title_marks = Vec::new();
                let mut answer_marks = Vec::new();
                let mut keyword_marks = vec![Vec::new(); e.keywords.len()];
                for term in &terms {
                    let (title, t_ranges) = weigh(e.title.matches(term), TITLE_WEIGHT);
                    let mut keyword: f32 = 0.0;
                    for (k, marks) in e.keywords.iter().zip(&mut keyword_marks) {
                        let (counted, ranges) = weigh(k.matches(term), KEYWORD_WEIGHT);
                        if counted > 0.0 {
                            marks.extend(ranges);
                        }
                        keyword = keyword.max(counted);
                    }
                    let (answer, a_ranges) = weigh(e.answer.matches(term), TEXT_WEIGHT);
                    let step = best_of(&e.steps, term, TEXT_WEIGHT);
                    let best = title.max(keyword).max(answer).max(step);
                    if best <= 0.0 {
                        return None;
                    }
                    // The best part decides; a match elsewhere too adds a little.
                    score += best + 0.1 * (title + keyword + answer + step - best);
                    if title > 0.0 {
                        title_marks.extend(t_ranges);
                    }
                    if answer > 0.0 {
                        answer_marks.extend(a_ranges);
                    }
                }
                Some(Hit {
                    index,
                    score,
                    title_marks: merged(title_marks),
                    answer_marks: merged(answer_marks),
                    keyword_marks: keyword_marks.into_iter().map(merged).collect(),
                })
            })
            .collect();
        best_first(&mut hits);
        hits
    }
}

impl AnswerIndex {
    /// The answers a complaint's own words call for, best first, at most
    /// `most`: the other way round from [`Self::search`], each answer's
    /// keywords and title are looked for in `text` (the customer's words,
    /// what they want). A keyword counts when all its terms are found (a
    /// Chinese term also by most of its character pairs), the title counts
    /// less; an answer of the complaint's own category counts half again
    /// as much, one of another category is left out. Nothing is suggested
    /// below one keyword's worth of matching.
    pub fn suggest(&self, text: &str, category: Option<Category>, most: usize) -> Vec<Hit> {
        let words = Prepared::new(text);
        // A phrase counts the weight of its worst term: every term must be there.
        let phrase = |terms: &[Term], weight: f32| {
            terms
                .iter()
                .map(|t| weigh(words.matches(t), weight).0)
                .reduce(f32::min)
                .unwrap_or(0.0)
        };
        let mut hits: Vec<Hit> = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| category.is_none_or(|c| e.category.is_none_or(|k| k == c)))
            .filter_map(|(index, e)| {
                let keywords: f32 = e
                    .keyword_terms
                    .iter()
                    .map(|t| phrase(t, KEYWORD_WEIGHT))
                    .sum();
                let mut score = keywords + phrase(&e.title_terms, TEXT_WEIGHT);
                if category.is_some() && e.category == category {
                    score *= 1.5;
                }
                (score >= SUGGEST_THRESHOLD).then(|| Hit {
                    index,
                    score,
                    title_marks: Vec::new(),
                    answer_marks: Vec::new(),
                    keyword_marks: Vec::new(),
                })
            })
            .collect();
        best_first(&mut hits);
        hits.truncate(most);
        hits
    }
}

/// Best score first; equal scores in the index's order.
fn best_first(hits: &mut [Hit]) {
    crate::sort::sort_by(hits, |a, b| {
        b.score
            .partial_cmp(&a.score)
            .unwrap_or(Ordering::Equal)
            .then(a.index.cmp(&b.index))
    });
}

/// The least score [`AnswerIndex::suggest`] offers: a keyword found whole
/// (8), or most of one by its character pairs.
const SUGGEST_THRESHOLD: f32 = 3.5;

/// The timeline entry saying that `answer` (as it reads now) was given to
/// the customer; the handling process adds it like any other entry.
pub fn usage_entry(
    answer: &Answer,
    id: String,
    actor: &crate::model::Actor,
    now: chrono::DateTime<chrono::Utc>,
) -> crate::model::Entry {
    let mut entry = crate::model::Entry::new(id, crate::model::EntryKind::Answer, actor, now, now);
    entry.text = answer.title.clone();
    entry.answer = Some(answer.id.clone());
    entry.version = Some(answer.version);
    entry
}

/// How often each answer was used, by answer id, over `complaints` (one
/// count per "used this answer" entry).
pub fn usage_counts(complaints: &[crate::Complaint]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for id in complaints.iter().flat_map(used_on) {
        *counts.entry(id.to_string()).or_insert(0) += 1;
    }
    counts
}

/// The ids of the answers used on complaint `c`, in timeline order, once
/// per "used this answer" entry.
pub fn used_on(c: &crate::Complaint) -> impl Iterator<Item = &str> {
    c.timeline
        .iter()
        .filter(|e| e.kind == crate::model::EntryKind::Answer)
        .filter_map(|e| e.answer.as_deref())
}

/// `text` cut into pieces, each marked or not, for highlighting the
/// character ranges `marks` (as [`Hit`] gives them).
pub fn highlight<'a>(text: &'a str, marks: &[(usize, usize)]) -> Vec<(bool, &'a str)> {
    let offsets: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()))
        .collect();
    let byte = |char_pos: usize| offsets[char_pos.min(offsets.len() - 1)];
    let mut out = Vec::new();
    let mut at = 0;
    for &(start, end) in marks {
        let (start, end) = (byte(start), byte(end));
        if start < at || start >= end {
            continue;
        }
        if start > at {
            out.push((false, &text[at..start]));
        }
        out.push((true, &text[start..end]));
        at = end;
    }
    if at < text.len() {
        out.push((false, &text[at..]));
    }
    out
}
