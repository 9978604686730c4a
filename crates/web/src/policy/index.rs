//! Keeping the policies' search index in step with the store: rebuilt in the background when
//! its stamp is not the store's (first start, another process published), updated in place
//! after each publication, repeal or revision made here.

use crate::AppState;
use fupin_domain::policy::Policy;
use fupin_search::IndexedPolicy;
use fupin_store::{PolicyQuery, Store, StoreError};
use std::sync::Arc;

/// What the index holds of a document.
pub fn indexed(p: &Policy) -> IndexedPolicy {
    let date = |d: fupin_domain::id_number::Date| (d.year as u64) * 10_000 + (d.month as u64) * 100 + d.day as u64;
    IndexedPolicy {
        id: p.id.clone(),
        title: p.draft.title.clone(),
        doc_number: p.draft.doc_number.as_ref().map(|n| n.to_string()),
        body: p.draft.body.clone(),
        category: p.draft.category.code().to_string(),
        validity: p.validity.code().to_string(),
        level: p.level().as_str().to_string(),
        issuer: p.issuer_region.to_string(),
        published: p.published_on.map_or(0, date),
    }
}

/// Every published document as the index holds it, read in id order a thousand at a time.
pub fn published_docs(store: &dyn Store) -> Result<Vec<IndexedPolicy>, StoreError> {
    let mut docs = vec![];
    let mut after: Option<String> = None;
    loop {
        let batch = store.published_policies_after(after.as_deref(), 1000)?;
        let Some(last) = batch.last() else { break };
        after = Some(last.id.clone());
        docs.extend(batch.iter().map(indexed));
    }
    Ok(docs)
}

/// Rebuilds the index from the store if its stamp differs; returns the documents indexed (0
/// when it was current). Progress is kept in `state.index_rebuild` for the pages.
pub fn refresh(state: &AppState) -> Result<usize, StoreError> {
    let stamp = state.store.policy_stamp()?;
    if state.policy_index.stamp().as_deref() == Some(stamp.as_str()) {
        return Ok(0);
    }
    rebuild(state, &stamp)
}

/// Reads every published document and replaces the index with them.
fn rebuild(state: &AppState, stamp: &str) -> Result<usize, StoreError> {
    let store: &dyn Store = &*state.store;
    let total = store.policies(None, &PolicyQuery { per_page: 1, ..Default::default() })?.total as usize;
    *state.index_rebuild.lock().expect("not poisoned") = Some((0, total));
    let docs = published_docs(store)?;
    let result = state.policy_index.rebuild(docs, stamp, |n| {
        if n % 200 == 0 {
            *state.index_rebuild.lock().expect("not poisoned") = Some((n, total));
        }
    });
    *state.index_rebuild.lock().expect("not poisoned") = None;
    result.map_err(|e| StoreError::Db(e.to_string()))
}

pub fn refresh_in_background(state: &Arc<AppState>) {
    let st = state.clone();
    tokio::task::spawn_blocking(move || match refresh(&st) {
        Ok(0) => {}
        Ok(n) => tracing::info!(documents = n, "policy index rebuilt"),
        Err(e) => tracing::warn!(error = %e, "policy index rebuild failed"),
    });
}

/// After a change made here: the changed documents (those now public) replace theirs in the
/// index, stamped with the store's new stamp; anything else goes through a rebuild.
pub fn after_change(state: &AppState, ids: &[String]) {
    let store: &dyn Store = &*state.store;
    let docs: Vec<IndexedPolicy> = ids.iter().filter_map(|id| store.policy(None, id).ok()).map(|p| indexed(&p)).collect();
    let stamp = match store.policy_stamp() {
        Ok(s) => s,
        Err(e) => return tracing::warn!(error = %e, "policy stamp"),
    };
    if let Err(e) = state.policy_index.upsert(&docs, &stamp) {
        tracing::warn!(error = %e, "policy index update failed; rebuilding");
    } else {
        // An index that was behind before this change (another process published) is behind
        // still: its count says so.
        let published = store.policies(None, &PolicyQuery { per_page: 1, ..Default::default() }).map(|p| p.total as u64);
        if published.is_ok_and(|n| n == state.policy_index.len()) {
            return;
        }
    }
    if let Err(e) = rebuild(state, &stamp) {
        tracing::warn!(error = %e, "policy index rebuild failed");
    }
}
