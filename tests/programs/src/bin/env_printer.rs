//! Prints what the app sees of `wasi:cli/environment`, one fact per line, sorted, so tests can
//! compare exactly.

fn main() {
    let mut vars: Vec<(String, String)> = std::env::vars().collect();
    vars.sort();
    for (name, value) in vars {
        println!("env {name}={value}");
    }
    println!("cwd {:?}", std::env::current_dir().ok());
    for arg in std::env::args().skip(1) {
        println!("arg {arg}");
    }
}
