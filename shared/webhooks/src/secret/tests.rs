//! Signing and verifying as Standard Webhooks v1 says, against the spec's own example.

use super::*;

fn secret(text: &str) -> Secret {
    Secret::try_from(text.to_owned()).unwrap()
}

#[test]
fn a_signature_matches_the_specs_published_example() {
    // Arrange: the example of the Standard Webhooks spec and its reference libraries.
    let secret = secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");

    // Act
    let signature = sign(
        &secret,
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1_614_265_330,
        br#"{"test": 2432232314}"#,
    );

    // Assert
    assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

#[test]
fn a_signed_body_verifies_and_a_changed_body_id_or_late_timestamp_does_not() {
    // Arrange
    let secret = Secret::generate();
    let header = signature_header(&[&secret], "msg_1", 1_700_000_000, b"{\"a\":1}");
    let check =
        |id: &str, body: &[u8], now: i64| verify(&secret, &header, id, 1_700_000_000, body, now);

    // Act / Assert
    assert_eq!(check("msg_1", b"{\"a\":1}", 1_700_000_010), Ok(()));
    assert_eq!(
        check("msg_1", b"{\"a\":2}", 1_700_000_010),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(
        check("msg_2", b"{\"a\":1}", 1_700_000_010),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(
        check("msg_1", b"{\"a\":1}", 1_700_000_301),
        Err(VerifyError::Stale)
    );
}

#[test]
fn during_rotation_either_secret_verifies_and_a_third_does_not() {
    // Arrange
    let (old, new) = (Secret::generate(), Secret::generate());
    let header = signature_header(&[&new, &old], "msg_1", 10, b"x");

    // Act / Assert
    assert!(header.split(' ').all(|s| s.starts_with("v1,")));
    assert!(verify(&old, &header, "msg_1", 10, b"x", 10).is_ok());
    assert!(verify(&new, &header, "msg_1", 10, b"x", 10).is_ok());
    assert!(verify(&Secret::generate(), &header, "msg_1", 10, b"x", 10).is_err());
}

#[test]
fn generated_secrets_are_whsec_and_standard_base64_of_32_bytes() {
    // Act
    let a = Secret::generate();

    // Assert
    let encoded = a.as_str().strip_prefix("whsec_").unwrap();
    assert_eq!(STANDARD.decode(encoded).unwrap(), a.key());
    assert_eq!(a.key().len(), 32);
    assert_eq!(a.standard_text(), a.as_str());
    assert_ne!(a, Secret::generate());
}

#[test]
fn a_secret_issued_in_the_older_base64url_form_keeps_its_key_and_has_a_standard_text() {
    // Arrange: 32 bytes whose base64url has '-' and '_', without padding.
    let key = [0xfb_u8; 32];
    let legacy = format!("whsec_{}", URL_SAFE_NO_PAD.encode(key));
    assert!(legacy.contains('-') || legacy.contains('_'));

    // Act
    let parsed = secret(&legacy);

    // Assert
    assert_eq!(parsed.key(), key);
    assert_eq!(parsed.as_str(), legacy);
    assert_eq!(
        parsed.standard_text(),
        format!("whsec_{}", STANDARD.encode(key))
    );
}

#[test]
fn a_secret_without_the_prefix_or_with_a_short_key_is_refused() {
    for text in [
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "whsec_c2hvcnQ=",
        "whsec_not base64!",
        "whsec_",
    ] {
        assert_eq!(
            Secret::try_from(text.to_owned()),
            Err(InvalidSecret),
            "{text}"
        );
    }
}

#[test]
fn a_secret_never_shows_in_debug_output() {
    let secret = Secret::generate();
    assert!(!format!("{secret:?}").contains(secret.as_str()));
}
