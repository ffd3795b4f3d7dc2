//! The major-complaint warning rules (`complaints_domain::risk`): every rule,
//! every boundary, keywords in both languages, and the worked example of the
//! source documents. Every test asserts concrete rules, fields and details.
//! Run with `cargo test -p complaints-domain --test risk`.

use chrono::{FixedOffset, NaiveDate, TimeZone, Utc};
use complaints_domain::fixtures::worked_example;
use complaints_domain::risk::{
    march_15_window, warnings, MarketingEvent, ModelLaunch, RiskConfig, RiskInput, Rule, RuleGroup,
    Warning,
};
use complaints_domain::{Channel, Cny, Field, Labelled, Lang, Nature};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// The rules that warn, in order.
fn rules(input: &RiskInput, config: &RiskConfig) -> Vec<Rule> {
    warnings(input, config)
        .into_iter()
        .map(|w| w.rule)
        .collect()
}

/// The warning for `rule`, if any (with no configuration).
fn warning(input: &RiskInput, rule: Rule) -> Option<Warning> {
    warning_with(input, &RiskConfig::default(), rule)
}

fn warning_with(input: &RiskInput, config: &RiskConfig, rule: Rule) -> Option<Warning> {
    let all = warnings(input, config);
    assert!(
        all.iter().filter(|w| w.rule == rule).count() <= 1,
        "at most one warning per rule: {all:?}"
    );
    all.into_iter().find(|w| w.rule == rule)
}

/// The (field, detail) of the warning for `rule`, if any.
fn found(input: &RiskInput, rule: Rule) -> Option<(Option<Field>, String)> {
    warning(input, rule).map(|w| (w.field, w.detail))
}

fn content(text: &str) -> RiskInput<'_> {
    RiskInput {
        content: text,
        ..Default::default()
    }
}

fn demand(text: &str) -> RiskInput<'_> {
    RiskInput {
        demand: text,
        ..Default::default()
    }
}

fn tracking(text: &str) -> RiskInput<'_> {
    RiskInput {
        tracking: text,
        ..Default::default()
    }
}

fn background(text: &str) -> RiskInput<'_> {
    RiskInput {
        customer_background: text,
        ..Default::default()
    }
}

fn received(day: NaiveDate) -> RiskInput<'static> {
    RiskInput {
        received_on: Some(day),
        ..Default::default()
    }
}

fn in_content(detail: &str) -> Option<(Option<Field>, String)> {
    Some((Some(Field::Content), detail.to_string()))
}

fn in_field(field: Field, detail: &str) -> Option<(Option<Field>, String)> {
    Some((Some(field), detail.to_string()))
}

// ---------------------------------------------------------------- the rules

#[test]
fn nineteen_rules_with_stable_codes_criteria_and_groups() {
    let codes: Vec<&str> = Rule::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(
        codes,
        [
            "unresolved_after_escalation",
            "no_solution",
            "beyond_vehicle",
            "compensation_over_limit",
            "exposure",
            "fire",
            "accident",
            "airbag",
            "major_failure",
            "media_attention",
            "repeat_repairs",
            "unexplained",
            "improper_handling",
            "march_15",
            "marketing_event",
            "early_ownership",
            "new_model",
            "media_background",
            "repeat_complaint",
        ]
    );
    for &rule in Rule::ALL {
        assert_eq!(Rule::from_code(rule.as_str()), Some(rule));
        assert_eq!(
            serde_json::to_string(&rule).expect("serialises"),
            format!("\"{}\"", rule.as_str())
        );
        assert!(!rule.label(Lang::Zh).is_empty() && !rule.label(Lang::En).is_empty());
        assert_ne!(rule.label(Lang::Zh), rule.label(Lang::En));
    }
    assert_eq!(Rule::from_code("fires"), None);

    let criteria: Vec<(Rule, u8)> = Rule::ALL
        .iter()
        .filter_map(|&r| r.criterion().map(|c| (r, c)))
        .collect();
    assert_eq!(
        criteria,
        [
            (Rule::UnresolvedAfterEscalation, 1),
            (Rule::NoSolution, 2),
            (Rule::BeyondVehicle, 3),
            (Rule::CompensationOverLimit, 4),
            (Rule::Exposure, 5),
        ]
    );
    for &rule in Rule::ALL {
        assert_eq!(
            rule.group() == RuleGroup::Criterion,
            rule.criterion().is_some(),
            "{rule:?}"
        );
    }
    assert_eq!(Rule::Fire.group(), RuleGroup::Event);
    assert_eq!(Rule::MediaAttention.group(), RuleGroup::Event);
    assert_eq!(Rule::RepeatRepairs.group(), RuleGroup::Process);
    assert_eq!(Rule::March15.group(), RuleGroup::Period);
    assert_eq!(Rule::NewModel.group(), RuleGroup::Period);
    assert_eq!(Rule::MediaBackground.group(), RuleGroup::Customer);
    assert_eq!(RuleGroup::Criterion.label(Lang::Zh), "重大投诉条件");
}

#[test]
fn titles_use_the_dealers_words() {
    let zh: Vec<&str> = Rule::ALL.iter().map(|r| r.label(Lang::Zh)).collect();
    assert_eq!(
        zh,
        [
            "已升级厂方仍未解决",
            "无法通过政策或技术手段解决",
            "期望超出车辆本身赔偿",
            "赔偿要求超过1万元",
            "存在公关/媒体/法律风险",
            "车辆自燃/起火",
            "严重事故",
            "安全气囊问题",
            "重大故障",
            "媒体关注",
            "同一故障维修3次及以上",
            "无法解释的故障现象",
            "前期处理不当",
            "3·15 敏感期",
            "营销活动期间",
            "购车后3–6个月",
            "新车型上市第一年",
            "顾客有媒体背景",
            "同一车辆重复投诉",
        ]
    );
    assert_eq!(
        Rule::CompensationOverLimit.label(Lang::En),
        "Compensation over CNY 10,000"
    );
    assert_eq!(Rule::Fire.label(Lang::En), "Vehicle fire");
}

#[test]
fn an_empty_input_gives_no_warnings() {
    assert_eq!(
        warnings(&RiskInput::default(), &RiskConfig::default()),
        vec![]
    );
    // Not even with a configuration, a date outside every period, and zeros.
    let config = RiskConfig {
        launches: vec![ModelLaunch {
            model: "帕萨特".into(),
            launched: date(2026, 3, 1),
        }],
        events: vec![MarketingEvent {
            name: "北京车展".into(),
            start: date(2026, 4, 25),
            end: date(2026, 5, 4),
        }],
    };
    let input = RiskInput {
        received_on: Some(date(2026, 11, 23)),
        repeat_repairs: Some(0),
        compensation_requested: Some(Cny::from_fen(0)),
        compensation_agreed: Some(Cny::from_fen(0)),
        nature: Some(Nature::General),
        channel: Some(Channel::Phone),
        ..Default::default()
    };
    assert_eq!(warnings(&input, &config), vec![]);
}

#[test]
fn every_rule_at_once_comes_in_rule_order() {
    let config = RiskConfig {
        launches: vec![ModelLaunch {
            model: "帕萨特".into(),
            launched: date(2025, 6, 1),
        }],
        events: vec![MarketingEvent {
            name: "3月促销季".into(),
            start: date(2026, 3, 1),
            end: date(2026, 3, 31),
        }],
    };
    let input = RiskInput {
        content: "发动机拉缸后车辆自燃，追尾事故中气囊未弹出，方向盘抖动，服务顾问态度差，已找记者",
        demand: "赔偿精神损失",
        tracking: "无法修复",
        customer_background: "记者",
        nature: Some(Nature::Legal),
        channel: Some(Channel::OtherBody),
        repeat_repairs: Some(4),
        compensation_requested: Some(Cny::from_yuan(50_000)),
        compensation_agreed: None,
        received_on: Some(date(2026, 3, 15)),
        purchase_date: Some(date(2025, 12, 1)),
        vehicle_model: "帕萨特",
        unresolved_at_manufacturer: true,
        same_vehicle_complaints: 2,
    };
    assert_eq!(rules(&input, &config), Rule::ALL.to_vec());
}

// ---------------------------------------------------------------- criteria

#[test]
fn unresolved_after_escalation_is_criterion_1() {
    let input = RiskInput {
        unresolved_at_manufacturer: true,
        ..Default::default()
    };
    let w = warning(&input, Rule::UnresolvedAfterEscalation).expect("warns");
    assert_eq!((w.field, w.detail.as_str()), (None, ""));
    assert!(w
        .message(Lang::Zh)
        .starts_with("已升级至厂方区域经理仍未解决"));
    assert!(w
        .message(Lang::En)
        .starts_with("Escalated to the manufacturer's regional manager"));
    assert_eq!(
        warning(&RiskInput::default(), Rule::UnresolvedAfterEscalation),
        None
    );
}

#[test]
fn no_solution_in_content_or_tracking() {
    assert_eq!(
        found(&content("跑了三家店都查不出问题"), Rule::NoSolution),
        in_content("查不出")
    );
    assert_eq!(
        found(&tracking("技术经理确认无法修复"), Rule::NoSolution),
        in_field(Field::Tracking, "无法修复")
    );
    assert_eq!(
        found(
            &content("The dealer says it CANNOT BE FIXED."),
            Rule::NoSolution
        ),
        in_content("cannot be fixed")
    );
    assert_eq!(
        found(
            &tracking("No solution from the factory yet"),
            Rule::NoSolution
        ),
        in_field(Field::Tracking, "no solution")
    );
    // Content first, then tracking.
    let both = RiskInput {
        content: "修不好",
        tracking: "找不到原因",
        ..Default::default()
    };
    assert_eq!(found(&both, Rule::NoSolution), in_content("修不好"));
    // Only content and tracking are read.
    assert_eq!(found(&demand("无法修复就退车"), Rule::NoSolution), None);
    assert_eq!(found(&content("已修复"), Rule::NoSolution), None);
}

#[test]
fn beyond_vehicle_reads_the_demand() {
    assert_eq!(
        found(&demand("要求赔偿精神损失费和误工费"), Rule::BeyondVehicle),
        in_field(Field::Demand, "精神损失")
    );
    assert_eq!(
        found(&demand("退一赔三"), Rule::BeyondVehicle),
        in_field(Field::Demand, "退一赔")
    );
    assert_eq!(
        found(
            &demand("Wants damages for Emotional Distress"),
            Rule::BeyondVehicle
        ),
        in_field(Field::Demand, "emotional distress")
    );
    assert_eq!(
        found(
            &demand("a public apology in the paper"),
            Rule::BeyondVehicle
        ),
        in_field(Field::Demand, "public apology")
    );
    assert_eq!(found(&content("精神损失"), Rule::BeyondVehicle), None);
    assert_eq!(
        found(&demand("免费更换相关零件"), Rule::BeyondVehicle),
        None
    );
}

fn compensation(requested: Option<i64>, agreed: Option<i64>) -> RiskInput<'static> {
    RiskInput {
        compensation_requested: requested.map(Cny::from_fen),
        compensation_agreed: agreed.map(Cny::from_fen),
        ..Default::default()
    }
}

#[test]
fn compensation_strictly_over_ten_thousand_yuan() {
    let rule = Rule::CompensationOverLimit;
    // CNY 10,000.00 does not warn, 10,000.01 does: requested…
    assert_eq!(found(&compensation(Some(1_000_000), None), rule), None);
    assert_eq!(
        found(&compensation(Some(1_000_001), None), rule),
        in_field(Field::CompensationRequested, "¥10,000.01")
    );
    // …and agreed.
    assert_eq!(found(&compensation(None, Some(1_000_000)), rule), None);
    assert_eq!(
        found(&compensation(None, Some(1_000_001)), rule),
        in_field(Field::CompensationAgreed, "¥10,000.01")
    );
    // The larger of the two counts.
    assert_eq!(
        found(&compensation(Some(500_000), Some(1_200_000)), rule),
        in_field(Field::CompensationAgreed, "¥12,000.00")
    );
    assert_eq!(
        found(&compensation(Some(5_000_000), Some(800_000)), rule),
        in_field(Field::CompensationRequested, "¥50,000.00")
    );
    assert_eq!(
        found(&compensation(Some(1_000_000), Some(1_000_000)), rule),
        None
    );
    assert_eq!(found(&compensation(None, None), rule), None);

    let w = warning(&compensation(Some(1_000_001), None), rule).expect("warns");
    assert_eq!(
        w.message(Lang::Zh),
        "要求赔偿¥10,000.01，超过1万元：远超常规善意补偿标准，属于重大投诉"
    );
    assert!(w
        .message(Lang::En)
        .starts_with("Compensation requested is ¥10,000.01, over CNY 10,000"));
    let agreed = warning(&compensation(None, Some(1_000_001)), rule).expect("warns");
    assert!(agreed.message(Lang::Zh).starts_with("商定赔偿¥10,000.01"));
}

fn with_nature(nature: Nature) -> RiskInput<'static> {
    RiskInput {
        nature: Some(nature),
        ..Default::default()
    }
}

fn with_channel(channel: Channel) -> RiskInput<'static> {
    RiskInput {
        channel: Some(channel),
        ..Default::default()
    }
}

#[test]
fn exposure_from_the_nature() {
    assert_eq!(
        found(&with_nature(Nature::MediaExposure), Rule::Exposure),
        in_field(Field::Nature, "media")
    );
    assert_eq!(
        found(&with_nature(Nature::ConsumerAssociation), Rule::Exposure),
        in_field(Field::Nature, "consumer_association")
    );
    assert_eq!(
        found(&with_nature(Nature::Legal), Rule::Exposure),
        in_field(Field::Nature, "legal")
    );
    assert_eq!(found(&with_nature(Nature::General), Rule::Exposure), None);

    let w = warning(&with_nature(Nature::MediaExposure), Rule::Exposure).expect("warns");
    assert!(w
        .message(Lang::Zh)
        .starts_with("投诉性质为“潜在媒体曝光”："));
    assert!(w.message(Lang::Zh).contains("4小时内书面报告厂方"));
    assert!(w
        .message(Lang::En)
        .starts_with("The nature is “Potential media exposure”: "));
}

#[test]
fn exposure_from_the_channel() {
    assert_eq!(
        found(&with_channel(Channel::OtherBody), Rule::Exposure),
        in_field(Field::Channel, "other_body")
    );
    for channel in [
        Channel::InPerson,
        Channel::Phone,
        Channel::LetterOrEmail,
        Channel::Manufacturer,
    ] {
        assert_eq!(found(&with_channel(channel), Rule::Exposure), None);
    }
    let w = warning(&with_channel(Channel::OtherBody), Rule::Exposure).expect("warns");
    assert!(w
        .message(Lang::Zh)
        .starts_with("投诉渠道为“其他单位转投诉”"));
    assert!(w
        .message(Lang::En)
        .starts_with("The channel is “Forwarded by another body”"));
    // The nature comes first when both apply.
    let both = RiskInput {
        nature: Some(Nature::Legal),
        channel: Some(Channel::OtherBody),
        content: "律师",
        ..Default::default()
    };
    assert_eq!(
        found(&both, Rule::Exposure),
        in_field(Field::Nature, "legal")
    );
}

#[test]
fn exposure_from_words_of_legal_action() {
    assert_eq!(
        found(&content("顾客准备起诉"), Rule::Exposure),
        in_content("起诉")
    );
    assert_eq!(
        found(&demand("不解决就打官司"), Rule::Exposure),
        in_field(Field::Demand, "打官司")
    );
    assert_eq!(
        found(&demand("Will hire a Lawyer"), Rule::Exposure),
        in_field(Field::Demand, "lawyer")
    );
    assert_eq!(
        found(&content("Says he will sue."), Rule::Exposure),
        in_content("sue")
    );
    assert_eq!(
        found(&content("See you in court"), Rule::Exposure),
        in_content("court")
    );
    // Not inside or at the start of other words.
    assert_eq!(
        found(&content("an issue with the suede seats"), Rule::Exposure),
        None
    );
    assert_eq!(
        found(&content("no courtesy car offered"), Rule::Exposure),
        None
    );
    // Only content and demand are read.
    assert_eq!(found(&tracking("律师函已收到"), Rule::Exposure), None);
}

// ---------------------------------------------------------------- events

#[test]
fn fire_in_both_languages_at_the_start_of_a_word() {
    assert_eq!(
        found(&content("停车后车辆自燃"), Rule::Fire),
        in_content("自燃")
    );
    assert_eq!(
        found(&content("Fire in the engine bay"), Rule::Fire),
        in_content("fire")
    );
    assert_eq!(found(&content("two FIRES"), Rule::Fire), in_content("fire"));
    assert_eq!(
        found(&content("smell of burning plastic"), Rule::Fire),
        in_content("burn")
    );
    assert_eq!(
        found(&content("(smoke) from the dash"), Rule::Fire),
        in_content("smoke")
    );
    // "misfire" does not start with "fire".
    assert_eq!(found(&content("engine misfire at idle"), Rule::Fire), None);
    // Table order wins: 起火 comes before 冒烟.
    assert_eq!(
        found(&content("先冒烟后起火"), Rule::Fire),
        in_content("起火")
    );
    // A hint: a negation still warns.
    assert_eq!(found(&content("没有起火"), Rule::Fire), in_content("起火"));
    // Only the content is read.
    assert_eq!(found(&tracking("已排除起火隐患"), Rule::Fire), None);
}

#[test]
fn accident_in_both_languages() {
    assert_eq!(
        found(&content("高速上被追尾"), Rule::Accident),
        in_content("追尾")
    );
    assert_eq!(
        found(&content("A collision at the junction"), Rule::Accident),
        in_content("collision")
    );
    assert_eq!(
        found(&content("the car crashed into a wall"), Rule::Accident),
        in_content("crash")
    );
    assert_eq!(found(&content("车门异响"), Rule::Accident), None);
}

#[test]
fn airbag_in_both_languages() {
    assert_eq!(
        found(&content("碰撞后安全气囊未弹出"), Rule::Airbag),
        in_content("气囊")
    );
    assert_eq!(
        found(&content("Airbags did not deploy"), Rule::Airbag),
        in_content("airbag")
    );
    assert_eq!(
        found(&content("the air bag light is on"), Rule::Airbag),
        in_content("air bag")
    );
    assert_eq!(found(&content("安全带报警"), Rule::Airbag), None);
}

#[test]
fn major_failure_needs_a_component_and_a_failure() {
    let rule = Rule::MajorFailure;
    // A phenomenon alone is not a major failure (but is unexplained).
    let noise = content("发动机异响");
    assert_eq!(found(&noise, rule), None);
    assert_eq!(found(&noise, Rule::Unexplained), in_content("异响"));
    assert_eq!(
        found(&content("发动机拉缸"), rule),
        in_content("发动机 + 拉缸")
    );
    assert_eq!(
        found(&content("变速箱换挡时突然失效"), rule),
        in_content("变速箱 + 失效")
    );
    assert_eq!(found(&content("半轴断了"), rule), in_content("半轴 + 断"));
    // The failure may be an accident, anywhere in the content.
    assert_eq!(
        found(&content("高速追尾，后来车桥变形"), rule),
        in_content("车桥 + 追尾")
    );
    assert_eq!(
        found(&content("The gearbox failed on the motorway"), rule),
        in_content("gearbox + failed")
    );
    assert_eq!(
        found(&content("Engine seized after the crash"), rule),
        in_content("engine + seized")
    );
    // 诊断 (diagnosis) is not 断 (broken); an engineer is not an engine.
    assert_eq!(found(&content("发动机经诊断正常"), rule), None);
    assert_eq!(
        found(&content("the engineer said the mirror is broken"), rule),
        None
    );
    // A failure without a major component.
    assert_eq!(found(&content("空调故障"), rule), None);
}

#[test]
fn media_attention_in_content_or_demand() {
    let rule = Rule::MediaAttention;
    assert_eq!(
        found(&content("视频已经发到抖音"), rule),
        in_content("抖音")
    );
    assert_eq!(
        found(&demand("否则找电视台"), rule),
        in_field(Field::Demand, "电视台")
    );
    assert_eq!(
        found(&content("He has called a Journalist"), rule),
        in_content("journalist")
    );
    assert_eq!(
        found(&demand("will go public on social media"), rule),
        in_field(Field::Demand, "social media")
    );
    assert_eq!(
        found(&content("told the press"), rule),
        in_content("the press")
    );
    // Pressing a pedal and a multimedia screen are not the media.
    assert_eq!(
        found(
            &content("pressed the brake; the multimedia screen froze"),
            rule
        ),
        None
    );
    assert_eq!(found(&tracking("已联系记者"), rule), None);
}

#[test]
fn douyin_is_media_not_shaking() {
    let input = content("要在抖音上曝光");
    assert_eq!(found(&input, Rule::MediaAttention), in_content("曝光"));
    assert_eq!(
        found(&content("发抖音"), Rule::MediaAttention),
        in_content("抖音")
    );
    assert_eq!(found(&input, Rule::Unexplained), None);
    assert_eq!(found(&content("发抖音"), Rule::Unexplained), None);
}

// ---------------------------------------------------------------- process

#[test]
fn three_repairs_warn_two_do_not() {
    let repairs = |n: u32| RiskInput {
        repeat_repairs: Some(n),
        ..Default::default()
    };
    assert_eq!(found(&repairs(2), Rule::RepeatRepairs), None);
    assert_eq!(
        found(&repairs(3), Rule::RepeatRepairs),
        in_field(Field::RepeatRepairs, "3")
    );
    assert_eq!(
        found(&repairs(7), Rule::RepeatRepairs),
        in_field(Field::RepeatRepairs, "7")
    );
    let w = warning(&repairs(3), Rule::RepeatRepairs).expect("warns");
    assert_eq!(
        w.message(Lang::Zh),
        "同一故障已维修3次：九成以上的重大投诉都经历过3次及以上维修"
    );
    assert!(w
        .message(Lang::En)
        .starts_with("The same fault has been repaired 3 times"));
}

#[test]
fn unexplained_phenomena_in_content_or_tracking() {
    let rule = Rule::Unexplained;
    assert_eq!(
        found(&content("制动时方向盘抖动"), rule),
        in_content("抖动")
    );
    assert_eq!(
        found(&tracking("底盘仍有异常响声"), rule),
        in_field(Field::Tracking, "异常响声")
    );
    assert_eq!(found(&content("换挡顿挫"), rule), in_content("顿挫"));
    assert_eq!(
        found(&content("Steering wheel Shudders when braking"), rule),
        in_content("shudder")
    );
    assert_eq!(
        found(&tracking("rattling from the dash"), rule),
        in_field(Field::Tracking, "rattling")
    );
    assert_eq!(
        found(&content("car shakes at 120"), rule),
        in_content("shake")
    );
    assert_eq!(found(&content("空调不制冷"), rule), None);
    assert_eq!(found(&demand("异响必须解决"), rule), None);
}

#[test]
fn improper_handling_in_the_content() {
    let rule = Rule::ImproperHandling;
    assert_eq!(
        found(&content("服务顾问态度恶劣，还互相推诿"), rule),
        in_content("态度恶劣")
    );
    assert_eq!(found(&content("站里一直敷衍"), rule), in_content("敷衍"));
    assert_eq!(
        found(&content("The advisor was Rude to my wife"), rule),
        in_content("rude")
    );
    assert_eq!(
        found(&content("I was brushed off twice"), rule),
        in_content("brushed off")
    );
    assert_eq!(found(&content("服务很周到"), rule), None);
    assert_eq!(found(&tracking("态度差"), rule), None);
}

#[test]
fn repeat_complaints_about_the_same_vehicle() {
    let others = |n: usize| RiskInput {
        same_vehicle_complaints: n,
        ..Default::default()
    };
    assert_eq!(found(&others(0), Rule::RepeatComplaint), None);
    assert_eq!(
        found(&others(1), Rule::RepeatComplaint),
        Some((None, "1".to_string()))
    );
    let one = warning(&others(1), Rule::RepeatComplaint).expect("warns");
    assert!(one
        .message(Lang::En)
        .starts_with("1 other complaint about the same vehicle"));
    let two = warning(&others(2), Rule::RepeatComplaint).expect("warns");
    assert_eq!(two.detail, "2");
    assert!(two
        .message(Lang::En)
        .starts_with("2 other complaints about the same vehicle"));
    assert!(two.message(Lang::Zh).contains("还有2起其他投诉"));
}

// ---------------------------------------------------------------- periods

#[test]
fn the_march_15_window_is_31_january_to_25_march() {
    assert_eq!(
        march_15_window(2026),
        (date(2026, 1, 31), date(2026, 3, 25))
    );
    assert_eq!(
        march_15_window(2028),
        (date(2028, 1, 31), date(2028, 3, 25))
    );
    // Years outside chrono's range are clamped, not a panic.
    let (first, last) = march_15_window(i32::MAX);
    assert!(first < last);
}

#[test]
fn march_15_boundaries_in_a_common_and_a_leap_year() {
    let rule = Rule::March15;
    for year in [2026, 2028] {
        let window = format!("{year}-01-31 – {year}-03-25");
        let warns = Some((Some(Field::ReceivedAt), window));
        assert_eq!(found(&received(date(year, 1, 30)), rule), None, "{year}");
        assert_eq!(found(&received(date(year, 1, 31)), rule), warns, "{year}");
        assert_eq!(found(&received(date(year, 2, 15)), rule), warns, "{year}");
        assert_eq!(found(&received(date(year, 3, 15)), rule), warns, "{year}");
        assert_eq!(found(&received(date(year, 3, 25)), rule), warns, "{year}");
        assert_eq!(found(&received(date(year, 3, 26)), rule), None, "{year}");
    }
    assert!(found(&received(date(2028, 2, 29)), rule).is_some());
    assert_eq!(
        found(&received(date(2026, 3, 1)), Rule::March15).map(|f| f.1),
        Some("2026-01-31 – 2026-03-25".into())
    );
    assert_eq!(found(&RiskInput::default(), rule), None);

    let w = warning(&received(date(2026, 3, 15)), rule).expect("warns");
    assert!(w.message(Lang::Zh).contains("（2026-01-31 – 2026-03-25）"));
    assert!(w.message(Lang::En).contains("(2026-01-31 – 2026-03-25)"));
}

#[test]
fn marketing_event_first_and_last_day() {
    let config = RiskConfig {
        launches: vec![],
        events: vec![
            MarketingEvent {
                name: "北京车展".into(),
                start: date(2026, 4, 25),
                end: date(2026, 5, 4),
            },
            MarketingEvent {
                name: "五一促销".into(),
                start: date(2026, 5, 1),
                end: date(2026, 5, 10),
            },
        ],
    };
    let at = |d: NaiveDate| {
        warning_with(&received(d), &config, Rule::MarketingEvent).map(|w| (w.field, w.detail))
    };
    let show = Some((Some(Field::ReceivedAt), "北京车展".to_string()));
    assert_eq!(at(date(2026, 4, 24)), None);
    assert_eq!(at(date(2026, 4, 25)), show);
    // Overlapping events: the first configured wins.
    assert_eq!(at(date(2026, 5, 4)), show);
    assert_eq!(
        at(date(2026, 5, 5)),
        Some((Some(Field::ReceivedAt), "五一促销".to_string()))
    );
    assert_eq!(at(date(2026, 5, 10)).map(|f| f.1), Some("五一促销".into()));
    assert_eq!(at(date(2026, 5, 11)), None);
    // No events configured, no warning.
    assert_eq!(
        found(&received(date(2026, 4, 25)), Rule::MarketingEvent),
        None
    );

    let w =
        warning_with(&received(date(2026, 4, 25)), &config, Rule::MarketingEvent).expect("warns");
    assert_eq!(
        w.message(Lang::Zh),
        "受理日期在营销活动“北京车展”期间：活动期间的投诉容易升级为重大投诉"
    );
}

fn bought_received(bought: NaiveDate, day: NaiveDate) -> Option<(Option<Field>, String)> {
    let input = RiskInput {
        purchase_date: Some(bought),
        received_on: Some(day),
        ..Default::default()
    };
    found(&input, Rule::EarlyOwnership)
}

#[test]
fn three_to_six_months_after_purchase() {
    let bought = date(2026, 1, 15);
    let warns = in_field(Field::PurchaseDate, "2026-01-15");
    assert_eq!(bought_received(bought, date(2026, 4, 14)), None);
    assert_eq!(bought_received(bought, date(2026, 4, 15)), warns);
    assert_eq!(bought_received(bought, date(2026, 6, 1)), warns);
    assert_eq!(bought_received(bought, date(2026, 7, 15)), warns);
    assert_eq!(bought_received(bought, date(2026, 7, 16)), None);
    // Either date missing: no warning.
    let no_purchase = received(date(2026, 4, 15));
    assert_eq!(found(&no_purchase, Rule::EarlyOwnership), None);
    let no_received = RiskInput {
        purchase_date: Some(bought),
        ..Default::default()
    };
    assert_eq!(found(&no_received, Rule::EarlyOwnership), None);
}

#[test]
fn months_after_purchase_clamp_to_the_month_end() {
    // Bought 30 November: three months later is 28 February (2027 is not a leap year).
    let bought = date(2026, 11, 30);
    assert_eq!(bought_received(bought, date(2027, 2, 27)), None);
    assert_eq!(
        bought_received(bought, date(2027, 2, 28)),
        in_field(Field::PurchaseDate, "2026-11-30")
    );
    assert_eq!(
        bought_received(bought, date(2027, 5, 30)),
        in_field(Field::PurchaseDate, "2026-11-30")
    );
    assert_eq!(bought_received(bought, date(2027, 5, 31)), None);
    // Bought 31 August: three months is 30 November, six months is 29 February of a leap year.
    let bought = date(2027, 8, 31);
    assert_eq!(bought_received(bought, date(2027, 11, 29)), None);
    assert!(bought_received(bought, date(2027, 11, 30)).is_some());
    assert_eq!(
        bought_received(bought, date(2028, 2, 29)),
        in_field(Field::PurchaseDate, "2027-08-31")
    );
    assert_eq!(bought_received(bought, date(2028, 3, 1)), None);

    let input = RiskInput {
        purchase_date: Some(bought),
        received_on: Some(date(2028, 2, 29)),
        ..Default::default()
    };
    let w = warning(&input, Rule::EarlyOwnership).expect("warns");
    assert!(w.message(Lang::Zh).starts_with("购车日期为2027-08-31"));
    assert!(w.message(Lang::En).starts_with("Bought on 2027-08-31"));
}

fn launches(list: &[(&str, NaiveDate)]) -> RiskConfig {
    RiskConfig {
        launches: list
            .iter()
            .map(|&(model, launched)| ModelLaunch {
                model: model.into(),
                launched,
            })
            .collect(),
        events: vec![],
    }
}

fn model_on(config: &RiskConfig, model: &str, day: NaiveDate) -> Option<String> {
    let input = RiskInput {
        vehicle_model: model,
        received_on: Some(day),
        ..Default::default()
    };
    warning_with(&input, config, Rule::NewModel).map(|w| {
        assert_eq!(w.field, Some(Field::VehicleModel));
        w.detail
    })
}

#[test]
fn new_model_first_year() {
    let config = launches(&[("帕萨特", date(2026, 3, 1))]);
    let warns = Some("帕萨特 (2026-03-01)".to_string());
    assert_eq!(model_on(&config, "帕萨特", date(2026, 2, 28)), None);
    assert_eq!(model_on(&config, "帕萨特", date(2026, 3, 1)), warns);
    assert_eq!(model_on(&config, "帕萨特", date(2027, 2, 28)), warns);
    assert_eq!(model_on(&config, "帕萨特", date(2027, 3, 1)), None);
    // The model as typed may continue after the configured name, not precede it.
    assert_eq!(model_on(&config, "帕萨特 2.0T", date(2026, 6, 1)), warns);
    assert_eq!(model_on(&config, "新帕萨特", date(2026, 6, 1)), None);
    assert_eq!(model_on(&config, "迈腾", date(2026, 6, 1)), None);
    assert_eq!(model_on(&config, "", date(2026, 6, 1)), None);
    // No date: no warning.
    let undated = RiskInput {
        vehicle_model: "帕萨特",
        ..Default::default()
    };
    assert_eq!(warning_with(&undated, &config, Rule::NewModel), None);

    let input = RiskInput {
        vehicle_model: "帕萨特",
        received_on: Some(date(2026, 3, 1)),
        ..Default::default()
    };
    let w = warning_with(&input, &config, Rule::NewModel).expect("warns");
    assert_eq!(
        w.message(Lang::Zh),
        "新车型帕萨特 (2026-03-01)上市不满一年：新车型上市后第一年是重大投诉的风险期"
    );
}

#[test]
fn new_model_ignores_case_and_whitespace() {
    let config = launches(&[("ID. 4 Crozz", date(2026, 3, 1))]);
    assert_eq!(
        model_on(&config, "id.4crozz Pro", date(2026, 3, 2)),
        Some("ID. 4 Crozz (2026-03-01)".to_string())
    );
    assert_eq!(
        model_on(&config, " ID.\u{3000}4 CROZZ", date(2026, 3, 2)),
        Some("ID. 4 Crozz (2026-03-01)".to_string())
    );
    assert_eq!(model_on(&config, "ID.3", date(2026, 3, 2)), None);
    // A blank configured name matches nothing.
    assert_eq!(
        model_on(
            &launches(&[(" ", date(2026, 3, 1))]),
            "帕萨特",
            date(2026, 3, 2)
        ),
        None
    );
}

#[test]
fn new_model_takes_the_first_launch_whose_first_year_it_is() {
    let config = launches(&[
        ("帕萨特", date(2015, 5, 1)),
        ("帕萨特Pro", date(2026, 5, 1)),
    ]);
    assert_eq!(
        model_on(&config, "帕萨特 Pro 380TSI", date(2026, 8, 1)),
        Some("帕萨特Pro (2026-05-01)".to_string())
    );
    assert_eq!(model_on(&config, "帕萨特 2.0T", date(2026, 8, 1)), None);
    assert_eq!(
        model_on(&config, "帕萨特", date(2015, 12, 1)),
        Some("帕萨特 (2015-05-01)".to_string())
    );
}

// ---------------------------------------------------------------- customer

#[test]
fn media_background() {
    let rule = Rule::MediaBackground;
    assert_eq!(
        found(&background("在媒体工作，表示如不满意将公开曝光"), rule),
        in_field(Field::CustomerBackground, "媒体工作")
    );
    assert_eq!(
        found(&background("自媒体从业者"), rule),
        in_field(Field::CustomerBackground, "自媒体")
    );
    assert_eq!(
        found(&background("扬言要曝光"), rule),
        in_field(Field::CustomerBackground, "曝光")
    );
    assert_eq!(
        found(&background("Journalist at a local paper"), rule),
        in_field(Field::CustomerBackground, "journalist")
    );
    assert_eq!(
        found(&background("a car blogger"), rule),
        in_field(Field::CustomerBackground, "blogger")
    );
    assert_eq!(found(&background("中学教师"), rule), None);
    assert_eq!(found(&content("在媒体工作"), rule), None);
}

// ---------------------------------------------------------------- the worked example

#[test]
fn the_worked_example_warns_for_exposure_unexplained_and_media_background() {
    let received_at = Utc
        .with_ymd_and_hms(2026, 11, 23, 1, 30, 0)
        .single()
        .expect("valid time");
    let c = worked_example("a", received_at);
    let cst = FixedOffset::east_opt(8 * 3600).expect("valid offset");
    // As the app builds it from a saved complaint.
    let input = complaints_domain::handling::risk_input(&c, cst, 0);
    assert_eq!(input.received_on, NaiveDate::from_ymd_opt(2026, 11, 23));
    assert!(!input.unresolved_at_manufacturer);
    let got: Vec<(Rule, Option<Field>, String)> = warnings(&input, &RiskConfig::default())
        .into_iter()
        .map(|w| (w.rule, w.field, w.detail))
        .collect();
    assert_eq!(
        got,
        [
            (Rule::Exposure, Some(Field::Nature), "media".to_string()),
            (Rule::Unexplained, Some(Field::Content), "抖动".to_string()),
            (
                Rule::MediaBackground,
                Some(Field::CustomerBackground),
                "媒体工作".to_string()
            ),
        ]
    );
    let rules: Vec<Rule> = got.iter().map(|g| g.0).collect();
    assert!(!rules.contains(&Rule::CompensationOverLimit));
    assert!(!rules.contains(&Rule::RepeatRepairs));
}

// ---------------------------------------------------------------- messages and config

#[test]
fn the_message_for_a_keyword_names_where_and_what() {
    let w = warning(&content("车辆自燃"), Rule::Fire).expect("warns");
    assert_eq!(
        w.message(Lang::Zh),
        "内容提到“自燃”：车辆起火/自燃是重大投诉风险事件"
    );
    let w = warning(&content("a fire"), Rule::Fire).expect("warns");
    assert_eq!(
        w.message(Lang::En),
        "The content mentions “fire”: a vehicle fire is a major-complaint risk event"
    );
    let w = warning(&tracking("修不好"), Rule::NoSolution).expect("warns");
    assert!(w.message(Lang::Zh).starts_with("跟踪记录提到“修不好”："));
    assert!(w
        .message(Lang::En)
        .starts_with("The tracking notes mention “修不好”: "));
    let w = warning(&demand("误工费"), Rule::BeyondVehicle).expect("warns");
    assert!(w.message(Lang::Zh).starts_with("需求提到“误工”："));
    let w = warning(&content("发动机拉缸"), Rule::MajorFailure).expect("warns");
    assert!(w.message(Lang::Zh).starts_with("内容提到“发动机 + 拉缸”："));
}

#[test]
fn every_message_is_a_sentence_in_each_language_with_its_detail() {
    let config = RiskConfig {
        launches: vec![ModelLaunch {
            model: "途观L".into(),
            launched: date(2025, 6, 1),
        }],
        events: vec![MarketingEvent {
            name: "Spring sale".into(),
            start: date(2026, 3, 1),
            end: date(2026, 3, 31),
        }],
    };
    let english = RiskInput {
        content:
            "Engine failed, then a fire; airbag light; a crash; rude staff; noise; told the press",
        demand: "emotional distress",
        tracking: "cannot be fixed",
        customer_background: "reporter",
        nature: None,
        channel: None,
        repeat_repairs: Some(3),
        compensation_requested: None,
        compensation_agreed: Some(Cny::from_yuan(20_000)),
        received_on: Some(date(2026, 3, 20)),
        purchase_date: Some(date(2025, 10, 20)),
        vehicle_model: "途观L 330TSI",
        unresolved_at_manufacturer: true,
        same_vehicle_complaints: 3,
    };
    let all = warnings(&english, &config);
    // Exposure is the one rule this input does not meet (no legal words, nature or channel).
    let expected: Vec<Rule> = Rule::ALL
        .iter()
        .copied()
        .filter(|&r| r != Rule::Exposure)
        .collect();
    assert_eq!(all.iter().map(|w| w.rule).collect::<Vec<_>>(), expected);
    let exposed = [
        warning(&with_nature(Nature::ConsumerAssociation), Rule::Exposure),
        warning(&with_channel(Channel::OtherBody), Rule::Exposure),
        warning(&content("lawsuit"), Rule::Exposure),
    ];
    for w in all.iter().chain(exposed.iter().flatten()) {
        let (zh, en) = (w.message(Lang::Zh), w.message(Lang::En));
        assert!(!zh.is_empty() && !en.is_empty(), "{w:?}");
        assert_ne!(zh, en, "{w:?}");
        assert!(zh.contains('：') && en.contains(": "), "{w:?}: {zh} / {en}");
        match w.field {
            // The value of a choice is shown as its label.
            Some(Field::Nature) | Some(Field::Channel) => {
                assert!(!zh.contains(&w.detail) && !en.contains(&w.detail), "{w:?}");
            }
            _ => {
                assert!(zh.contains(&w.detail), "{w:?}: {zh}");
                assert!(en.contains(&w.detail), "{w:?}: {en}");
            }
        }
    }
    let details: Vec<&str> = all.iter().map(|w| w.detail.as_str()).collect();
    assert_eq!(
        details,
        [
            "",
            "cannot be fixed",
            "emotional distress",
            "¥20,000.00",
            "fire",
            "crash",
            "airbag",
            "engine + failed",
            "the press",
            "3",
            "noise",
            "rude",
            "2026-01-31 – 2026-03-25",
            "Spring sale",
            "2025-10-20",
            "途观L (2025-06-01)",
            "reporter",
            "3",
        ]
    );
}

#[test]
fn the_configuration_reads_and_writes_dates_as_text() {
    let json = r#"{"launches":[{"model":"帕萨特","launched":"2026-03-01"}],
        "events":[{"name":"北京车展","start":"2026-04-25","end":"2026-05-04"}]}"#;
    let config: RiskConfig = serde_json::from_str(json).expect("reads");
    assert_eq!(
        config,
        RiskConfig {
            launches: vec![ModelLaunch {
                model: "帕萨特".into(),
                launched: date(2026, 3, 1),
            }],
            events: vec![MarketingEvent {
                name: "北京车展".into(),
                start: date(2026, 4, 25),
                end: date(2026, 5, 4),
            }],
        }
    );
    let written = serde_json::to_string(&config).expect("writes");
    assert_eq!(
        written,
        r#"{"launches":[{"model":"帕萨特","launched":"2026-03-01"}],"events":[{"name":"北京车展","start":"2026-04-25","end":"2026-05-04"}]}"#
    );
    assert_eq!(
        serde_json::from_str::<RiskConfig>(&written).expect("reads back"),
        config
    );
    // Both lists may be missing.
    assert_eq!(
        serde_json::from_str::<RiskConfig>("{}").expect("reads"),
        RiskConfig::default()
    );
    // Not a date.
    let bad = r#"{"launches":[{"model":"帕萨特","launched":"2026-02-30"}]}"#;
    let err = serde_json::from_str::<RiskConfig>(bad).expect_err("rejects");
    assert!(err.to_string().contains("not a date"), "{err}");
}

#[test]
fn warnings_serialise_with_codes() {
    let w = warning(&content("自燃"), Rule::Fire).expect("warns");
    assert_eq!(
        serde_json::to_string(&w).expect("writes"),
        r#"{"rule":"fire","field":"content","detail":"自燃"}"#
    );
}

// ---------------------------------------------------------------- inputs as the app builds them

#[test]
fn a_complaint_escalated_to_the_manufacturer_and_still_open_meets_criterion_1() {
    use complaints_domain::handling::{add_entry, risk_input, Actor, Entry, EntryKind, Level};
    use complaints_domain::Status;
    let at = Utc
        .with_ymd_and_hms(2026, 11, 23, 1, 30, 0)
        .single()
        .expect("valid time");
    let cst = FixedOffset::east_opt(8 * 3600).expect("valid offset");
    let mut c = worked_example("a", at);
    c.status = Status::OnGoing;
    let actor = Actor {
        name: "王经理".into(),
        device: "tablet-a".into(),
    };
    let mut c2 = c.clone();
    for (id, level) in [("e1", Level::Management), ("e2", Level::Manufacturer)] {
        let mut e = Entry::new(id.into(), EntryKind::Escalation, &actor, at, at);
        e.level = Some(level);
        e.text = "超出维修站权限".into();
        c2 = add_entry(&c2, e).expect("escalated");
    }
    let config = RiskConfig::default();
    assert!(!rules(&risk_input(&c, cst, 0), &config).contains(&Rule::UnresolvedAfterEscalation));
    assert!(rules(&risk_input(&c2, cst, 0), &config).contains(&Rule::UnresolvedAfterEscalation));
    // Closed, it no longer is.
    c2.status = Status::Closed;
    assert!(!rules(&risk_input(&c2, cst, 0), &config).contains(&Rule::UnresolvedAfterEscalation));
    // The same-vehicle count is passed through.
    assert!(rules(&risk_input(&c, cst, 2), &config).contains(&Rule::RepeatComplaint));
}

#[test]
fn the_intake_form_as_typed_is_read_leniently() {
    use complaints_domain::ComplaintForm;
    let cst = FixedOffset::east_opt(8 * 3600).expect("valid offset");
    let mut form = ComplaintForm {
        received_at: "2027-03-20T10:00".into(),
        compensation_requested: "10,000.01".into(),
        repeat_repairs: "3".into(),
        nature: "general".into(),
        ..Default::default()
    };
    let got = rules(&form.risk_input(cst, 0), &RiskConfig::default());
    assert_eq!(
        got,
        [
            Rule::CompensationOverLimit,
            Rule::RepeatRepairs,
            Rule::March15
        ]
    );
    // What does not parse yet is left out, never an error.
    form.compensation_requested = "一万".into();
    form.repeat_repairs = "three".into();
    form.received_at = "2027-03-20".into();
    assert_eq!(rules(&form.risk_input(cst, 0), &RiskConfig::default()), []);
}
