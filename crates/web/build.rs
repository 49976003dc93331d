//! Copies the compiled front-end assets (made by `scripts/build-assets`
//! from the npm packages) into the build, so the binary serves them itself.
//! When they have not been built, empty files stand in and a warning says so.

use std::path::{Path, PathBuf};

fn main() {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR is set by cargo"));
    let dist = Path::new("assets/dist");
    println!("cargo:rerun-if-changed=assets/dist");
    for name in ["safeguard.css", "govuk-frontend.min.js"] {
        let src = dist.join(name);
        let dst = out.join(name);
        if src.exists() {
            std::fs::copy(&src, &dst).expect("copy asset");
        } else {
            std::fs::write(&dst, b"").expect("write placeholder asset");
            println!("cargo:warning=front-end asset {name} is missing: run scripts/build-assets");
        }
    }
}
