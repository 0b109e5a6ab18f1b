//! Logging for the Lambda functions: JSON lines (CloudWatch parses them), level from
//! `RUST_LOG`, INFO by default, no timestamps (Lambda adds its own). Feature `telemetry`.

/// Install the subscriber; call once, first thing in `main`.
pub fn init() {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::from_default_env()
                .add_directive(tracing::Level::INFO.into()),
        )
        .with_current_span(false)
        .without_time()
        .init();
}
