//! One file (or folder) per page.

mod admin;
mod answer_edit;
pub(crate) mod answers;
mod detail;
mod intake;
mod kpi;
mod list;
mod signin;

pub use admin::AdminPage;
pub use answer_edit::AnswerEditPage;
pub use answers::AnswersPage;
pub use detail::DetailPage;
pub use intake::IntakePage;
pub use kpi::{KpiPage, ReportPage};
pub use list::ListPage;
pub use signin::SignInPage;
