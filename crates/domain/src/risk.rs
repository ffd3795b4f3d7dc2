//! Major-complaint warnings (重大投诉预警): the five criteria that make a
//! complaint major (重大投诉) and the risk signals that should raise a warning
//! on intake, as pure functions of what was typed, a date and a small
//! configuration. No I/O and no clock: the caller passes the date the
//! complaint was received.
//!
//! [`warnings`] checks every [`Rule`] in order and gives at most one
//! [`Warning`] per rule: the first match wins, and the warning's `detail` names
//! it (the keyword found, the amount, the window, the event…).
//!
//! # The rules
//!
//! The five criteria (a complaint meeting any of them is major):
//!
//! 1. `unresolved_after_escalation`: escalated to the manufacturer's regional
//!    after-sales manager, the top level, and still not resolved.
//! 2. `no_solution`: the content or the tracking notes say it cannot be
//!    solved (无法修复, 修不好, 查不出, "cannot be fixed", "no solution"…).
//! 3. `beyond_vehicle`: the demand goes beyond compensation for the vehicle
//!    itself (精神损失, 误工, 双倍赔偿, 公开道歉, "punitive", "lost wages"…).
//! 4. `compensation_over_limit`: the larger of the compensation requested and
//!    agreed is strictly over CNY 10,000 (CNY 10,000.00 does not warn,
//!    10,000.01 does).
//! 5. `exposure`: public-relations, media or legal exposure: the nature is
//!    potential media exposure, consumer association or legal; or the
//!    complaint was forwarded by another body (government, consumer
//!    association, media); or the content or demand mention legal action
//!    (起诉, 律师, 法院, "lawyer", "sue"…).
//!
//! The risk signals:
//!
//! 6. `fire`: the content mentions a fire (自燃, 起火, 冒烟, "fire", "smoke"…).
//! 7. `accident`: the content mentions an accident (事故, 碰撞, 追尾, "crash"…).
//! 8. `airbag`: the content mentions the airbag (气囊, "airbag").
//! 9. `major_failure`: the content names a major component (发动机, 变速箱,
//!    车桥, 半轴, "engine", "gearbox", "axle"…) and, anywhere in it, a failure
//!    (故障, 断裂, 拉缸, "failed", "broken", "seized"…) or an accident keyword.
//!    A component alone is not enough: 发动机异响 is not a major failure
//!    (it is an unexplained phenomenon), 发动机拉缸 is. 断 (broken) does not
//!    count inside 诊断, 判断, 不断 or 间断.
//! 10. `media_attention`: the content or demand mention the media (媒体, 记者,
//!     曝光, 抖音, 热搜, "journalist", "social media", "go public"…). The
//!     press is "the press": a bare "press" would match "pressed the brake".
//! 11. `repeat_repairs`: the same fault was repaired 3 or more times (over 90%
//!     of major complaints had three or more repairs).
//! 12. `unexplained`: the content or tracking notes describe a phenomenon the
//!     customer may not get explained (抖动, 异响, 顿挫, 跑偏, "shudder",
//!     "noise", "rattle"…). Bare 抖 is not used: 抖音 is a media app.
//! 13. `improper_handling`: the content complains of improper words or
//!     actions in earlier handling (态度差, 推诿, 敷衍, "rude", "brushed off"…).
//! 14. `march_15`: received within the period around 15 March, consumer
//!     rights day, from 1.5 months before to 10 days after: 31 January (15
//!     February less 15 days) to 25 March inclusive, see [`march_15_window`].
//! 15. `marketing_event`: received during a configured marketing event (motor
//!     show, launch), first and last day included.
//! 16. `early_ownership`: received 3 to 6 calendar months after the purchase,
//!     both ends included. Months are added as chrono's `checked_add_months`
//!     does, clamping to the month's end: bought 30 November, three months
//!     later is 28 (or 29) February.
//! 17. `new_model`: the vehicle model is a configured launch and the complaint
//!     was received from the launch day up to (not including) its first
//!     anniversary. Models compare case-insensitively and ignoring all
//!     whitespace, and the model as typed may continue after the configured
//!     name: "帕萨特" matches "帕萨特 2.0T".
//! 18. `media_background`: the customer background mentions the media or
//!     exposure (媒体工作, 记者, 自媒体, 曝光, "journalist"…).
//! 19. `repeat_complaint`: other complaints about the same vehicle (VIN or
//!     plate) are known on this device.
//!
//! # Keywords are hints
//!
//! The keyword rules (2, 3, 5, 6–10, 12, 13, 18) look for words, not meaning:
//! they would rather over-warn than miss. A negation still warns ("没有起火",
//! "no fire"), and so does a word used in another sense (在网上买的 is a media
//! keyword). A warning asks a person to look; it never blocks anything.
//!
//! Chinese keywords match as plain substrings. English keywords match without
//! regard to case and only at the start of a word (the character before the
//! match is not an ASCII letter), so "misfire" does not match "fire" but
//! "Fire", "fires" and "burning" match theirs; an English keyword written with
//! a trailing space must also end the word ("sue " matches "sue." but not
//! "suede"). See the keyword tables in this module.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::field::Field;
use crate::lang::{Labelled, Lang};
use crate::model::{Channel, Nature};
use crate::money::Cny;

/// Configuration the rules need (synced from the server, cached on the device).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RiskConfig {
    /// New models and their launch dates, for rule 17 (`new_model`).
    #[serde(default)]
    pub launches: Vec<ModelLaunch>,
    /// Marketing events (motor shows, launches), for rule 15 (`marketing_event`).
    #[serde(default)]
    pub events: Vec<MarketingEvent>,
}

/// A vehicle model and the day it was launched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelLaunch {
    /// The model's name as dealers type it, e.g. `帕萨特`.
    pub model: String,
    /// The launch day, as `2026-03-01` on the wire.
    #[serde(with = "date_text")]
    pub launched: NaiveDate,
}

/// A marketing event (a motor show, a launch) and its days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketingEvent {
    /// The event's name, shown in the warning.
    pub name: String,
    /// The first day, as `2026-04-25` on the wire.
    #[serde(with = "date_text")]
    pub start: NaiveDate,
    /// The last day (included), as `2026-05-04` on the wire.
    #[serde(with = "date_text")]
    pub end: NaiveDate,
}

/// Serde for a calendar date as `2026-11-23`, by hand (see [`crate::timefmt`]):
/// chrono's own serialization pulls its formatting machinery into the wasm.
mod date_text {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::timefmt::date(*d))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        crate::timefmt::parse_date(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not a date: \"{text}\"")))
    }
}

/// What the rules look at. The caller builds it from a saved complaint or
/// from the intake form as typed; empty text and `None` mean "not given" and
/// never warn.
#[derive(Debug, Clone, Default)]
pub struct RiskInput<'a> {
    /// The customer's words (车辆故障或投诉内容).
    pub content: &'a str,
    /// What the customer wants (顾客需求或倾向).
    pub demand: &'a str,
    /// Tracking and current repair status (情况跟踪和目前维修状态).
    pub tracking: &'a str,
    /// Customer background (顾客背景).
    pub customer_background: &'a str,
    /// The nature of the complaint (投诉性质).
    pub nature: Option<Nature>,
    /// How the complaint reached us (投诉渠道).
    pub channel: Option<Channel>,
    /// Repairs of the same fault (同一故障维修次数).
    pub repeat_repairs: Option<u32>,
    /// Compensation the customer asks for.
    pub compensation_requested: Option<Cny>,
    /// Compensation agreed with the customer.
    pub compensation_agreed: Option<Cny>,
    /// The local calendar date the complaint was received.
    pub received_on: Option<NaiveDate>,
    /// The purchase date (购车日期).
    pub purchase_date: Option<NaiveDate>,
    /// The vehicle model as typed (车型).
    pub vehicle_model: &'a str,
    /// Escalated to the manufacturer's regional manager (the top level) and not closed.
    pub unresolved_at_manufacturer: bool,
    /// Other complaints about the same vehicle (VIN or plate) known on this device.
    pub same_vehicle_complaints: usize,
}

/// Which kind of rule: one of the five criteria of a major complaint, or a
/// risk signal of one of the four kinds the training material lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleGroup {
    /// A criterion: meeting it makes the complaint major.
    Criterion,
    /// A risk signal: an event (fire, accident, airbag, major failure, media).
    Event,
    /// A risk signal: the handling so far (repeat repairs, unexplained
    /// phenomena, improper handling, repeat complaints).
    Process,
    /// A risk signal: a sensitive period.
    Period,
    /// A risk signal: the customer's background.
    Customer,
}

impl Labelled for RuleGroup {
    fn label(&self, lang: Lang) -> &'static str {
        match self {
            RuleGroup::Criterion => lang.pick("重大投诉条件", "Major-complaint criteria"),
            RuleGroup::Event => lang.pick("事件", "Events"),
            RuleGroup::Process => lang.pick("处理过程", "Process"),
            RuleGroup::Period => lang.pick("敏感时期", "Periods"),
            RuleGroup::Customer => lang.pick("顾客背景", "Customer background"),
        }
    }
}

/// Declares [`Rule`] with its code, titles, criterion number and group.
macro_rules! rules {
    (
        $( $(#[$vmeta:meta])* $variant:ident = ($code:literal, $zh:literal, $en:literal, $criterion:expr, $group:ident) ),+ $(,)?
    ) => {
        /// A major-complaint rule. The order of the variants is the order of
        /// [`warnings`]: the five criteria first, then the risk signals.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum Rule {
            $( $(#[$vmeta])* #[serde(rename = $code)] $variant ),+
        }

        impl Rule {
            /// Every rule, in order.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),+];

            /// The stable machine code.
            pub fn as_str(self) -> &'static str {
                match self { $(Rule::$variant => $code),+ }
            }

            /// Parses a machine code as produced by [`Self::as_str`].
            pub fn from_code(code: &str) -> Option<Rule> {
                match code { $($code => Some(Rule::$variant),)+ _ => None }
            }

            /// The number (1–5) of the major-complaint criterion this rule
            /// checks, or `None` for a risk signal.
            pub fn criterion(self) -> Option<u8> {
                match self { $(Rule::$variant => $criterion),+ }
            }

            /// Which kind of rule this is.
            pub fn group(self) -> RuleGroup {
                match self { $(Rule::$variant => RuleGroup::$group),+ }
            }
        }

        impl Labelled for Rule {
            fn label(&self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $( (Rule::$variant, Lang::Zh) => $zh, (Rule::$variant, Lang::En) => $en, )+
                }
            }
        }
    };
}

rules! {
    /// Criterion 1: escalated to the manufacturer and still not resolved.
    UnresolvedAfterEscalation = ("unresolved_after_escalation", "已升级厂方仍未解决", "Unresolved after escalation to the manufacturer", Some(1), Criterion),
    /// Criterion 2: neither policy nor repair can solve it.
    NoSolution = ("no_solution", "无法通过政策或技术手段解决", "No solution by policy or repair", Some(2), Criterion),
    /// Criterion 3: expectations beyond compensation for the vehicle itself.
    BeyondVehicle = ("beyond_vehicle", "期望超出车辆本身赔偿", "Expectations beyond the vehicle itself", Some(3), Criterion),
    /// Criterion 4: compensation over CNY 10,000.
    CompensationOverLimit = ("compensation_over_limit", "赔偿要求超过1万元", "Compensation over CNY 10,000", Some(4), Criterion),
    /// Criterion 5: public-relations, media or legal exposure.
    Exposure = ("exposure", "存在公关/媒体/法律风险", "PR, media or legal exposure", Some(5), Criterion),
    /// Vehicle fire or self-ignition.
    Fire = ("fire", "车辆自燃/起火", "Vehicle fire", None, Event),
    /// A serious accident.
    Accident = ("accident", "严重事故", "Serious accident", None, Event),
    /// Airbag problems.
    Airbag = ("airbag", "安全气囊问题", "Airbag problem", None, Event),
    /// A major component failed (engine, gearbox, axle).
    MajorFailure = ("major_failure", "重大故障", "Major component failure", None, Event),
    /// The media are or may become involved.
    MediaAttention = ("media_attention", "媒体关注", "Media attention", None, Event),
    /// The same fault repaired three or more times.
    RepeatRepairs = ("repeat_repairs", "同一故障维修3次及以上", "Same fault repaired 3 or more times", None, Process),
    /// Phenomena the customer cannot get explained (shaking, noise).
    Unexplained = ("unexplained", "无法解释的故障现象", "Unexplained symptoms", None, Process),
    /// Improper words or actions in earlier handling.
    ImproperHandling = ("improper_handling", "前期处理不当", "Improper earlier handling", None, Process),
    /// Around 15 March, consumer rights day.
    March15 = ("march_15", "3·15 敏感期", "Around 15 March (consumer rights day)", None, Period),
    /// During a marketing event.
    MarketingEvent = ("marketing_event", "营销活动期间", "During a marketing event", None, Period),
    /// Three to six months after the purchase.
    EarlyOwnership = ("early_ownership", "购车后3–6个月", "3–6 months after purchase", None, Period),
    /// The first year after a new model's launch.
    NewModel = ("new_model", "新车型上市第一年", "First year after a model's launch", None, Period),
    /// The customer works in the media or threatens exposure.
    MediaBackground = ("media_background", "顾客有媒体背景", "Customer works in the media", None, Customer),
    /// Other complaints about the same vehicle.
    RepeatComplaint = ("repeat_complaint", "同一车辆重复投诉", "Repeat complaint about the same vehicle", None, Process),
}

/// One rule that matched, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// The rule that matched.
    pub rule: Rule,
    /// The input that made it match, when one field did (for the form to
    /// point at it): the text the keyword was found in, the amount, the
    /// purchase date…
    pub field: Option<Field>,
    /// Why, concretely, and in no particular language: the keyword found
    /// (as written in the keyword table), the amount (`¥12,000.00`), the
    /// count, the window (`2026-01-31 – 2026-03-25`), the event's name, the
    /// purchase date, the model and its launch date (`帕萨特 (2026-03-01)`).
    /// When the nature or the channel matched, the machine code of the value
    /// (`media`, `other_body`), which [`Warning::message`] shows as its
    /// label. Empty for `unresolved_after_escalation`, which has nothing to
    /// add to its title.
    pub detail: String,
}

impl Warning {
    /// A full sentence in `lang` saying what was found and why it matters,
    /// e.g. `内容提到“自燃”：车辆起火/自燃是重大投诉风险事件`.
    pub fn message(&self, lang: Lang) -> String {
        let d = &self.detail;
        let zh = lang == Lang::Zh;
        match self.rule {
            Rule::UnresolvedAfterEscalation => lang
                .pick(
                    "已升级至厂方区域经理仍未解决：经维修站、经销商和厂方区域经理处理仍未达成一致的投诉属于重大投诉",
                    "Escalated to the manufacturer's regional manager and still not resolved: a complaint the branch, the dealer and the field manager could not settle is a major complaint",
                )
                .to_string(),
            Rule::CompensationOverLimit => {
                let agreed = self.field == Some(Field::CompensationAgreed);
                match (zh, agreed) {
                    (true, false) => format!("要求赔偿{d}，超过1万元：远超常规善意补偿标准，属于重大投诉"),
                    (true, true) => format!("商定赔偿{d}，超过1万元：远超常规善意补偿标准，属于重大投诉"),
                    (false, false) => format!("Compensation requested is {d}, over CNY 10,000: far above the usual goodwill standard, a major complaint"),
                    (false, true) => format!("Compensation agreed is {d}, over CNY 10,000: far above the usual goodwill standard, a major complaint"),
                }
            }
            Rule::Exposure if self.field == Some(Field::Nature) => {
                let label = Nature::from_code(d).map_or(d.as_str(), |n| n.label(lang));
                if zh {
                    format!("投诉性质为“{label}”：{}", consequence(self.rule, lang))
                } else {
                    format!("The nature is “{label}”: {}", consequence(self.rule, lang))
                }
            }
            Rule::Exposure if self.field == Some(Field::Channel) => {
                let label = Channel::from_code(d).map_or(d.as_str(), |c| c.label(lang));
                if zh {
                    format!("投诉渠道为“{label}”（政府、消协或媒体转来）：{}", consequence(self.rule, lang))
                } else {
                    format!(
                        "The channel is “{label}” (government, consumer association or media): {}",
                        consequence(self.rule, lang)
                    )
                }
            }
            Rule::RepeatRepairs => {
                if zh {
                    format!("同一故障已维修{d}次：九成以上的重大投诉都经历过3次及以上维修")
                } else {
                    format!("The same fault has been repaired {d} times: over 90% of major complaints had three or more repairs")
                }
            }
            Rule::March15 => {
                if zh {
                    format!("受理日期在3·15消费者权益日敏感期（{d}）内：此期间的投诉容易升级为重大投诉")
                } else {
                    format!("Received in the period around 15 March, consumer rights day ({d}): complaints then easily become major")
                }
            }
            Rule::MarketingEvent => {
                if zh {
                    format!("受理日期在营销活动“{d}”期间：活动期间的投诉容易升级为重大投诉")
                } else {
                    format!("Received during the marketing event “{d}”: complaints during events easily become major")
                }
            }
            Rule::EarlyOwnership => {
                if zh {
                    format!("购车日期为{d}，受理时在购车后3–6个月内：这是重大投诉的风险期")
                } else {
                    format!("Bought on {d}, received 3 to 6 months later: a major-complaint risk period")
                }
            }
            Rule::NewModel => {
                if zh {
                    format!("新车型{d}上市不满一年：新车型上市后第一年是重大投诉的风险期")
                } else {
                    format!("The model {d} was launched less than a year before: the first year after a model's launch is a major-complaint risk period")
                }
            }
            Rule::RepeatComplaint => {
                if zh {
                    format!("本设备上同一车辆（VIN或车牌）还有{d}起其他投诉：重复投诉容易升级为重大投诉")
                } else {
                    let noun = if d == "1" { "complaint" } else { "complaints" };
                    format!("{d} other {noun} about the same vehicle (VIN or plate) on this device: repeat complaints easily become major")
                }
            }
            // The keyword rules: "<where> mentions “<keyword>”: <why it matters>".
            rule => {
                let place = match (self.field, zh) {
                    (Some(Field::Demand), true) => "需求",
                    (Some(Field::Demand), false) => "The demand mentions",
                    (Some(Field::Tracking), true) => "跟踪记录",
                    (Some(Field::Tracking), false) => "The tracking notes mention",
                    (Some(Field::CustomerBackground), true) => "顾客背景",
                    (Some(Field::CustomerBackground), false) => "The customer background mentions",
                    (_, true) => "内容",
                    (_, false) => "The content mentions",
                };
                if zh {
                    format!("{place}提到“{d}”：{}", consequence(rule, lang))
                } else {
                    format!("{place} “{d}”: {}", consequence(rule, lang))
                }
            }
        }
    }
}

/// Why a keyword found by `rule` matters, the second half of its message.
fn consequence(rule: Rule, lang: Lang) -> &'static str {
    match rule {
        Rule::NoSolution => lang.pick(
            "无法通过售后政策或维修技术手段解决的投诉属于重大投诉",
            "a complaint that neither after-sales policy nor repair can solve is a major complaint",
        ),
        Rule::BeyondVehicle => lang.pick(
            "顾客期望超出车辆本身的赔偿，属于重大投诉",
            "expectations beyond compensation for the vehicle itself make a major complaint",
        ),
        Rule::Exposure => lang.pick(
            "存在公关/媒体/法律风险，属于重大投诉；涉及媒体或法院的，须在4小时内书面报告厂方",
            "PR, media or legal exposure makes a major complaint; where media or a court is involved, report it to the manufacturer in writing within 4 hours",
        ),
        Rule::Fire => lang.pick(
            "车辆起火/自燃是重大投诉风险事件",
            "a vehicle fire is a major-complaint risk event",
        ),
        Rule::Accident => lang.pick(
            "严重事故是重大投诉风险事件",
            "a serious accident is a major-complaint risk event",
        ),
        Rule::Airbag => lang.pick(
            "碰撞及安全气囊问题是重大投诉风险事件",
            "a collision with airbag problems is a major-complaint risk event",
        ),
        Rule::MajorFailure => lang.pick(
            "发动机、变速箱、车桥等重大部件故障是重大投诉风险事件",
            "a failure of a major component (engine, gearbox, axle) is a major-complaint risk event",
        ),
        Rule::MediaAttention => lang.pick(
            "引起媒体关注的事件容易升级为重大投诉",
            "events drawing media attention easily become major complaints",
        ),
        Rule::Unexplained => lang.pick(
            "顾客得不到解释的故障现象（如抖动、异响）是重大投诉风险信号",
            "phenomena the customer cannot get explained (such as shaking or noise) are a major-complaint risk signal",
        ),
        Rule::ImproperHandling => lang.pick(
            "前期处理中的不当言行是重大投诉风险信号",
            "improper words or actions in earlier handling are a major-complaint risk signal",
        ),
        Rule::MediaBackground => lang.pick(
            "顾客在媒体工作或威胁曝光，是重大投诉风险信号",
            "a customer who works in the media or threatens exposure is a major-complaint risk signal",
        ),
        _ => lang.pick("是重大投诉风险信号", "a major-complaint risk signal"),
    }
}

// The keyword tables. Chinese keywords are substrings; English ones are
// lowercase and match at the start of a word (a trailing space: the whole
// word). Where one keyword starts another, the longer comes first so that the
// detail names the word as written.

/// Criterion 2: cannot be solved.
const NO_SOLUTION: &[&str] = &[
    "无法修复",
    "无法解决",
    "修不好",
    "查不出",
    "找不到原因",
    "没有解决办法",
    "cannot be fixed",
    "can't be fixed",
    "cannot be repaired",
    "can't be repaired",
    "no solution",
    "unable to fix",
];

/// Criterion 3: expectations beyond the vehicle itself.
const BEYOND_VEHICLE: &[&str] = &[
    "精神损失",
    "精神赔偿",
    "误工",
    "惩罚性赔偿",
    "双倍赔偿",
    "三倍赔偿",
    "十倍赔偿",
    "退一赔",
    "公开道歉",
    "登报道歉",
    "emotional distress",
    "punitive",
    "lost income",
    "lost wages",
    "loss of earnings",
    "public apology",
];

/// Criterion 5: legal action.
const LEGAL: &[&str] = &[
    "起诉",
    "律师",
    "法院",
    "诉讼",
    "打官司",
    "court ",
    "courts ",
    "lawyer",
    "lawsuit",
    "sue ",
    "sued ",
    "suing",
];

/// Rule 6.
const FIRE: &[&str] = &[
    "自燃",
    "起火",
    "着火",
    "冒烟",
    "烧毁",
    "fire",
    "burn",
    "smoke",
    "smoking",
    "self-ignit",
];

/// Rule 7 (and the accident half of rule 9).
const ACCIDENT: &[&str] = &[
    "事故",
    "碰撞",
    "撞车",
    "追尾",
    "翻车",
    "accident",
    "collision",
    "crash",
];

/// Rule 8.
const AIRBAG: &[&str] = &["气囊", "airbag", "air bag"];

/// Rule 9: the major components.
const MAJOR_COMPONENT: &[&str] = &[
    "发动机",
    "变速箱",
    "变速器",
    "车桥",
    "半轴",
    "engine ",
    "engines ",
    "gearbox",
    "transmission",
    "axle",
];

/// Rule 9: the failure words.
const FAILURE: &[&str] = &[
    "故障", "损坏", "断裂", "断", "报废", "拉缸", "爆缸", "失效", "抱死", "failure", "failed",
    "fails", "broken", "broke", "seized", "blown",
];

/// Words containing a failure keyword that do not mean a failure (诊断 is
/// "diagnosis", 不断 "continually"); hidden before looking for [`FAILURE`].
const NOT_FAILURE: &[&str] = &["诊断", "判断", "不断", "间断"];

/// Rule 10, and part of rule 18. "press" alone would match "pressed the
/// brake", so the press appears as "the press".
const MEDIA: &[&str] = &[
    "媒体",
    "记者",
    "曝光",
    "微博",
    "抖音",
    "热搜",
    "电视台",
    "网上",
    "social media",
    "media ",
    "journalist",
    "reporter",
    "the press",
    "press conference",
    "newspaper",
    "expose",
    "go public",
    "going public",
    "went public",
];

/// Rule 18, looked for before [`MEDIA`].
const MEDIA_BACKGROUND: &[&str] = &[
    "自媒体",
    "媒体工作",
    "媒体从业",
    "记者",
    "编辑",
    "主编",
    "博主",
    "网红",
    "主播",
    "blogger",
    "influencer",
    "editor",
];

/// Rule 12. Not bare 抖: 抖音 is a media app.
const UNEXPLAINED: &[&str] = &[
    "抖动",
    "异响",
    "异常响声",
    "噪音",
    "顿挫",
    "跑偏",
    "异味",
    "震动",
    "振动",
    "shudder",
    "shaking",
    "shake",
    "vibration",
    "vibrating",
    "vibrates",
    "noise",
    "noisy",
    "rattle",
    "rattling",
];

/// Rule 13.
const IMPROPER_HANDLING: &[&str] = &[
    "态度差",
    "态度恶劣",
    "态度不好",
    "服务态度",
    "辱骂",
    "推诿",
    "敷衍",
    "欺骗",
    "rude",
    "insult",
    "lied",
    "lying",
    "brushed off",
    "unprofessional",
];

/// The first keyword of `keywords`, in table order, that occurs in `text`.
///
/// A keyword with any non-ASCII character is a plain substring. An ASCII
/// keyword (written in lowercase) matches without regard to case where the
/// character before it is not an ASCII letter; with a trailing space it must
/// also be followed by something other than an ASCII letter, or by the end.
fn find_keyword(text: &str, keywords: &[&'static str]) -> Option<&'static str> {
    if text.is_empty() {
        return None;
    }
    // ASCII lowercasing keeps every byte offset, and a byte of a multi-byte
    // character is never an ASCII letter.
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let found = keywords.iter().copied().find(|&kw| {
        if !kw.is_ascii() {
            return text.contains(kw);
        }
        let (word, whole) = match kw.strip_suffix(' ') {
            Some(word) => (word, true),
            None => (kw, false),
        };
        lower.match_indices(word).any(|(at, _)| {
            let starts = at == 0 || !bytes[at - 1].is_ascii_alphabetic();
            let ends = !whole
                || bytes
                    .get(at + word.len())
                    .is_none_or(|b| !b.is_ascii_alphabetic());
            starts && ends
        })
    });
    found.map(str::trim_end)
}

/// The March-15 window of a year: (first day, last day), inclusive.
///
/// Consumer rights day is 15 March; the window runs from 1.5 months before
/// (15 February less 15 days: 31 January) to 10 days after (25 March), the
/// same days in leap and other years. A year outside chrono's range is
/// clamped to it.
pub fn march_15_window(year: i32) -> (NaiveDate, NaiveDate) {
    let year = year.clamp(NaiveDate::MIN.year(), NaiveDate::MAX.year());
    (
        NaiveDate::from_ymd_opt(year, 1, 31).unwrap_or(NaiveDate::MIN),
        NaiveDate::from_ymd_opt(year, 3, 25).unwrap_or(NaiveDate::MAX),
    )
}

/// `model` without whitespace, ASCII-lowercased (model names that have case
/// are Latin; full Unicode case tables would cost the app's wasm), for comparing models.
fn model_key(model: &str) -> String {
    model
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Every rule that applies to `input`, in [`Rule`] order, at most one
/// warning per rule (the first match wins and the detail names it).
pub fn warnings(input: &RiskInput, config: &RiskConfig) -> Vec<Warning> {
    let mut out = Vec::new();
    let content = [(Field::Content, input.content)];
    let content_tracking = [
        (Field::Content, input.content),
        (Field::Tracking, input.tracking),
    ];
    let content_demand = [
        (Field::Content, input.content),
        (Field::Demand, input.demand),
    ];
    let demand = [(Field::Demand, input.demand)];
    let background = [(Field::CustomerBackground, input.customer_background)];

    // 1–3
    if input.unresolved_at_manufacturer {
        push(
            &mut out,
            Rule::UnresolvedAfterEscalation,
            None,
            String::new(),
        );
    }
    keyword(
        &mut out,
        Rule::NoSolution,
        &content_tracking,
        &[NO_SOLUTION],
    );
    keyword(&mut out, Rule::BeyondVehicle, &demand, &[BEYOND_VEHICLE]);

    // 4: the larger of requested and agreed (requested on a tie).
    let largest = match (input.compensation_requested, input.compensation_agreed) {
        (Some(r), Some(a)) if a > r => Some((Field::CompensationAgreed, a)),
        (Some(r), _) => Some((Field::CompensationRequested, r)),
        (None, Some(a)) => Some((Field::CompensationAgreed, a)),
        (None, None) => None,
    };
    if let Some((field, amount)) = largest.filter(|&(_, a)| a.fen() > COMPENSATION_LIMIT_FEN) {
        push(
            &mut out,
            Rule::CompensationOverLimit,
            Some(field),
            amount.to_string(),
        );
    }

    // 5: the nature, the channel, then words of legal action.
    let exposed_nature = input.nature.filter(|n| {
        matches!(
            n,
            Nature::MediaExposure | Nature::ConsumerAssociation | Nature::Legal
        )
    });
    if let Some(nature) = exposed_nature {
        push(
            &mut out,
            Rule::Exposure,
            Some(Field::Nature),
            nature.as_str().to_string(),
        );
    } else if let Some(channel) = input.channel.filter(|&c| c == Channel::OtherBody) {
        push(
            &mut out,
            Rule::Exposure,
            Some(Field::Channel),
            channel.as_str().to_string(),
        );
    } else {
        keyword(&mut out, Rule::Exposure, &content_demand, &[LEGAL]);
    }

    // 6–8
    keyword(&mut out, Rule::Fire, &content, &[FIRE]);
    keyword(&mut out, Rule::Accident, &content, &[ACCIDENT]);
    keyword(&mut out, Rule::Airbag, &content, &[AIRBAG]);

    // 9: a major component and, anywhere in the content, a failure or an accident.
    if let Some(component) = find_keyword(input.content, MAJOR_COMPONENT) {
        let mut masked = input.content.to_string();
        for word in NOT_FAILURE {
            masked = masked.replace(word, " ");
        }
        let failure =
            find_keyword(&masked, FAILURE).or_else(|| find_keyword(input.content, ACCIDENT));
        if let Some(failure) = failure {
            let detail = format!("{component} + {failure}");
            push(&mut out, Rule::MajorFailure, Some(Field::Content), detail);
        }
    }

    // 10
    keyword(&mut out, Rule::MediaAttention, &content_demand, &[MEDIA]);

    // 11
    if let Some(n) = input.repeat_repairs.filter(|&n| n >= 3) {
        push(
            &mut out,
            Rule::RepeatRepairs,
            Some(Field::RepeatRepairs),
            n.to_string(),
        );
    }

    // 12–13
    keyword(
        &mut out,
        Rule::Unexplained,
        &content_tracking,
        &[UNEXPLAINED],
    );
    keyword(
        &mut out,
        Rule::ImproperHandling,
        &content,
        &[IMPROPER_HANDLING],
    );

    // 14–17: the periods, from the day the complaint was received.
    if let Some(day) = input.received_on {
        let (first, last) = march_15_window(day.year());
        if (first..=last).contains(&day) {
            let window = format!(
                "{} – {}",
                crate::timefmt::date(first),
                crate::timefmt::date(last)
            );
            push(&mut out, Rule::March15, Some(Field::ReceivedAt), window);
        }

        let event = config
            .events
            .iter()
            .find(|e| (e.start..=e.end).contains(&day));
        if let Some(event) = event {
            push(
                &mut out,
                Rule::MarketingEvent,
                Some(Field::ReceivedAt),
                event.name.clone(),
            );
        }

        if let Some(bought) = input.purchase_date {
            let from = bought.checked_add_months(Months::new(3));
            let to = bought.checked_add_months(Months::new(6));
            if let (Some(from), Some(to)) = (from, to) {
                if (from..=to).contains(&day) {
                    let detail = crate::timefmt::date(bought);
                    push(
                        &mut out,
                        Rule::EarlyOwnership,
                        Some(Field::PurchaseDate),
                        detail,
                    );
                }
            }
        }

        if let Some(launch) = new_model(input.vehicle_model, day, &config.launches) {
            let detail = format!(
                "{} ({})",
                launch.model.trim(),
                crate::timefmt::date(launch.launched)
            );
            push(&mut out, Rule::NewModel, Some(Field::VehicleModel), detail);
        }
    }

    // 18: the words of a media job first, then any media word.
    keyword(
        &mut out,
        Rule::MediaBackground,
        &background,
        &[MEDIA_BACKGROUND, MEDIA],
    );

    // 19
    if input.same_vehicle_complaints >= 1 {
        let count = input.same_vehicle_complaints.to_string();
        push(&mut out, Rule::RepeatComplaint, None, count);
    }
    out
}

/// Compensation over this, in fen (CNY 10,000.00), meets criterion 4.
const COMPENSATION_LIMIT_FEN: i64 = 1_000_000;

fn push(out: &mut Vec<Warning>, rule: Rule, field: Option<Field>, detail: String) {
    out.push(Warning {
        rule,
        field,
        detail,
    });
}

/// Warns for `rule` with the first keyword found: table by table, and in
/// each table place by place.
fn keyword(
    out: &mut Vec<Warning>,
    rule: Rule,
    places: &[(Field, &str)],
    tables: &[&[&'static str]],
) {
    let found = tables.iter().find_map(|keywords| {
        places
            .iter()
            .find_map(|&(field, text)| find_keyword(text, keywords).map(|kw| (field, kw)))
    });
    if let Some((field, kw)) = found {
        push(out, rule, Some(field), kw.to_string());
    }
}

/// The first launch `typed` is a model of (see rule 17) whose first year
/// includes `day`.
fn new_model<'c>(
    typed: &str,
    day: NaiveDate,
    launches: &'c [ModelLaunch],
) -> Option<&'c ModelLaunch> {
    let typed = model_key(typed);
    if typed.is_empty() {
        return None;
    }
    launches.iter().find(|l| {
        let name = model_key(&l.model);
        let first_year = l.launched <= day
            && l.launched
                .checked_add_months(Months::new(12))
                .is_none_or(|anniversary| day < anniversary);
        !name.is_empty() && typed.starts_with(&name) && first_year
    })
}
