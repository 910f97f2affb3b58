//! Prints what the app sees of `wasi:cli/environment`, one fact per line, sorted, so tests can
//! compare exactly. Also built for wasm32-wasip1.

fn main() {
    let mut vars: Vec<(String, String)> = std::env::vars().collect();
    vars.sort();
    for (name, value) in vars {
        println!("env {name}={value}");
    }
    // What `initial-cwd` says, not `current_dir`: wasi-libc reports `/` when there is none.
    #[cfg(not(target_env = "p1"))]
    println!("cwd {:?}", wasip2::cli::environment::initial_cwd());
    // Preview 1 has no `initial-cwd`: what wasi-libc reports.
    #[cfg(target_env = "p1")]
    println!(
        "cwd {:?}",
        std::env::current_dir()
            .ok()
            .map(|d| d.display().to_string())
    );
    // The program name (the first argument), which hosts set as they like.
    println!("program {:?}", std::env::args().next());
    for arg in std::env::args().skip(1) {
        println!("arg {arg}");
    }
}
