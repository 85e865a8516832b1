//! The invariants of `DESIGN.md` the simulation checks, read from underneath the app: its
//! database (read-only) and the files it wrote. Each failure says what broke and where.

use crate::world::World;
use anyhow::{ensure, Context};
use pennydrop_engine::rules::{INSTANT_ATTEMPTS, MICRO_DEPOSIT_ATTEMPTS};
use pennydrop_rails::ach::transport::DirectoryTransport;
use pennydrop_rails::simulator;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, Row, SqliteConnection};
use std::collections::{BTreeMap, HashMap, HashSet};

/// What the checks saw.
#[derive(Debug, Default)]
pub struct Report {
    pub returns: usize,
}

/// The checker's own read-only connection to the app's database, opened once per world (a
/// connection per check was a tenth of the simulation's time, most of it parsing the schema).
async fn connect(
    world: &World,
) -> anyhow::Result<tokio::sync::MappedMutexGuard<'_, SqliteConnection>> {
    let mut slot = world.checker.lock().await;
    if slot.is_none() {
        let path = world.data_dir.path().join("pennydrop.db");
        let options = SqliteConnectOptions::new().filename(path).read_only(true);
        *slot = Some(SqliteConnection::connect_with(&options).await?);
    }
    tokio::sync::MutexGuard::try_map(slot, Option::as_mut)
        .map_err(|_| anyhow::anyhow!("the checker's connection is missing"))
}

/// Everything a request could change, reduced to a few numbers: two equal fingerprints mean
/// nothing was written in between.
pub async fn fingerprint(world: &World) -> anyhow::Result<Vec<i64>> {
    let mut db = connect(world).await?;
    let row = sqlx::query(
        "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM ach_entries), \
         (SELECT count(*) FROM verifications), \
         (SELECT coalesce(sum(failed_attempts), 0) FROM verifications), \
         (SELECT count(*) FROM instant_credits), \
         (SELECT coalesce(sum(version), 0) FROM bank_accounts)",
    )
    .fetch_one(&mut *db)
    .await?;
    (0..6).map(|i| Ok(row.try_get::<i64, _>(i)?)).collect()
}

/// An event's delivery row, in words (for failure messages).
pub async fn delivery_of(world: &World, event_id: &str) -> anyhow::Result<String> {
    let mut db = connect(world).await?;
    let row = sqlx::query(
        "SELECT status, attempts, next_attempt_at, lease_owner, lease_until, last_status_code, \
         last_error, created_on FROM webhook_deliveries WHERE event_id = $1",
    )
    .bind(event_id)
    .fetch_optional(&mut *db)
    .await?;
    let Some(r) = row else {
        return Ok("none queued".into());
    };
    let at = |i: usize| -> anyhow::Result<String> {
        Ok(r.try_get::<Option<i64>, _>(i)?
            .map(|us| pennydrop_core::clock::from_micros(us).to_string())
            .unwrap_or_else(|| "-".into()))
    };
    Ok(format!(
        "status {}, attempts {}, next attempt {}, lease {:?} until {}, last answer {:?} {:?}, queued {}",
        r.try_get::<String, _>(0)?,
        r.try_get::<i64, _>(1)?,
        at(2)?,
        r.try_get::<Option<String>, _>(3)?,
        at(4)?,
        r.try_get::<Option<i64>, _>(5)?,
        r.try_get::<Option<String>, _>(6)?,
        at(7)?
    ))
}

pub async fn file_count(world: &World) -> anyhow::Result<usize> {
    let mut db = connect(world).await?;
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM ach_files")
        .fetch_one(&mut *db)
        .await?;
    Ok(usize::try_from(n)?)
}

/// Every event of `tenant`, oldest first.
pub async fn events(
    world: &World,
    tenant: uuid::Uuid,
) -> anyhow::Result<Vec<pennydrop_core::model::Event>> {
    let store = world.app()?.store.clone();
    let mut after = 0;
    let mut found = Vec::new();
    loop {
        let page = store.events(tenant, after, 500).await?;
        let Some((last, _)) = page.last() else {
            return Ok(found);
        };
        after = *last;
        found.extend(page.into_iter().map(|(_, e)| e));
    }
}

/// Each bank account's status as its latest event with a status says.
pub fn latest_statuses(events: &[pennydrop_core::model::Event]) -> HashMap<&str, &str> {
    events
        .iter()
        .filter_map(|e| {
            Some((
                e.data["bankAccountID"].as_str()?,
                e.data.get("status")?.as_str()?,
            ))
        })
        .collect()
}

struct EntryRow {
    entry_id: String,
    verification_id: String,
    purpose: String,
    amount: i64,
    is_credit: bool,
    status: String,
    file_id: Option<String>,
    trace_seq: Option<i64>,
}

/// Every entry, its sealed amount (a micro-deposit's, the holder's secret) opened with the
/// app's vault.
async fn entries(world: &World, db: &mut SqliteConnection) -> anyhow::Result<Vec<EntryRow>> {
    let vault = world.app()?.vault.clone();
    let rows = sqlx::query(
        "SELECT entry_id, verification_id, purpose, amount_cents, is_credit, status, file_id, \
         trace_seq, sealed_amount FROM ach_entries",
    )
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            let entry_id: String = r.try_get(0)?;
            let amount = match r.try_get::<Option<String>, _>(8)? {
                Some(sealed) => {
                    let aad = entry_id.parse::<uuid::Uuid>()?;
                    vault.open_text(&sealed, aad.as_bytes())?.parse()?
                }
                None => r.try_get(3)?,
            };
            Ok(EntryRow {
                entry_id,
                verification_id: r.try_get(1)?,
                purpose: r.try_get(2)?,
                amount,
                is_credit: r.try_get(4)?,
                status: r.try_get(5)?,
                file_id: r.try_get(6)?,
                trace_seq: r.try_get(7)?,
            })
        })
        .collect()
}

/// Every check; the slow ones (every file, the whole database's bytes) when `slow`.
pub async fn check(world: &World, slow: bool, numbers: &[String]) -> anyhow::Result<Report> {
    let mut db = connect(world).await?;
    attempts_within_limits(&mut db).await?;
    let entries = entries(world, &mut db).await?;
    for e in &entries {
        ensure!(
            e.file_id.is_some() == (e.status == "batched"),
            "entry {} is {} with file {:?}",
            e.entry_id,
            e.status,
            e.file_id
        );
    }
    let files = files(&mut db).await?;
    for (id, (name, status)) in &files {
        ensure!(
            status != "assembled",
            "file {name} ({id}) is still only assembled after the step"
        );
    }
    let returns: i64 =
        sqlx::query_scalar("SELECT count(*) FROM ach_entries WHERE return_code IS NOT NULL")
            .fetch_one(&mut *db)
            .await?;
    if slow {
        each_movement_in_one_file(world, &entries, &files)?;
        recoups_match_their_credits(world, &entries, &files)?;
        no_account_number_in_clear(world, numbers)?;
    }
    Ok(Report {
        returns: usize::try_from(returns)?,
    })
}

async fn attempts_within_limits(db: &mut SqliteConnection) -> anyhow::Result<()> {
    let rows = sqlx::query("SELECT verification_id, kind, failed_attempts FROM verifications")
        .fetch_all(db)
        .await?;
    for r in rows {
        let (id, kind, failed): (String, String, i64) =
            (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
        let limit = if kind == "micro-deposits" {
            MICRO_DEPOSIT_ATTEMPTS
        } else {
            INSTANT_ATTEMPTS
        };
        ensure!(
            failed <= i64::from(limit),
            "verification {id} ({kind}) has {failed} failed attempts, above its limit of {limit}"
        );
    }
    Ok(())
}

async fn files(db: &mut SqliteConnection) -> anyhow::Result<BTreeMap<String, (String, String)>> {
    let rows = sqlx::query("SELECT file_id, file_name, status FROM ach_files")
        .fetch_all(db)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?))))
        .collect()
}

/// One entry of a written file.
struct Written {
    file: String,
    code: String,
    amount: i64,
    account: String,
}

/// Every entry of every file in the outbox, by its trace sequence (the trace number's last
/// seven digits); a sequence in two places is an error.
fn written_entries(world: &World) -> anyhow::Result<HashMap<i64, Written>> {
    let outbox = &world.app()?.ach.dirs().outbox;
    let mut by_seq = HashMap::new();
    for entry in std::fs::read_dir(outbox)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        if name.starts_with('.') || !path.is_file() {
            continue;
        }
        let text = std::fs::read_to_string(&path)?;
        let file = nacha::read_str(&text).with_context(|| format!("reading {name}"))?;
        ensure!(
            file.validate().is_ok(),
            "{name} breaks NACHA rules: {:?}",
            file.validate()
        );
        for batch in &file.batches {
            for e in &batch.entries {
                let d = &e.detail;
                let seq: i64 = d
                    .trace_number
                    .get(8..)
                    .and_then(|s| s.parse().ok())
                    .with_context(|| format!("trace number {} in {name}", d.trace_number))?;
                let again = by_seq.insert(
                    seq,
                    Written {
                        file: name.clone(),
                        code: d.transaction_code.to_string(),
                        amount: i64::try_from(d.amount_cents)?,
                        account: format!("{} {}", d.rdfi_routing, d.dfi_account_number),
                    },
                );
                if let Some(first) = again {
                    anyhow::bail!(
                        "trace {} is in {} and again in {name}",
                        d.trace_number,
                        first.file
                    );
                }
            }
        }
    }
    Ok(by_seq)
}

/// Every money movement is in exactly one delivered file, as the database says, and every
/// entry of every file is one the database knows.
fn each_movement_in_one_file(
    world: &World,
    entries: &[EntryRow],
    files: &BTreeMap<String, (String, String)>,
) -> anyhow::Result<()> {
    let mut written = written_entries(world)?;
    for e in entries {
        let (Some(file_id), Some(seq)) = (&e.file_id, e.trace_seq) else {
            continue;
        };
        let (name, _) = files
            .get(file_id)
            .with_context(|| format!("entry {} names an unknown file {file_id}", e.entry_id))?;
        let w = written.remove(&seq).with_context(|| {
            format!(
                "entry {} (trace {seq}) is in no file; the database says {name}",
                e.entry_id
            )
        })?;
        ensure!(
            &w.file == name && w.amount == e.amount,
            "entry {} (trace {seq}, {} cents) is in {} for {} cents; the database says {name}",
            e.entry_id,
            e.amount,
            w.file,
            w.amount
        );
        let credit = matches!(w.code.as_str(), "22" | "32");
        ensure!(
            credit == e.is_credit,
            "entry {} is a {} in the database but code {} in {name}",
            e.entry_id,
            if e.is_credit { "credit" } else { "debit" },
            w.code
        );
    }
    if let Some((seq, w)) = written.iter().next() {
        anyhow::bail!(
            "{} has an entry (trace sequence {seq}) the database does not place there",
            w.file
        );
    }
    Ok(())
}

/// A round's recoup debit equals its credits, goes in the same file, to the same account, with
/// the debit code paired with the credits' code.
fn recoups_match_their_credits(
    world: &World,
    entries: &[EntryRow],
    files: &BTreeMap<String, (String, String)>,
) -> anyhow::Result<()> {
    let written = written_entries(world)?;
    let mut rounds: BTreeMap<&str, Vec<&EntryRow>> = BTreeMap::new();
    for e in entries
        .iter()
        .filter(|e| e.purpose.starts_with("micro-deposit"))
    {
        rounds.entry(&e.verification_id).or_default().push(e);
    }
    for (verification, round) in rounds {
        let sent: Vec<&&EntryRow> = round.iter().filter(|e| e.file_id.is_some()).collect();
        if sent.is_empty() {
            continue;
        }
        ensure!(
            sent.len() == round.len(),
            "round {verification}: {} of its {} entries are in files",
            sent.len(),
            round.len()
        );
        let files_used: HashSet<_> = sent.iter().map(|e| &e.file_id).collect();
        ensure!(
            files_used.len() == 1,
            "round {verification} is split across files {files_used:?} ({} known)",
            files.len()
        );
        let lines: Vec<&Written> = sent
            .iter()
            .filter_map(|e| e.trace_seq.and_then(|s| written.get(&s)))
            .collect();
        let credits: i64 = lines
            .iter()
            .filter(|w| is_credit(&w.code))
            .map(|w| w.amount)
            .sum();
        let debits: Vec<&&Written> = lines.iter().filter(|w| !is_credit(&w.code)).collect();
        ensure!(
            debits.len() == 1 && debits[0].amount == credits,
            "round {verification}: debits {:?} against credits of {credits} cents",
            debits.iter().map(|w| w.amount).collect::<Vec<_>>()
        );
        let debit = debits[0];
        for w in lines.iter().filter(|w| is_credit(&w.code)) {
            let paired = matches!(
                (w.code.as_str(), debit.code.as_str()),
                ("22", "27") | ("32", "37")
            );
            ensure!(
                paired && w.account == debit.account,
                "round {verification}: credit code {} to {} but debit code {} to {}",
                w.code,
                w.account,
                debit.code,
                debit.account
            );
        }
    }
    Ok(())
}

fn is_credit(code: &str) -> bool {
    matches!(code, "22" | "32")
}

/// No account number a holder typed appears in clear in the database's files: not as a run of
/// digits of its own, nor, for the long numbers the workload makes up, inside a longer run
/// (SQLite packs a record's text columns side by side). The simulated banks' ten-digit magic
/// numbers are matched as whole runs only: inside the many sixteen-digit timestamps they
/// would turn up by chance once in some thousand seeds.
fn no_account_number_in_clear(world: &World, numbers: &[String]) -> anyhow::Result<()> {
    let wanted: HashSet<&[u8]> = numbers.iter().map(String::as_bytes).collect();
    for suffix in ["", "-wal"] {
        let path = world.data_dir.path().join(format!("pennydrop.db{suffix}"));
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        for run in bytes.split(|b| !b.is_ascii_digit()) {
            let whole = (run.len() >= 8 && wanted.contains(run)).then_some(run);
            let inside = || {
                (LONG_NUMBER..=run.len().min(17))
                    .flat_map(|len| run.windows(len))
                    .find(|w| wanted.contains(w))
            };
            if let Some(found) = whole.or_else(|| (run.len() > LONG_NUMBER).then(inside).flatten())
            {
                anyhow::bail!(
                    "account number ****{} is in clear in {}",
                    String::from_utf8_lossy(&found[found.len() - 4..]),
                    path.display()
                );
            }
        }
    }
    Ok(())
}

/// The shortest account number the workload makes up (and the shortest looked for inside
/// longer runs of digits).
pub const LONG_NUMBER: usize = 14;

/// With a drop directory: every file the bank can see there is a file of the outbox, byte for
/// byte (never a partial or a stray one), and every file the database calls delivered is there.
pub async fn delivered_as_written(world: &World) -> anyhow::Result<()> {
    let Some(dir) = &world.drop_dir else {
        return Ok(());
    };
    let (outbound, _) = DirectoryTransport::paths_under(dir);
    let outbox = &world.app()?.ach.dirs().outbox;
    let delivered = visible_names(&outbound)?;
    for name in &delivered {
        let theirs = std::fs::read(outbound.join(name))?;
        let ours = std::fs::read(outbox.join(name))
            .with_context(|| format!("{name} reached the bank but is not in the outbox"))?;
        ensure!(
            theirs == ours,
            "{name} reached the bank with other bytes than the outbox's"
        );
    }
    let mut db = connect(world).await?;
    for (id, (name, status)) in files(&mut db).await? {
        ensure!(
            status != "delivered" || delivered.contains(&name),
            "file {name} ({id}) is delivered but the bank does not have it"
        );
    }
    Ok(())
}

/// After the link to the bank was repaired and the rail ran: every file delivered, and every
/// file the bank left fetched and acknowledged.
pub async fn all_delivered(world: &World) -> anyhow::Result<()> {
    let Some(dir) = &world.drop_dir else {
        return Ok(());
    };
    delivered_as_written(world).await?;
    let mut db = connect(world).await?;
    for (id, (name, status)) in files(&mut db).await? {
        ensure!(
            status == "delivered",
            "file {name} ({id}) is still {status} after the link was repaired"
        );
    }
    let (_, inbound) = DirectoryTransport::paths_under(dir);
    let left = visible_names(&inbound)?;
    ensure!(
        left.is_empty(),
        "the bank's files {left:?} were never fetched and acknowledged"
    );
    Ok(())
}

/// The names in `dir` a reader on the other side would see (no temporary dot files).
fn visible_names(dir: &std::path::Path) -> anyhow::Result<HashSet<String>> {
    let files = pennydrop_rails::ach::files::visible_files(dir)
        .with_context(|| format!("listing {}", dir.display()))?;
    Ok(files
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect())
}

/// Once every file reached the bank and its answers came back: each entry the simulated bank
/// returns (its magic account numbers) carries that return in the database, so no answer was
/// lost on the way.
pub async fn every_return_applied(world: &World) -> anyhow::Result<()> {
    let written = written_entries(world)?;
    let mut db = connect(world).await?;
    let rows =
        sqlx::query("SELECT trace_seq, return_code FROM ach_entries WHERE trace_seq IS NOT NULL")
            .fetch_all(&mut *db)
            .await?;
    let returned: HashMap<i64, Option<String>> = rows
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<anyhow::Result<_>>()?;
    for (seq, w) in &written {
        let number = w.account.rsplit(' ').next().unwrap_or_default().trim();
        let debit = !is_credit(&w.code);
        let owed =
            simulator::ach_return(number).or(simulator::ach_debit_return(number).filter(|_| debit));
        let Some(code) = owed else { continue };
        let got = returned.get(seq).cloned().flatten();
        ensure!(
            got.as_deref() == Some(code),
            "the bank returned trace sequence {seq} of {} with {code}, but the database has {got:?}",
            w.file
        );
    }
    Ok(())
}

/// Where a bank account may come from to reach a status and reason, as
/// docs/verification-states.md (transitions) and docs/ach.md (return mapping) say; None: it is
/// not a status the workload can reach.
fn allowed_from(to: (&str, &str)) -> Option<&'static [&'static str]> {
    const PENDING: &[&str] = &["pending"];
    Some(match to {
        ("pending", "verification-initiated") => &["new", "verificationFailed", "errored"],
        ("verified", "verification-successful") => PENDING,
        (
            "verificationFailed",
            "micro-deposit-attempts-exceeded"
            | "verification-attempts-exceeded"
            | "micro-deposit-expired"
            | "verification-expired",
        ) => PENDING,
        (
            "errored",
            "max-verification-failures" | "rtp-credit-failure" | "fednow-credit-failure" | "other",
        ) => PENDING,
        // A credit's return: the round that sent it is open.
        ("verificationFailed" | "errored", "micro-deposit-return" | "ach-credit-return") => PENDING,
        // The recoup debit's: unusable once verified, or unauthorized whenever it comes.
        ("errored", "ach-debit-return") => &["pending", "verified", "verificationFailed"],
        _ => return None,
    })
}

/// Every bank account's status changes, in its events, follow the documented tables: it is
/// created `new`, and each later status is one the table lets it reach from the one before.
pub fn transitions_follow_the_tables(
    events: &[pennydrop_core::model::Event],
) -> anyhow::Result<()> {
    let mut current: HashMap<&str, &str> = HashMap::new();
    let changes = events.iter().filter(|e| {
        matches!(
            e.event_type.as_str(),
            "bankAccount.created" | "bankAccount.updated"
        )
    });
    for e in changes {
        let (Some(bank), Some(status)) = (
            e.data["bankAccountID"].as_str(),
            e.data.get("status").and_then(|s| s.as_str()),
        ) else {
            continue;
        };
        let reason = e.data["statusReason"].as_str().unwrap_or_default();
        let from = current.insert(bank, status);
        let fine = match from {
            // `bankAccount.created` carries no reason (docs/webhooks.md).
            None => status == "new" && e.event_type == "bankAccount.created",
            Some(from) => allowed_from((status, reason)).is_some_and(|a| a.contains(&from)),
        };
        ensure!(
            fine,
            "bank account {bank} went from {from:?} to {status} / {reason} ({} at {}), which \
             docs/verification-states.md does not allow",
            e.event_type,
            e.created_on
        );
    }
    Ok(())
}
