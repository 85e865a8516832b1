//! `pennydrop-sim`: runs seeds of the whole-system simulation and prints the ones that fail.
//!
//! ```sh
//! cargo run --release -p pennydrop-sim -- --seeds 10000          # seeds 1..=10000
//! cargo run --release -p pennydrop-sim -- --replay 4242          # one seed, with its step log
//! cargo run --release -p pennydrop-sim -- --seeds 500 --store-faults  # with database faults
//! cargo run --release -p pennydrop-sim -- --seeds 500 --transport-faults  # files through a failing link
//! ```

use clap::Parser;
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "Deterministic whole-system simulation of Pennydrop")]
struct Args {
    /// How many seeds to run.
    #[arg(long, default_value_t = 100)]
    seeds: u64,
    /// The first seed.
    #[arg(long, default_value_t = 1)]
    first: u64,
    /// Steps per seed.
    #[arg(long, default_value_t = pennydrop_sim::DEFAULT_STEPS)]
    steps: usize,
    /// Seeds run side by side, one thread (and one runtime) each.
    #[arg(long, default_value_t = 1)]
    jobs: u64,
    /// Store-fault storms join the workload (docs/simulation.md).
    #[arg(long)]
    store_faults: bool,
    /// Files travel through a drop directory whose transport fails and runs slow.
    #[arg(long)]
    transport_faults: bool,
    /// Runs this one seed and prints its step log.
    #[arg(long)]
    replay: Option<u64>,
}

fn main() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    let options = pennydrop_sim::Options {
        store_faults: args.store_faults,
        transport_faults: args.transport_faults,
    };
    if let Some(seed) = args.replay {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        return Ok(runtime.block_on(replay(seed, args.steps, options)));
    }
    let started = std::time::Instant::now();
    let mut failed = Vec::new();
    let mut totals = pennydrop_sim::Outcome::default();
    let (tx, rx) = std::sync::mpsc::channel();
    let jobs = args.jobs.max(1);
    let workers: Vec<_> = (0..jobs)
        .map(|j| {
            let tx = tx.clone();
            let (first, count, steps) = (args.first, args.seeds, args.steps);
            std::thread::spawn(move || -> anyhow::Result<()> {
                for seed in (first + j..first + count).step_by(usize::try_from(jobs)?) {
                    let result = run_isolated(seed, steps, options)?;
                    if tx.send((seed, result)).is_err() {
                        break;
                    }
                }
                Ok(())
            })
        })
        .collect();
    drop(tx);
    for (done, (seed, result)) in rx.into_iter().enumerate() {
        match result {
            Ok(o) => add(&mut totals, &o),
            Err(f) => {
                println!("FAILED {f}");
                failed.push(seed);
            }
        }
        if (done + 1) % 100 == 0 {
            eprintln!(
                "{} seeds, {} failed, {:.0?}",
                done + 1,
                failed.len(),
                started.elapsed()
            );
        }
    }
    for w in workers {
        w.join()
            .map_err(|_| anyhow::anyhow!("a simulation thread panicked"))??;
    }
    failed.sort_unstable();
    println!(
        "{} seeds ({}..={}), {} steps each: {} failed; {} requests, {} crashes, {} files, {} verified, {} returned entries, {} events delivered, {} store faults, {} transport faults, {} slow transfers; {:.1?}",
        args.seeds,
        args.first,
        args.first + args.seeds - 1,
        args.steps,
        failed.len(),
        totals.requests,
        totals.crashes,
        totals.files,
        totals.verified,
        totals.returns,
        totals.events,
        totals.faults,
        totals.transport_faults,
        totals.slow_transfers,
        started.elapsed()
    );
    if !failed.is_empty() {
        println!("failing seeds: {failed:?}");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn add(totals: &mut pennydrop_sim::Outcome, o: &pennydrop_sim::Outcome) {
    totals.steps += o.steps;
    totals.requests += o.requests;
    totals.crashes += o.crashes;
    totals.files += o.files;
    totals.verified += o.verified;
    totals.returns += o.returns;
    totals.events += o.events;
    totals.faults += o.faults;
    totals.transport_faults += o.transport_faults;
    totals.slow_transfers += o.slow_transfers;
}

/// One seed on a runtime of its own; a panic is that seed's failure, not the run's end.
fn run_isolated(
    seed: u64,
    steps: usize,
    options: pennydrop_sim::Options,
) -> anyhow::Result<Result<pennydrop_sim::Outcome, pennydrop_sim::Failure>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let run = std::panic::AssertUnwindSafe(|| {
        runtime.block_on(pennydrop_sim::run_with(seed, steps, options))
    });
    Ok(std::panic::catch_unwind(run).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        Err(pennydrop_sim::Failure {
            seed,
            step: 0,
            message: format!("panicked: {message}"),
            log: Vec::new(),
        })
    }))
}

async fn replay(seed: u64, steps: usize, options: pennydrop_sim::Options) -> ExitCode {
    match pennydrop_sim::run_with(seed, steps, options).await {
        Ok(o) => {
            for line in &o.log {
                println!("{line}");
            }
            println!(
                "seed {seed}: {} steps, every invariant held ({} requests, {} crashes, {} files)",
                o.steps, o.requests, o.crashes, o.files
            );
            ExitCode::SUCCESS
        }
        Err(f) => {
            for line in &f.log {
                println!("{line}");
            }
            println!("FAILED {f}");
            ExitCode::FAILURE
        }
    }
}
