//! Uploaded files' bytes, kept once per content by their SHA-256 in `files`, for every function
//! (a policy's attachments, a delivery's photos). What a function records about a file (its name,
//! type, who may read it) stays in that function's tables; this holds only the bytes.

use crate::core::db::Tx;
use crate::{Result, StoreError};
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The SHA-256 (hex) of `bytes`, the key they are kept under.
pub fn digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Keeps `bytes` (once: a second upload of the same content adds nothing) and returns their key.
pub fn put(tx: &mut dyn Tx, bytes: &[u8]) -> Result<String> {
    let sha = digest(bytes);
    if tx.query_one("SELECT sha256 FROM files WHERE sha256 = $1", &[sha.as_str().into()])?.is_none() {
        let data = base64::engine::general_purpose::STANDARD.encode(bytes);
        tx.exec("INSERT INTO files (sha256, data) VALUES ($1, $2)", &[sha.as_str().into(), data.into()])?;
    }
    Ok(sha)
}

/// The bytes kept under `sha`, checked against it: what is served is what was uploaded.
pub fn get(tx: &mut dyn Tx, sha: &str) -> Result<Vec<u8>> {
    let row = tx.query_one("SELECT data FROM files WHERE sha256 = $1", &[sha.into()])?;
    let text = row.ok_or_else(|| StoreError::Corrupt(format!("files ({sha}): missing")))?.text(0)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.as_bytes())
        .map_err(|e| StoreError::Corrupt(format!("files ({sha}): {e}")))?;
    if digest(&bytes) != sha {
        return Err(StoreError::Corrupt(format!("files ({sha}): the bytes do not match their SHA-256")));
    }
    Ok(bytes)
}
