//! A compact glob matcher that runs inside the adapters.
//!
//! The composer validates every glob with `globset` (so users get its error messages and its
//! syntax) and compiles it into [`Pattern`]s: a few tokens that this module matches without a
//! regex engine. globset's regex engine would add about 500 KB to every adapter that filters
//! names; this matcher adds a few KB. `tests/glob_equivalence.rs` checks that both agree.

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// How `*`, `?` and classes treat `/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Separator {
    /// Names without structure (environment variables): `*` matches any character.
    None,
    /// Paths: `*`, `?` and classes never match `/`; `**` crosses directories.
    Slash,
}

/// One element of a compiled glob.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Token {
    /// These exact characters.
    Literal(String),
    /// `?`: one character.
    AnyChar,
    /// `*`: any run of characters (not crossing `/` for paths).
    Star,
    /// `**/` at the start: zero or more leading directories.
    RecursivePrefix,
    /// `/**` at the end: everything below, at any depth.
    RecursiveSuffix,
    /// `/**/` in the middle: one `/`, or zero or more directories between two slashes.
    RecursiveMiddle,
    /// `**` as the whole glob: everything.
    Everything,
    /// `[...]` or `[!...]`: one character in (or not in) the inclusive ranges.
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

/// One alternative of a glob after `{a,b}` alternations were expanded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pattern {
    pub tokens: Vec<Token>,
}

/// A set of globs: matches if any of its patterns matches. Keeps the globs' source text so that
/// `interpose inspect` can show what was baked in.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GlobList {
    pub sources: Vec<String>,
    pub patterns: Vec<Pattern>,
    pub separator: Option<Separator>,
    /// Patterns were case-folded when compiled ([`compile::fold_patterns`]); inputs are folded
    /// with [`fold_case`] before matching.
    pub case_insensitive: bool,
}

/// Case folding for case-insensitive matching, character by character and without context:
/// upper case, then lower case (`ſ`→`s`, `ı`→`i`, `ς` and `Σ`→`σ`, `ß`→`ss`), so that the
/// spellings a case-insensitive filesystem treats as one name fold to one string. Both globs and
/// inputs are folded with it.
pub fn fold_case(text: &str) -> String {
    if text.is_ascii() {
        // The common case, and the same result: ASCII folds to ASCII lower case.
        return text.to_ascii_lowercase();
    }
    text.chars()
        .flat_map(char::to_uppercase)
        .flat_map(char::to_lowercase)
        .collect()
}

impl GlobList {
    /// This list, matching case-insensitively (see [`fold_case`]).
    #[cfg(feature = "native")]
    pub fn case_insensitive(mut self) -> GlobList {
        self.patterns = compile::fold_patterns(self.patterns);
        self.case_insensitive = true;
        self
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    pub fn is_match(&self, input: &str) -> bool {
        self.is_match_folded(&self.fold(input))
    }

    /// [`GlobList::is_match`] for an input already passed through [`GlobList::fold`], so that a
    /// caller matching many prefixes of one path lowercases it once.
    pub fn is_match_folded(&self, folded: &str) -> bool {
        let sep = self.separator.unwrap_or(Separator::None);
        self.patterns.iter().any(|p| p.is_match(folded, sep))
    }

    /// `input` as this list matches it: case-folded if the list is case-insensitive.
    pub fn fold<'a>(&self, input: &'a str) -> alloc::borrow::Cow<'a, str> {
        if self.case_insensitive {
            alloc::borrow::Cow::Owned(fold_case(input))
        } else {
            alloc::borrow::Cow::Borrowed(input)
        }
    }
}

impl Pattern {
    pub fn is_match(&self, input: &str, sep: Separator) -> bool {
        self.may_match(input)
            && match_tokens(&self.tokens, input.as_bytes(), sep == Separator::Slash)
    }

    /// A cheap necessary condition: a match starts with the pattern's leading literal, ends with
    /// its trailing one, and contains every literal. Most patterns of a policy do not match a
    /// given path, and this rejects most of them (`**/*.pem`, `/data/src/**`) without the
    /// backtracking matcher.
    fn may_match(&self, input: &str) -> bool {
        fn literal(token: Option<&Token>) -> Option<&str> {
            match token {
                Some(Token::Literal(text)) => Some(text),
                _ => None,
            }
        }
        literal(self.tokens.first()).is_none_or(|prefix| input.starts_with(prefix))
            && literal(self.tokens.last()).is_none_or(|suffix| input.ends_with(suffix))
            && self
                .tokens
                .iter()
                .all(|token| literal(Some(token)).is_none_or(|text| input.contains(text)))
    }
}

/// Where the matches of a path pattern can lie: what [`crate::fs::FsRules`] needs to tell
/// whether moving a directory changes what the pattern decides for anything below it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach<'a> {
    /// Decided by a path's last component alone, wherever it is (`**/*.pem`, `**`).
    Name,
    /// Exactly this path.
    Exact(&'a str),
    /// This path and everything below it (`/data/secret/**`).
    Tree(&'a str),
    /// Only paths that start with this text (possibly empty: anywhere).
    Prefix(&'a str),
}

/// What a pattern matches strictly below a directory ([`Reach::below`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Below {
    Nothing,
    Everything,
    /// Some paths, or unknown: the pattern may decide paths below differently.
    Some,
}

impl Reach<'_> {
    /// What the pattern matches strictly below the directory `dir` (normalised, folded as the
    /// pattern is). Sound, not exact: [`Below::Some`] when unsure. For [`Reach::Name`] it is
    /// always [`Below::Some`].
    pub fn below(self, dir: &str) -> Below {
        let below = if dir.ends_with('/') {
            alloc::borrow::Cow::Borrowed(dir)
        } else {
            alloc::borrow::Cow::Owned(alloc::format!("{dir}/"))
        };
        let some = |yes: bool| if yes { Below::Some } else { Below::Nothing };
        match self {
            Reach::Name => Below::Some,
            Reach::Exact(path) => some(path.starts_with(&*below)),
            Reach::Tree(root) if is_path_prefix(root, below.trim_end_matches('/')) => {
                Below::Everything
            }
            Reach::Tree(root) => some(root.starts_with(&*below)),
            Reach::Prefix(text) => some(text.starts_with(&*below) || below.starts_with(text)),
        }
    }
}

/// Whether `prefix` is `path` or one of its parent directories (both normalised).
pub fn is_path_prefix(prefix: &str, path: &str) -> bool {
    prefix == "/"
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

impl Pattern {
    /// Where this pattern's matches can lie (for paths).
    pub fn reach(&self) -> Reach<'_> {
        let crosses = |token: &Token| match token {
            Token::Literal(text) => text.contains('/'),
            Token::RecursivePrefix
            | Token::RecursiveSuffix
            | Token::RecursiveMiddle
            | Token::Everything => true,
            Token::AnyChar | Token::Star | Token::Class { .. } => false,
        };
        match self.tokens.as_slice() {
            [Token::Everything] => Reach::Name,
            [Token::RecursivePrefix, rest @ ..]
                if !rest.is_empty() && !rest.iter().any(crosses) =>
            {
                Reach::Name
            }
            [Token::Literal(path)] => Reach::Exact(path),
            [Token::Literal(path), Token::RecursiveSuffix] => Reach::Tree(path),
            [Token::Literal(text), ..] => Reach::Prefix(text),
            _ => Reach::Prefix(""),
        }
    }
}

/// Decodes the character starting at `input[0]`; `input` always starts on a char boundary because
/// it is a suffix of a `&str` cut at boundaries.
fn first_char(input: &[u8]) -> Option<(char, usize)> {
    let len = match *input.first()? {
        b if b < 0x80 => 1,
        b if b >= 0xF0 => 4,
        b if b >= 0xE0 => 3,
        _ => 2,
    };
    let s = core::str::from_utf8(input.get(..len)?).ok()?;
    s.chars().next().map(|c| (c, len))
}

fn match_tokens(tokens: &[Token], input: &[u8], slash: bool) -> bool {
    let Some((token, rest)) = tokens.split_first() else {
        return input.is_empty();
    };
    match token {
        Token::Literal(lit) => input
            .strip_prefix(lit.as_bytes())
            .is_some_and(|after| match_tokens(rest, after, slash)),
        Token::AnyChar => match first_char(input) {
            Some((c, len)) if !(slash && c == '/') => match_tokens(rest, &input[len..], slash),
            _ => false,
        },
        Token::Class { negated, ranges } => match first_char(input) {
            Some((c, len)) if !(slash && c == '/') => {
                let inside = ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi);
                inside != *negated && match_tokens(rest, &input[len..], slash)
            }
            _ => false,
        },
        Token::Star => {
            // Try every split point from the shortest match; stop at `/` for paths.
            let mut at = 0;
            loop {
                if match_tokens(rest, &input[at..], slash) {
                    return true;
                }
                match first_char(&input[at..]) {
                    Some((c, len)) if !(slash && c == '/') => at += len,
                    _ => return false,
                }
            }
        }
        Token::Everything => true,
        Token::RecursivePrefix => {
            // Zero or more `dir/` components: retry after every `/`.
            (0..=input.len())
                .filter(|&i| i == 0 || input[i - 1] == b'/')
                .any(|i| match_tokens(rest, &input[i..], slash))
        }
        Token::RecursiveSuffix => input.first() == Some(&b'/'),
        Token::RecursiveMiddle => {
            input.first() == Some(&b'/')
                && (1..=input.len())
                    .filter(|&i| input[i - 1] == b'/')
                    .any(|i| match_tokens(rest, &input[i..], slash))
        }
    }
}

/// Compiling glob text into patterns: only the composer does this, so adapters do not carry it.
#[cfg(feature = "native")]
pub mod compile {
    use super::*;

    /// Makes compiled patterns case-insensitive: literals are folded with [`fold_case`], and each
    /// class gains the folded form of every character it holds, so that they match inputs
    /// folded the same way. (Folding the glob's text instead would change its meaning: `[A-z]`
    /// would become `[a-z]`, and `[Z-a]` an invalid range.)
    pub fn fold_patterns(patterns: Vec<Pattern>) -> Vec<Pattern> {
        patterns
            .into_iter()
            .map(|pattern| Pattern {
                tokens: pattern.tokens.into_iter().map(fold_token).collect(),
            })
            .collect()
    }

    /// Classes larger than this keep their ranges as they are, plus the folds of their ends.
    const MAX_FOLDED_CLASS: u32 = 0x1_0000;

    fn fold_token(token: Token) -> Token {
        match token {
            Token::Literal(text) => Token::Literal(fold_case(&text)),
            Token::Class { negated, ranges } => {
                let mut folded = ranges.clone();
                for (lo, hi) in ranges {
                    let members: Vec<char> = if (hi as u32) - (lo as u32) < MAX_FOLDED_CLASS {
                        (lo..=hi).collect()
                    } else {
                        vec![lo, hi]
                    };
                    for c in members {
                        let mut buf = [0u8; 4];
                        let fold = fold_case(c.encode_utf8(&mut buf));
                        // A fold of several characters (`ß`→`ss`) cannot be one class member.
                        let mut chars = fold.chars();
                        if let (Some(f), None) = (chars.next(), chars.next())
                            && f != c
                        {
                            folded.push((f, f));
                        }
                    }
                }
                Token::Class {
                    negated,
                    ranges: folded,
                }
            }
            other => other,
        }
    }

    /// The most alternatives one glob may expand to, so that `{a,b}{c,d}...` cannot explode.
    pub const MAX_ALTERNATIVES: usize = 256;

    /// Parses `glob` into alternatives. `globset` has already accepted it; the errors here are
    /// for the few constructs globset accepts that this matcher does not implement.
    pub fn compile(glob: &str, sep: Separator) -> Result<Vec<Pattern>, String> {
        let chars: Vec<char> = glob.chars().collect();
        let mut alternatives = Vec::new();
        for expanded in expand_alternates(&chars)? {
            alternatives.push(Pattern {
                tokens: tokenize(&expanded, sep)?,
            });
        }
        Ok(alternatives)
    }

    /// Expands `{a,b}` groups (not inside classes, honouring `\` escapes) into plain globs.
    fn expand_alternates(chars: &[char]) -> Result<Vec<Vec<char>>, String> {
        let mut i = 0;
        let mut in_class = false;
        while i < chars.len() {
            match chars[i] {
                '\\' => i += 1,
                '[' if !in_class => {
                    in_class = true;
                    // `]` right after `[` or `[!` is a literal member.
                    if matches!(chars.get(i + 1), Some('!' | '^')) {
                        i += 1;
                    }
                    if chars.get(i + 1) == Some(&']') {
                        i += 1;
                    }
                }
                ']' if in_class => in_class = false,
                '{' if !in_class => {
                    let (options, end) = split_group(chars, i)?;
                    let mut out = Vec::new();
                    let tails = expand_alternates(&chars[end + 1..])?;
                    for option in options {
                        for head in expand_alternates(&option)? {
                            for tail in &tails {
                                let mut joined = chars[..i].to_vec();
                                joined.extend_from_slice(&head);
                                joined.extend_from_slice(tail);
                                out.push(joined);
                                if out.len() > MAX_ALTERNATIVES {
                                    return Err(format!(
                                        "expands to more than {MAX_ALTERNATIVES} alternatives"
                                    ));
                                }
                            }
                        }
                    }
                    return Ok(out);
                }
                _ => {}
            }
            i += 1;
        }
        Ok(vec![chars.to_vec()])
    }

    /// Splits the group opening at `chars[open]` at its top-level commas; returns the options and
    /// the index of the closing `}`.
    fn split_group(chars: &[char], open: usize) -> Result<(Vec<Vec<char>>, usize), String> {
        let mut depth = 0;
        let mut options = vec![Vec::new()];
        let mut i = open + 1;
        while i < chars.len() {
            let c = chars[i];
            match c {
                '\\' => {
                    let current = options.last_mut().expect("never empty");
                    current.push(c);
                    if let Some(&next) = chars.get(i + 1) {
                        current.push(next);
                    }
                    i += 2;
                    continue;
                }
                '{' => depth += 1,
                '}' if depth == 0 => return Ok((options, i)),
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    options.push(Vec::new());
                    i += 1;
                    continue;
                }
                _ => {}
            }
            options.last_mut().expect("never empty").push(c);
            i += 1;
        }
        Err("unclosed alternation `{`".into())
    }

    fn tokenize(chars: &[char], sep: Separator) -> Result<Vec<Token>, String> {
        let slash = sep == Separator::Slash;
        let mut tokens = Vec::new();
        let mut literal = String::new();
        let flush = |literal: &mut String, tokens: &mut Vec<Token>| {
            if !literal.is_empty() {
                tokens.push(Token::Literal(core::mem::take(literal)));
            }
        };
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '\\' => {
                    let escaped = chars.get(i + 1).ok_or("dangling `\\` at the end")?;
                    literal.push(*escaped);
                    i += 2;
                }
                '?' => {
                    flush(&mut literal, &mut tokens);
                    tokens.push(Token::AnyChar);
                    i += 1;
                }
                '*' if chars.get(i + 1) == Some(&'*') => {
                    let at_start = i == 0;
                    let at_end = i + 2 == chars.len();
                    let after_slash = i > 0 && chars[i - 1] == '/';
                    let before_slash = chars.get(i + 2) == Some(&'/');
                    if at_start && at_end {
                        tokens.push(Token::Everything);
                        i += 2;
                    } else if at_start && before_slash {
                        tokens.push(Token::RecursivePrefix);
                        i += 3;
                    } else if after_slash && at_end {
                        literal.pop();
                        flush(&mut literal, &mut tokens);
                        tokens.push(Token::RecursiveSuffix);
                        i += 2;
                    } else if after_slash && before_slash {
                        literal.pop();
                        flush(&mut literal, &mut tokens);
                        tokens.push(Token::RecursiveMiddle);
                        i += 3;
                    } else if !slash {
                        // Without separators `**` means the same as `*`.
                        flush(&mut literal, &mut tokens);
                        tokens.push(Token::Star);
                        i += 2;
                    } else {
                        return Err(
                            "`**` must be a whole path component (`**/x`, `x/**`, `x/**/y`)".into(),
                        );
                    }
                }
                '*' => {
                    flush(&mut literal, &mut tokens);
                    tokens.push(Token::Star);
                    i += 1;
                }
                '[' => {
                    flush(&mut literal, &mut tokens);
                    let (token, end) = class(chars, i)?;
                    tokens.push(token);
                    i = end + 1;
                }
                c => {
                    literal.push(c);
                    i += 1;
                }
            }
        }
        flush(&mut literal, &mut tokens);
        Ok(tokens)
    }

    /// Parses the class opening at `chars[open]`; returns it and the index of its `]`.
    fn class(chars: &[char], open: usize) -> Result<(Token, usize), String> {
        let mut i = open + 1;
        let negated = matches!(chars.get(i), Some('!' | '^'));
        if negated {
            i += 1;
        }
        let mut ranges = Vec::new();
        let mut first = true;
        while i < chars.len() {
            let c = chars[i];
            if c == ']' && !first {
                return Ok((Token::Class { negated, ranges }, i));
            }
            first = false;
            if chars.get(i + 1) == Some(&'-') && chars.get(i + 2).is_some_and(|&e| e != ']') {
                let hi = chars[i + 2];
                if hi < c {
                    return Err(format!("invalid range `{c}-{hi}` in `[...]`"));
                }
                ranges.push((c, hi));
                i += 3;
            } else {
                ranges.push((c, c));
                i += 1;
            }
        }
        Err("unclosed character class `[`".into())
    }
}
