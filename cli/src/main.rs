//! The `anomalies` command: wires arguments to the detection core on the embedded store.

mod commands;
mod platforms;
mod serve;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

// Replay allocates a few dozen small strings per event; mimalloc is markedly faster than
// the system allocator at that (see the README's benchmark figures).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Access Anomalies: detect risky just-in-time access from a stream of request events.
#[derive(Parser)]
#[command(name = "anomalies", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Detect anomalies in a JSONL file of events (or `-` for stdin) and print them as JSONL.
    Replay {
        /// Detection settings (TOML, or JSON with a .json extension).
        #[arg(long)]
        config: Option<PathBuf>,
        /// The events: one JSON object per line. Reads stdin when omitted or `-`.
        file: Option<PathBuf>,
        /// What the lines are: `v1` (our contract), or a platform's own payloads translated
        /// by its connector: `teleport` (audit events), `aws-team` (TEAM notifications),
        /// `common-fate` (audit-log webhooks, Glide events), `apono` (webhook bodies).
        #[arg(long, default_value = "v1")]
        source: anomalies_core::connectors::Source,
        /// How each anomaly is written: `anomaly` (our record) or `ocsf` (an OCSF 1.5.0
        /// Detection Finding, as of the anomaly's last change).
        #[arg(long, value_enum, default_value_t = commands::Output::Anomaly)]
        output: commands::Output,
    },
    /// Replay the bundled sample stream and print the anomalies as a table.
    Demo {
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Write a seeded, realistic event stream (people, bots, leaves, bad lines) as JSONL.
    Generate {
        /// Lines to write.
        #[arg(long, default_value_t = 10_000)]
        events: u64,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Write here instead of stdout.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Write the stream in a platform's own format (`teleport`, `aws-team`,
        /// `common-fate`, `apono`) instead of v1: every generated event translated, with the
        /// platform's unrelated events and state changes for requests never created.
        #[arg(long, default_value = "v1")]
        format: anomalies_core::connectors::Source,
        /// With `--format`: also write the equivalent v1.1 stream (what each platform line
        /// says, line for line) here.
        #[arg(long)]
        equivalent: Option<PathBuf>,
    },
    /// Serve the query API on the embedded store (the same routes as the query Lambda, plus
    /// `POST /v1/events`). Prints the bearer token to use.
    Serve {
        #[arg(long)]
        config: Option<PathBuf>,
        /// Events to load at start: a JSONL file, `sample` (the bundled stream) or `none`.
        #[arg(long, default_value = "sample")]
        events: String,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// The bearer token clients must send (a random one is generated and printed if omitted).
        #[arg(long)]
        token: Option<String>,
        /// The tenant the token acts for (default: the only tenant in the events, else `default`).
        #[arg(long)]
        tenant: Option<String>,
        /// The window when a request has no time parameter (local data is often historical).
        #[arg(long, default_value_t = 36_500)]
        lookback_days: i64,
        /// Let webhooks target http:// and private or loopback addresses (local receivers).
        #[arg(long)]
        webhooks_allow_private: bool,
        /// Link from each anomaly to its request on the access platform, e.g.
        /// `https://jit.example.com/requests/{request_id}` (as the query Lambda's
        /// REQUEST_URL_TEMPLATE).
        #[arg(long)]
        request_url: Option<String>,
        /// Link to the access flow, e.g. `https://jit.example.com/flows/{access_flow_id}`.
        #[arg(long)]
        access_flow_url: Option<String>,
    },
    /// Measure end-to-end replay throughput and peak memory on a generated stream.
    Bench {
        #[arg(long, default_value_t = 300_000)]
        events: u64,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Replay this file instead of generating one.
        #[arg(long)]
        file: Option<PathBuf>,
        /// Replay again with full (non-incremental) sweeps and check the anomalies are identical.
        #[arg(long)]
        verify: bool,
        /// Compare a platform's stream replayed through its connector with its equivalent
        /// v1.1 stream (generated from `--events` v1 events).
        #[arg(long)]
        source: Option<anomalies_core::connectors::Source>,
        /// With `--source`: replays of each stream (the best is reported).
        #[arg(long, default_value_t = 3)]
        rounds: u32,
    },
}

/// Indexes into `mi_option_t` of the mimalloc v3 that libmimalloc-sys 0.1.49 builds
/// (c_src/mimalloc/v3/include/mimalloc.h); the crate exports no constants for these.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> anyhow::Result<()> {
    // Replay only grows its state: returning freed pages to the OS and faulting them back
    // cost up to a fifth of the run, and faulting in 2 MiB transparent huge pages made run
    // times swing by a third. Keep freed pages, and use ordinary pages.
    // SAFETY: sets a process-wide allocator option and a process flag (checked by the kernel
    // at each page fault) before any other thread exists; neither touches Rust memory.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1);
        #[cfg(target_os = "linux")]
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    match Cli::parse().command {
        Command::Replay {
            config,
            file,
            source,
            output,
        } => commands::replay(config.as_deref(), file.as_deref(), source, output),
        Command::Demo { config } => commands::demo(config.as_deref()),
        Command::Generate {
            events,
            seed,
            output,
            format: anomalies_core::connectors::Source::V1,
            ..
        } => commands::generate(events, seed, output.as_deref()),
        Command::Generate {
            events,
            seed,
            output,
            format,
            equivalent,
        } => platforms::generate(
            events,
            seed,
            format,
            output.as_deref(),
            equivalent.as_deref(),
        ),
        Command::Serve {
            config,
            events,
            listen,
            token,
            tenant,
            lookback_days,
            webhooks_allow_private,
            request_url,
            access_flow_url,
        } => serve::serve(serve::ServeOptions {
            detector: commands::detector(config.as_deref())?,
            events: &events,
            listen,
            token,
            tenant,
            lookback_days,
            webhooks_allow_private,
            links: anomalies_api::links::LinkTemplates {
                request: request_url,
                access_flow: access_flow_url,
            },
        }),
        Command::Bench {
            events,
            seed,
            source: Some(source),
            rounds,
            ..
        } => platforms::bench(events, seed, source, rounds),
        Command::Bench {
            events,
            seed,
            file,
            verify,
            ..
        } => commands::bench(events, seed, file.as_deref(), verify),
    }
}
