//! The tablet app's entry (built by `dx` with `--features app`; see the crate docs).

fn main() {
    keis_tablet::launch();
}
