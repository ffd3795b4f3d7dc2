//! Demo data for a first start: `complaints-server --demo` on a database
//! without users creates two regions, three branches and a user of every
//! role, all with one new random password that the server prints once
//! (nothing is baked into the code), and a starter set of standard answers
//! for common after-sales problems (`demo/answers.json`, written for this
//! project) so that the answers' search has something to find, and a
//! dozen sample complaints in the three branches (`demo/complaints.json`,
//! see [`complaints`]) so that the list, the attention list and the KPIs
//! have something to show. On a database that is not empty (users,
//! regions, branches or complaints) it does nothing.

use std::collections::HashMap;

use argon2::Params;
use complaints_domain::answers::{self, Answer};
use complaints_domain::sync::{Hlc, Outcome, Stamp};
use complaints_domain::Category;
use serde::Deserialize;
use sqlx::AnyPool;

use crate::auth::{self, AdminError, AuthUser, NewUser};

pub(crate) mod complaints;

/// The device the demo data is made on (every operation's `dev`).
const DEVICE: &str = "demo-seed";

/// The demo regions: code, name.
pub const REGIONS: [(&str, &str); 2] = [("HB", "华北区"), ("HD", "华东区")];

/// The demo branches: code, name, region.
pub const BRANCHES: [(&str, &str, &str); 3] = [
    ("BJ01", "北京朝阳站", "HB"),
    ("BJ02", "北京海淀站", "HB"),
    ("SH01", "上海浦东站", "HD"),
];

/// A demo user: username, display name, role, branch, region.
pub type DemoUser = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
);

/// The demo users.
pub const USERS: [DemoUser; 6] = [
    ("admin", "系统管理员", "admin", None, None),
    ("zhang.wei", "张伟", "staff", Some("BJ01"), None),
    ("li.na", "李娜", "branch_manager", Some("BJ01"), None),
    ("wang.fang", "王芳", "staff", Some("BJ02"), None),
    ("zhao.lei", "赵磊", "regional_manager", None, Some("HB")),
    ("chen.jie", "陈杰", "staff", Some("SH01"), None),
];

/// What [`seed`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Seeded {
    /// The database was not empty (users, branches, regions or complaints):
    /// nothing was added.
    NotEmpty,
    /// The demo data was added; every demo user's password.
    Added { password: String },
}

/// Adds the demo regions, branches, users, starter answers and sample
/// complaints if the database is empty.
pub async fn seed(db: &AnyPool, params: &Params) -> Result<Seeded, AdminError> {
    seed_with(db, params, true).await
}

/// [`seed`], with the sample complaints only when `samples` (the
/// end-to-end tests start without them: they look at what they make).
pub async fn seed_with(db: &AnyPool, params: &Params, samples: bool) -> Result<Seeded, AdminError> {
    // Demo users share one printed password: never on a database in use.
    let used: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM regions) \
              + (SELECT COUNT(*) FROM branches) + (SELECT COUNT(*) FROM ops)",
    )
    .fetch_one(db)
    .await?;
    if used > 0 {
        return Ok(Seeded::NotEmpty);
    }
    for (code, name) in REGIONS {
        match auth::add_region(db, code, name).await {
            Ok(()) | Err(AdminError::DuplicateRegion(_)) => {}
            Err(error) => return Err(error),
        }
    }
    for (code, name, region) in BRANCHES {
        match auth::add_branch(db, code, name, region).await {
            Ok(()) | Err(AdminError::DuplicateBranch(_)) => {}
            Err(error) => return Err(error),
        }
    }
    let password = auth::generate_password();
    for (username, name, role, branch, region) in USERS {
        let user = NewUser::new(username, name, role, branch, region);
        auth::add_user_with_password(db, &user, &password, params).await?;
    }
    seed_answers(db).await?;
    if samples {
        seed_complaints(db).await?;
    }
    Ok(Seeded::Added { password })
}

/// One starter answer as `demo/answers.json` writes it.
#[derive(Deserialize)]
struct StarterAnswer {
    key: String,
    /// `all`, `region:<code>` or `branch:<code>`.
    audience: String,
    /// The demo user who writes it (their role must allow the audience).
    by: String,
    category: Option<String>,
    title: String,
    keywords: Vec<String>,
    answer: String,
    steps: Vec<String>,
}

/// The starter answers, each written by its demo author through the same
/// checks a pushed change passes (scope, role, `check_op`).
async fn seed_answers(db: &AnyPool) -> Result<(), AdminError> {
    let starters: Vec<StarterAnswer> =
        serde_json::from_str(include_str!("../demo/answers.json"))
            .map_err(|e| AdminError::Invalid(format!("demo/answers.json: {e}")))?;
    let now = chrono::Utc::now();
    let stamp_time = complaints_domain::timefmt::rfc3339::format(&now);
    let now_ms = u64::try_from(now.timestamp_millis()).unwrap_or(0);
    for (n, starter) in starters.iter().enumerate() {
        let author = AuthUser::acting(db, &starter.by, DEVICE)
            .await?
            .ok_or_else(|| AdminError::UnknownUser(starter.by.clone()))?;
        let answer = Answer {
            id: format!("{}{}:{}", answers::PREFIX, starter.audience, starter.key),
            title: starter.title.clone(),
            keywords: starter.keywords.clone(),
            answer: starter.answer.clone(),
            steps: starter.steps.clone(),
            category: starter.category.as_deref().and_then(Category::from_code),
            models: Vec::new(),
            author: author.user.display_name.clone(),
            editor: author.user.display_name.clone(),
            updated_at: stamp_time.clone(),
            version: 1,
            case: None,
        };
        let stamp = Stamp {
            op_id: format!("demo-answer-{n:03}"),
            hlc: Hlc::new(now_ms, 0),
            device: DEVICE.into(),
            user: None,
        };
        let op = answers::change(None, &answer, &stamp_time, stamp)
            .ok_or_else(|| AdminError::Invalid(format!("answer {} is empty", starter.key)))?;
        let op = serde_json::to_value(&op)
            .map_err(|e| AdminError::Invalid(format!("answer {}: {e}", starter.key)))?;
        let (results, _) = crate::sync::ingest(db, &author, DEVICE, vec![op]).await?;
        if let Some(Outcome::Rejected { reason }) = results.first().map(|r| &r.outcome) {
            return Err(AdminError::Invalid(format!(
                "demo answer {} refused: {reason:?}",
                starter.key
            )));
        }
    }
    Ok(())
}

/// The sample complaints ([`complaints::plan`] at the seeding time), each
/// operation pushed as its demo user through the same checks a pushed
/// change passes (scope, role, authorship, `check_op`). Consecutive
/// operations of one user go in one batch, as a device pushes them.
async fn seed_complaints(db: &AnyPool) -> Result<(), AdminError> {
    let mut fill = |bytes: &mut [u8]| {
        getrandom::getrandom(bytes).expect("the OS random number generator failed")
    };
    let mut device_id = [0u8; 16];
    fill(&mut device_id);
    let tag = complaints_domain::case_number::device_tag(
        &uuid::Builder::from_random_bytes(device_id).into_uuid(),
    );
    let planned = complaints::plan(chrono::Utc::now(), DEVICE, &tag, &mut fill)
        .map_err(AdminError::Invalid)?;
    let mut authors: HashMap<String, AuthUser> = HashMap::new();
    for sample in planned {
        tracing::debug!(case = %sample.complaint.case_number, key = %sample.key, "demo complaint");
        let mut batches: Vec<(String, Vec<serde_json::Value>)> = Vec::new();
        for (username, op) in sample.ops {
            let op = serde_json::to_value(&op)
                .map_err(|e| AdminError::Invalid(format!("complaint {}: {e}", sample.key)))?;
            match batches.last_mut() {
                Some((user, ops)) if *user == username => ops.push(op),
                _ => batches.push((username, vec![op])),
            }
        }
        for (username, ops) in batches {
            if !authors.contains_key(&username) {
                let author = AuthUser::acting(db, &username, DEVICE)
                    .await?
                    .ok_or_else(|| AdminError::UnknownUser(username.clone()))?;
                authors.insert(username.clone(), author);
            }
            let author = &authors[&username];
            let (results, _) = crate::sync::ingest(db, author, DEVICE, ops).await?;
            if let Some(reason) = results.iter().find_map(|r| match &r.outcome {
                Outcome::Rejected { reason } => Some(reason),
                _ => None,
            }) {
                return Err(AdminError::Invalid(format!(
                    "demo complaint {} refused: {reason:?}",
                    sample.key
                )));
            }
        }
    }
    Ok(())
}

/// The text printed after seeding: how to sign in, and as whom.
pub fn sign_in_help(password: &str, url: &str) -> String {
    let mut text = format!(
        "\nDemo data created. Open {url} and sign in as one of these users:\n\
         demo password (every demo user): {password}\n"
    );
    for (username, name, role, branch, region) in USERS {
        let home = match (branch, region) {
            (Some(branch), _) => format!("branch {branch}"),
            (_, Some(region)) => {
                let codes: Vec<&str> = BRANCHES
                    .iter()
                    .filter(|(_, _, r)| *r == region)
                    .map(|(code, _, _)| *code)
                    .collect();
                format!("region {region} ({})", codes.join(", "))
            }
            _ => "every branch".to_owned(),
        };
        text.push_str(&format!("  {username:<10} {name:<6} {role:<16} {home}\n"));
    }
    text.push_str(
        "The password is shown only now. Give a user their own with \
         `complaints-server user passwd <username>`.\n",
    );
    text
}
