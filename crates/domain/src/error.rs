//! Validation errors with a stable code and a message in Chinese for users.

/// A rule was broken. `code` is stable (clients match on it); `message` is for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct DomainError {
    pub code: &'static str,
    pub message: String,
}

impl DomainError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        DomainError { code, message: message.into() }
    }
}
