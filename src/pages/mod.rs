//! One file per page.

mod detail;
mod intake;
mod kpi;
mod list;
mod signin;

pub use detail::DetailPage;
pub use intake::IntakePage;
pub use kpi::{Choice, KpiPage};
pub use list::ListPage;
pub use signin::SignInPage;
