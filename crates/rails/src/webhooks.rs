//! Webhooks over HTTP: one POST per attempt, never following redirects, bounded in time, and
//! only to addresses the operator's network policy allows — checked on the address actually
//! connected to (our own DNS resolver drops refused addresses), so a name that resolves to a
//! cloud metadata address or an internal network is refused even after it was accepted.

use pennydrop_engine::webhooks::{NetworkPolicy, OutgoingWebhook, WebhookAnswer, WebhookSender};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug)]
pub struct HttpWebhookSender {
    client: reqwest::Client,
    policy: Arc<NetworkPolicy>,
}

impl HttpWebhookSender {
    pub fn new(policy: NetworkPolicy, timeout: Duration) -> Result<Self, reqwest::Error> {
        let policy = Arc::new(policy);
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("pennydrop-webhooks/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(PolicyResolver(policy.clone())))
            .build()?;
        Ok(Self { client, policy })
    }

    /// An address in the URL itself is not resolved: check it here.
    fn literal_refused(&self, url: &str) -> Option<IpAddr> {
        let parsed = reqwest::Url::parse(url).ok()?;
        let ip = match parsed.host()? {
            url::Host::Ipv4(v4) => IpAddr::V4(v4),
            url::Host::Ipv6(v6) => IpAddr::V6(v6),
            url::Host::Domain(_) => return None,
        };
        (!self.policy.allows(ip)).then_some(ip)
    }
}

#[async_trait::async_trait]
impl WebhookSender for HttpWebhookSender {
    async fn send(&self, request: &OutgoingWebhook) -> WebhookAnswer {
        if self.policy.refuses_everything() {
            return WebhookAnswer::Failed("the operator refuses every network to webhooks".into());
        }
        if let Some(ip) = self.literal_refused(&request.url) {
            return WebhookAnswer::Failed(format!("{ip} is in a network webhooks may not reach"));
        }
        let mut builder = self.client.post(&request.url).body(request.body.clone());
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        match builder.send().await {
            Ok(response) => WebhookAnswer::Status(response.status().as_u16()),
            Err(e) if e.is_timeout() => {
                WebhookAnswer::Failed("no answer within the timeout".into())
            }
            Err(e) => WebhookAnswer::Failed(describe(&e)),
        }
    }
}

/// The error and its causes, without the URL (it may carry a tenant's path secrets).
fn describe(e: &reqwest::Error) -> String {
    let mut text = String::from(if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    });
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Resolves with the system resolver, then keeps only addresses the policy allows.
#[derive(Debug)]
struct PolicyResolver(Arc<NetworkPolicy>);

impl Resolve for PolicyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.0.clone();
        Box::pin(async move {
            let host = format!("{}:0", name.as_str());
            let found: Vec<SocketAddr> = tokio::net::lookup_host(host).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| policy.allows(a.ip()))
                .collect();
            if allowed.is_empty() {
                let refused = std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    format!(
                        "{} resolves only to networks webhooks may not reach",
                        name.as_str()
                    ),
                );
                return Err(Box::new(refused) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}
