//! Pages and role notifications by email over SMTP (lettre): `smtp://host:port` (plain, for a
//! relay on loopback), `smtp://…?tls=required` (STARTTLS) or `smtps://`,
//! with credentials in the URL when the relay asks for them. The URL comes
//! from the server's settings (`--smtp-url` or `FIREBREAK_SMTP_URL`), never
//! from the database, and is not printed.

use firebreak_core::timeline::sha256_hex;
use firebreak_store::OutboxMessage;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(10);

/// The relay and the sender of page emails.
#[derive(Clone)]
pub struct SmtpSettings {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for SmtpSettings {
    /// Leaves the URL out: it may hold a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl SmtpSettings {
    /// Checks the URL and the sender address; nothing is contacted yet.
    pub fn new(url: &str, from: &str) -> Result<SmtpSettings, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("not an SMTP URL such as smtp://relay:25 ({e})"))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        let from = from
            .parse::<Mailbox>()
            .map_err(|e| format!("sender `{from}`: {e}"))?;
        Ok(SmtpSettings { transport, from })
    }
}

pub(super) async fn send(
    smtp: &SmtpSettings,
    message: &OutboxMessage,
    subject: &str,
    text: &str,
) -> Result<(), String> {
    let to = message
        .target
        .parse::<Mailbox>()
        .map_err(|e| format!("address `{}`: {e}", message.target))?;
    // The same Message-ID on every attempt lets a mailbox drop a repeat.
    let id = sha256_hex(message.idempotency_key.as_bytes());
    let email = Message::builder()
        .from(smtp.from.clone())
        .to(to)
        .subject(subject)
        .message_id(Some(format!("<{id}@firebreak.page>")))
        .header(ContentType::TEXT_PLAIN)
        .body(text.to_string())
        .map_err(|e| format!("the email cannot be built: {e}"))?;
    smtp.transport
        .send(email)
        .await
        .map(|_| ())
        .map_err(|e| format!("SMTP: {e}"))
}
