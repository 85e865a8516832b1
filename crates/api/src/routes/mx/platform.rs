//! The MX Platform API: users and their micro-deposits (HTTP Basic).

use super::*;

// ---------------------------------------------------------------------------------------------
// Platform: users
// ---------------------------------------------------------------------------------------------

pub(super) fn user_json(a: &Account) -> Value {
    let (_, _, email) = profile_person(a);
    json!({
        "guid": user_guid(a.account_id),
        "id": a.foreign_id,
        "email": email,
        "is_disabled": false,
        "metadata": a.metadata.get("mxMetadata"),
    })
}

pub(super) async fn create_user(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = async {
        let caller = platform_caller(&state, &headers).await?;
        let user = wrapped(parse_body(&body)?, "user", false)?;
        let email = match text(&user, "email")? {
            Some(e) if e.contains('@') && !e.contains(' ') && e.len() <= 255 => Some(e),
            Some(e) => {
                return Err(MxError::rejected(format!(
                    "email {e:?} is not an email address"
                )))
            }
            None => None,
        };
        let id = text(&user, "id")?;
        if id.as_ref().is_some_and(|i| i.len() > 64) {
            return Err(MxError::rejected("id must be at most 64 characters"));
        }
        let mut metadata = BTreeMap::from([(USER_MARK.to_string(), "true".to_string())]);
        if let Some(md) = text(&user, "metadata")? {
            metadata.insert("mxMetadata".into(), md);
        }
        let now = state.clock.now();
        let mut individual = json!({});
        if let Some(e) = &email {
            individual["email"] = json!(e);
        }
        let account = Account {
            account_id: Uuid::new_v4(),
            tenant_id: caller.tenant,
            mode: caller.mode,
            account_type: AccountType::Individual,
            display_name: id
                .clone()
                .or(email.clone())
                .unwrap_or_else(|| "MX user".into()),
            profile: json!({ "individual": individual }),
            metadata,
            foreign_id: id,
            created_on: now,
            updated_on: now,
        };
        state.store.insert_account(&account).await?;
        Ok((StatusCode::OK, json!({"user": user_json(&account)})))
    }
    .await;
    render(Dialect::Platform, &headers, result)
}

pub(super) async fn list_users(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let result = async {
        let caller = platform_caller(&state, &headers).await?;
        let (page, per_page) = pagination(&query)?;
        let users = scan_accounts(&state, caller.tenant, |a| {
            a.metadata.contains_key(USER_MARK)
        })
        .await?;
        let (users, pagination) = page_of(users.iter().map(user_json).collect(), page, per_page);
        Ok((
            StatusCode::OK,
            json!({"users": users, "pagination": pagination}),
        ))
    }
    .await;
    render(Dialect::Platform, &headers, result)
}

/// A user of the caller's tenant: any account but the tenant's own (and Nexus's per-email ones).
pub(super) async fn find_user(state: &AppState, caller: &Caller, raw: &str) -> MxResult<Account> {
    let id = parse_guid(raw, "USR-", "user")?;
    match state.store.account(caller.tenant, id).await? {
        Some(a)
            if !a.is_facilitator()
                && !a
                    .foreign_id
                    .as_deref()
                    .is_some_and(|f| f.starts_with(NEXUS_FOREIGN_PREFIX)) =>
        {
            Ok(a)
        }
        _ => Err(MxError::not_found(format!("user {raw} not found"))),
    }
}

pub(super) async fn get_user(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(user): Path<String>,
) -> Response {
    let result = async {
        let caller = platform_caller(&state, &headers).await?;
        let account = find_user(&state, &caller, &user).await?;
        Ok((StatusCode::OK, json!({"user": user_json(&account)})))
    }
    .await;
    render(Dialect::Platform, &headers, result)
}

// ---------------------------------------------------------------------------------------------
// Platform: micro-deposits
// ---------------------------------------------------------------------------------------------

pub(super) async fn platform_list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(user): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let result = async {
        let caller = platform_caller(&state, &headers).await?;
        let (page, per_page) = pagination(&query)?;
        let account = find_user(&state, &caller, &user).await?;
        let banks = state
            .store
            .list_bank_accounts(caller.tenant, account.account_id)
            .await?;
        let mut items = Vec::new();
        for b in &banks {
            let snap = state.engine.snapshot(&target(&caller, b)).await?;
            let round = micro_round(&snap.verifications);
            // Only bank accounts that had micro-deposits are MX micro-deposits.
            if round.is_some() {
                items.push(platform_json(&bank_record(
                    Some(&account),
                    &snap.bank_account,
                    round,
                )));
            }
        }
        let (items, pagination) = page_of(items, page, per_page);
        Ok((
            StatusCode::OK,
            json!({"micro_deposits": items, "pagination": pagination}),
        ))
    }
    .await;
    render(Dialect::Platform, &headers, result)
}

pub(super) async fn platform_create(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(user): Path<String>,
    body: Bytes,
) -> Response {
    let result = async {
        let caller = platform_caller(&state, &headers).await?;
        let account = find_user(&state, &caller, &user).await?;
        let m = wrapped(parse_body(&body)?, "micro_deposit", false)?;
        let request = Request::parse(&m)?;
        let id = start(
            &state,
            &caller,
            Dialect::Platform,
            account.account_id,
            &request,
            Some(account.display_name.clone()),
        )
        .await?;
        let b = tenant_bank(&state, &caller, id, &mic_guid(id)).await?;
        let mut record = record_of(&state, &caller, &b).await?;
        if request.email.is_some() {
            record.email = request.email.clone();
        }
        Ok((
            StatusCode::OK,
            json!({"micro_deposit": platform_json(&record)}),
        ))
    }
    .await;
    render(Dialect::Platform, &headers, result)
}

pub(super) async fn user_bank(
    state: &AppState,
    caller: &Caller,
    user: &str,
    guid: &str,
) -> MxResult<(Account, BankAccount)> {
    let account = find_user(state, caller, user).await?;
    let id = parse_guid(guid, "MIC-", "micro_deposit")?;
    match state
        .store
        .bank_account(caller.tenant, account.account_id, id)
        .await?
    {
        Some(b) => Ok((account, b)),
        None => Err(MxError::not_found(format!(
            "micro_deposit {guid} not found"
        ))),
    }
}

pub(super) async fn platform_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((user, guid)): Path<(String, String)>,
) -> Response {
    let result = async {
        let caller = platform_caller(&state, &headers).await?;
        let (_, b) = user_bank(&state, &caller, &user, &guid).await?;
        let record = record_of(&state, &caller, &b).await?;
        Ok((
            StatusCode::OK,
            json!({"micro_deposit": platform_json(&record)}),
        ))
    }
    .await;
    render(Dialect::Platform, &headers, result)
}

pub(super) async fn platform_delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((user, guid)): Path<(String, String)>,
) -> Response {
    let result = async {
        let caller = platform_caller(&state, &headers).await?;
        let (account, b) = user_bank(&state, &caller, &user, &guid).await?;
        let now = state.clock.now();
        let deleted = events::bank_account_deleted(&b, Uuid::new_v4(), now);
        state
            .store
            .disable_bank_account(
                caller.tenant,
                account.account_id,
                b.bank_account_id,
                now,
                &deleted,
            )
            .await?
            .ok_or_else(|| MxError::not_found(format!("micro_deposit {guid} not found")))?;
        tracing::info!(bank_account_id = %b.bank_account_id, "mx micro-deposit deleted");
        Ok((StatusCode::NO_CONTENT, Value::Null))
    }
    .await;
    render(Dialect::Platform, &headers, result)
}

pub(super) async fn platform_verify(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(guid): Path<String>,
    body: Bytes,
) -> Response {
    let result = async {
        let caller = platform_caller(&state, &headers).await?;
        let id = parse_guid(&guid, "MIC-", "micro_deposit")?;
        let b = tenant_bank(&state, &caller, id, &guid).await?;
        let m = wrapped(parse_body(&body)?, "micro_deposit", false)?;
        let record = verify(&state, &caller, &b, &m).await?;
        Ok((
            StatusCode::OK,
            json!({"micro_deposit": platform_json(&record)}),
        ))
    }
    .await;
    render(Dialect::Platform, &headers, result)
}
