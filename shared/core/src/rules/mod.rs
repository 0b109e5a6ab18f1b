//! The detection rules. Each is a pure function of the event (or a window of requests) and
//! the state the engine hands it, so the rules never know which store they run on.

pub mod access_automation;
pub mod allowlist;
pub mod approved_after_rejection;
pub mod high_risk_access;
pub mod inactive_user;
pub mod self_approval;

#[cfg(test)]
pub(crate) mod fixtures;
