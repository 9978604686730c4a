//! Uploads: a file is kept under a clean name and served as the type its first bytes bear out,
//! never as what its name merely claims.

use crate::DomainError;

/// A kind of file: its extensions, content type, and the bytes a file of that kind begins with.
pub type Kind = (&'static [&'static str], &'static str, &'static [u8]);

const PDF: Kind = (&["pdf"], "application/pdf", b"%PDF-");
const DOCX: Kind = (&["docx"], "application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04");
const DOC: Kind = (&["doc"], "application/msword", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
const PNG: Kind = (&["png"], "image/png", b"\x89PNG\r\n\x1A\n");
const JPEG: Kind = (&["jpg", "jpeg"], "image/jpeg", b"\xFF\xD8\xFF");

/// What a document may carry (a policy's attachments).
pub const DOCUMENTS: &[Kind] = &[PDF, DOCX, DOC, PNG, JPEG];
/// Photos (a delivery's evidence).
pub const IMAGES: &[Kind] = &[PNG, JPEG];

/// An upload's name as kept (no folders, no control characters, at most 100 characters) and its
/// content type, which must be one of `kinds` and which its first bytes must bear out; at most
/// `max` bytes. `kinds_message` says, in Chinese, what is allowed.
pub fn check(name: &str, bytes: &[u8], kinds: &[Kind], max: usize, kinds_message: &str) -> Result<(String, &'static str), DomainError> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let clean: String = base.chars().filter(|c| !c.is_control()).collect();
    if clean.is_empty() || clean.chars().count() > 100 {
        return Err(DomainError::new("attachment.name", "附件文件名不能为空，最多100字"));
    }
    if bytes.is_empty() {
        return Err(DomainError::new("attachment.empty", "附件是空文件"));
    }
    if bytes.len() > max {
        return Err(DomainError::new("attachment.size", format!("附件不能超过{} MB", max / 1024 / 1024)));
    }
    let ext = clean.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let Some((_, content_type, magic)) = kinds.iter().find(|(exts, ..)| exts.contains(&ext.as_str())) else {
        return Err(DomainError::new("attachment.type", kinds_message.to_string()));
    };
    if !bytes.starts_with(magic) {
        return Err(DomainError::new("attachment.content", format!("文件“{clean}”的内容不是它的扩展名所说的格式")));
    }
    Ok((clean, content_type))
}
