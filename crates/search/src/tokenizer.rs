//! jieba for tantivy: one dictionary (jieba's own plus the campaign's terms), loaded once and
//! shared by every tokenizer clone.

use jieba_rs::{Jieba, TokenizeMode};
use std::sync::{Arc, OnceLock};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

fn dictionary() -> Arc<Jieba> {
    static JIEBA: OnceLock<Arc<Jieba>> = OnceLock::new();
    JIEBA
        .get_or_init(|| {
            let mut j = Jieba::new();
            for term in fupin_domain::policy::TERMS {
                // A high frequency keeps the term whole against the general dictionary's split.
                j.add_word(term, Some(100_000), None);
            }
            Arc::new(j)
        })
        .clone()
}

/// Whether a cut piece is a word to index or look up (not spaces or punctuation).
fn is_word(w: &str) -> bool {
    w.chars().any(char::is_alphanumeric)
}

/// The segmenter shared by the index and the queries.
#[derive(Clone)]
pub struct Segmenter {
    jieba: Arc<Jieba>,
}

impl Default for Segmenter {
    fn default() -> Self {
        Self::new()
    }
}

impl Segmenter {
    pub fn new() -> Segmenter {
        Segmenter { jieba: dictionary() }
    }

    /// The tokenizer documents are indexed with (search mode).
    pub fn index_tokenizer(&self) -> IndexTokenizer {
        IndexTokenizer { jieba: self.jieba.clone() }
    }

    /// A query's words (default mode), each with its character position.
    pub fn query_words(&self, text: &str) -> Vec<(usize, String)> {
        self.jieba
            .tokenize(text, TokenizeMode::Default, true)
            .into_iter()
            .filter(|t| is_word(t.word))
            .map(|t| (t.start, t.word.to_lowercase()))
            .collect()
    }

    /// A document's tokens as indexed (for tests and tools).
    pub fn index_words(&self, text: &str) -> Vec<(usize, String)> {
        self.jieba
            .tokenize(text, TokenizeMode::Search, true)
            .into_iter()
            .filter(|t| is_word(t.word))
            .map(|t| (t.start, t.word.to_lowercase()))
            .collect()
    }
}

#[derive(Clone)]
pub struct IndexTokenizer {
    jieba: Arc<Jieba>,
}

pub struct IndexTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl Tokenizer for IndexTokenizer {
    type TokenStream<'a> = IndexTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> IndexTokenStream {
        let tokens = self
            .jieba
            .tokenize(text, TokenizeMode::Search, true)
            .into_iter()
            .filter(|t| is_word(t.word))
            .map(|t| {
                let from = t.word.as_ptr() as usize - text.as_ptr() as usize;
                Token {
                    offset_from: from,
                    offset_to: from + t.word.len(),
                    position: t.start,
                    text: t.word.to_lowercase(),
                    position_length: t.end - t.start,
                }
            })
            .collect();
        IndexTokenStream { tokens, next: 0 }
    }
}

impl TokenStream for IndexTokenStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}
