//! The civil-registry check (民政資料自動查驗) behind an interface.
//!
//! The real registry is a government system that cannot run here; the built-in
//! implementation reads a registry table (who is registered in Taipei, which
//! parent–child links exist) that the demo fills and an import can load. Its
//! availability is a setting, so demos and tests can make it "unavailable": such
//! applications stay pending with that result and are retried later.

use crate::store::Store;
use binddesk_domain::api::RegistryCheck;
use binddesk_domain::{Labelled, RegistryReason, RegistryResult};
use std::sync::Arc;

/// What the registry answered about one parent–child pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryOutcome {
    /// Both registered in Taipei and the relationship confirmed: auto-approve.
    Passed,
    /// The registry could not confirm, with the reason.
    Failed(RegistryReason),
    /// The registry did not answer.
    Unavailable,
}

impl RegistryOutcome {
    /// The API's registry_check object.
    pub fn to_check(&self) -> RegistryCheck {
        match self {
            RegistryOutcome::Passed => check(RegistryResult::Passed, RegistryReason::Confirmed),
            RegistryOutcome::Failed(why) => check(RegistryResult::Failed, *why),
            RegistryOutcome::Unavailable => check(RegistryResult::Unavailable, RegistryReason::NoAnswer),
        }
    }
}

fn check(result: RegistryResult, reason: RegistryReason) -> RegistryCheck {
    RegistryCheck { result, detail: Some(reason.en().to_string()), reason: Some(reason) }
}

/// A civil registry.
pub trait Registry: Send + Sync + 'static {
    /// Checks one parent–child pair.
    fn check(&self, parent_id: &str, child_id: &str) -> RegistryOutcome;
}

/// The setting that switches the built-in registry off (`"false"`).
pub const AVAILABLE_SETTING: &str = "registry.available";

/// The built-in registry, reading the store's registry tables.
pub struct BuiltinRegistry {
    store: Arc<dyn Store>,
}

impl BuiltinRegistry {
    /// A registry over the store's tables.
    pub fn new(store: Arc<dyn Store>) -> BuiltinRegistry {
        BuiltinRegistry { store }
    }
}

impl Registry for BuiltinRegistry {
    fn check(&self, parent_id: &str, child_id: &str) -> RegistryOutcome {
        match self.store.setting(AVAILABLE_SETTING) {
            Ok(Some(v)) if v == "false" => return RegistryOutcome::Unavailable,
            Ok(_) => {}
            Err(_) => return RegistryOutcome::Unavailable,
        }
        match self.store.registry_facts(parent_id, child_id) {
            Ok((true, true, true)) => RegistryOutcome::Passed,
            Ok((parent_res, child_res, _)) if !parent_res || !child_res => {
                RegistryOutcome::Failed(match (parent_res, child_res) {
                    (false, false) => RegistryReason::NeitherResident,
                    (false, true) => RegistryReason::ParentNotResident,
                    _ => RegistryReason::ChildNotResident,
                })
            }
            Ok(_) => RegistryOutcome::Failed(RegistryReason::NoRelationship),
            Err(_) => RegistryOutcome::Unavailable,
        }
    }
}
