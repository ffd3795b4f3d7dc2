//! What can be wrong with a complaint as typed, and how to say so in each
//! language.
//!
//! Validation never throws input away: it reports [`Issue`]s against fields.
//! An [`Severity::Error`] blocks saving; a [`Severity::Warning`] (a VIN check
//! digit that does not match) is shown and does not block.

use serde::{Deserialize, Serialize};

use crate::field::Field;
use crate::lang::{Labelled, Lang};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// The specific problem, with what the message needs to be helpful.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum IssueKind {
    Required,
    /// Closing the complaint needs this field.
    RequiredToClose,
    TooLong {
        max: usize,
    },
    VinLength {
        len: usize,
    },
    VinForbiddenLetter {
        letter: char,
    },
    VinInvalidChar {
        found: char,
    },
    VinCheckDigit {
        expected: char,
        found: char,
    },
    PhoneInvalid,
    BranchCodeInvalid,
    NotANumber,
    Negative,
    NotWhole,
    TooLarge {
        max: u64,
    },
    MoneyTooPrecise,
    DateInvalid,
    DateTimeInvalid,
    PurchaseAfterReceipt,
    UnknownChoice,
}

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    pub field: Field,
    pub severity: Severity,
    #[serde(flatten)]
    pub kind: IssueKind,
}

impl Issue {
    pub fn error(field: Field, kind: IssueKind) -> Issue {
        Issue {
            field,
            severity: Severity::Error,
            kind,
        }
    }

    pub fn warning(field: Field, kind: IssueKind) -> Issue {
        Issue {
            field,
            severity: Severity::Warning,
            kind,
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The message shown beside the field.
    pub fn message(&self, lang: Lang) -> String {
        use IssueKind::*;
        let zh = lang == Lang::Zh;
        match &self.kind {
            Required => {
                if zh {
                    format!("请填写{}", self.field.label(lang))
                } else {
                    format!("{} is required", self.field.label(lang))
                }
            }
            RequiredToClose => {
                if zh {
                    format!("关闭投诉前必须填写{}", self.field.label(lang))
                } else {
                    format!(
                        "{} is required to close the complaint",
                        self.field.label(lang)
                    )
                }
            }
            TooLong { max } => {
                if zh {
                    format!("最多 {max} 个字")
                } else {
                    format!("At most {max} characters")
                }
            }
            VinLength { len } => {
                if zh {
                    format!("VIN 应为 17 位，现在是 {len} 位")
                } else {
                    format!("A VIN has 17 characters; this one has {len}")
                }
            }
            VinForbiddenLetter { letter } => {
                if zh {
                    format!("VIN 中不能有字母 {letter}（I、O、Q 不用于 VIN，请核对是否为 1 或 0）")
                } else {
                    format!(
                        "A VIN never contains {letter} (I, O and Q are not used; check for 1 or 0)"
                    )
                }
            }
            VinInvalidChar { found } => {
                if zh {
                    format!("VIN 只能包含数字和字母，不能有“{found}”")
                } else {
                    format!("A VIN has only digits and letters, not “{found}”")
                }
            }
            VinCheckDigit { expected, found } => {
                if zh {
                    format!("校验位（第 9 位）应为 {expected}，现为 {found}：请核对 VIN；如确认无误可照常保存")
                } else {
                    format!("Check digit (9th character) should be {expected}, not {found}: please re-check the VIN; you can still save it")
                }
            }
            PhoneInvalid => lang
                .pick(
                    "电话号码格式不正确（手机 11 位，座机请带区号）",
                    "Not a valid phone number (11-digit mobile, or a landline with area code)",
                )
                .to_string(),
            BranchCodeInvalid => lang
                .pick(
                    "维修站代码为 2–10 位字母或数字",
                    "A branch code is 2–10 letters or digits",
                )
                .to_string(),
            NotANumber => lang.pick("请输入数字", "Enter a number").to_string(),
            Negative => lang.pick("不能为负数", "Cannot be negative").to_string(),
            NotWhole => lang.pick("请输入整数", "Enter a whole number").to_string(),
            TooLarge { max } => {
                if zh {
                    format!("不能超过 {max}")
                } else {
                    format!("At most {max}")
                }
            }
            MoneyTooPrecise => lang
                .pick("金额最多两位小数（元.角分）", "At most two decimal places")
                .to_string(),
            DateInvalid => lang
                .pick("日期格式应为 年-月-日", "Enter a date as year-month-day")
                .to_string(),
            DateTimeInvalid => lang
                .pick("请输入日期和时间", "Enter a date and time")
                .to_string(),
            PurchaseAfterReceipt => lang
                .pick(
                    "购车日期不能晚于受理日期",
                    "The purchase date cannot be after the complaint was received",
                )
                .to_string(),
            UnknownChoice => lang
                .pick("请选择一项", "Choose one of the options")
                .to_string(),
        }
    }
}

/// Whether any issue in the list blocks saving.
pub fn has_errors(issues: &[Issue]) -> bool {
    issues.iter().any(Issue::is_error)
}
