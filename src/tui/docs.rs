//! Generated documentation kept honest by tests: `docs/keys.md`, `docs/screens.md` and the
//! blocks of README.md between `<!-- NAME:begin -->` and `<!-- NAME:end -->` are drawn
//! from the keymap and the screens themselves, so they cannot drift.
//! `ZHIDA_UPDATE_DOCS=1 cargo test --bin zhida docs_` rewrites them.

use std::path::{Path, PathBuf};

fn repo_file(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn updating() -> bool {
    std::env::var_os("ZHIDA_UPDATE_DOCS").is_some()
}

/// `rel` must hold exactly `want` (rewritten first when updating).
pub fn file_is(rel: &str, want: &str) {
    let path = repo_file(rel);
    if updating() {
        std::fs::write(&path, want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{rel} is out of date: run ZHIDA_UPDATE_DOCS=1 cargo test --bin zhida docs_"
    );
}

/// The block `name` of README.md must hold exactly `want`.
pub fn readme_block_is(name: &str, want: &str) {
    let path = repo_file("README.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let (begin, end) = (
        format!("<!-- {name}:begin -->\n"),
        format!("<!-- {name}:end -->"),
    );
    let a = text
        .find(&begin)
        .unwrap_or_else(|| panic!("README.md has no {begin:?}"))
        + begin.len();
    let b = a + text[a..]
        .find(&end)
        .unwrap_or_else(|| panic!("README.md has no {end:?}"));
    if updating() {
        let new = format!("{}{want}{}", &text[..a], &text[b..]);
        std::fs::write(&path, new).unwrap();
        return;
    }
    assert!(
        text[a..b] == *want,
        "README.md block '{name}' is out of date: run ZHIDA_UPDATE_DOCS=1 cargo test --bin zhida docs_"
    );
}
