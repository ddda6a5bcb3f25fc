//! The TypeScript declarations of every type in [`crate::dto`], generated with
//! ts-rs into `ui/src/bindings.ts`. A test fails when the file is stale;
//! `UPDATE_BINDINGS=1 cargo test -p ccs-app bindings` rewrites it.

use ts_rs::TS;

use crate::dto::*;

pub const HEADER: &str = "// Generated from src-tauri/src/dto.rs (and the ccs-core types it names) by src-tauri/src/bindings.rs. Do not edit.\n";

/// The whole file.
pub fn typescript() -> String {
    let decls = [
        AppError::decl(),
        FileProblem::decl(),
        Settings::decl(),
        ConnectionInfo::decl(),
        ConnectInput::decl(),
        ConnectionReport::decl(),
        ErrorCode::decl(),
        PasswordStorage::decl(),
        TrackerStatus::decl(),
        ContentKind::decl(),
        JobKind::decl(),
        JobState::decl(),
        ItemHealth::decl(),
        PartnerStatus::decl(),
        LibraryItem::decl(),
        LibraryPhase::decl(),
        LibraryBatch::decl(),
        Partner::decl(),
        AddDetails::decl(),
        AddPhase::decl(),
        AddProgress::decl(),
        AddOutcome::decl(),
        RetrieveProgress::decl(),
        RetrieveOutcome::decl(),
        FailedSource::decl(),
        InviteInput::decl(),
        InviteOutcome::decl(),
        PickRequest::decl(),
        JobInputs::decl(),
        JobEntry::decl(),
    ];
    let mut out = String::from(HEADER);
    for d in decls {
        out.push_str("\nexport ");
        out.push_str(&d);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_are_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts");
        let want = typescript();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "ui/src/bindings.ts is stale: run UPDATE_BINDINGS=1 cargo test -p ccs-app bindings"
        );
    }
}
