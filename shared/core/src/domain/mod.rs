//! Domain types: what an access-request event means once it has been parsed.

mod change;
mod ids;
mod request;
mod status;
mod tags;

pub use change::{Observation, StateChange};
pub use ids::*;
pub use request::*;
pub use status::*;
pub use tags::Tags;
