//! What several of the server's test files share (each `tests/*.rs` is a
//! crate of its own; `mod common;` brings this in): users signed in on a
//! device of their own, straight through the database.

use complaints_server::auth::{self, NewUser};
use sqlx::AnyPool;

/// The device of `user`: `tab-<user>`.
pub fn device(user: &str) -> String {
    format!("tab-{user}")
}

/// The bearer token of `user` on their device (43 characters, as real ones).
pub fn token(user: &str) -> String {
    format!("{:_<43}", format!("token-of-{user}"))
}

/// Adds `username` with `role` (and `branch` or `region`) and signs them in
/// on [`device`] with [`token`], valid until 2999.
pub async fn add_signed_in_user(
    db: &AnyPool,
    params: &argon2::Params,
    username: &str,
    role: &str,
    branch: Option<&str>,
    region: Option<&str>,
) {
    let user = NewUser::new(username, username, role, branch, region);
    auth::add_user(db, &user, params).await.unwrap();
    sqlx::query(
        "INSERT INTO tokens (token_hash, user_id, device, created_at, expires_at) \
         SELECT $1, id, $2, '2026-01-01T00:00:00.000Z', '2999-01-01T00:00:00.000Z' \
         FROM users WHERE username = $3",
    )
    .bind(auth::token_hash(&token(username)))
    .bind(device(username))
    .bind(username)
    .execute(db)
    .await
    .unwrap();
}
