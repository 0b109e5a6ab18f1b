//! Domain types: what an access-request event means once it has been parsed.

mod ids;
mod request;
mod status;

pub use ids::*;
pub use request::*;
pub use status::*;
