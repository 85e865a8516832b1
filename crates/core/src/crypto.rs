//! Account numbers at rest: AES-256-GCM with a key id stored beside each ciphertext (so keys can
//! rotate), and a keyed HMAC-SHA256 fingerprint that detects identical accounts without
//! decrypting anything.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use thiserror::Error;

use crate::numbers::{AccountNumber, RoutingNumber};

type HmacSha256 = Hmac<Sha256>;

const NONCE_LEN: usize = 12;

#[derive(Debug, Error)]
pub enum CryptoError {
    #[error("encryption key must be base64 of exactly 32 bytes")]
    BadKey,
    #[error("no key with id {0} is configured; add it to the previous keys to decrypt old rows")]
    UnknownKeyId(String),
    #[error("ciphertext failed authentication (wrong key or corrupted data)")]
    Authentication,
    #[error("decrypted account number is not valid")]
    Corrupt,
}

/// A 32-byte secret key. Its `Debug` never shows the bytes.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey(id={})", self.id())
    }
}

impl SecretKey {
    pub fn from_base64(s: &str) -> Result<Self, CryptoError> {
        let bytes = B64.decode(s.trim()).map_err(|_| CryptoError::BadKey)?;
        let arr: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::BadKey)?;
        Ok(Self(arr))
    }

    pub fn generate() -> Self {
        let mut k = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut k);
        Self(k)
    }

    pub fn to_base64(&self) -> String {
        B64.encode(self.0)
    }

    /// A short public identifier of the key: the first 8 hex digits of SHA-256 of the key.
    pub fn id(&self) -> String {
        let digest = Sha256::digest(self.0);
        hex::encode(&digest[..4])
    }
}

/// An encrypted account number as stored: which key, and nonce ‖ ciphertext ‖ tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub key_id: String,
    pub ciphertext: Vec<u8>,
}

impl Sealed {
    /// Text form for a text column: `<key id>:<base64 of nonce ‖ ciphertext ‖ tag>`.
    pub fn to_text(&self) -> String {
        use base64::Engine;
        format!(
            "{}:{}",
            self.key_id,
            base64::engine::general_purpose::STANDARD.encode(&self.ciphertext)
        )
    }

    /// The inverse of [`Sealed::to_text`]; None if the text is not in that form.
    pub fn from_text(s: &str) -> Option<Self> {
        use base64::Engine;
        let (key_id, b64) = s.split_once(':')?;
        let ciphertext = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
        Some(Sealed {
            key_id: key_id.to_string(),
            ciphertext,
        })
    }
}

/// Marks sealed text in a column that may also hold clear text from earlier releases.
pub const SEALED_TEXT_PREFIX: &str = "sealed:";

/// The keys that protect account numbers: one current key for encryption, older keys kept for
/// decryption, and the fingerprint key.
#[derive(Clone)]
pub struct Vault {
    current: SecretKey,
    by_id: HashMap<String, SecretKey>,
    fingerprint_key: [u8; 32],
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Vault(current={})", self.current.id())
    }
}

impl Vault {
    /// `fingerprint_key` defaults to a key derived from `current`; pin it explicitly before
    /// rotating the encryption key so fingerprints stay stable.
    pub fn new(
        current: SecretKey,
        previous: Vec<SecretKey>,
        fingerprint_key: Option<SecretKey>,
    ) -> Self {
        let fingerprint_key = match fingerprint_key {
            Some(k) => k.0,
            None => {
                let mut mac = <HmacSha256 as Mac>::new_from_slice(&current.0)
                    .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
                mac.update(b"pennydrop account fingerprint v1");
                mac.finalize().into_bytes().into()
            }
        };
        let mut by_id = HashMap::new();
        for k in previous {
            by_id.insert(k.id(), k);
        }
        by_id.insert(current.id(), current.clone());
        Self {
            current,
            by_id,
            fingerprint_key,
        }
    }

    pub fn current_key_id(&self) -> String {
        self.current.id()
    }

    /// `aad` binds the ciphertext to its row (e.g. the bank account id) so a ciphertext copied
    /// into another row fails to decrypt.
    pub fn seal(&self, number: &AccountNumber, aad: &[u8]) -> Sealed {
        self.seal_bytes(number.expose().as_bytes(), aad)
    }

    pub fn open(&self, sealed: &Sealed, aad: &[u8]) -> Result<AccountNumber, CryptoError> {
        let plain = self.open_bytes(sealed, aad)?;
        let s = String::from_utf8(plain).map_err(|_| CryptoError::Corrupt)?;
        AccountNumber::parse(&s).map_err(|_| CryptoError::Corrupt)
    }

    /// AES-256-GCM with the current key and a fresh random nonce; `aad` binds it to its row.
    pub fn seal_bytes(&self, plain: &[u8], aad: &[u8]) -> Sealed {
        let cipher = Aes256Gcm::new_from_slice(&self.current.0)
            .unwrap_or_else(|_| unreachable!("key is 32 bytes"));
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ct = cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad })
            .unwrap_or_else(|_| unreachable!("AES-GCM encryption of a short message cannot fail"));
        let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Sealed {
            key_id: self.current.id(),
            ciphertext: out,
        }
    }

    pub fn open_bytes(&self, sealed: &Sealed, aad: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let key = self
            .by_id
            .get(&sealed.key_id)
            .ok_or_else(|| CryptoError::UnknownKeyId(sealed.key_id.clone()))?;
        if sealed.ciphertext.len() < NONCE_LEN {
            return Err(CryptoError::Authentication);
        }
        let (nonce, ct) = sealed.ciphertext.split_at(NONCE_LEN);
        let cipher =
            Aes256Gcm::new_from_slice(&key.0).unwrap_or_else(|_| unreachable!("key is 32 bytes"));
        cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad })
            .map_err(|_| CryptoError::Authentication)
    }

    /// Text sealed for a text column: `sealed:<key id>:<base64>`, bound to `aad`.
    pub fn seal_text(&self, plain: &str, aad: &[u8]) -> String {
        format!(
            "{SEALED_TEXT_PREFIX}{}",
            self.seal_bytes(plain.as_bytes(), aad).to_text()
        )
    }

    /// The inverse of [`Vault::seal_text`]. Text without the prefix was stored in clear by an
    /// earlier release and is returned as it is.
    pub fn open_text(&self, stored: &str, aad: &[u8]) -> Result<String, CryptoError> {
        let Some(rest) = stored.strip_prefix(SEALED_TEXT_PREFIX) else {
            return Ok(stored.to_string());
        };
        let sealed = Sealed::from_text(rest).ok_or(CryptoError::Corrupt)?;
        String::from_utf8(self.open_bytes(&sealed, aad)?).map_err(|_| CryptoError::Corrupt)
    }

    /// A keyed tag (hex HMAC-SHA256) of `data` for one `purpose`, under a key derived from the
    /// fingerprint key, so tags of different purposes never match. Forms bound to a holder's
    /// link carry one (CSRF).
    pub fn tag(&self, purpose: &str, data: &[u8]) -> String {
        let mut derive = <HmacSha256 as Mac>::new_from_slice(&self.fingerprint_key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        derive.update(b"pennydrop tag v1:");
        derive.update(purpose.as_bytes());
        let key = derive.finalize().into_bytes();
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(data);
        hex::encode(mac.finalize().into_bytes())
    }

    /// 64 lowercase hex characters identifying (routing, account) without revealing either.
    pub fn fingerprint(&self, routing: &RoutingNumber, number: &AccountNumber) -> String {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.fingerprint_key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(routing.as_str().as_bytes());
        mac.update(b":");
        mac.update(number.expose().as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// Hash of a high-entropy API secret or access token, for storage. These secrets are 256-bit
/// random strings, so a fast hash is enough; a slow password hash would add nothing.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Hex SHA-256 of some bytes (a request body's fingerprint, say).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A URL-safe random token with `bytes` bytes of entropy.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// Constant-time comparison of two hex or text secrets.
pub fn secrets_equal(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number() -> AccountNumber {
        AccountNumber::parse("0004321567000").unwrap()
    }

    #[test]
    fn seal_then_open_round_trips_and_hides_the_plaintext() {
        let vault = Vault::new(SecretKey::generate(), vec![], None);
        let sealed = vault.seal(&number(), b"ba-1");
        assert!(!sealed.ciphertext.windows(13).any(|w| w == b"0004321567000"));
        assert_eq!(vault.open(&sealed, b"ba-1").unwrap(), number());
    }

    #[test]
    fn ciphertext_is_bound_to_its_row() {
        let vault = Vault::new(SecretKey::generate(), vec![], None);
        let sealed = vault.seal(&number(), b"ba-1");
        assert!(matches!(
            vault.open(&sealed, b"ba-2"),
            Err(CryptoError::Authentication)
        ));
    }

    #[test]
    fn rotated_vault_still_opens_old_rows() {
        let old = SecretKey::generate();
        let old_vault = Vault::new(old.clone(), vec![], None);
        let sealed = old_vault.seal(&number(), b"x");
        let new_vault = Vault::new(SecretKey::generate(), vec![old], None);
        assert_ne!(new_vault.current_key_id(), sealed.key_id);
        assert_eq!(new_vault.open(&sealed, b"x").unwrap(), number());
        let stranger = Vault::new(SecretKey::generate(), vec![], None);
        assert!(matches!(
            stranger.open(&sealed, b"x"),
            Err(CryptoError::UnknownKeyId(_))
        ));
    }

    #[test]
    fn fingerprint_is_stable_keyed_and_64_hex() {
        let key = SecretKey::generate();
        let a = Vault::new(key.clone(), vec![], None);
        let b = Vault::new(key, vec![], None);
        let routing = RoutingNumber::parse("021000021").unwrap();
        let fp = a.fingerprint(&routing, &number());
        assert_eq!(fp.len(), 64);
        assert!(fp.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(fp, b.fingerprint(&routing, &number()));
        let other = Vault::new(SecretKey::generate(), vec![], None);
        assert_ne!(fp, other.fingerprint(&routing, &number()));
    }

    #[test]
    fn keys_parse_from_base64_32_bytes_only() {
        let k = SecretKey::generate();
        assert_eq!(SecretKey::from_base64(&k.to_base64()).unwrap().id(), k.id());
        assert!(SecretKey::from_base64("c2hvcnQ=").is_err());
        assert!(SecretKey::from_base64("not base64!").is_err());
    }
}
