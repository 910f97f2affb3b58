# Short aliases for the cargo commands; `just` is optional, the README uses cargo directly.

# Compose and run the example app under a policy (default: no-secrets).
demo policy="no-secrets":
    cargo demo {{policy}}

# The whole test suite (what CI runs).
test:
    cargo test --workspace

# Format and lint everything.
check:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Install the `interpose` binary (adapters embedded).
install:
    cargo install --path compose
