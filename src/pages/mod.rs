//! One file per page.

mod detail;
mod intake;
mod list;

pub use detail::DetailPage;
pub use intake::IntakePage;
pub use list::ListPage;
