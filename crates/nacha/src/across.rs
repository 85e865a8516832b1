//! Compact, owned keys for the validator's rules across entries (unique trace numbers, one
//! account type per account, micro-entry sums), so a file can be validated batch by batch
//! without keeping its entries, and a million entries cost a few dozen bytes each.
//!
//! Keys are exact: a trace number of 15 digits is stored as its value (the length is fixed, so
//! leading zeros cannot collide) and any other text as itself; an account with a 9-digit
//! routing number and at most 17 bytes of account number is packed, any other as its text.

use std::hash::Hash;

use rustc_hash::FxHashMap;

/// Trace number → a value (the position of its last use).
pub(crate) struct TraceMap<V> {
    /// While every numeric trace so far is greater than the one before it (as files are
    /// written), none can repeat, so they are only listed; the list is hashed into `numeric`
    /// at the first trace out of order.
    ascending: Vec<(u64, V)>,
    in_order: bool,
    numeric: FxHashMap<u64, V>,
    text: FxHashMap<String, V>,
}

impl<V> TraceMap<V> {
    pub(crate) fn with_capacity(n: usize) -> Self {
        TraceMap {
            ascending: Vec::with_capacity(n),
            in_order: true,
            numeric: FxHashMap::default(),
            text: FxHashMap::default(),
        }
    }

    /// Whether the trace number has a value.
    pub(crate) fn contains(&self, trace: &str) -> bool {
        match digits::<15>(trace) {
            None => self.text.contains_key(trace),
            Some(n) if self.in_order => self
                .ascending
                .binary_search_by_key(&n, |(listed, _)| *listed)
                .is_ok(),
            Some(n) => self.numeric.contains_key(&n),
        }
    }

    /// Inserts, returning the value the trace number had (like [`HashMap::insert`]).
    pub(crate) fn insert(&mut self, trace: &str, value: V) -> Option<V> {
        let Some(n) = digits::<15>(trace) else {
            return self.text.insert(trace.to_string(), value);
        };
        if self.in_order {
            if self.ascending.last().is_none_or(|(last, _)| n > *last) {
                self.ascending.push((n, value));
                return None;
            }
            self.in_order = false;
            let listed = std::mem::take(&mut self.ascending);
            self.numeric.reserve(listed.capacity());
            self.numeric.extend(listed);
        }
        self.numeric.insert(n, value)
    }
}

/// The value of exactly `N` ASCII digits.
fn digits<const N: usize>(text: &str) -> Option<u64> {
    if text.len() != N || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.bytes().fold(0u64, |v, b| v * 10 + u64::from(b - b'0')))
}

/// A 9-digit routing number and an account number of at most 17 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct PackedAccount {
    routing: u32,
    len: u8,
    account: [u8; 17],
}

impl PackedAccount {
    fn new(routing: &str, account: &str) -> Option<Self> {
        let routing = u32::try_from(digits::<9>(routing)?).ok()?;
        let bytes = account.as_bytes();
        let mut packed = [0u8; 17];
        packed.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(PackedAccount {
            routing,
            len: u8::try_from(bytes.len()).ok()?,
            account: packed,
        })
    }

    fn routing(&self) -> String {
        format!("{:09}", self.routing)
    }

    fn account(&self) -> String {
        let bytes = self.account.get(..usize::from(self.len)).unwrap_or(&[]);
        String::from_utf8_lossy(bytes).into_owned()
    }
}

/// (routing, account) → a value.
pub(crate) struct AccountMap<V> {
    packed: FxHashMap<PackedAccount, V>,
    text: FxHashMap<(String, String), V>,
}

impl<V> Default for AccountMap<V> {
    fn default() -> Self {
        AccountMap {
            packed: FxHashMap::default(),
            text: FxHashMap::default(),
        }
    }
}

impl<V> AccountMap<V> {
    pub(crate) fn with_capacity(n: usize) -> Self {
        AccountMap {
            packed: FxHashMap::with_capacity_and_hasher(n, Default::default()),
            text: FxHashMap::default(),
        }
    }

    #[cfg(test)]
    pub(crate) fn get(&self, routing: &str, account: &str) -> Option<&V> {
        match PackedAccount::new(routing, account) {
            Some(k) => self.packed.get(&k),
            None => self.text.get(&(routing.to_string(), account.to_string())),
        }
    }

    /// The value for the account, inserted with `make` if it has none.
    pub(crate) fn entry(
        &mut self,
        routing: &str,
        account: &str,
        make: impl FnOnce() -> V,
    ) -> &mut V {
        match PackedAccount::new(routing, account) {
            Some(k) => self.packed.entry(k).or_insert_with(make),
            None => or_insert(
                &mut self.text,
                (routing.to_string(), account.to_string()),
                make,
            ),
        }
    }

    /// Inserts if absent; whether it was.
    pub(crate) fn insert_new(&mut self, routing: &str, account: &str, value: V) -> bool {
        let mut new = false;
        self.entry(routing, account, || {
            new = true;
            value
        });
        new
    }

    /// Every (routing, account, value).
    pub(crate) fn iter(&self) -> impl Iterator<Item = (String, String, &V)> {
        let packed = self
            .packed
            .iter()
            .map(|(k, v)| (k.routing(), k.account(), v));
        let text = self
            .text
            .iter()
            .map(|((r, a), v)| (r.clone(), a.clone(), v));
        packed.chain(text)
    }
}

fn or_insert<K: Hash + Eq, V>(
    map: &mut FxHashMap<K, V>,
    key: K,
    make: impl FnOnce() -> V,
) -> &mut V {
    map.entry(key).or_insert_with(make)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_exact() {
        let mut t = TraceMap::with_capacity(4);
        assert_eq!(t.insert("000000000000001", 1), None);
        assert_eq!(t.insert("1", 2), None);
        assert_eq!(t.insert("000000000000001", 3), Some(1));
        assert_eq!(t.insert("1", 4), Some(2));
        let mut t = TraceMap::with_capacity(4);
        assert_eq!(t.insert("000000000000005", 1), None);
        assert_eq!(t.insert("000000000000007", 2), None);
        assert_eq!(t.insert("000000000000006", 3), None);
        assert_eq!(t.insert("000000000000005", 4), Some(1));
        assert_eq!(t.insert("000000000000007", 5), Some(2));
        assert!(t.contains("000000000000006") && !t.contains("000000000000008"));
        let mut t = TraceMap::with_capacity(2);
        t.insert("000000000000003", ());
        t.insert("x", ());
        assert!(t.contains("000000000000003") && t.contains("x") && !t.contains("000000000000002"));
        let mut a = AccountMap::default();
        assert!(a.insert_new("231380104", "12", 1));
        assert!(a.insert_new("231380104", "12 ", 2));
        assert!(a.insert_new("23138010", "12", 3));
        assert!(a.insert_new("231380104", "123456789012345678", 4));
        assert!(!a.insert_new("231380104", "12", 5));
        assert_eq!(a.get("231380104", "12 "), Some(&2));
        assert_eq!(a.get("231380104", "123456789012345678"), Some(&4));
        let mut all: Vec<_> = a.iter().map(|(r, k, v)| (r, k, *v)).collect();
        all.sort();
        assert_eq!(all[0], ("23138010".into(), "12".into(), 3));
        assert_eq!(all[1], ("231380104".into(), "12".into(), 1));
    }
}
