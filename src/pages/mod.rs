//! One file per page.

mod detail;
mod intake;
mod list;
mod signin;

pub use detail::DetailPage;
pub use intake::IntakePage;
pub use list::ListPage;
pub use signin::SignInPage;
