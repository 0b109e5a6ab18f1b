//! The sweep function: on a schedule, the windowed automation rule over the groups whose
//! requests changed, on DynamoDB, bounded per run, resumable, and leased.

pub mod config;
pub mod dormancy;
pub mod handler;
pub mod ports;
pub mod schedule;
pub mod sweep;
