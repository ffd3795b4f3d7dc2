//! Standard answers: ids and audiences, who reads and writes them, the
//! check every pushed change passes, and the offline search's matching and
//! ranking on Chinese and English queries.

use complaints_domain::access::{Role, Scope};
use complaints_domain::answers::{
    self, highlight, may_read, may_write, parse_id, record_id, Answer, AnswerIndex, AnswerQuery,
    Audience, Reader,
};
use complaints_domain::sync::{check_op, Hlc, RejectCode, Stamp};
use complaints_domain::Category;
use serde_json::json;

const NOW_MS: u64 = 1_800_000_000_000;

fn stamp(n: u64) -> Stamp {
    Stamp {
        op_id: format!("op{n:014}"),
        hlc: Hlc::new(1_790_000_000_000 + n, 0),
        device: "tab-a".into(),
        user: Some("wang.li".into()),
    }
}

fn answer(key: &str, title: &str, keywords: &[&str], text: &str) -> Answer {
    Answer {
        id: record_id(&Audience::All, key),
        title: title.into(),
        keywords: keywords.iter().map(|k| k.to_string()).collect(),
        answer: text.into(),
        author: "王丽".into(),
        editor: "王丽".into(),
        updated_at: "2026-11-30T09:00:00Z".into(),
        version: 1,
        ..Answer::default()
    }
}

/// The titles of the hits, best first.
fn found(answers: &[Answer], query: &AnswerQuery) -> Vec<String> {
    AnswerIndex::new(answers)
        .search(query)
        .into_iter()
        .map(|h| answers[h.index].title.clone())
        .collect()
}

fn text(q: &str) -> AnswerQuery {
    AnswerQuery {
        text: q.into(),
        ..AnswerQuery::default()
    }
}

fn library() -> Vec<Answer> {
    vec![
        answer(
            "ac",
            "空调不制冷",
            &["空调吹热风", "AC not cooling"],
            "先确认空调开关和温度设定，再检查冷媒。",
        ),
        answer(
            "brake-text",
            "保养后异响",
            &["底盘异响"],
            "如果刹车时有声音，请检查刹车片磨损。",
        ),
        answer(
            "brake",
            "高速制动时方向盘抖动",
            &["刹车抖动", "刹车时方向盘抖", "brake shudder"],
            "多为制动盘变形，需检查并成对更换制动盘和刹车片，不能只光盘。",
        ),
        answer(
            "tpms",
            "Tyre pressure warning light on",
            &["胎压灯亮", "TPMS"],
            "Check all four tyres cold, then reset the tyre pressure monitor.",
        ),
    ]
}

#[test]
fn a_partial_chinese_phrase_finds_the_answer_by_keyword_before_one_that_only_mentions_it() {
    let lib = library();
    // 刹车抖 is part of the keyword 刹车抖动; the other answer only has 刹车 in its text.
    assert_eq!(
        found(&lib, &text("刹车抖")),
        ["高速制动时方向盘抖动", "保养后异响"]
    );
    assert_eq!(found(&lib, &text("方向盘抖")), ["高速制动时方向盘抖动"]);
    assert_eq!(found(&lib, &text("空调")), ["空调不制冷"]);
    // Nothing shares even a character pair with the query.
    assert!(found(&lib, &text("发动机故障")).is_empty());
}

#[test]
fn chinese_terms_match_by_character_pairs_when_not_whole() {
    let lib = vec![
        answer("a", "刹车时有异响", &[], ""),
        answer("b", "车身异常", &[], ""),
    ];
    // 刹车异响: 刹车 and 异响 are in the first title (2 of its 3 pairs);
    // 车身异常 holds none of 刹车, 车异, 异响.
    assert_eq!(found(&lib, &text("刹车异响")), ["刹车时有异响"]);
    // One pair of three (刹车) is not enough.
    assert!(found(&lib, &text("刹车声响")).is_empty());
}

#[test]
fn english_words_match_as_prefixes_in_any_case_and_every_word_must_match() {
    let lib = library();
    assert_eq!(found(&lib, &text("brake shud")), ["高速制动时方向盘抖动"]);
    assert_eq!(
        found(&lib, &text("TYRE press")),
        ["Tyre pressure warning light on"]
    );
    // A prefix, not any substring: "ressure" is inside a word.
    assert!(found(&lib, &text("ressure")).is_empty());
    // Every word: "brake" matches, "cooling" belongs to another answer.
    assert!(found(&lib, &text("brake cooling")).is_empty());
    // Mixed: a Chinese and an English term.
    assert_eq!(
        found(&lib, &text("胎压 tpms")),
        ["Tyre pressure warning light on"]
    );
}

#[test]
fn title_ranks_before_keywords_before_text() {
    let lib = vec![
        answer("text", "其他问题", &[], "可能是雨刮器老化"),
        answer("keyword", "视线不清", &["雨刮器异响"], ""),
        answer("title", "雨刮器刮不干净", &[], ""),
    ];
    assert_eq!(
        found(&lib, &text("雨刮器")),
        ["雨刮器刮不干净", "视线不清", "其他问题"]
    );
    let lib = vec![
        answer("text", "Other", &[], "the wiper blade may be worn"),
        answer("keyword", "Poor view", &["wiper noise"], ""),
        answer("title", "Wiper leaves streaks", &[], ""),
    ];
    assert_eq!(
        found(&lib, &text("wiper")),
        ["Wiper leaves streaks", "Poor view", "Other"]
    );
}

#[test]
fn filters_by_category_and_model_and_an_empty_query_lists_all_that_pass() {
    let mut lib = library();
    lib[0].category = Some(Category::Quality);
    lib[0].models = vec!["Sagitar".into()];
    lib[2].category = Some(Category::Quality);
    lib[3].category = Some(Category::Service);
    let query = AnswerQuery {
        category: Some(Category::Quality),
        ..AnswerQuery::default()
    };
    // lib[1] has no category: it applies to any.
    assert_eq!(
        found(&lib, &query),
        ["空调不制冷", "保养后异响", "高速制动时方向盘抖动"]
    );
    let query = AnswerQuery {
        category: Some(Category::Quality),
        model: Some("magotan".into()),
        ..AnswerQuery::default()
    };
    // The air-con answer is for the Sagitar only; the others for every model.
    assert_eq!(found(&lib, &query), ["保养后异响", "高速制动时方向盘抖动"]);
}

#[test]
fn hits_mark_where_the_title_and_text_matched() {
    let lib = library();
    let hits = AnswerIndex::new(&lib).search(&text("刹车片 方向盘"));
    let brake = &lib[hits[0].index];
    assert_eq!(brake.title, "高速制动时方向盘抖动");
    assert_eq!(
        highlight(&brake.title, &hits[0].title_marks),
        [(false, "高速制动时"), (true, "方向盘"), (false, "抖动")]
    );
    let marked: Vec<&str> = highlight(&brake.answer, &hits[0].answer_marks)
        .into_iter()
        .filter(|(m, _)| *m)
        .map(|(_, s)| s)
        .collect();
    assert_eq!(marked, ["刹车片"]);
    // English marks keep the original case.
    let hits = AnswerIndex::new(&lib).search(&text("tyre"));
    let tpms = &lib[hits[0].index];
    assert_eq!(
        highlight(&tpms.title, &hits[0].title_marks),
        [(true, "Tyre"), (false, " pressure warning light on")]
    );
}

#[test]
fn ids_name_the_audience_and_refuse_anything_else() {
    for (audience, id) in [
        (Audience::All, "ans:all:brake-01"),
        (Audience::Region("EAST".into()), "ans:region:EAST:brake-01"),
        (Audience::Branch("BJ01".into()), "ans:branch:BJ01:brake-01"),
    ] {
        assert_eq!(record_id(&audience, "brake-01"), id);
        assert_eq!(parse_id(id), Some((audience, "brake-01")));
        assert!(answers::is_answer(id));
    }
    let long = format!("ans:all:{}", "k".repeat(41));
    for bad in [
        "ans:all:",
        "ans:all:a:b",
        "ans:region::k",
        "ans:branch:BJ01",
        "ans:team:X:k",
        "ans:all:with space",
        "ans:all:键",
        long.as_str(),
        "pdca:BJ01:handling:2026-11",
    ] {
        assert_eq!(parse_id(bad), None, "{bad}");
    }
}

/// A user as the answers' rules see them.
fn reader<'a>(role: Role, region: Option<&'a str>, scope: &'a Scope) -> Reader<'a> {
    Reader {
        role,
        region,
        scope,
    }
}

#[test]
fn a_regions_answer_reaches_its_branches_and_no_other() {
    let bj01 = Scope::branches(["BJ01"]);
    let sh01 = Scope::branches(["SH01"]);
    let east = Scope::branches(["BJ01", "BJ02"]);
    let staff_bj01 = reader(Role::Staff, Some("EAST"), &bj01);
    let staff_sh01 = reader(Role::Staff, Some("WEST"), &sh01);
    let east_manager = reader(Role::RegionalManager, Some("EAST"), &east);
    let admin = reader(Role::Admin, None, &Scope::All);
    let region = Audience::Region("EAST".into());
    let branch = Audience::Branch("BJ02".into());
    assert!(may_read(&staff_bj01, &region));
    assert!(!may_read(&staff_sh01, &region));
    assert!(may_read(&east_manager, &region));
    assert!(may_read(&admin, &region));
    assert!(
        !may_read(&staff_bj01, &branch),
        "another branch of the same region"
    );
    assert!(may_read(&east_manager, &branch));
    for reader in [&staff_bj01, &staff_sh01, &east_manager, &admin] {
        assert!(may_read(reader, &Audience::All));
    }
    // The server files answers under keys a scoped pull selects: a reader's
    // branches and their reader keys cover exactly what they may read.
    let keys = |r: &Reader| -> Vec<String> {
        let mut keys = answers::reader_keys(r.region);
        if let Scope::Branches { branches } = r.scope {
            keys.extend(branches.iter().cloned());
        }
        keys
    };
    for reader in [&staff_bj01, &staff_sh01, &east_manager] {
        for audience in [
            Audience::All,
            region.clone(),
            Audience::Region("WEST".into()),
            branch.clone(),
            Audience::Branch("BJ01".into()),
            Audience::Branch("SH01".into()),
        ] {
            assert_eq!(
                keys(reader).contains(&answers::scope_key(&audience)),
                may_read(reader, &audience),
                "{reader:?} {audience:?}"
            );
        }
    }
}

#[test]
fn managers_write_for_their_scope_and_staff_only_read() {
    let bj01 = Scope::branches(["BJ01"]);
    let east = Scope::branches(["BJ01", "BJ02"]);
    let staff = reader(Role::Staff, Some("EAST"), &bj01);
    let manager = Reader {
        role: Role::BranchManager,
        ..staff.clone()
    };
    let regional = reader(Role::RegionalManager, Some("EAST"), &east);
    let admin = reader(Role::Admin, None, &Scope::All);
    let bj01 = Audience::Branch("BJ01".into());
    let sh01 = Audience::Branch("SH01".into());
    let east_region = Audience::Region("EAST".into());
    let cases = [
        (&staff, &bj01, false),
        (&staff, &Audience::All, false),
        (&manager, &bj01, true),
        (&manager, &sh01, false),
        (&manager, &east_region, false),
        (&manager, &Audience::All, false),
        (&regional, &bj01, true),
        (&regional, &sh01, false),
        (&regional, &east_region, true),
        (&regional, &Audience::Region("WEST".into()), false),
        (&regional, &Audience::All, false),
        (&admin, &Audience::All, true),
        (&admin, &sh01, true),
    ];
    for (reader, audience, allowed) in cases {
        assert_eq!(
            may_write(reader, audience),
            allowed,
            "{:?} writing for {audience:?}",
            reader.role
        );
    }
}

#[test]
fn a_new_answer_is_accepted_and_an_edit_sends_only_what_changed() {
    let mut a = library().remove(2);
    a.category = Some(Category::Quality);
    a.steps = vec!["请客户低速轻踩刹车，确认是否抖动".into()];
    let created = answers::change(None, &a, "2026-11-30T09:00:00Z", stamp(1)).unwrap();
    assert_eq!(created.set.len(), 11, "every field and created_at");
    let state = check_op(None, &created, NOW_MS).expect("creation accepted");
    assert_eq!(Answer::from_state(&state).as_ref(), Some(&a));

    let mut edited = a.clone();
    edited.answer.push_str("更换后路试确认。");
    edited.editor = "李强".into();
    edited.version = 2;
    edited.updated_at = "2026-12-01T08:00:00Z".into();
    let op = answers::change(Some(&state), &edited, "", stamp(2)).unwrap();
    let mut keys: Vec<&str> = op.set.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["answer", "editor", "updated_at", "version"]);
    let state = check_op(Some(&state), &op, NOW_MS).expect("edit accepted");
    assert_eq!(Answer::from_state(&state), Some(edited.clone()));
    assert_eq!(answers::change(Some(&state), &edited, "", stamp(3)), None);
}

#[test]
fn check_op_refuses_every_bad_field_with_its_name() {
    let a = library().remove(0);
    let good = answers::change(None, &a, "2026-11-30T09:00:00Z", stamp(1)).unwrap();
    let state = check_op(None, &good, NOW_MS).unwrap();
    let many = |n: usize, len: usize| json!(vec!["字".repeat(len); n]);
    let cases = [
        ("title", json!(""), RejectCode::InvalidValue),
        ("title", json!("题".repeat(121)), RejectCode::InvalidValue),
        ("title", json!(7), RejectCode::InvalidValue),
        ("answer", json!("答".repeat(4001)), RejectCode::InvalidValue),
        ("keywords", many(21, 2), RejectCode::InvalidValue),
        ("keywords", many(1, 41), RejectCode::InvalidValue),
        ("keywords", json!(["  "]), RejectCode::InvalidValue),
        ("keywords", json!("刹车"), RejectCode::InvalidValue),
        ("steps", many(16, 2), RejectCode::InvalidValue),
        ("steps", many(1, 301), RejectCode::InvalidValue),
        ("models", many(21, 2), RejectCode::InvalidValue),
        ("models", json!([1]), RejectCode::InvalidValue),
        ("category", json!("XX"), RejectCode::InvalidValue),
        ("author", json!(""), RejectCode::InvalidValue),
        ("editor", json!("名".repeat(101)), RejectCode::InvalidValue),
        ("updated_at", json!("yesterday"), RejectCode::InvalidValue),
        ("version", json!(0), RejectCode::InvalidValue),
        ("version", json!(1.5), RejectCode::InvalidValue),
        ("version", json!(-1), RejectCode::InvalidValue),
        ("status", json!("closed"), RejectCode::UnknownField),
        ("branch_code", json!("BJ01"), RejectCode::UnknownField),
    ];
    for (field, value, code) in cases {
        let mut op = good.clone();
        op.set = [(field.to_string(), value.clone())].into();
        op.base.clear();
        let r = check_op(Some(&state), &op, NOW_MS).expect_err(field);
        assert_eq!(
            (r.code, r.field.as_deref()),
            (code, Some(field)),
            "{field} = {value}"
        );
    }
    // A creation without its title.
    let mut op = good.clone();
    op.set.remove("title");
    let r = check_op(None, &op, NOW_MS).expect_err("incomplete");
    assert_eq!(
        (r.code, r.field.as_deref()),
        (RejectCode::IncompleteRecord, Some("title"))
    );
    // An id that names no audience.
    let mut op = good;
    op.record = "ans:team:X:k".into();
    let r = check_op(None, &op, NOW_MS).expect_err("bad id");
    assert_eq!(r.code, RejectCode::Malformed);
}

/// The titles `suggest` offers for a complaint's words, best first.
fn suggested(answers: &[Answer], words: &str, category: Option<Category>) -> Vec<String> {
    AnswerIndex::new(answers)
        .suggest(words, category, 3)
        .into_iter()
        .map(|h| answers[h.index].title.clone())
        .collect()
}

#[test]
fn a_complaint_suggests_the_answers_whose_keywords_its_words_contain() {
    let mut lib = library();
    lib[2].category = Some(Category::Quality);
    lib[0].category = Some(Category::Quality);
    // The customer's words hold the keyword 刹车抖动 (whole) and most of 刹车时方向盘抖.
    let words = "客户反映高速上刹车抖动很厉害，刹车时方向盘抖得握不住，要求更换。";
    assert_eq!(
        suggested(&lib, words, Some(Category::Quality)),
        ["高速制动时方向盘抖动"]
    );
    // English words find the English keyword.
    assert_eq!(
        suggested(
            &lib,
            "Customer says the TPMS light stays on after inflating",
            None
        ),
        ["Tyre pressure warning light on"]
    );
    // An answer of another category is not offered.
    assert!(suggested(&lib, words, Some(Category::Sales)).is_empty());
    // Words that hold no keyword suggest nothing (a shared character is not enough).
    assert!(suggested(&lib, "销售顾问承诺的赠品没有兑现", None).is_empty());
}

#[test]
fn the_complaints_own_category_ranks_first_and_at_most_the_asked_number_come_back() {
    let mut lib = vec![
        answer("a", "空调异味", &["空调有异味"], "清洗蒸发箱。"),
        answer("b", "空调不制冷", &["空调不凉"], "检查冷媒。"),
        answer("c", "空调噪音", &["空调有异响"], "检查鼓风机。"),
        answer("d", "空调滤芯", &["空调有异味"], "更换滤芯。"),
    ];
    lib[3].category = Some(Category::Parts);
    let words = "空调有异味，空调不凉，空调有异响";
    let all = AnswerIndex::new(&lib).suggest(words, None, 10);
    assert_eq!(all.len(), 4);
    // Of equal matches the one of the complaint's category comes first.
    assert_eq!(suggested(&lib, words, Some(Category::Parts))[0], "空调滤芯");
    assert_eq!(AnswerIndex::new(&lib).suggest(words, None, 2).len(), 2);
}

#[test]
fn a_used_answer_is_a_timeline_entry_naming_it_and_its_version_and_is_counted() {
    use complaints_domain::fixtures;
    use complaints_domain::handling::{add_entry, Actor, EntryKind};
    let mut brake = library()[2].clone();
    brake.version = 3;
    let actor = Actor {
        name: "张伟".into(),
        device: "tab-a".into(),
    };
    let received = chrono::DateTime::parse_from_rfc3339("2026-11-23T09:00:00Z")
        .unwrap()
        .to_utc();
    let c = fixtures::worked_example("c-1", received);
    let at = c.received_at + chrono::Duration::hours(1);
    let entry = answers::usage_entry(&brake, "e-1".into(), &actor, at);
    assert_eq!(entry.kind, EntryKind::Answer);
    assert_eq!(entry.answer.as_deref(), Some("ans:all:brake"));
    assert_eq!(entry.version, Some(3));
    assert_eq!(entry.text, "高速制动时方向盘抖动");
    let once = add_entry(&c, entry.clone()).unwrap();
    let mut again = entry.clone();
    again.id = "e-2".into();
    let twice = add_entry(&once, again).unwrap();
    let other = add_entry(
        &fixtures::worked_example("c-2", received),
        answers::usage_entry(&library()[0], "e-3".into(), &actor, at),
    )
    .unwrap();
    let counts = answers::usage_counts(&[twice, other, c]);
    assert_eq!(counts.get("ans:all:brake"), Some(&2));
    assert_eq!(counts.get("ans:all:ac"), Some(&1));
    assert_eq!(counts.len(), 2);
    // An entry that names no answer, or a malformed id, is refused.
    let mut unnamed = entry.clone();
    unnamed.answer = None;
    assert!(add_entry(&once, unnamed).is_err());
    let mut bad = entry;
    bad.answer = Some("c-1".into());
    assert!(add_entry(&once, bad).is_err());
}

#[test]
fn an_edit_keeps_what_another_manager_changed_meanwhile_and_check_names_the_bad_field() {
    let opened = library()[2].clone();
    let mut mine = opened.clone();
    mine.title = "高速刹车方向盘抖动".into();
    let mut theirs = opened.clone();
    theirs.answer = "先路试确认，再测量制动盘跳动量。".into();
    theirs.version = 2;
    let saved = mine.rebase(&opened, &theirs);
    assert_eq!(saved.title, "高速刹车方向盘抖动");
    assert_eq!(saved.answer, theirs.answer);
    assert_eq!(saved.version, 2);
    assert!(saved.check().is_ok());
    let mut bad = saved.clone();
    bad.keywords.push(" ".into());
    assert_eq!(bad.check().unwrap_err().field.as_deref(), Some("keywords"));
    let mut bad = saved;
    bad.title = "题".repeat(answers::MAX_TITLE + 1);
    assert_eq!(bad.check().unwrap_err().field.as_deref(), Some("title"));
    // The editor's own fields only: an answer not yet stamped passes.
    let mut fresh = library()[0].clone();
    fresh.author.clear();
    fresh.editor.clear();
    fresh.version = 0;
    assert!(fresh.check().is_ok());
}

#[test]
fn a_keyword_that_matched_is_marked_too() {
    let lib = library();
    let hits = AnswerIndex::new(&lib).search(&text("刹车抖"));
    let brake = &lib[hits[0].index];
    assert_eq!(brake.title, "高速制动时方向盘抖动");
    // 刹车抖动 and 刹车时方向盘抖 hold the term, "brake shudder" does not.
    let marked: Vec<Vec<&str>> = brake
        .keywords
        .iter()
        .zip(&hits[0].keyword_marks)
        .map(|(k, m)| {
            highlight(k, m)
                .into_iter()
                .filter(|(on, _)| *on)
                .map(|(_, t)| t)
                .collect()
        })
        .collect();
    assert_eq!(marked[0], ["刹车抖"]);
    assert!(!marked[1].is_empty());
    assert!(marked[2].is_empty());
}
