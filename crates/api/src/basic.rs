//! HTTP Basic credentials (`Authorization: Basic base64(public:secret)`), shared by the Moov
//! and MX Platform dialects.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;

/// The (user, password) pair of a Basic `Authorization` header value.
pub fn parse_basic(value: &str) -> Option<(String, String)> {
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = B64.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, pass) = text.split_once(':')?;
    Some((user.to_string(), pass.to_string()))
}

#[cfg(test)]
mod tests {
    use super::parse_basic;

    #[test]
    fn basic_credentials_decode() {
        assert_eq!(
            parse_basic("Basic cGs6c2s="),
            Some(("pk".into(), "sk".into()))
        );
        assert_eq!(parse_basic("Bearer x"), None);
        assert_eq!(parse_basic("Basic !!!"), None);
    }
}
