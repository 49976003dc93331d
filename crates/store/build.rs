//! Rebuilds the store when a migration is added or changed: `sqlx::migrate!`
//! embeds the migration files, and cargo on stable Rust does not see them
//! otherwise, so a new migration could be missing from a binary built before.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
