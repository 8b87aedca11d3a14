//! `sqlx::migrate!` embeds the migration files at compile time; a new or edited
//! migration must rebuild the crate even when no Rust source changed.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
