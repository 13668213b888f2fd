//! # kassa
//!
//! The one binary of the Kassa payment gateway: configuration and CLI, both API dialects
//! (`rasmiy-api`, `tophamyon-api`) mounted on one actix-web server, `/health`, the admin API
//! and the background worker, over `payments-core` and `payments-store`. This crate is glue:
//! the rules live in payments-core.

mod admin;
mod cli;
mod commands;
mod config;
mod demo;
mod health;
mod http_util;
mod metrics;
mod notifier;
mod openapi;
mod pay_page;
mod routes;
mod server;
mod settle_commands;
mod worker;

use clap::Parser;
use cli::{Cli, Command, ServeArgs};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let text = e.to_string();
            let line = text
                .lines()
                .next()
                .unwrap_or("invalid arguments")
                .trim_start_matches("error: ");
            eprintln!("kassa: {line}");
            return ExitCode::from(2);
        }
    };
    // Log lines are written by a thread of their own, through a buffer flushed whenever its
    // queue is empty: a request's line costs a queue push, not a write(2) on its worker.
    // Nothing is dropped (`lossy(false)`: a full queue waits), and `log_guard` flushes what is
    // queued when it is dropped, on every way out of `main`.
    let (log_writer, log_guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("kassa-log")
        .finish(std::io::BufWriter::new(std::io::stderr()));
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(log_writer)
        // Plain text always (the crate's `ansi` feature is off: see Cargo.toml).
        .with_ansi(false)
        .init();

    if let Err(e) = config::domain_config(&cli.db) {
        eprintln!("kassa: {e}");
        return ExitCode::from(2);
    }
    let (payments, store) = match config::open(&cli.db) {
        Ok(opened) => opened,
        Err(e) => {
            eprintln!("kassa: {e}");
            return ExitCode::from(if e.0.starts_with("KASSA_SECRET") {
                2
            } else {
                1
            });
        }
    };
    let notifier = notifier::Notifier::new(
        &cli.db.telegram_api_url,
        cli.db.telegram_bot_token.clone().filter(|t| !t.is_empty()),
    );
    let outcome = match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(args) => serve(args, payments, store, notifier),
        Command::Shop(c) => commands::shop(&payments, c),
        Command::Order(c) => commands::order(&payments, c),
        Command::Verify => commands::verify(&payments),
        Command::Ingest { file } => settle_commands::ingest(&payments, file.as_deref()),
        Command::Payments(c) => settle_commands::payments_command(&payments, c),
        Command::Export(c) => settle_commands::export(&payments, c),
    };
    // Every log line out before the closing message.
    drop(log_guard);
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(commands::Failure::Input(e)) => {
            eprintln!("kassa: {e}");
            ExitCode::from(2)
        }
        Err(commands::Failure::Run(e)) => {
            eprintln!("kassa: {e}");
            ExitCode::from(1)
        }
    }
}

fn serve(
    args: ServeArgs,
    payments: payments_core::Payments,
    store: std::sync::Arc<payments_store::DieselStore>,
    notifier: notifier::Notifier,
) -> Result<(), commands::Failure> {
    if args.demo {
        demo::seed(&payments).map_err(commands::Failure::from)?;
    }
    let system = actix_web::rt::System::new();
    let outcome = system.block_on(server::serve(args, payments, store, notifier));
    // The shutdown timeout has passed for whatever still runs on the blocking pool (a call stuck
    // on an unreachable database): dropping the runtime would wait for it without end, so the
    // process exits without waiting. Committed work is durable; unfinished work rolls back.
    std::mem::forget(system);
    outcome.map_err(|e| match e {
        server::ServeError::Config(c) => commands::Failure::Input(c),
        server::ServeError::Run(r) => commands::Failure::Run(r),
    })
}
