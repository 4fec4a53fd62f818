//! The enumerations of the API, each with zh-TW and English labels.

use crate::labels::labelled_enum;

labelled_enum! {
    /// The student's school level (學層).
    pub enum SchoolLevel {
        /// 國小
        Elementary => ("elementary", "國小", "Elementary school"),
        /// 國中
        JuniorHigh => ("junior_high", "國中", "Junior high school"),
        /// 高中
        SeniorHigh => ("senior_high", "高中", "Senior high school"),
        /// 高職
        Vocational => ("vocational", "高職", "Vocational high school"),
        /// 特教
        Special => ("special", "特教", "Special education"),
    }
}

labelled_enum! {
    /// The legal kind of the parent's relationship to the student.
    pub enum RelationshipKind {
        /// 法定代理人: father or mother.
        LegalRepresentative => ("legal_representative", "法定代理人", "Legal representative"),
        /// 監護人: grandparents or another guardian.
        Guardian => ("guardian", "監護人", "Guardian"),
    }
}

labelled_enum! {
    /// The title (稱謂) of the parent relative to the student.
    pub enum RelationshipTitle {
        /// 父親
        Father => ("father", "父親", "Father"),
        /// 母親
        Mother => ("mother", "母親", "Mother"),
        /// 祖父
        Grandfather => ("grandfather", "祖父", "Grandfather"),
        /// 祖母
        Grandmother => ("grandmother", "祖母", "Grandmother"),
        /// 外祖父
        MaternalGrandfather => ("maternal_grandfather", "外祖父", "Maternal grandfather"),
        /// 外祖母
        MaternalGrandmother => ("maternal_grandmother", "外祖母", "Maternal grandmother"),
        /// 其他
        Other => ("other", "其他", "Other guardian"),
    }
}

impl RelationshipTitle {
    /// The only kind this title may be combined with.
    pub fn kind(self) -> RelationshipKind {
        match self {
            RelationshipTitle::Father | RelationshipTitle::Mother => RelationshipKind::LegalRepresentative,
            _ => RelationshipKind::Guardian,
        }
    }
}

labelled_enum! {
    /// The state of an application.
    pub enum Status {
        /// 申請中: waiting for a person at the school.
        Pending => ("pending", "申請中", "Pending"),
        /// 自動審核通過: the civil-registry check confirmed the relationship.
        AutoApproved => ("auto_approved", "自動審核通過", "Auto-approved"),
        /// 審核通過: approved by a reviewer.
        Approved => ("approved", "審核通過", "Approved"),
        /// 退回: returned to the parent with a reason.
        Returned => ("returned", "退回", "Returned"),
        /// 已註銷: cancelled by the parent.
        Cancelled => ("cancelled", "已註銷", "Cancelled"),
    }
}

labelled_enum! {
    /// What the civil-registry check (民政資料自動查驗) said.
    pub enum RegistryResult {
        /// Both registered in Taipei and the relationship confirmed.
        Passed => ("passed", "查驗通過", "Passed"),
        /// The registry could not confirm the relationship.
        Failed => ("failed", "查驗未通過", "Not confirmed"),
        /// The registry did not answer; retried later.
        Unavailable => ("unavailable", "民政系統暫無回應", "Registry unavailable"),
        /// Not checked yet.
        NotChecked => ("not_checked", "尚未查驗", "Not checked"),
    }
}

labelled_enum! {
    /// Why the civil-registry check answered as it did: a code, so that every reviewer
    /// reads the reason in their own language.
    pub enum RegistryReason {
        /// Both registered in Taipei, and the relationship confirmed.
        Confirmed => ("confirmed", "家長與學生皆設籍臺北市，親屬關係已確認", "Both registered in Taipei; the relationship is confirmed"),
        /// The parent is not registered in Taipei.
        ParentNotResident => ("parent_not_resident", "家長未設籍臺北市", "The parent is not registered in Taipei"),
        /// The student is not registered in Taipei.
        ChildNotResident => ("child_not_resident", "學生未設籍臺北市", "The student is not registered in Taipei"),
        /// Neither is registered in Taipei.
        NeitherResident => ("neither_resident", "家長與學生皆未設籍臺北市", "Neither the parent nor the student is registered in Taipei"),
        /// Both registered, but the registry shows no such relationship.
        NoRelationship => ("no_relationship", "戶籍資料查無此親屬關係", "The household register shows no such relationship"),
        /// The registry did not answer; it is asked again.
        NoAnswer => ("no_answer", "民政系統暫無回應，將自動重新查驗", "The civil registry did not answer; it will be asked again"),
    }
}

labelled_enum! {
    /// What a reviewer must see at a glance about an application.
    pub enum Flag {
        /// An ID number fails its check digit.
        IdInvalid => ("id_invalid", "身分證字號檢核碼錯誤", "ID number fails its check digit"),
        /// The student already has two bound parent accounts.
        AccountLimit => ("account_limit", "學生已綁定兩個帳號", "Student already has two bound accounts"),
        /// Another parent's live application or account uses this e-mail.
        EmailInUse => ("email_in_use", "此E-mail已有申請紀錄", "E-mail already used by another parent"),
        /// The signature has almost no ink.
        SignatureBlank => ("signature_blank", "簽名幾乎空白", "Signature is blank or faint"),
        /// Returned before and changed since.
        Resubmitted => ("resubmitted", "退回後重新送出", "Resubmitted after being returned"),
        /// A name holds a character outside Big5 or in a private-use area.
        RareCharacter => ("rare_character", "姓名含罕用字", "Name has a rare character"),
    }
}

impl Flag {
    /// A sentence that explains the flag to a reviewer, in zh-TW.
    pub fn explain_zh_tw(self) -> &'static str {
        match self {
            Flag::IdInvalid => "學生或家長的身分證／居留證號碼檢核碼不符，請與家長確認號碼。",
            Flag::AccountLimit => "此學生已有兩個綁定帳號，依規定不能再核准新的帳號。",
            Flag::EmailInUse => "另一位家長的申請或帳號已使用此E-mail，常見於父母填了同一個信箱。",
            Flag::SignatureBlank => "電子簽名幾乎沒有筆跡，請開啟簽名確認是否有簽署全名。",
            Flag::Resubmitted => "此申請曾被退回，家長修正後重新送出；請看與退回時不同的欄位。",
            Flag::RareCharacter => "姓名含Big5以外或造字區的字，請與校務系統的姓名核對。",
        }
    }

    /// A sentence that explains the flag to a reviewer, in English.
    pub fn explain_en(self) -> &'static str {
        match self {
            Flag::IdInvalid => {
                "The student's or parent's ID number fails its check digit; confirm the number with the parent."
            }
            Flag::AccountLimit => "This student already has two bound accounts; the rules allow no third.",
            Flag::EmailInUse => {
                "Another parent's application or account uses this e-mail, often two parents typing the same address."
            }
            Flag::SignatureBlank => {
                "The signature has almost no ink; open it and check that the full name is signed."
            }
            Flag::Resubmitted => {
                "Returned before and corrected by the parent; look at the fields that changed."
            }
            Flag::RareCharacter => {
                "A name holds a character outside Big5 or in a private-use area; check it against the school's records."
            }
        }
    }
}

labelled_enum! {
    /// A staff member's role.
    pub enum Role {
        /// 導師: reviews the classes they are homeroom teacher of.
        Teacher => ("teacher", "導師", "Homeroom teacher"),
        /// 管理者: sees and reviews the whole school.
        Admin => ("admin", "學校管理者", "School administrator"),
    }
}

labelled_enum! {
    /// A reviewer's decision.
    pub enum DecisionAction {
        /// 審核通過
        Approve => ("approve", "審核通過", "Approve"),
        /// 退回
        Return => ("return", "退回", "Return"),
    }
}

labelled_enum! {
    /// What happened to an application, as recorded in its history.
    pub enum HistoryAction {
        /// 送出申請
        Submitted => ("submitted", "送出申請", "Submitted"),
        /// 自動審核通過
        AutoApproved => ("auto_approved", "自動審核通過", "Auto-approved"),
        /// 審核通過
        Approved => ("approved", "審核通過", "Approved"),
        /// 退回
        Returned => ("returned", "退回", "Returned"),
        /// 已註銷
        Cancelled => ("cancelled", "已註銷", "Cancelled"),
        /// 重新送出
        Resubmitted => ("resubmitted", "重新送出", "Resubmitted"),
        /// 隨學生升學或轉學移轉: the child moved class or school and the application
        /// followed them (FAQ 12).
        Moved => ("moved", "隨學生升學或轉學移轉", "Moved with the student"),
    }
}

labelled_enum! {
    /// How a parent receives a verification code.
    pub enum CodeChannel {
        /// 電子郵件信箱
        Email => ("email", "電子郵件信箱", "E-mail"),
        /// 行動電話
        Phone => ("phone", "行動電話", "Mobile phone"),
    }
}

labelled_enum! {
    /// The outcome of one item of a batch decision.
    pub enum BatchOutcome {
        /// The decision was applied (or had been, with the same decision_id).
        Applied => ("applied", "已完成", "Applied"),
        /// The application's version moved.
        Conflict => ("conflict", "版本衝突", "Conflict"),
        /// The rules refuse this decision.
        Refused => ("refused", "規則不允許", "Refused"),
        /// Outside the caller's scope.
        Forbidden => ("forbidden", "超出權限", "Forbidden"),
        /// No such application.
        NotFound => ("not_found", "查無此申請", "Not found"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::Labelled;

    #[test]
    fn wire_names_round_trip_through_serde() {
        for s in Status::ALL {
            let json = serde_json::to_string(s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert_eq!(Status::from_wire(s.as_str()), Some(*s));
        }
        assert_eq!(
            serde_json::to_string(&RelationshipTitle::MaternalGrandmother).unwrap(),
            "\"maternal_grandmother\""
        );
        assert_eq!(Flag::from_wire("nope"), None);
    }

    #[test]
    fn every_label_is_present_and_distinct() {
        let zh: Vec<_> = Status::ALL.iter().map(|s| s.zh_tw()).collect();
        assert_eq!(zh, ["申請中", "自動審核通過", "審核通過", "退回", "已註銷"]);
        for f in Flag::ALL {
            assert!(!f.en().is_empty() && !f.explain_en().is_empty());
            assert!(!f.zh_tw().is_empty() && !f.explain_zh_tw().is_empty());
        }
    }

    #[test]
    fn titles_belong_to_one_kind() {
        assert_eq!(RelationshipTitle::Father.kind(), RelationshipKind::LegalRepresentative);
        assert_eq!(RelationshipTitle::Mother.kind(), RelationshipKind::LegalRepresentative);
        for t in &RelationshipTitle::ALL[2..] {
            assert_eq!(t.kind(), RelationshipKind::Guardian, "{t}");
        }
    }
}
