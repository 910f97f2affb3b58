//! The filesystem commands: each names guest paths (`/data/a.txt`), reached through the 0.3
//! preopen whose name starts them, and prints what each call answered (`p3 read ok hello`,
//! `p3 open err ErrorCode::NoEntry`...). Most then do the same through std (WASI 0.2: `p2 ...`
//! lines), so that one run shows both versions under one policy.

use wasip3::filesystem::preopens;
use wasip3::filesystem::types::{
    Descriptor, DescriptorFlags, DescriptorType, ErrorCode, OpenFlags, PathFlags,
};

/// The preopen holding `path`, and `path` relative to it (`.` for the preopen itself).
fn resolve(path: &str) -> Option<(Descriptor, String)> {
    preopens::get_directories()
        .into_iter()
        .filter_map(|(dir, name)| {
            let rest = path.strip_prefix(name.trim_end_matches('/'))?;
            if !rest.is_empty() && !rest.starts_with('/') {
                return None;
            }
            let rest = rest.trim_start_matches('/');
            Some((
                dir,
                if rest.is_empty() {
                    ".".into()
                } else {
                    rest.into()
                },
            ))
        })
        .next()
}

fn preopen_of(path: &str) -> Result<(Descriptor, String), ErrorCode> {
    // As if the path were missing: no preopen holds it.
    resolve(path).ok_or(ErrorCode::NoEntry)
}

fn print<T>(what: &str, result: Result<T, ErrorCode>, ok: impl FnOnce(T) -> String) {
    match result {
        Ok(value) => println!("p3 {what} ok{}", ok(value)),
        Err(e) => println!("p3 {what} err {e:?}"),
    }
}

fn p2<T>(what: &str, result: std::io::Result<T>, ok: impl FnOnce(T) -> String) {
    match result {
        Ok(value) => println!("p2 {what} ok{}", ok(value)),
        Err(e) => println!("p2 {what} err {:?}", e.kind()),
    }
}

async fn open(
    path: &str,
    open: OpenFlags,
    flags: DescriptorFlags,
) -> Result<Descriptor, ErrorCode> {
    let (dir, rel) = preopen_of(path)?;
    dir.open_at(PathFlags::SYMLINK_FOLLOW, rel, open, flags)
        .await
}

async fn read_all(file: &Descriptor) -> Result<Vec<u8>, ErrorCode> {
    let (data, done) = file.read_via_stream(0);
    let bytes = data.collect().await;
    done.await?;
    Ok(bytes)
}

async fn write_all(file: &Descriptor, text: &str) -> Result<(), ErrorCode> {
    let (mut writer, reader) = wasip3::wit_stream::new::<u8>();
    let done = file.write_via_stream(reader, 0);
    let unsent = writer.write_all(text.as_bytes().to_vec()).await;
    drop(writer);
    done.await?;
    if unsent.is_empty() {
        Ok(())
    } else {
        Err(ErrorCode::Io)
    }
}

/// The names in `dir`'s 0.3 listing, sorted, once the listing ended well.
async fn sorted_names(dir: &Descriptor) -> Result<Vec<String>, ErrorCode> {
    let (entries, done) = dir.read_directory();
    let mut names: Vec<String> = entries
        .collect()
        .await
        .into_iter()
        .map(|e| e.name)
        .collect();
    done.await?;
    names.sort();
    Ok(names)
}

/// How many items `stream` holds, read `capacity` at a time and kept nowhere.
async fn count<T: 'static>(
    mut stream: wasip3::wit_bindgen::StreamReader<T>,
    capacity: usize,
) -> usize {
    let mut total = 0;
    let mut buffer = Vec::with_capacity(capacity);
    loop {
        let (status, read) = stream.read(buffer).await;
        total += read.len();
        if matches!(status, wasip3::wit_bindgen::StreamResult::Dropped) {
            return total;
        }
        buffer = read;
        buffer.clear();
    }
}

fn kind(t: &DescriptorType) -> &'static str {
    match t {
        DescriptorType::Directory => "dir",
        DescriptorType::RegularFile => "file",
        DescriptorType::SymbolicLink => "symlink",
        _ => "other",
    }
}

/// Runs the filesystem command `command` with `args`; `false` if it is not one.
pub async fn run(command: &str, args: &[String]) -> bool {
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    match command {
        // `read PATH`: opens it for reading and reads it whole through the host's stream.
        "read" => {
            let read = async {
                let file = open(arg(0), OpenFlags::empty(), DescriptorFlags::READ).await?;
                read_all(&file).await
            };
            print("read", read.await, |b| {
                format!(" {}", String::from_utf8_lossy(&b))
            });
            p2("read", std::fs::read_to_string(arg(0)), |s| format!(" {s}"));
        }
        // `write PATH TEXT`: creates or truncates it, opened for writing, and writes TEXT.
        "write" => {
            let write = async {
                let file = open(
                    arg(0),
                    OpenFlags::CREATE | OpenFlags::TRUNCATE,
                    DescriptorFlags::WRITE,
                )
                .await?;
                write_all(&file, arg(1)).await
            };
            print("write", write.await, |()| String::new());
            p2("write", std::fs::write(arg(0), arg(1)), |()| String::new());
        }
        // `write-readonly PATH TEXT`: opens it for reading only (which any mode allows) and
        // writes and appends through it: the host answers.
        "write-readonly" => match open(arg(0), OpenFlags::empty(), DescriptorFlags::READ).await {
            Ok(file) => {
                print("write-via-stream", write_all(&file, arg(1)).await, |()| {
                    String::new()
                });
                let (mut writer, reader) = wasip3::wit_stream::new::<u8>();
                let done = file.append_via_stream(reader);
                writer.write_all(arg(1).as_bytes().to_vec()).await;
                drop(writer);
                print("append-via-stream", done.await, |()| String::new());
                print("set-size", file.set_size(0).await, |()| String::new());
                print("flags", file.get_flags().await, |f| {
                    format!(" write={}", f.contains(DescriptorFlags::WRITE))
                });
            }
            Err(e) => println!("p3 open err {e:?}"),
        },
        // `stat PATH`: its type and size (following a symlink), and without following it.
        "stat" => {
            let stat = |flags: PathFlags| async move {
                let (dir, rel) = preopen_of(arg(0))?;
                dir.stat_at(flags, rel).await
            };
            print("stat", stat(PathFlags::SYMLINK_FOLLOW).await, |s| {
                format!(" {} {}", kind(&s.type_), s.size)
            });
            print("lstat", stat(PathFlags::empty()).await, |s| {
                format!(" {}", kind(&s.type_))
            });
            p2("stat", std::fs::metadata(arg(0)), |m| {
                format!(" {} {}", if m.is_dir() { "dir" } else { "file" }, m.len())
            });
        }
        // `list DIR`: its entries, sorted, through the 0.3 `read-directory` stream.
        "list" => {
            let list = async {
                let dir = open(arg(0), OpenFlags::DIRECTORY, DescriptorFlags::READ).await?;
                sorted_names(&dir).await
            };
            print("list", list.await, |names| format!(" {}", names.join(" ")));
            p2(
                "list",
                std::fs::read_dir(arg(0)).and_then(|entries| {
                    let mut names = entries
                        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
                        .collect::<std::io::Result<Vec<_>>>()?;
                    names.sort();
                    Ok(names)
                }),
                |names| format!(" {}", names.join(" ")),
            );
        }
        // `list-first DIR`: reads one entry of its listing (if any), drops the stream, and prints
        // whether there was one and how the listing ended.
        "list-first" => {
            let first = async {
                let dir = open(arg(0), OpenFlags::DIRECTORY, DescriptorFlags::READ).await?;
                let (mut entries, done) = dir.read_directory();
                let first = entries.next().await;
                drop(entries);
                done.await?;
                Ok(first.is_some())
            };
            print("list-first", first.await, |some| {
                format!(" {}", if some { "entry" } else { "none" })
            });
        }
        // The changes, each through 0.3 only: `mkdir PATH`, `rmdir PATH`, `unlink PATH`,
        // `symlink TARGET PATH`, `rename FROM TO` (both in one preopen).
        "mkdir" | "rmdir" | "unlink" => {
            let change = async {
                let (dir, rel) = preopen_of(arg(0))?;
                match command {
                    "mkdir" => dir.create_directory_at(rel).await,
                    "rmdir" => dir.remove_directory_at(rel).await,
                    _ => dir.unlink_file_at(rel).await,
                }
            };
            print(command, change.await, |()| String::new());
        }
        "symlink" => {
            let change = async {
                let (dir, rel) = preopen_of(arg(1))?;
                dir.symlink_at(arg(0).to_owned(), rel).await
            };
            print(command, change.await, |()| String::new());
        }
        "rename" => {
            let change = async {
                let (dir, from) = preopen_of(arg(0))?;
                let (_, to) = preopen_of(arg(1))?;
                dir.rename_at(from, &dir, to).await
            };
            print(command, change.await, |()| String::new());
        }
        // `read-loop PATH N`: reads it N times through 0.3 and prints each distinct answer
        // once, sorted (`p3 read-loop ok hello`, `p3 read-loop err ErrorCode::NoEntry`).
        "read-loop" => {
            let rounds: usize = arg(1).parse().unwrap_or(0);
            let mut seen = std::collections::BTreeSet::new();
            for _ in 0..rounds {
                let read = async {
                    let file = open(arg(0), OpenFlags::empty(), DescriptorFlags::READ).await?;
                    read_all(&file).await
                };
                seen.insert(match read.await {
                    Ok(bytes) => format!("ok {}", String::from_utf8_lossy(&bytes)),
                    Err(e) => format!("err {e:?}"),
                });
            }
            for answer in seen {
                println!("p3 read-loop {answer}");
            }
        }
        // For the benchmarks (0.3 only, one line): `read-bytes PATH` streams the file through
        // and counts its bytes; `stat-many DIR N` opens, stats and closes `DIR/f00000.txt`...
        "read-bytes" => {
            let read = async {
                let file = open(arg(0), OpenFlags::empty(), DescriptorFlags::READ).await?;
                let (data, done) = file.read_via_stream(0);
                let total = count(data, 64 * 1024).await;
                done.await?;
                Ok(total)
            };
            print("read-bytes", read.await, |n| format!(" {n}"));
        }
        "stat-many" => {
            let stat = async {
                let (dir, rel) = preopen_of(arg(0))?;
                let count: usize = arg(1).parse().map_err(|_| ErrorCode::Invalid)?;
                let mut total = 0;
                for i in 0..count {
                    let file = dir
                        .open_at(
                            PathFlags::empty(),
                            format!("{rel}/f{i:05}.txt"),
                            OpenFlags::empty(),
                            DescriptorFlags::READ,
                        )
                        .await?;
                    total += file.stat().await?.size;
                }
                Ok(total)
            };
            print("stat-many", stat.await, |n| format!(" {n}"));
        }
        // `list-count DIR`: how many entries its 0.3 listing has (for the benchmarks).
        "list-count" => {
            let count = async {
                let dir = open(arg(0), OpenFlags::DIRECTORY, DescriptorFlags::READ).await?;
                let (entries, done) = dir.read_directory();
                let entries = count(entries, 256).await;
                done.await?;
                Ok(entries)
            };
            print("list-count", count.await, |n| format!(" {n}"));
        }
        // `at DIR OP ARGS...`: opens DIR (following symlinks) as a directory and runs OP on
        // paths relative to that descriptor, 0.3 only: `stat P` (following, then not), `hash P`
        // (`metadata-hash-at`, both ways), `readlink P`, `touch P` (`set-times-at`, not
        // following, then following), `link OLD NEW`, `open P FLAGS` (letters: `c` create, `e`
        // exclusive, `t` truncate, `d` directory, `w` write, `m` mutate-directory, `n` not
        // following; a file opened with `w` is then written `x`), `list` (DIR itself),
        // `mkdir P`, `rmdir P`, `unlink P`, `symlink TARGET P`, `rename OLD NEW`, `same P`
        // (`is-same-object` of DIR and P), `touch-fd P` (`set-times` on P opened for reading).
        "at" => at(arg(0), arg(1), arg(2), arg(3)).await,
        _ => return false,
    }
    true
}

fn flags_of(text: &str) -> (PathFlags, OpenFlags, DescriptorFlags) {
    let mut path = PathFlags::SYMLINK_FOLLOW;
    let mut open = OpenFlags::empty();
    let mut flags = DescriptorFlags::READ;
    for c in text.chars() {
        match c {
            'c' => open |= OpenFlags::CREATE,
            'e' => open |= OpenFlags::EXCLUSIVE,
            't' => open |= OpenFlags::TRUNCATE,
            'd' => open |= OpenFlags::DIRECTORY,
            'w' => flags |= DescriptorFlags::WRITE,
            'm' => flags |= DescriptorFlags::MUTATE_DIRECTORY,
            'n' => path = PathFlags::empty(),
            _ => {}
        }
    }
    (path, open, flags)
}

async fn at(dir: &str, op: &str, a: &str, b: &str) {
    // With `mutate-directory` where the policy allows it, else for reading only.
    let mutate = DescriptorFlags::READ | DescriptorFlags::MUTATE_DIRECTORY;
    let base = match open(dir, OpenFlags::DIRECTORY, mutate).await {
        Ok(base) => base,
        Err(_) => match open(dir, OpenFlags::DIRECTORY, DescriptorFlags::READ).await {
            Ok(base) => base,
            Err(e) => {
                println!("p3 at-open err {e:?}");
                return;
            }
        },
    };
    match op {
        "stat" => {
            for (what, flags) in [
                ("at-stat", PathFlags::SYMLINK_FOLLOW),
                ("at-lstat", PathFlags::empty()),
            ] {
                print(what, base.stat_at(flags, a.to_owned()).await, |s| {
                    format!(" {} {} {}", kind(&s.type_), s.size, s.link_count)
                });
            }
        }
        "hash" => {
            for (what, flags) in [
                ("at-hash", PathFlags::SYMLINK_FOLLOW),
                ("at-lhash", PathFlags::empty()),
            ] {
                print(
                    what,
                    base.metadata_hash_at(flags, a.to_owned()).await,
                    |_| String::new(),
                );
            }
        }
        "readlink" => print("at-readlink", base.readlink_at(a.to_owned()).await, |t| {
            format!(" {t}")
        }),
        "touch" => {
            use wasip3::filesystem::types::NewTimestamp;
            for (what, flags) in [
                ("at-touch", PathFlags::empty()),
                ("at-touch-follow", PathFlags::SYMLINK_FOLLOW),
            ] {
                print(
                    what,
                    base.set_times_at(flags, a.to_owned(), NewTimestamp::Now, NewTimestamp::Now)
                        .await,
                    |()| String::new(),
                );
            }
        }
        "touch-fd" => {
            use wasip3::filesystem::types::NewTimestamp;
            match base
                .open_at(
                    PathFlags::SYMLINK_FOLLOW,
                    a.to_owned(),
                    OpenFlags::empty(),
                    DescriptorFlags::READ,
                )
                .await
            {
                Ok(file) => print(
                    "at-touch-fd",
                    file.set_times(NewTimestamp::Now, NewTimestamp::Now).await,
                    |()| String::new(),
                ),
                Err(e) => println!("p3 at-open err {e:?}"),
            }
        }
        "link" => print(
            "at-link",
            base.link_at(PathFlags::empty(), a.to_owned(), &base, b.to_owned())
                .await,
            |()| String::new(),
        ),
        "open" => {
            let (path, open_flags, flags) = flags_of(b);
            match base.open_at(path, a.to_owned(), open_flags, flags).await {
                Ok(file) => {
                    let t = file.get_type().await.map(|t| kind(&t)).unwrap_or("?");
                    println!("p3 at-open ok {t}");
                    if flags.contains(DescriptorFlags::WRITE) && t == "file" {
                        print("at-write", write_all(&file, "x").await, |()| String::new());
                    }
                }
                Err(e) => println!("p3 at-open err {e:?}"),
            }
        }
        "list" | "open-list" => {
            let target = if op == "list" {
                Ok(base)
            } else {
                base.open_at(
                    PathFlags::SYMLINK_FOLLOW,
                    a.to_owned(),
                    OpenFlags::DIRECTORY,
                    DescriptorFlags::READ,
                )
                .await
            };
            let list = async { sorted_names(&target?).await };
            print("at-list", list.await, |names| {
                format!(" {}", names.join(" "))
            });
        }
        "mkdir" => print(
            "at-mkdir",
            base.create_directory_at(a.to_owned()).await,
            |()| String::new(),
        ),
        "rmdir" => print(
            "at-rmdir",
            base.remove_directory_at(a.to_owned()).await,
            |()| String::new(),
        ),
        "unlink" => print("at-unlink", base.unlink_file_at(a.to_owned()).await, |()| {
            String::new()
        }),
        "symlink" => print(
            "at-symlink",
            base.symlink_at(a.to_owned(), b.to_owned()).await,
            |()| String::new(),
        ),
        "rename" => print(
            "at-rename",
            base.rename_at(a.to_owned(), &base, b.to_owned()).await,
            |()| String::new(),
        ),
        "same" => {
            match base
                .open_at(
                    PathFlags::SYMLINK_FOLLOW,
                    a.to_owned(),
                    OpenFlags::empty(),
                    DescriptorFlags::READ,
                )
                .await
            {
                Ok(other) => println!("p3 at-same {}", base.is_same_object(&other).await),
                Err(e) => println!("p3 at-open err {e:?}"),
            }
        }
        other => println!("p3 at unknown {other}"),
    }
}
