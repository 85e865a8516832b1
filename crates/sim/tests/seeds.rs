//! The simulation's fixed seeds, on every CI build. A failure prints the seed, the step, the
//! broken invariant and the step log; `cargo run --release -p pennydrop-sim -- --replay SEED`
//! replays it. Longer runs: `scripts/simulate.sh --seeds N` (docs/simulation.md).

/// Seeds and steps sized for about a minute and a half of a debug build on two cores.
const SEEDS: std::ops::RangeInclusive<u64> = 1..=12;
const STEPS: usize = 120;

#[tokio::test(flavor = "current_thread")]
async fn fixed_seeds_keep_every_invariant() {
    run_seeds(SEEDS, pennydrop_sim::Options::default()).await;
}

/// A few seeds with store-fault storms: the database fails some calls while a step runs.
#[tokio::test(flavor = "current_thread")]
async fn fixed_seeds_keep_every_invariant_when_the_database_fails() {
    let options = pennydrop_sim::Options {
        store_faults: true,
        ..Default::default()
    };
    let (faults, _) = run_seeds(STORM_SEEDS, options).await;
    assert!(faults > 0, "the storms injected faults");
}

/// A few seeds whose files reach the bank through a drop directory on a failing, slow link.
#[tokio::test(flavor = "current_thread")]
async fn fixed_seeds_keep_every_invariant_when_the_link_to_the_bank_fails() {
    let options = pennydrop_sim::Options {
        transport_faults: true,
        ..Default::default()
    };
    let (_, transport) = run_seeds(STORM_SEEDS, options).await;
    assert!(transport > 0, "the link failed some calls");
}

const STORM_SEEDS: std::ops::RangeInclusive<u64> = 1..=4;

/// Runs the seeds and fails with every failing seed's message and step log; returns the store
/// and the transport faults injected.
async fn run_seeds(
    seeds: std::ops::RangeInclusive<u64>,
    options: pennydrop_sim::Options,
) -> (usize, usize) {
    let mut failures = Vec::new();
    let mut faults = 0;
    let mut transport = 0;
    let mut files = 0;
    let mut crashes = 0;
    let mut events = 0;
    for seed in seeds {
        match pennydrop_sim::run_with(seed, STEPS, options).await {
            Ok(o) => {
                faults += o.faults;
                transport += o.transport_faults;
                files += o.files;
                crashes += o.crashes;
                events += o.events;
            }
            Err(f) => {
                let tail = f
                    .log
                    .iter()
                    .rev()
                    .take(15)
                    .rev()
                    .cloned()
                    .collect::<Vec<_>>();
                failures.push(format!("{f}\n  {}", tail.join("\n  ")));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // The seeds exercise what they are for: files went out, the process crashed, and events
    // were owed to (and reached) the webhook endpoint.
    assert!(
        files > 0 && crashes > 0 && events > 0,
        "files {files}, crashes {crashes}, events {events}"
    );
    (faults, transport)
}
