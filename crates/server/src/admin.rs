//! The admin page's API, under `/api/v1/admin`: people, devices, regions and
//! branches. Every action is checked here, whatever the app shows.
//!
//! # Who may do what
//!
//! | caller             | sees                          | may change                                  |
//! |--------------------|-------------------------------|---------------------------------------------|
//! | `admin`            | every user, region, branch    | everything                                  |
//! | `branch_manager`   | the users of their branch     | those users, as staff or branch managers of their branch; their devices |
//! | `regional_manager` | the users of their region (read only) | nothing (`403 forbidden`)           |
//! | `staff`            | nothing (`403 forbidden`)     | nothing                                     |
//!
//! A user (or device) outside the caller's scope is answered exactly like
//! one that does not exist (`404 not_found`), so names are not leaked. No
//! one changes their own role or disables themselves here.
//!
//! Disabling a user, changing their role or branch, or giving them a new
//! password revokes all their tokens: they sign in again and get the new
//! scope. Revoking a device revokes its tokens and marks it revoked: its
//! next request is answered `401 device_revoked`, and the app removes the
//! device's data.
//!
//! A refused value is answered `400 bad_request` with a message that starts
//! with the field's name in backticks (`` `username`: … ``), so the app can
//! say which field in the user's language.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use chrono::Utc;
use complaints_domain::access::Role;
use serde::{Deserialize, Serialize};
use sqlx::AnyPool;

use crate::auth::{self, AdminError, AuthUser, NewUser};
use crate::extract::ApiJson;
use crate::http::{no_store, server_time_text};
use crate::{AppError, AppState};

/// The longest display name.
const MAX_DISPLAY_NAME: usize = 100;
/// The longest region or branch name.
const MAX_PLACE_NAME: usize = 100;

/// The admin routes, relative to `/api/v1`.
pub(crate) fn admin_routes() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(list_users).post(create_user))
        .route("/admin/users/{username}", patch(edit_user))
        .route("/admin/users/{username}/password", post(new_password))
        .route("/admin/network", get(network))
        .route("/admin/regions", post(create_region))
        .route("/admin/branches", post(create_branch))
        .route("/admin/devices/{device}/revoke", post(revoke_device))
}

/// Whose users the caller administers.
#[derive(Debug, Clone)]
enum Reach {
    All,
    Branch(String),
    /// Read only.
    Region(String),
}

impl Reach {
    /// The caller's reach, or `403` for staff.
    fn of(auth: &AuthUser) -> Result<Reach, AppError> {
        let user = &auth.user;
        match (user.role, &user.branch_code, &user.region_code) {
            (Role::Admin, ..) => Ok(Reach::All),
            (Role::BranchManager, Some(branch), _) => Ok(Reach::Branch(branch.clone())),
            (Role::RegionalManager, _, Some(region)) => Ok(Reach::Region(region.clone())),
            _ => Err(forbidden(
                "the admin pages are for administrators and branch managers",
            )),
        }
    }

    /// The caller's reach if they may change users (not regional managers).
    fn writer(auth: &AuthUser) -> Result<Reach, AppError> {
        match Reach::of(auth)? {
            Reach::Region(_) => Err(forbidden("regional managers may only read the user list")),
            reach => Ok(reach),
        }
    }

    /// A condition on `users u` selecting the users in reach (`$1`: the code).
    fn users_sql(&self) -> &'static str {
        match self {
            Reach::All => "1 = 1",
            Reach::Branch(_) => "u.branch_code = $1",
            Reach::Region(_) => {
                "(u.region_code = $1 OR u.branch_code IN \
                 (SELECT code FROM branches WHERE region_code = $1))"
            }
        }
    }

    fn code(&self) -> Option<&str> {
        match self {
            Reach::All => None,
            Reach::Branch(code) | Reach::Region(code) => Some(code),
        }
    }
}

fn forbidden(why: &str) -> AppError {
    AppError::Forbidden(why.to_owned())
}

/// `400` naming the field.
fn bad_field(field: &str, why: impl std::fmt::Display) -> AppError {
    AppError::BadRequest(format!("`{field}`: {why}"))
}

fn no_user(username: &str) -> AppError {
    AppError::NotFound(format!("no user '{username}'"))
}

/// An administrative function's refusal as an API answer.
fn admin_error(error: AdminError) -> AppError {
    match error {
        AdminError::UnknownRegion(code) => bad_field("region_code", format!("no region '{code}'")),
        AdminError::UnknownBranch(code) => bad_field("branch_code", format!("no branch '{code}'")),
        AdminError::UnknownUser(name) => no_user(&name),
        AdminError::UnknownRole(role) => bad_field(
            "role",
            format!("unknown role '{role}' (staff, branch_manager, regional_manager or admin)"),
        ),
        AdminError::DuplicateRegion(code) => bad_field("code", format!("region '{code}' exists")),
        AdminError::DuplicateBranch(code) => bad_field("code", format!("branch '{code}' exists")),
        AdminError::DuplicateUsername(name) => {
            bad_field("username", format!("'{name}' is already taken"))
        }
        AdminError::Invalid(why) => AppError::BadRequest(why),
        AdminError::App(error) => error,
    }
}

// ---------------------------------------------------------------------------
// Users

/// A user as the admin page lists them.
#[derive(Debug, Serialize, sqlx::FromRow)]
struct UserEntry {
    #[serde(skip)]
    id: i64,
    username: String,
    display_name: String,
    role: String,
    branch_code: Option<String>,
    region_code: Option<String>,
    #[serde(serialize_with = "as_bool")]
    disabled: i64,
    created_at: String,
    #[sqlx(skip)]
    devices: Vec<DeviceEntry>,
}

fn as_bool<S: serde::Serializer>(value: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_bool(*value != 0)
}

/// A device a user signed in on.
#[derive(Debug, Serialize, sqlx::FromRow)]
struct DeviceEntry {
    #[serde(skip)]
    user_id: i64,
    device: String,
    /// The newest token's `created_at`.
    signed_in_at: String,
    last_contact: Option<String>,
    #[serde(skip)]
    revoked_at: Option<String>,
    #[sqlx(skip)]
    revoked: bool,
}

const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.role, u.branch_code, \
                            u.region_code, u.disabled, u.created_at";

/// The users in reach with their devices, by username.
async fn users_in(db: &AnyPool, reach: &Reach) -> Result<Vec<UserEntry>, AppError> {
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE {} ORDER BY u.username",
        reach.users_sql()
    );
    let mut query = sqlx::query_as::<_, UserEntry>(&sql);
    if let Some(code) = reach.code() {
        query = query.bind(code.to_owned());
    }
    let mut users = query.fetch_all(db).await.map_err(AppError::from_db)?;
    let sql = format!(
        "SELECT t.user_id, t.device, MAX(t.created_at) AS signed_in_at, \
                MAX(t.last_contact_at) AS last_contact, d.revoked_at \
         FROM tokens t LEFT JOIN devices d ON d.id = t.device \
         WHERE t.user_id IN (SELECT u.id FROM users u WHERE {}) \
         GROUP BY t.user_id, t.device, d.revoked_at ORDER BY signed_in_at DESC, t.device",
        reach.users_sql()
    );
    let mut query = sqlx::query_as::<_, DeviceEntry>(&sql);
    if let Some(code) = reach.code() {
        query = query.bind(code.to_owned());
    }
    for mut device in query.fetch_all(db).await.map_err(AppError::from_db)? {
        device.revoked = device.revoked_at.is_some();
        if let Some(user) = users.iter_mut().find(|u| u.id == device.user_id) {
            user.devices.push(device);
        }
    }
    Ok(users)
}

/// The user `username` if the caller's reach covers them (else `404`, as
/// for a user that does not exist).
async fn user_in(db: &AnyPool, reach: &Reach, username: &str) -> Result<UserEntry, AppError> {
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.username = $2 AND {}",
        reach.users_sql().replace("1 = 1", "$1 = $1")
    );
    // `$1` is the reach's code (an administrator's: unused, but bound so the
    // parameters are numbered alike).
    sqlx::query_as::<_, UserEntry>(&sql)
        .bind(reach.code().unwrap_or("").to_owned())
        .bind(username)
        .fetch_optional(db)
        .await
        .map_err(AppError::from_db)?
        .ok_or_else(|| no_user(username))
}

#[derive(Serialize)]
struct UsersResponse {
    users: Vec<UserEntry>,
    server_time: String,
}

/// `GET /api/v1/admin/users`.
async fn list_users(State(state): State<AppState>, auth: AuthUser) -> Result<Response, AppError> {
    let reach = Reach::of(&auth)?;
    Ok(no_store(Json(UsersResponse {
        users: users_in(&state.db, &reach).await?,
        server_time: server_time_text(),
    })))
}

/// The body of `POST /api/v1/admin/users`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateUser {
    username: String,
    display_name: String,
    role: String,
    #[serde(default)]
    branch_code: Option<String>,
    #[serde(default)]
    region_code: Option<String>,
}

/// An optional code as given: blank is none.
fn given(code: Option<String>) -> Option<String> {
    code.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty())
}

fn check_display_name(name: &str) -> Result<(), AppError> {
    let chars = name.trim().chars().count();
    if chars == 0 || chars > MAX_DISPLAY_NAME || name.chars().any(char::is_control) {
        return Err(bad_field(
            "display_name",
            format!("must be 1 to {MAX_DISPLAY_NAME} characters"),
        ));
    }
    Ok(())
}

fn role_of(code: &str) -> Result<Role, AppError> {
    Role::from_code(code).ok_or_else(|| admin_error(AdminError::UnknownRole(code.to_owned())))
}

/// Whether a role and its branch and region fit together (staff and branch
/// managers belong to a branch, regional managers to a region,
/// administrators to neither), and whether `reach` may give them.
fn check_placement(
    reach: &Reach,
    role: Role,
    branch: Option<&str>,
    region: Option<&str>,
) -> Result<(), AppError> {
    if let Reach::Branch(own) = reach {
        if !matches!(role, Role::Staff | Role::BranchManager) {
            return Err(forbidden(
                "a branch manager gives only the roles staff and branch_manager",
            ));
        }
        if branch.is_some_and(|b| b != own) {
            return Err(forbidden(
                "a branch manager places users in their own branch only",
            ));
        }
    }
    for (needed, given, field) in [
        (role.needs_branch(), branch.is_some(), "branch_code"),
        (role.needs_region(), region.is_some(), "region_code"),
    ] {
        if needed && !given {
            return Err(bad_field(field, format!("a {} needs one", role.as_str())));
        }
        if !needed && given {
            return Err(bad_field(field, format!("a {} has none", role.as_str())));
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct CreatedResponse {
    user: UserEntry,
    /// Shown once; only its hash is stored.
    password: String,
    server_time: String,
}

/// `POST /api/v1/admin/users`: a new user and their password (shown once).
async fn create_user(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(body): ApiJson<CreateUser>,
) -> Result<Response, AppError> {
    let reach = Reach::writer(&auth)?;
    let role = role_of(&body.role)?;
    let branch = given(body.branch_code);
    let region = given(body.region_code);
    check_placement(&reach, role, branch.as_deref(), region.as_deref())?;
    let username = body.username.trim();
    if username.is_empty() || username.len() > 100 || username.chars().any(char::is_whitespace) {
        return Err(bad_field(
            "username",
            "must be 1 to 100 characters without spaces",
        ));
    }
    check_display_name(&body.display_name)?;
    let new = NewUser {
        username: username.to_owned(),
        display_name: body.display_name.trim().to_owned(),
        role: role.as_str().to_owned(),
        branch_code: branch,
        region_code: region,
    };
    let password = auth::add_user(&state.db, &new, &state.auth.config.password_params)
        .await
        .map_err(admin_error)?;
    tracing::info!(by = %auth.user.username, user = %username, role = role.as_str(), "user added");
    Ok(no_store(Json(CreatedResponse {
        user: user_in(&state.db, &reach, username).await?,
        password,
        server_time: server_time_text(),
    })))
}

/// The body of `PATCH /api/v1/admin/users/{username}`: what changes. A code
/// given as `null` or blank is removed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EditUser {
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    role: Option<String>,
    #[serde(default, deserialize_with = "present")]
    branch_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    region_code: Option<Option<String>>,
    #[serde(default)]
    disabled: Option<bool>,
}

/// A field that was sent (`Some`, its value possibly `null`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[derive(Serialize)]
struct UserResponse {
    user: UserEntry,
    server_time: String,
}

/// `PATCH /api/v1/admin/users/{username}`.
async fn edit_user(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(username): Path<String>,
    ApiJson(body): ApiJson<EditUser>,
) -> Result<Response, AppError> {
    let reach = Reach::writer(&auth)?;
    let old = user_in(&state.db, &reach, &username).await?;
    let oneself = old.id == auth.id;
    let role = match &body.role {
        Some(code) => role_of(code)?,
        None => role_of(&old.role)?,
    };
    // A role that belongs to no branch (or region) drops it, unless one is
    // given (which is then refused).
    let branch = match body.branch_code.clone() {
        Some(code) => given(code),
        None if role.needs_branch() => old.branch_code.clone(),
        None => None,
    };
    let region = match body.region_code.clone() {
        Some(code) => given(code),
        None if role.needs_region() => old.region_code.clone(),
        None => None,
    };
    check_placement(&reach, role, branch.as_deref(), region.as_deref())?;
    if oneself && role.as_str() != old.role {
        return Err(forbidden("your own role cannot be changed here"));
    }
    if oneself && body.disabled == Some(true) {
        return Err(forbidden("you cannot disable yourself"));
    }
    if let Some(name) = &body.display_name {
        check_display_name(name)?;
    }
    for (code, sql, error) in [
        (
            &branch,
            "SELECT 1 FROM branches WHERE code = $1",
            AdminError::UnknownBranch as fn(String) -> AdminError,
        ),
        (
            &region,
            "SELECT 1 FROM regions WHERE code = $1",
            AdminError::UnknownRegion,
        ),
    ] {
        if let Some(code) = code {
            let found: Option<i64> = sqlx::query_scalar(sql)
                .bind(code)
                .fetch_optional(&state.db)
                .await
                .map_err(AppError::from_db)?;
            if found.is_none() {
                return Err(admin_error(error(code.clone())));
            }
        }
    }
    let disabled = body.disabled.map_or(old.disabled, i64::from);
    let moved = role.as_str() != old.role || branch != old.branch_code || region != old.region_code;
    let display_name = body
        .display_name
        .as_deref()
        .map_or(old.display_name.clone(), |n| n.trim().to_owned());
    sqlx::query(
        "UPDATE users SET display_name = $1, role = $2, branch_code = $3, region_code = $4, \
                          disabled = $5 WHERE id = $6",
    )
    .bind(&display_name)
    .bind(role.as_str())
    .bind(&branch)
    .bind(&region)
    .bind(disabled)
    .bind(old.id)
    .execute(&state.db)
    .await
    .map_err(AppError::from_db)?;
    if moved || (disabled != 0 && old.disabled == 0) {
        let revoked = auth::revoke_user_tokens(&state.db, old.id).await?;
        tracing::info!(by = %auth.user.username, user = %username, revoked, "user's tokens revoked");
    }
    tracing::info!(by = %auth.user.username, user = %username, role = role.as_str(),
        disabled, "user changed");
    // Read back with the caller's reach (a user moved out of it is gone).
    let user = match user_in(&state.db, &reach, &username).await {
        Ok(user) => user,
        Err(AppError::NotFound(_)) => user_in(&state.db, &Reach::All, &username).await?,
        Err(e) => return Err(e),
    };
    Ok(no_store(Json(UserResponse {
        user,
        server_time: server_time_text(),
    })))
}

#[derive(Serialize)]
struct PasswordResponse {
    password: String,
    server_time: String,
}

/// `POST /api/v1/admin/users/{username}/password`: a new password (shown
/// once); the user's tokens are revoked.
async fn new_password(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(username): Path<String>,
) -> Result<Response, AppError> {
    let reach = Reach::writer(&auth)?;
    let user = user_in(&state.db, &reach, &username).await?;
    let password = auth::reset_password(
        &state.db,
        &user.username,
        &state.auth.config.password_params,
    )
    .await
    .map_err(admin_error)?;
    tracing::info!(by = %auth.user.username, user = %username, "password reset");
    Ok(no_store(Json(PasswordResponse {
        password,
        server_time: server_time_text(),
    })))
}

// ---------------------------------------------------------------------------
// Regions and branches

#[derive(Serialize, sqlx::FromRow)]
struct Region {
    code: String,
    name: String,
}

#[derive(Serialize, sqlx::FromRow)]
struct Branch {
    code: String,
    name: String,
    region_code: String,
}

#[derive(Serialize)]
struct NetworkResponse {
    regions: Vec<Region>,
    branches: Vec<Branch>,
    server_time: String,
}

/// `GET /api/v1/admin/network`: the regions and branches in reach.
async fn network(State(state): State<AppState>, auth: AuthUser) -> Result<Response, AppError> {
    let reach = Reach::of(&auth)?;
    let (region_where, branch_where) = match &reach {
        Reach::All => ("$1 = $1", "$1 = $1"),
        Reach::Region(_) => ("code = $1", "region_code = $1"),
        Reach::Branch(_) => (
            "code = (SELECT region_code FROM branches WHERE code = $1)",
            "code = $1",
        ),
    };
    let code = reach.code().unwrap_or("").to_owned();
    let regions = sqlx::query_as::<_, Region>(&format!(
        "SELECT code, name FROM regions WHERE {region_where} ORDER BY code"
    ))
    .bind(&code)
    .fetch_all(&state.db)
    .await
    .map_err(AppError::from_db)?;
    let branches = sqlx::query_as::<_, Branch>(&format!(
        "SELECT code, name, region_code FROM branches WHERE {branch_where} ORDER BY code"
    ))
    .bind(&code)
    .fetch_all(&state.db)
    .await
    .map_err(AppError::from_db)?;
    Ok(no_store(Json(NetworkResponse {
        regions,
        branches,
        server_time: server_time_text(),
    })))
}

/// The body of `POST /api/v1/admin/regions` and `…/branches`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewPlace {
    code: String,
    name: String,
    /// A branch's region.
    #[serde(default)]
    region_code: Option<String>,
}

fn only_admin(auth: &AuthUser) -> Result<(), AppError> {
    match Reach::of(auth)? {
        Reach::All => Ok(()),
        _ => Err(forbidden("only administrators add regions and branches")),
    }
}

fn check_place_name(name: &str) -> Result<(), AppError> {
    let chars = name.trim().chars().count();
    if chars == 0 || chars > MAX_PLACE_NAME || name.chars().any(char::is_control) {
        return Err(bad_field(
            "name",
            format!("must be 1 to {MAX_PLACE_NAME} characters"),
        ));
    }
    Ok(())
}

/// A code as the administrative functions check it, refused by field.
fn check_code(code: &str) -> Result<(), AppError> {
    if auth::valid_code(code) {
        Ok(())
    } else {
        Err(bad_field(
            "code",
            "must be 1 to 32 letters, digits, '-' or '_'",
        ))
    }
}

#[derive(Serialize)]
struct DoneResponse {
    done: bool,
    server_time: String,
}

fn done() -> Response {
    no_store(Json(DoneResponse {
        done: true,
        server_time: server_time_text(),
    }))
}

/// `POST /api/v1/admin/regions` (administrators).
async fn create_region(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(body): ApiJson<NewPlace>,
) -> Result<Response, AppError> {
    only_admin(&auth)?;
    let code = body.code.trim();
    check_code(code)?;
    check_place_name(&body.name)?;
    if body.region_code.is_some() {
        return Err(bad_field("region_code", "a region belongs to no region"));
    }
    auth::add_region(&state.db, code, body.name.trim())
        .await
        .map_err(admin_error)?;
    tracing::info!(by = %auth.user.username, region = code, "region added");
    Ok(done())
}

/// `POST /api/v1/admin/branches` (administrators).
async fn create_branch(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(body): ApiJson<NewPlace>,
) -> Result<Response, AppError> {
    only_admin(&auth)?;
    let code = body.code.trim();
    check_code(code)?;
    check_place_name(&body.name)?;
    let region = given(body.region_code).ok_or_else(|| bad_field("region_code", "required"))?;
    auth::add_branch(&state.db, code, body.name.trim(), &region)
        .await
        .map_err(admin_error)?;
    tracing::info!(by = %auth.user.username, branch = code, "branch added");
    Ok(done())
}

// ---------------------------------------------------------------------------
// Devices

/// `POST /api/v1/admin/devices/{device}/revoke`: every token of the device
/// is revoked and the device marked revoked (its next request: `401
/// device_revoked`). A branch manager revokes only devices whose every
/// token is of a user of their branch.
async fn revoke_device(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(device): Path<String>,
) -> Result<Response, AppError> {
    let reach = Reach::writer(&auth)?;
    let (mine, others): (i64, i64) = sqlx::query_as(&format!(
        "SELECT COUNT(*) FILTER (WHERE t.user_id IN (SELECT u.id FROM users u WHERE {0})), \
                COUNT(*) FILTER (WHERE t.user_id NOT IN (SELECT u.id FROM users u WHERE {0})) \
         FROM tokens t WHERE t.device = $2",
        reach.users_sql().replace("1 = 1", "$1 = $1")
    ))
    .bind(reach.code().unwrap_or("").to_owned())
    .bind(&device)
    .fetch_one(&state.db)
    .await
    .map_err(AppError::from_db)?;
    if mine == 0 || others > 0 {
        return Err(AppError::NotFound(format!("no device '{device}'")));
    }
    let now = auth::time_text(Utc::now());
    let mut tx = state.db.begin().await.map_err(AppError::from_db)?;
    sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE device = $2 AND revoked_at IS NULL")
        .bind(&now)
        .bind(&device)
        .execute(&mut *tx)
        .await
        .map_err(AppError::from_db)?;
    // A device from before keys existed has no row yet: one is made, with
    // no key, so it stays revoked.
    sqlx::query(
        "INSERT INTO devices (id, key_hash, created_at) VALUES ($1, '', $2) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(&device)
    .bind(&now)
    .execute(&mut *tx)
    .await
    .map_err(AppError::from_db)?;
    sqlx::query("UPDATE devices SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(&now)
        .bind(&device)
        .execute(&mut *tx)
        .await
        .map_err(AppError::from_db)?;
    tx.commit().await.map_err(AppError::from_db)?;
    tracing::warn!(by = %auth.user.username, device, "device revoked");
    Ok(done())
}
