//! Demo data for a first start: `complaints-server --demo` on a database
//! without users creates two regions, three branches and a user of every
//! role, all with one new random password that the server prints once
//! (nothing is baked into the code). On a database that is not empty
//! (users, regions, branches or complaints) it does nothing.

use argon2::Params;
use sqlx::SqlitePool;

use crate::auth::{self, AdminError, NewUser};

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

/// Adds the demo regions, branches and users if the database has no users.
pub async fn seed(db: &SqlitePool, params: &Params) -> Result<Seeded, AdminError> {
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
    Ok(Seeded::Added { password })
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
