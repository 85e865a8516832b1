//! The MX Nexus API: micro-deposits under `MD-SESSION-TOKEN` sessions, one account per email.

use super::*;

// ---------------------------------------------------------------------------------------------
// Nexus
// ---------------------------------------------------------------------------------------------

pub(super) fn is_nexus_account(a: &Account) -> bool {
    a.foreign_id
        .as_deref()
        .is_some_and(|f| f.starts_with(NEXUS_FOREIGN_PREFIX))
}

/// The tenant's Nexus account for `email`, created (with the names) on first use.
pub(super) async fn nexus_account(
    state: &AppState,
    caller: &Caller,
    request: &Request,
) -> MxResult<Account> {
    let email = request
        .email
        .clone()
        .ok_or_else(|| MxError::missing("missing required parameter: email"))?;
    let foreign_id = format!("{NEXUS_FOREIGN_PREFIX}{email}");
    let filter = AccountFilter {
        foreign_id: Some(foreign_id.clone()),
        account_type: None,
    };
    if let Some(a) = state
        .store
        .list_accounts(caller.tenant, &filter, 0, 1)
        .await?
        .into_iter()
        .next()
    {
        return Ok(a);
    }
    let mut name = Map::new();
    if let Some(f) = &request.first_name {
        name.insert("firstName".into(), json!(f));
    }
    if let Some(l) = &request.last_name {
        name.insert("lastName".into(), json!(l));
    }
    let now = state.clock.now();
    let account = Account {
        account_id: Uuid::new_v4(),
        tenant_id: caller.tenant,
        mode: caller.mode,
        account_type: AccountType::Individual,
        display_name: request.person_name().unwrap_or_else(|| email.clone()),
        profile: json!({"individual": {"name": name, "email": email}}),
        metadata: BTreeMap::from([("mxNexus".to_string(), "true".to_string())]),
        foreign_id: Some(foreign_id),
        created_on: now,
        updated_on: now,
    };
    state.store.insert_account(&account).await?;
    Ok(account)
}

pub(super) fn stored_name(a: &Account) -> Option<String> {
    let (f, l, _) = profile_person(a);
    let name = [f, l].into_iter().flatten().collect::<Vec<_>>().join(" ");
    (!name.is_empty()).then_some(name)
}

/// What a Nexus guid names: a bank account (a started micro-deposit) or a pre-initiated record.
pub(super) enum NexusTarget {
    Bank(Box<BankAccount>),
    Preinitiated(Account),
}

pub(super) async fn nexus_target(
    state: &AppState,
    caller: &Caller,
    raw: &str,
) -> MxResult<NexusTarget> {
    let id = parse_guid(raw, "MIC-", "micro_deposit")?;
    let not_found = || MxError::not_found(format!("micro_deposit {raw} not found"));
    if let Some(s) = state.store.snapshot_by_id(id).await? {
        if s.bank_account.tenant_id != caller.tenant {
            return Err(not_found());
        }
        state
            .store
            .account(caller.tenant, s.bank_account.account_id)
            .await?
            .filter(is_nexus_account)
            .ok_or_else(not_found)?;
        return Ok(NexusTarget::Bank(Box::new(s.bank_account)));
    }
    let account = state
        .store
        .account(caller.tenant, id)
        .await?
        .filter(is_nexus_account)
        .ok_or_else(not_found)?;
    // Once started, the pre-initiated guid names the micro-deposit started from it.
    let banks = state
        .store
        .list_bank_accounts(caller.tenant, account.account_id)
        .await?;
    Ok(match banks.into_iter().next() {
        Some(b) => NexusTarget::Bank(Box::new(b)),
        None => NexusTarget::Preinitiated(account),
    })
}

pub(super) async fn nexus_list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let result = async {
        let caller = nexus_caller(&state, &headers).await?;
        let (page, per_page) = pagination(&query)?;
        let accounts = scan_accounts(&state, caller.tenant, is_nexus_account).await?;
        let mut items = Vec::new();
        for a in &accounts {
            let banks = state
                .store
                .list_bank_accounts(caller.tenant, a.account_id)
                .await?;
            if banks.is_empty() {
                items.push(nexus_json(&preinitiated_record(a)));
            }
            for b in &banks {
                let snap = state.engine.snapshot(&target(&caller, b)).await?;
                let round = micro_round(&snap.verifications);
                items.push(nexus_json(&bank_record(Some(a), &snap.bank_account, round)));
            }
        }
        let (items, pagination) = page_of(items, page, per_page);
        Ok((
            StatusCode::OK,
            json!({"micro_deposits": items, "pagination": pagination}),
        ))
    }
    .await;
    render(Dialect::Nexus, &headers, result)
}

pub(super) async fn nexus_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(guid): Path<String>,
) -> Response {
    let result = async {
        let caller = nexus_caller(&state, &headers).await?;
        let record = match nexus_target(&state, &caller, &guid).await? {
            NexusTarget::Bank(b) => record_of(&state, &caller, &b).await?,
            NexusTarget::Preinitiated(a) => preinitiated_record(&a),
        };
        Ok((
            StatusCode::OK,
            json!({"micro_deposit": nexus_json(&record)}),
        ))
    }
    .await;
    render(Dialect::Nexus, &headers, result)
}

/// Starts a micro-deposit in the Nexus account `a` and returns its record.
pub(super) async fn nexus_start(
    state: &AppState,
    caller: &Caller,
    a: &Account,
    request: &Request,
) -> MxResult<Record> {
    let id = start(
        state,
        caller,
        Dialect::Nexus,
        a.account_id,
        request,
        stored_name(a),
    )
    .await?;
    let b = tenant_bank(state, caller, id, &mic_guid(id)).await?;
    record_of(state, caller, &b).await
}

pub(super) async fn nexus_create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = async {
        let caller = nexus_caller(&state, &headers).await?;
        let m = wrapped(parse_body(&body)?, "micro_deposit", false)?;
        let request = Request::parse(&m)?;
        if !request.has_account_details() {
            // Pre-initiation: first_name, last_name and email only.
            let mut missing = Vec::new();
            for (field, value) in [
                ("first_name", &request.first_name),
                ("last_name", &request.last_name),
                ("email", &request.email),
            ] {
                if value.is_none() {
                    missing.push(field);
                }
            }
            if !missing.is_empty() {
                return Err(MxError::missing(format!(
                    "missing required parameters: {} (or account_number, account_type_name and routing_number to create)",
                    missing.join(", ")
                )));
            }
            let account = nexus_account(&state, &caller, &request).await?;
            let banks = state
                .store
                .list_bank_accounts(caller.tenant, account.account_id)
                .await?;
            let record = match banks.first() {
                Some(b) => record_of(&state, &caller, b).await?,
                None => preinitiated_record(&account),
            };
            return Ok((StatusCode::OK, json!({"micro_deposit": nexus_json(&record)})));
        }
        let account = nexus_account(&state, &caller, &request).await?;
        let record = nexus_start(&state, &caller, &account, &request).await?;
        Ok((StatusCode::OK, json!({"micro_deposit": nexus_json(&record)})))
    }
    .await;
    render(Dialect::Nexus, &headers, result)
}

/// `PUT /micro_deposits/{guid}`: deposit amounts verify; account details start a
/// pre-initiated micro-deposit. The fields may come bare or under `micro_deposit`.
pub(super) async fn nexus_put(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(guid): Path<String>,
    body: Bytes,
) -> Response {
    let result = async {
        let caller = nexus_caller(&state, &headers).await?;
        let m = wrapped(parse_body(&body)?, "micro_deposit", true)?;
        let target = nexus_target(&state, &caller, &guid).await?;
        let amounts = m.contains_key("deposit_amount_1") || m.contains_key("deposit_amount_2");
        let record = match target {
            NexusTarget::Bank(b) if amounts => verify(&state, &caller, &b, &m).await?,
            NexusTarget::Preinitiated(_) if amounts => {
                return Err(MxError::conflict(
                    "the micro-deposit is PREINITIATED: supply account_number, account_type_name and routing_number first",
                ))
            }
            NexusTarget::Preinitiated(a) => {
                let request = Request::parse(&m)?;
                nexus_start(&state, &caller, &a, &request).await?
            }
            NexusTarget::Bank(_) => {
                return Err(MxError::missing(
                    "missing required parameters: deposit_amount_1, deposit_amount_2",
                ))
            }
        };
        Ok((StatusCode::OK, json!({"micro_deposit": nexus_json(&record)})))
    }
    .await;
    render(Dialect::Nexus, &headers, result)
}
