//! Pages by a user's webhook and by text message, end to end: alice's rules
//! are `webhook` at 0 minutes and `sms_webhook` at 0 minutes; a declared
//! SEV1 pages her by both through the outbox. Her webhook gets the page as
//! JSON signed like every Firebreak webhook; a loopback stand-in for
//! Twilio's Messages API checks the documented request (POST to
//! `/2010-04-01/Accounts/{AccountSid}/Messages.json`, Basic auth with the
//! Account SID and auth token, form-encoded `To`, `From`, `Body`),
//! rate-limits the first text (429 with Retry-After, as Twilio does) and
//! refuses malformed ones with its JSON error (`code`, `message`); bob's
//! number it cannot text, which is final: not sent again. The ack link in
//! the webhook's JSON takes the page; the auth token is sealed.

use crate::channels::{Answer, Call, accepted, add_channel, start_provider, wait_for};
use crate::support::{Server, assert_success, start_receiver};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::time::{Duration, Instant};

const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
const AUTH_TOKEN: &str = "twilio-auth-token-7f3a9c";
const FROM: &str = "+15005550006";
const PHONE: &str = "+4915112345678";
/// Twilio's magic test number for "not a valid phone number" (21211).
const INVALID: &str = "+15005550001";
const PUBLIC_URL: &str = "http://firebreak.test";

/// `application/x-www-form-urlencoded` decoded.
fn form(text: &str) -> Vec<(String, String)> {
    let decode = |part: &str| {
        let bytes = part.replace('+', " ").into_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            let escaped = (bytes[i] == b'%')
                .then(|| std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok())
                .flatten()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok());
            match escaped {
                Some(byte) => {
                    out.push(byte);
                    i += 3;
                }
                None => {
                    out.push(bytes[i]);
                    i += 1;
                }
            }
        }
        String::from_utf8(out).unwrap()
    };
    text.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

/// Twilio's Messages API as documented: 401 without the account's Basic
/// credentials, 400 with code 21604 without `To`, `From` or `Body`, a 429
/// (code 20429) on the first message, 400 (code 21211) for a number it cannot
/// text, 201 with the message resource after.
fn twilio(call: &Call, calls_so_far: usize) -> Answer {
    let error = |status: u16, code: u32, message: &str| {
        let body = json!({"code": code, "message": message,
            "more_info": format!("https://www.twilio.com/docs/errors/{code}"), "status": status});
        (status, vec![], body.to_string())
    };
    if call.method != "POST" || call.path != format!("/2010-04-01/Accounts/{ACCOUNT}/Messages.json")
    {
        return error(404, 20404, "The requested resource was not found");
    }
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{ACCOUNT}:{AUTH_TOKEN}"));
    if call.header("authorization") != format!("Basic {basic}") {
        return error(401, 20003, "Authenticate");
    }
    if call.header("content-type") != "application/x-www-form-urlencoded" {
        return error(400, 21601, "Content-Type must be form-encoded");
    }
    let fields = form(&call.text);
    for name in ["To", "From", "Body"] {
        if !fields.iter().any(|(k, v)| k == name && !v.is_empty()) {
            return error(400, 21604, &format!("A '{name}' parameter is required."));
        }
    }
    if calls_so_far == 0 {
        let (status, _, body) = error(429, 20429, "Too Many Requests");
        return (status, vec![("retry-after", "1".into())], body);
    }
    if field(&fields, "To") == INVALID {
        return error(
            400,
            21211,
            &format!("The 'To' number {INVALID} is not a valid phone number."),
        );
    }
    let body = json!({"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued",
                      "account_sid": ACCOUNT});
    (201, vec![], body.to_string())
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

#[test]
fn a_page_reaches_a_signed_webhook_and_a_text_message_and_their_link_takes_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (hook_url, hook_calls) = start_receiver(false);
    let (sms_url, sms_calls) = start_provider(twilio);
    let server = Server::start_with(&data, &["--public-url", PUBLIC_URL]);
    let ok = |args: &[&str]| assert_success(&server.cli(args), args);
    let alice = json!({"webhook_url": hook_url, "phone": PHONE,
        "rules": [{"contact": "webhook"}, {"contact": "sms_webhook", "delay_minutes": 0}]});
    let bob = json!({"phone": INVALID, "rules": [{"contact": "sms_webhook"}]});
    for (name, methods) in [("alice", alice), ("bob", bob)] {
        ok(&["user", "add", name, "--role", "responder"]);
        let contact = dir.path().join(format!("{name}.json"));
        std::fs::write(&contact, methods.to_string()).unwrap();
        ok(&["oncall", "contact", name, contact.to_str().unwrap()]);
    }
    ok(&["system", "register", "scoring", "--name", "Credit scoring"]);
    let policy = json!({"slug": "scoring-policy", "name": "Credit scoring",
        "levels": [{"targets": [{"kind": "user", "user": "alice"}, {"kind": "user", "user": "bob"}],
                    "timeout_seconds": 600}]});
    let file = dir.path().join("policy.json");
    std::fs::write(&file, policy.to_string()).unwrap();
    ok(&["oncall", "escalation", "add", file.to_str().unwrap()]);
    ok(&[
        "oncall",
        "escalation",
        "attach",
        "scoring",
        "scoring-policy",
    ]);
    add_channel(
        &server,
        dir.path(),
        json!({"slug": "sms", "kind": "twilio", "endpoint": sms_url,
               "account": ACCOUNT, "from": FROM}),
        AUTH_TOKEN,
    );
    // One SMS provider per deployment.
    let second = dir.path().join("sms2.json");
    let again = json!({"slug": "sms2", "kind": "twilio", "account": ACCOUNT, "from": FROM});
    std::fs::write(&second, again.to_string()).unwrap();
    let refused = server.cli_as(
        &server.token,
        &["oncall", "channel", "add", second.to_str().unwrap()],
        Some("token\n"),
    );
    assert!(!refused.status.success());

    ok(&[
        "incident",
        "declare",
        "--title",
        "Scores all zero for every applicant since the model rollout this morning",
        "--severity",
        "sev1",
        "--rationale",
        "every applicant refused",
        "--system",
        "scoring",
    ]);

    // The webhook: the page as JSON, signed over timestamp and body.
    let deadline = Instant::now() + Duration::from_secs(30);
    while hook_calls.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "the webhook got no page");
        std::thread::sleep(Duration::from_millis(100));
    }
    let (page, ack_url) = {
        let calls = hook_calls.lock().unwrap();
        let call = &calls[0];
        let secret = std::fs::read_to_string(data.join("webhook-secret")).unwrap();
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.trim().as_bytes()).unwrap();
        mac.update(format!("{}.{}", call.header("x-firebreak-timestamp"), call.body).as_bytes());
        let expected: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            call.header("x-firebreak-signature"),
            format!("sha256={expected}")
        );
        assert_eq!(call.header("content-type"), "application/json");
        assert!(call.header("idempotency-key").starts_with("page:INC-1:"));
        let page: Value = serde_json::from_str(&call.body).unwrap();
        let ack_url = page["ack_url"].as_str().unwrap().to_string();
        (page, ack_url)
    };
    assert_eq!(page["event"], "page");
    assert_eq!(page["incident"], "INC-1");
    assert_eq!(page["severity"], "sev1");
    assert_eq!(page["user"], "alice");
    assert_eq!(page["url"], format!("{PUBLIC_URL}/incidents/INC-1"));
    assert!(ack_url.starts_with(&format!("{PUBLIC_URL}/ack/")), "{page}");

    // The text: throttled once, then sent with the Messages API's shape.
    let texts = wait_for(&sms_calls, "a text after the 429, bob's refused", |c| {
        !accepted(c).is_empty() && c.iter().any(|c| c.status == 400)
    });
    assert_eq!(texts[0].status, 429);
    let sent = accepted(&texts)[0];
    let fields = form(&sent.text);
    assert_eq!(field(&fields, "To"), PHONE);
    assert_eq!(field(&fields, "From"), FROM);
    let body = field(&fields, "Body");
    assert!(body.starts_with("INC-1 SEV1: Scores all zero"), "{body}");
    assert!(
        body.contains("... Ack: http://firebreak.test/ack/"),
        "{body}"
    );
    assert!(
        texts.iter().all(|c| c.status != 401
            && c.status != 404
            && (c.status != 400 || field(&form(&c.text), "To") == INVALID)),
        "every text was well formed: {texts:#?}"
    );

    // Every attempt is on the timeline, the throttled one too; bob's
    // refused text is given up at once.
    let result = |e: &Value| e["body"]["result"].as_str().unwrap_or_default().to_string();
    let deadline = Instant::now() + Duration::from_secs(30);
    let attempts = loop {
        let timeline =
            server.json(&["incident", "show", "INC-1", "--timeline"])["timeline"].clone();
        let attempts: Vec<Value> = timeline
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "page_attempt")
            .cloned()
            .collect();
        if attempts.iter().any(|e| result(e).contains("21211")) {
            break attempts;
        }
        assert!(Instant::now() < deadline, "{attempts:#?}");
        std::thread::sleep(Duration::from_millis(100));
    };
    let refused: Vec<&Value> = attempts
        .iter()
        .filter(|e| e["body"]["user"] == "bob" && !result(e).contains("429"))
        .collect();
    assert_eq!(refused.len(), 1, "{attempts:#?}");
    assert!(
        result(refused[0]).starts_with("failed, gave up: Twilio answered 400"),
        "{refused:#?}"
    );
    assert!(
        attempts
            .iter()
            .any(|e| result(e).contains("429") && result(e).contains("20429")),
        "{attempts:#?}"
    );
    assert_eq!(
        attempts.iter().filter(|e| result(e) == "delivered").count(),
        2,
        "{attempts:#?}"
    );

    // The webhook's link takes the page.
    let taken = reqwest::blocking::Client::new()
        .post(ack_url.replacen(PUBLIC_URL, &server.url, 1))
        .send()
        .unwrap();
    assert!(taken.status().is_success(), "{}", taken.status());
    let timeline = server.json(&["incident", "show", "INC-1", "--timeline"])["timeline"].clone();
    assert!(
        timeline
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "page_acknowledged" && e["body"]["via"] == "link"),
        "{timeline:#}"
    );

    // Sealed at rest: the auth token is in no answer and not in the database.
    let listed = server.json(&["oncall", "channel", "list"]).to_string();
    assert!(!listed.contains(AUTH_TOKEN), "{listed}");
    assert!(listed.contains(ACCOUNT), "{listed}");
    for file in ["firebreak.db", "firebreak.db-wal"] {
        if let Ok(bytes) = std::fs::read(data.join(file)) {
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains(AUTH_TOKEN), "the auth token is in {file}");
        }
    }
}
