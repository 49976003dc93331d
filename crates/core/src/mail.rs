//! The email outbox: messages are queued in the same transaction as the
//! change that causes them and sent afterwards, so a mail server outage
//! never loses or blocks a change. Emails announce that there is news and
//! where to read it; they never carry case content.

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use time::OffsetDateTime;

use crate::{CoreError, CoreResult, Safeguard, unix_ms};

/// Where and how to send email.
#[derive(Clone, Debug)]
pub struct MailConfig {
    /// `smtp://host:port` (plain), `smtp://host:port?tls=required` (STARTTLS) or `smtps://host:port`.
    pub smtp_url: String,
    /// The sender, like `Safeguarding team <safeguarding@example.org>`.
    pub from: String,
    /// The site's public address, for links in emails (no trailing slash).
    pub public_url: String,
}

impl Safeguard {
    /// Sends queued emails; returns how many were sent. Failures are kept
    /// for another attempt (up to 10).
    pub async fn send_pending_emails(
        &self,
        mail: &MailConfig,
        now: OffsetDateTime,
    ) -> CoreResult<usize> {
        let pending = self.store.pending_emails(100).await?;
        if pending.is_empty() {
            return Ok(0);
        }
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&mail.smtp_url)
            .map_err(|e| CoreError::Internal(format!("SMTP address: {e}")))?
            .build();
        let from: Mailbox = mail
            .from
            .parse()
            .map_err(|e| CoreError::Internal(format!("sender address: {e}")))?;
        let mut sent = 0;
        for e in pending {
            let body = e
                .body
                .replace("{PUBLIC_URL}", mail.public_url.trim_end_matches('/'));
            let result = match e.to_address.parse::<Mailbox>() {
                Err(err) => Err(format!("recipient address: {err}")),
                Ok(to) => match Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(e.subject.clone())
                    .body(body)
                {
                    Err(err) => Err(format!("message: {err}")),
                    Ok(msg) => transport
                        .send(msg)
                        .await
                        .map(|_| ())
                        .map_err(|err| format!("send: {err}")),
                },
            };
            let mut tx = self.store.begin().await?;
            match result {
                Ok(()) => {
                    tx.email_attempted(&e.id, Some(unix_ms(now)), None).await?;
                    sent += 1;
                }
                Err(err) => {
                    tracing::warn!(email_id = %e.id, error = %err, "email not sent; will retry");
                    tx.email_attempted(&e.id, None, Some(&err)).await?;
                }
            }
            tx.commit().await?;
        }
        Ok(sent)
    }
}
