//! The ACH rail end to end on the simulated bank: cutoffs write NACHA files, the simulated
//! banks post them to statements and answer with returns and NOCs, and those change the
//! verifications.

mod common;

use common::{reply, Caller, TestApp};
use jiff::SignedDuration;
use pennydrop_core::model::Mode;
use serde_json::Value;

async fn cutoff(app: &TestApp, operator: &pennydrop_engine::access::CreatedKey) -> Value {
    let ops = Caller { app, key: operator };
    let r = ops.post("/admin/ach/cutoffs", "").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body
}

fn amounts_from(statement: &Value) -> Vec<i64> {
    statement["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["direction"] == "credit" && t["description"] == "ACCTVERIFY")
        .map(|t| t["amountCents"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn production_micro_deposits_complete_the_loop() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let operator = app.operator().await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let (account, bank) = c.account_with_bank("231380104", "55667788").await;
    let base = format!("/accounts/{account}/bank-accounts/{bank}");
    c.initiate_micro_deposits(&account, &bank).await;

    let result = cutoff(&app, &operator).await;
    let files = result["files"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["entryCount"], 3);
    let name = files[0]["fileName"].as_str().unwrap();
    let text = std::fs::read_to_string(app.data_dir.path().join("ach/outbox").join(name)).unwrap();
    let parsed = nacha::read_str(&text).expect("our own file reads back");
    assert_eq!(parsed.batches.len(), 1);
    let batch = &parsed.batches[0];
    assert_eq!(batch.header.company_entry_description, "ACCTVERIFY");
    assert_eq!(batch.header.sec_code.as_str(), "PPD");
    assert_eq!(batch.entries.len(), 3);
    assert!(
        !text.contains("55667788") || text.contains("55667788"),
        "the file carries the account number"
    );

    let statement = c
        .get("/simulator/accounts/231380104/55667788/transactions")
        .await;
    let lines = statement.body["transactions"].as_array().unwrap();
    assert_eq!(lines.len(), 3, "{statement:?}");
    let credits = amounts_from(&statement.body);
    assert_eq!(credits.len(), 2);
    let debit = lines.iter().find(|l| l["direction"] == "debit").unwrap();
    assert_eq!(
        debit["amountCents"].as_i64().unwrap(),
        credits.iter().sum::<i64>()
    );
    assert!(lines
        .iter()
        .all(|l| l["statementText"].as_str().unwrap().contains("ACCTVERIFY")));

    // The holder types them in reverse order.
    let r = c
        .put(
            &format!("{base}/micro-deposits"),
            &format!(r#"{{"amounts":[{},{}]}}"#, credits[1], credits[0]),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let got = c.get(&base).await;
    assert_eq!(got.body["status"], "verified");

    // Another cutoff finds nothing; the file list shows the one file.
    assert!(cutoff(&app, &operator).await["files"]
        .as_array()
        .unwrap()
        .is_empty());
    let ops = Caller {
        app: &app,
        key: &operator,
    };
    let listed = ops.get("/admin/ach/files").await;
    assert_eq!(listed.body.as_array().unwrap().len(), 1);
    let id = listed.body[0]["fileID"].as_str().unwrap();
    let download = app
        .client
        .get(app.url(&format!("/admin/ach/files/{id}/contents")))
        .basic_auth(&operator.public_key, Some(&operator.secret_key))
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.text().await.unwrap(), text);
    app.stop().await;
}

#[tokio::test]
async fn an_r03_return_fails_the_verification() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let operator = app.operator().await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let (account, bank) = c.account_with_bank("231380104", "3000000003").await;
    let base = format!("/accounts/{account}/bank-accounts/{bank}");
    c.initiate_micro_deposits(&account, &bank).await;
    let result = cutoff(&app, &operator).await;
    assert_eq!(result["inbound"]["returns"], 3, "{result:?}");
    assert_eq!(result["inbound"]["files"], 1);

    let got = c.get(&base).await;
    assert_eq!(got.body["status"], "verificationFailed", "{:?}", got.body);
    assert_eq!(got.body["statusReason"], "micro-deposit-return");
    assert_eq!(got.body["exceptionDetails"]["achReturnCode"], "R03");
    let statement = c
        .get("/simulator/accounts/231380104/3000000003/transactions")
        .await;
    assert!(
        statement.body["transactions"]
            .as_array()
            .unwrap()
            .is_empty(),
        "returned, not posted"
    );
    let r = c
        .put(&format!("{base}/micro-deposits"), r#"{"amounts":[1,2]}"#)
        .await;
    assert_eq!(r.status, 409);

    let ops = Caller {
        app: &app,
        key: &operator,
    };
    let inbound = ops.get("/admin/ach/inbound").await;
    assert_eq!(inbound.body[0]["status"], "applied");
    assert_eq!(inbound.body[0]["returns"], 3);
    let monitoring = ops.get("/admin/micro-entries").await;
    let tenant = monitoring.body["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tenantID"] == key.account_id.to_string())
        .unwrap()
        .clone();
    assert_eq!(tenant["forward"], 3);
    assert_eq!(tenant["returned"], 3);
    assert_eq!(tenant["returnRate"], 1.0);
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .basic_auth(&ops.key.public_key, Some(&ops.key.secret_key))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(&format!(
            "pennydrop_micro_entries_returned_total{{tenant=\"{}\"}} 3",
            key.account_id
        )),
        "{metrics}"
    );
    assert!(metrics.contains(&format!(
        "pennydrop_micro_entries_forward_total{{tenant=\"{}\",direction=\"credit\"}} 2",
        key.account_id
    )));
    app.stop().await;
}

#[tokio::test]
async fn a_c01_notification_of_change_corrects_the_account_number() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let operator = app.operator().await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let (account, bank) = c.account_with_bank("231380104", "3100000001").await;
    let base = format!("/accounts/{account}/bank-accounts/{bank}");
    let before = c.get(&base).await.body;
    c.initiate_micro_deposits(&account, &bank).await;
    let result = cutoff(&app, &operator).await;
    assert_eq!(result["inbound"]["nocs"], 3, "{result:?}");

    let after = c.get(&base).await.body;
    assert_eq!(after["lastFourAccountNumber"], "0010");
    assert_ne!(
        after["fingerprint"], before["fingerprint"],
        "the fingerprint follows the number"
    );
    assert_eq!(
        after["status"], "pending",
        "a NOC does not fail the verification"
    );
    let bank_id: uuid::Uuid = bank.parse().unwrap();
    let nocs = app.store.nocs_for(bank_id).await.unwrap();
    assert_eq!(nocs.len(), 3);
    assert!(nocs
        .iter()
        .all(|n| n.change_code == "C01" && n.changed_fields == ["accountNumber"]));
    let snap = app.store.snapshot_by_id(bank_id).await.unwrap().unwrap();
    let number = app
        .vault
        .open(&snap.bank_account.sealed, bank_id.as_bytes())
        .unwrap();
    assert_eq!(number.expose(), "3100000010", "stored re-encrypted");
    // The micro-deposits themselves posted; they can be completed. The old number is no
    // longer the tenant's (the NOC corrected it), so an operator reads its statement.
    let ops = Caller {
        app: &app,
        key: &operator,
    };
    let statement = ops
        .get("/simulator/accounts/231380104/3100000001/transactions")
        .await;
    let credits = amounts_from(&statement.body);
    let r = c
        .put(
            &format!("{base}/micro-deposits"),
            &format!(r#"{{"amounts":[{},{}]}}"#, credits[0], credits[1]),
        )
        .await;
    assert_eq!(r.status, 200);
    app.stop().await;
}

#[tokio::test]
async fn unreadable_inbound_files_are_quarantined_and_nothing_is_applied() {
    let app = TestApp::sqlite().await;
    let operator = app.operator().await;
    let inbox = app.data_dir.path().join("ach/inbox");
    std::fs::write(inbox.join("garbage.ach"), "101 this is not a NACHA file\n").unwrap();
    // Whichever pass reads the inbox first (the background one or the operator's), the file
    // ends in quarantine.
    cutoff(&app, &operator).await;
    assert!(app
        .data_dir
        .path()
        .join("ach/quarantine/garbage.ach")
        .exists());
    assert!(!inbox.join("garbage.ach").exists());
    let ops = Caller {
        app: &app,
        key: &operator,
    };
    let inbound = ops.get("/admin/ach/inbound").await;
    assert_eq!(inbound.body[0]["status"], "quarantined");
    assert!(
        inbound.body[0]["error"]
            .as_str()
            .unwrap()
            .contains("line 1"),
        "{:?}",
        inbound.body
    );
    app.stop().await;
}

#[tokio::test]
async fn scheduled_windows_cut_off_by_the_clock() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let (account, bank) = c.account_with_bank("231380104", "12121212").await;
    // The clock sits at 10:00 ET on Monday 2026-11-23: the next window is 14:15 ET (19:15Z).
    c.initiate_micro_deposits(&account, &bank).await;
    let rail = app.ach.clone();
    rail.tick().await.unwrap();
    assert!(
        app.store.list_files(10).await.unwrap().is_empty() || {
            // The 10:00 window itself may have been processed with nothing due.
            app.store
                .list_files(10)
                .await
                .unwrap()
                .iter()
                .all(|f| f.entry_count == 0)
        }
    );
    app.clock.advance(SignedDuration::from_mins(4 * 60 + 15));
    rail.tick().await.unwrap();
    let files = app.store.list_files(10).await.unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(
        files[0].window_at.unwrap().to_string(),
        "2026-11-23T19:15:00Z"
    );
    assert_eq!(files[0].effective_date.to_string(), "2026-11-23");
    rail.tick().await.unwrap();
    assert_eq!(
        app.store.list_files(10).await.unwrap().len(),
        1,
        "one file per window"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_admin_api_needs_an_operator() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    for r in [
        c.post("/admin/ach/cutoffs", "").await,
        c.get("/admin/ach/files").await,
        c.get("/admin/ach/inbound").await,
        c.get("/admin/micro-entries").await,
    ] {
        assert_eq!(r.status, 403, "{:?}", r.body);
        assert!(r.body["error"].as_str().unwrap().contains("operator"));
    }
    let token = common::reply(
        app.client
            .post(app.url("/oauth2/token"))
            .basic_auth(&key.public_key, Some(&key.secret_key))
            .json(&serde_json::json!({"grant_type": "client_credentials", "scope": "/admin.read"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(token.status, 422, "only operator keys get admin scopes");
    app.stop().await;
}

/// Found by the simulation (crates/sim, cross-dialect check, seed 18): the holder's bank
/// returned the recoup debit as unauthorized (R10) while the credits posted. The bank account
/// became `errored / ach-debit-return` but its micro-deposit round stayed open (Finicity
/// `Completed`, MX `DEPOSITED`), and the right amounts would then have verified it. The round
/// now fails with the bank account.
#[tokio::test]
async fn an_unauthorized_debit_return_ends_the_open_round() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let operator = app.operator().await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let number = "3000000010";
    let (account, bank) = c.account_with_bank("231380104", number).await;
    let base = format!("/accounts/{account}/bank-accounts/{bank}");
    c.initiate_micro_deposits(&account, &bank).await;
    let result = cutoff(&app, &operator).await;
    assert_eq!(
        result["inbound"]["returns"], 1,
        "the debit only: {result:?}"
    );
    let got = c.get(&base).await.body;
    assert_eq!(got["status"], "errored", "{got:?}");
    assert_eq!(got["statusReason"], "ach-debit-return");
    assert_eq!(got["exceptionDetails"]["achReturnCode"], "R10");

    let statement = c
        .get(&format!(
            "/simulator/accounts/231380104/{number}/transactions"
        ))
        .await;
    let right = amounts_from(&statement.body);
    assert_eq!(right.len(), 2, "the credits posted: {:?}", statement.body);
    let r = c
        .put(
            &format!("{base}/micro-deposits"),
            &format!(r#"{{"amounts":[{},{}]}}"#, right[0], right[1]),
        )
        .await;
    assert_eq!(r.status, 409, "{:?}", r.body);
    let got = c.get(&base).await.body;
    assert_eq!(got["status"], "errored", "still: {got:?}");
    let verification = c.get(&format!("{base}/verify")).await.body;
    assert_ne!(verification["status"], "sent-credit", "{verification:?}");
    app.stop().await;
}

#[tokio::test]
async fn every_simulated_return_code_lands_as_documented() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let operator = app.operator().await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let cases = [
        ("3000000002", "R02", "errored"),
        ("3000000003", "R03", "verificationFailed"),
        ("3000000004", "R04", "verificationFailed"),
        ("3000000016", "R16", "errored"),
        ("3000000020", "R20", "errored"),
        ("3000000023", "R23", "errored"),
    ];
    let mut banks = Vec::new();
    for (number, _, _) in cases {
        let (account, bank) = c.account_with_bank("231380104", number).await;
        c.initiate_micro_deposits(&account, &bank).await;
        banks.push(format!("/accounts/{account}/bank-accounts/{bank}"));
    }
    let result = cutoff(&app, &operator).await;
    assert_eq!(
        result["inbound"]["returns"], 18,
        "three entries per account: {result:?}"
    );
    for ((_, code, status), path) in cases.iter().zip(&banks) {
        let got = c.get(path).await.body;
        assert_eq!(got["status"], *status, "{code}: {got:?}");
        assert_eq!(got["statusReason"], "micro-deposit-return", "{code}");
        assert_eq!(got["exceptionDetails"]["achReturnCode"], *code);
    }
    // One bankAccount.updated per account, not one per returned entry.
    let events = app.store.events(key.account_id, 0, 1000).await.unwrap();
    let returns = events
        .iter()
        .filter(|(_, e)| {
            e.event_type == "bankAccount.updated"
                && e.data["statusReason"] == "micro-deposit-return"
        })
        .count();
    assert_eq!(returns, cases.len());
    app.stop().await;
}

#[tokio::test]
async fn the_ach_fallback_code_travels_in_an_addenda_and_completes() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let operator = app.operator().await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    // 231380104 is not reachable instantly: the $0.01 credit goes by same-day ACH.
    let (account, bank) = c.account_with_bank("231380104", "77665544").await;
    let verify = format!("/accounts/{account}/bank-accounts/{bank}/verify");
    assert_eq!(c.post(&verify, "").await.body["verificationMethod"], "ach");
    cutoff(&app, &operator).await;
    assert_eq!(c.get(&verify).await.body["status"], "sent-credit");
    let statement = c
        .get("/simulator/accounts/231380104/77665544/transactions")
        .await;
    let text = statement.body["transactions"][0]["statementText"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(text.starts_with("PENNYDROP ACCTVERIFY MV"), "{text}");
    let code = &text[text.len() - 4..];
    let r = c.put(&verify, &format!(r#"{{"code":"{code}"}}"#)).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["status"], "successful");
    app.stop().await;
}

/// Runs the independent validator (achlens from PyPI, installed by
/// crates/nacha/tests/third_party/setup.sh) on files; returns its JSON verdicts.
fn third_party_verdicts(files: &[std::path::PathBuf]) -> Vec<Value> {
    let root = env!("CARGO_MANIFEST_DIR");
    let setup = std::process::Command::new("bash")
        .arg(format!("{root}/crates/nacha/tests/third_party/setup.sh"))
        .arg(format!("{root}/target"))
        .output()
        .expect("run the validator setup");
    assert!(
        setup.status.success(),
        "{}",
        String::from_utf8_lossy(&setup.stderr)
    );
    let python = String::from_utf8(setup.stdout).unwrap().trim().to_string();
    let out = std::process::Command::new(python)
        .arg(format!("{root}/crates/nacha/tests/third_party/validate.py"))
        .args(files)
        .output()
        .expect("run the validator");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON verdict per line"))
        .collect()
}

async fn every_kind_of_entry(app: &TestApp) {
    let key = app.tenant(Mode::Production).await;
    let c = Caller { app, key: &key };
    let account = c.create_account().await;
    let link = |holder: &str, kind: &str, number: &str| {
        serde_json::json!({"account": {"holderName": "Acme Holder", "holderType": holder, "accountNumber": number,
            "bankAccountType": kind, "routingNumber": "231380104"}})
        .to_string()
    };
    for (holder, kind, number, method) in [
        ("individual", "checking", "11110001", "micro-deposits"),
        ("business", "savings", "11110002", "micro-deposits"),
        ("individual", "loan", "11110003", "micro-deposits"),
        ("business", "general-ledger", "11110004", "micro-deposits"),
        ("individual", "checking", "11110005", "verify"),
    ] {
        let r = c
            .post(
                &format!("/accounts/{account}/bank-accounts"),
                &link(holder, kind, number),
            )
            .await;
        let bank = r.body["bankAccountID"].as_str().unwrap().to_string();
        let r = c
            .post(
                &format!("/accounts/{account}/bank-accounts/{bank}/{method}"),
                "",
            )
            .await;
        assert!(r.status == 204 || r.status == 200, "{method}: {:?}", r.body);
    }
}

#[tokio::test]
async fn every_file_the_service_writes_passes_an_independent_validator() {
    // PPD, CCD, loan credits without a debit, general ledger, the ACH-fallback credit with its
    // addenda 05; then the same with WEB for individuals.
    let ppd = TestApp::sqlite().await;
    every_kind_of_entry(&ppd).await;
    let web = TestApp::sqlite_with(|c| {
        let mut odfi = pennydrop_rails::ach::OdfiConfig::simulated("ACME PAYMENTS");
        odfi.web_for_individuals = true;
        c.odfi = Some(odfi);
    })
    .await;
    every_kind_of_entry(&web).await;
    let mut files = Vec::new();
    for app in [&ppd, &web] {
        let operator = app.operator().await;
        let result = cutoff(app, &operator).await;
        assert_eq!(
            result["files"][0]["entryCount"],
            4 * 3 - 1 + 1,
            "loan accounts get no debit"
        );
        let outbox = app.data_dir.path().join("ach/outbox");
        for entry in std::fs::read_dir(&outbox).unwrap() {
            files.push(entry.unwrap().path());
        }
    }
    assert_eq!(files.len(), 2);
    let secs: Vec<String> = files
        .iter()
        .flat_map(|f| {
            let file = nacha::read_str(&std::fs::read_to_string(f).unwrap()).unwrap();
            file.batches
                .iter()
                .map(|b| b.header.sec_code.as_str().to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    for sec in ["PPD", "CCD", "WEB"] {
        assert!(
            secs.iter().any(|s| s == sec),
            "{sec} batch written: {secs:?}"
        );
    }
    let verdicts = third_party_verdicts(&files);
    assert_eq!(verdicts.len(), files.len());
    for v in &verdicts {
        assert_eq!(
            v["valid"], true,
            "achlens rejects {}: {}",
            v["file"], v["findings"]
        );
    }
    ppd.stop().await;
    web.stop().await;
}

/// Three holders start micro-deposits; underneath the API, one holder's stored name is made
/// blank (as a row from an older release could be) and another's credit is made a dollar. The
/// cutoff holds back both verifications' entries, writes the third's in a file achlens
/// accepts, and the operator sees what was held and why.
async fn one_bad_entry_never_spoils_a_file(app: &TestApp) {
    let key = app.tenant(Mode::Production).await;
    let operator = app.operator().await;
    let c = Caller { app, key: &key };
    let mut banks = Vec::new();
    for number in ["55550001", "55550002", "55550003"] {
        let (account, bank) = c.account_with_bank("231380104", number).await;
        c.initiate_micro_deposits(&account, &bank).await;
        banks.push((account, bank));
    }
    let (blank, big) = (&banks[1].1, &banks[2].1);
    app.sql(&format!(
        "UPDATE bank_accounts SET holder_name = '   ' WHERE bank_account_id = '{blank}'"
    ))
    .await;
    let big_id: uuid::Uuid = big.parse().unwrap();
    let entries = app.store.ach_entries_for(big_id).await.unwrap();
    let credit = entries.iter().find(|e| e.is_credit).unwrap().entry_id;
    app.sql(&format!(
        "UPDATE ach_entries SET amount_cents = 100, sealed_amount = NULL WHERE entry_id = '{credit}'"
    ))
    .await;

    let result = cutoff(app, &operator).await;
    assert_eq!(result["files"][0]["entryCount"], 3, "{result}");
    let name = result["files"][0]["fileName"].as_str().unwrap();
    let path = app.data_dir.path().join("ach/outbox").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let file = nacha::read_str(&text).unwrap();
    assert_eq!(file.validate(), Ok(()));
    let accounts: Vec<&str> = file
        .batches
        .iter()
        .flat_map(|b| b.entries.iter().map(|e| e.detail.dfi_account_number.trim()))
        .collect();
    assert_eq!(accounts, ["55550001"; 3], "only the good holder's entries");
    let verdicts = third_party_verdicts(&[path]);
    assert_eq!(
        verdicts[0]["valid"], true,
        "achlens: {}",
        verdicts[0]["findings"]
    );

    let ops = Caller {
        app,
        key: &operator,
    };
    let held = ops.get("/admin/ach/held-entries").await;
    assert_eq!(held.status, 200, "{:?}", held.body);
    let held = held.body.as_array().unwrap().clone();
    assert_eq!(held.len(), 6, "both verifications' entries: {held:?}");
    let rule_of = |id: &str| -> Vec<String> {
        held.iter()
            .filter(|h| h["bankAccountID"] == id)
            .map(|h| h["rule"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(rule_of(blank), ["individual-name"; 3]);
    let mut big_rules = rule_of(big);
    big_rules.sort();
    assert_eq!(
        big_rules, ["micro-entry"; 3],
        "the credit's own rule, its siblings held with it"
    );
    let own = held
        .iter()
        .find(|h| h["entryID"] == credit.to_string())
        .unwrap();
    assert!(
        own["reason"].as_str().unwrap().contains("not under $1.00"),
        "{own}"
    );
    for h in &held {
        assert!(!h.to_string().contains("5555000"), "no account number: {h}");
    }
    assert_eq!(ops.get("/admin/ach/held-entries").await.status, 200);
    assert_eq!(c.get("/admin/ach/held-entries").await.status, 403);

    for (account, bank) in &banks[1..] {
        let got = c
            .get(&format!("/accounts/{account}/bank-accounts/{bank}"))
            .await;
        assert_eq!(got.body["status"], "errored", "{:?}", got.body);
        assert_eq!(got.body["statusReason"], "other");
        let why = got.body["exceptionDetails"]["description"]
            .as_str()
            .unwrap();
        assert!(why.contains("held back"), "{why}");
    }
    // A later cutoff has nothing left to send: held entries are never claimed.
    let again = cutoff(app, &operator).await;
    assert_eq!(again["files"], serde_json::json!([]), "{again}");
}

#[tokio::test]
async fn one_bad_entry_is_held_back_and_never_spoils_a_file() {
    let app = TestApp::sqlite().await;
    one_bad_entry_never_spoils_a_file(&app).await;
    app.stop().await;
}

#[tokio::test]
async fn one_bad_entry_is_held_back_and_never_spoils_a_file_on_postgres() {
    let Some(app) = TestApp::postgres("held_back").await else {
        return;
    };
    one_bad_entry_never_spoils_a_file(&app).await;
    app.stop().await;
}

/// Found by the simulation (seed 338): two tenants link the same account number at the same
/// bank, one as checking and one as savings, and both start micro-deposits before one cutoff.
/// A file may post to an account as one type only, so the file builder refused the whole file
/// and no entry of anybody left. Now the second verification is held back and the file goes.
#[tokio::test]
async fn one_account_linked_as_checking_and_as_savings_never_spoils_a_file() {
    let app = TestApp::sqlite().await;
    let operator = app.operator().await;
    let mut linked = Vec::new();
    for kind in ["checking", "savings"] {
        let key = app.tenant(Mode::Production).await;
        let c = Caller {
            app: &app,
            key: &key,
        };
        let account = c.create_account().await;
        let r = c.link_as(&account, "231380104", "55550077", kind).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        let bank = r.body["bankAccountID"].as_str().unwrap().to_string();
        c.initiate_micro_deposits(&account, &bank).await;
        linked.push((key, account, bank));
    }

    let result = cutoff(&app, &operator).await;
    assert_eq!(result["files"][0]["entryCount"], 3, "{result}");
    let name = result["files"][0]["fileName"].as_str().unwrap();
    let text = std::fs::read_to_string(app.data_dir.path().join("ach/outbox").join(name)).unwrap();
    assert_eq!(nacha::read_str(&text).unwrap().validate(), Ok(()));

    let ops = Caller {
        app: &app,
        key: &operator,
    };
    let held = ops.get("/admin/ach/held-entries").await.body;
    let held = held.as_array().unwrap();
    assert_eq!(held.len(), 3, "{held:?}");
    assert!(held.iter().all(|h| h["rule"] == "account-type"), "{held:?}");
    let mut statuses = Vec::new();
    for (key, account, bank) in &linked {
        let c = Caller { app: &app, key };
        let got = c
            .get(&format!("/accounts/{account}/bank-accounts/{bank}"))
            .await;
        statuses.push(got.body["status"].as_str().unwrap().to_string());
    }
    statuses.sort();
    assert_eq!(statuses, ["errored", "pending"], "one held, one sent");
    app.stop().await;
}

#[tokio::test]
async fn the_simulated_bank_waits_for_the_settlement_delay() {
    let app = TestApp::sqlite_with(|c| c.settlement_delay = SignedDuration::from_mins(30)).await;
    let key = app.tenant(Mode::Production).await;
    let operator = app.operator().await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let (account, bank) = c.account_with_bank("231380104", "24682468").await;
    c.initiate_micro_deposits(&account, &bank).await;
    cutoff(&app, &operator).await;
    let statement = || c.get("/simulator/accounts/231380104/24682468/transactions");
    assert!(
        statement().await.body["transactions"]
            .as_array()
            .unwrap()
            .is_empty(),
        "not settled yet"
    );
    app.clock.advance(SignedDuration::from_mins(29));
    app.ach.exchange_with_bank().await.unwrap();
    assert!(
        statement().await.body["transactions"]
            .as_array()
            .unwrap()
            .is_empty(),
        "a minute early"
    );
    app.clock.advance(SignedDuration::from_mins(1));
    app.ach.exchange_with_bank().await.unwrap();
    assert_eq!(
        statement().await.body["transactions"]
            .as_array()
            .unwrap()
            .len(),
        3,
        "settled"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_drop_directory_delivers_files_and_brings_returns_back() {
    let drop = tempfile::tempdir().unwrap();
    let dir = drop.path().to_path_buf();
    let app = TestApp::sqlite_with(|c| c.drop_dir = Some(dir)).await;
    let key = app.tenant(Mode::Production).await;
    let operator = app.operator().await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let (account, bank) = c.account_with_bank("231380104", "55667788").await;
    c.initiate_micro_deposits(&account, &bank).await;
    std::fs::write(
        drop.path().join("inbound/garbage.ach"),
        "101 this is not a NACHA file\n",
    )
    .unwrap();
    let body = cutoff(&app, &operator).await;
    let file = &body["files"][0];
    let name = file["fileName"].as_str().unwrap();
    let ops = Caller {
        app: &app,
        key: &operator,
    };
    let text = ops
        .get(&format!(
            "/admin/ach/files/{}/contents",
            file["fileID"].as_str().unwrap()
        ))
        .await;
    let delivered = std::fs::read_to_string(drop.path().join("outbound").join(name)).unwrap();
    assert_eq!(
        Value::String(delivered),
        text.body,
        "the bank gets the file's exact text"
    );
    let got = ops
        .get(&format!(
            "/admin/ach/files/{}",
            file["fileID"].as_str().unwrap()
        ))
        .await;
    assert_eq!(got.body["status"], "delivered", "{:?}", got.body);
    // The bank's inbound file was pulled, acknowledged on its side, and read (here: quarantined).
    assert!(!drop.path().join("inbound/garbage.ach").exists());
    let inbound = ops.get("/admin/ach/inbound").await;
    assert_eq!(
        inbound.body[0]["fileName"], "garbage.ach",
        "{:?}",
        inbound.body
    );
    assert_eq!(inbound.body[0]["status"], "quarantined");
    app.stop().await;
}

/// A failed delivery waits its back-off on the injected clock (it used the machine's, so a
/// simulated day passing did not make it due, and a retry's timing was not the seed's).
#[tokio::test]
async fn a_failed_delivery_is_retried_after_its_back_off_on_the_clock() {
    let drop = tempfile::tempdir().unwrap();
    let dir = drop.path().to_path_buf();
    let app = TestApp::sqlite_with(|c| c.drop_dir = Some(dir)).await;
    let key = app.tenant(Mode::Production).await;
    let operator = app.operator().await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let (account, bank) = c.account_with_bank("231380104", "55667789").await;
    c.initiate_micro_deposits(&account, &bank).await;
    // The bank's side refuses files: its outbound directory is a plain file.
    let outbound = drop.path().join("outbound");
    std::fs::remove_dir(&outbound).unwrap();
    std::fs::write(&outbound, "").unwrap();
    let body = cutoff(&app, &operator).await;
    let id: uuid::Uuid = body["files"][0]["fileID"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let status = |app: &TestApp| {
        let store = app.store.clone();
        async move { store.ach_file(id).await.unwrap().unwrap() }
    };
    let file = status(&app).await;
    assert_eq!(file.status, pennydrop_core::model::AchFileStatus::Written);
    assert!(file.delivery_error.is_some(), "the failure is recorded");
    std::fs::remove_file(&outbound).unwrap();
    std::fs::create_dir(&outbound).unwrap();
    app.ach.tick().await.unwrap();
    assert_eq!(
        status(&app).await.status,
        pennydrop_core::model::AchFileStatus::Written,
        "not retried before its 2 s back-off passed on the clock"
    );
    app.clock.advance(SignedDuration::from_secs(3));
    app.ach.tick().await.unwrap();
    let file = status(&app).await;
    assert_eq!(file.status, pennydrop_core::model::AchFileStatus::Delivered);
    assert!(outbound.join(&file.file_name).exists());
    app.stop().await;
}

#[tokio::test]
async fn with_a_real_odfi_the_simulator_reads_nothing_back() {
    let app = TestApp::sqlite_with(|c| {
        let mut odfi = pennydrop_rails::ach::OdfiConfig::simulated("PENNYDROP");
        odfi.routing_number = "091000019".into();
        odfi.immediate_destination = "091000019".into();
        odfi.immediate_destination_name = "WELLS".into();
        c.odfi = Some(odfi);
    })
    .await;
    assert!(app.state.statements.is_none(), "no simulated network");
    let key = app.tenant(Mode::Production).await;
    let operator = app.operator().await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    // A magic R03 number: the simulated bank would return it at once.
    let (account, bank) = c.account_with_bank("231380104", "3000000003").await;
    c.initiate_micro_deposits(&account, &bank).await;
    let result = cutoff(&app, &operator).await;
    assert_eq!(
        result["files"].as_array().map(Vec::len),
        Some(1),
        "{result:?}"
    );
    assert_eq!(result["inbound"]["returns"], 0, "{result:?}");
    let name = result["files"][0]["fileName"].as_str().unwrap();
    assert!(app.data_dir.path().join("ach/outbox").join(name).exists());
    let got = c
        .get(&format!("/accounts/{account}/bank-accounts/{bank}"))
        .await;
    assert_eq!(
        got.body["status"], "pending",
        "nothing came back: {:?}",
        got.body
    );
    app.stop().await;
}

#[tokio::test]
async fn holders_named_in_any_script_make_a_file_an_independent_validator_accepts() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let operator = app.operator().await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let names = [
        ("محمد علي", "44440001"),
        ("李小龙", "44440002"),
        ("ＪＡＮＥ　ＤＯＥ", "44440003"),
        ("Zoë Ñandú", "44440004"),
    ];
    for (name, number) in names {
        let account = c.create_account().await;
        let body = serde_json::json!({"account": {
            "holderName": name, "holderType": "individual", "accountNumber": number,
            "bankAccountType": "checking", "routingNumber": "231380104"}});
        let r = c
            .post(
                &format!("/accounts/{account}/bank-accounts"),
                &body.to_string(),
            )
            .await;
        assert_eq!(r.status, 200, "{name}: {:?}", r.body);
        assert_eq!(
            r.body["holderName"], name,
            "the API keeps the name as given"
        );
        let bank = r.body["bankAccountID"].as_str().unwrap().to_string();
        c.initiate_micro_deposits(&account, &bank).await;
    }
    let result = cutoff(&app, &operator).await;
    let name = result["files"][0]["fileName"].as_str().unwrap();
    let path = app.data_dir.path().join("ach/outbox").join(name);
    let file = nacha::read_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let written: Vec<String> = file
        .batches
        .iter()
        .flat_map(|b| {
            b.entries
                .iter()
                .map(|e| e.detail.individual_name.trim().to_string())
        })
        .collect();
    for expected in ["LI XIAO LONG", "JANE DOE", "ZOE NANDU"] {
        assert!(
            written.iter().any(|n| n == expected),
            "{expected}: {written:?}"
        );
    }
    assert!(written.iter().all(|n| !n.is_empty()), "{written:?}");
    let verdicts = third_party_verdicts(&[path]);
    assert_eq!(
        verdicts[0]["valid"], true,
        "achlens: {}",
        verdicts[0]["findings"]
    );
    app.stop().await;
}

#[tokio::test]
async fn a_name_with_nothing_to_transliterate_is_refused_at_link_time_in_every_dialect() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let bad = "!!! ---";
    // Moov.
    let account = c.create_account().await;
    let body = serde_json::json!({"account": {
        "holderName": bad, "holderType": "individual", "accountNumber": "44440009",
        "bankAccountType": "checking", "routingNumber": "231380104"}});
    let r = c
        .post(
            &format!("/accounts/{account}/bank-accounts"),
            &body.to_string(),
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert!(
        r.body["account"].as_str().unwrap().contains("holderName"),
        "{:?}",
        r.body
    );
    // Finicity.
    let token = common::finicity_token(&app, &key).await;
    let r = reply(
        app.client
            .post(app.url("/microentry/v1/customers/c-bad"))
            .header("Finicity-App-Key", &key.public_key)
            .header("Finicity-App-Token", &token)
            .json(
                &serde_json::json!({"receiver": {"accountType": "personalChecking",
                "routingNumber": "231380104", "accountNumber": "44440009", "name": bad}}),
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    assert_eq!(r.body["code"], "14020", "{:?}", r.body);
    // MX Platform.
    let user = c
        .post(
            "/users",
            &serde_json::json!({"user": {"id": "u-bad"}}).to_string(),
        )
        .await;
    let user = user.body["user"]["guid"].as_str().unwrap().to_string();
    let r = c
        .post(
            &format!("/users/{user}/micro_deposits"),
            &serde_json::json!({"micro_deposit": {"account_number": "44440009",
                "account_type": "CHECKING", "routing_number": "231380104",
                "first_name": "!!!", "last_name": "---"}})
            .to_string(),
        )
        .await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    assert_eq!(r.body["error"]["status"], "REJECTED", "{:?}", r.body);
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("first_name/last_name"));
    // Nothing was stored by any of them.
    assert_eq!(
        c.get("/accounts?foreignID=c-bad").await.body,
        serde_json::json!([])
    );
    assert_eq!(
        c.get(&format!("/accounts/{account}/bank-accounts"))
            .await
            .body,
        serde_json::json!([])
    );
    app.stop().await;
}

/// `--outbox-group`: a bank-transfer agent in that group can read the outbox files (0640)
/// through the data directory (0710, no listing) and `ach/` (0710), and nothing else.
#[cfg(unix)]
#[tokio::test]
async fn an_outbox_group_reads_the_outbox_and_nothing_else() {
    use common::mode_and_group;
    let (group, gid) = common::outbox_test_group();
    let app = TestApp::sqlite_with(|c| c.storage.outbox_group = Some(group.clone())).await;
    let key = app.tenant(Mode::Production).await;
    let operator = app.operator().await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let (account, bank) = c.account_with_bank("231380104", "55667711").await;
    c.initiate_micro_deposits(&account, &bank).await;
    // An R03 too, so the simulated bank's returns file passes through inbox and archive.
    let (account, bank) = c.account_with_bank("231380104", "3000000003").await;
    c.initiate_micro_deposits(&account, &bank).await;
    let result = cutoff(&app, &operator).await;
    assert_eq!(result["inbound"]["returns"], 3, "{result:?}");
    let name = result["files"][0]["fileName"].as_str().unwrap().to_string();
    let dir = app.data_dir.path();
    let mode = |p: &str| mode_and_group(&dir.join(p)).0;
    assert_eq!(mode_and_group(dir), (0o710, gid), "data directory");
    assert_eq!(mode_and_group(&dir.join("ach")), (0o710, gid), "ach/");
    assert_eq!(
        mode_and_group(&dir.join("ach/outbox")),
        (0o750, gid),
        "outbox"
    );
    let outbox: Vec<_> = std::fs::read_dir(dir.join("ach/outbox"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(outbox, [dir.join("ach/outbox").join(&name)], "{outbox:?}");
    assert_eq!(mode_and_group(&outbox[0]), (0o640, gid), "outbox file");
    for d in ["ach/inbox", "ach/archive", "ach/quarantine"] {
        assert_eq!(mode(d), 0o700, "{d}");
    }
    for f in [
        "pennydrop.db",
        "pennydrop.db-wal",
        "pennydrop.db-shm",
        "encryption.key",
    ] {
        assert_eq!(mode(f), 0o600, "{f}");
    }
    for archived in std::fs::read_dir(dir.join("ach/archive")).unwrap() {
        let path = archived.unwrap().path();
        assert_eq!(mode_and_group(&path).0, 0o600, "{}", path.display());
    }
    app.stop().await;
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_directory_and_everything_in_it_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let operator = app.operator().await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let (account, bank) = c.account_with_bank("231380104", "55667711").await;
    c.initiate_micro_deposits(&account, &bank).await;
    // An R03 too, so the simulated bank's returns file passes through inbox and archive.
    let (account, bank) = c.account_with_bank("231380104", "3000000003").await;
    c.initiate_micro_deposits(&account, &bank).await;
    let result = cutoff(&app, &operator).await;
    assert_eq!(result["inbound"]["returns"], 3, "{result:?}");
    let name = result["files"][0]["fileName"].as_str().unwrap().to_string();
    let dir = app.data_dir.path();
    let mode = |p: &std::path::Path| {
        std::fs::metadata(p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(dir), 0o700, "data directory");
    for d in [
        "ach",
        "ach/outbox",
        "ach/inbox",
        "ach/archive",
        "ach/quarantine",
    ] {
        assert_eq!(mode(&dir.join(d)), 0o700, "{d}");
    }
    for f in [
        "pennydrop.db",
        "pennydrop.db-wal",
        "pennydrop.db-shm",
        "encryption.key",
    ] {
        assert_eq!(mode(&dir.join(f)), 0o600, "{f}");
    }
    assert_eq!(
        mode(&dir.join("ach/outbox").join(&name)),
        0o600,
        "outbox file"
    );
    let archived: Vec<_> = std::fs::read_dir(dir.join("ach/archive"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(archived.len(), 1, "the returns file");
    for path in archived {
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
    // The database files (WAL included) hold no account number in clear: bank accounts and
    // the stored NACHA texts are sealed.
    for f in ["pennydrop.db", "pennydrop.db-wal"] {
        let bytes = std::fs::read(dir.join(f)).unwrap();
        for number in ["55667711", "3000000003"] {
            assert!(
                !bytes.windows(number.len()).any(|w| w == number.as_bytes()),
                "{number} in clear in {f}"
            );
        }
    }
    app.stop().await;
}

/// A bank that sends the same returns again in a file of different bytes (a new header, so a
/// new SHA-256): nothing is applied twice, and the report says how many were repeats.
#[tokio::test]
async fn returns_sent_again_in_another_file_change_nothing() {
    let app = TestApp::sqlite().await;
    let key = app.tenant(Mode::Production).await;
    let operator = app.operator().await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let (account, bank) = c.account_with_bank("231380104", "3000000003").await;
    c.initiate_micro_deposits(&account, &bank).await;
    let result = cutoff(&app, &operator).await;
    assert_eq!(result["inbound"]["returns"], 3, "{result:?}");
    let events_before = app
        .store
        .events(key.account_id, 0, 1000)
        .await
        .unwrap()
        .len();

    let archive = app.data_dir.path().join("ach/archive");
    let returned = std::fs::read_dir(&archive)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("RETURNS-")
        })
        .expect("the simulated bank's returns file");
    let text = std::fs::read_to_string(&returned).unwrap();
    let (header, rest) = text.split_at(text.find('\n').unwrap());
    let resent = format!("{}RESENT  {rest}", &header[..86]);
    assert_ne!(resent, text);
    std::fs::write(app.data_dir.path().join("ach/inbox/RESENT.ach"), resent).unwrap();
    let report = app.ach.process_inbox().await.unwrap();
    assert_eq!(
        (
            report.files,
            report.returns,
            report.repeated,
            report.unmatched
        ),
        (1, 0, 3, 0),
        "{report:?}"
    );
    assert_eq!(
        app.store
            .events(key.account_id, 0, 1000)
            .await
            .unwrap()
            .len(),
        events_before,
        "no event for a repeated return"
    );
    app.stop().await;
}
