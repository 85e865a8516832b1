//! The holder page, `/v/{token}`: where an account holder confirms their bank account with
//! the two micro-deposit amounts or the instant code, or enters a bank account (collect
//! links). It only renders what the engine decides ([`pennydrop_engine::links`]); every POST
//! carries the link's form tag (CSRF) and answers with a 303 to the page (docs/pages.md).
//!
//! The token is in the path; the access log records route templates only, so it never
//! reaches a log line.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use pennydrop_engine::links::{HolderView, Opened, Stage, VerificationLink};
use pennydrop_engine::recovery::Method;
use pennydrop_engine::{EngineError, LinkRequest, Refusal};
use serde::Deserialize;

use super::i18n::{fill, Lang, Text};
use super::page;
use crate::amounts::AmountText;
use crate::{AppState, Peer};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v/{token}", get(show))
        .route("/v/{token}/amounts", post(amounts))
        .route("/v/{token}/code", post(code))
        .route("/v/{token}/start", post(start))
        .route("/v/{token}/collect", post(collect))
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    lang: Option<String>,
    /// What the last answer was: `wrong`, `input`, `notsent`, `refused`, `details`.
    r: Option<String>,
}

/// Every field any form on the page sends.
#[derive(Debug, Default, Deserialize)]
pub struct FormBody {
    csrf: Option<String>,
    lang: Option<String>,
    amount1: Option<String>,
    amount2: Option<String>,
    code: Option<String>,
    method: Option<String>,
    routing: Option<String>,
    account: Option<String>,
    kind: Option<String>,
}

struct Field {
    name: &'static str,
    label: &'static str,
    hint: &'static str,
    inputmode: &'static str,
    options: Vec<(&'static str, &'static str)>,
}

struct FormView {
    action: String,
    submit: &'static str,
    fields: Vec<Field>,
}

#[derive(Template)]
#[template(path = "holder/page.html")]
struct HolderPage {
    lang: &'static str,
    title: String,
    company: String,
    logo_url: Option<String>,
    brand_color: Option<String>,
    /// (href, label, lang) of the other language.
    switch: Option<(String, &'static str, &'static str)>,
    last_four: Option<String>,
    /// (class, lines).
    notice: Option<(&'static str, Vec<String>)>,
    paragraphs: Vec<String>,
    form: Option<FormView>,
    /// (action, method value, label) for start buttons.
    buttons: Vec<(String, &'static str, &'static str)>,
    csrf: String,
    support: Option<String>,
}

impl HolderPage {
    fn bare(lang: Lang, title: &str, company: &str) -> Self {
        HolderPage {
            lang: lang.code(),
            title: title.to_string(),
            company: company.to_string(),
            logo_url: None,
            brand_color: None,
            switch: None,
            last_four: None,
            notice: None,
            paragraphs: Vec::new(),
            form: None,
            buttons: Vec::new(),
            csrf: String::new(),
            support: None,
        }
    }
}

fn accept_language(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|h| h.to_str().ok())
}

/// A page that is not about an open link (unknown, expired, throttled, refused form).
fn plain(status: StatusCode, lang: Lang, title: &str, body: &str) -> Response {
    let mut p = HolderPage::bare(lang, title, "Pennydrop");
    p.paragraphs.push(body.to_string());
    page(status, &p)
}

/// The answer for a token that opens no page.
fn closed(e: &EngineError, lang: Lang) -> Response {
    let t = lang.text();
    match e {
        EngineError::NotFound(_) => plain(
            StatusCode::NOT_FOUND,
            lang,
            t.not_found_title,
            t.not_found_body,
        ),
        EngineError::Throttled { .. } => plain(
            StatusCode::TOO_MANY_REQUESTS,
            lang,
            t.not_found_title,
            t.throttled,
        ),
        other => {
            tracing::error!(error = %other, "holder page failed");
            super::error_page(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}

/// Opens the token; `Err` is the page to answer instead (unknown, expired, revoked).
async fn open(
    state: &AppState,
    token: &str,
    peer: Peer,
    lang: Lang,
) -> Result<VerificationLink, Response> {
    match state.engine.open_link(token, peer.0).await {
        Ok(Opened::Open(link)) => Ok(link),
        Ok(Opened::Expired(link) | Opened::Revoked(link)) => {
            let t = lang.text();
            let company = state
                .engine
                .branding(link.tenant_id)
                .await
                .map(|b| b.company_name)
                .unwrap_or_else(|_| state.engine.config().company_name.clone());
            let mut p = HolderPage::bare(lang, t.expired_title, &company);
            p.paragraphs
                .push(fill(t.expired_body, &[("company", &company)]));
            Err(page(StatusCode::GONE, &p))
        }
        Err(e) => Err(closed(&e, lang)),
    }
}

async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<PageQuery>,
    peer: Peer,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::choose(q.lang.as_deref(), accept_language(&headers));
    let link = match open(&state, &token, peer, lang).await {
        Ok(link) => link,
        Err(answer) => return answer,
    };
    match state.engine.holder_view(&link).await {
        Ok(view) => {
            let csrf = state.engine.link_form_tag(&link);
            page(
                StatusCode::OK,
                &render(&view, lang, &token, q.r.as_deref(), csrf),
            )
        }
        Err(e) => closed(&e, lang),
    }
}

/// The page for an open link, from the engine's view.
fn render(v: &HolderView, lang: Lang, token: &str, r: Option<&str>, csrf: String) -> HolderPage {
    let t = lang.text();
    let company = v.branding.company_name.clone();
    let mut p = HolderPage::bare(lang, t.confirm_title, &company);
    p.csrf = csrf;
    p.logo_url = v.branding.logo_url.clone();
    p.brand_color = v.branding.brand_color.clone();
    let other = lang.other();
    p.switch = Some((
        format!("/v/{token}?lang={}", other.code()),
        t.switch_to,
        other.code(),
    ));
    p.last_four = v
        .last_four
        .as_ref()
        .map(|l| fill(t.account_ending, &[("last4", l)]));
    p.support = v
        .branding
        .support_contact
        .as_ref()
        .map(|c| fill(t.support, &[("contact", c)]));
    p.notice = notice(v, lang, r);
    let action = |what: &str| format!("/v/{token}/{what}");
    let statement = v.statement_company.as_str();
    match &v.stage {
        Stage::Collect => {
            p.title = t.collect_title.to_string();
            p.paragraphs.push(t.collect_intro.to_string());
            p.form = Some(collect_form(t, action("collect")));
        }
        Stage::Start(methods) => {
            p.paragraphs.push(t.start_intro.to_string());
            p.buttons = methods
                .iter()
                .map(|m| match m {
                    Method::MicroDeposits => (action("start"), "micro-deposits", t.start_micro),
                    Method::Instant => (action("start"), "instant", t.start_instant),
                })
                .collect();
        }
        Stage::MicroDeposits { arrives_by } => {
            p.paragraphs
                .push(fill(t.deposits_intro, &[("company", statement)]));
            p.paragraphs
                .push(fill(t.deposits_when, &[("date", &lang.date(*arrives_by))]));
            p.paragraphs.push(t.deposits_ask.to_string());
            p.form = Some(amounts_form(t, action("amounts")));
        }
        Stage::Code => {
            p.paragraphs
                .push(fill(t.code_intro, &[("company", statement)]));
            p.form = Some(FormView {
                action: action("code"),
                submit: t.submit,
                fields: vec![text_field("code", t.code_label, t.code_hint, "text")],
            });
        }
        Stage::CodeOnItsWay => p.paragraphs.push(t.code_on_its_way.to_string()),
        Stage::Verified => {
            p.title = t.verified_title.to_string();
            p.paragraphs.push(t.verified_body.to_string());
        }
        Stage::Locked => {
            p.title = t.locked_title.to_string();
            p.paragraphs
                .push(fill(t.locked_body, &[("company", &company)]));
        }
        Stage::Failed => {
            p.title = t.failed_title.to_string();
            p.paragraphs
                .push(fill(t.failed_body, &[("company", &company)]));
        }
    }
    p
}

fn text_field(
    name: &'static str,
    label: &'static str,
    hint: &'static str,
    inputmode: &'static str,
) -> Field {
    Field {
        name,
        label,
        hint,
        inputmode,
        options: Vec::new(),
    }
}

fn amounts_form(t: &Text, action: String) -> FormView {
    FormView {
        action,
        submit: t.submit,
        fields: vec![
            text_field("amount1", t.amount_1, t.amount_hint, "decimal"),
            text_field("amount2", t.amount_2, t.amount_hint, "decimal"),
        ],
    }
}

fn collect_form(t: &Text, action: String) -> FormView {
    FormView {
        action,
        submit: t.continue_label,
        fields: vec![
            text_field("routing", t.routing, "", "numeric"),
            text_field("account", t.account_number, "", "numeric"),
            Field {
                name: "kind",
                label: t.account_type,
                hint: "",
                inputmode: "text",
                options: vec![("checking", t.checking), ("savings", t.savings)],
            },
        ],
    }
}

/// The notice after an answer (`r`), with the attempts left and the expiry after a wrong one.
fn notice(v: &HolderView, lang: Lang, r: Option<&str>) -> Option<(&'static str, Vec<String>)> {
    let t = lang.text();
    let code_stage = matches!(v.stage, Stage::Code);
    let first = match r? {
        "wrong" if code_stage => t.wrong_code,
        "wrong" => t.wrong_amounts,
        "input" if code_stage => t.bad_code,
        "input" => t.bad_amounts,
        "notsent" => t.not_sent,
        "details" => return Some(("bad", vec![t.bad_details.to_string()])),
        _ => t.refused,
    };
    let mut lines = vec![first.to_string()];
    if let (Some(n), Some(date)) = (v.recovery.attempts_left, v.answer_until) {
        lines.push(fill(
            t.attempts_left,
            &[("n", &n.to_string()), ("date", &lang.date(date))],
        ));
    }
    Some(("bad", lines))
}

/// The 403 page when the form's tag is missing or wrong; `None` when it is the link's.
fn refused(
    state: &AppState,
    link: &VerificationLink,
    form: &FormBody,
    lang: Lang,
) -> Option<Response> {
    let given = form.csrf.as_deref().unwrap_or("");
    if state.engine.link_form_tag_valid(link, given) {
        return None;
    }
    let t = lang.text();
    Some(plain(
        StatusCode::FORBIDDEN,
        lang,
        t.not_found_title,
        t.forbidden,
    ))
}

/// 303 to the page, with the language and the outcome.
fn back(token: &str, lang: Lang, r: Option<&str>) -> Response {
    let mut url = format!("/v/{token}?lang={}", lang.code());
    if let Some(r) = r {
        url.push_str("&r=");
        url.push_str(r);
    }
    super::secure(Redirect::to(&url).into_response())
}

/// What an engine answer to a holder's POST shows next.
fn outcome(result: Result<(), EngineError>) -> Result<Option<&'static str>, EngineError> {
    match result {
        Ok(()) => Ok(None),
        Err(e) => match e.refusal() {
            Some(Refusal::WrongAmounts { .. } | Refusal::WrongCode { .. }) => Ok(Some("wrong")),
            Some(Refusal::MicroDepositsNotSent | Refusal::CreditNotSent) => Ok(Some("notsent")),
            // Exhausted, ended, refused by risk: the page's stage says what is next.
            Some(Refusal::AmountAttemptsExhausted | Refusal::CodeAttemptsExhausted) => Ok(None),
            Some(_) => Ok(Some("refused")),
            None => match e {
                EngineError::Link(_) | EngineError::InvalidField { .. } => Ok(Some("details")),
                other => Err(other),
            },
        },
    }
}

/// The common part of every POST: language, open link, tag; then `act` and a 303.
async fn handle<F, Fut>(
    state: AppState,
    token: String,
    peer: Peer,
    form: FormBody,
    act: F,
) -> Response
where
    F: FnOnce(AppState, VerificationLink, FormBody) -> Fut,
    Fut: std::future::Future<Output = Result<Option<&'static str>, EngineError>>,
{
    let lang = Lang::choose(form.lang.as_deref(), None);
    let link = match open(&state, &token, peer, lang).await {
        Ok(link) => link,
        Err(answer) => return answer,
    };
    if let Some(answer) = refused(&state, &link, &form, lang) {
        return answer;
    }
    match act(state.clone(), link, form).await {
        Ok(r) => back(&token, lang, r),
        Err(e) => closed(&e, lang),
    }
}

fn target(link: &VerificationLink) -> Result<pennydrop_engine::Target, EngineError> {
    link.target()
        .ok_or_else(|| EngineError::NotAllowed("this link has no bank account yet".into()))
}

/// Dollar text as a statement shows it (`0.12`, `.12`, `$0.12`) in cents.
fn cents(text: Option<&str>) -> Option<i64> {
    let text = text?.trim();
    let text = text.strip_prefix('$').unwrap_or(text).trim();
    AmountText::number(text).dollar_cents().ok()
}

async fn amounts(
    State(state): State<AppState>,
    Path(token): Path<String>,
    peer: Peer,
    Form(form): Form<FormBody>,
) -> Response {
    handle(state, token, peer, form, |state, link, form| async move {
        let t = target(&link)?;
        let (Some(a), Some(b)) = (
            cents(form.amount1.as_deref()),
            cents(form.amount2.as_deref()),
        ) else {
            return Ok(Some("input"));
        };
        outcome(state.engine.complete_micro_deposits(&t, [a, b]).await)
    })
    .await
}

async fn code(
    State(state): State<AppState>,
    Path(token): Path<String>,
    peer: Peer,
    Form(form): Form<FormBody>,
) -> Response {
    handle(state, token, peer, form, |state, link, form| async move {
        let t = target(&link)?;
        let Some(code) = form
            .code
            .as_deref()
            .and_then(pennydrop_engine::rules::parse_code)
        else {
            return Ok(Some("input"));
        };
        outcome(state.engine.complete_instant(&t, &code).await.map(|_| ()))
    })
    .await
}

async fn start(
    State(state): State<AppState>,
    Path(token): Path<String>,
    peer: Peer,
    Form(form): Form<FormBody>,
) -> Response {
    handle(state, token, peer, form, |state, link, form| async move {
        let t = target(&link)?;
        let result = match form.method.as_deref() {
            Some("instant") => state.engine.initiate_instant(&t, true).await.map(|_| ()),
            _ => state.engine.initiate_micro_deposits(&t).await,
        };
        outcome(result)
    })
    .await
}

async fn collect(
    State(state): State<AppState>,
    Path(token): Path<String>,
    peer: Peer,
    Form(form): Form<FormBody>,
) -> Response {
    handle(state, token, peer, form, |state, link, form| async move {
        let request = LinkRequest {
            holder_name: None,
            holder_type: None,
            account_number: form.account.map(|a| a.trim().to_string()),
            bank_account_type: form.kind,
            routing_number: form.routing.map(|r| r.trim().to_string()),
        };
        match state.engine.collect_bank_account(&link, &request).await {
            Ok(_) => Ok(None),
            Err(e) => outcome(Err(e)),
        }
    })
    .await
}
