//! A readable summary of a policy, the one `interpose policy check` prints and `interpose
//! inspect` prints for the policy baked into a composed component.
//!
//! It starts with `default`, then lists every area in a fixed order (`env`, `fs`, `clocks`,
//! `random`, `sockets`, `http`, `stdio`, `exit`, then `allow-imports`): what the policy's section
//! does, denials included, or, for a section the policy leaves out under `"default": "deny"`,
//! that it is denied and what the app sees. Under `"default": "host"` the areas left out are
//! named on the `default` line. Lines wrap at 100 columns.

use interpose_policy::ClockDuration;
use interpose_policy::clocks::{ClockRules, MonotonicRule, WallRule};
use interpose_policy::compiled::{ArgsRule, CompiledPolicy, CwdRule, EnvRules, Whole};
use interpose_policy::fs::{FsMode, FsRules, PreopenRule};
use interpose_policy::http::HttpRules;
use interpose_policy::random::RandomRules;
use interpose_policy::sockets::SocketRules;
use interpose_policy::stdio::StreamRule;

/// Where lines are wrapped.
const WIDTH: usize = 100;

/// A summary of `policy`, two-space indented, one area after the other.
///
/// A policy baked in by an older interpose has no
/// [`Outline`](interpose_policy::compiled::Outline): then only the sections adapters execute are
/// listed, with a note saying so.
pub fn describe(policy: &CompiledPolicy) -> String {
    let mut out = Summary::default();
    let Some(outline) = &policy.outline else {
        describe_rules_only(&mut out, policy);
        return out.text;
    };
    let strict = outline.strict;
    let left_out: Vec<&str> = [
        ("env", outline.env),
        ("fs", policy.fs.is_some()),
        ("clocks", policy.clocks.is_some()),
        ("random", policy.random.is_some()),
        ("sockets", outline.sockets.is_some()),
        ("http", outline.http.is_some()),
        ("stdio", outline.stdio.is_some()),
        ("exit", outline.exit.is_some()),
    ]
    .into_iter()
    .filter(|(_, present)| !present)
    .map(|(key, _)| key)
    .collect();
    match (strict, left_out.is_empty()) {
        (true, _) => out.item(
            "  default: ",
            "deny (strict): every area this policy leaves out is denied, and imports interpose \
             does not know are refused unless `allow-imports` names them",
        ),
        (false, true) => out.item(
            "  default: ",
            "host: the policy has a section for every area",
        ),
        (false, false) => out.item(
            "  default: ",
            &format!(
                "host: the areas this policy leaves out reach the host unchanged: {}",
                left_out.join(", ")
            ),
        ),
    }
    // The denial of a section left out under `"default": "deny"`.
    let left_out_denied = |what: &str| format!("not in the policy, so denied: {what}");

    match &policy.env {
        Some(env) if outline.env => describe_env(&mut out, env),
        _ if strict => out.item(
            "  env:     ",
            &left_out_denied(
                "no host variable is visible and the working directory is hidden; the host's \
                 arguments pass",
            ),
        ),
        _ => {}
    }
    match &policy.fs {
        Some(fs) => describe_fs(&mut out, fs),
        None if strict => out.item("  fs:      ", &left_out_denied("no files at all")),
        None => {}
    }
    match &policy.clocks {
        Some(clocks) => describe_clocks(&mut out, clocks),
        None if strict => out.item(
            "  clocks:  ",
            &left_out_denied("reading either clock or waiting on one stops the app"),
        ),
        None => {}
    }
    match &policy.random {
        Some(random) => describe_random(&mut out, random),
        None if strict => out.item("  random:  ", &left_out_denied("every call stops the app")),
        None => {}
    }
    match (outline.sockets, &policy.sockets) {
        (Some(Whole::Host), _) => out.item("  sockets: ", "the host's, unchanged"),
        (Some(Whole::Deny), _) => out.item("  sockets: ", SOCKETS_DENIED),
        (Some(Whole::Rules), Some(sockets)) => describe_sockets(&mut out, sockets),
        _ if strict => out.item("  sockets: ", &left_out_denied(SOCKETS_DENIED_WHAT)),
        _ => {}
    }
    match (outline.http, &policy.http) {
        (Some(Whole::Host), _) => out.item("  http:    ", "the host's, unchanged"),
        (Some(Whole::Deny), _) => out.item("  http:    ", HTTP_DENIED),
        (Some(Whole::Rules), Some(http)) => describe_http(&mut out, http),
        _ if strict => out.item("  http:    ", &left_out_denied(HTTP_DENIED_WHAT)),
        _ => {}
    }
    match &outline.stdio {
        Some(streams) => {
            let through_adapter =
                [streams.stdin, streams.stdout, streams.stderr].contains(&Some(StreamRule::Null));
            out.line("  stdio:");
            for (name, rule) in [
                ("stdin: ", streams.stdin),
                ("stdout:", streams.stdout),
                ("stderr:", streams.stderr),
            ] {
                let text = match rule {
                    Some(rule) => stream(name, rule, through_adapter),
                    None if strict => format!(
                        "left out, so {}",
                        stream(name, StreamRule::Deny, through_adapter)
                    ),
                    None => format!(
                        "left out, so {}",
                        stream(name, StreamRule::Inherit, through_adapter)
                    ),
                };
                out.item(&format!("    {name} "), &text);
            }
        }
        None if strict => out.item(
            "  stdio:   ",
            &left_out_denied("stdin, stdout and stderr: the host's streams are never reached"),
        ),
        None => {}
    }
    match outline.exit {
        Some(true) => out.item("  exit:    ", "allowed"),
        Some(false) => out.item("  exit:    ", EXIT_DENIED),
        None if strict => out.item("  exit:    ", &left_out_denied(EXIT_DENIED_WHAT)),
        None => {}
    }
    if !outline.allow_imports.is_empty() {
        let note = if strict {
            "reach the host unattenuated, though interpose does not know them"
        } else {
            "reach the host unattenuated (under `default: host`, so would any import interpose \
             does not know)"
        };
        out.item(
            "  allow-imports: ",
            &format!("{}: {note}", outline.allow_imports.join(", ")),
        );
    }
    out.text
}

const SOCKETS_DENIED_WHAT: &str = "no socket, connection or name lookup reaches the host";
const SOCKETS_DENIED: &str = "denied: no socket, connection or name lookup reaches the host";
const HTTP_DENIED_WHAT: &str = "no outgoing request reaches the host";
const HTTP_DENIED: &str = "denied: no outgoing request reaches the host";
const EXIT_DENIED_WHAT: &str =
    "a call to `exit` stops the app, and the run fails whatever status it asked for";
const EXIT_DENIED: &str =
    "denied: a call to `exit` stops the app, and the run fails whatever status it asked for";

/// One standard stream. `name` is `stdin: `, `stdout:` or `stderr:`.
fn stream(name: &str, rule: StreamRule, through_adapter: bool) -> String {
    let stream = name.trim_end_matches([':', ' ']);
    match rule {
        StreamRule::Inherit if through_adapter => {
            "the host's (its data passes through the `stdio` adapter)".to_owned()
        }
        StreamRule::Inherit => "the host's".to_owned(),
        StreamRule::Null if stream == "stdin" => "null: the app reads an empty input".to_owned(),
        StreamRule::Null => "null: what the app writes is discarded".to_owned(),
        StreamRule::Deny if stream == "stdin" => {
            "denied: the host's stdin is never reached; the app reads an empty input".to_owned()
        }
        StreamRule::Deny => {
            format!(
                "denied: the host's {stream} is never reached; what the app writes is discarded"
            )
        }
    }
}

/// A policy baked in by an interpose that recorded no outline: the sections adapters execute.
fn describe_rules_only(out: &mut Summary, policy: &CompiledPolicy) {
    if let Some(env) = &policy.env {
        describe_env(out, env);
    }
    if let Some(fs) = &policy.fs {
        describe_fs(out, fs);
    }
    if let Some(clocks) = &policy.clocks {
        describe_clocks(out, clocks);
    }
    if let Some(random) = &policy.random {
        describe_random(out, random);
    }
    if let Some(sockets) = &policy.sockets {
        describe_sockets(out, sockets);
    }
    if let Some(http) = &policy.http {
        describe_http(out, http);
    }
    if let Some(stdio) = &policy.stdio {
        out.line("  stdio:");
        for (name, rule) in [
            ("stdin: ", stdio.stdin),
            ("stdout:", stdio.stdout),
            ("stderr:", stdio.stderr),
        ] {
            out.item(&format!("    {name} "), &stream(name, rule, true));
        }
    }
    out.item(
        "  ",
        "(baked in by an older interpose, which did not record `default` nor the sections \
         without rules: what it denied or passed through is in the list of interfaces)",
    );
}

fn describe_env(out: &mut Summary, env: &EnvRules) {
    out.line("  env:");
    match env.allow.sources.is_empty() {
        true => out.item("    allow: ", "(none): no host variable is visible"),
        false => out.item("    allow: ", &list(&env.allow.sources)),
    }
    match env.deny.sources.is_empty() {
        true => out.item("    deny:  ", "(none)"),
        // Older policies matched deny globs case-sensitively.
        false if !env.deny.case_insensitive => out.item("    deny:  ", &list(&env.deny.sources)),
        false => out.item(
            "    deny:  ",
            &format!("{} (in any case)", list(&env.deny.sources)),
        ),
    }
    let set: Vec<String> = env.set.iter().map(|(k, v)| format!("{k}={v}")).collect();
    out.item("    set:   ", &list(&set));
    out.item(
        "    args:  ",
        &match &env.args {
            ArgsRule::Inherit => "the host's".to_owned(),
            ArgsRule::Replace(args) => format!("replaced by {args:?}"),
            ArgsRule::Program(program) => {
                format!("the host's, with the program name (the first) replaced by {program:?}")
            }
        },
    );
    out.item(
        "    cwd:   ",
        &match &env.cwd {
            CwdRule::Inherit => "the host's".to_owned(),
            CwdRule::Hide => "hidden".to_owned(),
            CwdRule::Set(path) => format!("reported as {path:?}"),
        },
    );
}

fn describe_fs(out: &mut Summary, fs: &FsRules) {
    let mode = match fs.mode {
        FsMode::Deny => {
            return out.item(
                "  fs:      ",
                "denied: the app sees no preopens, so no files at all",
            );
        }
        FsMode::ReadWrite => "read-write (as far as the host allows)",
        FsMode::ReadOnly if fs.writes_anywhere() => {
            "read-only, except where `allow-write` or a path rule allows changes"
        }
        FsMode::ReadOnly => "read-only: every change fails with `read-only`",
    };
    out.line("  fs:");
    out.item("    mode:  ", mode);
    match &fs.allow {
        None => out.item("    allow: ", "everything under the preopens"),
        Some(allow) => out.item("    allow: ", &list(&allow.sources)),
    }
    match fs.deny.sources.is_empty() {
        true => out.item("    deny:  ", "(none)"),
        false => out.item(
            "    deny:  ",
            &format!("{} (in any case)", list(&fs.deny.sources)),
        ),
    }
    if let Some(allow_write) = &fs.allow_write {
        out.item("    allow-write: ", &list(&allow_write.sources));
    }
    for (path, rule) in &fs.preopens {
        let rule = match rule {
            PreopenRule::Hide => "hidden",
            PreopenRule::ReadOnly => "read-only",
            PreopenRule::ReadWrite => "read-write",
        };
        out.item("    ", &format!("path {path} and below: {rule}"));
    }
}

fn describe_clocks(out: &mut Summary, clocks: &ClockRules) {
    let step = |step: u64| ClockDuration(step).to_string();
    out.line("  clocks:");
    out.item(
        "    wall:      ",
        &match clocks.wall {
            WallRule::Host => "the host's".to_owned(),
            WallRule::Deny => "denied: reading it stops the app".to_owned(),
            WallRule::Virtual { start, step: 0 } => format!("frozen at {start}"),
            WallRule::Virtual { start, step: s } => {
                format!("virtual from {start}, +{} per read", step(s))
            }
        },
    );
    out.item(
        "    monotonic: ",
        &match clocks.monotonic {
            MonotonicRule::Host => "the host's".to_owned(),
            MonotonicRule::Deny => "denied: reading it or waiting on it stops the app".to_owned(),
            MonotonicRule::Virtual { start, step: s } => format!(
                "virtual from {}, {}; waits end at once and move it forward",
                ClockDuration(start),
                if s == 0 {
                    "reads do not move it".to_owned()
                } else {
                    format!("+{} per read", step(s))
                }
            ),
        },
    );
}

fn describe_random(out: &mut Summary, random: &RandomRules) {
    out.item(
        "  random:  ",
        &match random {
            RandomRules::Host => "the host's".to_owned(),
            RandomRules::Deny => "denied: every call stops the app".to_owned(),
            RandomRules::Seeded(seed) => {
                format!("seeded with {seed} (ChaCha20): reproducible, NOT cryptographically secure")
            }
        },
    );
}

fn describe_sockets(out: &mut Summary, sockets: &SocketRules) {
    out.item(
        "  sockets: ",
        "only what these lists allow (the rest fails with `access-denied`)",
    );
    out.item("    connect: ", &list(&sockets.connect.sources));
    out.item("    bind:    ", &list(&sockets.bind.sources));
    match &sockets.udp {
        None => out.item("    udp:     ", "denied"),
        Some(udp) => out.item("    udp:     ", &list(&udp.sources)),
    }
    out.item("    resolve: ", &list(&sockets.resolve.sources));
}

fn describe_http(out: &mut Summary, http: &HttpRules) {
    out.item(
        "  http:    ",
        "only requests a rule matches are sent (others fail with `HTTP-request-denied`)",
    );
    if http.allow.is_empty() {
        out.item("    ", "(no rules: every request is refused)");
    }
    let any = || "any".to_owned();
    for rule in &http.allow {
        out.item(
            "    - ",
            &format!(
                "authority {}, methods {}, schemes {}, paths {}",
                rule.authority
                    .as_ref()
                    .map_or_else(any, |g| list(&g.sources)),
                rule.methods.as_ref().map_or_else(any, |m| m.join(", ")),
                rule.schemes.as_ref().map_or_else(any, |s| s.join(", ")),
                rule.paths.as_ref().map_or_else(any, |g| list(&g.sources)),
            ),
        );
        // Names only: a value is often a credential, and this output ends up in logs.
        if !rule.set_headers.is_empty() {
            let names: Vec<String> = rule.set_headers.iter().map(|(n, _)| n.clone()).collect();
            out.item(
                "      ",
                &format!("sets headers {} (values not shown)", names.join(", ")),
            );
        }
        if !rule.strip_headers.is_empty() {
            out.item(
                "      ",
                &format!("strips headers {}", rule.strip_headers.join(", ")),
            );
        }
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "(none)".to_owned()
    } else {
        items.join(", ")
    }
}

/// The text being built.
#[derive(Default)]
struct Summary {
    text: String,
}

impl Summary {
    fn line(&mut self, line: &str) {
        self.text.push_str(line);
        self.text.push('\n');
    }

    /// `prefix` then `text`, wrapped at [`WIDTH`] with the continuation lines under the text.
    fn item(&mut self, prefix: &str, text: &str) {
        let hang = " ".repeat(prefix.chars().count());
        let mut line = String::from(prefix);
        let mut empty = true;
        for word in text.split(' ') {
            if !empty && line.chars().count() + 1 + word.chars().count() > WIDTH {
                self.line(line.trim_end());
                line.clone_from(&hang);
                empty = true;
            }
            if !empty {
                line.push(' ');
            }
            line.push_str(word);
            empty = false;
        }
        self.line(&line);
    }
}
