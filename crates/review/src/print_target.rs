//! Where the desktop app may write a printed PDF: only a path the reviewer picked in the
//! system's "save as" dialog during this session, or a file directly inside the default
//! folder (Documents/BindDesk). A path the page hands over is never trusted by itself:
//! a compromised page must not be able to write a PDF over any file the reviewer can
//! write, nor create folders.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

/// Why a path was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// Not an absolute path ending in `.pdf`, or one with `..` in it.
    #[error("the file name must be a full path ending in .pdf")]
    NotPdf,
    /// Neither picked in the save dialog nor inside the default folder.
    #[error("choose where to save with the save dialog (only the default folder may be typed)")]
    NotChosen,
}

/// The paths a print may be written to, for one app session.
#[derive(Debug)]
pub struct PrintTargets {
    default_dir: PathBuf,
    picked: Mutex<HashSet<PathBuf>>,
}

impl PrintTargets {
    /// Targets with this default folder and nothing picked yet.
    pub fn new(default_dir: PathBuf) -> PrintTargets {
        PrintTargets { default_dir, picked: Mutex::new(HashSet::new()) }
    }

    /// The default folder.
    pub fn default_dir(&self) -> &Path {
        &self.default_dir
    }

    /// Records a path the reviewer picked in the save dialog.
    pub fn remember_picked(&self, path: &Path) {
        self.picked.lock().unwrap_or_else(|p| p.into_inner()).insert(path.to_path_buf());
    }

    /// The path to write, if it may be written; whether its folder may be created (only
    /// the default folder may).
    pub fn check(&self, typed: &str) -> Result<(PathBuf, bool), TargetError> {
        let path = PathBuf::from(typed.trim());
        let is_pdf = path.extension().is_some_and(|x| x.eq_ignore_ascii_case("pdf"));
        if !is_pdf || !path.is_absolute() || path.components().any(|c| matches!(c, Component::ParentDir)) {
            return Err(TargetError::NotPdf);
        }
        if self.picked.lock().unwrap_or_else(|p| p.into_inner()).contains(&path) {
            return Ok((path, false));
        }
        let in_default = path.parent() == Some(self.default_dir.as_path())
            && path.file_name().is_some_and(|n| !n.to_string_lossy().starts_with('.'));
        if in_default { Ok((path, true)) } else { Err(TargetError::NotChosen) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> PathBuf {
        std::env::temp_dir().join("docs")
    }

    #[test]
    fn only_picked_paths_and_the_default_folder() {
        let t = PrintTargets::new(root().join("BindDesk"));
        let default = root().join("BindDesk").join("資訊二忠.pdf");
        assert_eq!(t.check(&default.to_string_lossy()), Ok((default.clone(), true)));
        let elsewhere = root().join("elsewhere").join("x.pdf");
        assert_eq!(t.check(&elsewhere.to_string_lossy()), Err(TargetError::NotChosen));
        t.remember_picked(&elsewhere);
        assert_eq!(t.check(&elsewhere.to_string_lossy()), Ok((elsewhere, false)));
        let sneaky = root().join("BindDesk").join("..").join("evil.pdf");
        assert_eq!(t.check(&sneaky.to_string_lossy()), Err(TargetError::NotPdf));
        let deeper = root().join("BindDesk").join("new-folder").join("x.pdf");
        assert_eq!(t.check(&deeper.to_string_lossy()), Err(TargetError::NotChosen));
        assert_eq!(t.check("relative.pdf"), Err(TargetError::NotPdf));
        assert_eq!(
            t.check(&root().join("BindDesk").join("x.txt").to_string_lossy()),
            Err(TargetError::NotPdf)
        );
        assert_eq!(
            t.check(&root().join("BindDesk").join(".bashrc.pdf").to_string_lossy()),
            Err(TargetError::NotChosen)
        );
    }
}
