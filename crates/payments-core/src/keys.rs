//! Shop keys at rest: a keyed hash (HMAC-SHA256 with the server secret), compared in constant time.

use crate::ShopKey;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The stored form of a shop key: hex of HMAC-SHA256(secret, key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyHash(String);

impl KeyHash {
    /// A hash read back from storage (trusted as written by [`KeyHasher::hash`]).
    pub fn from_stored(hex: String) -> KeyHash {
        KeyHash(hex)
    }

    /// The hex text, to store.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Hashes and checks shop keys with the server secret. Several servers on one database must
/// share the secret.
///
/// The secret is what `kassa serve` reads from `KASSA_SECRET` (or generates into
/// `<db>.secret` on SQLite). An embedder that shares a database with a server must use the same
/// bytes, or no shop key will verify. `Debug` hides it.
///
/// ```
/// use payments_core::{KeyHasher, ShopKey, WeakSecret};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let hasher = KeyHasher::new(b"a server secret of 16+ bytes")?;
/// let key = ShopKey::presented("Z631XLBO7O")?;
/// let stored = hasher.hash(&key); // what the shops table keeps
/// assert_eq!(stored.as_str().len(), 64);
/// assert!(hasher.verify(&key, &stored));
/// assert!(!hasher.verify(&ShopKey::presented("Z631XLBO7o")?, &stored));
/// // Another secret, another hash: the key no longer verifies.
/// let other = KeyHasher::new(b"another secret of 16+ bytes")?;
/// assert!(!other.verify(&key, &stored));
/// assert_eq!(KeyHasher::new(b"too short").unwrap_err(), WeakSecret);
/// assert_eq!(format!("{hasher:?}"), "KeyHasher(***)");
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct KeyHasher {
    secret: Vec<u8>,
}

impl std::fmt::Debug for KeyHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyHasher(***)")
    }
}

/// Why a server secret is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the server secret must be at least 16 bytes")]
pub struct WeakSecret;

impl KeyHasher {
    /// A hasher keyed with `secret`, which must be at least 16 bytes.
    pub fn new(secret: &[u8]) -> Result<KeyHasher, WeakSecret> {
        if secret.len() < 16 {
            return Err(WeakSecret);
        }
        Ok(KeyHasher {
            secret: secret.to_vec(),
        })
    }

    fn mac(&self, data: &[u8]) -> [u8; 32] {
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.secret) {
            Ok(m) => m,
            // HMAC takes keys of any length; this arm cannot be reached.
            Err(_) => return [0; 32],
        };
        mac.update(data);
        mac.finalize().into_bytes().into()
    }

    /// The stored form of a key.
    pub fn hash(&self, key: &ShopKey) -> KeyHash {
        KeyHash(hex::encode(self.mac(key.expose().as_bytes())))
    }

    /// Constant-time check of a presented key against a stored hash.
    pub fn verify(&self, key: &ShopKey, stored: &KeyHash) -> bool {
        let mine = hex::encode(self.mac(key.expose().as_bytes()));
        mine.as_bytes().ct_eq(stored.0.as_bytes()).into()
    }

    /// Spends the same work as [`KeyHasher::verify`] when there is no shop to check against,
    /// so timing does not tell which shop ids exist.
    pub fn verify_nothing(&self, key: &ShopKey) -> bool {
        let _ = self.hash(key);
        false
    }

    /// HMAC-SHA256 of arbitrary bytes with the server secret, hex: for other tokens the server signs.
    pub fn sign(&self, data: &[u8]) -> String {
        hex::encode(self.mac(data))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_only_the_right_key() {
        let h = KeyHasher::new(b"0123456789abcdef0123").expect("secret");
        let key = ShopKey::presented("Z631XLBO7O").expect("key");
        let stored = h.hash(&key);
        assert!(h.verify(&key, &stored));
        assert!(!h.verify(&ShopKey::presented("Z631XLBO7o").expect("key"), &stored));
        let other = KeyHasher::new(b"another secret of 16+").expect("secret");
        assert!(!other.verify(&key, &stored));
        assert_ne!(stored.as_str(), key.expose());
        assert!(KeyHasher::new(b"short").is_err());
    }
}
