//! How keys, values and invalidations are laid out in Redis.
//!
//! Keys and values are postcard-encoded. A Redis key is the namespace, a
//! `:`, then the postcard bytes of the key. A value is a two-byte tag, then
//! its postcard bytes, which must be consumed exactly: a value another
//! program or another layout wrote fails the tag or the length check far
//! more often than it decodes by accident. An invalidation message is the
//! publishing tier's 8-byte id, then the postcard bytes of the key.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::Error;

/// The first bytes of every value the tier writes.
const TAG: [u8; 2] = *b"L1";

pub(super) fn encode_key<K: Serialize>(namespace: &str, key: &K) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(namespace.len() + 1 + 16);
    out.extend_from_slice(namespace.as_bytes());
    out.push(b':');
    postcard::to_extend(key, out).map_err(|e| Error::Encode(format!("key: {e}")))
}

pub(super) fn encode_value<V: Serialize>(value: &V) -> Result<Vec<u8>, Error> {
    postcard::to_extend(value, TAG.to_vec()).map_err(|e| Error::Encode(format!("value: {e}")))
}

/// The value, or `None` when `bytes` are not a whole value the tier wrote.
pub(super) fn decode_value<V: DeserializeOwned>(bytes: &[u8]) -> Option<V> {
    let body = bytes.strip_prefix(&TAG)?;
    match postcard::take_from_bytes::<V>(body) {
        Ok((v, [])) => Some(v),
        _ => None,
    }
}

pub(super) fn encode_invalidation<K: Serialize>(origin: u64, key: &K) -> Result<Vec<u8>, Error> {
    postcard::to_extend(key, origin.to_le_bytes().to_vec())
        .map_err(|e| Error::Encode(format!("key: {e}")))
}

/// The publisher's id and the key, or `None` for a message the tier did not
/// write.
pub(super) fn decode_invalidation<K: DeserializeOwned>(bytes: &[u8]) -> Option<(u64, K)> {
    let (origin, key) = bytes.split_first_chunk::<8>()?;
    match postcard::take_from_bytes::<K>(key) {
        Ok((k, [])) => Some((u64::from_le_bytes(*origin), k)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_garbage() {
        let v = encode_value(&("ann".to_owned(), 7u32)).unwrap();
        assert_eq!(
            decode_value::<(String, u32)>(&v),
            Some(("ann".to_owned(), 7))
        );
        assert_eq!(decode_value::<u64>(b"garbage"), None);
        assert_eq!(decode_value::<u8>(&encode_value(&300u32).unwrap()), None);
        // Trailing bytes are another layout, not this value.
        assert_eq!(decode_value::<u8>(&[b'L', b'1', 1, 2]), None);
        assert_eq!(encode_key("users", &7u64).unwrap(), b"users:\x07");
        let m = encode_invalidation(9, &"k".to_owned()).unwrap();
        assert_eq!(decode_invalidation::<String>(&m), Some((9, "k".to_owned())));
        assert_eq!(decode_invalidation::<String>(b"short"), None);
    }
}
