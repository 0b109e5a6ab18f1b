//! One-line, human summaries of anomalies ("who did what, and why it matters").

use crate::anomaly::{AutomationTrigger, Evidence, SelfApprovalMatch};
use crate::domain::{AccessRequest, Party};

fn who(party: &Party) -> &str {
    party
        .name
        .as_deref()
        .or(party.email.as_deref())
        .unwrap_or(party.id.as_str())
}

fn resources(request: &AccessRequest) -> String {
    let names: Vec<&str> = request
        .resources
        .iter()
        .map(|r| r.name.as_deref().unwrap_or(r.id.as_str()))
        .collect();
    match names.as_slice() {
        [one] => (*one).to_owned(),
        [first, rest @ ..] => format!("{first} and {} more", rest.len()),
        [] => "no resources".to_owned(),
    }
}

fn integration(request: &AccessRequest) -> &str {
    request
        .integration
        .name
        .as_deref()
        .unwrap_or(request.integration.id.as_str())
}

/// The summary of an anomaly with this evidence about this request.
pub fn summarize(request: &AccessRequest, evidence: &Evidence) -> String {
    let requester = who(&request.requester);
    let target = format!("{} in {}", resources(request), integration(request));
    match evidence {
        Evidence::HighRiskAccess { elevated, .. } => {
            let permission = elevated
                .first()
                .map_or("elevated access", |m| m.permission.as_str());
            format!("{requester} requested {permission} on sensitive {target}")
        }
        Evidence::ApprovedAfterRejection {
            rejected_by,
            rejected_at,
            approved_at,
            ..
        } => {
            let rejecter = rejected_by.as_ref().map_or("an approver", who);
            let after = human_seconds((*approved_at - *rejected_at).num_seconds() as f64);
            format!("{requester}'s request for {target} was approved {after} after {rejecter} rejected a similar one")
        }
        Evidence::InactiveUser { days_inactive, .. } => {
            format!("{requester} requested {target}, their first request in {days_inactive} days")
        }
        Evidence::AccessAutomation { count, trigger, .. } => {
            let pattern = match trigger {
                AutomationTrigger::RapidFire { run_length, .. } => {
                    format!("{run_length} in rapid succession")
                }
                AutomationTrigger::RegularCadence {
                    mean_gap_seconds, ..
                } => {
                    format!(
                        "at a machine-regular interval of about {}",
                        human_seconds(*mean_gap_seconds)
                    )
                }
                AutomationTrigger::ChainedRenewals { renewals, .. } => {
                    format!("{renewals} renewed within seconds of access ending")
                }
            };
            format!("{requester} made {count} automated-looking requests for {target} ({pattern})")
        }
        Evidence::SelfApproval { matched_on, .. } => {
            let how = match matched_on {
                SelfApprovalMatch::Id => "",
                SelfApprovalMatch::Email => " (as another account with the same email)",
            };
            format!("{requester} approved their own request for {target}{how}")
        }
    }
}

fn human_seconds(seconds: f64) -> String {
    if seconds >= 2.0 * 86_400.0 {
        format!("{:.0} days", seconds / 86_400.0)
    } else if seconds >= 3600.0 {
        format!("{:.1} h", seconds / 3600.0)
    } else if seconds >= 60.0 {
        format!("{:.0} min", seconds / 60.0)
    } else {
        format!("{seconds:.0} s")
    }
}
