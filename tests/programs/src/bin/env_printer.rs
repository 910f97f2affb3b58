//! Prints what the app sees of `wasi:cli/environment`, one fact per line, sorted, so tests can
//! compare exactly.

fn main() {
    let mut vars: Vec<(String, String)> = std::env::vars().collect();
    vars.sort();
    for (name, value) in vars {
        println!("env {name}={value}");
    }
    // What `initial-cwd` says, not `current_dir`: wasi-libc reports `/` when there is none.
    println!("cwd {:?}", wasip2::cli::environment::initial_cwd());
    for arg in std::env::args().skip(1) {
        println!("arg {arg}");
    }
}
