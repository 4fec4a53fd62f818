//! The OpenAPI 3 document of the API, generated from the handlers' `#[utoipa::path]`
//! annotations and the domain types' schemas, so it cannot drift from the code.

use crate::http::{ops, parent, staff};
use binddesk_domain::api::*;
use binddesk_domain::*;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "BindDesk binding service (親子綁定服務)", version = "1", description = "The contract between the BindDesk review app and the binding service: shared/API.md."),
    paths(
        staff::login, ops::logout, staff::changes, staff::application, staff::signature, staff::decision,
        staff::batch_decisions, staff::record_reveals, staff::list_reveals, parent::request_code, parent::login, parent::verify_email, parent::verify_student, parent::profile, parent::submit,
        parent::list, parent::resubmit, parent::cancel_one, parent::cancel_all, parent::form_pdf, ops::healthz, ops::livez, ops::readyz, ops::metrics,
        ops::openapi, ops::dev_outbox,
    ),
    components(schemas(
        ErrorResponse, ErrorDetail, Application, Student, Parent, Relationship, SignatureInfo, RegistryCheck,
        HistoryEntry, PreviousVersion, SessionRequest, SessionResponse, Staff, School, ClassRef, ChangesPage,
        DecisionRequest, BatchDecisionItem, BatchDecisionRequest, BatchDecisionResult, BatchDecisionResponse,
        CodeRequest, CodeSent, RevealReport, RevealItem, ParentSessionRequest, ParentSessionResponse, StudentVerifyRequest, StudentVerifyResponse, StudentMatch, ProfileRequest, ProfileResponse,
        StudentChoice, SubmitRequest, ResubmitRequest, ApplicationList, Status, SchoolLevel, RelationshipKind,
        RelationshipTitle, RegistryResult, Flag, Role, DecisionAction, HistoryAction, CodeChannel, BatchOutcome,
    )),
    modifiers(&BearerAuth),
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// The document served at `/api/v1/openapi.json`.
pub fn document() -> serde_json::Value {
    serde_json::to_value(ApiDoc::openapi()).unwrap_or_default()
}
