//! The behaviour every [`Store`] implementation must have. `crates/store/tests/conformance.rs`
//! runs this suite against SQLite and PostgreSQL; a new backend must pass it unchanged.

use jiff::{SignedDuration, Timestamp};
use pennydrop_core::change::{Change, Correction, Snapshot, StatusChange};
use pennydrop_core::crypto::{SecretKey, Vault};
use pennydrop_core::events;
use pennydrop_core::model::Event;
use pennydrop_core::model::{
    AccessToken, Account, AccountType, AchEntry, AchFileStatus, ApiKey, BankAccount,
    BankAccountStatus, BankAccountType, EntryPurpose, EntryStatus, ExceptionDetails, FileEntry,
    HolderType, InboundFile, InboundStatus, InstantCredit, InstantCreditStatus, InstantNetwork,
    Mode, NocRecord, StatementLine, StatusReason, Verification, VerificationKind,
    VerificationSecret, VerificationStatus,
};
use pennydrop_core::{AccountNumber, RoutingNumber};
use std::collections::BTreeMap;
use std::sync::Arc;
use uuid::Uuid;

use pennydrop_core::risk::{
    AuditAction, AuditEntry, BlockEntry, BlockKind, RiskDecision, RiskOutcome, RiskRule,
    TenantRisk, SYSTEM_ACTOR,
};
use pennydrop_core::webhooks::{DeliveryStatus, Webhook, WebhookStatus};

use crate::{
    AccountFilter, CreditClaim, CutoffClaim, DecisionCount, DecisionFilter, FileIdentity,
    FileTotals, FingerprintUse, LinkOutcome, Pause, ReturnVolumes, Store, StoreError,
};

fn t0() -> Timestamp {
    "2026-11-23T15:00:00Z"
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

pub fn sample_account(tenant: Uuid, account_id: Uuid, created_on: Timestamp) -> Account {
    Account {
        account_id,
        tenant_id: tenant,
        mode: Mode::Production,
        account_type: AccountType::Individual,
        display_name: "Jane Doe".into(),
        profile: serde_json::json!({"individual": {"name": {"firstName": "Jane", "lastName": "Doe"}}}),
        metadata: BTreeMap::from([("k".to_string(), "v".to_string())]),
        foreign_id: Some("user-1".into()),
        created_on,
        updated_on: created_on,
    }
}

pub fn sample_key(tenant: Uuid, public_key: &str) -> ApiKey {
    ApiKey {
        public_key: public_key.into(),
        secret_hash: "ab".repeat(32),
        name: "test".into(),
        account_id: tenant,
        mode: Mode::Production,
        created_on: t0(),
        revoked_on: None,
        operator: false,
    }
}

pub fn sample_bank_account(vault: &Vault, account: &Account, number: &str) -> BankAccount {
    let routing = RoutingNumber::parse("021000021").unwrap_or_else(|e| panic!("{e}"));
    let number = AccountNumber::parse(number).unwrap_or_else(|e| panic!("{e}"));
    let id = Uuid::new_v4();
    BankAccount {
        bank_account_id: id,
        account_id: account.account_id,
        tenant_id: account.tenant_id,
        fingerprint: vault.fingerprint(&routing, &number),
        status: BankAccountStatus::New,
        status_reason: StatusReason::BankAccountCreated,
        exception_details: None,
        holder_name: "Jane Doe".into(),
        holder_type: HolderType::Individual,
        bank_name: "JPMORGAN CHASE BANK, NA".into(),
        bank_account_type: BankAccountType::Checking,
        routing_number: routing.to_string(),
        last_four: number.last_four(),
        sealed: vault.seal(&number, id.as_bytes()),
        created_on: t0(),
        updated_on: t0(),
        disabled_on: None,
        unlocked_on: None,
        version: 0,
    }
}

pub fn created_event(b: &BankAccount) -> Event {
    events::bank_account_created(b, Uuid::new_v4(), b.created_on)
}

pub fn deleted_event(b: &BankAccount) -> Event {
    events::bank_account_deleted(b, Uuid::new_v4(), b.created_on)
}

/// Creates a tenant with one key; returns the facilitator account.
pub async fn new_tenant(store: &dyn Store) -> Account {
    let tenant = Uuid::new_v4();
    let facilitator = sample_account(tenant, tenant, t0());
    let key = sample_key(tenant, &format!("pk_{}", tenant.simple()));
    store
        .create_tenant(&facilitator, &key)
        .await
        .unwrap_or_else(|e| panic!("create_tenant: {e}"));
    facilitator
}

/// Runs every conformance check against a migrated, empty store.
pub async fn run_all(store: Arc<dyn Store>) {
    let s = store.as_ref();
    health_and_idempotent_migrations(s).await;
    tenants_and_api_keys(s).await;
    access_tokens_join_their_key(s).await;
    accounts_are_tenant_scoped_and_paged(s).await;
    linking_is_idempotent_per_fingerprint(s).await;
    bank_accounts_are_tenant_scoped_and_disable_once(s).await;
    bank_accounts_are_found_by_last_four_or_fingerprint(s).await;
    accounts_update_by_compare_and_set_and_disconnect_once(s).await;
    concurrent_identical_links_make_one_bank_account(store.clone()).await;
    link_and_disable_write_events_and_disable_cancels_money(s).await;
    apply_is_atomic_and_guarded_by_the_version(s).await;
    apply_all_applies_every_change_or_none(s).await;
    apply_all_mixes_shapes_and_repeats(s).await;
    instant_credits_are_claimed_once(s).await;
    simulator_statements_post_each_reference_once(s).await;
    cutoffs_claim_each_entry_once(store.clone()).await;
    returns_nocs_and_inbound_files(s).await;
    risk_decisions_are_recorded_with_their_events_filtered_and_paged(s).await;
    tenants_pause_once_and_resume(s).await;
    blocklist_adds_once_matches_and_removes(s).await;
    audit_trail_is_in_order_within_its_range(s).await;
    risk_counts_read_verifications_and_fingerprints(s).await;
    return_volumes_count_forward_by_file_and_returns_by_day(s).await;
    returns_of_a_disabled_bank_account_are_recorded_once(s).await;
    unlock_writes_unlocked_on_with_its_audit_entry_or_nothing(s).await;
    links_are_found_by_token_hash_revoked_once_and_bound_once(s).await;
    branding_is_written_and_replaced_per_tenant(s).await;
}

/// Links: found by their token's hash only, tenant-scoped, revoked once, bound once.
pub async fn links_are_found_by_token_hash_revoked_once_and_bound_once(s: &dyn Store) {
    use pennydrop_engine::links::{LinkKind, VerificationLink};
    let tenant = Uuid::new_v4();
    let link = VerificationLink {
        link_id: Uuid::new_v4(),
        token_hash: "c0".repeat(32),
        tenant_id: tenant,
        mode: Mode::Sandbox,
        account_id: Uuid::new_v4(),
        bank_account_id: None,
        kind: LinkKind::Collect,
        created_on: t0(),
        expires_on: t0() + SignedDuration::from_hours(24),
        revoked_on: None,
    };
    s.insert_link(&link).await.expect("insert link");
    let found = s
        .link_by_token_hash(&link.token_hash)
        .await
        .expect("by hash");
    assert_eq!(found.as_ref(), Some(&link));
    assert_eq!(
        s.link_by_token_hash(&"c1".repeat(32)).await.expect("other"),
        None
    );
    assert_eq!(
        s.link(Uuid::new_v4(), link.link_id).await.expect("foreign"),
        None
    );
    let bank_account = Uuid::new_v4();
    assert!(s.bind_link(link.link_id, bank_account).await.expect("bind"));
    assert!(!s
        .bind_link(link.link_id, Uuid::new_v4())
        .await
        .expect("bind again"));
    let at = t0() + SignedDuration::from_hours(1);
    assert!(!s
        .revoke_link(Uuid::new_v4(), link.link_id, at)
        .await
        .expect("foreign revoke"));
    assert!(s
        .revoke_link(tenant, link.link_id, at)
        .await
        .expect("revoke"));
    assert!(!s
        .revoke_link(tenant, link.link_id, at)
        .await
        .expect("revoke again"));
    let stored = s
        .link(tenant, link.link_id)
        .await
        .expect("read")
        .expect("present");
    assert_eq!(stored.bank_account_id, Some(bank_account));
    assert_eq!(stored.revoked_on, Some(at));
}

/// Branding: one row per tenant, replaced by the next write.
pub async fn branding_is_written_and_replaced_per_tenant(s: &dyn Store) {
    use pennydrop_engine::links::Branding;
    let tenant = Uuid::new_v4();
    assert_eq!(s.branding(tenant).await.expect("none"), None);
    let mut b = Branding {
        tenant_id: tenant,
        company_name: "Acme".into(),
        logo_url: Some("https://acme.example/logo.png".into()),
        brand_color: Some("#112233".into()),
        support_contact: None,
        updated_on: t0(),
    };
    s.put_branding(&b).await.expect("put");
    assert_eq!(s.branding(tenant).await.expect("read").as_ref(), Some(&b));
    b.company_name = "Acme Pay".into();
    b.logo_url = None;
    b.support_contact = Some("help@acme.example".into());
    s.put_branding(&b).await.expect("replace");
    assert_eq!(s.branding(tenant).await.expect("read").as_ref(), Some(&b));
    assert_eq!(s.branding(Uuid::new_v4()).await.expect("other"), None);
}

/// Names files by the day's count, so the suite sees the count the store passes.
fn test_file_identity(claim: &CutoffClaim, files_today: i64) -> FileIdentity {
    let modifier = char::from(b'A' + u8::try_from(files_today % 26).unwrap_or(0));
    FileIdentity {
        modifier,
        name: format!(
            "{}-{files_today}-{}.ach",
            claim.file_name_prefix, claim.file_id
        ),
    }
}

fn claim(due_by: Timestamp, window: Option<Timestamp>) -> CutoffClaim {
    let day_start: Timestamp = "2026-11-23T05:00:00Z"
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH);
    CutoffClaim {
        file_id: Uuid::new_v4(),
        now: due_by,
        window_at: window,
        due_by,
        effective_date: jiff::civil::date(2026, 11, 23),
        day_start,
        day_end: day_start + SignedDuration::from_hours(24),
        file_name_prefix: "TEST-20261123".into(),
        name_file: test_file_identity,
        writer: "node-a".into(),
    }
}

/// Adds a production micro-deposit round with three entries due at `due_at`.
async fn queue_micro_deposits(
    s: &dyn Store,
    vault: &Vault,
    number: &str,
    due_at: Timestamp,
) -> (BankAccount, Verification) {
    let (_, ba) = linked(s, vault, number).await;
    let snap = s
        .snapshot_by_id(ba.bank_account_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("snap");
    let v = verification(
        &ba,
        VerificationKind::MicroDeposits,
        VerificationStatus::New,
    );
    let mut change = Change::new(&snap, t0());
    change.insert_verification = Some(v.clone());
    for (amount, credit) in [(12, true), (34, true), (46, false)] {
        let mut e = entry(
            &v,
            if credit {
                EntryPurpose::MicroDepositCredit
            } else {
                EntryPurpose::MicroDepositDebit
            },
            amount,
            credit,
        );
        e.due_at = due_at;
        change.ach_entries.push(e);
    }
    s.apply(&change).await.unwrap_or_else(|e| panic!("{e}"));
    (ba, v)
}

// A long scenario on purpose: it reads top to bottom as one story against one store.
pub async fn cutoffs_claim_each_entry_once(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let vault = Vault::new(SecretKey::generate(), vec![], None);
    let window: Timestamp = "2026-11-23T15:00:00Z"
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let later = window + SignedDuration::from_hours(4);
    let (ba, v) = queue_micro_deposits(s, &vault, "10101010", window).await;
    let (ba_later, _) = queue_micro_deposits(s, &vault, "20202020", later).await;

    let file = s
        .claim_cutoff(&claim(window, Some(window)))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("entries were due");
    assert!(file.entry_count >= 3);
    assert_eq!(file.status, AchFileStatus::Assembled);
    assert_eq!(s.last_window_at().await.unwrap_or_default(), Some(window));
    let entries = s
        .file_entries(file.file_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(entries.len() as i64, file.entry_count);
    let mine: Vec<&FileEntry> = entries
        .iter()
        .filter(|e| e.entry.bank_account_id == ba.bank_account_id)
        .collect();
    assert_eq!(mine.len(), 3);
    assert!(mine
        .iter()
        .all(|e| e.entry.status == EntryStatus::Batched && e.sealed == ba.sealed));
    assert!(
        entries
            .iter()
            .all(|e| e.entry.bank_account_id != ba_later.bank_account_id),
        "not yet due"
    );
    let seqs: Vec<i64> = entries.iter().map(|e| e.trace_seq).collect();
    let mut sorted = seqs.clone();
    sorted.dedup();
    assert_eq!(sorted.len(), seqs.len(), "trace sequences are unique");
    let snap = s
        .snapshot_by_id(ba.bank_account_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("snap");
    let sent = snap
        .verifications
        .iter()
        .find(|x| x.verification_id == v.verification_id)
        .expect("v");
    assert_eq!(
        sent.status,
        VerificationStatus::SentCredit,
        "claiming the entries sends the verification"
    );
    // ... and writes its microDeposits.sent event in the same transaction.
    let written = s
        .events(ba.tenant_id, 0, 100)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let sent_events: Vec<_> = written
        .iter()
        .filter(|(_, e)| {
            e.event_type == events::MICRO_DEPOSITS_SENT
                && e.data["verificationID"] == v.verification_id.to_string()
        })
        .collect();
    assert_eq!(sent_events.len(), 1, "one microDeposits.sent per round");
    assert_eq!(
        sent_events[0].1.data["bankAccountID"],
        ba.bank_account_id.to_string()
    );
    assert_eq!(
        snap.bank_account.version,
        ba.version + 2,
        "the cutoff bumps the bank account version"
    );

    // Only the claiming node writes the file, until the lease runs out.
    assert!(s
        .take_file(file.file_id, "node-a", window)
        .await
        .unwrap_or(false));
    assert!(
        !s.take_file(file.file_id, "node-b", window)
            .await
            .unwrap_or(true),
        "another node waits"
    );
    let after_lease = window + SignedDuration::from_mins(5);
    assert!(
        s.take_file(file.file_id, "node-b", after_lease)
            .await
            .unwrap_or(false),
        "a dead claimer's file is taken over"
    );
    assert!(
        !s.take_file(file.file_id, "node-a", window)
            .await
            .unwrap_or(true),
        "and is no longer the first node's"
    );

    // Content is stored once, with the totals the builder summed; a second store keeps the
    // first.
    let totals = FileTotals {
        credit_cents: 777,
        debit_cents: 555,
    };
    assert!(s
        .store_file_content(file.file_id, "first", totals)
        .await
        .unwrap_or(false));
    assert!(
        !s.store_file_content(file.file_id, "second", FileTotals::default())
            .await
            .unwrap_or(true),
        "stored once"
    );
    assert_eq!(
        s.file_content(file.file_id)
            .await
            .unwrap_or_default()
            .as_deref(),
        Some("first")
    );
    let stored = s
        .ach_file(file.file_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        stored.map(|f| (f.total_credit_cents, f.total_debit_cents)),
        Some((777, 555)),
        "the totals come with the text"
    );
    s.mark_file(file.file_id, AchFileStatus::Written, window)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let written = s
        .ach_file(file.file_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("file");
    assert_eq!(written.status, AchFileStatus::Written);
    assert!(s
        .files_in_status(AchFileStatus::Assembled)
        .await
        .unwrap_or_default()
        .iter()
        .all(|f| f.file_id != file.file_id));

    // Nothing left at that window; the later entries go in a later cutoff.
    assert!(s
        .claim_cutoff(&claim(window, None))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .is_none());
    // Two concurrent cutoffs never share an entry.
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store.claim_cutoff(&claim(later, None)).await
        }));
    }
    let mut claimed = 0;
    let mut modifiers = vec![file.file_id_modifier];
    for t in tasks {
        if let Some(f) = t
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|e| panic!("{e}"))
        {
            claimed += 1;
            modifiers.push(f.file_id_modifier);
            let more = s
                .file_entries(f.file_id)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(more
                .iter()
                .all(|e| e.trace_seq > *seqs.iter().max().unwrap_or(&0)));
        }
    }
    assert_eq!(
        claimed, 1,
        "exactly one of two concurrent cutoffs finds the entries"
    );
    modifiers.sort();
    modifiers.dedup();
    assert_eq!(modifiers.len(), 2, "the file ID modifier rotates");
    let counts = s
        .micro_entry_counts()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let tenant = counts
        .iter()
        .find(|c| c.tenant_id == ba.tenant_id)
        .expect("counted");
    assert_eq!(
        (
            tenant.forward,
            tenant.forward_credits,
            tenant.forward_debits,
            tenant.returned
        ),
        (3, 2, 1, 0)
    );
}

// A long scenario on purpose: it reads top to bottom as one story against one store.
pub async fn returns_nocs_and_inbound_files(s: &dyn Store) {
    let vault = Vault::new(SecretKey::generate(), vec![], None);
    let window: Timestamp = "2026-11-24T15:00:00Z"
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let (ba, _) = queue_micro_deposits(s, &vault, "30303030", window).await;
    let file = s
        .claim_cutoff(&claim(window, None))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("file");
    let entries = s
        .file_entries(file.file_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let first = entries
        .iter()
        .find(|e| e.entry.bank_account_id == ba.bank_account_id)
        .expect("entry");
    let (found, seq) = s
        .entry_by_trace(first.trace_seq % 10_000_000)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("found by trace");
    assert_eq!(found.entry_id, first.entry.entry_id);
    assert_eq!(seq, first.trace_seq);
    // Many at once: the same answers, in the asked order, None for a sequence never used.
    let seqs: Vec<i64> = entries
        .iter()
        .map(|e| e.trace_seq % 10_000_000)
        .chain([9_999_999])
        .rev()
        .collect();
    let many = s
        .entries_by_traces(&seqs)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(many.len(), seqs.len());
    assert!(many[0].is_none(), "an unused trace sequence is not found");
    for (asked, got) in entries.iter().rev().zip(&many[1..]) {
        let got = got.as_ref().expect("found by trace");
        assert_eq!(
            (
                got.entry.entry_id,
                got.trace_seq,
                got.return_code.as_deref()
            ),
            (asked.entry.entry_id, asked.trace_seq, None)
        );
    }
    let snaps = s
        .snapshots_by_ids(&[ba.bank_account_id, Uuid::new_v4()])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(snaps.len(), 1, "an unknown bank account is left out");
    assert_eq!(
        Some(&snaps[0]),
        s.snapshot_by_id(ba.bank_account_id)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .as_ref()
    );

    let snap = s
        .snapshot_by_id(ba.bank_account_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("snap");
    let new_number = AccountNumber::parse("30303099").unwrap_or_else(|e| panic!("{e}"));
    let mut change = Change::new(&snap, window);
    change.entry_returns = vec![(first.entry.entry_id, "R03".into())];
    change.correction = Some(Correction {
        sealed: Some(vault.seal(&new_number, ba.bank_account_id.as_bytes())),
        last_four: Some(new_number.last_four()),
        ..Default::default()
    });
    change.nocs = vec![NocRecord {
        noc_id: Uuid::new_v4(),
        tenant_id: ba.tenant_id,
        bank_account_id: ba.bank_account_id,
        entry_id: first.entry.entry_id,
        change_code: "C01".into(),
        changed_fields: vec!["accountNumber".into()],
        received_on: window,
    }];
    s.apply(&change).await.unwrap_or_else(|e| panic!("{e}"));
    let after = s
        .snapshot_by_id(ba.bank_account_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("snap");
    assert_eq!(after.bank_account.last_four, "3099");
    assert_eq!(
        after.bank_account.routing_number, ba.routing_number,
        "unchanged fields stay"
    );
    let opened = vault
        .open(&after.bank_account.sealed, ba.bank_account_id.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(opened.expose(), "30303099");
    let nocs = s
        .nocs_for(ba.bank_account_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(nocs, change.nocs);
    // The same NOC applied again (a file re-read after a crash) is recorded once.
    let snap = s
        .snapshot_by_id(ba.bank_account_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("snap");
    let mut again = Change::new(&snap, window);
    again.nocs = vec![NocRecord {
        noc_id: Uuid::new_v4(),
        ..change.nocs[0].clone()
    }];
    s.apply(&again).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        s.nocs_for(ba.bank_account_id)
            .await
            .unwrap_or_default()
            .len(),
        1
    );
    let counts = s
        .micro_entry_counts()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        counts
            .iter()
            .find(|c| c.tenant_id == ba.tenant_id)
            .map(|c| c.returned),
        Some(1)
    );
    // The operator's lists across tenants, newest first.
    let returned = s
        .returned_entries(1000)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(returned
        .iter()
        .any(|r| r.entry.entry_id == first.entry.entry_id && r.return_code == "R03"));
    let recent = s.recent_nocs(1000).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(recent.contains(&change.nocs[0]));
    assert_eq!(s.recent_nocs(1).await.unwrap_or_default().len(), 1);

    let inbound = InboundFile {
        inbound_id: Uuid::new_v4(),
        file_name: "returns.ach".into(),
        sha256: format!("{:x}", Uuid::new_v4().as_u128()),
        received_on: window,
        status: InboundStatus::Quarantined,
        error: Some("line 3: bad".into()),
        returns: 0,
        nocs: 0,
    };
    assert!(!s.inbound_seen(&inbound.sha256).await.unwrap_or(true));
    s.record_inbound(&inbound)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(s.inbound_seen(&inbound.sha256).await.unwrap_or(false));
    assert!(s
        .list_inbound(10)
        .await
        .unwrap_or_default()
        .contains(&inbound));
    assert!(s
        .simulator_mark_file_read("x.ach", window)
        .await
        .unwrap_or(false));
    assert!(!s
        .simulator_mark_file_read("x.ach", window)
        .await
        .unwrap_or(true));
}

async fn linked(s: &dyn Store, vault: &Vault, number: &str) -> (Account, BankAccount) {
    let tenant = new_tenant(s).await;
    let acct = sample_account(tenant.account_id, Uuid::new_v4(), t0());
    s.insert_account(&acct)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let ba = sample_bank_account(vault, &acct, number);
    s.link_bank_account(&ba, &created_event(&ba))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    (acct, ba)
}

fn verification(
    ba: &BankAccount,
    kind: VerificationKind,
    status: VerificationStatus,
) -> Verification {
    Verification {
        verification_id: Uuid::new_v4(),
        bank_account_id: ba.bank_account_id,
        account_id: ba.account_id,
        tenant_id: ba.tenant_id,
        kind,
        status,
        secret: match kind {
            VerificationKind::MicroDeposits => VerificationSecret::Amounts([12, 34]),
            _ => VerificationSecret::Code("0421".into()),
        },
        failed_attempts: 0,
        exception_details: None,
        created_on: t0(),
        expires_on: t0() + SignedDuration::from_hours(24 * 14),
        sent_on: None,
        updated_on: t0(),
    }
}

fn entry(v: &Verification, purpose: EntryPurpose, amount: i64, credit: bool) -> AchEntry {
    AchEntry {
        entry_id: Uuid::new_v4(),
        tenant_id: v.tenant_id,
        bank_account_id: v.bank_account_id,
        verification_id: v.verification_id,
        purpose,
        amount_cents: amount,
        sealed_amount: None,
        is_credit: credit,
        addenda: None,
        due_at: t0() + SignedDuration::from_hours(1),
        status: EntryStatus::Pending,
        created_on: t0(),
    }
}

pub async fn link_and_disable_write_events_and_disable_cancels_money(s: &dyn Store) {
    let vault = Vault::new(SecretKey::generate(), vec![], None);
    let (acct, ba) = linked(s, &vault, "11223344").await;
    // Relinking identical details writes no second event.
    let again = sample_bank_account(&vault, &acct, "11223344");
    s.link_bank_account(&again, &created_event(&again))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let v = verification(
        &ba,
        VerificationKind::MicroDeposits,
        VerificationStatus::New,
    );
    let mut change = Change::new(
        &Snapshot {
            bank_account: ba.clone(),
            verifications: vec![],
        },
        t0(),
    );
    change.insert_verification = Some(v.clone());
    change.ach_entries = vec![entry(&v, EntryPurpose::MicroDepositCredit, 12, true)];
    s.apply(&change).await.unwrap_or_else(|e| panic!("{e}"));

    let disabled = s
        .disable_bank_account(
            ba.tenant_id,
            ba.account_id,
            ba.bank_account_id,
            t0(),
            &deleted_event(&ba),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(disabled.is_some());
    let entries = s
        .ach_entries_for(ba.bank_account_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(entries.len(), 1);
    assert_eq!(
        entries[0].status,
        EntryStatus::Cancelled,
        "disabling cancels unsent entries"
    );
    let types: Vec<String> = s
        .events(ba.tenant_id, 0, 100)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|(_, e)| e.event_type)
        .collect();
    assert_eq!(types, ["bankAccount.created", "bankAccount.deleted"]);
}

// A long scenario on purpose: it reads top to bottom as one story against one store.
pub async fn apply_is_atomic_and_guarded_by_the_version(s: &dyn Store) {
    let vault = Vault::new(SecretKey::generate(), vec![], None);
    let (acct, ba) = linked(s, &vault, "99990000").await;
    let snap = s
        .snapshot(ba.tenant_id, acct.account_id, ba.bank_account_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("snapshot");
    assert_eq!(snap.bank_account.version, 0);
    assert!(snap.verifications.is_empty());

    let v = verification(
        &ba,
        VerificationKind::MicroDeposits,
        VerificationStatus::New,
    );
    let at = t0() + SignedDuration::from_mins(1);
    let mut change = Change::new(&snap, at);
    change.status = Some(StatusChange {
        status: BankAccountStatus::Pending,
        reason: StatusReason::VerificationInitiated,
        exception_details: None,
    });
    change.insert_verification = Some(v.clone());
    change.ach_entries = vec![
        entry(&v, EntryPurpose::MicroDepositCredit, 12, true),
        entry(&v, EntryPurpose::MicroDepositCredit, 34, true),
        entry(&v, EntryPurpose::MicroDepositDebit, 46, false),
    ];
    change.events = vec![events::bank_account_updated(
        &ba,
        BankAccountStatus::Pending,
        StatusReason::VerificationInitiated,
        None,
        Uuid::new_v4(),
        at,
    )];
    s.apply(&change).await.unwrap_or_else(|e| panic!("{e}"));
    // The same decision again is stale: the version moved.
    assert!(matches!(s.apply(&change).await, Err(StoreError::Stale)));

    let snap = s
        .snapshot_by_id(ba.bank_account_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("snap");
    assert_eq!(snap.bank_account.version, 1);
    assert_eq!(snap.bank_account.status, BankAccountStatus::Pending);
    assert_eq!(
        snap.bank_account.status_reason,
        StatusReason::VerificationInitiated
    );
    assert_eq!(snap.bank_account.updated_on, at);
    assert_eq!(snap.verifications, vec![v.clone()]);
    let entries = s
        .ach_entries_for(ba.bank_account_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(entries.iter().map(|e| e.amount_cents).sum::<i64>(), 92);
    assert_eq!(entries.iter().filter(|e| !e.is_credit).count(), 1);

    // A failing statement inside apply leaves nothing behind: a duplicate verification ID.
    let mut bad = Change::new(&snap, at);
    bad.status = Some(StatusChange {
        status: BankAccountStatus::Verified,
        reason: StatusReason::VerificationSuccessful,
        exception_details: None,
    });
    bad.insert_verification = Some(v.clone());
    assert!(s.apply(&bad).await.is_err());
    let after = s
        .snapshot_by_id(ba.bank_account_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("snap");
    assert_eq!(
        after.bank_account.status,
        BankAccountStatus::Pending,
        "rolled back"
    );
    assert_eq!(after.bank_account.version, 1);

    // Update + cancel + expiry listing.
    let mut updated = v.clone();
    updated.status = VerificationStatus::Expired;
    updated.failed_attempts = 2;
    updated.exception_details = Some(ExceptionDetails {
        description: "x".into(),
        ..Default::default()
    });
    updated.updated_on = at;
    let due = s
        .due_expirations(t0() + SignedDuration::from_hours(24 * 14), 100)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(due.contains(&ba.bank_account_id));
    let mut expire = Change::new(&after, at);
    expire.update_verification = Some(updated.clone());
    expire.cancel_pending_of = Some(v.verification_id);
    s.apply(&expire).await.unwrap_or_else(|e| panic!("{e}"));
    let after = s
        .snapshot_by_id(ba.bank_account_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("snap");
    assert_eq!(after.verifications, vec![updated]);
    assert_eq!(after.bank_account.version, 2);
    assert!(s
        .ach_entries_for(ba.bank_account_id)
        .await
        .unwrap_or_default()
        .iter()
        .all(|e| e.status == EntryStatus::Cancelled));
    let due = s
        .due_expirations(t0() + SignedDuration::from_hours(24 * 14), 100)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!due.contains(&ba.bank_account_id));
    let events = s
        .events(ba.tenant_id, 0, 100)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(events.len(), 2);
    assert!(events[0].0 < events[1].0);
    assert_eq!(events[1].1.data["statusReason"], "verification-initiated");
}

/// Several decisions in one transaction: all of them, or none when one bank account's version
/// moved (a returns file applies a chunk per commit).
pub async fn apply_all_applies_every_change_or_none(s: &dyn Store) {
    let vault = Vault::new(SecretKey::generate(), vec![], None);
    let mut snaps = Vec::new();
    for number in ["77770001", "77770002"] {
        let (_, ba) = linked(s, &vault, number).await;
        snaps.push(
            s.snapshot_by_id(ba.bank_account_id)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .expect("snapshot"),
        );
    }
    let at = t0() + SignedDuration::from_mins(2);
    let errored = |snap: &Snapshot| {
        let mut change = Change::new(snap, at);
        change.status = Some(StatusChange {
            status: BankAccountStatus::Errored,
            reason: StatusReason::MicroDepositReturn,
            exception_details: None,
        });
        change
    };
    // The second bank account moves on first: the pair is stale and neither applies.
    let first_alone = Change::new(&snaps[1], at);
    s.apply(&first_alone)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let pair = [errored(&snaps[0]), errored(&snaps[1])];
    assert!(matches!(s.apply_all(&pair).await, Err(StoreError::Stale)));
    let status_of = |id: Uuid| async move {
        let snap = current(s, id).await;
        (snap.bank_account.status, snap.bank_account.version)
    };
    assert_eq!(
        status_of(snaps[0].bank_account.bank_account_id).await,
        (snaps[0].bank_account.status, 0),
        "the first change rolled back with the stale second"
    );
    // On fresh snapshots both apply in one go.
    let mut fresh = Vec::new();
    for snap in &snaps {
        fresh.push(
            s.snapshot_by_id(snap.bank_account.bank_account_id)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .expect("snap"),
        );
    }
    s.apply_all(&[errored(&fresh[0]), errored(&fresh[1])])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        status_of(snaps[0].bank_account.bank_account_id).await,
        (BankAccountStatus::Errored, 1)
    );
    assert_eq!(
        status_of(snaps[1].bank_account.bank_account_id).await,
        (BankAccountStatus::Errored, 2)
    );
    // An empty list is a no-op.
    s.apply_all(&[]).await.unwrap_or_else(|e| panic!("{e}"));
}

/// A bank account's snapshot as the store has it now.
async fn current(s: &dyn Store, id: Uuid) -> Snapshot {
    s.snapshot_by_id(id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("snapshot")
}

/// `apply_all` with changes of different shapes in one call, and with the same bank account
/// twice (the second change expecting the version the first leaves).
pub async fn apply_all_mixes_shapes_and_repeats(s: &dyn Store) {
    let vault = Vault::new(SecretKey::generate(), vec![], None);
    let (_, first) = linked(s, &vault, "77770003").await;
    let (_, second) = linked(s, &vault, "77770004").await;
    let (a, b) = (first.bank_account_id, second.bank_account_id);
    let at = t0() + SignedDuration::from_mins(2);
    let with_status = |snap: &Snapshot, status: BankAccountStatus| {
        let mut change = Change::new(snap, at);
        change.status = Some(StatusChange {
            status,
            reason: StatusReason::MicroDepositReturn,
            exception_details: None,
        });
        change
    };
    let version_only = |snap: &Snapshot| Change::new(snap, at);
    let status_of = |id: Uuid| async move {
        let snap = current(s, id).await;
        (snap.bank_account.status, snap.bank_account.version)
    };
    let now = |id: Uuid| current(s, id);
    let (snap_a, snap_b) = (now(a).await, now(b).await);
    let (status_b, version_b) = status_of(b).await;
    s.apply_all(&[
        with_status(&snap_a, BankAccountStatus::Errored),
        version_only(&snap_b),
    ])
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(status_of(a).await, (BankAccountStatus::Errored, 1));
    assert_eq!(status_of(b).await, (status_b, version_b + 1));
    let snap_a = now(a).await;
    let recovered = with_status(&snap_a, BankAccountStatus::New);
    let mut again = version_only(&snap_a);
    again.expected_version += 1;
    s.apply_all(&[recovered, again])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(status_of(a).await, (BankAccountStatus::New, 3));
    // A repeat that expects a version the first change does not leave: none of it applies.
    let snap_a = now(a).await;
    let stale_repeat = version_only(&snap_a);
    assert!(matches!(
        s.apply_all(&[
            with_status(&snap_a, BankAccountStatus::Errored),
            stale_repeat
        ])
        .await,
        Err(StoreError::Stale)
    ));
    assert_eq!(status_of(a).await, (BankAccountStatus::New, 3));
}

// A long scenario on purpose: it reads top to bottom as one story against one store.
pub async fn instant_credits_are_claimed_once(s: &dyn Store) {
    let vault = Vault::new(SecretKey::generate(), vec![], None);
    let (_, ba) = linked(s, &vault, "77778888").await;
    let v = verification(&ba, VerificationKind::Instant, VerificationStatus::New);
    let credit = InstantCredit {
        credit_id: Uuid::new_v4(),
        tenant_id: ba.tenant_id,
        bank_account_id: ba.bank_account_id,
        verification_id: v.verification_id,
        amount_cents: 1,
        remittance: "MV0421".into(),
        network: InstantNetwork::FedNow,
        status: InstantCreditStatus::Pending,
        reason_code: None,
        created_on: t0(),
        updated_on: t0(),
    };
    let snap = s
        .snapshot_by_id(ba.bank_account_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("snap");
    let mut change = Change::new(&snap, t0());
    change.insert_verification = Some(v);
    change.instant_credits = vec![credit.clone()];
    s.apply(&change).await.unwrap_or_else(|e| panic!("{e}"));

    let open = s
        .open_instant_credits(t0(), 100)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let stored = open
        .iter()
        .find(|c| c.credit_id == credit.credit_id)
        .expect("the new credit is open");
    assert_eq!(stored, &credit, "stored as queued, network included");
    let now = t0() + SignedDuration::from_secs(1);
    let stale = now - SignedDuration::from_secs(30);
    assert_eq!(
        s.claim_instant_credit(credit.credit_id, now, stale)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        Some(CreditClaim::Send),
        "a pending credit is claimed to be sent"
    );
    assert_eq!(
        s.claim_instant_credit(credit.credit_id, now, stale)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        None,
        "claimed once"
    );
    assert!(!s
        .open_instant_credits(stale, 100)
        .await
        .unwrap_or_default()
        .iter()
        .any(|c| c.credit_id == credit.credit_id));
    // A claim left unanswered for long is open again (the worker may have died).
    let later = now + SignedDuration::from_secs(60);
    let later_stale = later - SignedDuration::from_secs(30);
    assert!(s
        .open_instant_credits(later_stale, 100)
        .await
        .unwrap_or_default()
        .iter()
        .any(|c| c.credit_id == credit.credit_id));
    assert_eq!(
        s.claim_instant_credit(credit.credit_id, later, later_stale)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        Some(CreditClaim::Ask),
        "an unanswered credit is claimed to be asked about, never sent again"
    );

    let snap = s
        .snapshot_by_id(ba.bank_account_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("snap");
    let mut result = Change::new(&snap, later);
    result.credit_result = Some((
        credit.credit_id,
        InstantCreditStatus::Rejected,
        Some("AC03".into()),
    ));
    s.apply(&result).await.unwrap_or_else(|e| panic!("{e}"));
    let stored = s
        .instant_credit(credit.credit_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("credit");
    assert_eq!(stored.status, InstantCreditStatus::Rejected);
    assert_eq!(stored.reason_code.as_deref(), Some("AC03"));
}

pub async fn simulator_statements_post_each_reference_once(s: &dyn Store) {
    let fingerprint = format!("fp-{}", Uuid::new_v4());
    let line = StatementLine {
        reference: format!("ref-{}", Uuid::new_v4()),
        fingerprint: fingerprint.clone(),
        routing_number: "021000021".into(),
        last_four_account_number: "4321".into(),
        posted_on: t0(),
        amount_cents: 1,
        direction: "credit",
        rail: "rtp".into(),
        company_name: "ACME".into(),
        description: "ACCTVERIFY".into(),
        statement_text: "ACME ACCTVERIFY MV0421".into(),
    };
    assert!(s.simulator_post(&line).await.unwrap_or(false));
    assert!(
        !s.simulator_post(&line).await.unwrap_or(true),
        "a redelivery does not post twice"
    );
    let mut debit = line.clone();
    debit.reference = format!("ref-{}", Uuid::new_v4());
    debit.direction = "debit";
    s.simulator_post(&debit)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let statement = s
        .simulator_statement(&fingerprint)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(statement, vec![line, debit]);
    assert!(s
        .simulator_statement("nobody")
        .await
        .unwrap_or_default()
        .is_empty());
}

pub async fn health_and_idempotent_migrations(s: &dyn Store) {
    s.health().await.unwrap_or_else(|e| panic!("health: {e}"));
    s.migrate()
        .await
        .unwrap_or_else(|e| panic!("second migrate must be a no-op: {e}"));
}

pub async fn tenants_and_api_keys(s: &dyn Store) {
    let before = s.count_api_keys().await.unwrap_or_else(|e| panic!("{e}"));
    let facilitator = new_tenant(s).await;
    let pk = format!("pk_{}", facilitator.account_id.simple());
    let key = s
        .api_key(&pk)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("key stored");
    assert_eq!(key.account_id, facilitator.account_id);
    assert_eq!(key.revoked_on, None);
    assert_eq!(s.count_api_keys().await.unwrap_or_default(), before + 1);
    assert!(s
        .list_api_keys()
        .await
        .unwrap_or_default()
        .iter()
        .any(|k| k.public_key == pk));

    // A second key for the same tenant; a duplicate public key is a conflict.
    let second = sample_key(facilitator.account_id, &format!("{pk}_2"));
    s.insert_api_key(&second)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        s.insert_api_key(&second).await,
        Err(StoreError::Conflict(_))
    ));

    let at = t0() + SignedDuration::from_mins(5);
    assert!(s.revoke_api_key(&pk, at).await.unwrap_or(false));
    assert!(
        !s.revoke_api_key(&pk, at).await.unwrap_or(true),
        "revoking twice reports false"
    );
    let revoked = s
        .api_key(&pk)
        .await
        .ok()
        .flatten()
        .expect("key still readable");
    assert_eq!(revoked.revoked_on, Some(at));
    assert!(s
        .api_key("pk_nope")
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .is_none());
}

pub async fn access_tokens_join_their_key(s: &dyn Store) {
    let facilitator = new_tenant(s).await;
    let pk = format!("pk_{}", facilitator.account_id.simple());
    let token = AccessToken {
        token_hash: format!("hash-{}", Uuid::new_v4()),
        public_key: pk.clone(),
        scopes: vec!["/accounts.read".into(), "/ping.read".into()],
        created_on: t0(),
        expires_on: t0() + SignedDuration::from_hours(1),
    };
    s.insert_access_token(&token)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (found, key) = s
        .access_token(&token.token_hash)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("token stored");
    assert_eq!(found, token);
    assert_eq!(key.public_key, pk);
    let later = token.expires_on + SignedDuration::from_mins(30);
    assert!(s
        .touch_access_token(&token.token_hash, later)
        .await
        .unwrap_or(false));
    let (touched, _) = s
        .access_token(&token.token_hash)
        .await
        .ok()
        .flatten()
        .expect("token");
    assert_eq!(touched.expires_on, later);
    assert!(!s.touch_access_token("missing", later).await.unwrap_or(true));
    s.revoke_api_key(&pk, t0())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (_, key) = s
        .access_token(&token.token_hash)
        .await
        .ok()
        .flatten()
        .expect("token");
    assert!(
        key.revoked_on.is_some(),
        "a token's key shows its revocation"
    );
    assert!(s
        .access_token("missing")
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .is_none());
}

// A long scenario on purpose: it reads top to bottom as one story against one store.
pub async fn accounts_are_tenant_scoped_and_paged(s: &dyn Store) {
    let a = new_tenant(s).await;
    let b = new_tenant(s).await;
    let mut created = vec![a.account_id];
    for i in 0..5 {
        let acct = sample_account(
            a.account_id,
            Uuid::new_v4(),
            t0() + SignedDuration::from_secs(i + 1),
        );
        s.insert_account(&acct)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        created.push(acct.account_id);
    }
    let got = s
        .account(a.account_id, created[3])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let got = got.expect("own account visible");
    assert_eq!(got.foreign_id.as_deref(), Some("user-1"));
    assert_eq!(got.metadata.get("k").map(String::as_str), Some("v"));
    assert_eq!(got.profile["individual"]["name"]["firstName"], "Jane");
    assert!(
        s.account(b.account_id, created[3])
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .is_none(),
        "another tenant's account is invisible"
    );

    let all = s
        .list_accounts(a.account_id, &AccountFilter::default(), 0, 100)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        all.iter().map(|x| x.account_id).collect::<Vec<_>>(),
        created
    );
    let page = s
        .list_accounts(a.account_id, &AccountFilter::default(), 2, 2)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        page.iter().map(|x| x.account_id).collect::<Vec<_>>(),
        created[2..4]
    );
    let others = s
        .list_accounts(b.account_id, &AccountFilter::default(), 0, 100)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        others.len(),
        1,
        "tenant B sees only its facilitator account"
    );

    let by_foreign_id = AccountFilter {
        foreign_id: Some("user-1".into()),
        account_type: None,
    };
    let found = s
        .list_accounts(a.account_id, &by_foreign_id, 0, 100)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        found.len(),
        6,
        "the facilitator and five accounts all carry foreignID user-1"
    );
    let none = AccountFilter {
        foreign_id: Some("nobody".into()),
        account_type: None,
    };
    assert!(s
        .list_accounts(a.account_id, &none, 0, 100)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .is_empty());
    let business = AccountFilter {
        foreign_id: None,
        account_type: Some(AccountType::Business),
    };
    assert!(s
        .list_accounts(a.account_id, &business, 0, 100)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .is_empty());
}

pub async fn linking_is_idempotent_per_fingerprint(s: &dyn Store) {
    let vault = Vault::new(SecretKey::generate(), vec![], None);
    let tenant = new_tenant(s).await;
    let acct = sample_account(tenant.account_id, Uuid::new_v4(), t0());
    s.insert_account(&acct)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let first = sample_bank_account(&vault, &acct, "0004321567000");
    let LinkOutcome::Created(created) = s
        .link_bank_account(&first, &created_event(&first))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
    else {
        panic!("first link must create");
    };
    assert_eq!(created, first);

    let again = sample_bank_account(&vault, &acct, "0004321567000");
    match s
        .link_bank_account(&again, &created_event(&again))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
    {
        LinkOutcome::Existing(existing) => {
            assert_eq!(existing.bank_account_id, first.bank_account_id);
            assert_eq!(
                existing.sealed, first.sealed,
                "ciphertext stored byte for byte"
            );
            let number = vault
                .open(&existing.sealed, existing.bank_account_id.as_bytes())
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(number.expose(), "0004321567000");
        }
        LinkOutcome::Created(_) => {
            panic!("identical details must return the existing bank account")
        }
    }

    let other = sample_bank_account(&vault, &acct, "99887766");
    assert!(matches!(
        s.link_bank_account(&other, &created_event(&other)).await,
        Ok(LinkOutcome::Created(_))
    ));

    // After disabling, the same details link as a new bank account.
    let at = t0() + SignedDuration::from_mins(1);
    s.disable_bank_account(
        tenant.account_id,
        acct.account_id,
        first.bank_account_id,
        at,
        &deleted_event(&first),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"))
    .expect("disabled");
    let relinked = sample_bank_account(&vault, &acct, "0004321567000");
    assert!(matches!(
        s.link_bank_account(&relinked, &created_event(&relinked))
            .await,
        Ok(LinkOutcome::Created(_))
    ));
}

// A long scenario on purpose: it reads top to bottom as one story against one store.
pub async fn bank_accounts_are_tenant_scoped_and_disable_once(s: &dyn Store) {
    let vault = Vault::new(SecretKey::generate(), vec![], None);
    let a = new_tenant(s).await;
    let b = new_tenant(s).await;
    let acct = sample_account(a.account_id, Uuid::new_v4(), t0());
    s.insert_account(&acct)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let ba = sample_bank_account(&vault, &acct, "123456789");
    s.link_bank_account(&ba, &created_event(&ba))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let id = ba.bank_account_id;

    let got = s
        .bank_account(a.account_id, acct.account_id, id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(got.as_ref(), Some(&ba));
    assert!(s
        .bank_account(b.account_id, acct.account_id, id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .is_none());
    assert!(s
        .bank_account(a.account_id, a.account_id, id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .is_none());
    assert_eq!(
        s.list_bank_accounts(a.account_id, acct.account_id)
            .await
            .unwrap_or_default()
            .len(),
        1
    );
    assert!(s
        .list_bank_accounts(b.account_id, acct.account_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .is_empty());
    let by_fingerprint = |tenant: Uuid| {
        let fp = ba.fingerprint.clone();
        async move {
            s.bank_accounts_with_fingerprint(tenant, &fp)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        }
    };
    assert_eq!(by_fingerprint(a.account_id).await, vec![ba.clone()]);
    assert!(
        by_fingerprint(b.account_id).await.is_empty(),
        "another tenant's bank account is not found by its fingerprint"
    );

    assert!(s
        .disable_bank_account(b.account_id, acct.account_id, id, t0(), &deleted_event(&ba))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .is_none());
    let at = t0() + SignedDuration::from_mins(3);
    let disabled = s
        .disable_bank_account(a.account_id, acct.account_id, id, at, &deleted_event(&ba))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("disable");
    assert_eq!(disabled.disabled_on, Some(at));
    assert!(s
        .disable_bank_account(a.account_id, acct.account_id, id, at, &deleted_event(&ba))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .is_none());
    assert!(s
        .bank_account(a.account_id, acct.account_id, id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .is_none());
    assert!(s
        .list_bank_accounts(a.account_id, acct.account_id)
        .await
        .unwrap_or_default()
        .is_empty());
    assert!(
        by_fingerprint(a.account_id).await.is_empty(),
        "a disabled bank account is not found by its fingerprint"
    );
}

/// The operator's lookup: across tenants, by the last four digits or by the fingerprint,
/// within the limit; a disabled bank account is still found (the console marks it).
pub async fn bank_accounts_are_found_by_last_four_or_fingerprint(s: &dyn Store) {
    let vault = Vault::new(SecretKey::generate(), vec![], None);
    let (_, first) = linked(s, &vault, "860013579").await;
    let (acct, second) = linked(s, &vault, "770013579").await;
    s.disable_bank_account(
        second.tenant_id,
        acct.account_id,
        second.bank_account_id,
        t0(),
        &deleted_event(&second),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let find = |lookup: crate::BankAccountLookup, limit: i64| async move {
        s.find_bank_accounts(&lookup, limit)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let found = find(crate::BankAccountLookup::LastFour("3579".into()), 100).await;
    let ids: Vec<Uuid> = found.iter().map(|b| b.bank_account_id).collect();
    assert!(ids.contains(&first.bank_account_id), "{ids:?}");
    assert!(ids.contains(&second.bank_account_id), "disabled ones too");
    assert_ne!(first.tenant_id, second.tenant_id, "across tenants");
    assert!(found.iter().all(|b| b.last_four == "3579"));
    let one = find(crate::BankAccountLookup::LastFour("3579".into()), 1).await;
    assert_eq!(one.len(), 1, "the limit holds");
    let by_fingerprint = find(
        crate::BankAccountLookup::Fingerprint(first.fingerprint.clone()),
        100,
    )
    .await;
    assert_eq!(by_fingerprint, vec![first]);
    assert!(find(crate::BankAccountLookup::LastFour("0000".into()), 100)
        .await
        .iter()
        .all(|b| b.last_four == "0000"));
}

// A long scenario on purpose: the update, then the disconnect of the same account, read top
// to bottom as one story against one store.
pub async fn accounts_update_by_compare_and_set_and_disconnect_once(s: &dyn Store) {
    let vault = Vault::new(SecretKey::generate(), vec![], None);
    let (acct, ba) = linked(s, &vault, "55667788").await;
    let (tenant, id) = (acct.tenant_id, acct.account_id);
    let mut next = acct.clone();
    next.display_name = "Renamed".into();
    next.foreign_id = None;
    next.metadata = BTreeMap::from([("k".to_string(), "v".to_string())]);
    next.updated_on = t0() + SignedDuration::from_mins(1);
    let stale = t0() - SignedDuration::from_mins(1);
    let update = |expected| s.update_account(&next, expected);
    assert!(
        !update(stale).await.unwrap_or_else(|e| panic!("{e}")),
        "stale"
    );
    assert!(update(t0()).await.unwrap_or_else(|e| panic!("{e}")));
    assert!(
        !update(t0()).await.unwrap_or_else(|e| panic!("{e}")),
        "once"
    );
    let got = s
        .account(tenant, id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(got.as_ref(), Some(&next));

    let at = t0() + SignedDuration::from_mins(2);
    let event = deleted_event(&ba);
    let conflict = s.disconnect_account(tenant, id, at, &[]).await;
    assert!(
        matches!(conflict, Err(StoreError::Conflict(_))),
        "an active bank account not named: {conflict:?}"
    );
    assert!(
        s.account(tenant, id).await.unwrap_or_default().is_some(),
        "nothing written"
    );
    let deleted = [(ba.bank_account_id, event)];
    let other = Uuid::new_v4();
    assert!(!s
        .disconnect_account(other, id, at, &deleted)
        .await
        .unwrap_or(true));
    assert!(s
        .disconnect_account(tenant, id, at, &deleted)
        .await
        .unwrap_or_else(|e| panic!("{e}")));
    assert!(!s
        .disconnect_account(tenant, id, at, &deleted)
        .await
        .unwrap_or(true));
    assert!(s
        .account(tenant, id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .is_none());
    let listed = s
        .list_accounts(tenant, &AccountFilter::default(), 0, 100)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(listed.iter().all(|a| a.account_id != id), "not listed");
    assert!(s
        .bank_account(tenant, id, ba.bank_account_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .is_none());
    assert!(
        !s.update_account(&next, next.updated_on)
            .await
            .unwrap_or(true),
        "gone"
    );
    let types: Vec<String> = s
        .events(tenant, 0, 100)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|(_, e)| e.event_type)
        .collect();
    assert_eq!(types, ["bankAccount.created", "bankAccount.deleted"]);
}

pub async fn concurrent_identical_links_make_one_bank_account(store: Arc<dyn Store>) {
    let vault = Vault::new(SecretKey::generate(), vec![], None);
    let tenant = new_tenant(store.as_ref()).await;
    let acct = sample_account(tenant.account_id, Uuid::new_v4(), t0());
    store
        .insert_account(&acct)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        let ba = sample_bank_account(&vault, &acct, "55554444");
        tasks.push(tokio::spawn(async move {
            store.link_bank_account(&ba, &created_event(&ba)).await
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        let outcome = t
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|e| panic!("{e}"));
        ids.push(outcome.into_inner().bank_account_id);
    }
    ids.dedup();
    assert_eq!(
        ids.len(),
        1,
        "eight concurrent identical links yield one bank account"
    );
    assert_eq!(
        store
            .list_bank_accounts(tenant.account_id, acct.account_id)
            .await
            .unwrap_or_default()
            .len(),
        1
    );
}

// ---------------------------------------------------------------------------------------------
// RiskStore. Each check uses its own tenants and its own stretch of time, so the checks above
// (which share this store) never disturb the figures.

fn at(text: &str) -> Timestamp {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn decision(
    tenant: Uuid,
    bank_account_id: Option<Uuid>,
    rule: RiskRule,
    outcome: RiskOutcome,
    decided_on: Timestamp,
) -> RiskDecision {
    RiskDecision {
        decision_id: Uuid::new_v4(),
        tenant_id: tenant,
        bank_account_id,
        rule,
        outcome,
        inputs: serde_json::json!({"count": 7, "max": 10}),
        decided_on,
    }
}

fn audit(
    action: AuditAction,
    tenant: Option<Uuid>,
    subject: &str,
    actor: &str,
    at: Timestamp,
) -> AuditEntry {
    AuditEntry {
        audit_id: Uuid::new_v4(),
        action,
        tenant_id: tenant,
        subject: subject.into(),
        actor: actor.into(),
        reason: format!("{} by {actor}", action.as_str()),
        details: serde_json::json!({"note": "conformance"}),
        at,
    }
}

async fn audit_between(s: &dyn Store, from: Timestamp, to: Timestamp) -> Vec<AuditEntry> {
    s.audit_trail(from, to)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|(_, a)| a)
        .collect()
}

async fn event_count(s: &dyn Store, tenant: Uuid) -> usize {
    s.events(tenant, 0, 1000)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .len()
}

async fn decisions(s: &dyn Store, filter: DecisionFilter) -> Vec<(i64, RiskDecision)> {
    s.risk_decisions(&filter)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

// A long scenario on purpose: four decisions recorded once, then read back through every filter.
pub async fn risk_decisions_are_recorded_with_their_events_filtered_and_paged(s: &dyn Store) {
    let a = new_tenant(s).await.tenant_id;
    let b = new_tenant(s).await.tenant_id;
    let t = at("2026-06-01T00:00:00Z");
    let hour = SignedDuration::from_hours(1);
    let webhook = Webhook {
        webhook_id: Uuid::new_v4(),
        tenant_id: a,
        url: "https://example.com/hooks".into(),
        description: "risk".into(),
        status: WebhookStatus::Enabled,
        event_types: vec![],
        secret: "whsec_conformance".into(),
        previous_secret: None,
        disabled_reason: None,
        created_on: t,
        updated_on: t,
    };
    s.insert_webhook(&webhook)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let counts_before = s
        .risk_decision_counts()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let bank_account = Uuid::new_v4();
    let d1 = decision(a, None, RiskRule::TenantHourly, RiskOutcome::NearLimit, t);
    let d2 = decision(
        a,
        Some(bank_account),
        RiskRule::TenantHourly,
        RiskOutcome::Refused,
        t + hour,
    );
    let d3 = decision(
        a,
        None,
        RiskRule::BlockedRouting,
        RiskOutcome::Refused,
        t + hour * 2,
    );
    let d4 = decision(
        b,
        None,
        RiskRule::TenantDaily,
        RiskOutcome::Flagged,
        t + hour * 3,
    );
    let all = [d1.clone(), d2.clone(), d3.clone(), d4.clone()];
    let evs: Vec<Event> = all
        .iter()
        .map(|d| events::risk_decision(d, Uuid::new_v4()))
        .collect();
    s.record_risk_decisions(&[], &[])
        .await
        .unwrap_or_else(|e| panic!("nothing to record: {e}"));
    s.record_risk_decisions(&all, &evs)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    // The events are in the outbox, fanned out to the tenant's webhook like any other.
    let written = s.events(a, 0, 100).await.unwrap_or_else(|e| panic!("{e}"));
    let risk_events: Vec<Uuid> = written
        .iter()
        .filter(|(_, e)| e.event_type == events::RISK_DECISION)
        .map(|(_, e)| e.event_id)
        .collect();
    assert_eq!(risk_events.len(), 3, "one event per decision of tenant A");
    assert_eq!(event_count(s, b).await, 1);
    let deliveries = s
        .deliveries(a, webhook.webhook_id, 100)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        deliveries.len(),
        3,
        "each risk event queued for the webhook"
    );
    assert!(deliveries
        .iter()
        .all(|d| risk_events.contains(&d.event_id) && d.status == DeliveryStatus::Pending));

    // Newest first, with the decision as recorded.
    let mine = decisions(
        s,
        DecisionFilter {
            tenant_id: Some(a),
            limit: 10,
            ..Default::default()
        },
    )
    .await;
    let got: Vec<&RiskDecision> = mine.iter().map(|(_, d)| d).collect();
    assert_eq!(got, vec![&d3, &d2, &d1]);
    assert!(mine.windows(2).all(|w| w[0].0 > w[1].0), "seq descending");

    // Paging: `limit`, then `before` the last seq seen.
    let page = decisions(
        s,
        DecisionFilter {
            tenant_id: Some(a),
            limit: 2,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(page.len(), 2);
    let rest = decisions(
        s,
        DecisionFilter {
            tenant_id: Some(a),
            before: Some(page[1].0),
            limit: 2,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        rest.iter().map(|(_, d)| d).collect::<Vec<_>>(),
        vec![&d1],
        "the page after the second"
    );

    // Each filter on its own.
    let ids = |v: Vec<(i64, RiskDecision)>| {
        v.into_iter()
            .map(|(_, d)| d.decision_id)
            .collect::<Vec<_>>()
    };
    let by_rule = decisions(
        s,
        DecisionFilter {
            tenant_id: Some(a),
            rule: Some(RiskRule::TenantHourly),
            limit: 10,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(ids(by_rule), vec![d2.decision_id, d1.decision_id]);
    let by_outcome = decisions(
        s,
        DecisionFilter {
            tenant_id: Some(a),
            outcome: Some(RiskOutcome::Refused),
            limit: 10,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(ids(by_outcome), vec![d3.decision_id, d2.decision_id]);
    let by_time = decisions(
        s,
        DecisionFilter {
            from: Some(t + hour),
            to: Some(t + hour * 2),
            limit: 10,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        ids(by_time),
        vec![d2.decision_id],
        "from inclusive, to exclusive"
    );
    let by_bank_account = decisions(
        s,
        DecisionFilter {
            bank_account_id: Some(bank_account),
            limit: 10,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(ids(by_bank_account), vec![d2.decision_id]);
    let other = decisions(
        s,
        DecisionFilter {
            tenant_id: Some(b),
            limit: 10,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(ids(other), vec![d4.decision_id]);

    // Counts for the metrics, over everything.
    let counts = s
        .risk_decision_counts()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let count = |list: &[(String, String, i64)], rule: RiskRule, outcome: RiskOutcome| {
        list.iter()
            .find(|(r, o, _)| r == rule.as_str() && o == outcome.as_str())
            .map_or(0, |(_, _, n)| *n)
    };
    for (rule, outcome, added) in [
        (RiskRule::TenantHourly, RiskOutcome::NearLimit, 1),
        (RiskRule::TenantHourly, RiskOutcome::Refused, 1),
        (RiskRule::BlockedRouting, RiskOutcome::Refused, 1),
        (RiskRule::TenantDaily, RiskOutcome::Flagged, 1),
    ] {
        assert_eq!(
            count(&counts, rule, outcome) - count(&counts_before, rule, outcome),
            added,
            "{rule:?} {outcome:?}"
        );
    }

    // The report's grouped count: per tenant, rule and outcome, in [from, to).
    let summary = s
        .risk_decision_summary(t, t + hour * 3)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let for_a: Vec<(RiskRule, RiskOutcome, i64)> = summary
        .iter()
        .filter(|c| c.tenant_id == a)
        .map(|c| (c.rule, c.outcome, c.count))
        .collect();
    assert_eq!(
        for_a,
        vec![
            (RiskRule::BlockedRouting, RiskOutcome::Refused, 1),
            (RiskRule::TenantHourly, RiskOutcome::NearLimit, 1),
            (RiskRule::TenantHourly, RiskOutcome::Refused, 1),
        ]
    );
    assert!(
        summary.iter().all(|c| c.tenant_id != b),
        "tenant B's decision is at the end of the period, outside it"
    );
    let later = s
        .risk_decision_summary(t + hour * 3, t + hour * 4)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(later.contains(&DecisionCount {
        tenant_id: b,
        rule: RiskRule::TenantDaily,
        outcome: RiskOutcome::Flagged,
        count: 1,
    }));
}

// A long scenario on purpose: one tenant's settings, pause, second pause, resume, pause again.
pub async fn tenants_pause_once_and_resume(s: &dyn Store) {
    let a = new_tenant(s).await.tenant_id;
    let b = new_tenant(s).await.tenant_id;
    let t = at("2026-07-01T00:00:00Z");
    let minute = SignedDuration::from_mins(1);
    assert_eq!(
        s.tenant_risk(a).await.unwrap_or_else(|e| panic!("{e}")),
        TenantRisk::default(),
        "a tenant with nothing recorded has the defaults"
    );

    let settings = serde_json::json!({"tenantHourly": {"max": 5}});
    let changed = audit(
        AuditAction::SettingsChanged,
        Some(a),
        &a.to_string(),
        "pk_operator",
        t,
    );
    s.set_tenant_settings(a, &settings, &changed)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let state = s.tenant_risk(a).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(state.settings, settings);
    assert_eq!(state.paused_on, None);

    let pause = |tenant: Uuid, when: Timestamp| {
        let d = decision(
            tenant,
            None,
            RiskRule::ReturnsUnauthorized,
            RiskOutcome::Paused,
            when,
        );
        Pause {
            tenant_id: tenant,
            rule: RiskRule::ReturnsUnauthorized.as_str().into(),
            at: when,
            events: vec![events::risk_decision(&d, Uuid::new_v4())],
            decision: Some(d),
            audit: audit(
                AuditAction::TenantPaused,
                Some(tenant),
                &tenant.to_string(),
                SYSTEM_ACTOR,
                when,
            ),
        }
    };
    let first = pause(a, t + minute);
    assert!(s.pause_tenant(&first).await.unwrap_or(false));
    let state = s.tenant_risk(a).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(state.paused_on, Some(t + minute));
    assert_eq!(state.paused_rule.as_deref(), Some("returns.unauthorized"));
    assert_eq!(state.settings, settings, "a pause keeps the settings");
    let events_after_pause = event_count(s, a).await;

    // A second pause changes and writes nothing.
    assert!(!s
        .pause_tenant(&pause(a, t + minute * 2))
        .await
        .unwrap_or(true));
    assert_eq!(
        s.tenant_risk(a)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .paused_on,
        Some(t + minute),
        "still paused since the first"
    );
    assert_eq!(event_count(s, a).await, events_after_pause);
    let recorded = decisions(
        s,
        DecisionFilter {
            tenant_id: Some(a),
            limit: 10,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        recorded.iter().map(|(_, d)| d).collect::<Vec<_>>(),
        vec![first.decision.as_ref().expect("decision")]
    );
    let trail = audit_between(s, t, t + SignedDuration::from_hours(1)).await;
    let for_a: Vec<&AuditEntry> = trail.iter().filter(|e| e.tenant_id == Some(a)).collect();
    assert_eq!(for_a, vec![&changed, &first.audit]);

    // A tenant without settings can be paused too; it gets empty overrides.
    assert!(s.pause_tenant(&pause(b, t + minute)).await.unwrap_or(false));
    let state_b = s.tenant_risk(b).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(state_b.paused_on, Some(t + minute));
    assert_eq!(state_b.settings, serde_json::json!({}));
    let listed = s.tenants_risk().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(listed
        .iter()
        .any(|(id, r)| *id == a && r.paused_on.is_some()));
    assert!(listed.iter().any(|(id, _)| *id == b));

    // Resume: once; a second resume (or one of a tenant never paused) writes nothing.
    let resumed = audit(
        AuditAction::TenantResumed,
        Some(a),
        &a.to_string(),
        "pk_operator",
        t + minute * 3,
    );
    let resumed_event = events::risk_tenant_resumed(a, "reviewed", Uuid::new_v4(), t + minute * 3);
    assert!(s
        .resume_tenant(a, &resumed, std::slice::from_ref(&resumed_event))
        .await
        .unwrap_or(false));
    let state = s.tenant_risk(a).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((state.paused_on, state.paused_rule), (None, None));
    assert_eq!(state.settings, settings);
    assert_eq!(event_count(s, a).await, events_after_pause + 1);
    let again = audit(
        AuditAction::TenantResumed,
        Some(a),
        &a.to_string(),
        "pk_operator",
        t + minute * 4,
    );
    let again_event = events::risk_tenant_resumed(a, "again", Uuid::new_v4(), t + minute * 4);
    assert!(!s
        .resume_tenant(a, &again, std::slice::from_ref(&again_event))
        .await
        .unwrap_or(true));
    assert_eq!(event_count(s, a).await, events_after_pause + 1);
    let never = new_tenant(s).await.tenant_id;
    let never_audit = audit(
        AuditAction::TenantResumed,
        Some(never),
        &never.to_string(),
        "pk_operator",
        t + minute * 4,
    );
    assert!(!s
        .resume_tenant(never, &never_audit, &[])
        .await
        .unwrap_or(true));
    let trail = audit_between(s, t, t + SignedDuration::from_hours(1)).await;
    assert!(trail.contains(&resumed));
    assert!(!trail.contains(&again) && !trail.contains(&never_audit));

    // Paused again after a resume.
    assert!(s
        .pause_tenant(&pause(a, t + minute * 5))
        .await
        .unwrap_or(false));
}

// A long scenario on purpose: one blocklist entry's life, with what each step audits.
pub async fn blocklist_adds_once_matches_and_removes(s: &dyn Store) {
    let t = at("2026-08-01T00:00:00Z");
    let routing = "011000015";
    let fingerprint = format!("fp-{}", Uuid::new_v4().simple());
    let entry = |kind: BlockKind, value: &str| BlockEntry {
        kind,
        value: value.into(),
        reason: "fraud ring".into(),
        added_by: "pk_operator".into(),
        added_on: t,
    };
    let added = |kind: BlockKind, value: &str| {
        audit(
            AuditAction::BlocklistAdded,
            None,
            &format!("{}:{value}", kind.as_str()),
            "pk_operator",
            t,
        )
    };
    let by_routing = entry(BlockKind::Routing, routing);
    let first = added(BlockKind::Routing, routing);
    assert!(s.add_block(&by_routing, &first).await.unwrap_or(false));
    let twice = added(BlockKind::Routing, routing);
    assert!(
        !s.add_block(&by_routing, &twice).await.unwrap_or(true),
        "already there"
    );
    let by_fingerprint = entry(BlockKind::Fingerprint, &fingerprint);
    assert!(s
        .add_block(
            &by_fingerprint,
            &added(BlockKind::Fingerprint, &fingerprint)
        )
        .await
        .unwrap_or(false));
    let list = s.blocklist().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(list.contains(&by_routing) && list.contains(&by_fingerprint));

    let blocked = |r: &'static str, f: String| async move {
        s.blocked(r, &f).await.unwrap_or_else(|e| panic!("{e}"))
    };
    assert_eq!(
        blocked(routing, "fp-other".into()).await,
        Some(by_routing.clone()),
        "by routing number"
    );
    assert_eq!(
        blocked("021000021", fingerprint.clone()).await,
        Some(by_fingerprint.clone()),
        "by fingerprint"
    );
    assert!(blocked(routing, fingerprint.clone()).await.is_some());
    assert_eq!(blocked("021000021", "fp-other".into()).await, None);
    assert_eq!(
        blocked("021000021", routing.into()).await,
        None,
        "a routing entry never matches a fingerprint"
    );

    let removed = audit(
        AuditAction::BlocklistRemoved,
        None,
        &format!("routing:{routing}"),
        "pk_other",
        t + SignedDuration::from_mins(1),
    );
    assert!(s
        .remove_block(BlockKind::Routing, routing, &removed)
        .await
        .unwrap_or(false));
    let removed_twice = audit(
        AuditAction::BlocklistRemoved,
        None,
        &format!("routing:{routing}"),
        "pk_other",
        t + SignedDuration::from_mins(2),
    );
    assert!(!s
        .remove_block(BlockKind::Routing, routing, &removed_twice)
        .await
        .unwrap_or(true));
    assert_eq!(blocked(routing, "fp-other".into()).await, None);
    assert!(!s
        .blocklist()
        .await
        .unwrap_or_default()
        .contains(&by_routing));
    let trail = audit_between(s, t, t + SignedDuration::from_hours(1)).await;
    assert!(trail.contains(&first) && trail.contains(&removed));
    assert!(
        !trail.contains(&twice) && !trail.contains(&removed_twice),
        "refused changes are not audited"
    );
}

pub async fn audit_trail_is_in_order_within_its_range(s: &dyn Store) {
    let t = at("2031-01-01T00:00:00Z");
    let hour = SignedDuration::from_hours(1);
    let tenant = Uuid::new_v4();
    let entries: Vec<AuditEntry> = [
        (
            AuditAction::SettingsChanged,
            t - SignedDuration::from_micros(1),
        ),
        (AuditAction::TenantPaused, t),
        (AuditAction::BankAccountUnlocked, t + hour),
        (AuditAction::TenantResumed, t + hour * 2),
        (AuditAction::BlocklistAdded, t + hour * 3),
    ]
    .into_iter()
    .map(|(action, when)| audit(action, Some(tenant), "subject", "pk_operator", when))
    .collect();
    for e in &entries {
        s.record_audit(e).await.unwrap_or_else(|e| panic!("{e}"));
    }
    let trail = s
        .audit_trail(t, t + hour * 3)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(trail.windows(2).all(|w| w[0].0 < w[1].0), "seq ascending");
    let got: Vec<AuditEntry> = trail.into_iter().map(|(_, a)| a).collect();
    assert_eq!(
        got,
        entries[1..4].to_vec(),
        "from inclusive, to exclusive, oldest first, every field kept"
    );
    assert!(audit_between(s, t + hour * 4, t + hour * 5)
        .await
        .is_empty());
}

// A long scenario on purpose: one account number linked by three tenants at different times.
pub async fn risk_counts_read_verifications_and_fingerprints(s: &dyn Store) {
    let vault = Vault::new(SecretKey::generate(), vec![], None);
    let day = SignedDuration::from_hours(24);
    // Tenant A's bank account, linked at t0, with a round initiated at t0.
    let (_, ba) = linked(s, &vault, "60606060").await;
    let snap = s
        .snapshot_by_id(ba.bank_account_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("snap");
    let mut change = Change::new(&snap, t0());
    change.insert_verification = Some(verification(
        &ba,
        VerificationKind::MicroDeposits,
        VerificationStatus::New,
    ));
    s.apply(&change).await.unwrap_or_else(|e| panic!("{e}"));
    let since = |when: Timestamp| async move {
        s.verifications_since(ba.tenant_id, when)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    };
    assert_eq!(since(t0() - day).await, 1);
    assert_eq!(since(t0()).await, 1, "at `since` counts");
    assert_eq!(since(t0() + SignedDuration::from_micros(1)).await, 0);
    assert_eq!(
        s.verifications_since(Uuid::new_v4(), t0() - day)
            .await
            .unwrap_or(-1),
        0,
        "another tenant's count"
    );

    // Tenant B links the same account under another name a day later.
    let tenant_b = new_tenant(s).await;
    let acct_b = sample_account(tenant_b.account_id, Uuid::new_v4(), t0());
    s.insert_account(&acct_b)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut ba_b = sample_bank_account(&vault, &acct_b, "60606060");
    ba_b.holder_name = "John Roe".into();
    ba_b.created_on = t0() + day;
    ba_b.updated_on = ba_b.created_on;
    s.link_bank_account(&ba_b, &created_event(&ba_b))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // Tenant C linked it long ago and has done nothing with it since.
    let tenant_c = new_tenant(s).await;
    let acct_c = sample_account(tenant_c.account_id, Uuid::new_v4(), t0());
    s.insert_account(&acct_c)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut ba_c = sample_bank_account(&vault, &acct_c, "60606060");
    ba_c.created_on = t0() - day * 90;
    ba_c.updated_on = ba_c.created_on;
    s.link_bank_account(&ba_c, &created_event(&ba_c))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ba.fingerprint, ba_b.fingerprint);

    let uses = |when: Timestamp| {
        let fingerprint = ba.fingerprint.clone();
        async move {
            s.fingerprint_uses(&fingerprint, when)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        }
    };
    let seen = uses(t0() - day).await;
    assert_eq!(
        seen,
        vec![
            FingerprintUse {
                tenant_id: ba.tenant_id,
                bank_account_id: ba.bank_account_id,
                holder_name: "Jane Doe".into(),
            },
            FingerprintUse {
                tenant_id: ba_b.tenant_id,
                bank_account_id: ba_b.bank_account_id,
                holder_name: "John Roe".into(),
            },
        ],
        "both tenants within the window, oldest first; tenant C's idle link is outside it"
    );
    // Linked before the window but verified within it counts: A's round at t0.
    let later = uses(t0()).await;
    assert_eq!(later.len(), 2);
    let last = uses(t0() + SignedDuration::from_hours(1)).await;
    assert_eq!(
        last.iter().map(|u| u.tenant_id).collect::<Vec<_>>(),
        vec![ba_b.tenant_id],
        "only B's link is inside a window starting after A's round"
    );
    assert_eq!(
        uses(t0() - day * 100).await.len(),
        3,
        "C within a long window"
    );
    assert!(s
        .fingerprint_uses("no-such-fingerprint", t0() - day * 100)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .is_empty());
}

/// The entries of `ba` in the file, by purpose.
async fn entry_of(s: &dyn Store, file_id: Uuid, ba: &BankAccount, credit: bool) -> Uuid {
    s.file_entries(file_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .find(|e| e.entry.bank_account_id == ba.bank_account_id && e.entry.is_credit == credit)
        .map(|e| e.entry.entry_id)
        .expect("entry in file")
}

async fn record_return(
    s: &dyn Store,
    ba: &BankAccount,
    entry_id: Uuid,
    code: &str,
    when: Timestamp,
) {
    let snap = s
        .snapshot_by_id(ba.bank_account_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("snap");
    let mut change = Change::new(&snap, when);
    change.entry_returns = vec![(entry_id, code.into())];
    s.apply(&change).await.unwrap_or_else(|e| panic!("{e}"));
}

/// A return of an entry whose bank account was disabled after its file left is still the
/// entry's; a second return of it keeps the first.
pub async fn returns_of_a_disabled_bank_account_are_recorded_once(s: &dyn Store) {
    let vault = Vault::new(SecretKey::generate(), vec![], None);
    // Later than every cutoff of the other checks, so this file holds only this round.
    let w = at("2026-12-21T15:00:00Z");
    let (ba, _) = queue_micro_deposits(s, &vault, "73737373", w).await;
    let file = s
        .claim_cutoff(&claim(w, Some(w)))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("file at w");
    let credit = entry_of(s, file.file_id, &ba, true).await;
    s.disable_bank_account(
        ba.tenant_id,
        ba.account_id,
        ba.bank_account_id,
        w,
        &deleted_event(&ba),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"))
    .expect("disabled");
    let day = SignedDuration::from_hours(24);
    for code in ["R04", "R02"] {
        s.record_returns_of_disabled(&[(credit, code.to_string())], w + day)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let traced = s
        .file_entries(file.file_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .find(|e| e.entry.entry_id == credit)
        .expect("in its file");
    let by_trace = s
        .entries_by_traces(&[traced.trace_seq % 10_000_000])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        by_trace[0]
            .as_ref()
            .and_then(|t| t.return_code.clone())
            .as_deref(),
        Some("R04"),
        "the first return is recorded and kept"
    );
}

// A long scenario on purpose: two cutoffs and three returns, read through several periods.
pub async fn return_volumes_count_forward_by_file_and_returns_by_day(s: &dyn Store) {
    let vault = Vault::new(SecretKey::generate(), vec![], None);
    let day = SignedDuration::from_hours(24);
    // Later than every cutoff above, so these files hold only these entries.
    let w1 = at("2026-12-07T15:00:00Z");
    let w2 = w1 + day * 2;
    let (ba_a, _) = queue_micro_deposits(s, &vault, "70707070", w1).await;
    let (ba_b, _) = queue_micro_deposits(s, &vault, "71717171", w1).await;
    let (ba_c, _) = queue_micro_deposits(s, &vault, "72727272", w2).await;
    let f1 = s
        .claim_cutoff(&claim(w1, Some(w1)))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("file at w1");
    assert_eq!(f1.created_on, w1);
    let f2 = s
        .claim_cutoff(&claim(w2, Some(w2)))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("file at w2");
    assert_eq!(f2.created_on, w2);
    let a_debit = entry_of(s, f1.file_id, &ba_a, false).await;
    let a_credit = entry_of(s, f1.file_id, &ba_a, true).await;
    let c_debit = entry_of(s, f2.file_id, &ba_c, false).await;
    record_return(s, &ba_a, a_debit, "R05", w1 + day).await;
    record_return(s, &ba_a, a_credit, "R03", w2 + day).await;
    record_return(s, &ba_c, c_debit, "R02", w2 + day).await;

    let volumes = |tenant: Option<Uuid>, from: Timestamp, to: Timestamp| async move {
        s.return_volumes(tenant, from, to)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    };
    // One tenant: forward by the file's creation, returns by the day they were applied.
    assert_eq!(
        volumes(Some(ba_a.tenant_id), w1, w1 + day * 2).await,
        vec![(
            ba_a.tenant_id,
            ReturnVolumes {
                forward_debits: 1,
                forward_credits: 2,
                returns: vec![("R05".into(), true, 1)],
            }
        )]
    );
    assert_eq!(
        volumes(Some(ba_a.tenant_id), w1 + day, w2 + day * 2).await,
        vec![(
            ba_a.tenant_id,
            ReturnVolumes {
                forward_debits: 0,
                forward_credits: 0,
                returns: vec![("R03".into(), false, 1), ("R05".into(), true, 1)],
            }
        )],
        "returns of entries sent before the period count in it"
    );
    assert!(volumes(Some(ba_a.tenant_id), w2 + day * 2, w2 + day * 3)
        .await
        .is_empty());

    // Every tenant: [from, to) — C's file at `to` is outside, and so is its return.
    let all = volumes(None, w1, w2).await;
    let tenants: Vec<Uuid> = all.iter().map(|(t, _)| *t).collect();
    assert!(tenants.contains(&ba_a.tenant_id) && tenants.contains(&ba_b.tenant_id));
    assert!(!tenants.contains(&ba_c.tenant_id));
    let b = all
        .iter()
        .find(|(t, _)| *t == ba_b.tenant_id)
        .map(|(_, v)| v.clone());
    assert_eq!(
        b,
        Some(ReturnVolumes {
            forward_debits: 1,
            forward_credits: 2,
            returns: vec![],
        })
    );
    let all = volumes(None, w2, w2 + day * 2).await;
    let c = all
        .iter()
        .find(|(t, _)| *t == ba_c.tenant_id)
        .map(|(_, v)| v.clone());
    assert_eq!(
        c,
        Some(ReturnVolumes {
            forward_debits: 1,
            forward_credits: 2,
            returns: vec![("R02".into(), true, 1)],
        })
    );
    let a = all
        .iter()
        .find(|(t, _)| *t == ba_a.tenant_id)
        .map(|(_, v)| v.clone());
    assert_eq!(
        a,
        Some(ReturnVolumes {
            forward_debits: 0,
            forward_credits: 0,
            returns: vec![("R03".into(), false, 1)],
        }),
        "a tenant with only returns in the period is listed"
    );
}

/// An operator's unlock: the status change, `unlocked_on`, the event and the audit entry in one
/// transaction, guarded by the bank account's version (a stale unlock writes nothing).
pub async fn unlock_writes_unlocked_on_with_its_audit_entry_or_nothing(s: &dyn Store) {
    let vault = Vault::new(SecretKey::generate(), vec![], None);
    let (_, ba) = linked(s, &vault, "77770000").await;
    let snap = s
        .snapshot_by_id(ba.bank_account_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("snapshot");
    assert_eq!(snap.bank_account.unlocked_on, None);
    let at = t0() + SignedDuration::from_hours(2);
    let unlocked_on = at + SignedDuration::from_micros(1);
    let mut change = Change::new(&snap, at);
    change.status = Some(StatusChange {
        status: BankAccountStatus::New,
        reason: StatusReason::AdminAction,
        exception_details: None,
    });
    change.events = vec![events::bank_account_updated(
        &ba,
        BankAccountStatus::New,
        StatusReason::AdminAction,
        None,
        Uuid::new_v4(),
        at,
    )];
    let audit = |reason: &str| AuditEntry {
        audit_id: Uuid::new_v4(),
        action: AuditAction::BankAccountUnlocked,
        tenant_id: Some(ba.tenant_id),
        subject: ba.bank_account_id.to_string(),
        actor: "pdpk_operator".into(),
        reason: reason.into(),
        details: serde_json::json!({"fromStatus": "errored"}),
        at,
    };
    s.unlock_bank_account(&change, unlocked_on, &audit("first"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // The same unlock again is stale and writes nothing, its audit entry included.
    assert!(matches!(
        s.unlock_bank_account(&change, unlocked_on, &audit("second"))
            .await,
        Err(StoreError::Stale)
    ));
    let after = s
        .snapshot_by_id(ba.bank_account_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("snapshot");
    assert_eq!(after.bank_account.unlocked_on, Some(unlocked_on));
    assert_eq!(after.bank_account.status, BankAccountStatus::New);
    assert_eq!(after.bank_account.status_reason, StatusReason::AdminAction);
    assert_eq!(after.bank_account.version, snap.bank_account.version + 1);
    let trail: Vec<AuditEntry> = s
        .audit_trail(t0(), t0() + SignedDuration::from_hours(24))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|(_, a)| a)
        .filter(|a| a.subject == ba.bank_account_id.to_string())
        .collect();
    assert_eq!(trail.len(), 1, "{trail:?}");
    assert_eq!(trail[0].reason, "first");
    assert_eq!(trail[0].actor, "pdpk_operator");
    assert_eq!(trail[0].action, AuditAction::BankAccountUnlocked);
}
