//! The few things the app remembers between runs: language, the last service address and
//! username, and the window's size and position. A plain JSON file in the data folder;
//! nothing personal about applicants, and no secret (those are in the credential store).

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The window's last geometry, in physical pixels.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq)]
pub struct Geometry {
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
}

/// What is remembered.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Settings {
    /// `zh-TW` (default) or `en`.
    pub lang: Option<String>,
    /// The last service address used to log in.
    pub service_url: Option<String>,
    /// The last username.
    pub username: Option<String>,
    /// The main window's geometry (when it was last not maximized).
    pub window: Option<Geometry>,
    /// The window was maximized when last closed: it comes back maximized.
    pub maximized: bool,
    /// Single-key shortcuts (`a`, `r`, `A`…) are on unless turned off (WCAG 2.1.4).
    pub shortcuts: Option<bool>,
    /// Text size, 1.0 = 100 % (Ctrl +/−/0), kept between runs.
    pub text_zoom: Option<f64>,
}

/// The text sizes Ctrl +/− steps through.
pub const ZOOM_STEPS: [f64; 8] = [0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0];

/// A text size within what the layout is made for.
pub fn clamp_zoom(z: f64) -> f64 {
    if z.is_finite() { z.clamp(ZOOM_STEPS[0], ZOOM_STEPS[ZOOM_STEPS.len() - 1]) } else { 1.0 }
}

/// The settings file in a data folder.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join("settings.json")
}

/// Reads the settings; a missing, oversized or damaged file gives the defaults.
pub fn load(data_dir: &Path) -> Settings {
    let p = path(data_dir);
    match std::fs::metadata(&p) {
        Ok(m) if m.len() <= 64 * 1024 => {}
        _ => return Settings::default(),
    }
    std::fs::read(&p).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
}

/// Writes the settings (temporary file, then rename, so a crash never leaves half).
pub fn save(data_dir: &Path, s: &Settings) -> std::io::Result<()> {
    std::fs::create_dir_all(data_dir)?;
    let tmp = data_dir.join("settings.json.tmp");
    let bytes = serde_json::to_vec_pretty(s).map_err(std::io::Error::other)?;
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(tmp, path(data_dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_damage_gives_defaults() {
        let dir = std::env::temp_dir().join(format!("binddesk-settings-{}", std::process::id()));
        assert_eq!(load(&dir), Settings::default(), "no file: defaults");
        let s = Settings {
            lang: Some("en".into()),
            service_url: Some("https://binding.example".into()),
            username: Some("t.info2".into()),
            window: Some(Geometry { x: 10, y: 20, width: 1300, height: 820 }),
            maximized: true,
            shortcuts: Some(false),
            text_zoom: Some(1.5),
        };
        save(&dir, &s).expect("save");
        assert_eq!(load(&dir), s);
        std::fs::write(path(&dir), b"{not json").expect("write");
        assert_eq!(load(&dir), Settings::default(), "a damaged file: defaults");
        std::fs::write(path(&dir), vec![b' '; 70 * 1024]).expect("write");
        assert_eq!(load(&dir), Settings::default(), "an oversized file is not read");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn zoom_stays_in_range() {
        assert_eq!(clamp_zoom(9.0), 2.0);
        assert_eq!(clamp_zoom(0.1), 0.8);
        assert_eq!(clamp_zoom(f64::NAN), 1.0);
        assert_eq!(clamp_zoom(1.25), 1.25);
    }
}
