//! Outgoing messages: what is written to the mail outbox table (in the same transaction
//! as the change that causes it), and the sender that delivers them over SMTP when one
//! is configured. Without SMTP the messages stay in the outbox, where demo mode lists
//! them at `GET /api/v1/dev/outbox`. Text messages (verification codes to phones) have no
//! gateway here; they stay in the outbox too.

use crate::store::Store;
use binddesk_domain::Labelled;
use binddesk_domain::api::Application;
use std::sync::Arc;
use std::time::Duration;

/// A message to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// `email` or `sms`.
    pub channel: &'static str,
    /// Recipient address or number.
    pub to: String,
    /// `verification_code`, `approved` or `returned`.
    pub kind: &'static str,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

/// The verification code message.
pub fn verification_code(channel: &'static str, to: &str, code: &str) -> Message {
    Message {
        channel,
        to: to.to_string(),
        kind: "verification_code",
        subject: "親子綁定驗證碼 Verification code".into(),
        body: format!(
            "您的親子綁定驗證碼為 {code}，1 小時內有效，僅能使用一次。\n\
             Your verification code is {code}. It is valid for 1 hour and can be used once."
        ),
    }
}

/// The notice that an account was created on approval.
pub fn approved_notice(app: &Application) -> Message {
    Message {
        channel: "email",
        to: app.parent.email.clone(),
        kind: "approved",
        subject: "臺北市校園單一身分驗證親子帳號已建立 Your parent account is ready".into(),
        body: format!(
            "{} 您好：\n\n您與 {} 的親子綁定（{}）已審核通過。\n\
             帳號為您申請時填寫的電子郵件 {}，預設密碼為身分證字號後六碼，第一次登入需修改密碼。\n\n\
             Your binding to {} has been approved. Your login is {}; the first password is the last six \
             characters of your ID number, to be changed at first login.",
            app.parent.name,
            app.student.name,
            app.relationship.title.zh_tw(),
            app.parent.email,
            app.student.name,
            app.parent.email
        ),
    }
}

/// The notice that an application was returned, with the reason.
pub fn returned_notice(app: &Application) -> Message {
    let reason = app.return_reason.clone().unwrap_or_default();
    Message {
        channel: "email",
        to: app.parent.email.clone(),
        kind: "returned",
        subject: "親子綁定申請已退回 Your binding application was returned".into(),
        body: format!(
            "{} 您好：\n\n您為 {} 送出的親子綁定申請已被學校退回。\n退回原因：{}\n\
             請至親子綁定頁面修正資料後再次送出。\n\n\
             Your application for {} was returned by the school. Reason: {}\n\
             Please correct it on the binding page and submit it again.",
            app.parent.name, app.student.name, reason, app.student.name, reason
        ),
    }
}

/// Delivers queued e-mail over SMTP (lettre), retrying failed messages up to ten times.
pub async fn run_smtp_sender(
    store: Arc<dyn Store>,
    smtp_url: String,
    from: String,
    shutdown: tokio::sync::watch::Receiver<bool>,
) {
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message as Mail, Tokio1Executor};
    let transport = match AsyncSmtpTransport::<Tokio1Executor>::from_url(&smtp_url) {
        Ok(b) => b.build(),
        Err(e) => {
            tracing::error!(error = %e, "SMTP URL is not usable; mail stays in the outbox");
            return;
        }
    };
    let from: lettre::message::Mailbox = match from.parse() {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = %e, "the sender address is not usable; mail stays in the outbox");
            return;
        }
    };
    /// How long a claimed message is this instance's alone.
    const CLAIM_SECS: i64 = 300;
    loop {
        if *shutdown.borrow() {
            return;
        }
        let batch = {
            let store = store.clone();
            // Claimed for five minutes: an instance sharing the store does not send these.
            let now = chrono::Utc::now().timestamp();
            tokio::task::spawn_blocking(move || store.claim_mail(50, now, CLAIM_SECS)).await
        };
        if let Ok(Ok(mails)) = batch {
            for m in mails.into_iter().filter(|m| m.channel == "email") {
                let result = match m.to.parse::<lettre::message::Mailbox>() {
                    Err(e) => Err(format!("recipient: {e}")),
                    Ok(to) => match Mail::builder()
                        .from(from.clone())
                        .to(to)
                        .subject(m.subject.clone())
                        .body(m.body.clone())
                    {
                        Err(e) => Err(format!("message: {e}")),
                        Ok(msg) => transport.send(msg).await.map(|_| ()).map_err(|e| e.to_string()),
                    },
                };
                if let Err(e) = &result {
                    // The error names no recipient: nothing personal in logs.
                    tracing::warn!(mail_id = m.id, error = %e, "mail delivery failed; will retry");
                }
                let store = store.clone();
                let _ =
                    tokio::task::spawn_blocking(move || store.mark_mail(m.id, result, chrono::Utc::now()))
                        .await;
            }
        }
        let mut rx = shutdown.clone();
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
            _ = rx.changed() => {}
        }
    }
}
