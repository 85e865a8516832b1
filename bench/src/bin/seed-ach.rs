//! Seeds a data directory with N pending ACH entries (micro-deposit credits and debits spread
//! over bank accounts), for timing one cutoff with `bench/cutoff.sh`.
//!
//! Usage: seed-ach DATA_DIR ENTRIES [ENTRIES_PER_BANK_ACCOUNT]
//! (`PENNYDROP_DATABASE_URL` seeds that database instead of SQLite in DATA_DIR.)

use anyhow::Context;
use jiff::Timestamp;
use pennydrop::app::{App, AppConfig};
use pennydrop::config::StorageArgs;
use pennydrop_core::change::{Change, Snapshot};
use pennydrop_core::model::{
    AchEntry, BankAccount, BankAccountStatus, BankAccountType, EntryPurpose, EntryStatus,
    HolderType, Mode, StatusReason, Verification, VerificationKind, VerificationSecret,
    VerificationStatus,
};
use pennydrop_core::progress::Progress;
use pennydrop_core::{AccountNumber, RoutingNumber};
use uuid::Uuid;

// Long on purpose: a seeding script reads best as one list of its steps.
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let dir = args
        .get(1)
        .context("usage: seed-ach DATA_DIR ENTRIES [PER_BANK_ACCOUNT]")?;
    let total: usize = args.get(2).context("ENTRIES")?.parse()?;
    // A multiple of 3, so every bank account gets whole rounds.
    let per: usize = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(999);
    let mut config = AppConfig::new(StorageArgs {
        data_dir: dir.into(),
        // PostgreSQL when set (`bench/cutoff.sh --postgres`), else SQLite in DATA_DIR.
        database_url: std::env::var("PENNYDROP_DATABASE_URL").ok(),
        outbox_group: None,
    });
    config.simulator = false;
    let app = App::build(config).await?;
    let store = app.store.clone();
    let vault = app.vault.clone();
    let key = app
        .state
        .engine
        .create_tenant("bench", Mode::Production)
        .await?;
    let tenant = key.account_id;
    let now = Timestamp::now();
    let routing = RoutingNumber::parse("231380104")?;
    let progress = pennydrop::progress::TerminalProgress::stderr();
    progress.stage("seeding pending entries", Some(total as u64));
    let mut seeded = 0;
    let mut n = 0u64;
    while seeded < total {
        n += 1;
        let number = AccountNumber::parse(&format!("{:010}", 1_000_000_000 + n))?;
        let id = Uuid::new_v4();
        let ba = BankAccount {
            bank_account_id: id,
            account_id: tenant,
            tenant_id: tenant,
            fingerprint: vault.fingerprint(&routing, &number),
            status: BankAccountStatus::Pending,
            status_reason: StatusReason::VerificationInitiated,
            exception_details: None,
            holder_name: "BENCH HOLDER".into(),
            holder_type: if n % 2 == 0 {
                HolderType::Individual
            } else {
                HolderType::Business
            },
            bank_name: String::new(),
            bank_account_type: BankAccountType::Checking,
            routing_number: routing.to_string(),
            last_four: number.last_four(),
            sealed: vault.seal(&number, id.as_bytes()),
            created_on: now,
            updated_on: now,
            disabled_on: None,
            unlocked_on: None,
            version: 0,
        };
        let created = pennydrop_core::events::bank_account_created(&ba, Uuid::new_v4(), now);
        store.link_bank_account(&ba, &created).await?;
        let v = Verification {
            verification_id: Uuid::new_v4(),
            bank_account_id: id,
            account_id: tenant,
            tenant_id: tenant,
            kind: VerificationKind::MicroDeposits,
            status: VerificationStatus::New,
            secret: VerificationSecret::Amounts([12, 34]),
            failed_attempts: 0,
            exception_details: None,
            created_on: now,
            expires_on: now,
            sent_on: None,
            updated_on: now,
        };
        let mut change = Change::new(
            &Snapshot {
                bank_account: ba,
                verifications: vec![],
            },
            now,
        );
        let count = per.min(total - seeded).max(1);
        for i in 0..count {
            // Rounds of two credits and the debit of their sum, as the engine queues them.
            let credit = i % 3 != 2;
            let round = (i / 3) as i64;
            let (a, b) = (1 + round % 49, 1 + (round + 7) % 49);
            let amount = match i % 3 {
                0 => a,
                1 => b,
                _ => a + b,
            };
            // Sealed as the engine stores them, so the cutoff pays for opening them.
            let entry_id = Uuid::new_v4();
            let sealed_amount = Some(vault.seal_text(&amount.to_string(), entry_id.as_bytes()));
            change.ach_entries.push(AchEntry {
                entry_id,
                tenant_id: tenant,
                bank_account_id: id,
                verification_id: v.verification_id,
                purpose: if credit {
                    EntryPurpose::MicroDepositCredit
                } else {
                    EntryPurpose::MicroDepositDebit
                },
                amount_cents: 0,
                sealed_amount,
                is_credit: credit,
                addenda: None,
                due_at: now,
                status: EntryStatus::Pending,
                created_on: now,
            });
        }
        change.insert_verification = Some(v);
        store.apply(&change).await?;
        seeded += count;
        progress.advance(count as u64);
    }
    progress.finish();
    println!("seeded {seeded} pending entries over {n} bank accounts in {dir}");
    Ok(())
}
