//! Writes ui/src/generated/review.ts from the engine's view types.

fn main() -> std::io::Result<()> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(binddesk_review::typescript::GENERATED_PATH);
    std::fs::write(&path, binddesk_review::typescript::render())?;
    println!("wrote {}", path.display());
    Ok(())
}
