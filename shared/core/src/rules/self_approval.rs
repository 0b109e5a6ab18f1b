//! `self_approval`: a request approved by its own requester. The approver is the requester
//! when `decision.by.id` equals `requester.id`, or when both carry an email and the emails
//! are equal ignoring case (one person, two accounts: an IdP id and a platform login).
//! Evaluated on every `approved` event whose decision is manual or does not say: an
//! automatic approval has no person behind it to be the requester. One anomaly per request.

use crate::anomaly::{Evidence, SelfApprovalMatch};
use crate::domain::{AccessEvent, DecisionMode};

/// Evidence when the approval of `event` was given by its requester, else `None`.
pub fn evaluate(event: &AccessEvent) -> Option<Evidence> {
    let decision = event.request.decision.as_ref()?;
    if decision.mode == Some(DecisionMode::Automatic) {
        return None;
    }
    let approver = decision.by.as_ref()?;
    let requester = &event.request.requester;
    let matched_on = if approver.id == requester.id {
        SelfApprovalMatch::Id
    } else {
        match (&approver.email, &requester.email) {
            (Some(a), Some(r)) if !a.trim().is_empty() && a.eq_ignore_ascii_case(r) => {
                SelfApprovalMatch::Email
            }
            _ => return None,
        }
    };
    Some(Evidence::SelfApproval {
        approver: approver.clone(),
        approved_at: event.occurred_at,
        matched_on,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::DecisionMode::{Automatic, Manual};
    use crate::domain::Party;
    use crate::domain::RequestStatus::Approved;
    use crate::rules::fixtures::event;

    fn approved_by(id: &str, email: Option<&str>, mode: Option<DecisionMode>) -> AccessEvent {
        let mut event = event("app", "req-1", Approved).decision(mode, id).build();
        if let Some(by) = event.request.decision.as_mut().and_then(|d| d.by.as_mut()) {
            by.email = email.map(Into::into);
        }
        event
    }

    fn matched(evidence: Option<Evidence>) -> Option<SelfApprovalMatch> {
        match evidence? {
            Evidence::SelfApproval { matched_on, .. } => Some(matched_on),
            _ => None,
        }
    }

    #[test]
    fn a_requester_approving_their_own_request_alerts_with_the_approver_as_evidence() {
        // Arrange
        let event = approved_by("alice", None, Some(Manual));
        // Act
        let evidence = evaluate(&event);
        // Assert
        assert_eq!(
            evidence,
            Some(Evidence::SelfApproval {
                approver: Party {
                    id: "alice".try_into().unwrap(),
                    name: None,
                    email: None,
                },
                approved_at: event.occurred_at,
                matched_on: SelfApprovalMatch::Id,
            })
        );
    }

    #[test]
    fn an_approver_with_the_requesters_email_in_another_case_is_the_requester() {
        let event = approved_by("alice.admin", Some("Alice@Example.COM"), Some(Manual));
        assert_eq!(matched(evaluate(&event)), Some(SelfApprovalMatch::Email));
    }

    #[test]
    fn another_approver_does_not_alert() {
        let event = approved_by("bob", Some("bob@example.com"), Some(Manual));
        assert_eq!(evaluate(&event), None);
    }

    #[test]
    fn an_approval_that_does_not_say_its_mode_counts_as_manual() {
        let event = approved_by("alice", None, None);
        assert_eq!(matched(evaluate(&event)), Some(SelfApprovalMatch::Id));
    }

    #[test]
    fn an_automatic_approval_in_the_requesters_name_does_not_alert() {
        let event = approved_by("alice", None, Some(Automatic));
        assert_eq!(evaluate(&event), None);
    }

    #[test]
    fn an_approval_that_names_no_approver_does_not_alert() {
        // Arrange
        let mut event = approved_by("alice", None, Some(Manual));
        if let Some(decision) = event.request.decision.as_mut() {
            decision.by = None;
        }
        // Act / Assert
        assert_eq!(evaluate(&event), None);
    }

    #[test]
    fn blank_emails_never_match() {
        // Arrange: requester and approver both with a blank email.
        let mut event = approved_by("bob", Some(" "), Some(Manual));
        event.request.requester.email = Some(" ".into());
        // Act / Assert
        assert_eq!(evaluate(&event), None);
    }
}
