//! The parent side: codes, sessions, students, submissions.

use super::*;

/// `POST /api/v1/parent/codes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// e-mail or phone.
    pub channel: CodeChannel,
    /// The address or number.
    pub address: String,
}

/// The answer to a code request (202): when another code may be asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CodeSent {
    /// Seconds before this address may ask again (the resend wait).
    pub retry_after_secs: u64,
}

/// `POST /api/v1/parent/session`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ParentSessionRequest {
    /// The verified address or number.
    pub address: String,
    /// The 6-digit code.
    pub code: String,
}

/// The answer to a parent login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParentSessionResponse {
    /// The bearer token.
    pub token: String,
    /// When it stops working.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: Timestamp,
}

/// `POST /api/v1/parent/students/verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StudentVerifyRequest {
    /// 學層.
    pub school_level: SchoolLevel,
    /// The student's ID number.
    pub id_number: String,
}

/// The schools where a student with that number is enrolled at that level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StudentVerifyResponse {
    /// Matching schools.
    pub schools: Vec<School>,
    /// What the parent confirms at each school: the student's masked name and class.
    #[serde(default)]
    pub students: Vec<StudentMatch>,
}

/// A student found at one school, as a parent sees it before applying: enough to tell
/// the right child, not enough to learn a stranger's name from an ID number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StudentMatch {
    /// The school's code.
    pub school_code: String,
    /// The name, masked (`陳*明`).
    pub name_masked: String,
    /// The class, e.g. 資訊二忠.
    pub class_name: String,
}

/// `POST /api/v1/parent/profile`: the parent's ID number, checked, and the data this
/// session's own earlier applications hold for it (step 5 of the walkthrough).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProfileRequest {
    /// The parent's ID or residence-permit number.
    pub id_number: String,
}

/// The answer to a profile look-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProfileResponse {
    /// The ID number in its canonical form.
    pub id_number: String,
    /// The parent's data from this session's latest application with that number, if any.
    pub parent: Option<Parent>,
}

/// One student of a submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StudentChoice {
    /// The student's ID number.
    pub id_number: String,
    /// 學層.
    pub school_level: SchoolLevel,
    /// The school picked from the verify answer.
    pub school_code: String,
    /// The parent's relationship to this student.
    pub relationship: Relationship,
}

/// `POST /api/v1/parent/applications`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    /// The parent's data.
    pub parent: Parent,
    /// One or more students.
    pub students: Vec<StudentChoice>,
    /// The personal-data statement was accepted.
    pub consent: bool,
    /// The signature, a base64 PNG.
    pub signature_png: String,
}

/// `PUT /api/v1/parent/applications/{id}`: a returned application, corrected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ResubmitRequest {
    /// The student's ID number.
    pub id_number: String,
    /// 學層.
    pub school_level: SchoolLevel,
    /// The school.
    pub school_code: String,
    /// The relationship.
    pub relationship: Relationship,
    /// The parent's data.
    pub parent: Parent,
    /// A new signature, a base64 PNG.
    pub signature_png: String,
}

/// A list of applications (submit answer, a parent's own list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicationList {
    /// The applications.
    pub applications: Vec<Application>,
}
