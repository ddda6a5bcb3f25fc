//! ARCHITECTURE.md is the map of the code: every public module of the core
//! must be on it, so a new one cannot land unexplained.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

/// Every `pub mod` of the crate, as its path (`ops::session`), found by
/// reading the sources from `lib.rs` down (`NAME.rs` or `NAME/mod.rs`).
fn public_modules(file: &Path, prefix: &str, found: &mut Vec<String>) {
    let text = std::fs::read_to_string(file).unwrap();
    let dir = if file.ends_with("lib.rs") || file.ends_with("mod.rs") {
        file.parent().unwrap().to_path_buf()
    } else {
        file.with_extension("")
    };
    for line in text.lines() {
        let Some(name) = line
            .strip_prefix("pub mod ")
            .and_then(|r| r.strip_suffix(';'))
        else {
            continue;
        };
        let path = format!("{prefix}{name}");
        let as_file: PathBuf = dir.join(format!("{name}.rs"));
        let as_dir = dir.join(name).join("mod.rs");
        let source = if as_file.exists() { as_file } else { as_dir };
        found.push(path.clone());
        public_modules(&source, &format!("{path}::"), found);
    }
}

#[test]
fn every_public_module_of_the_core_is_on_the_map() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut modules = Vec::new();
    public_modules(&root.join("src/lib.rs"), "", &mut modules);
    assert!(modules.len() > 20, "the walk found too little: {modules:?}");
    assert!(modules.contains(&"ops::add".to_string()), "{modules:?}");
    let map = std::fs::read_to_string(root.join("../../ARCHITECTURE.md")).unwrap();
    let missing: Vec<&String> = modules
        .iter()
        .filter(|m| !map.contains(&format!("`{m}`")) && !map.contains(&format!("`{m}::")))
        .collect();
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md does not describe these modules of ccs-core: {missing:?}; add a line for each to its ccs-core table"
    );
}
