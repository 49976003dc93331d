//! Copies the compiled front-end assets into the build, so the binary
//! serves them itself. They are committed in `assets/dist` (made by
//! `scripts/build-assets` from the npm packages, which `scripts/test`
//! checks are current), so a plain `cargo build` or `cargo install` gives
//! a styled binary. Without them the build fails, loudly, rather than
//! produce a binary that serves empty styles.

use std::path::{Path, PathBuf};

fn main() {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR is set by cargo"));
    let dist = Path::new("assets/dist");
    println!("cargo:rerun-if-changed=assets/dist");
    for name in ["safeguard.css", "govuk-frontend.min.js"] {
        let src = dist.join(name);
        match std::fs::read(&src) {
            Ok(bytes) if !bytes.is_empty() => {
                std::fs::write(out.join(name), bytes).expect("copy asset");
            }
            _ => panic!(
                "the front-end asset {} is missing or empty: run scripts/build-assets (it needs npm)",
                src.display()
            ),
        }
    }
}
