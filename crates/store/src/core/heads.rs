//! 接受社会监督: the ledger's chain heads (each chain's last sequence number and hash), signed
//! with the platform's Ed25519 key, for anyone to download and keep. Because every event's hash
//! covers the one before it, a later ledger extends a published file exactly when its chains
//! are intact and each published head is still the event at that place: a rewrite of history
//! after a publication is caught by anyone who kept an older file, not only by the operators.

use crate::core::db::Tx;
use crate::{Result, StoreError};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// One chain's last event: a county's (or the province's, a city's) chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Head {
    pub chain: String,
    pub seq: i64,
    pub hash: String,
}

/// The file the portal publishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedHeads {
    pub platform: String,
    /// The business date of the publication.
    pub date: String,
    pub heads: Vec<Head>,
    /// The platform's Ed25519 public key, hex (also shown on the portal).
    pub public_key: String,
    /// Ed25519 over `message()`: the platform, the date and the heads as compact JSON.
    pub signature: String,
}

const PLATFORM: &str = "fupin 精准扶贫大数据平台";
const KEY_META: &str = "ledger_signing_key";

fn message(platform: &str, date: &str, heads: &[Head]) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({"platform": platform, "date": date, "heads": heads})).expect("plain data serializes")
}

fn decode_key(v: &str) -> Result<SigningKey> {
    let seed: [u8; 32] = hex::decode(v)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| StoreError::Corrupt(format!("meta ({KEY_META}): not 32 hex bytes")))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// The platform's key, if it has one (kept in the database's meta: the operators' side, which
/// no API reads).
pub fn existing_key(tx: &mut dyn Tx) -> Result<Option<SigningKey>> {
    tx.query_one("SELECT value FROM meta WHERE key = $1", &[KEY_META.into()])?.map(|r| decode_key(r.str(0)?)).transpose()
}

/// The platform's key, made on first use; two first uses at once keep the first key written.
pub fn signing_key(tx: &mut dyn Tx) -> Result<SigningKey> {
    if let Some(k) = existing_key(tx)? {
        return Ok(k);
    }
    let seed: [u8; 32] = rand::rng().random();
    tx.exec("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", &[KEY_META.into(), hex::encode(seed).into()])?;
    existing_key(tx)?.ok_or(StoreError::NotFound)
}

pub fn heads(tx: &mut dyn Tx) -> Result<Vec<Head>> {
    tx.query("SELECT county_code, seq, hash FROM chain_heads ORDER BY county_code", &[])?
        .iter()
        .map(|r| Ok(Head { chain: r.text(0)?, seq: r.int(1)?, hash: r.text(2)? }))
        .collect()
}

pub fn sign(key: &SigningKey, date: &str, heads: Vec<Head>) -> SignedHeads {
    let signature = key.sign(&message(PLATFORM, date, &heads));
    SignedHeads {
        platform: PLATFORM.to_string(),
        date: date.to_string(),
        heads,
        public_key: hex::encode(key.verifying_key().to_bytes()),
        signature: hex::encode(signature.to_bytes()),
    }
}

/// Whether `file` was signed by the key it names (and, when given, that key is `trusted`).
pub fn signature_holds(file: &SignedHeads, trusted: Option<&str>) -> std::result::Result<(), String> {
    if trusted.is_some_and(|t| !t.trim().eq_ignore_ascii_case(&file.public_key)) {
        return Err("文件的公钥不是平台公布的公钥".into());
    }
    let key: [u8; 32] = hex::decode(&file.public_key).ok().and_then(|b| b.try_into().ok()).ok_or("公钥格式错误")?;
    let sig: [u8; 64] = hex::decode(&file.signature).ok().and_then(|b| b.try_into().ok()).ok_or("签名格式错误")?;
    let key = VerifyingKey::from_bytes(&key).map_err(|_| "公钥无效".to_string())?;
    key.verify(&message(&file.platform, &file.date, &file.heads), &Signature::from_bytes(&sig))
        .map_err(|_| "签名不符：文件被改动过，或不是本平台签发".to_string())
}

/// The first published head the ledger no longer holds: `(chain, why)`.
pub fn first_departure(tx: &mut dyn Tx, file: &SignedHeads) -> Result<Option<(String, String)>> {
    for h in &file.heads {
        let now = tx.query_one("SELECT hash FROM ledger WHERE county_code = $1 AND seq = $2", &[h.chain.as_str().into(), h.seq.into()])?;
        match now.map(|r| r.text(0)).transpose()? {
            Some(hash) if hash == h.hash => {}
            Some(_) => return Ok(Some((h.chain.clone(), format!("第{}号事件的哈希与公布时不同：历史被改写", h.seq)))),
            None => return Ok(Some((h.chain.clone(), format!("公布时的第{}号事件已不存在：历史被删改", h.seq)))),
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> (SigningKey, SignedHeads) {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let heads = vec![Head { chain: "371521".into(), seq: 12, hash: "ab".repeat(32) }];
        let f = sign(&key, "2017-06-30", heads);
        (key, f)
    }

    #[test]
    fn a_signed_file_verifies_and_any_change_breaks_it() {
        let (_, f) = file();
        assert_eq!(signature_holds(&f, None), Ok(()));
        assert_eq!(signature_holds(&f, Some(&f.public_key.to_uppercase())), Ok(()));
        let mut moved = f.clone();
        moved.heads[0].seq = 11;
        assert!(signature_holds(&moved, None).unwrap_err().contains("签名不符"));
        let mut redated = f.clone();
        redated.date = "2017-07-01".into();
        assert!(signature_holds(&redated, None).is_err());
        let other = sign(&SigningKey::from_bytes(&[8u8; 32]), &f.date, f.heads.clone());
        assert!(signature_holds(&other, Some(&f.public_key)).unwrap_err().contains("公钥"));
    }
}
