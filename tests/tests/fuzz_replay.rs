//! The fuzz targets (`fuzz/`, run with `cargo fuzz` on nightly) replayed as ordinary tests on
//! stable: each target's body (`interpose-fuzz-support`) over the committed seeds in
//! `fuzz/corpus/<target>/`, and over inputs generated here from them, so that what fuzzing
//! checks stays checked by `cargo test --workspace`. See `docs/reliability.md`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use interpose_fuzz_support::app_gen::{
    AppSpec, FuncName, FuncType, GarbledVersion, ImportSpec, InterfaceName, PackageName,
    RealInterface, RealVersion, Shape, SmithSeed, WorldSpec,
};
use interpose_fuzz_support::compose::{ComposeInput, Outcome, check_compose};
use interpose_fuzz_support::policy_gen::{
    FsMode, FsSpec, HttpSpec, PolicySpec, RandomSpec, SocketsSpec, StdioSpec, Stream,
};
use interpose_fuzz_support::{compiled_decode, compose, policy_text};

/// The committed seeds of `target`, sorted by name.
fn seeds(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut seeds: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect();
    seeds.sort();
    assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
    seeds
}

/// Deterministic pseudo-random bytes (xorshift), `len` of them from `seed`.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

#[test]
fn policy_text_seeds_and_their_prefixes() {
    let mut valid = 0;
    let mut invalid = 0;
    for (path, bytes) in seeds("policy_text") {
        let text = std::str::from_utf8(&bytes)
            .unwrap_or_else(|_| panic!("{} is not UTF-8", path.display()));
        match policy_text::check_policy_text(text) {
            Ok(_) => valid += 1,
            Err(_) => invalid += 1,
        }
        // Every prefix (on a character boundary) is checked the same way: nearly all are
        // invalid, each error with its location.
        for (end, _) in text.char_indices() {
            let _ = policy_text::check_policy_text(&text[..end]);
        }
        policy_text(&bytes);
    }
    assert!(
        valid >= 5 && invalid >= 5,
        "{valid} valid, {invalid} invalid"
    );
}

#[test]
fn policy_text_regressions() {
    // A wall clock past year 9999, given as seconds, was written back as RFC 3339 text with a
    // year of 12 digits, which the parser refuses (fixed: such times are written as seconds).
    let text = r#"{"clocks": {"wall": {"frozen": {"seconds": 18446744073709551615}}}}"#;
    let policy = policy_text::check_policy_text(text).unwrap();
    let json = serde_json::to_value(&policy).unwrap();
    assert_eq!(
        json["clocks"]["wall"]["frozen"],
        serde_json::json!({"seconds": u64::MAX, "nanoseconds": 0})
    );
    let text = r#"{"clocks": {"wall": {"frozen": {"seconds": 253402300799}}}}"#;
    let policy = policy_text::check_policy_text(text).unwrap();
    assert_eq!(
        serde_json::to_value(&policy).unwrap()["clocks"]["wall"]["frozen"],
        "9999-12-31T23:59:59Z"
    );
}

#[test]
fn compiled_decode_seeds_truncations_and_flips() {
    let mut inputs: Vec<Vec<u8>> = seeds("compiled_decode")
        .into_iter()
        .map(|(_, b)| b)
        .collect();
    // The encodings of the valid policy seeds, as the composer bakes them in.
    for (_, bytes) in seeds("policy_text") {
        if let Ok(policy) = policy_text::check_policy_text(std::str::from_utf8(&bytes).unwrap()) {
            inputs.push(policy.encode());
        }
    }
    let mut decoded = 0;
    for input in &inputs {
        compiled_decode(input);
        decoded += usize::from(interpose_policy::compiled::decode(input).is_ok());
        // Truncated anywhere.
        for end in 0..input.len() {
            compiled_decode(&input[..end]);
        }
        // Each byte changed to a few hostile values: huge lengths, bad variants, bad UTF-8.
        let mut changed = input.clone();
        for i in 0..input.len() {
            for value in [0xff, 0x80, 0x00, 0x07, input[i] ^ 0x01] {
                changed[i] = value;
                compiled_decode(&changed);
            }
            changed[i] = input[i];
        }
    }
    assert!(decoded >= 10, "only {decoded} of the inputs decode");
    for seed in 0..64 {
        compiled_decode(&noise(seed, seed as usize * 3));
    }
}

#[test]
fn compose_seeds_and_generated_inputs() {
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    let mut count = |outcome: Outcome| *outcomes.entry(format!("{outcome:?}")).or_default() += 1;
    for (_, bytes) in seeds("compose") {
        compose(&bytes);
    }
    for input in structured_compose_seeds() {
        count(check_compose(&input));
    }
    // Inputs as the fuzzer would start from: random bytes read by `arbitrary`.
    for seed in 0..24 {
        let bytes = noise(seed, 64 + seed as usize * 24);
        if let Some(input) = ComposeInput::from_bytes(&bytes) {
            count(check_compose(&input));
        }
    }
    eprintln!("compose outcomes: {outcomes:?}");
    for outcome in ["Composed", "Refused"] {
        assert!(
            outcomes.get(outcome).copied().unwrap_or(0) >= 3,
            "too few inputs {outcome}: {outcomes:?}"
        );
    }
}

fn world(version: RealVersion, imports: Vec<ImportSpec>) -> AppSpec {
    AppSpec::World(WorldSpec {
        version,
        imports,
        exports_run: true,
        serves_http: false,
        nested: None,
    })
}

fn policy() -> PolicySpec {
    PolicySpec {
        strict: false,
        env: None,
        fs: None,
        clocks: None,
        random: None,
        sockets: None,
        http: None,
        stdio: None,
        exit: None,
        allow_imports: Vec::new(),
    }
}

/// Inputs aimed at what matters most: denials with real WASI imports, other WASI versions under
/// a covering section, garbled shapes, wasm-smith components.
fn structured_compose_seeds() -> Vec<ComposeInput> {
    use RealInterface::*;
    let all_real = RealInterface::ALL.map(ImportSpec::Real).to_vec();
    let deny_everything = PolicySpec {
        sockets: Some(SocketsSpec::Deny),
        http: Some(HttpSpec::Deny),
        fs: Some(FsSpec {
            mode: Some(FsMode::Deny),
            allow: None,
            deny: Vec::new(),
            allow_write: None,
            preopens: Vec::new(),
        }),
        random: Some(RandomSpec::Deny),
        exit: Some(false),
        stdio: Some(StdioSpec {
            stdin: Some(Stream::Deny),
            stdout: Some(Stream::Inherit),
            stderr: Some(Stream::Inherit),
        }),
        ..policy()
    };
    let strict = PolicySpec {
        strict: true,
        stdio: Some(StdioSpec {
            stdin: Some(Stream::Null),
            stdout: Some(Stream::Inherit),
            stderr: Some(Stream::Deny),
        }),
        ..policy()
    };
    let garbled = |package, interface, version, shape| ImportSpec::Garbled {
        package,
        interface,
        version,
        shape,
    };
    let mut inputs = vec![
        ComposeInput {
            policy: deny_everything.clone(),
            app: world(RealVersion::V0_2_0, all_real.clone()),
        },
        ComposeInput {
            policy: deny_everything.clone(),
            app: world(RealVersion::V0_2_12, all_real.clone()),
        },
        ComposeInput {
            policy: strict.clone(),
            app: world(RealVersion::V0_2_3, all_real.clone()),
        },
        ComposeInput {
            policy: strict,
            app: world(
                RealVersion::V0_2_0,
                vec![
                    ImportSpec::Real(CliStdout),
                    ImportSpec::Real(ClocksWallClock),
                ],
            ),
        },
        // WASI 0.3 under a section that covers it: refused.
        ComposeInput {
            policy: deny_everything.clone(),
            app: world(RealVersion::V0_3_0, vec![ImportSpec::Real(SocketsTcp)]),
        },
        ComposeInput {
            policy: policy(),
            app: world(RealVersion::V0_3Rc, all_real.clone()),
        },
        // A real name of a garbled shape: the denial component cannot provide it.
        ComposeInput {
            policy: deny_everything.clone(),
            app: world(
                RealVersion::V0_2_0,
                vec![garbled(
                    PackageName::Sockets,
                    InterfaceName::Tcp,
                    GarbledVersion::V0_2_1,
                    Shape::Func(FuncName::Handle, FuncType::U64),
                )],
            ),
        },
        ComposeInput {
            policy: PolicySpec {
                strict: true,
                allow_imports: vec![interpose_fuzz_support::policy_gen::ImportName::Plugin],
                ..policy()
            },
            app: world(
                RealVersion::V0_2_0,
                vec![
                    garbled(
                        PackageName::Plugin,
                        InterfaceName::Api,
                        GarbledVersion::None,
                        Shape::Resource(FuncName::F),
                    ),
                    garbled(
                        PackageName::Io,
                        InterfaceName::Streams,
                        GarbledVersion::V0_3_0,
                        Shape::Stream(FuncName::F),
                    ),
                ],
            ),
        },
        ComposeInput {
            policy: deny_everything,
            app: AppSpec::Smith(SmithSeed(noise(7, 512))),
        },
        // Strict, so the clocks are denied, and an app that needs `wasi:http/types` (which uses
        // the monotonic clock's `duration`): from the denial component (it sends no HTTP) or
        // from the host (it serves HTTP). Either may keep the host clock imported for the type
        // alone, with no function (docs/reliability.md, finding 12).
        ComposeInput {
            policy: PolicySpec {
                strict: true,
                ..policy()
            },
            app: world(
                RealVersion::V0_2_12,
                vec![ImportSpec::Real(HttpOutgoingHandler)],
            ),
        },
        ComposeInput {
            policy: PolicySpec {
                strict: true,
                ..policy()
            },
            app: AppSpec::World(WorldSpec {
                version: RealVersion::V0_2_3,
                imports: Vec::new(),
                exports_run: true,
                serves_http: true,
                nested: None,
            }),
        },
    ];
    // wasm-smith components, alone and nested in a WASI app.
    for seed in 0..4 {
        inputs.push(ComposeInput {
            policy: policy(),
            app: AppSpec::World(WorldSpec {
                version: RealVersion::V0_2_0,
                imports: all_real.clone(),
                exports_run: false,
                serves_http: seed % 2 == 0,
                nested: Some(SmithSeed(noise(100 + seed, 256))),
            }),
        });
        inputs.push(ComposeInput {
            policy: policy(),
            app: AppSpec::Smith(SmithSeed(noise(200 + seed, 1024))),
        });
    }
    inputs
}

/// Writes `fuzz/corpus/compiled_decode/NAME.bin`: the encoding of each valid `policy_text` seed
/// `NAME.json`, as the composer bakes it in. Run by hand when the encoding changes:
/// `cargo test -p interpose-tests --test fuzz_replay -- --ignored write_compiled_decode_seeds`.
#[test]
#[ignore = "writes the seeds; run by hand"]
fn write_compiled_decode_seeds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/compiled_decode");
    std::fs::create_dir_all(&dir).unwrap();
    for (path, bytes) in seeds("policy_text") {
        if let Ok(policy) = policy_text::check_policy_text(std::str::from_utf8(&bytes).unwrap()) {
            let name = path.file_stem().unwrap().to_string_lossy();
            std::fs::write(dir.join(format!("{name}.bin")), policy.encode()).unwrap();
        }
    }
}

/// Finding 12 (docs/reliability.md): `wasi:http/types` uses the monotonic clock's `duration`, so
/// wherever it goes the clock comes along for that type. Under a policy denying the clock, it may
/// stay imported for its types alone: no function of it is imported, served or reachable.
#[test]
fn a_denied_clock_stays_imported_for_its_types_alone() {
    use RealInterface::*;
    for (serves_http, policy) in [
        (true, r#"{"default": "deny"}"#),
        (false, r#"{"default": "deny"}"#),
        (false, r#"{"default": "deny", "http": "host"}"#),
    ] {
        let app = AppSpec::World(WorldSpec {
            serves_http,
            ..match world(
                RealVersion::V0_2_3,
                [HttpTypes, HttpOutgoingHandler, ClocksMonotonicClock, IoPoll]
                    .map(ImportSpec::Real)
                    .to_vec(),
            ) {
                AppSpec::World(world) => world,
                _ => unreachable!(),
            }
        })
        .build()
        .expect("the app builds");
        let composed =
            interpose::Composer::new(interpose::Policy::parse(policy, "p.json").unwrap())
                .compose(&app.bytes)
                .unwrap_or_else(|e| panic!("{policy}: {e}"));
        let inspection = interpose::inspect(&composed.component).unwrap();
        assert_eq!(
            inspection.route("wasi:clocks/monotonic-clock"),
            Some(&interpose_policy::compiled::Route::Denied)
        );
        for import in &inspection.imports {
            if import.starts_with("wasi:clocks/") {
                assert!(
                    inspection.types_only.contains(import),
                    "serving HTTP: {serves_http}, {policy}: `{import}` brings functions\n{inspection}"
                );
            }
        }
    }
}

/// Finding 13 (docs/reliability.md): an app importing a WASI name with a shape WASI does not
/// have, which the policy denies, is told which import is not WASI's, not "internal error".
#[test]
fn a_denied_import_of_a_made_up_shape_is_named_as_incompatible() {
    let app = world(
        RealVersion::V0_2_0,
        vec![ImportSpec::Garbled {
            package: PackageName::Sockets,
            interface: InterfaceName::Tcp,
            version: GarbledVersion::V0_2_1,
            shape: Shape::Func(FuncName::Handle, FuncType::U64),
        }],
    )
    .build()
    .expect("the app builds");
    let policy = interpose::Policy::parse(r#"{"sockets": "deny"}"#, "p.json").unwrap();
    match interpose::Composer::new(policy).compose(&app.bytes) {
        Err(interpose::ComposeError::Incompatible { import, kind, .. }) => {
            assert_eq!(
                (import.as_str(), kind),
                ("wasi:sockets/tcp@0.2.1", "denial component")
            )
        }
        other => panic!("{other:?}"),
    }
}
