//! Roles and scopes (`complaints_domain::access`): codes, labels, and which
//! branches each role sees. Run with `cargo test -p complaints-domain --test access`.

use complaints_domain::access::{scope_of, Role, Scope};
use complaints_domain::{Labelled, Lang};

fn region() -> Vec<String> {
    vec!["SH01".to_owned(), "SH02".to_owned()]
}

#[test]
fn role_codes_round_trip_and_are_stable() {
    let codes: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(
        codes,
        ["staff", "branch_manager", "regional_manager", "admin"]
    );
    for role in Role::ALL {
        assert_eq!(Role::from_code(role.as_str()), Some(*role));
        let json = serde_json::to_string(role).unwrap();
        assert_eq!(json, format!("\"{}\"", role.as_str()));
        assert_eq!(serde_json::from_str::<Role>(&json).unwrap(), *role);
    }
    assert_eq!(Role::from_code("root"), None);
    assert_eq!(Role::from_code("Admin"), None);
}

#[test]
fn role_labels_in_both_languages() {
    assert_eq!(Role::Admin.label(Lang::En), "Administrator");
    assert_eq!(Role::Admin.label(Lang::Zh), "管理员");
    assert_eq!(Role::RegionalManager.label(Lang::Zh), "厂方售后区域经理");
    for role in Role::ALL {
        assert!(!role.label(Lang::Zh).is_empty());
        assert!(!role.label(Lang::En).is_empty());
        assert_ne!(role.label(Lang::Zh), role.label(Lang::En));
    }
}

#[test]
fn homes_by_role() {
    assert!(Role::Staff.needs_branch() && !Role::Staff.needs_region());
    assert!(Role::BranchManager.needs_branch() && !Role::BranchManager.needs_region());
    assert!(!Role::RegionalManager.needs_branch() && Role::RegionalManager.needs_region());
    assert!(!Role::Admin.needs_branch() && !Role::Admin.needs_region());
}

#[test]
fn staff_and_branch_managers_see_their_branch_only() {
    for role in [Role::Staff, Role::BranchManager] {
        let scope = scope_of(role, Some("BJ01"), &region());
        assert_eq!(scope, Scope::branches(["BJ01"]));
        assert!(scope.allows("BJ01"));
        assert!(!scope.allows("BJ02"));
        assert!(
            !scope.allows("SH01"),
            "region branches are ignored for {role:?}"
        );
        assert!(!scope.allows(""));
        assert!(!scope.allows("bj01"), "codes compare exactly");
        assert!(!scope.is_all());
    }
}

#[test]
fn a_user_without_a_branch_sees_nothing() {
    let scope = scope_of(Role::Staff, None, &region());
    assert_eq!(scope, Scope::branches(Vec::<String>::new()));
    assert!(!scope.allows("BJ01"));
    assert!(!scope.allows(""));
}

#[test]
fn regional_managers_see_exactly_their_region() {
    let scope = scope_of(Role::RegionalManager, Some("BJ01"), &region());
    assert_eq!(scope, Scope::branches(["SH02", "SH01"]));
    assert!(scope.allows("SH01"));
    assert!(scope.allows("SH02"));
    assert!(
        !scope.allows("BJ01"),
        "own branch is ignored for regional managers"
    );
    assert!(!scope.allows("SH03"));
    let empty = scope_of(Role::RegionalManager, None, &[]);
    assert!(!empty.allows("SH01"));
}

#[test]
fn admins_see_everything() {
    let scope = scope_of(Role::Admin, None, &[]);
    assert_eq!(scope, Scope::All);
    assert!(scope.is_all());
    assert!(scope.allows("BJ01"));
    assert!(scope.allows("ANY-FUTURE-BRANCH"));
}

#[test]
fn scope_json_shape() {
    assert_eq!(
        serde_json::to_value(Scope::All).unwrap(),
        serde_json::json!({"kind": "all"})
    );
    let scope = Scope::branches(["SH02", "SH01"]);
    let value = serde_json::to_value(&scope).unwrap();
    assert_eq!(
        value,
        serde_json::json!({"kind": "branches", "branches": ["SH01", "SH02"]})
    );
    assert_eq!(serde_json::from_value::<Scope>(value).unwrap(), scope);
}

#[test]
fn who_may_file_and_move_complaints() {
    use complaints_domain::access::check_branch_change as check;
    let bj01 = Scope::branches(["BJ01"]);
    let region = Scope::branches(["BJ01", "BJ02"]);
    // Filing: only in the scope, whatever the role.
    assert!(check(Role::Staff, &bj01, None, "BJ01", true).is_ok());
    assert!(check(Role::Staff, &bj01, None, "BJ02", true).is_err());
    assert!(check(Role::BranchManager, &bj01, None, "SH01", true).is_err());
    assert!(check(Role::RegionalManager, &region, None, "BJ02", true).is_ok());
    assert!(check(Role::RegionalManager, &region, None, "SH01", true).is_err());
    assert!(check(Role::Admin, &Scope::All, None, "NEW1", false).is_ok());
    // Keeping the branch is no move.
    assert!(check(Role::Staff, &bj01, Some("BJ01"), "BJ01", true).is_ok());
    // Moving.
    assert!(check(Role::Staff, &bj01, Some("BJ01"), "BJ02", true).is_err());
    assert!(check(Role::BranchManager, &bj01, Some("BJ01"), "SH01", true).is_ok());
    assert!(check(Role::BranchManager, &bj01, Some("BJ01"), "XX99", false).is_err());
    assert!(check(Role::RegionalManager, &region, Some("BJ01"), "BJ02", true).is_ok());
    assert!(check(Role::RegionalManager, &region, Some("BJ01"), "SH01", true).is_err());
    assert!(check(Role::Admin, &Scope::All, Some("BJ01"), "SH01", true).is_ok());
    assert!(check(Role::Admin, &Scope::All, Some("BJ01"), "XX99", false).is_err());
}
