//! The `policy_text` target: policy text, as a user writes it, through everything
//! `interpose policy check` does with it.

use interpose_policy::compiled::{self, decode, decode_section, encode};
use interpose_policy::{Policy, PolicyError};

/// The file name errors name.
pub const ORIGIN: &str = "fuzz.json";

/// The target: bytes that are not UTF-8 are not a policy file interpose reads (it reads files
/// with `read_to_string`); the rest is [`check_policy_text`].
pub fn policy_text(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = check_policy_text(text);
    }
}

/// Parses, validates, compiles and summarises `text` as `interpose policy check` does. Panics if
/// anything panics, if an error does not name where it is (file, line and column within the
/// text, and the key when the text is JSON), or if a valid policy does not survive the round
/// trips it makes: JSON written back and parsed again, and the encoding the adapters decode.
pub fn check_policy_text(text: &str) -> Result<Policy, PolicyError> {
    match Policy::parse(text, ORIGIN) {
        Ok(policy) => {
            // A policy is an object (serde would read a struct from an array too).
            assert!(
                text.trim_start().starts_with('{'),
                "not an object, yet a valid policy: {text:?}"
            );
            check_valid(&policy);
            Ok(policy)
        }
        Err(error) => {
            check_error(text, &error);
            Err(error)
        }
    }
}

/// An error names its origin, line and column, which lie in `text`, and the key it is about:
/// `ORIGIN:LINE:COLUMN: `KEY`: MESSAGE`. Only an error that is about the document as a whole
/// (not JSON, not an object, trailing characters) has no key.
pub fn check_error(text: &str, error: &PolicyError) {
    let shown = error.to_string();
    let location = format!("{ORIGIN}:{}:{}: ", error.line, error.column);
    assert_eq!(error.origin, ORIGIN);
    assert!(
        shown.starts_with(&location),
        "the error does not start with its location `{location}`: {shown}\ntext: {text:?}"
    );
    // serde_json counts lines from 1 and columns in bytes from 1 (0 before the first byte of a
    // line, where an error at the end of an empty line is).
    let lines: Vec<&str> = text.split('\n').collect();
    assert!(
        (1..=lines.len()).contains(&error.line),
        "line {} is not in the text ({} lines): {shown}\ntext: {text:?}",
        error.line,
        lines.len()
    );
    let line = lines[error.line - 1];
    assert!(
        error.column <= line.len() + 1,
        "column {} is past the end of line {} ({} bytes): {shown}\ntext: {text:?}",
        error.column,
        error.line,
        line.len()
    );
    assert!(!error.message.is_empty(), "no message: {shown}");
    assert!(
        !error.key.split('.').any(|part| part == "?"),
        "a key unknown yet is named `?`: {shown}"
    );
    let keyless = error.key.is_empty() || error.key == ".";
    if !keyless {
        assert!(
            shown[location.len()..].starts_with(&format!("`{}`: ", error.key)),
            "the key is not named: {shown}"
        );
    }
    // Text that is a JSON object is wrong in one of its keys: the error must say which, by its
    // path or, for a key given twice, in the message ("duplicate field `env`").
    let document = serde_json::from_str::<serde_json::Value>(text);
    if let Ok(serde_json::Value::Object(_)) = document {
        assert!(
            !keyless || error.message.contains('`'),
            "an error in a JSON object names no key: {shown}\ntext: {text:?}"
        );
    }
}

/// What `policy check` prints, and the round trips a valid policy makes.
pub fn check_valid(policy: &Policy) {
    let compiled = policy.compile();
    let summary = interpose::summary::describe(&compiled);
    assert!(
        summary.starts_with("  default: "),
        "a summary starts with `default`: {summary}"
    );
    // What is baked in is what the adapters execute: the encoding decodes to the same rules,
    // as a whole (`inspect`) and section by section (each adapter its own).
    let bytes = encode(&compiled);
    assert_eq!(
        decode(&bytes).as_ref(),
        Ok(&compiled),
        "encoding round trip"
    );
    check_sections(&bytes, &compiled);
    crate::compiled_decode::exercise(&compiled);
    // Written back as JSON (what `interpose` would show), the policy is the same policy.
    let json = serde_json::to_string_pretty(policy).expect("a policy serialises");
    let again = Policy::parse(&json, "again.json")
        .unwrap_or_else(|e| panic!("the policy written back does not parse: {e}\n{json}"));
    assert_eq!(
        again.compile(),
        compiled,
        "the policy written back compiles differently:\n{json}"
    );
    // The composer takes any valid policy.
    let _ = interpose::Composer::new(policy.clone());
}

/// Each section decodes on its own to what the whole policy has.
fn check_sections(bytes: &[u8], compiled: &compiled::CompiledPolicy) {
    assert_eq!(decode_section(bytes, |e| e.env).as_ref(), Ok(&compiled.env));
    assert_eq!(decode_section(bytes, |e| e.fs).as_ref(), Ok(&compiled.fs));
    assert_eq!(
        decode_section(bytes, |e| e.clocks).as_ref(),
        Ok(&compiled.clocks)
    );
    assert_eq!(
        decode_section(bytes, |e| e.random).as_ref(),
        Ok(&compiled.random)
    );
    assert_eq!(
        decode_section(bytes, |e| e.http).as_ref(),
        Ok(&compiled.http)
    );
    assert_eq!(
        decode_section(bytes, |e| e.sockets).as_ref(),
        Ok(&compiled.sockets)
    );
    assert_eq!(
        decode_section(bytes, |e| e.stdio).as_ref(),
        Ok(&compiled.stdio)
    );
}
