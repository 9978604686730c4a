//! Chinese full-text search of the published policies. The database is the source of truth;
//! this index is derived from it, kept beside the data (or in memory), updated on publication
//! and rebuilt when missing or stale (its stamp differs from the store's `policy_stamp`).
//!
//! Words are cut by jieba with the campaign's terms added (`fupin_domain::policy::TERMS`), so
//! 雨露计划 or 两不愁三保障 are one word. Documents are indexed in jieba's search mode (whole words
//! and the dictionary words inside them, at their character positions), queries in its default
//! mode (whole words only): every query word is then a token of the document at the same
//! character position, so a quoted phrase matches exactly that phrase and nothing looser.
//! A 文号 in the query is looked up exactly.

mod tokenizer;

use fupin_domain::policy::DocNumber;
use std::ops::Bound;
use std::path::Path;
use std::sync::Mutex;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, INDEXED, STORED, STRING};
use tantivy::snippet::SnippetGenerator;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};
pub use tokenizer::Segmenter;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index directory: {0}")]
    Directory(String),
    #[error("search index stamp: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T> = std::result::Result<T, SearchError>;

/// What the index holds of a published policy.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexedPolicy {
    pub id: String,
    pub title: String,
    pub doc_number: Option<String>,
    pub body: String,
    /// Codes: 主题分类, 有效性, and the issuing level (`province`, `city`, `county`).
    pub category: String,
    pub validity: String,
    pub level: String,
    /// The issuing region's code.
    pub issuer: String,
    /// 发布日期 as YYYYMMDD.
    pub published: u64,
}

/// A search: words and quoted phrases (all must match), or a 文号; optional filters by code.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    pub text: String,
    pub category: Option<String>,
    pub validity: Option<String>,
    pub level: Option<String>,
    pub issuer: Option<String>,
    /// Issued by any of these regions (a region and those above it: what applies to it).
    pub issuer_any: Vec<String>,
    /// 发布日期 from and to, inclusive, as YYYYMMDD.
    pub from: Option<u64>,
    pub to: Option<u64>,
    pub offset: usize,
    pub limit: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: String,
    pub score: f32,
    /// HTML: the text escaped, matched words in `<b>`.
    pub title_html: String,
    pub snippet_html: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchResult {
    pub total: usize,
    pub hits: Vec<Hit>,
}

struct Fields {
    id: Field,
    title: Field,
    body: Field,
    doc_number: Field,
    category: Field,
    validity: Field,
    level: Field,
    issuer: Field,
    published: Field,
}

pub struct PolicyIndex {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    segmenter: Segmenter,
    /// Where the stamp is kept (none for an index in memory).
    stamp_file: Option<std::path::PathBuf>,
    stamp_in_ram: Mutex<Option<String>>,
}

const INDEX_TOKENIZER: &str = "jieba_index";
const WRITER_HEAP: usize = 50_000_000;

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(INDEX_TOKENIZER).set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        title: b.add_text_field("title", text.clone()),
        body: b.add_text_field("body", text),
        doc_number: b.add_text_field("doc_number", STRING | STORED),
        category: b.add_text_field("category", STRING),
        validity: b.add_text_field("validity", STRING),
        level: b.add_text_field("level", STRING),
        issuer: b.add_text_field("issuer", STRING),
        published: b.add_u64_field("published", INDEXED),
    };
    (b.build(), fields)
}

impl PolicyIndex {
    /// Opens the index in `dir`, creating it (empty, no stamp) if absent or unreadable by this
    /// version.
    pub fn open(dir: &Path) -> Result<PolicyIndex> {
        std::fs::create_dir_all(dir)?;
        let (schema, fields) = schema();
        let mmap = tantivy::directory::MmapDirectory::open(dir).map_err(|e| SearchError::Directory(e.to_string()))?;
        let stamp_file = dir.join("fupin-stamp");
        let index = match Index::open_or_create(mmap, schema.clone()) {
            Ok(i) => i,
            // An index of another schema: start again (it is derived; a rebuild refills it).
            Err(_) => {
                std::fs::remove_dir_all(dir)?;
                std::fs::create_dir_all(dir)?;
                let mmap = tantivy::directory::MmapDirectory::open(dir).map_err(|e| SearchError::Directory(e.to_string()))?;
                Index::create(mmap, schema, Default::default())?
            }
        };
        Self::with(index, fields, Some(stamp_file))
    }

    /// An index in memory (tests, and a server whose data directory is not writable).
    pub fn in_ram() -> Result<PolicyIndex> {
        let (schema, fields) = schema();
        Self::with(Index::create_in_ram(schema), fields, None)
    }

    fn with(index: Index, fields: Fields, stamp_file: Option<std::path::PathBuf>) -> Result<PolicyIndex> {
        let segmenter = Segmenter::new();
        index.tokenizers().register(INDEX_TOKENIZER, segmenter.index_tokenizer());
        let writer = index.writer_with_num_threads(1, WRITER_HEAP)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(PolicyIndex { reader, writer: Mutex::new(writer), fields, segmenter, stamp_file, stamp_in_ram: Mutex::new(None) })
    }

    /// The store's stamp the index was last brought up to; None when never built.
    pub fn stamp(&self) -> Option<String> {
        match &self.stamp_file {
            Some(f) => std::fs::read_to_string(f).ok().map(|s| s.trim().to_string()),
            None => self.stamp_in_ram.lock().expect("stamp").clone(),
        }
    }

    fn set_stamp(&self, stamp: &str) -> Result<()> {
        match &self.stamp_file {
            Some(f) => std::fs::write(f, stamp)?,
            None => *self.stamp_in_ram.lock().expect("stamp") = Some(stamp.to_string()),
        }
        Ok(())
    }

    /// Documents indexed.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn document(&self, p: &IndexedPolicy) -> TantivyDocument {
        let f = &self.fields;
        let mut d = TantivyDocument::default();
        d.add_text(f.id, &p.id);
        d.add_text(f.title, &p.title);
        d.add_text(f.body, &p.body);
        if let Some(n) = &p.doc_number {
            d.add_text(f.doc_number, n);
        }
        d.add_text(f.category, &p.category);
        d.add_text(f.validity, &p.validity);
        d.add_text(f.level, &p.level);
        d.add_text(f.issuer, &p.issuer);
        d.add_u64(f.published, p.published);
        d
    }

    /// Replaces the whole index with `docs` and records `stamp`; `progress(n)` after each
    /// document.
    pub fn rebuild(&self, docs: impl IntoIterator<Item = IndexedPolicy>, stamp: &str, progress: impl Fn(usize)) -> Result<usize> {
        let mut w = self.writer.lock().expect("writer");
        w.delete_all_documents()?;
        let mut n = 0;
        for p in docs {
            w.add_document(self.document(&p))?;
            n += 1;
            progress(n);
        }
        w.commit()?;
        self.reader.reload()?;
        self.set_stamp(stamp)?;
        Ok(n)
    }

    /// Adds or replaces the documents (after a publication, repeal or revision) and records
    /// the store's new stamp.
    pub fn upsert(&self, docs: &[IndexedPolicy], stamp: &str) -> Result<()> {
        let mut w = self.writer.lock().expect("writer");
        for p in docs {
            w.delete_term(Term::from_field_text(self.fields.id, &p.id));
            w.add_document(self.document(p))?;
        }
        w.commit()?;
        self.reader.reload()?;
        self.set_stamp(stamp)
    }

    /// The query: a 文号 exactly; else every word and quoted phrase in the title or the body
    /// (the title weighs three times more), with the filters.
    fn query(&self, q: &SearchQuery) -> Box<dyn Query> {
        let f = &self.fields;
        let mut must: Vec<(Occur, Box<dyn Query>)> = vec![];
        let text = q.text.trim();
        if let Ok(n) = DocNumber::parse(text) {
            must.push((
                Occur::Must,
                Box::new(TermQuery::new(Term::from_field_text(f.doc_number, &n.to_string()), IndexRecordOption::Basic)),
            ));
        } else {
            for part in parts(text) {
                let words = self.segmenter.query_words(&part.text);
                if words.is_empty() {
                    continue;
                }
                let groups: Vec<Vec<(usize, String)>> =
                    if part.phrase { vec![words] } else { words.into_iter().map(|w| vec![(0, w.1)]).collect() };
                for group in groups {
                    let in_field = |field: Field| -> Box<dyn Query> {
                        if group.len() == 1 {
                            Box::new(TermQuery::new(Term::from_field_text(field, &group[0].1), IndexRecordOption::WithFreqsAndPositions))
                        } else {
                            let terms: Vec<(usize, Term)> = group.iter().map(|(pos, w)| (*pos, Term::from_field_text(field, w))).collect();
                            Box::new(PhraseQuery::new_with_offset(terms))
                        }
                    };
                    let either: Vec<(Occur, Box<dyn Query>)> =
                        vec![(Occur::Should, Box::new(BoostQuery::new(in_field(f.title), 3.0))), (Occur::Should, in_field(f.body))];
                    must.push((Occur::Must, Box::new(BooleanQuery::new(either))));
                }
            }
        }
        // Filters narrow what the words found; alone they find nothing (the store lists).
        if must.is_empty() {
            return Box::new(BooleanQuery::new(vec![]));
        }
        for (field, value) in [(f.category, &q.category), (f.validity, &q.validity), (f.level, &q.level), (f.issuer, &q.issuer)] {
            if let Some(v) = value {
                must.push((Occur::Must, Box::new(TermQuery::new(Term::from_field_text(field, v), IndexRecordOption::Basic))));
            }
        }
        if !q.issuer_any.is_empty() {
            let any: Vec<(Occur, Box<dyn Query>)> = q
                .issuer_any
                .iter()
                .map(|r| {
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(Term::from_field_text(f.issuer, r), IndexRecordOption::Basic)) as Box<dyn Query>,
                    )
                })
                .collect();
            must.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        if q.from.is_some() || q.to.is_some() {
            let bound = |v: Option<u64>| v.map_or(Bound::Unbounded, |v| Bound::Included(Term::from_field_u64(f.published, v)));
            must.push((Occur::Must, Box::new(RangeQuery::new(bound(q.from), bound(q.to)))));
        }
        Box::new(BooleanQuery::new(must))
    }

    /// Ranked hits with highlighted title and snippet. A query without words finds nothing:
    /// listing by filters alone is the store's job.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResult> {
        let query = self.query(q);
        if query.as_any().downcast_ref::<BooleanQuery>().is_some_and(|b| b.clauses().is_empty()) {
            return Ok(SearchResult::default());
        }
        let searcher = self.reader.searcher();
        let limit = q.limit.clamp(1, 100);
        let (total, top) = searcher.search(&query, &(Count, TopDocs::with_limit(limit).and_offset(q.offset).order_by_score()))?;
        let body_snippets = SnippetGenerator::create(&searcher, &*query, self.fields.body)?;
        let mut title_snippets = SnippetGenerator::create(&searcher, &*query, self.fields.title)?;
        title_snippets.set_max_num_chars(400);
        // The words to look for in a text, to cut the window its snippet comes from: a long
        // document (the provincial policy is 25,000 characters) is not segmented whole per hit.
        let words: Vec<String> = parts(q.text.trim()).iter().flat_map(|p| self.segmenter.query_words(&p.text)).map(|w| w.1).collect();
        let mut hits = vec![];
        for (score, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let text = |f: Field| doc.get_first(f).and_then(|v| v.as_str()).unwrap_or_default().to_string();
            let id = text(self.fields.id);
            let title = title_snippets.snippet(&text(self.fields.title));
            let title_html = if title.fragment().is_empty() { escape(&text(self.fields.title)) } else { title.to_html() };
            let body = text(self.fields.body);
            let snippet_html = body_snippets.snippet(window(&body, &words)).to_html();
            hits.push(Hit { id, score, title_html, snippet_html });
        }
        Ok(SearchResult { total, hits })
    }
}

/// A quoted phrase (“…” or "…") or the words between them.
struct Part {
    text: String,
    phrase: bool,
}

fn parts(text: &str) -> Vec<Part> {
    let mut out = vec![];
    let mut cur = String::new();
    let mut quoted = false;
    for c in text.chars() {
        if matches!(c, '"' | '“' | '”') {
            if !cur.trim().is_empty() {
                out.push(Part { text: std::mem::take(&mut cur), phrase: quoted });
            }
            cur.clear();
            quoted = !quoted;
        } else {
            cur.push(c);
        }
    }
    if !cur.trim().is_empty() {
        out.push(Part { text: cur, phrase: quoted });
    }
    out
}

/// The part of `text` around the first of `words` found in it (its opening if none is):
/// SNIPPET_WINDOW characters, a third of them before the word.
fn window<'a>(text: &'a str, words: &[String]) -> &'a str {
    let at = words.iter().filter_map(|w| text.find(w.as_str())).min().unwrap_or(0);
    let start = text[..at].char_indices().rev().nth(SNIPPET_WINDOW / 3).map_or(0, |(i, _)| i);
    let end = text[at..].char_indices().nth(SNIPPET_WINDOW * 2 / 3).map_or(text.len(), |(i, _)| at + i);
    &text[start..end]
}

const SNIPPET_WINDOW: usize = 360;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests;
