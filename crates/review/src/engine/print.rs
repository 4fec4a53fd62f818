//! Printing forms from the cache alone.

use super::*;

impl Engine {
    // ---- printing ----

    /// Renders the forms of these applications from the cache alone, in the order given.
    pub fn print(
        &self,
        renderer: &binddesk_forms::Renderer,
        ids: &[String],
        reveal: bool,
        progress: &mut dyn FnMut(binddesk_forms::Progress) -> bool,
    ) -> Result<binddesk_forms::Rendered, PrintError> {
        let mut items: Vec<(Application, Option<Vec<u8>>)> = Vec::with_capacity(ids.len());
        {
            let guard = self.lock();
            let cache = guard.as_ref().ok_or(EngineError::LoggedOut)?;
            for id in ids {
                let app = cache.application(id).map_err(EngineError::from)?;
                let png = cache.signature(&app.signature.sha256).map_err(EngineError::from)?;
                items.push((app, png));
            }
            if reveal {
                for id in ids {
                    cache
                        .record_reveal(&self.username, id, &["print"], Utc::now())
                        .map_err(EngineError::from)?;
                }
            }
        }
        let staff = self.staff();
        let school = staff.school.name.as_str();
        let inputs: Vec<binddesk_forms::FormInput<'_>> = items
            .iter()
            .map(|(a, png)| binddesk_forms::FormInput {
                application: a,
                signature_png: png.as_deref(),
                school_name: Some(school),
            })
            .collect();
        let opts = binddesk_forms::RenderOptions { reveal, printed_at: Utc::now() };
        Ok(renderer.render(&inputs, &opts, progress)?)
    }

    /// The application and signature a form needs, from the cache alone.
    pub fn form_input(&self, id: &str) -> Result<(Application, Option<Vec<u8>>), EngineError> {
        self.with_cache(|c| {
            let app = c.application(id)?;
            let png = c.signature(&app.signature.sha256)?;
            Ok((app, png))
        })
    }
}

/// Why printing failed.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// Reading the cache failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// Rendering failed (no font, a bad signature, cancelled).
    #[error(transparent)]
    Form(#[from] binddesk_forms::FormError),
}
