//! The device's sign-in session (`complaints_domain::session`): when it
//! expires offline, whose data the device holds, where a new complaint
//! starts, and the words the sign-in page uses. Run with
//! `cargo test -p complaints-domain --test session`.

use chrono::{DateTime, Utc};
use complaints_domain::access::{Role, Scope};
use complaints_domain::session::{
    data_owner, intake_draft_key, other_user_warning, sign_out_warning, unkeyed_draft_owner, wait,
    DataOwner, Session, SignInNotice, Validity, UNKEYED_INTAKE_DRAFT,
};
use complaints_domain::Lang;

fn at(text: &str) -> DateTime<Utc> {
    complaints_domain::timefmt::rfc3339::parse(text).expect("a valid time")
}

fn ms(text: &str) -> i64 {
    at(text).timestamp_millis()
}

/// The login answer as the server sends it.
fn login_json(role: &str, branch: Option<&str>, region: Option<&str>, scope: &str) -> String {
    let opt = |v: Option<&str>| v.map_or("null".to_string(), |v| format!("\"{v}\""));
    format!(
        r#"{{"token":"tok","expires_at":"2026-12-07T09:00:00Z","user":{{"username":"zhang.wei","display_name":"张伟","role":"{role}","branch_code":{},"region_code":{}}},"scope":{scope},"server_time":"2026-11-23T09:00:00Z"}}"#,
        opt(branch),
        opt(region)
    )
}

fn staff() -> Session {
    serde_json::from_str(&login_json(
        "staff",
        Some("BJ01"),
        None,
        r#"{"kind":"branches","branches":["BJ01"]}"#,
    ))
    .expect("the login answer reads")
}

mod wire {
    use super::*;

    #[test]
    fn the_login_answer_reads_with_user_scope_and_times() {
        let s = staff();
        assert_eq!(s.token, "tok");
        assert_eq!(s.expires_at, at("2026-12-07T09:00:00Z"));
        assert_eq!(s.server_time, at("2026-11-23T09:00:00Z"));
        assert_eq!(s.user.role, Role::Staff);
        assert_eq!(s.user.branch_code.as_deref(), Some("BJ01"));
        assert_eq!(s.scope.scope(), Scope::branches(["BJ01"]));
    }

    #[test]
    fn an_admin_has_every_branch_and_a_regional_manager_their_region() {
        let admin: Session =
            serde_json::from_str(&login_json("admin", None, None, r#"{"kind":"all"}"#)).unwrap();
        assert_eq!(admin.scope.scope(), Scope::All);
        let regional: Session = serde_json::from_str(&login_json(
            "regional_manager",
            None,
            Some("HB"),
            r#"{"kind":"branches","branches":["BJ02","BJ01"]}"#,
        ))
        .unwrap();
        assert_eq!(regional.scope.scope(), Scope::branches(["BJ01", "BJ02"]));
    }

    #[test]
    fn an_unknown_scope_kind_allows_nothing() {
        let odd: Session = serde_json::from_str(&login_json(
            "staff",
            None,
            None,
            r#"{"kind":"galaxy","branches":["BJ01"]}"#,
        ))
        .unwrap();
        assert!(!odd.scope.scope().allows("BJ01"));
        assert!(!odd.scope.allows("BJ01"));
    }

    #[test]
    fn allows_agrees_with_the_scope_it_describes() {
        for s in [
            staff(),
            serde_json::from_str(&login_json("admin", None, None, r#"{"kind":"all"}"#)).unwrap(),
        ] {
            for code in ["BJ01", "BJ02", "SH01", ""] {
                assert_eq!(s.scope.allows(code), s.scope.scope().allows(code), "{code}");
            }
        }
    }

    #[test]
    fn a_kept_session_reads_back_the_same() {
        let s = staff();
        let text = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<Session>(&text).unwrap(), s);
    }

    #[test]
    fn an_answer_without_a_token_is_refused() {
        let text = login_json("staff", Some("BJ01"), None, r#"{"kind":"all"}"#)
            .replace(r#""token":"tok","#, "");
        assert!(serde_json::from_str::<Session>(&text).is_err());
    }
}

mod expiry {
    use super::*;

    const EXPIRES: &str = "2026-12-07T09:00:00Z";

    #[test]
    fn valid_until_the_second_it_expires_then_expired_like_the_server() {
        let s = staff();
        assert_eq!(
            s.validity(ms("2026-12-07T08:59:59Z"), 0, 0),
            Validity::Valid { left_ms: 1000 }
        );
        assert_eq!(
            s.validity(ms(EXPIRES) - 1, 0, 0),
            Validity::Valid { left_ms: 1 }
        );
        assert_eq!(s.validity(ms(EXPIRES), 0, 0), Validity::Expired);
        assert_eq!(
            s.validity(ms("2027-01-01T00:00:00Z"), 0, 0),
            Validity::Expired
        );
    }

    #[test]
    fn fourteen_days_offline_after_signing_in() {
        let s = staff();
        let signed_in = ms("2026-11-23T09:00:00Z");
        let day = 24 * 3600 * 1000;
        assert!(matches!(
            s.validity(signed_in + 13 * day, 0, 0),
            Validity::Valid { .. }
        ));
        assert_eq!(s.validity(signed_in + 14 * day, 0, 0), Validity::Expired);
    }

    #[test]
    fn a_tablet_clock_running_slow_is_corrected_by_the_server_offset() {
        // The tablet's clock is 2 hours behind: by its own clock it is an
        // hour before expiry, by the server's an hour after.
        let s = staff();
        let device = ms("2026-12-07T08:00:00Z");
        assert!(matches!(s.validity(device, 0, 0), Validity::Valid { .. }));
        assert_eq!(s.validity(device, 2 * 3600 * 1000, 0), Validity::Expired);
    }

    #[test]
    fn a_tablet_clock_running_fast_does_not_end_the_session_early() {
        let s = staff();
        let device = ms("2026-12-07T10:00:00Z"); // 2 h fast
        assert_eq!(s.validity(device, 0, 0), Validity::Expired);
        assert_eq!(
            s.validity(device, -2 * 3600 * 1000, 0),
            Validity::Valid {
                left_ms: 3600 * 1000
            }
        );
    }

    #[test]
    fn setting_the_clock_back_does_not_bring_an_expired_session_back() {
        let s = staff();
        let seen = ms("2026-12-07T09:30:00Z");
        let set_back = ms("2026-12-01T09:00:00Z");
        assert_eq!(s.validity(set_back, 0, seen), Validity::Expired);
        // A high-water mark before expiry changes nothing.
        assert!(matches!(
            s.validity(set_back, 0, ms("2026-11-30T00:00:00Z")),
            Validity::Valid { .. }
        ));
    }

    #[test]
    fn extreme_clock_values_do_not_overflow() {
        let s = staff();
        assert_eq!(s.validity(i64::MAX, i64::MAX, 0), Validity::Expired);
        assert!(matches!(
            s.validity(i64::MIN, i64::MIN, 0),
            Validity::Valid { .. }
        ));
    }
}

mod owner {
    use super::*;

    #[test]
    fn the_same_user_keeps_their_data() {
        assert_eq!(
            data_owner(Some("zhang.wei"), "zhang.wei", true),
            DataOwner::Keep
        );
    }

    #[test]
    fn another_user_is_asked_before_anything_is_mixed() {
        assert_eq!(
            data_owner(Some("zhang.wei"), "li.na", true),
            DataOwner::Other("zhang.wei".into())
        );
    }

    #[test]
    fn usernames_are_compared_exactly_like_the_server() {
        assert_eq!(
            data_owner(Some("zhang.wei"), "Zhang.Wei", true),
            DataOwner::Other("zhang.wei".into())
        );
    }

    #[test]
    fn a_fresh_or_empty_device_and_data_from_before_sign_in_are_kept() {
        assert_eq!(data_owner(None, "li.na", false), DataOwner::Keep);
        assert_eq!(data_owner(None, "li.na", true), DataOwner::Keep);
        assert_eq!(
            data_owner(Some("zhang.wei"), "li.na", false),
            DataOwner::Keep
        );
    }
}

mod intake {
    use super::*;

    #[test]
    fn an_intake_draft_belongs_to_the_user_who_typed_it() {
        let mine = intake_draft_key("zhang.wei");
        assert_ne!(mine, intake_draft_key("li.na"));
        assert_ne!(
            mine,
            intake_draft_key("Zhang.Wei"),
            "usernames exactly, like the server"
        );
        assert_ne!(mine, UNKEYED_INTAKE_DRAFT);
        assert_eq!(mine, intake_draft_key("zhang.wei"));
    }

    #[test]
    fn an_unkeyed_draft_goes_to_the_devices_owner_or_to_nobody() {
        assert_eq!(
            unkeyed_draft_owner(Some("zhang.wei")),
            Some(intake_draft_key("zhang.wei"))
        );
        assert_eq!(unkeyed_draft_owner(None), None);
        assert_eq!(unkeyed_draft_owner(Some("")), None);
    }

    #[test]
    fn staff_and_branch_managers_start_in_their_own_branch() {
        let s = staff();
        assert_eq!(s.intake_branch(""), Some("BJ01".into()));
        assert_eq!(s.intake_branch("SH01"), Some("BJ01".into()));
    }

    #[test]
    fn a_regional_manager_starts_in_the_remembered_branch_when_in_their_region() {
        let s: Session = serde_json::from_str(&login_json(
            "regional_manager",
            None,
            Some("HB"),
            r#"{"kind":"branches","branches":["BJ01","BJ02"]}"#,
        ))
        .unwrap();
        assert_eq!(s.intake_branch("BJ02"), Some("BJ02".into()));
        assert_eq!(s.intake_branch("SH01"), None);
        assert_eq!(s.intake_branch(""), None);
    }

    #[test]
    fn a_region_of_one_branch_starts_there() {
        let s: Session = serde_json::from_str(&login_json(
            "regional_manager",
            None,
            Some("HD"),
            r#"{"kind":"branches","branches":["SH01"]}"#,
        ))
        .unwrap();
        assert_eq!(s.intake_branch(""), Some("SH01".into()));
        assert_eq!(s.intake_branch("BJ01"), Some("SH01".into()));
    }

    #[test]
    fn an_admin_starts_where_the_device_last_filed() {
        let s: Session =
            serde_json::from_str(&login_json("admin", None, None, r#"{"kind":"all"}"#)).unwrap();
        assert_eq!(s.intake_branch("GZ03"), Some("GZ03".into()));
        assert_eq!(s.intake_branch(""), None);
    }

    #[test]
    fn the_user_is_described_with_name_role_and_home() {
        let s = staff();
        assert_eq!(s.user.describe(Lang::Zh), "张伟 · 服务人员/服务顾问 · BJ01");
        assert_eq!(s.user.describe(Lang::En), "张伟 · Staff · BJ01");
    }
}

mod words {
    use super::*;

    #[test]
    fn the_auth_codes_of_a_401_end_the_session_and_nothing_else_does() {
        assert_eq!(
            SignInNotice::from_auth_code("token_expired"),
            Some(SignInNotice::Expired)
        );
        for code in ["token_revoked", "unauthenticated", "wrong_device"] {
            assert_eq!(
                SignInNotice::from_auth_code(code),
                Some(SignInNotice::Ended)
            );
        }
        for code in [
            "bad_credentials",
            "rate_limited",
            "forbidden",
            "bad_request",
            "",
        ] {
            assert_eq!(SignInNotice::from_auth_code(code), None, "{code}");
        }
    }

    #[test]
    fn every_notice_speaks_both_languages() {
        let all = [
            SignInNotice::BadCredentials,
            SignInNotice::RateLimited { retry_after_s: 90 },
            SignInNotice::Busy,
            SignInNotice::DeviceTaken,
            SignInNotice::Offline,
            SignInNotice::Server(500),
            SignInNotice::Storage,
            SignInNotice::Expired,
            SignInNotice::Ended,
            SignInNotice::SignedOut,
        ];
        for n in all {
            let (zh, en) = (n.message(Lang::Zh), n.message(Lang::En));
            assert!(!zh.is_empty() && !en.is_empty());
            assert_ne!(zh, en);
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{zh}"
            );
            assert!(en.is_ascii(), "{en}");
        }
    }

    #[test]
    fn failures_are_errors_and_session_states_are_not() {
        assert!(SignInNotice::BadCredentials.is_error());
        assert!(SignInNotice::Offline.is_error());
        assert!(!SignInNotice::Expired.is_error());
        assert!(!SignInNotice::SignedOut.is_error());
    }

    #[test]
    fn the_rate_limit_says_how_long_to_wait() {
        let n = SignInNotice::RateLimited { retry_after_s: 600 };
        assert_eq!(n.message(Lang::Zh), "登录失败次数过多，请在 10 分钟后再试");
        assert_eq!(
            n.message(Lang::En),
            "Too many failed sign-ins; try again in 10 minutes"
        );
    }

    #[test]
    fn a_busy_server_reads_like_a_rate_limit_not_a_fault() {
        let busy = SignInNotice::Busy;
        assert_eq!(busy.message(Lang::Zh), "服务器繁忙，请稍后再试");
        assert_eq!(
            busy.message(Lang::En),
            "The server is busy; try again in a moment"
        );
        assert!(busy.is_error(), "shown where sign-in errors are");
        assert!(!busy.message(Lang::Zh).contains("出错"));
    }

    #[test]
    fn waits_round_up_to_whole_minutes_from_one_minute_on() {
        assert_eq!(wait(0, Lang::En), "1 second");
        assert_eq!(wait(40, Lang::En), "40 seconds");
        assert_eq!(wait(40, Lang::Zh), " 40 秒");
        assert_eq!(wait(60, Lang::En), "1 minute");
        assert_eq!(wait(61, Lang::En), "2 minutes");
        assert_eq!(wait(899, Lang::Zh), " 15 分钟");
    }

    #[test]
    fn offline_sign_in_says_the_first_sign_in_needs_the_network() {
        assert!(SignInNotice::Offline
            .message(Lang::En)
            .contains("first sign-in on a device needs a network connection"));
        let zh = SignInNotice::Offline.message(Lang::Zh);
        assert!(
            zh.contains("首次登录") && zh.contains("需要网络连接"),
            "{zh}"
        );
        assert!(SignInNotice::Offline
            .message(Lang::En)
            .contains("signing in again after the session expired"));
    }

    #[test]
    fn expiry_says_the_data_is_kept() {
        assert!(SignInNotice::Expired.message(Lang::Zh).contains("已过期"));
        assert!(SignInNotice::Expired.message(Lang::Zh).contains("保留"));
        assert!(SignInNotice::Expired.message(Lang::En).contains("expired"));
        assert!(SignInNotice::Expired.message(Lang::En).contains("kept"));
    }

    #[test]
    fn warnings_name_the_count_of_changes_that_would_be_lost() {
        assert!(sign_out_warning(3, Lang::Zh).contains("有 3 条修改尚未发送"));
        assert!(sign_out_warning(3, Lang::En).starts_with("3 change(s) have not reached"));
        let w = other_user_warning("zhang.wei", "li.na", 2, Lang::Zh);
        assert!(w.contains("zhang.wei") && w.contains("li.na") && w.contains("2 条修改"));
        let w = other_user_warning("zhang.wei", "li.na", 2, Lang::En);
        assert!(w.contains("zhang.wei") && w.contains("li.na") && w.contains("2 change(s)"));
    }
}

/// `Session::from_json`, the app's reader, agrees with the derived one.
mod by_hand {
    use super::*;

    fn both(json: &str) -> (Option<Session>, Option<Session>) {
        let value: serde_json::Value = serde_json::from_str(json).expect("JSON");
        (Session::from_json(&value), serde_json::from_str(json).ok())
    }

    #[test]
    fn reads_every_kind_of_user_and_scope_like_the_derive() {
        for json in [
            login_json(
                "staff",
                Some("BJ01"),
                None,
                r#"{"kind":"branches","branches":["BJ01"]}"#,
            ),
            login_json("admin", None, None, r#"{"kind":"all"}"#),
            login_json(
                "regional_manager",
                None,
                Some("HB"),
                r#"{"kind":"branches","branches":["BJ01","BJ02"]}"#,
            ),
            login_json(
                "branch_manager",
                Some("BJ01"),
                None,
                r#"{"kind":"branches","branches":[]}"#,
            ),
        ] {
            let (by_hand, derived) = both(&json);
            assert!(by_hand.is_some(), "{json}");
            assert_eq!(by_hand, derived, "{json}");
        }
    }

    #[test]
    fn a_kept_session_reads_back() {
        let s = staff();
        let value = serde_json::to_value(&s).unwrap();
        assert_eq!(Session::from_json(&value), Some(s));
    }

    #[test]
    fn anything_missing_or_malformed_is_no_session() {
        let good = login_json(
            "staff",
            Some("BJ01"),
            None,
            r#"{"kind":"branches","branches":["BJ01"]}"#,
        );
        for (from, to) in [
            (r#""token":"tok","#, ""),
            (r#""role":"staff""#, r#""role":"boss""#),
            (
                r#""expires_at":"2026-12-07T09:00:00Z""#,
                r#""expires_at":"next week""#,
            ),
            (
                r#""server_time":"2026-11-23T09:00:00Z""#,
                r#""server_time":5"#,
            ),
            (r#""display_name":"张伟","#, ""),
            (r#""branches":["BJ01"]"#, r#""branches":[1]"#),
            (r#""kind":"branches","#, ""),
        ] {
            let json = good.replacen(from, to, 1);
            assert_ne!(json, good, "{from} is in the sample");
            let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
            assert_eq!(Session::from_json(&value), None, "{json}");
        }
        assert_eq!(Session::from_json(&serde_json::Value::Null), None);
    }
}
