//! Who may see what: the users' [`Role`]s and the [`Scope`] of branches a
//! user's role gives them.
//!
//! A user belongs to a branch (staff, branch managers) or to a region
//! (regional managers); administrators belong to neither and see everything.
//! [`scope_of`] turns a role and that home into the set of branch codes the
//! user may read and write. The server decides with it which records a pull
//! returns and which pushed ops it accepts; the app shows it. Pure: the
//! caller looks the region's branches up and passes them in.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::model::labelled_enum;

labelled_enum! {
    /// What a user is, and so which branches they see.
    pub enum Role {
        /// A field service technician, a service advisor or a customer-service
        /// clerk: works on the complaints of their own branch.
        Staff = ("staff", "服务人员/服务顾问", "Staff"),
        /// A station or service manager: owns the handling of their branch's
        /// complaints.
        BranchManager = ("branch_manager", "站长/服务经理", "Branch manager"),
        /// The manufacturer's regional after-sales manager: every branch of
        /// their region.
        RegionalManager = ("regional_manager", "厂方售后区域经理", "Regional manager"),
        /// Administers users and branches; sees every branch.
        Admin = ("admin", "管理员", "Administrator"),
    }
}

impl Role {
    /// Whether a user of this role must belong to a branch (and to no region).
    pub fn needs_branch(self) -> bool {
        matches!(self, Role::Staff | Role::BranchManager)
    }

    /// Whether a user of this role must belong to a region (and to no branch).
    pub fn needs_region(self) -> bool {
        matches!(self, Role::RegionalManager)
    }

    /// Whether a user of this role may set targets and plans in the PDCA
    /// table of the branches they see (staff read it).
    pub fn plans(self) -> bool {
        self != Role::Staff
    }
}

/// The branches a user may read and write.
///
/// Serialized as `{"kind":"all"}` or
/// `{"kind":"branches","branches":["BJ01","BJ02"]}` (codes sorted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    /// Every branch, present and future (administrators).
    All,
    /// Exactly these branch codes; empty allows nothing.
    Branches {
        /// The branch codes, sorted.
        branches: BTreeSet<String>,
    },
}

impl Scope {
    /// A scope of exactly these branches.
    pub fn branches<I, S>(codes: I) -> Scope
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Scope::Branches {
            branches: crate::sort::set_of(codes.into_iter().map(Into::into)),
        }
    }

    /// Whether a record of branch `branch_code` is in this scope. Codes are
    /// compared exactly (they are stored as entered by an administrator).
    pub fn allows(&self, branch_code: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Branches { branches } => branches.contains(branch_code),
        }
    }

    /// Whether this scope covers every branch.
    pub fn is_all(&self) -> bool {
        matches!(self, Scope::All)
    }
}

/// The scope a user of `role` has: staff and branch managers their own
/// branch (nothing if they have none); regional managers the branches of
/// their region, `region_branches` (looked up by the caller); administrators
/// every branch. `own_branch` is ignored for regional managers and
/// administrators, `region_branches` for everyone but regional managers.
pub fn scope_of(role: Role, own_branch: Option<&str>, region_branches: &[String]) -> Scope {
    match role {
        Role::Staff | Role::BranchManager => Scope::branches(own_branch),
        Role::RegionalManager => Scope::branches(region_branches.iter().cloned()),
        Role::Admin => Scope::All,
    }
}

/// Whether a user may file a complaint under `to` (`from` is `None`), or
/// move one from branch `from` to branch `to`. `to_exists`: whether `to` is
/// a branch the server knows. The caller has already made sure the user may
/// see `from`.
///
/// * Filing: only in a branch of the user's scope.
/// * Keeping the branch (`from == to`): always.
/// * Handing over to another branch: a branch manager to any existing branch
///   (the customer went to another dealer); a regional manager within their
///   region; an administrator to any existing branch; staff never (they ask
///   their branch manager).
pub fn check_branch_change(
    role: Role,
    scope: &Scope,
    from: Option<&str>,
    to: &str,
    to_exists: bool,
) -> Result<(), &'static str> {
    let Some(from) = from else {
        return if scope.allows(to) {
            Ok(())
        } else {
            Err("a complaint can only be filed under a branch of the user's scope")
        };
    };
    if from == to {
        return Ok(());
    }
    match role {
        Role::Staff => Err("staff cannot hand a complaint over to another branch"),
        Role::RegionalManager if !scope.allows(to) => {
            Err("a regional manager hands complaints over within their region only")
        }
        _ if !to_exists => Err("no such branch"),
        _ => Ok(()),
    }
}
