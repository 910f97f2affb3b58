//! Filesystem rules: what the `fs` adapter enforces, and the path logic it relies on.
//!
//! Guest paths are absolute and normalised: a preopen named `data`, `/data` or `./data/` is the
//! directory `/data`; a preopen named `.` or `/` is `/`. Everything below is `/data/sub/file`.

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::glob::{Below, GlobList, Reach, fold_case, is_path_prefix};

// One definition for the policy file and the compiled policy: the names are the file's, the
// adapters' encoding is the variant's index.
/// `fs.mode`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "native", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum FsMode {
    /// As far as the host allows.
    #[default]
    ReadWrite,
    /// Every change fails with `read-only`.
    ReadOnly,
    /// No preopens at all: the app cannot obtain a descriptor.
    Deny,
}

/// A rule of `fs.preopens`, for a guest path and everything below it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "native", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum PreopenRule {
    /// Invisible.
    Hide,
    ReadOnly,
    ReadWrite,
}

/// How much of a path the app may reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Invisible: it does not exist as far as the app can tell.
    None,
    /// A directory on the way to something allowed: it may be opened and stat-ed, and its
    /// listing shows only what is reachable.
    Traverse,
    /// Everything the mode permits.
    Full,
}

/// Rules for `wasi:filesystem`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FsRules {
    pub mode: FsMode,
    /// `None`: everything under the preopens is allowed.
    pub allow: Option<GlobList>,
    /// Directories leading to an `allow` glob, derived by the composer.
    pub traverse: GlobList,
    /// Matched case-insensitively, so that a case-insensitive host filesystem cannot be used to
    /// reach a denied file under another spelling.
    pub deny: GlobList,
    /// `allow-write`: where changes are allowed (a match allows everything below it too).
    /// `None`: wherever the mode allows them.
    pub allow_write: Option<GlobList>,
    /// Rules for guest paths and everything below them (the `preopens` key), keyed by
    /// normalised guest path: they hold whichever preopen reaches the path.
    pub preopens: Vec<(String, PreopenRule)>,
}

impl FsRules {
    /// Whether paths must be checked at all. Without globs, the host's own confinement to the
    /// preopens is all there is to enforce, and the adapter passes paths through untouched.
    pub fn filters_paths(&self) -> bool {
        self.allow.is_some()
            || !self.deny.is_empty()
            || self.allow_write.is_some()
            || !self.preopens.is_empty()
    }

    /// Whether the policy lets the app change anything at all.
    pub fn writes_anywhere(&self) -> bool {
        match self.mode {
            FsMode::Deny => false,
            FsMode::ReadWrite if self.allow_write.is_none() => true,
            _ => {
                self.allow_write.as_ref().is_some_and(|g| !g.is_empty())
                    || self
                        .preopens
                        .iter()
                        .any(|(_, r)| *r == PreopenRule::ReadWrite)
            }
        }
    }

    /// Whether the policy lets the app change the normalised guest path `path` (if it may reach
    /// it at all). The most specific rule wins: the longest of `path` and its parents named in
    /// `preopens` or matched by `allow-write` decides; without one, the mode.
    pub fn writable(&self, path: &str) -> bool {
        if self.mode == FsMode::Deny {
            return false;
        }
        let by_mode = self.mode == FsMode::ReadWrite && self.allow_write.is_none();
        if self.preopens.is_empty() && self.allow_write.is_none() {
            return by_mode;
        }
        let all: Vec<&str> = prefixes(path).collect();
        for prefix in all.into_iter().rev() {
            if let Some((_, rule)) = self.preopens.iter().find(|(root, _)| root == prefix) {
                return *rule == PreopenRule::ReadWrite;
            }
            if self
                .allow_write
                .as_ref()
                .is_some_and(|g| g.is_match(prefix))
            {
                return true;
            }
        }
        by_mode
    }

    /// Whether a `preopens` rule hides `path` (or one of its parents). Compared
    /// case-insensitively, like `deny`.
    fn hidden_by_rule(&self, path: &str) -> bool {
        if self.preopens.is_empty() {
            return false;
        }
        let path = fold_case(path);
        self.preopens.iter().any(|(root, rule)| {
            *rule == PreopenRule::Hide && is_path_prefix(&fold_case(root), &path)
        })
    }

    /// Whether moving what is at `from` to `to` (both paths the app may change) leaves what the
    /// policy decides for everything below it unchanged. Only rules that can reach below either
    /// name matter, and of those only rules decided by a name alone (`**/*.pem`) move with it.
    /// Sound, not exact: when unsure, the move is refused.
    pub fn moves_alike(&self, from: &str, to: &str) -> bool {
        let alike = |reach: Reach<'_>, from: &str, to: &str| {
            reach == Reach::Name || {
                let (before, after) = (reach.below(from), reach.below(to));
                before == after && before != Below::Some
            }
        };
        let globs_alike = |list: &GlobList| {
            let (from, to) = (list.fold(from), list.fold(to));
            list.patterns.iter().all(|p| alike(p.reach(), &from, &to))
        };
        let (from_folded, to_folded) = (fold_case(from), fold_case(to));
        globs_alike(&self.deny)
            && self.allow_write.as_ref().is_none_or(globs_alike)
            && self
                .preopens
                .iter()
                .all(|(root, _)| alike(Reach::Tree(&fold_case(root)), &from_folded, &to_folded))
    }

    /// Whether the policy may hide an entry somewhere below the directory `dir`, which the app
    /// may reach and change. Such a directory looks empty when it holds only hidden entries, so
    /// removing it (or replacing it by a rename) must be refused whatever it holds.
    pub fn may_hide_below(&self, dir: &str) -> bool {
        let folded = self.deny.fold(dir);
        self.deny
            .patterns
            .iter()
            .any(|p| p.reach().below(&folded) != Below::Nothing)
            || self.preopens.iter().any(|(root, rule)| {
                *rule == PreopenRule::Hide
                    && Reach::Tree(&fold_case(root)).below(&fold_case(dir)) != Below::Nothing
            })
    }

    /// What the app may do with the normalised guest path `path`.
    pub fn access(&self, path: &str) -> Access {
        if !self.filters_paths() {
            return Access::Full;
        }
        match self.by_prefixes(path) {
            PrefixAccess::Denied => Access::None,
            PrefixAccess::Allowed => Access::Full,
            PrefixAccess::Undecided => self.allowed_or_traverse(false, path),
        }
    }

    /// What the globs decide from `path` and its parents: denied if any matches a `deny` glob,
    /// else allowed if any matches an `allow` glob (or there are none).
    fn by_prefixes(&self, path: &str) -> PrefixAccess {
        let folded = self.deny.fold(path);
        if prefixes(&folded).any(|p| self.deny.is_match_folded(p)) || self.hidden_by_rule(path) {
            PrefixAccess::Denied
        } else if self
            .allow
            .as_ref()
            .is_none_or(|allow| prefixes(path).any(|p| allow.is_match(p)))
        {
            PrefixAccess::Allowed
        } else {
            PrefixAccess::Undecided
        }
    }

    /// What the app may do with the entries of the directory `dir` (normalised), which it has
    /// opened: [`FsRules::access`] of `dir/NAME` is `listing.access(NAME)`. Evaluates what the
    /// entries share (the directory's own prefixes) once per listing, not once per entry.
    pub fn listing(&self, dir: &str) -> Listing<'_> {
        let parent = if self.filters_paths() {
            self.by_prefixes(dir)
        } else {
            PrefixAccess::Allowed
        };
        Listing {
            rules: self,
            dir: String::from(dir),
            parent,
        }
    }

    fn allowed_or_traverse(&self, allowed: bool, path: &str) -> Access {
        if allowed {
            Access::Full
        } else if path == "/" || self.traverse.is_match(path) {
            Access::Traverse
        } else {
            Access::None
        }
    }

    /// Whether the guest path `path`, or a directory on the way to it, is hidden, applying `.`
    /// and `..` as text (never above `/`): whether a symlink's target text names a hidden place.
    pub fn hidden_on_the_way(&self, path: &str) -> bool {
        let mut on_the_way: Vec<&str> = Vec::new();
        path.split('/').any(|part| match part {
            "" | "." => false,
            ".." => {
                on_the_way.pop();
                false
            }
            name => {
                on_the_way.push(name);
                self.access(&join("/", on_the_way.iter().copied())) == Access::None
            }
        })
    }

    /// Whether the preopen whose normalised guest path is `root` is handed to the app.
    pub fn preopen_visible(&self, root: &str) -> bool {
        self.mode != FsMode::Deny && self.access(root) != Access::None
    }
}

/// What a path's prefixes decide ([`FsRules::by_prefixes`]); for a listed directory, what they
/// decide for all of its entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PrefixAccess {
    /// A prefix matches a `deny` glob: hidden, with everything below.
    Denied,
    /// No prefix is denied and one is allowed: allowed, and so is everything below unless
    /// denied itself.
    Allowed,
    /// Neither: decided by the traverse globs, or for an entry, by its own name.
    Undecided,
}

/// [`FsRules::access`] for the entries of one directory; see [`FsRules::listing`].
#[derive(Clone, Debug)]
pub struct Listing<'a> {
    rules: &'a FsRules,
    dir: String,
    parent: PrefixAccess,
}

impl Listing<'_> {
    /// What the app may do with the entry `name` of the listed directory.
    pub fn access(&self, name: &str) -> Access {
        let rules = self.rules;
        if !rules.filters_paths() {
            return Access::Full;
        }
        if self.parent == PrefixAccess::Denied {
            return Access::None;
        }
        let path = join(&self.dir, [name]);
        if rules.deny.is_match(&path) || rules.hidden_by_rule(&path) {
            return Access::None;
        }
        let allowed = self.parent == PrefixAccess::Allowed
            || rules
                .allow
                .as_ref()
                .is_none_or(|allow| allow.is_match(&path));
        rules.allowed_or_traverse(allowed, &path)
    }

    /// Whether the listing shows the entry `name`, a directory or not: every entry the app may
    /// use, and the directories it may only pass through. The 0.2 and 0.3 listings both ask this.
    pub fn shows(&self, name: &str, is_directory: bool) -> bool {
        match self.access(name) {
            Access::Full => true,
            Access::Traverse => is_directory,
            Access::None => false,
        }
    }
}

/// `/a/b/c` → `/`, `/a`, `/a/b`, `/a/b/c`; `/` → `/`.
fn prefixes(path: &str) -> impl Iterator<Item = &str> + Clone {
    let root = (path.starts_with('/') && path != "/").then_some("/");
    let ends = path
        .char_indices()
        .filter(|&(i, c)| c == '/' && i > 0)
        .map(|(i, _)| i);
    root.into_iter().chain(
        ends.chain(core::iter::once(path.len()))
            .map(move |end| &path[..end]),
    )
}

/// The normalised guest path of a preopen named `name`.
pub fn preopen_root(name: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    join("/", parts.iter().copied())
}

/// `base` (normalised) joined with relative components.
pub fn join<'a>(base: &str, parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::from(base);
    for part in parts {
        if !out.ends_with('/') {
            out.push('/');
        }
        out.push_str(part);
    }
    out
}

/// Why a path given by the app is refused before any lookup. The adapter maps these to the
/// codes the host itself would return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathError {
    /// Absolute paths are not relative to the descriptor: `not-permitted`.
    Absolute,
    /// `..` climbing above the descriptor: `not-permitted`.
    Escapes,
    /// NUL in a path: `invalid`.
    Nul,
    /// The empty path: `no-entry`.
    Empty,
}

/// Splits a path given to a `*-at` call into the components it names below the descriptor, with
/// `.` and empty components dropped and `..` applied. Symlinks are resolved separately.
pub fn lexical_components(path: &str) -> Result<Vec<&str>, PathError> {
    if path.is_empty() {
        return Err(PathError::Empty);
    }
    if path.contains('\0') {
        return Err(PathError::Nul);
    }
    if path.starts_with('/') {
        return Err(PathError::Absolute);
    }
    let mut stack = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                stack.pop().ok_or(PathError::Escapes)?;
            }
            other => stack.push(other),
        }
    }
    Ok(stack)
}

/// Globs are written as absolute guest paths. Returns the directories leading to what `glob`
/// matches (as globs), which must be traversable for the allowed paths to be reachable.
#[cfg(feature = "native")]
pub fn ancestors_of_glob(glob: &str) -> Vec<String> {
    if glob.starts_with("**") {
        return vec!["/**".into()];
    }
    let parts: Vec<&str> = glob.split('/').skip(1).collect();
    let mut out = Vec::new();
    let mut prefix = String::new();
    for part in &parts[..parts.len().saturating_sub(1)] {
        if part.contains("**") {
            // Anything below this point may lead to a match.
            out.push(format!("{prefix}/**"));
            break;
        }
        prefix.push('/');
        prefix.push_str(part);
        out.push(prefix.clone());
    }
    out
}
