//! Writes the UI's generated TypeScript types (ui/src/generated/api.ts).
use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(binddesk_domain::typescript::GENERATED_PATH);
    std::fs::create_dir_all(path.parent().expect("generated path has a parent"))?;
    std::fs::write(&path, binddesk_domain::typescript::render())?;
    println!("wrote {}", path.display());
    Ok(())
}
