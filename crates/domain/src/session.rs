//! A device's sign-in session, and the decisions around it that the app
//! makes with no network: is the session still valid, whose data does the
//! device hold, which branch a new complaint starts in, and what to tell
//! the user when signing in fails or would lose unsent changes.
//!
//! The session is the server's answer to `POST /api/v1/auth/login`, kept on
//! the device. It expires at the server's `expires_at`; the app decides it
//! offline by the device's clock corrected by the server's (every answer
//! carries the server time) and never earlier than the latest time the device
//! has already seen, so turning the tablet's clock back does not extend it.
//! The server refuses an expired token on its own, so this is the offline
//! half of one rule, not a second rule.
//!
//! Expiry never touches the device's data: complaints and queued changes
//! stay, and are sent once the same user signs in again. Only signing out,
//! or a *different* user choosing to remove them, deletes local data.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::access::{Role, Scope};
use crate::lang::{Labelled, Lang};

/// The signed-in user, as the server describes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    #[serde(default)]
    pub branch_code: Option<String>,
    #[serde(default)]
    pub region_code: Option<String>,
}

impl SessionUser {
    /// "张伟 · 服务人员/服务顾问 · BJ01": who is signed in, for the top bar.
    pub fn describe(&self, lang: Lang) -> String {
        let home = self
            .branch_code
            .as_deref()
            .or(self.region_code.as_deref())
            .map(|code| format!(" · {code}"))
            .unwrap_or_default();
        format!("{} · {}{home}", self.display_name, self.role.label(lang))
    }
}

/// A [`Scope`] as it is on the wire (`{"kind":"all"}` or
/// `{"kind":"branches","branches":[…]}`), read as a plain struct: serde's
/// internally tagged enums buffer their input, which costs the app's wasm
/// several KB.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeWire {
    /// `all` or `branches`.
    pub kind: String,
    /// The branch codes (`kind` = `branches`).
    #[serde(default)]
    pub branches: Vec<String>,
}

impl ScopeWire {
    /// Whether a record of branch `code` is in the scope (as
    /// [`Scope::allows`], without building one).
    pub fn allows(&self, code: &str) -> bool {
        self.kind == "all" || (self.kind == "branches" && self.branches.iter().any(|b| b == code))
    }

    /// The scope; an unknown kind allows nothing.
    pub fn scope(&self) -> Scope {
        match self.kind.as_str() {
            "all" => Scope::All,
            "branches" => Scope::branches(self.branches.iter().cloned()),
            _ => Scope::branches(Vec::<String>::new()),
        }
    }
}

/// A session: the login answer as the device keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The bearer token (sent as `Authorization: Bearer <token>`).
    pub token: String,
    #[serde(with = "crate::timefmt::rfc3339")]
    pub expires_at: DateTime<Utc>,
    pub user: SessionUser,
    pub scope: ScopeWire,
    /// The server's time when it answered (corrects the device's clock).
    #[serde(with = "crate::timefmt::rfc3339")]
    pub server_time: DateTime<Utc>,
}

impl Session {
    /// Reads a session from the login answer (or the copy kept on the
    /// device) as a JSON value; `None` when something it needs is missing or
    /// malformed. By hand rather than through the derived `Deserialize`: the
    /// app already parses JSON values, and the derive for these three types
    /// costs its download ~3 KB. Gives the same result (tested).
    pub fn from_json(v: &serde_json::Value) -> Option<Session> {
        let text = |v: &serde_json::Value| v.as_str().map(str::to_string);
        let code = |v: &serde_json::Value| text(v).filter(|c| !c.is_empty());
        let time = |v: &serde_json::Value| crate::timefmt::rfc3339::parse(v.as_str()?);
        let (user, scope) = (&v["user"], &v["scope"]);
        Some(Session {
            token: text(&v["token"])?,
            expires_at: time(&v["expires_at"])?,
            user: SessionUser {
                username: text(&user["username"])?,
                display_name: text(&user["display_name"])?,
                role: Role::from_code(user["role"].as_str()?)?,
                branch_code: code(&user["branch_code"]),
                region_code: code(&user["region_code"]),
            },
            scope: ScopeWire {
                kind: text(&scope["kind"])?,
                branches: match &scope["branches"] {
                    serde_json::Value::Null => Vec::new(),
                    list => list.as_array()?.iter().map(text).collect::<Option<_>>()?,
                },
            },
            server_time: time(&v["server_time"])?,
        })
    }
}

/// Whether a session still opens the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    /// Valid for this many more milliseconds.
    Valid {
        left_ms: i64,
    },
    Expired,
}

impl Session {
    /// Whether the session is valid at `device_now_ms` (the device's clock),
    /// corrected by `offset_ms` (server time minus device time, as last
    /// measured) and never earlier than `seen_ms`, the latest corrected time
    /// the device has already used (its clock's high-water mark): a clock set
    /// back does not bring an expired session back. Expired at `expires_at`
    /// exactly, like the server.
    pub fn validity(&self, device_now_ms: i64, offset_ms: i64, seen_ms: i64) -> Validity {
        let now = device_now_ms.saturating_add(offset_ms).max(seen_ms);
        let left_ms = self.expires_at.timestamp_millis() - now;
        if left_ms > 0 {
            Validity::Valid { left_ms }
        } else {
            Validity::Expired
        }
    }

    /// The branch a new complaint starts in: the user's own branch (staff,
    /// branch managers); else the branch `remembered` from the last complaint
    /// taken on the device, if the user may file there; else the scope's only
    /// branch; else none (the user types it).
    pub fn intake_branch(&self, remembered: &str) -> Option<String> {
        if let Some(own) = &self.user.branch_code {
            return Some(own.clone());
        }
        let scope = &self.scope;
        if !remembered.is_empty() && scope.allows(remembered) {
            return Some(remembered.to_string());
        }
        match scope.branches.as_slice() {
            [only] if scope.kind == "branches" => Some(only.clone()),
            _ => None,
        }
    }
}

/// What to do about the data already on the device when `user` signs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataOwner {
    /// The data is this user's (or there is none, or it predates sign-in):
    /// keep it, and send what is queued.
    Keep,
    /// The device holds another user's data. It must not be mixed with this
    /// user's: ask, and remove it first if they go on.
    Other(String),
}

/// Whose the device's data is when `user` signs in: `owner` is the user the
/// device's data belongs to (the last one signed in; `None` on a fresh
/// device, after sign-out, or for data taken before sign-in existed), and
/// `holds_data` whether the device has any complaint or queued change.
pub fn data_owner(owner: Option<&str>, user: &str, holds_data: bool) -> DataOwner {
    match owner {
        Some(owner) if owner != user && holds_data => DataOwner::Other(owner.to_string()),
        _ => DataOwner::Keep,
    }
}

/// The key of the intake form's draft of `username`: a draft belongs to the
/// user who typed it, so the next user of a shared tablet never sees it (the
/// device's complaints follow [`data_owner`]; a draft of a complaint not yet
/// saved has none to follow). Edit drafts belong to their complaint
/// ([`crate::store::edit_draft_key`]) and go with it.
pub fn intake_draft_key(username: &str) -> String {
    format!("{INTAKE_DRAFT_PREFIX}{username}")
}

/// The prefix of [`intake_draft_key`].
pub const INTAKE_DRAFT_PREFIX: &str = "intake:";

/// The key the intake draft had before drafts were keyed by user.
pub const UNKEYED_INTAKE_DRAFT: &str = "intake";

/// Where a draft kept under [`UNKEYED_INTAKE_DRAFT`] goes: to `owner`, the
/// user whose data the device holds (the intake form is only shown signed
/// in, and signing in makes the user the owner, so it was theirs), or
/// nowhere (`None`: dropped) when the device has no owner — its typist
/// cannot be told, and showing it to whoever signs in next is what keying
/// drafts by user prevents.
pub fn unkeyed_draft_owner(owner: Option<&str>) -> Option<String> {
    owner.filter(|o| !o.is_empty()).map(intake_draft_key)
}

/// What the sign-in page says: why sign-in failed, or why it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInNotice {
    /// Wrong username or password (the server does not say which).
    BadCredentials,
    /// Too many failed attempts; try again after this many seconds.
    RateLimited { retry_after_s: u64 },
    /// The server is busy checking other sign-ins (`503 busy`): like a rate
    /// limit, a moment's wait, not a fault.
    Busy,
    /// This device's id is bound to another device's key (`409
    /// device_taken`): its data must be cleared before it can sign in.
    DeviceTaken,
    /// The server cannot be reached: signing in needs the network.
    Offline,
    /// The server answered with another error.
    Server(u16),
    /// Storage on this device failed (the session could not be kept).
    Storage,
    /// The session's time is up (data is kept).
    Expired,
    /// The server no longer accepts the session (revoked, or unknown).
    Ended,
    /// The user signed out; the device's data is removed.
    SignedOut,
}

impl SignInNotice {
    /// The notice for a `401` code the API answered with (`token_expired`,
    /// `token_revoked`, `unauthenticated`), or a `403 wrong_device`: the
    /// session is over. `None` for any other code.
    pub fn from_auth_code(code: &str) -> Option<SignInNotice> {
        match code {
            "token_expired" => Some(SignInNotice::Expired),
            "token_revoked" | "unauthenticated" | "wrong_device" => Some(SignInNotice::Ended),
            _ => None,
        }
    }

    /// Whether it reports a failure (shown as an error) rather than a state.
    pub fn is_error(self) -> bool {
        !matches!(
            self,
            SignInNotice::Expired | SignInNotice::Ended | SignInNotice::SignedOut
        )
    }

    /// The notice in the user's words.
    pub fn message(self, lang: Lang) -> String {
        use SignInNotice::*;
        match (self, lang) {
            (BadCredentials, Lang::Zh) => "用户名或密码错误".into(),
            (BadCredentials, Lang::En) => "Wrong username or password".into(),
            (RateLimited { retry_after_s }, Lang::Zh) => {
                format!("登录失败次数过多，请在{}后再试", wait(retry_after_s, lang))
            }
            (RateLimited { retry_after_s }, Lang::En) => format!(
                "Too many failed sign-ins; try again in {}",
                wait(retry_after_s, lang)
            ),
            (Busy, Lang::Zh) => "服务器繁忙，请稍后再试".into(),
            (Busy, Lang::En) => "The server is busy; try again in a moment".into(),
            (DeviceTaken, Lang::Zh) => "服务器认为本设备的标识属于另一台设备，无法登录：请联系管理员，或清除本应用在此设备上的数据后重新登录".into(),
            (DeviceTaken, Lang::En) => "The server holds this device's id for another device, so it cannot sign in: ask an administrator, or clear this app's data on the device and sign in again".into(),
            (Offline, Lang::Zh) => "无法连接服务器：在本设备上首次登录、以及登录到期后再次登录，都需要网络连接".into(),
            (Offline, Lang::En) => "Cannot reach the server: the first sign-in on a device needs a network connection, and so does signing in again after the session expired".into(),
            (Server(status), Lang::Zh) => format!("服务器出错（{status}），请稍后再试"),
            (Server(status), Lang::En) => {
                format!("The server had a problem ({status}); please try again later")
            }
            (Storage, Lang::Zh) => "本机存储出错，无法保存登录，请重试".into(),
            (Storage, Lang::En) => "Storage on this device failed and the sign-in could not be kept; please try again".into(),
            (Expired, Lang::Zh) => {
                "登录已过期，请重新登录。本机的数据和未发送的修改都已保留，登录后自动发送".into()
            }
            (Expired, Lang::En) => "Your session has expired; please sign in again. The data on this device and the changes not yet sent are kept and are sent once you sign in".into(),
            (Ended, Lang::Zh) => {
                "登录已失效，请重新登录。本机的数据和未发送的修改都已保留".into()
            }
            (Ended, Lang::En) => "Your session is no longer valid; please sign in again. The data on this device and the changes not yet sent are kept".into(),
            (SignedOut, Lang::Zh) => "已退出登录，本机数据已删除".into(),
            (SignedOut, Lang::En) => "Signed out; the data on this device was removed".into(),
        }
    }
}

/// "3 分钟" / "3 minutes", "40 秒" / "40 seconds": a wait, rounded up to
/// whole minutes from one minute on.
pub fn wait(seconds: u64, lang: Lang) -> String {
    let (n, zh, en) = match seconds {
        0..=59 => (seconds.max(1), "秒", "second"),
        s => (s.div_ceil(60), "分钟", "minute"),
    };
    match lang {
        Lang::Zh => format!(" {n} {zh}"),
        Lang::En if n == 1 => format!("1 {en}"),
        Lang::En => format!("{n} {en}s"),
    }
}

/// The warning before signing out with `unsent` changes that could not be
/// sent (offline, or refused by the server): they will be lost.
pub fn sign_out_warning(unsent: usize, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("有 {unsent} 条修改尚未发送到服务器（离线或被拒绝）。退出登录会删除本机上的全部数据，这些修改将永久丢失。"),
        Lang::En => format!("{unsent} change(s) have not reached the server (offline, or refused). Signing out removes all data from this device, and these changes will be lost for good."),
    }
}

/// The question when `user` signs in on a device holding `owner`'s data
/// with `unsent` changes not yet sent.
pub fn other_user_warning(owner: &str, user: &str, unsent: usize, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("本机保存着用户 {owner} 的数据，其中 {unsent} 条修改尚未发送到服务器。以 {user} 登录前必须从本机删除这些数据，未发送的修改将永久丢失。"),
        Lang::En => format!("This device holds the data of user {owner}, with {unsent} change(s) not yet sent to the server. To sign in as {user}, that data must first be removed from this device, and the unsent changes will be lost for good."),
    }
}
