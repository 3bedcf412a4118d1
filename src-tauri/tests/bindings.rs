//! The TypeScript bindings in `ui/src/lib/bindings/index.ts` are generated from the IPC
//! types (`lantern_core::capture::dto`). This test fails when the committed file is
//! stale; `UPDATE_BINDINGS=1 cargo test -p lantern-app --test bindings` rewrites it.

use std::path::Path;

#[test]
fn typescript_bindings_are_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings/index.ts");
    let generated = lantern_core::capture::dto::typescript();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is stale: run `UPDATE_BINDINGS=1 cargo test -p lantern-app --test bindings`",
        path.display()
    );
}
