//! The domain crate's native test suite: one binary, one module per concern.
//!
//! Every test pins concrete values (labels from the paper forms, check digits
//! worked out by hand, exact issue kinds) so that it fails when the rule it
//! names changes. Run with `cargo test -p complaints-domain`.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use complaints_domain::{ComplaintForm, Field, Issue, IssueKind, NewComplaint};

/// China Standard Time, the offset most devices run in.
fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

/// US Eastern (standard time), for cases where the local date runs behind UTC.
fn est() -> FixedOffset {
    FixedOffset::west_opt(5 * 3600).expect("valid offset")
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .expect("valid time")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// The smallest form that saves without any issue.
fn valid_form() -> ComplaintForm {
    ComplaintForm {
        branch_code: "BJ01".into(),
        received_at: "2026-11-23T10:00".into(),
        customer_name: "李先生".into(),
        phone: "138 0013 8000".into(),
        channel: "phone".into(),
        category: "SQ".into(),
        content: "高速制动时方向盘抖动".into(),
        ..Default::default()
    }
}

fn meta() -> NewComplaint {
    NewComplaint {
        id: "id-1".into(),
        case_number: "BJ01-20261123-7KQ2MZ-0001".into(),
        device_id: "device-1".into(),
        now: utc(2026, 11, 23, 2, 5),
    }
}

/// The kinds of issue the form reports against one field (at +08:00).
fn kinds(form: &ComplaintForm, field: Field) -> Vec<IssueKind> {
    form.issues(cst())
        .into_iter()
        .filter(|i| i.field == field)
        .map(|i| i.kind)
        .collect()
}

/// `valid_form` with one field changed.
fn with(field: Field, value: &str) -> ComplaintForm {
    let mut f = valid_form();
    f.set(field, value);
    f
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Sanity check for the helpers every other module builds on.
#[test]
fn the_minimal_valid_form_has_no_issues_and_saves() {
    let form = valid_form();
    assert_eq!(form.issues(cst()), Vec::<Issue>::new());
    let (c, warnings) = form.to_new_complaint(cst(), meta()).expect("saves");
    assert!(warnings.is_empty());
    assert_eq!(c.customer_name, "李先生");
    assert_eq!(c.received_at, utc(2026, 11, 23, 2, 0));
}

/// Labels and machine codes of every enumeration and field.
mod labels {
    use super::has_cjk;
    use complaints_domain::{
        Category, Channel, Field, Labelled, Lang, Nature, ServiceStage, Status,
    };
    use std::collections::HashSet;

    /// (enum name, [(zh, en)]) for every labelled enumeration.
    fn all_labels() -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
        fn pairs<T: Labelled>(values: &[T]) -> Vec<(&'static str, &'static str)> {
            values
                .iter()
                .map(|v| (v.label(Lang::Zh), v.label(Lang::En)))
                .collect()
        }
        vec![
            ("Channel", pairs(Channel::ALL)),
            ("Category", pairs(Category::ALL)),
            ("Status", pairs(Status::ALL)),
            ("Nature", pairs(Nature::ALL)),
            ("ServiceStage", pairs(ServiceStage::ALL)),
            ("Field", pairs(Field::ALL)),
        ]
    }

    #[test]
    fn every_enum_lists_the_expected_number_of_values() {
        assert_eq!(Channel::ALL.len(), 5);
        assert_eq!(Category::ALL.len(), 5);
        assert_eq!(Status::ALL.len(), 4);
        assert_eq!(Nature::ALL.len(), 4);
        assert_eq!(ServiceStage::ALL.len(), 8, "the seven stages and not a gap");
        assert_eq!(Field::ALL.len(), 29);
        assert_eq!(Field::ALL[0], Field::CaseNumber);
    }

    #[test]
    fn every_zh_label_is_non_empty_chinese() {
        for (name, labels) in all_labels() {
            for (zh, _) in labels {
                assert!(!zh.trim().is_empty(), "{name}: empty zh label");
                assert!(has_cjk(zh), "{name}: zh label {zh:?} has no Chinese");
            }
        }
    }

    #[test]
    fn every_en_label_is_non_empty_ascii_without_chinese() {
        for (name, labels) in all_labels() {
            for (_, en) in labels {
                assert!(!en.trim().is_empty(), "{name}: empty en label");
                assert!(en.is_ascii(), "{name}: en label {en:?} is not ASCII");
                assert!(
                    en.chars().any(|c| c.is_ascii_alphabetic()),
                    "{name}: {en:?}"
                );
            }
        }
    }

    #[test]
    fn zh_and_en_labels_differ() {
        for (name, labels) in all_labels() {
            for (zh, en) in labels {
                assert_ne!(zh, en, "{name}");
            }
        }
    }

    #[test]
    fn labels_are_unique_within_an_enum_per_language() {
        for (name, labels) in all_labels() {
            let zh: HashSet<_> = labels.iter().map(|(zh, _)| *zh).collect();
            let en: HashSet<_> = labels.iter().map(|(_, en)| *en).collect();
            assert_eq!(zh.len(), labels.len(), "{name}: duplicate zh label");
            assert_eq!(en.len(), labels.len(), "{name}: duplicate en label");
        }
    }

    #[test]
    fn codes_round_trip_through_from_code() {
        for &v in Channel::ALL {
            assert_eq!(Channel::from_code(v.as_str()), Some(v));
        }
        for &v in Category::ALL {
            assert_eq!(Category::from_code(v.as_str()), Some(v));
        }
        for &v in Status::ALL {
            assert_eq!(Status::from_code(v.as_str()), Some(v));
        }
        for &v in Nature::ALL {
            assert_eq!(Nature::from_code(v.as_str()), Some(v));
        }
        for &v in ServiceStage::ALL {
            assert_eq!(ServiceStage::from_code(v.as_str()), Some(v));
        }
        for &f in Field::ALL {
            assert_eq!(Field::from_key(f.key()), Some(f));
        }
    }

    #[test]
    fn unknown_codes_and_labels_are_not_codes() {
        assert_eq!(Channel::from_code(""), None);
        assert_eq!(Channel::from_code("电话投诉"), None);
        assert_eq!(Channel::from_code("Phone"), None);
        assert_eq!(Category::from_code("sq"), None);
        assert_eq!(Status::from_code("Closed"), None);
        assert_eq!(Nature::from_code("general "), None);
        assert_eq!(ServiceStage::from_code("预约"), None);
        assert_eq!(Field::from_key("Vin"), None);
    }

    #[test]
    fn codes_are_unique_within_an_enum() {
        let channel: HashSet<_> = Channel::ALL.iter().map(|v| v.as_str()).collect();
        let status: HashSet<_> = Status::ALL.iter().map(|v| v.as_str()).collect();
        let nature: HashSet<_> = Nature::ALL.iter().map(|v| v.as_str()).collect();
        let field: HashSet<_> = Field::ALL.iter().map(|f| f.key()).collect();
        assert_eq!(channel.len(), Channel::ALL.len());
        assert_eq!(status.len(), Status::ALL.len());
        assert_eq!(nature.len(), Nature::ALL.len());
        assert_eq!(field.len(), Field::ALL.len());
    }

    #[test]
    fn service_stages_are_the_seven_of_the_service_core_process_in_order() {
        let codes: Vec<&str> = ServiceStage::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            codes,
            [
                "appointment",
                "preparation",
                "reception",
                "repair",
                "quality_check",
                "delivery",
                "follow_up",
                "not_a_gap"
            ]
        );
        let zh: Vec<&str> = ServiceStage::ALL
            .iter()
            .map(|s| s.label(Lang::Zh))
            .collect();
        assert_eq!(
            zh,
            [
                "预约",
                "准备工作",
                "接车/制作订单",
                "修理/进行工作",
                "质检/交车准备",
                "交车/结帐",
                "服务跟踪",
                "非服务流程问题"
            ]
        );
        assert_eq!(
            ServiceStage::NotAGap.label(Lang::En),
            "Not a service-process gap"
        );
        assert_eq!(
            serde_json::to_string(&ServiceStage::QualityCheck).unwrap(),
            "\"quality_check\""
        );
    }

    #[test]
    fn channels_are_numbered_1_to_5_in_paper_form_order() {
        let numbers: Vec<u8> = Channel::ALL.iter().map(|c| c.number()).collect();
        assert_eq!(numbers, [1, 2, 3, 4, 5]);
        assert_eq!(Channel::InPerson.number(), 1);
        assert_eq!(Channel::Manufacturer.number(), 4);
        assert_eq!(Channel::OtherBody.number(), 5);
    }

    #[test]
    fn category_codes_are_s_sa_sq_sp_ot() {
        let codes: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(codes, ["S", "SA", "SQ", "SP", "OT"]);
        assert_eq!(Category::Quality.as_str(), "SQ");
        assert_eq!(Category::Parts.as_str(), "SP");
    }

    #[test]
    fn serde_uses_the_stable_codes() {
        assert_eq!(serde_json::to_string(&Category::Quality).unwrap(), "\"SQ\"");
        assert_eq!(
            serde_json::to_string(&Channel::LetterOrEmail).unwrap(),
            "\"letter_email\""
        );
        assert_eq!(
            serde_json::to_string(&Status::InProcess).unwrap(),
            "\"in_process\""
        );
        assert_eq!(
            serde_json::to_string(&Nature::MediaExposure).unwrap(),
            "\"media\""
        );
        assert_eq!(
            serde_json::to_string(&Field::MileageKm).unwrap(),
            "\"mileage_km\""
        );
        let back: Channel = serde_json::from_str("\"other_body\"").unwrap();
        assert_eq!(back, Channel::OtherBody);
    }

    #[test]
    fn channel_labels_match_the_paper_form() {
        let zh: Vec<&str> = Channel::ALL.iter().map(|c| c.label(Lang::Zh)).collect();
        assert_eq!(
            zh,
            [
                "店内面对投诉",
                "电话投诉",
                "信函或e-mail投诉",
                "厂方转投诉",
                "其他单位转投诉"
            ]
        );
        assert_eq!(Channel::Manufacturer.label(Lang::Zh), "厂方转投诉");
        assert_eq!(Channel::Phone.label(Lang::En), "Telephone");
    }

    #[test]
    fn category_labels_match_the_paper_form() {
        let zh: Vec<&str> = Category::ALL.iter().map(|c| c.label(Lang::Zh)).collect();
        assert_eq!(zh, ["销售类", "服务类", "产品质量类", "备件类", "其他"]);
        assert_eq!(Category::Quality.label(Lang::En), "Product quality");
    }

    #[test]
    fn status_labels_match_the_paper_form() {
        assert_eq!(Status::OnGoing.label(Lang::Zh), "处理中无结论");
        assert_eq!(Status::InProcess.label(Lang::Zh), "已有结论在走程序");
        assert_eq!(Status::Hold.label(Lang::Zh), "冷处理或僵持");
        assert_eq!(Status::Closed.label(Lang::Zh), "关闭");
        assert_eq!(Status::OnGoing.label(Lang::En), "On-going");
        assert_eq!(Status::Hold.label(Lang::En), "Hold");
    }

    #[test]
    fn nature_labels_name_media_consumer_association_and_legal() {
        assert_eq!(Nature::General.label(Lang::Zh), "一般投诉");
        assert!(Nature::MediaExposure.label(Lang::Zh).contains("媒体"));
        assert!(Nature::ConsumerAssociation
            .label(Lang::Zh)
            .contains("消费者协会"));
        assert!(Nature::Legal.label(Lang::Zh).contains("法律"));
    }

    #[test]
    fn field_labels_use_the_words_of_the_paper_form() {
        let expected = [
            (Field::CaseNumber, "表编号"),
            (Field::OemCaseNumber, "CAC案例号"),
            (Field::BranchName, "维修站名称"),
            (Field::Handler, "处理人"),
            (Field::CustomerName, "投诉顾客姓名"),
            (Field::Phone, "联系电话"),
            (Field::CustomerBackground, "顾客背景"),
            (Field::Plate, "车牌号码"),
            (Field::VehicleModel, "车型"),
            (Field::MileageKm, "公里数"),
            (Field::PurchaseDate, "购车日期"),
            (Field::Channel, "投诉渠道"),
            (Field::Category, "投诉分类"),
            (Field::Content, "车辆故障或投诉内容"),
            (Field::Nature, "投诉性质"),
            (Field::Demand, "顾客需求或倾向"),
            (Field::RepeatRepairs, "同一故障维修次数"),
            (Field::Tracking, "情况跟踪和目前维修状态"),
            (Field::FinalResult, "最终结果"),
            (Field::ServiceStage, "问题发生环节（服务核心流程）"),
            (Field::CustomerSatisfied, "顾客是否满意"),
            (Field::Status, "状态"),
        ];
        for (field, zh) in expected {
            assert_eq!(field.label(Lang::Zh), zh, "{field:?}");
        }
        assert!(Field::Vin.label(Lang::Zh).starts_with("车辆识别号"));
        assert!(Field::CompensationRequested
            .label(Lang::Zh)
            .contains("赔偿金额"));
        assert!(Field::CompensationAgreed
            .label(Lang::Zh)
            .contains("赔偿金额"));
        assert!(Field::RootCause.label(Lang::Zh).starts_with("投诉原因分析"));
        assert_eq!(Field::Vin.label(Lang::En), "VIN");
    }

    #[test]
    fn exactly_the_intake_essentials_are_required() {
        let required: Vec<Field> = Field::ALL
            .iter()
            .copied()
            .filter(|f| f.is_required())
            .collect();
        assert_eq!(
            required,
            [
                Field::BranchCode,
                Field::ReceivedAt,
                Field::CustomerName,
                Field::Phone,
                Field::Channel,
                Field::Category,
                Field::Content,
            ]
        );
    }

    #[test]
    fn max_chars_is_50_for_names_4000_for_long_text_200_otherwise() {
        assert_eq!(Field::CustomerName.max_chars(), 50);
        assert_eq!(Field::Handler.max_chars(), 50);
        assert_eq!(Field::Content.max_chars(), 4000);
        assert_eq!(Field::RootCause.max_chars(), 4000);
        assert_eq!(Field::Plate.max_chars(), 200);
        assert_eq!(Field::OemCaseNumber.max_chars(), 200);
    }
}

/// The UI language and how it is picked from the browser.
mod lang {
    use complaints_domain::Lang;

    #[test]
    fn chinese_tags_of_any_script_or_region_pick_zh() {
        for tag in [
            "zh",
            "zh-CN",
            "zh-TW",
            "zh_Hant",
            "zh-Hant-TW",
            "ZH-cn",
            " zh-HK ",
        ] {
            assert_eq!(Lang::from_tag(tag), Some(Lang::Zh), "{tag}");
        }
    }

    #[test]
    fn english_tags_pick_en() {
        for tag in ["en", "en-GB", "en_US", "EN"] {
            assert_eq!(Lang::from_tag(tag), Some(Lang::En), "{tag}");
        }
    }

    #[test]
    fn other_languages_and_junk_pick_nothing() {
        for tag in ["fr", "fr-CA", "ja", "", "   ", "english", "zho"] {
            assert_eq!(Lang::from_tag(tag), None, "{tag:?}");
        }
    }

    #[test]
    fn first_chinese_or_english_preference_wins() {
        assert_eq!(Lang::from_preferences(["fr", "zh"]), Lang::Zh);
        assert_eq!(Lang::from_preferences(["de", "en-GB", "zh-CN"]), Lang::En);
        assert_eq!(Lang::from_preferences(["zh-TW", "en"]), Lang::Zh);
    }

    #[test]
    fn without_chinese_or_english_the_language_is_english() {
        assert_eq!(Lang::from_preferences(["fr"]), Lang::En);
        assert_eq!(Lang::from_preferences(Vec::<&str>::new()), Lang::En);
    }

    #[test]
    fn default_is_chinese_and_tags_are_bcp47() {
        assert_eq!(Lang::default(), Lang::Zh);
        assert_eq!(Lang::Zh.tag(), "zh-CN");
        assert_eq!(Lang::En.tag(), "en");
        assert_eq!(Lang::ALL, [Lang::Zh, Lang::En]);
    }

    #[test]
    fn pick_returns_the_text_of_the_language() {
        assert_eq!(Lang::Zh.pick("关闭", "Closed"), "关闭");
        assert_eq!(Lang::En.pick("关闭", "Closed"), "Closed");
    }

    #[test]
    fn lang_serialises_lower_case() {
        assert_eq!(serde_json::to_string(&Lang::Zh).unwrap(), "\"zh\"");
        assert_eq!(serde_json::from_str::<Lang>("\"en\"").unwrap(), Lang::En);
    }
}

/// Vehicle identification numbers (ISO 3779 / GB 16735).
mod vin {
    use super::{kinds, meta, valid_form, with};
    use complaints_domain::vin::{
        check_digit, check_digit_mismatch, check_format, normalize, VinProblem,
    };
    use complaints_domain::{Field, Issue, IssueKind, Severity};

    const VALID: &str = "1M8GDM9AXKP042788";

    #[test]
    fn normalize_upper_cases_and_strips_spaces_and_hyphens() {
        assert_eq!(normalize(" 1m8gdm9a-xkp 042788 "), VALID);
        assert_eq!(normalize("1M8-GDM-9AX\u{3000}KP042788"), VALID);
        assert_eq!(normalize(""), "");
    }

    #[test]
    fn seventeen_characters_is_the_right_length() {
        assert_eq!(check_format(VALID), Ok(()));
    }

    #[test]
    fn sixteen_or_eighteen_characters_is_a_length_error() {
        assert_eq!(check_format(&VALID[..16]), Err(VinProblem::Length(16)));
        assert_eq!(
            check_format(&format!("{VALID}1")),
            Err(VinProblem::Length(18))
        );
        assert_eq!(check_format(""), Err(VinProblem::Length(0)));
    }

    #[test]
    fn vin_with_letter_i_o_or_q_is_an_error() {
        for letter in ['I', 'O', 'Q'] {
            let vin = format!("1M8GDM9AXKP{letter}42788");
            assert_eq!(
                check_format(&vin),
                Err(VinProblem::ForbiddenLetter(letter)),
                "{vin}"
            );
        }
    }

    #[test]
    fn lower_case_i_is_forbidden_once_normalised() {
        let vin = normalize("1m8gdm9axkpi42788");
        assert_eq!(check_format(&vin), Err(VinProblem::ForbiddenLetter('I')));
    }

    #[test]
    fn symbols_and_chinese_characters_are_invalid() {
        assert_eq!(
            check_format("1M8GDM9AXKP04278*"),
            Err(VinProblem::InvalidChar('*'))
        );
        assert_eq!(
            check_format("京M8GDM9AXKP042788"),
            Err(VinProblem::InvalidChar('京'))
        );
    }

    #[test]
    fn check_digits_of_known_vins() {
        assert_eq!(check_digit("1M8GDM9AXKP042788"), Some('X'));
        assert_eq!(check_digit("11111111111111111"), Some('1'));
        assert_eq!(check_digit("1HGCM82633A004352"), Some('3'));
        assert_eq!(check_digit("5GZCZ43D13S812715"), Some('1'));
        assert_eq!(check_digit("JH4KA7561PC008269"), Some('1'));
        // By hand: 1·8+2·7+3·6+4·5+5·4+6·3+7·2+8·10 = 192, the 9th character
        // weighs 0, 1·9+2·8+3·7+4·6+5·5+6·4+7·3+1·2 = 142; 334 = 30·11 + 4.
        assert_eq!(check_digit("12345678X12345671"), Some('4'));
        // The 9th character itself does not count towards its own check.
        assert_eq!(check_digit("1M8GDM9A0KP042788"), Some('X'));
    }

    #[test]
    fn known_valid_vins_have_no_mismatch() {
        for vin in [
            "1M8GDM9AXKP042788",
            "11111111111111111",
            "1HGCM82633A004352",
            "12345678412345671",
        ] {
            assert_eq!(check_digit_mismatch(vin), None, "{vin}");
        }
    }

    #[test]
    fn check_digit_mismatch_reports_expected_and_found() {
        assert_eq!(check_digit_mismatch("1M8GDM9A1KP042788"), Some(('X', '1')));
        assert_eq!(check_digit_mismatch("1HGCM826X3A004352"), Some(('3', 'X')));
    }

    #[test]
    fn malformed_vins_have_no_check_digit() {
        assert_eq!(check_digit("1M8GDM9AXKP04278"), None);
        assert_eq!(check_digit("1M8GDM9AXKPO42788"), None);
        assert_eq!(check_digit_mismatch("1M8GDM9A1KP04278"), None);
    }

    #[test]
    fn check_digit_mismatch_warns_but_saves() {
        let form = with(Field::Vin, "1m8gdm9a1kp042788");
        let expected = Issue {
            field: Field::Vin,
            severity: Severity::Warning,
            kind: IssueKind::VinCheckDigit {
                expected: 'X',
                found: '1',
            },
        };
        assert_eq!(form.issues(super::cst()), std::slice::from_ref(&expected));
        let (c, warnings) = form
            .to_new_complaint(super::cst(), meta())
            .expect("a warning does not block");
        assert_eq!(warnings, [expected]);
        assert_eq!(c.vin, "1M8GDM9A1KP042788");
    }

    #[test]
    fn a_vin_typed_in_lower_case_with_spaces_is_stored_normalised() {
        let form = with(Field::Vin, "1m8g dm9a-xkp0 42788");
        let (c, warnings) = form.to_new_complaint(super::cst(), meta()).expect("valid");
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(c.vin, VALID);
    }

    #[test]
    fn vin_is_optional() {
        assert_eq!(kinds(&valid_form(), Field::Vin), []);
        let (c, _) = valid_form()
            .to_new_complaint(super::cst(), meta())
            .expect("valid");
        assert_eq!(c.vin, "");
    }

    #[test]
    fn vin_format_errors_are_errors_and_block_saving() {
        let cases = [
            ("1M8GDM9AXKP04278", IssueKind::VinLength { len: 16 }),
            ("1M8GDM9AXKP0427888", IssueKind::VinLength { len: 18 }),
            (
                "1M8GDM9AXKPO42788",
                IssueKind::VinForbiddenLetter { letter: 'O' },
            ),
            (
                "1m8gdm9axkpq42788",
                IssueKind::VinForbiddenLetter { letter: 'Q' },
            ),
            (
                "1M8GDM9AXKP04278*",
                IssueKind::VinInvalidChar { found: '*' },
            ),
        ];
        for (vin, kind) in cases {
            let form = with(Field::Vin, vin);
            let err = form.to_new_complaint(super::cst(), meta()).expect_err(vin);
            assert_eq!(err, [Issue::error(Field::Vin, kind)], "{vin}");
        }
    }
}

/// Contact phone numbers.
mod phone {
    use super::{kinds, with};
    use complaints_domain::phone::{is_valid, search_key};
    use complaints_domain::{Field, IssueKind};

    #[test]
    fn mobiles_13x_to_19x_are_valid() {
        for second in '3'..='9' {
            let number = format!("1{second}012345678");
            assert!(is_valid(&number), "{number}");
        }
    }

    #[test]
    fn mobiles_10x_11x_12x_are_invalid() {
        for number in ["10012345678", "11012345678", "12812345678"] {
            assert!(!is_valid(number), "{number}");
        }
    }

    #[test]
    fn mobiles_may_be_written_with_spaces_hyphens_brackets_and_country_code() {
        for number in [
            "13800138000",
            "138 0013 8000",
            "138-0013-8000",
            " 138 0013 8000 ",
            "+86 138 0013 8000",
            "+8613800138000",
            "＋86 13800138000",
            "0086 138 0013 8000",
            "（0086）138 0013 8000",
            "(+86) 138 0013 8000",
            "（＋86）138-0013-8000",
            "138\u{3000}0013\u{3000}8000",
        ] {
            assert!(is_valid(number), "{number:?}");
        }
    }

    #[test]
    fn mobiles_of_10_or_12_digits_are_invalid() {
        assert!(!is_valid("1380013800"));
        assert!(!is_valid("138001380001"));
        assert!(!is_valid("+86 1380013800"));
    }

    #[test]
    fn landlines_with_area_code_are_valid() {
        for number in [
            "010-12345678",
            "010-1234567",
            "0755-1234567",
            "0755 12345678",
            "(021)12345678",
            "（0755）12345678",
            "+86 010 1234 5678",
        ] {
            assert!(is_valid(number), "{number:?}");
        }
    }

    #[test]
    fn landlines_after_plus_86_drop_the_trunk_zero() {
        for number in [
            "+86 10 1234 5678",
            "+86 755 1234567",
            "0086 21 12345678",
            "+86-20-87654321",
        ] {
            assert!(is_valid(number), "{number:?}");
        }
        assert!(!is_valid("+86 12812345678"));
        assert!(!is_valid("+86 2"));
    }

    #[test]
    fn landlines_of_9_or_13_digits_are_invalid() {
        assert!(!is_valid("010-123456"));
        assert!(!is_valid("0755-123456789"));
        // 10 and 12 digits are the boundaries that pass.
        assert!(is_valid("010-1234567"));
        assert!(is_valid("0755-12345678"));
    }

    #[test]
    fn nationwide_400_and_800_numbers_are_valid() {
        assert!(is_valid("400-800-1234"));
        assert!(is_valid("800 820 8820"));
        assert!(!is_valid("400-800-123"));
        assert!(!is_valid("400-800-12345"));
        assert!(!is_valid("401-800-1234"));
        assert!(!is_valid("500-800-1234"));
    }

    #[test]
    fn foreign_numbers_need_8_to_15_digits() {
        assert!(is_valid("+44 20 7946 0958"));
        assert!(is_valid("+1 212 555 0100"));
        assert!(is_valid("+12345678"));
        assert!(is_valid("+123456789012345"));
        assert!(!is_valid("+1234567"));
        assert!(!is_valid("+1234567890123456"));
    }

    #[test]
    fn letters_and_other_symbols_are_invalid() {
        for number in [
            "abc",
            "138 0013 800O",
            "13800138000 ext 12",
            "138.0013.8000",
            "138/0013/8000",
            "++86 13800138000",
        ] {
            assert!(!is_valid(number), "{number:?}");
        }
    }

    #[test]
    fn empty_is_not_a_valid_number() {
        assert!(!is_valid(""));
        assert!(!is_valid("   "));
        assert!(!is_valid("+"));
    }

    #[test]
    fn empty_phone_on_the_form_is_required_not_invalid() {
        assert_eq!(
            kinds(&with(Field::Phone, ""), Field::Phone),
            [IssueKind::Required]
        );
        assert_eq!(
            kinds(&with(Field::Phone, "  "), Field::Phone),
            [IssueKind::Required]
        );
    }

    #[test]
    fn bad_phone_on_the_form_is_phone_invalid() {
        assert_eq!(
            kinds(&with(Field::Phone, "12345"), Field::Phone),
            [IssueKind::PhoneInvalid]
        );
        assert_eq!(kinds(&with(Field::Phone, "010-12345678"), Field::Phone), []);
    }

    #[test]
    fn search_key_keeps_only_digits() {
        assert_eq!(search_key("+86 (138) 0013-8000"), "8613800138000");
        assert_eq!(search_key("电话"), "");
    }
}

/// Money in CNY, held in fen.
mod money {
    use super::{kinds, meta, with};
    use complaints_domain::money::MoneyError;
    use complaints_domain::{Cny, Field, IssueKind};

    fn fen(input: &str) -> Result<i64, MoneyError> {
        Cny::parse(input).map(Cny::fen)
    }

    #[test]
    fn parses_amounts_as_people_type_them() {
        let cases = [
            ("10000", 1_000_000),
            ("10,000", 1_000_000),
            ("10，000", 1_000_000),
            ("10,000.50", 1_000_050),
            ("¥ 10 000", 1_000_000),
            ("¥10,000.00元", 1_000_000),
            ("10000元", 1_000_000),
            ("￥8000.5", 800_050),
            ("RMB 1,234", 123_400),
            ("rmb12", 1_200),
            ("CNY 3.5", 350),
            ("  0.05 ", 5),
            ("0", 0),
            ("007", 700),
        ];
        for (input, expected) in cases {
            assert_eq!(fen(input), Ok(expected), "{input:?}");
        }
    }

    #[test]
    fn one_or_two_decimals_are_accepted() {
        assert_eq!(fen("8000.5"), Ok(800_050));
        assert_eq!(fen("8000.05"), Ok(800_005));
        assert_eq!(fen("0.10"), Ok(10));
    }

    #[test]
    fn three_decimals_are_too_precise() {
        assert_eq!(fen("1.234"), Err(MoneyError::TooPrecise));
        assert_eq!(fen("¥0.001"), Err(MoneyError::TooPrecise));
    }

    #[test]
    fn negative_amounts_are_rejected_but_minus_zero_is_zero() {
        assert_eq!(fen("-5"), Err(MoneyError::Negative));
        assert_eq!(fen("-0.01"), Err(MoneyError::Negative));
        assert_eq!(fen("-¥100"), Err(MoneyError::Negative));
        assert_eq!(fen("-0"), Ok(0));
        assert_eq!(fen("-0.00"), Ok(0));
    }

    #[test]
    fn garbage_is_invalid() {
        for input in [
            "abc", "", " ", ".", "¥", "元", "RMB", "1.2.3", "1e5", "12a", "+5", "五百",
        ] {
            assert_eq!(fen(input), Err(MoneyError::Invalid), "{input:?}");
        }
    }

    #[test]
    fn the_maximum_is_accepted_and_one_fen_more_is_too_large() {
        assert_eq!(Cny::MAX_YUAN, 100_000_000);
        assert_eq!(fen(&Cny::MAX_YUAN.to_string()), Ok(10_000_000_000));
        assert_eq!(fen("100,000,000.00"), Ok(10_000_000_000));
        assert_eq!(fen("100000000.01"), Err(MoneyError::TooLarge));
        assert_eq!(fen("999999999999999999999"), Err(MoneyError::TooLarge));
    }

    #[test]
    fn display_groups_thousands_and_shows_fen() {
        assert_eq!(Cny::from_fen(1_000_000).to_string(), "¥10,000.00");
        assert_eq!(Cny::from_fen(5).to_string(), "¥0.05");
        assert_eq!(Cny::from_fen(123_456_789).to_string(), "¥1,234,567.89");
        assert_eq!(Cny::from_fen(0).to_string(), "¥0.00");
        assert_eq!(Cny::from_fen(99_999).to_string(), "¥999.99");
        assert_eq!(Cny::from_fen(100_000).to_string(), "¥1,000.00");
        assert_eq!(Cny::from_yuan(Cny::MAX_YUAN).to_string(), "¥100,000,000.00");
    }

    #[test]
    fn to_input_is_editable_and_parses_back() {
        assert_eq!(Cny::from_fen(1_000_050).to_input(), "10000.50");
        assert_eq!(Cny::from_fen(800_000).to_input(), "8000");
        assert_eq!(Cny::from_fen(5).to_input(), "0.05");
        for f in [
            0,
            1,
            5,
            10,
            99,
            100,
            12_345,
            1_000_000,
            1_000_001,
            10_000_000_000,
        ] {
            let c = Cny::from_fen(f);
            assert_eq!(Cny::parse(&c.to_input()), Ok(c), "{f}");
        }
    }

    #[test]
    fn ten_thousand_yuan_and_one_fen_more_compare_exactly() {
        let at = Cny::parse("10,000.00").unwrap();
        let above = Cny::parse("10,000.01").unwrap();
        assert_eq!(at.fen(), 1_000_000);
        assert_eq!(above.fen(), 1_000_001);
        let threshold = Cny::from_yuan(10_000);
        assert_eq!(at, threshold);
        assert!(at <= threshold);
        assert!(above > threshold);
    }

    #[test]
    fn amounts_are_never_negative() {
        assert_eq!(Cny::from_fen(-5).fen(), 0);
        assert_eq!(Cny::from_yuan(-1).fen(), 0);
        assert_eq!(Cny::from_yuan(3).fen(), 300);
    }

    #[test]
    fn serialises_as_a_plain_number_of_fen() {
        assert_eq!(
            serde_json::to_string(&Cny::from_fen(1_000_050)).unwrap(),
            "1000050"
        );
        assert_eq!(
            serde_json::from_str::<Cny>("250").unwrap(),
            Cny::from_fen(250)
        );
    }

    #[test]
    fn money_errors_on_the_form() {
        let f = Field::CompensationRequested;
        assert_eq!(kinds(&with(f, "abc"), f), [IssueKind::NotANumber]);
        assert_eq!(kinds(&with(f, "-5"), f), [IssueKind::Negative]);
        assert_eq!(kinds(&with(f, "1.234"), f), [IssueKind::MoneyTooPrecise]);
        assert_eq!(
            kinds(&with(f, "200000000"), f),
            [IssueKind::TooLarge { max: 100_000_000 }]
        );
        assert_eq!(kinds(&with(f, ""), f), []);
    }

    #[test]
    fn money_typed_on_the_form_is_saved_in_fen() {
        let mut form = with(Field::CompensationRequested, "¥10,000.50");
        form.set(Field::CompensationAgreed, "8000元");
        let (c, _) = form.to_new_complaint(super::cst(), meta()).expect("valid");
        assert_eq!(c.compensation_requested, Some(Cny::from_fen(1_000_050)));
        assert_eq!(c.compensation_agreed, Some(Cny::from_yuan(8_000)));
        let (empty, _) = super::valid_form()
            .to_new_complaint(super::cst(), meta())
            .expect("valid");
        assert_eq!(empty.compensation_requested, None);
    }
}

/// Mileage and repeat repairs: whole, non-negative, bounded counts.
mod counts {
    use super::{cst, meta, with};
    use complaints_domain::form::{MAX_MILEAGE_KM, MAX_REPEAT_REPAIRS};
    use complaints_domain::{Complaint, Field, IssueKind};

    /// The saved value, or the issues reported against `field`.
    fn save(
        field: Field,
        text: &str,
        read: fn(&Complaint) -> Option<u32>,
    ) -> Result<Option<u32>, Vec<IssueKind>> {
        match with(field, text).to_new_complaint(cst(), meta()) {
            Ok((c, _)) => Ok(read(&c)),
            Err(issues) => Err(issues
                .into_iter()
                .filter(|i| i.field == field)
                .map(|i| i.kind)
                .collect()),
        }
    }

    fn mileage(text: &str) -> Result<Option<u32>, Vec<IssueKind>> {
        save(Field::MileageKm, text, |c| c.mileage_km)
    }

    fn repairs(text: &str) -> Result<Option<u32>, Vec<IssueKind>> {
        save(Field::RepeatRepairs, text, |c| c.repeat_repairs)
    }

    #[test]
    fn mileage_accepts_whole_numbers_with_separators() {
        assert_eq!(mileage("0"), Ok(Some(0)));
        assert_eq!(mileage("12,345"), Ok(Some(12_345)));
        assert_eq!(mileage("12 345"), Ok(Some(12_345)));
        assert_eq!(mileage("23560km"), Ok(Some(23_560)));
        assert_eq!(mileage("23560公里"), Ok(Some(23_560)));
    }

    #[test]
    fn empty_mileage_is_not_given() {
        assert_eq!(mileage(""), Ok(None));
    }

    #[test]
    fn negative_mileage_is_an_error() {
        assert_eq!(mileage("-1"), Err(vec![IssueKind::Negative]));
        assert_eq!(mileage("-0"), Ok(Some(0)));
    }

    #[test]
    fn fractional_mileage_is_not_whole_but_point_zero_is() {
        assert_eq!(mileage("12.5"), Err(vec![IssueKind::NotWhole]));
        assert_eq!(mileage("12.0"), Ok(Some(12)));
        assert_eq!(mileage("12.00"), Ok(Some(12)));
    }

    #[test]
    fn text_is_not_a_number() {
        assert_eq!(mileage("abc"), Err(vec![IssueKind::NotANumber]));
        assert_eq!(mileage("12a"), Err(vec![IssueKind::NotANumber]));
        assert_eq!(mileage("."), Err(vec![IssueKind::NotANumber]));
    }

    #[test]
    fn mileage_maximum_is_accepted_and_one_more_is_too_large() {
        assert_eq!(MAX_MILEAGE_KM, 3_000_000);
        assert_eq!(mileage("3000000"), Ok(Some(3_000_000)));
        assert_eq!(
            mileage("3000001"),
            Err(vec![IssueKind::TooLarge { max: 3_000_000 }])
        );
        assert_eq!(
            mileage("99999999999999999999999"),
            Err(vec![IssueKind::TooLarge { max: 3_000_000 }])
        );
    }

    #[test]
    fn repeat_repairs_up_to_99_are_accepted() {
        assert_eq!(MAX_REPEAT_REPAIRS, 99);
        assert_eq!(repairs("0"), Ok(Some(0)));
        assert_eq!(repairs("3"), Ok(Some(3)));
        assert_eq!(repairs("3次"), Ok(Some(3)));
        assert_eq!(repairs("99"), Ok(Some(99)));
        assert_eq!(repairs("100"), Err(vec![IssueKind::TooLarge { max: 99 }]));
        assert_eq!(repairs("1.5"), Err(vec![IssueKind::NotWhole]));
    }
}

/// Required fields, lengths, codes, dates and choices on the form.
mod required {
    use super::{cst, date, est, kinds, meta, utc, valid_form, with};
    use complaints_domain::form::parse_local_datetime;
    use complaints_domain::{ComplaintForm, Field, IssueKind, Nature, Severity, Status};
    use std::collections::BTreeSet;

    fn missing(form: &ComplaintForm) -> BTreeSet<Field> {
        form.issues(cst())
            .into_iter()
            .filter(|i| i.kind == IssueKind::Required)
            .map(|i| i.field)
            .collect()
    }

    #[test]
    fn an_empty_form_reports_required_for_exactly_the_required_fields() {
        let issues = ComplaintForm::default().issues(cst());
        assert!(issues
            .iter()
            .all(|i| i.kind == IssueKind::Required && i.severity == Severity::Error));
        let reported: Vec<Field> = issues.iter().map(|i| i.field).collect();
        let required: Vec<Field> = Field::ALL
            .iter()
            .copied()
            .filter(|f| f.is_required())
            .collect();
        assert_eq!(reported, required);
        assert_eq!(reported.len(), 7);
    }

    #[test]
    fn new_intake_leaves_only_name_phone_channel_category_and_content_missing() {
        let form =
            ComplaintForm::new_intake(utc(2026, 11, 23, 2, 0), cst(), "BJ01", "北京朝阳", "王经理");
        let issues = form.issues(cst());
        assert!(
            issues.iter().all(|i| i.kind == IssueKind::Required),
            "{issues:?}"
        );
        assert_eq!(
            missing(&form),
            BTreeSet::from([
                Field::CustomerName,
                Field::Phone,
                Field::Channel,
                Field::Category,
                Field::Content
            ])
        );
    }

    #[test]
    fn new_intake_prefills_time_branch_handler_nature_and_status() {
        let form = ComplaintForm::new_intake(
            utc(2026, 11, 23, 16, 30),
            cst(),
            "BJ01",
            "北京朝阳",
            "王经理",
        );
        assert_eq!(form.received_at, "2026-11-24T00:30");
        assert_eq!(form.branch_code, "BJ01");
        assert_eq!(form.branch_name, "北京朝阳");
        assert_eq!(form.handler, "王经理");
        assert_eq!(form.nature, "general");
        assert_eq!(form.status, "on_going");
        assert_eq!(form.customer_name, "");
    }

    #[test]
    fn whitespace_only_counts_as_missing() {
        for &field in Field::ALL.iter().filter(|f| f.is_required()) {
            let form = with(field, " \t\u{3000} ");
            assert!(
                kinds(&form, field).contains(&IssueKind::Required),
                "{field:?}"
            );
            assert!(form.to_new_complaint(cst(), meta()).is_err(), "{field:?}");
        }
    }

    #[test]
    fn saving_reports_every_error_at_once() {
        let mut form = valid_form();
        form.customer_name.clear();
        form.phone = "12345".into();
        let err = form.to_new_complaint(cst(), meta()).expect_err("invalid");
        let got: Vec<(Field, IssueKind)> = err.into_iter().map(|i| (i.field, i.kind)).collect();
        assert_eq!(
            got,
            [
                (Field::CustomerName, IssueKind::Required),
                (Field::Phone, IssueKind::PhoneInvalid)
            ]
        );
    }

    #[test]
    fn customer_name_of_50_characters_is_ok_and_51_is_too_long() {
        assert_eq!(
            kinds(
                &with(Field::CustomerName, &"张".repeat(50)),
                Field::CustomerName
            ),
            []
        );
        assert_eq!(
            kinds(
                &with(Field::CustomerName, &"张".repeat(51)),
                Field::CustomerName
            ),
            [IssueKind::TooLong { max: 50 }]
        );
    }

    #[test]
    fn content_of_4000_characters_is_ok_and_4001_is_too_long() {
        assert_eq!(
            kinds(&with(Field::Content, &"抖".repeat(4000)), Field::Content),
            []
        );
        assert_eq!(
            kinds(&with(Field::Content, &"抖".repeat(4001)), Field::Content),
            [IssueKind::TooLong { max: 4000 }]
        );
    }

    #[test]
    fn short_text_fields_allow_200_characters() {
        assert_eq!(
            kinds(&with(Field::Plate, &"A".repeat(200)), Field::Plate),
            []
        );
        assert_eq!(
            kinds(&with(Field::Plate, &"A".repeat(201)), Field::Plate),
            [IssueKind::TooLong { max: 200 }]
        );
    }

    #[test]
    fn branch_code_is_2_to_10_ascii_letters_or_digits() {
        for bad in ["b", "北京", "BJ-01", "BJ 01", "ABCDEFGHIJK"] {
            assert_eq!(
                kinds(&with(Field::BranchCode, bad), Field::BranchCode),
                [IssueKind::BranchCodeInvalid],
                "{bad:?}"
            );
        }
        for good in ["bj", "BJ01", "ABCDEFGHIJ", " gz07 "] {
            assert_eq!(
                kinds(&with(Field::BranchCode, good), Field::BranchCode),
                [],
                "{good:?}"
            );
        }
    }

    #[test]
    fn branch_code_is_stored_upper_case() {
        let (c, _) = with(Field::BranchCode, " bj01 ")
            .to_new_complaint(cst(), meta())
            .expect("valid");
        assert_eq!(c.branch_code, "BJ01");
    }

    #[test]
    fn received_at_is_read_in_the_devices_offset() {
        assert_eq!(
            parse_local_datetime("2026-11-23T10:00", cst()),
            Some(utc(2026, 11, 23, 2, 0))
        );
        assert_eq!(
            parse_local_datetime("2026-11-23 10:00", cst()),
            Some(utc(2026, 11, 23, 2, 0))
        );
        assert_eq!(
            parse_local_datetime("2026-11-23T10:00:30", cst()),
            Some(utc(2026, 11, 23, 2, 0) + chrono::Duration::seconds(30))
        );
        assert_eq!(
            parse_local_datetime("2026-11-23T22:00", est()),
            Some(utc(2026, 11, 24, 3, 0))
        );
        let (c, _) = valid_form().to_new_complaint(cst(), meta()).expect("valid");
        assert_eq!(c.received_at, utc(2026, 11, 23, 2, 0));
    }

    #[test]
    fn unreadable_received_at_is_date_time_invalid() {
        for bad in [
            "yesterday",
            "2026-11-23",
            "2026-13-01T10:00",
            "23/11/2026 10:00",
        ] {
            assert_eq!(
                kinds(&with(Field::ReceivedAt, bad), Field::ReceivedAt),
                [IssueKind::DateTimeInvalid],
                "{bad}"
            );
        }
    }

    #[test]
    fn purchase_on_the_day_of_receipt_is_fine_but_the_next_day_is_not() {
        // Received 2026-11-23 10:00 local.
        assert_eq!(
            kinds(
                &with(Field::PurchaseDate, "2026-11-23"),
                Field::PurchaseDate
            ),
            []
        );
        assert_eq!(
            kinds(
                &with(Field::PurchaseDate, "2025-09-01"),
                Field::PurchaseDate
            ),
            []
        );
        assert_eq!(
            kinds(
                &with(Field::PurchaseDate, "2026-11-24"),
                Field::PurchaseDate
            ),
            [IssueKind::PurchaseAfterReceipt]
        );
    }

    #[test]
    fn purchase_date_is_compared_with_the_local_day_just_after_midnight() {
        // 00:30 at +08:00 is still the 22nd in UTC; the purchase on the 23rd is the same local day.
        let mut form = with(Field::ReceivedAt, "2026-11-23T00:30");
        form.purchase_date = "2026-11-23".into();
        assert_eq!(kinds(&form, Field::PurchaseDate), []);
        let (c, _) = form.to_new_complaint(cst(), meta()).expect("valid");
        assert_eq!(c.received_at, utc(2026, 11, 22, 16, 30));
        assert_eq!(c.purchase_date, Some(date(2026, 11, 23)));
    }

    #[test]
    fn purchase_date_is_compared_with_the_local_day_just_before_midnight() {
        // 22:00 at -05:00 is already the 24th in UTC; a purchase on the 24th is after the local day.
        let mut form = with(Field::ReceivedAt, "2026-11-23T22:00");
        form.purchase_date = "2026-11-24".into();
        let issues: Vec<IssueKind> = form
            .issues(est())
            .into_iter()
            .filter(|i| i.field == Field::PurchaseDate)
            .map(|i| i.kind)
            .collect();
        assert_eq!(issues, [IssueKind::PurchaseAfterReceipt]);
        form.purchase_date = "2026-11-23".into();
        assert!(form.issues(est()).is_empty());
    }

    #[test]
    fn unreadable_purchase_date_is_date_invalid() {
        for bad in ["23/11/2026", "2026-02-30", "soon", "2026-11"] {
            assert_eq!(
                kinds(&with(Field::PurchaseDate, bad), Field::PurchaseDate),
                [IssueKind::DateInvalid],
                "{bad}"
            );
        }
    }

    #[test]
    fn unknown_choice_codes_are_errors() {
        assert_eq!(
            kinds(&with(Field::Channel, "7"), Field::Channel),
            [IssueKind::UnknownChoice]
        );
        assert_eq!(
            kinds(&with(Field::Channel, "电话投诉"), Field::Channel),
            [IssueKind::UnknownChoice]
        );
        assert_eq!(
            kinds(&with(Field::Category, "XX"), Field::Category),
            [IssueKind::UnknownChoice]
        );
        assert_eq!(
            kinds(&with(Field::Nature, "angry"), Field::Nature),
            [IssueKind::UnknownChoice]
        );
        assert_eq!(
            kinds(&with(Field::Status, "done"), Field::Status),
            [IssueKind::UnknownChoice]
        );
        assert_eq!(
            kinds(&with(Field::ServiceStage, "预约"), Field::ServiceStage),
            [IssueKind::UnknownChoice]
        );
    }

    #[test]
    fn the_service_stage_is_optional_until_closing_and_parsed_from_its_code() {
        let (c, _) = valid_form().to_new_complaint(cst(), meta()).expect("valid");
        assert_eq!(c.service_stage, None);
        for &stage in complaints_domain::ServiceStage::ALL {
            let form = with(Field::ServiceStage, stage.as_str());
            let (c, _) = form.to_new_complaint(cst(), meta()).expect("valid");
            assert_eq!(c.service_stage, Some(stage));
            // And back: the form shows the record's code.
            let back = ComplaintForm::from_complaint(&c, cst());
            assert_eq!(back.get(Field::ServiceStage), stage.as_str());
        }
    }

    #[test]
    fn every_choice_code_is_accepted() {
        for &ch in complaints_domain::Channel::ALL {
            let (c, _) = with(Field::Channel, ch.as_str())
                .to_new_complaint(cst(), meta())
                .expect("valid");
            assert_eq!(c.channel, ch);
        }
        for &cat in complaints_domain::Category::ALL {
            let (c, _) = with(Field::Category, cat.as_str())
                .to_new_complaint(cst(), meta())
                .expect("valid");
            assert_eq!(c.category, cat);
        }
    }

    #[test]
    fn empty_nature_and_status_default_to_general_and_on_going() {
        let (c, _) = valid_form().to_new_complaint(cst(), meta()).expect("valid");
        assert_eq!(c.nature, Nature::General);
        assert_eq!(c.status, Status::OnGoing);
    }

    #[test]
    fn customer_satisfied_is_yes_no_or_not_yet_known() {
        let saved = |text: &str| {
            with(Field::CustomerSatisfied, text)
                .to_new_complaint(cst(), meta())
                .map(|(c, _)| c.customer_satisfied)
        };
        assert_eq!(saved("yes"), Ok(Some(true)));
        assert_eq!(saved("no"), Ok(Some(false)));
        assert_eq!(saved(""), Ok(None));
        assert_eq!(
            kinds(
                &with(Field::CustomerSatisfied, "maybe"),
                Field::CustomerSatisfied
            ),
            [IssueKind::UnknownChoice]
        );
        assert!(saved("maybe").is_err());
    }

    #[test]
    fn text_is_trimmed_and_plates_upper_cased() {
        let mut form = with(Field::CustomerName, "  李先生 ");
        form.plate = " 京a·12345 ".into();
        form.content = "\n方向盘抖动\n".into();
        let (c, _) = form.to_new_complaint(cst(), meta()).expect("valid");
        assert_eq!(c.customer_name, "李先生");
        assert_eq!(c.plate, "京A·12345");
        assert_eq!(c.content, "方向盘抖动");
    }

    #[test]
    fn a_new_complaint_takes_its_identity_from_new_complaint() {
        let (c, _) = valid_form().to_new_complaint(cst(), meta()).expect("valid");
        assert_eq!(c.id, "id-1");
        assert_eq!(c.case_number, "BJ01-20261123-7KQ2MZ-0001");
        assert_eq!(c.created_on_device, "device-1");
        assert_eq!(c.created_at, utc(2026, 11, 23, 2, 5));
        assert_eq!(c.updated_at, utc(2026, 11, 23, 2, 5));
    }
}

/// What each issue says, in each language.
mod messages {
    use super::has_cjk;
    use complaints_domain::{Field, Issue, IssueKind, Labelled, Lang, Severity};
    use std::collections::HashSet;

    /// One example of every kind of issue.
    fn every_kind() -> Vec<IssueKind> {
        use IssueKind::*;
        let all = vec![
            Required,
            RequiredToClose,
            TooLong { max: 50 },
            VinLength { len: 16 },
            VinForbiddenLetter { letter: 'O' },
            VinInvalidChar { found: '*' },
            VinCheckDigit {
                expected: 'X',
                found: '1',
            },
            PhoneInvalid,
            BranchCodeInvalid,
            NotANumber,
            Negative,
            NotWhole,
            TooLarge { max: 99 },
            MoneyTooPrecise,
            DateInvalid,
            DateTimeInvalid,
            PurchaseAfterReceipt,
            UnknownChoice,
        ];
        // A new kind fails to compile here until it is added above.
        for kind in &all {
            match kind {
                Required
                | TooLong { .. }
                | VinLength { .. }
                | VinForbiddenLetter { .. }
                | VinInvalidChar { .. } => {}
                VinCheckDigit { .. }
                | PhoneInvalid
                | BranchCodeInvalid
                | NotANumber
                | Negative
                | NotWhole => {}
                TooLarge { .. }
                | MoneyTooPrecise
                | DateInvalid
                | DateTimeInvalid
                | PurchaseAfterReceipt => {}
                UnknownChoice | RequiredToClose => {}
            }
        }
        all
    }

    #[test]
    fn every_issue_has_a_message_in_both_languages_and_they_differ() {
        for kind in every_kind() {
            let issue = Issue::error(Field::Vin, kind.clone());
            let zh = issue.message(Lang::Zh);
            let en = issue.message(Lang::En);
            assert!(!zh.trim().is_empty(), "{kind:?}");
            assert!(!en.trim().is_empty(), "{kind:?}");
            assert_ne!(zh, en, "{kind:?}");
            assert!(has_cjk(&zh), "{kind:?}: {zh}");
            assert!(!has_cjk(&en), "{kind:?}: {en}");
        }
    }

    #[test]
    fn every_kind_of_issue_says_something_different() {
        for lang in Lang::ALL {
            let messages: HashSet<String> = every_kind()
                .into_iter()
                .map(|k| Issue::error(Field::Vin, k).message(lang))
                .collect();
            assert_eq!(messages.len(), every_kind().len(), "{lang:?}");
        }
    }

    #[test]
    fn required_message_names_the_field() {
        for &field in Field::ALL {
            let issue = Issue::error(field, IssueKind::Required);
            for lang in Lang::ALL {
                let message = issue.message(lang);
                assert!(
                    message.contains(field.label(lang)),
                    "{field:?} {lang:?}: {message}"
                );
            }
        }
        assert_eq!(
            Issue::error(Field::Phone, IssueKind::Required).message(Lang::Zh),
            "请填写联系电话"
        );
        assert_eq!(
            Issue::error(Field::Phone, IssueKind::Required).message(Lang::En),
            "Contact phone is required"
        );
    }

    #[test]
    fn messages_carry_their_numbers_and_characters() {
        let too_long = Issue::error(Field::CustomerName, IssueKind::TooLong { max: 50 });
        assert!(too_long.message(Lang::Zh).contains("50"));
        assert!(too_long.message(Lang::En).contains("50"));
        let length = Issue::error(Field::Vin, IssueKind::VinLength { len: 16 });
        assert!(length.message(Lang::En).contains("16"));
        let letter = Issue::error(Field::Vin, IssueKind::VinForbiddenLetter { letter: 'Q' });
        assert!(letter.message(Lang::Zh).contains('Q'));
        let check = Issue::warning(
            Field::Vin,
            IssueKind::VinCheckDigit {
                expected: 'X',
                found: '7',
            },
        );
        for lang in Lang::ALL {
            let m = check.message(lang);
            assert!(m.contains('X') && m.contains('7'), "{m}");
        }
        let large = Issue::error(Field::RepeatRepairs, IssueKind::TooLarge { max: 99 });
        assert_eq!(large.message(Lang::En), "At most 99");
    }

    #[test]
    fn constructors_set_the_severity() {
        let e = Issue::error(Field::Phone, IssueKind::PhoneInvalid);
        let w = Issue::warning(
            Field::Vin,
            IssueKind::VinCheckDigit {
                expected: 'X',
                found: '1',
            },
        );
        assert_eq!(e.severity, Severity::Error);
        assert!(e.is_error());
        assert_eq!(w.severity, Severity::Warning);
        assert!(!w.is_error());
        assert!(complaints_domain::validate::has_errors(&[w.clone(), e]));
        assert!(!complaints_domain::validate::has_errors(&[w]));
        assert!(!complaints_domain::validate::has_errors(&[]));
    }

    #[test]
    fn issues_serialise_flat_with_field_key_and_code() {
        let w = Issue::warning(
            Field::Vin,
            IssueKind::VinCheckDigit {
                expected: 'X',
                found: '1',
            },
        );
        assert_eq!(
            serde_json::to_value(&w).unwrap(),
            serde_json::json!({"field": "vin", "severity": "warning", "code": "vin_check_digit", "expected": "X", "found": "1"})
        );
        let e = Issue::error(Field::Phone, IssueKind::Required);
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"field": "phone", "severity": "error", "code": "required"})
        );
        let back: Issue = serde_json::from_value(serde_json::to_value(&w).unwrap()).unwrap();
        assert_eq!(back, w);
    }
}

/// The form as a whole: field access, editing and round trips.
mod form {
    use super::{cst, est, utc, valid_form};
    use complaints_domain::fixtures::{generated, worked_example};
    use complaints_domain::{Complaint, ComplaintForm, Field, NewComplaint, Status};

    fn example() -> Complaint {
        worked_example(
            "0b9f2d6e-3c1a-4f7e-9a55-2b8c7d1e0f42",
            utc(2026, 11, 23, 1, 30),
        )
    }

    fn new_for(c: &Complaint) -> NewComplaint {
        NewComplaint {
            id: c.id.clone(),
            case_number: c.case_number.clone(),
            device_id: c.created_on_device.clone(),
            now: c.created_at,
        }
    }

    #[test]
    fn set_then_get_round_trips_every_field_except_the_case_number() {
        let mut form = ComplaintForm::default();
        for &field in Field::ALL {
            form.set(field, format!("value of {}", field.key()));
        }
        for &field in Field::ALL {
            let expected = if field == Field::CaseNumber {
                String::new()
            } else {
                format!("value of {}", field.key())
            };
            assert_eq!(form.get(field), expected, "{field:?}");
        }
        assert_eq!(form.customer_name, "value of customer_name");
        assert_eq!(form.compensation_agreed, "value of compensation_agreed");
    }

    #[test]
    fn setting_the_case_number_changes_nothing() {
        let mut form = valid_form();
        form.set(Field::CaseNumber, "BJ01-20261123-7KQ2MZ-0009");
        assert_eq!(form, valid_form());
        assert_eq!(form.get(Field::CaseNumber), "");
    }

    #[test]
    fn from_complaint_shows_each_value_as_typed() {
        let form = ComplaintForm::from_complaint(&example(), cst());
        assert_eq!(form.received_at, "2026-11-23T09:30");
        assert_eq!(form.mileage_km, "23560");
        assert_eq!(form.purchase_date, "2025-09-01");
        assert_eq!(form.channel, "manufacturer");
        assert_eq!(form.category, "SQ");
        assert_eq!(form.nature, "media");
        assert_eq!(form.compensation_requested, "");
        assert_eq!(form.compensation_agreed, "0");
        assert_eq!(form.customer_satisfied, "yes");
        assert_eq!(form.status, "closed");
        assert_eq!(
            ComplaintForm::from_complaint(&example(), est()).received_at,
            "2026-11-22T20:30"
        );
    }

    #[test]
    fn the_worked_example_round_trips_through_the_form_exactly() {
        let c = example();
        for offset in [cst(), est(), chrono::FixedOffset::east_opt(0).unwrap()] {
            let form = ComplaintForm::from_complaint(&c, offset);
            assert_eq!(form.issues(offset), [], "{offset}");
            let (back, warnings) = form.to_new_complaint(offset, new_for(&c)).expect("valid");
            assert!(warnings.is_empty());
            assert_eq!(back, c, "{offset}");
        }
    }

    #[test]
    fn generated_complaints_round_trip_through_the_form() {
        for n in [0, 1, 2, 3, 17, 250] {
            let c = generated(n, "device-x");
            let form = ComplaintForm::from_complaint(&c, cst());
            let (back, _) = form.to_new_complaint(cst(), new_for(&c)).expect("valid");
            assert_eq!(back, c, "n = {n}");
        }
    }

    #[test]
    fn apply_to_keeps_identity_and_creation_and_stamps_updated_at() {
        let base = example();
        let now = utc(2026, 11, 25, 6, 0);
        let mut form = ComplaintForm::from_complaint(&base, cst());
        form.set(Field::Status, "hold");
        form.set(Field::Tracking, "顾客拒绝到店");
        // Whatever the form says, identity and creation facts come from the base.
        let (edited, warnings) = form.apply_to(&base, cst(), now).expect("valid");
        assert!(warnings.is_empty());
        let mut expected = base.clone();
        expected.status = Status::Hold;
        expected.tracking = "顾客拒绝到店".into();
        expected.updated_at = now;
        assert_eq!(edited, expected);
        assert_eq!(edited.id, base.id);
        assert_eq!(edited.case_number, base.case_number);
        assert_eq!(edited.created_at, base.created_at);
        assert_eq!(edited.created_on_device, "device-fixture");
    }

    #[test]
    fn apply_to_an_unchanged_form_only_moves_updated_at() {
        let base = example();
        let now = utc(2026, 12, 1, 0, 0);
        for offset in [cst(), est()] {
            let form = ComplaintForm::from_complaint(&base, offset);
            let (edited, _) = form.apply_to(&base, offset, now).expect("valid");
            assert_eq!(
                edited,
                Complaint {
                    updated_at: now,
                    ..base.clone()
                }
            );
        }
    }

    /// Regression: the input shows minutes only, so an unrelated edit used to
    /// truncate a received time that had seconds (e.g. one made on another device).
    #[test]
    fn apply_to_keeps_the_seconds_of_an_untouched_received_time() {
        let mut base = example();
        base.received_at += chrono::Duration::seconds(42);
        let mut form = ComplaintForm::from_complaint(&base, cst());
        form.set(Field::Tracking, "已电话联系顾客");
        let (edited, _) = form
            .apply_to(&base, cst(), utc(2026, 12, 1, 0, 0))
            .expect("valid");
        assert_eq!(edited.received_at, base.received_at);
    }

    #[test]
    fn apply_to_takes_a_changed_received_time_to_the_minute() {
        let mut base = example();
        base.received_at += chrono::Duration::seconds(42);
        let mut form = ComplaintForm::from_complaint(&base, cst());
        form.set(Field::ReceivedAt, "2026-11-20T08:15");
        let (edited, _) = form
            .apply_to(&base, cst(), utc(2026, 12, 1, 0, 0))
            .expect("valid");
        assert_eq!(edited.received_at, utc(2026, 11, 20, 0, 15));
    }

    #[test]
    fn apply_to_refuses_a_form_with_errors() {
        let base = example();
        let mut form = ComplaintForm::from_complaint(&base, cst());
        form.set(Field::Phone, "12345");
        let err = form
            .apply_to(&base, cst(), utc(2026, 12, 1, 0, 0))
            .expect_err("invalid phone");
        assert_eq!(err.len(), 1);
        assert_eq!(err[0].field, Field::Phone);
    }

    #[test]
    fn drafts_from_older_versions_load_with_missing_fields_empty() {
        let form: ComplaintForm = serde_json::from_str(r#"{"customer_name":"张三"}"#).unwrap();
        assert_eq!(
            form,
            ComplaintForm {
                customer_name: "张三".into(),
                ..Default::default()
            }
        );
    }

    #[test]
    fn complaints_from_older_versions_load_with_optional_fields_defaulted() {
        let json = serde_json::json!({
            "id": "x", "case_number": "BJ01-20261123-7KQ2MZ-0001", "branch_code": "BJ01",
            "received_at": "2026-11-23T02:00:00Z", "customer_name": "李先生", "phone": "13800138000",
            "channel": "phone", "category": "SQ", "content": "异响",
            "created_at": "2026-11-23T02:05:00Z", "updated_at": "2026-11-23T02:05:00Z"
        });
        let c: Complaint = serde_json::from_value(json).expect("loads");
        assert_eq!(c.nature, complaints_domain::Nature::General);
        assert_eq!(c.status, Status::OnGoing);
        assert_eq!(c.mileage_km, None);
        assert_eq!(c.vin, "");
        assert_eq!(c.received_at, utc(2026, 11, 23, 2, 0));
    }
}

/// Case numbers made offline on many devices.
mod case_numbers {
    use super::date;
    use complaints_domain::case_number::{device_tag, format, parse, CaseNumber};
    use std::collections::HashSet;
    use uuid::Uuid;

    const CROCKFORD: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// splitmix64: deterministic pseudo-random numbers without a `rand` crate.
    fn splitmix64(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn random_uuids(seed: u64, count: usize) -> Vec<Uuid> {
        let mut state = seed;
        (0..count)
            .map(|_| {
                let hi = splitmix64(&mut state);
                let lo = splitmix64(&mut state);
                Uuid::from_u128((u128::from(hi) << 64) | u128::from(lo))
            })
            .collect()
    }

    #[test]
    fn format_has_branch_day_device_and_four_digit_sequence() {
        assert_eq!(
            format("BJ01", date(2026, 11, 23), "7KQ2MZ", 3),
            "BJ01-20261123-7KQ2MZ-0003"
        );
        assert_eq!(
            format("GZ07", date(2027, 1, 5), "000000", 12_345),
            "GZ07-20270105-000000-12345"
        );
    }

    #[test]
    fn parse_reads_back_what_format_made() {
        for (branch, day, tag, seq) in [
            ("BJ01", date(2026, 11, 23), "7KQ2MZ", 3),
            ("A1", date(2000, 2, 29), "ZZZZZZ", 1),
            ("GZ-01", date(2026, 3, 15), "0G7K2M", 9_999),
        ] {
            let text = format(branch, day, tag, seq);
            assert_eq!(
                parse(&text),
                Some(CaseNumber {
                    branch_code: branch.into(),
                    day,
                    device_tag: tag.into(),
                    seq
                }),
                "{text}"
            );
        }
    }

    #[test]
    fn parse_rejects_junk() {
        for junk in [
            "",
            "BJ01",
            "BJ01-20261123-7KQ2MZ",
            "-20261123-7KQ2MZ-0003",
            "BJ01-20261323-7KQ2MZ-0003",
            "BJ01-2026112-7KQ2MZ-0003",
            "BJ01-20261123-7KQ2M-0003",
            "BJ01-20261123-7KQ2MZZ-0003",
            "BJ01-20261123-7KQ2MI-0003",
            "BJ01-20261123-7kq2mz-0003",
            "BJ01-20261123-7KQ2MZ-abc",
            "BJ01-20261123-7KQ2MZ-+003",
            "BJ01-+2026112-7KQ2MZ-0003",
            "BJ01-20261123-7KQ2MZ-",
            "BJ01_20261123_7KQ2MZ_0003",
        ] {
            assert_eq!(parse(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn device_tag_is_six_crockford_characters() {
        for id in random_uuids(7, 200) {
            let tag = device_tag(&id);
            assert_eq!(tag.len(), 6, "{tag}");
            assert!(tag.chars().all(|c| CROCKFORD.contains(c)), "{tag}");
        }
    }

    #[test]
    fn device_tag_is_the_first_30_bits_of_the_id() {
        assert_eq!(device_tag(&Uuid::nil()), "000000");
        assert_eq!(device_tag(&Uuid::max()), "ZZZZZZ");
        assert_eq!(device_tag(&Uuid::from_u128(1 << 98)), "000001");
        assert_eq!(device_tag(&Uuid::from_u128(31 << 98)), "00000Z");
        assert_eq!(device_tag(&Uuid::from_u128(1 << 127)), "G00000");
        // The last 98 bits play no part.
        assert_eq!(device_tag(&Uuid::from_u128((1 << 98) - 1)), "000000");
    }

    #[test]
    fn device_tag_is_deterministic() {
        let id = Uuid::parse_str("0b9f2d6e-3c1a-4f7e-9a55-2b8c7d1e0f42").unwrap();
        assert_eq!(device_tag(&id), device_tag(&id));
        assert_eq!(
            device_tag(&id),
            device_tag(&Uuid::parse_str("0B9F2D6E-0000-4000-8000-000000000000").unwrap())
        );
    }

    #[test]
    fn device_tags_differ_when_any_of_the_first_30_bits_differ() {
        let base = random_uuids(42, 1)[0];
        let tag = device_tag(&base);
        for bit in 0..30 {
            let flipped = Uuid::from_u128(base.as_u128() ^ (1u128 << (127 - bit)));
            assert_ne!(device_tag(&flipped), tag, "bit {bit}");
        }
    }

    #[test]
    fn two_thousand_devices_make_100_000_distinct_case_numbers_on_one_day() {
        let day = date(2026, 3, 15);
        let devices = random_uuids(0x00C0_FFEE, 2_000);
        let tags: HashSet<String> = devices.iter().map(device_tag).collect();
        assert_eq!(tags.len(), 2_000, "device tags collide");
        let mut numbers = HashSet::with_capacity(100_000);
        for tag in &tags {
            for seq in 1..=50 {
                numbers.insert(format("BJ01", day, tag, seq));
            }
        }
        assert_eq!(numbers.len(), 100_000);
    }

    #[test]
    fn two_devices_with_the_same_tag_would_collide() {
        // Same first 30 bits, different everywhere else.
        let a = Uuid::from_u128(0x0123_4567_89AB_CDEF_0123_4567_89AB_CDEF);
        let b = Uuid::from_u128(0x0123_4567_FFFF_FFFF_FFFF_FFFF_FFFF_FFFF);
        assert_ne!(a, b);
        assert_eq!(device_tag(&a), device_tag(&b));
        let day = date(2026, 3, 15);
        let numbers: HashSet<String> = [a, b]
            .iter()
            .flat_map(|id| (1..=50).map(move |seq| format("BJ01", day, &device_tag(id), seq)))
            .collect();
        assert_eq!(numbers.len(), 50, "the same tag gives the same 50 numbers");
    }
}

/// The list's search, filters and order.
mod search {
    use super::utc;
    use complaints_domain::fixtures::{generated, worked_example};
    use complaints_domain::search::{matching_positions, sort_newest_first};
    use complaints_domain::{Category, Channel, Complaint, ListQuery, Status};

    fn example() -> Complaint {
        worked_example("ex", utc(2026, 11, 23, 1, 30))
    }

    fn text(t: &str) -> ListQuery {
        ListQuery {
            text: t.into(),
            ..Default::default()
        }
    }

    fn finds(query: &str) -> bool {
        text(query).matches(&example())
    }

    #[test]
    fn empty_query_matches_everything() {
        assert!(ListQuery::default().is_empty());
        assert!(text("   ").is_empty());
        assert!(!text("李").is_empty());
        assert!(!ListQuery {
            status: Some(Status::Hold),
            ..Default::default()
        }
        .is_empty());
        assert!(ListQuery::default().matches(&example()));
    }

    #[test]
    fn finds_by_case_number_in_any_case() {
        assert!(finds("BJ01-20261123-7KQ2MZ-0001"));
        assert!(finds("7kq2mz-0001"));
        assert!(!finds("7KQ2MZ-0002"));
    }

    #[test]
    fn finds_by_customer_name() {
        assert!(finds("李先生"));
        assert!(finds("李"));
        assert!(!finds("王先生"));
    }

    #[test]
    fn finds_by_phone_with_or_without_spaces() {
        // Stored as "138 0013 8000".
        assert!(finds("13800138000"));
        assert!(finds("138 0013 8000"));
        assert!(finds("138-0013-8000"));
        assert!(finds("0013 8000"));
        assert!(finds("00138000"));
        assert!(!finds("13900138000"));
    }

    #[test]
    fn finds_by_vin_fragment_in_any_case() {
        assert!(finds("n2183294"));
        assert!(finds("LSVAU218X"));
        assert!(!finds("LSVAU2180"));
    }

    #[test]
    fn finds_by_plate() {
        assert!(finds("京A·12345"));
        assert!(finds("京a"));
    }

    #[test]
    fn finds_by_chinese_words_in_the_content() {
        assert!(finds("方向盘"));
        assert!(finds("抖动"));
        assert!(!finds("自燃"));
    }

    #[test]
    fn every_word_must_appear_somewhere() {
        assert!(finds("方向盘 抖动"));
        assert!(finds("李先生 方向盘 13800138000"));
        assert!(!finds("方向盘 自燃"));
        assert!(!finds("李先生 13900000000"));
    }

    #[test]
    fn filters_must_all_hold() {
        let c = example(); // Closed, Quality, Manufacturer
        let q = |status, category, channel| ListQuery {
            text: String::new(),
            status,
            category,
            channel,
        };
        assert!(q(
            Some(Status::Closed),
            Some(Category::Quality),
            Some(Channel::Manufacturer)
        )
        .matches(&c));
        assert!(!q(Some(Status::Hold), None, None).matches(&c));
        assert!(!q(None, Some(Category::Sales), None).matches(&c));
        assert!(!q(None, None, Some(Channel::Phone)).matches(&c));
        assert!(!q(
            Some(Status::Closed),
            Some(Category::Quality),
            Some(Channel::Phone)
        )
        .matches(&c));
    }

    #[test]
    fn filters_combine_with_text() {
        let c = example();
        let closed = ListQuery {
            text: "李先生".into(),
            status: Some(Status::Closed),
            ..Default::default()
        };
        let hold = ListQuery {
            text: "李先生".into(),
            status: Some(Status::Hold),
            ..Default::default()
        };
        let wrong_text = ListQuery {
            text: "王芳".into(),
            status: Some(Status::Closed),
            ..Default::default()
        };
        assert!(closed.matches(&c));
        assert!(!hold.matches(&c));
        assert!(!wrong_text.matches(&c));
    }

    #[test]
    fn matching_positions_over_generated_complaints() {
        // generated(n): category = ALL[n % 5], status = ALL[n % 4], name = NAMES[n % 8] + n.
        let all: Vec<Complaint> = (0..40).map(|n| generated(n, "dev")).collect();
        let ids = |q: &ListQuery| -> Vec<String> {
            matching_positions(&all, q)
                .into_iter()
                .map(|i| all[i].id.clone())
                .collect()
        };

        let closed_quality = ListQuery {
            status: Some(Status::Closed),
            category: Some(Category::Quality),
            ..Default::default()
        };
        assert_eq!(
            ids(&closed_quality),
            [generated(27, "dev").id, generated(7, "dev").id]
        );

        let with_name = ListQuery {
            text: "刘洋".into(),
            ..closed_quality.clone()
        };
        assert_eq!(ids(&with_name), [generated(27, "dev").id]);

        // In the generated data the channel follows the category, so these never meet.
        let impossible = ListQuery {
            category: Some(Category::Sales),
            channel: Some(Channel::Phone),
            ..Default::default()
        };
        assert_eq!(ids(&impossible), Vec::<String>::new());

        assert_eq!(matching_positions(&all, &ListQuery::default()).len(), 40);
    }

    #[test]
    fn newest_received_first_then_latest_recorded_then_highest_case_number() {
        let make = |case: &str, received_h: u32, created_m: u32| {
            let mut c = example();
            c.id = case.into();
            c.case_number = case.into();
            c.received_at = utc(2026, 11, 23, received_h, 0);
            c.created_at = utc(2026, 11, 23, 12, created_m);
            c
        };
        let a = make("BJ01-20261123-7KQ2MZ-0001", 10, 5);
        let b = make("BJ01-20261123-7KQ2MZ-0004", 11, 0);
        let c = make("BJ01-20261123-7KQ2MZ-0003", 10, 6);
        let d = make("BJ01-20261123-7KQ2MZ-0002", 10, 5);
        let expected = [
            "BJ01-20261123-7KQ2MZ-0004",
            "BJ01-20261123-7KQ2MZ-0003",
            "BJ01-20261123-7KQ2MZ-0002",
            "BJ01-20261123-7KQ2MZ-0001",
        ];
        for input in [
            vec![a.clone(), d.clone(), c.clone(), b.clone()],
            vec![b.clone(), a.clone(), c.clone(), d.clone()],
            vec![d.clone(), c.clone(), b.clone(), a.clone()],
        ] {
            let mut list = input.clone();
            sort_newest_first(&mut list);
            let order: Vec<&str> = list.iter().map(|c| c.case_number.as_str()).collect();
            assert_eq!(order, expected);
            let filtered: Vec<String> = matching_positions(&input, &ListQuery::default())
                .into_iter()
                .map(|i| input[i].case_number.clone())
                .collect();
            assert_eq!(filtered, expected);
        }
    }
}

/// The in-memory store passes the storage contract.
mod memory_store {
    complaints_domain::store_conformance_tests!(native, |_name: &str| async {
        complaints_domain::MemoryStore::new()
    });
}

/// The fixtures other tests and benchmarks rely on.
mod fixtures {
    use super::{cst, utc};
    use complaints_domain::case_number;
    use complaints_domain::fixtures::{generated, worked_example};
    use complaints_domain::{ComplaintForm, Status};
    use std::collections::HashSet;

    #[test]
    fn generated_complaints_are_about_1_2_kb_of_json() {
        for n in [0, 1, 7, 123, 4_567, 99_999] {
            let bytes = serde_json::to_vec(&generated(n, "9f1c2a4e-0000-4000-8000-000000000001"))
                .unwrap()
                .len();
            assert!((900..=1600).contains(&bytes), "n = {n}: {bytes} bytes");
        }
    }

    #[test]
    fn every_generated_complaint_validates_without_errors() {
        for n in 0..500 {
            let c = generated(n, "dev");
            let issues = ComplaintForm::from_complaint(&c, cst()).issues(cst());
            assert!(issues.iter().all(|i| !i.is_error()), "n = {n}: {issues:?}");
        }
    }

    #[test]
    fn generated_complaints_are_deterministic_and_distinct() {
        assert_eq!(generated(5, "dev"), generated(5, "dev"));
        let ids: HashSet<String> = (0..1_000).map(|n| generated(n, "dev").id).collect();
        assert_eq!(ids.len(), 1_000);
        for n in [0, 9, 10_001] {
            let c = generated(n, "dev");
            assert!(uuid::Uuid::parse_str(&c.id).is_ok(), "{}", c.id);
            assert!(
                case_number::parse(&c.case_number).is_some(),
                "{}",
                c.case_number
            );
        }
    }

    #[test]
    fn generated_complaints_cover_every_status() {
        let statuses: HashSet<Status> = (0..8).map(|n| generated(n, "dev").status).collect();
        assert_eq!(statuses.len(), Status::ALL.len());
    }

    #[test]
    fn the_worked_example_is_a_closed_valid_complaint() {
        let c = worked_example("x", utc(2026, 11, 23, 1, 30));
        assert_eq!(c.status, Status::Closed);
        assert_eq!(c.customer_satisfied, Some(true));
        assert!(!c.final_result.is_empty() && !c.root_cause.is_empty());
        assert_eq!(ComplaintForm::from_complaint(&c, cst()).issues(cst()), []);
        assert!(case_number::parse(&c.case_number).is_some());
    }
}

/// The clock of a tablet that ran hours fast, once the server's time is known.
mod clock_correction {
    use complaints_domain::sync::{Hlc, HlcClock, MAX_CLOCK_AHEAD_MS};

    const SERVER_NOW: u64 = 1_800_000_000_000;
    const HOURS_3: u64 = 3 * 3600 * 1000;

    #[test]
    fn a_clamped_clock_stamps_within_what_the_server_accepts() {
        let mut clock = HlcClock::default();
        let poisoned = clock.tick(SERVER_NOW + HOURS_3);
        clock.clamp(Hlc::new(SERVER_NOW + MAX_CLOCK_AHEAD_MS, 0));
        let next = clock.tick(SERVER_NOW);
        assert!(next < poisoned);
        assert!(next.wall_ms <= SERVER_NOW + MAX_CLOCK_AHEAD_MS);
    }

    #[test]
    fn clamping_keeps_the_clock_ahead_of_every_acceptable_stamp() {
        let mut clock = HlcClock::default();
        clock.tick(SERVER_NOW + HOURS_3);
        let limit = Hlc::new(SERVER_NOW + MAX_CLOCK_AHEAD_MS, 0);
        clock.clamp(limit);
        // The newest stamp the server could have accepted from anyone:
        let newest_valid = Hlc::new(SERVER_NOW + MAX_CLOCK_AHEAD_MS, 0);
        assert!(clock.tick(SERVER_NOW) > newest_valid);
    }

    #[test]
    fn clamping_a_clock_that_is_not_ahead_changes_nothing() {
        let mut clock = HlcClock::default();
        let last = clock.tick(SERVER_NOW);
        clock.clamp(Hlc::new(SERVER_NOW + MAX_CLOCK_AHEAD_MS, 0));
        assert_eq!(clock.last(), last);
    }
}

/// The hand-written date formats that replace chrono's strftime in the app.
mod timefmt {
    use chrono::{NaiveDate, NaiveTime};
    use complaints_domain::timefmt::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 5).expect("valid")
    }

    #[test]
    fn formats_pad_every_part() {
        let t = day().and_time(NaiveTime::from_hms_opt(7, 4, 9).expect("valid"));
        assert_eq!(date(day()), "2026-03-05");
        assert_eq!(date_compact(day()), "20260305");
        assert_eq!(input_datetime(t), "2026-03-05T07:04");
        assert_eq!(date_time(t), "2026-03-05 07:04");
        assert_eq!(date_time_seconds(t), "2026-03-05 07:04:09");
        assert_eq!(time_seconds(t), "07:04:09");
    }

    #[test]
    fn parsing_reads_what_formatting_writes() {
        let t = day().and_time(NaiveTime::from_hms_opt(23, 59, 0).expect("valid"));
        assert_eq!(parse_date(&date(day())), Some(day()));
        assert_eq!(parse_date_compact(&date_compact(day())), Some(day()));
        assert_eq!(parse_input_datetime(&input_datetime(t)), Some(t));
        assert_eq!(parse_input_datetime("2026-03-05 23:59:00"), Some(t));
    }

    #[test]
    fn parsing_refuses_what_is_not_a_date() {
        for bad in [
            "",
            "2026-02-30",
            "2026-13-01",
            "26-03-05",
            "2026-03-05-01",
            "２０２６-03-05",
            "2026/03/05",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        for bad in ["2026030", "202603051", "2026-305", "2026１２05"] {
            assert_eq!(parse_date_compact(bad), None, "{bad}");
        }
        for bad in [
            "2026-03-05",
            "2026-03-05T24:00",
            "2026-03-05T10:60",
            "2026-03-05T10:00:00:00",
            "2026-03-05T1000",
        ] {
            assert_eq!(parse_input_datetime(bad), None, "{bad}");
        }
    }
}

/// Timestamps in stored records and on the wire, read and written by hand.
mod rfc3339 {
    use chrono::{DateTime, Duration, TimeZone, Utc};
    use complaints_domain::timefmt::rfc3339::{format, parse};

    fn instants() -> Vec<DateTime<Utc>> {
        let base = Utc
            .with_ymd_and_hms(2026, 2, 28, 23, 59, 59)
            .single()
            .expect("valid");
        vec![
            base,
            base + Duration::milliseconds(250),
            base + Duration::microseconds(1),
            base + Duration::nanoseconds(7),
            Utc.with_ymd_and_hms(2024, 2, 29, 0, 0, 0)
                .single()
                .expect("leap day"),
        ]
    }

    #[test]
    fn writes_exactly_what_chrono_writes() {
        for t in instants() {
            let chrono_text = serde_json::to_value(t).expect("chrono serialises");
            assert_eq!(format(&t), chrono_text.as_str().expect("text"), "{t:?}");
        }
    }

    #[test]
    fn reads_what_it_and_chrono_write() {
        for t in instants() {
            assert_eq!(parse(&format(&t)), Some(t));
            let chrono_text = serde_json::to_value(t).expect("chrono serialises");
            assert_eq!(parse(chrono_text.as_str().expect("text")), Some(t));
        }
    }

    #[test]
    fn reads_offsets_as_the_same_instant() {
        let utc = Utc
            .with_ymd_and_hms(2026, 11, 23, 1, 30, 0)
            .single()
            .expect("valid");
        assert_eq!(parse("2026-11-23T09:30:00+08:00"), Some(utc));
        assert_eq!(parse("2026-11-22T20:30:00-05:00"), Some(utc));
        assert_eq!(parse("2026-11-23T01:30:00.000Z"), Some(utc));
    }

    #[test]
    fn refuses_what_is_not_a_timestamp() {
        for bad in [
            "",
            "2026-11-23",
            "2026-11-23T01:30Z",
            "2026-11-23T25:00:00Z",
            "2026-11-23T01:30:00",
            "2026-11-23T01:30:00+8",
            "2026-11-23T01:30:00.1234567890Z",
            "yesterday",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}

/// Purchase dates in stored records, read and written by hand.
mod stored_dates {
    use complaints_domain::fixtures;

    #[test]
    fn a_purchase_date_is_stored_as_chrono_wrote_it_and_read_back() {
        let c = fixtures::worked_example("x", chrono::Utc::now());
        let json = serde_json::to_value(&c).expect("serialises");
        assert_eq!(json["purchase_date"], "2025-09-01");
        let back: complaints_domain::Complaint = serde_json::from_value(json).expect("reads back");
        assert_eq!(back.purchase_date, c.purchase_date);
    }

    #[test]
    fn a_missing_or_null_purchase_date_is_none_and_a_bad_one_is_an_error() {
        let c = fixtures::worked_example("x", chrono::Utc::now());
        let mut json = serde_json::to_value(&c).expect("serialises");
        json["purchase_date"] = serde_json::Value::Null;
        let back: complaints_domain::Complaint =
            serde_json::from_value(json.clone()).expect("null is fine");
        assert_eq!(back.purchase_date, None);
        json.as_object_mut()
            .expect("object")
            .remove("purchase_date");
        let back: complaints_domain::Complaint =
            serde_json::from_value(json.clone()).expect("missing is fine");
        assert_eq!(back.purchase_date, None);
        json["purchase_date"] = "2025-13-01".into();
        assert!(serde_json::from_value::<complaints_domain::Complaint>(json).is_err());
    }
}

/// An edit form moved onto a newer version of its record (a sync brought
/// another tablet's change while the user typed).
mod rebase {
    use complaints_domain::{ComplaintForm, Field};

    fn form(pairs: &[(Field, &str)]) -> ComplaintForm {
        let mut f = ComplaintForm::default();
        for (field, value) in pairs {
            f.set(*field, *value);
        }
        f
    }

    #[test]
    fn untouched_fields_take_the_synced_value_and_typed_ones_stay() {
        let before = form(&[(Field::Demand, "修好"), (Field::Tracking, "等待配件")]);
        let typed = form(&[(Field::Demand, "更换方向机"), (Field::Tracking, "等待配件")]);
        let synced = form(&[(Field::Demand, "修好"), (Field::Tracking, "配件已到")]);
        let out = typed.rebase(&before, &synced);
        assert_eq!(out.get(Field::Demand), "更换方向机", "what the user typed");
        assert_eq!(
            out.get(Field::Tracking),
            "配件已到",
            "the other tablet's change"
        );
    }

    #[test]
    fn a_field_both_changed_keeps_what_was_typed() {
        let before = form(&[(Field::Tracking, "等待配件")]);
        let typed = form(&[(Field::Tracking, "已联系顾客")]);
        let synced = form(&[(Field::Tracking, "配件已到")]);
        assert_eq!(
            typed.rebase(&before, &synced).get(Field::Tracking),
            "已联系顾客"
        );
    }

    #[test]
    fn nothing_typed_is_the_synced_form() {
        let before = form(&[(Field::Tracking, "等待配件")]);
        let synced = form(&[(Field::Tracking, "配件已到"), (Field::Plate, "京A·12345")]);
        assert_eq!(before.rebase(&before, &synced), synced);
    }
}
