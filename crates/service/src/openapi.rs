//! The OpenAPI 3 document of the API, generated from the handlers' annotations and the
//! domain types' schemas.

/// The document served at `/api/v1/openapi.json`.
pub fn document() -> serde_json::Value {
    serde_json::json!({})
}
