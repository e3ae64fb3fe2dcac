//! Changes end to end: a CI step records one through the CLI, GitHub and
//! GitLab deployment webhooks (payloads as their documentation shows them)
//! are recorded when their signature or token verifies and refused when it
//! does not, a retried delivery is recorded once, and an incident shows what
//! changed before it (upstream included, nearest first) and its blast
//! radius; the record still verifies.

use crate::chromium::Driver;
use crate::support::{Server, assert_success, stderr, verify};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

const GITHUB_SECRET: &str = "s3cr3t-github-webhook-0123456789";
const GITLAB_TOKEN: &str = "gitlab-secret-token-0123456789ab";

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/../core/tests/fixtures/webhooks/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path).unwrap()
}

pub(crate) fn github_signature(secret: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    let bytes = mac.finalize().into_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

fn deliver(server: &Server, source: &str, headers: &[(&str, &str)], body: &str) -> (u16, Value) {
    post_webhook(server, &format!("changes/webhooks/{source}"), headers, body)
}

/// Posts a JSON webhook body to `/api/v1/{path}` with `headers` (no
/// session: webhooks authenticate by signature), answering the status and
/// the JSON body.
pub(crate) fn post_webhook(
    server: &Server,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Value) {
    let mut request = reqwest::blocking::Client::new()
        .post(format!("{}/api/v1/{path}", server.url))
        .header("content-type", "application/json")
        .body(body.to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().unwrap();
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(Value::Null))
}

fn register(server: &Server, slug: &str, depends_on: &[&str]) {
    let mut args = vec!["system", "register", slug, "--name", slug];
    for d in depends_on {
        args.extend(["--depends-on", d]);
    }
    assert_success(&server.cli(&args), &["system register", slug]);
}

#[test]
fn changes_from_ci_github_and_gitlab_explain_an_incident() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    register(&server, "raw-events", &[]);
    register(&server, "feature-store", &["raw-events"]);
    register(&server, "credit-scoring", &["feature-store"]);
    register(&server, "loan-offers", &["credit-scoring"]);

    // A CI step records new training data on the feature store.
    let recorded = server.json(&[
        "change",
        "record",
        "--system",
        "feature-store",
        "--kind",
        "training_data",
        "--from",
        "2026-10",
        "--to",
        "2026-11",
        "--at",
        "2026-11-20T06:00:00Z",
        "--link",
        "https://ci.example.com/runs/88",
        "--description",
        "November backfill",
    ]);
    assert_eq!(recorded["id"], "CH-1");
    assert_eq!(recorded["by"], "admin");
    // An unknown system or kind is refused, naming it.
    let refused = server.cli(&["change", "record", "--system", "nope", "--kind", "deploy"]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("unknown system \"nope\""),
        "{}",
        stderr(&refused)
    );
    let refused = server.cli(&[
        "change",
        "record",
        "--system",
        "raw-events",
        "--kind",
        "redeploy",
    ]);
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("--kind"), "{}", stderr(&refused));

    // Sources: the secret comes on standard input, never in the file.
    let github = dir.path().join("github.json");
    std::fs::write(
        &github,
        json!({"slug": "credit-repo", "provider": "github", "rules": [
            {"matchers": [{"label": "repository", "op": "=", "value": "octo-org/credit-scoring"},
                          {"label": "environment", "op": "=", "value": "production"}],
             "system": "credit-scoring"}]})
        .to_string(),
    )
    .unwrap();
    let added = server.cli_as(
        &server.token,
        &["change", "source", "add", github.to_str().unwrap()],
        Some(&format!("{GITHUB_SECRET}\n")),
    );
    assert_success(&added, &["change source add"]);
    let gitlab = dir.path().join("gitlab.toml");
    std::fs::write(
        &gitlab,
        "slug = \"ml-gitlab\"\nprovider = \"gitlab\"\n[[rules]]\nsystem = \"raw-events\"\nkind = \"feature_pipeline\"\n",
    )
    .unwrap();
    let added = server.cli_as(
        &server.token,
        &["change", "source", "add", gitlab.to_str().unwrap()],
        Some(&format!("{GITLAB_TOKEN}\n")),
    );
    assert_success(&added, &["change source add"]);
    let sources = server.json(&["change", "source", "list"]);
    assert_eq!(sources.as_array().unwrap().len(), 2);
    assert!(!sources.to_string().contains(GITHUB_SECRET));

    // GitHub: signed right, recorded; retried, recorded once; signed
    // wrong or not at all, refused with nothing stored.
    let body = fixture("github-deployment_status.json");
    let good = github_signature(GITHUB_SECRET, &body);
    let event = ("x-github-event", "deployment_status");
    let (status, answer) = deliver(
        &server,
        "credit-repo",
        &[event, ("x-hub-signature-256", &good)],
        &body,
    );
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["change"]["id"], "CH-2");
    assert_eq!(answer["change"]["system"], "credit-scoring");
    assert_eq!(answer["change"]["origin"], "github");
    let (status, answer) = deliver(
        &server,
        "credit-repo",
        &[event, ("x-hub-signature-256", &good)],
        &body,
    );
    assert_eq!(
        (status, answer["outcome"].as_str()),
        (200, Some("duplicate"))
    );
    let wrong = github_signature("not-the-secret-at-all", &body);
    let (status, answer) = deliver(
        &server,
        "credit-repo",
        &[event, ("x-hub-signature-256", &wrong)],
        &body,
    );
    assert_eq!(status, 401, "{answer}");
    assert!(
        answer["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("signature"),
        "{answer}"
    );
    let tampered = body.replace("octocat", "mallory");
    let (status, _) = deliver(
        &server,
        "credit-repo",
        &[event, ("x-hub-signature-256", &good)],
        &tampered,
    );
    assert_eq!(status, 401);
    let (status, _) = deliver(&server, "credit-repo", &[event], &body);
    assert_eq!(status, 401);
    let (status, _) = deliver(
        &server,
        "no-such-source",
        &[event, ("x-hub-signature-256", &good)],
        &body,
    );
    assert_eq!(status, 401);
    // A ping is heard and ignored.
    let ping = json!({"zen": "Design for failure.", "hook_id": 1}).to_string();
    let signed = github_signature(GITHUB_SECRET, &ping);
    let (status, answer) = deliver(
        &server,
        "credit-repo",
        &[("x-github-event", "ping"), ("x-hub-signature-256", &signed)],
        &ping,
    );
    assert_eq!((status, answer["outcome"].as_str()), (202, Some("ignored")));

    // GitLab: the token must match.
    let body = fixture("gitlab-deployment.json");
    let event = ("x-gitlab-event", "Deployment Hook");
    let (status, _) = deliver(
        &server,
        "ml-gitlab",
        &[event, ("x-gitlab-token", "wrong-token-wrong-token")],
        &body,
    );
    assert_eq!(status, 401);
    let (status, answer) = deliver(
        &server,
        "ml-gitlab",
        &[event, ("x-gitlab-token", GITLAB_TOKEN)],
        &body,
    );
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["change"]["kind"], "feature_pipeline");
    assert_eq!(answer["change"]["at"], "2026-11-20T09:50:00Z");

    let listed = server.json(&["change", "list"]);
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["CH-3", "CH-2", "CH-1"]);
    let on_feature_store = server.json(&["change", "list", "--system", "feature-store"]);
    assert_eq!(on_feature_store.as_array().unwrap().len(), 1);

    // An incident on credit-scoring that began after all three.
    let incident = server.json(&[
        "incident",
        "declare",
        "--title",
        "Approval rate fell",
        "--severity",
        "sev2",
        "--rationale",
        "many applicants",
        "--system",
        "credit-scoring",
        "--impact-started",
        "2026-11-20T10:00:00Z",
        "--detected",
        "2026-11-20T11:00:00Z",
    ]);
    assert_eq!(incident["id"], "INC-1");
    let context = server.json(&["change", "list", "--incident", "INC-1"]);
    let before: Vec<(&str, usize)> = context["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap(),
                c["path"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(before, [("CH-3", 3), ("CH-2", 1), ("CH-1", 2)]);
    assert_eq!(context["changes"][0]["before_seconds"], 600);
    assert_eq!(
        context["blast_radius"],
        json!([{"system": "loan-offers", "path": ["credit-scoring", "loan-offers"]}])
    );
    let narrow = server.json(&[
        "change",
        "list",
        "--incident",
        "INC-1",
        "--window-hours",
        "2",
    ]);
    assert_eq!(narrow["changes"].as_array().unwrap().len(), 2);
    let table = server.cli(&["change", "list", "--incident", "INC-1"]);
    assert_success(&table, &["change list --incident"]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("upstream: credit-scoring → feature-store"),
        "{text}"
    );
    assert!(
        text.contains("loan-offers  via credit-scoring → loan-offers"),
        "{text}"
    );
    // The post-mortem draft lists them too.
    assert_success(
        &server.cli(&["postmortem", "draft", "INC-1"]),
        &["postmortem draft"],
    );
    let exported = dir.path().join("postmortem.md");
    assert_success(
        &server.cli(&[
            "postmortem",
            "export",
            "INC-1",
            "--output",
            exported.to_str().unwrap(),
        ]),
        &["postmortem export"],
    );
    let markdown = std::fs::read_to_string(&exported).unwrap();
    let section = &markdown[markdown
        .find("## What changed before")
        .expect("the section")..];
    assert!(
        section.contains("CH-3 feature pipeline → 279484c0 on raw-events (upstream: credit-scoring → feature-store → raw-events)"),
        "{section}"
    );
    assert!(
        section.find("CH-3") < section.find("CH-2"),
        "nearest first: {section}"
    );
    let refused = server.cli(&[
        "change",
        "list",
        "--incident",
        "INC-1",
        "--window-hours",
        "0",
    ]);
    assert!(
        stderr(&refused).contains("window_hours"),
        "{}",
        stderr(&refused)
    );

    // In the browser: the incident page lists the changes and the blast
    // radius, and one click adds the dependant as affected.
    server.add_user("alice", "responder", "correct horse battery");
    let driver = Driver::start(&dir.path().join("chromium-profile"));
    driver.go(&format!("{}/login", server.url));
    driver.type_into("input[name=username]", "alice");
    driver.type_into("input[name=password]", "correct horse battery");
    driver.click("button[type=submit]");
    driver.wait_for_text("header", "alice");
    driver.go(&format!("{}/incidents/INC-1", server.url));
    let changes = driver.text("#changes");
    assert!(changes.contains("feature pipeline changed"), "{changes}");
    assert!(
        changes.contains("upstream: credit-scoring → feature-store"),
        "{changes}"
    );
    assert!(changes.contains("10 min before"), "{changes}");
    assert!(
        driver
            .text("#blast-radius")
            .contains("loan-offers via credit-scoring → loan-offers")
    );
    driver.click("li[data-dependant=loan-offers] button");
    driver.wait_for_text("#blast-radius", "No other system depends");
    let incident = server.json(&["incident", "show", "INC-1"]);
    assert_eq!(
        incident["systems"],
        json!(["credit-scoring", "loan-offers"])
    );
    drop(driver);

    server.stop();
    let verified = verify(dir.path(), &[]);
    assert_success(&verified, &["verify"]);
}

/// Calls MLflow's REST API and fails the test on an error answer.
fn mlflow(url: &str, path: &str, body: Value) -> Value {
    let response = reqwest::blocking::Client::new()
        .post(format!("{url}/api/2.0/mlflow/{path}"))
        .json(&body)
        .send()
        .unwrap();
    let status = response.status();
    let answer: Value = response.json().unwrap_or(Value::Null);
    assert!(status.is_success(), "MLflow {path}: {status} {answer}");
    answer
}

/// One hour's decisions, 200 rows; `biased` approves nobody of group B.
fn hourly_partition(logs: &std::path::Path, hour: jiff::Timestamp, biased: bool) {
    let name = hour.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let dir = logs.join(format!("hour={name}"));
    std::fs::create_dir_all(&dir).unwrap();
    let mut csv = String::from("timestamp,group,label,approved\n");
    for i in 0..200 {
        let group = if i % 2 == 0 { "A" } else { "B" };
        let approved = if biased && group == "B" {
            0
        } else {
            (i / 2) % 2
        };
        let at = hour
            .checked_add(jiff::SignedDuration::from_secs(i * 15))
            .unwrap();
        csv.push_str(&format!("{at},{group},{},{approved}\n", (i / 2) % 2));
    }
    std::fs::write(dir.join("part-0.csv"), csv).unwrap();
}

#[test]
fn an_mlflow_promotion_is_recorded_and_named_at_the_drift_change_point() {
    let Some(url) =
        crate::support::test_service("FIREBREAK_TEST_MLFLOW", "FIREBREAK_REQUIRE_MLFLOW")
    else {
        return;
    };
    // The server outlives one test run: a model of this run's own.
    let model = format!(
        "credit-model-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    mlflow(&url, "registered-models/create", json!({"name": model}));
    for version in 1..=2 {
        mlflow(
            &url,
            "model-versions/create",
            json!({"name": model, "source": format!("s3://models/credit/v{version}")}),
        );
    }
    mlflow(
        &url,
        "registered-models/alias",
        json!({"name": model, "alias": "champion", "version": "1"}),
    );

    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"));
    register(&server, "credit-scoring", &[]);
    let source = dir.path().join("mlflow.json");
    std::fs::write(
        &source,
        json!({"slug": "registry", "provider": "mlflow", "url": url, "poll_seconds": 5,
               "rules": [{"matchers": [{"label": "model", "op": "=", "value": model}],
                          "system": "credit-scoring"}]})
        .to_string(),
    )
    .unwrap();
    // No token: this MLflow asks for none.
    let added = server.cli_as(
        &server.token,
        &["change", "source", "add", source.to_str().unwrap()],
        Some("\n"),
    );
    assert!(!added.status.success(), "an empty line is not a token");
    let mut definition: Value =
        serde_json::from_str(&std::fs::read_to_string(&source).unwrap()).unwrap();
    definition["secret"] = Value::Null;
    let put = reqwest::blocking::Client::new()
        .put(format!("{}/api/v1/change-sources/registry", server.url))
        .bearer_auth(&server.token)
        .json(&definition)
        .send()
        .unwrap();
    assert_eq!(put.status(), 201);

    // The first poll only takes note of where things stand.
    let pointer = format!("{model}/alias/champion");
    let started = std::time::Instant::now();
    loop {
        let sources = server.json(&["change", "source", "list"]);
        if sources[0]["registry"][&pointer] == "1" {
            break;
        }
        assert!(started.elapsed().as_secs() < 20, "never polled: {sources}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert_eq!(server.json(&["change", "list"]), json!([]));

    // Promote version 2: alias and stage.
    let promoted = jiff::Timestamp::now();
    mlflow(
        &url,
        "registered-models/alias",
        json!({"name": model, "alias": "champion", "version": "2"}),
    );
    mlflow(
        &url,
        "model-versions/transition-stage",
        json!({"name": model, "version": "2", "stage": "Production", "archive_existing_versions": false}),
    );
    let started = std::time::Instant::now();
    let changes = loop {
        let changes = server.json(&["change", "list", "--system", "credit-scoring"]);
        if changes.as_array().unwrap().len() == 2 {
            break changes;
        }
        assert!(
            started.elapsed().as_secs() < 20,
            "the promotion was not recorded: {changes}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    for change in changes.as_array().unwrap() {
        assert_eq!(change["kind"], "model_promoted", "{change}");
        assert_eq!(change["origin"], "mlflow");
        assert_eq!(change["version_to"], "2");
    }

    // Decisions by the hour: fair until the hour of the promotion, biased
    // from it on; the backfill's change point names the promotion.
    let logs = dir.path().join("logs");
    let hour = promoted
        .to_zoned(jiff::tz::TimeZone::UTC)
        .round(
            jiff::ZonedRound::new()
                .smallest(jiff::Unit::Hour)
                .mode(jiff::RoundMode::Trunc),
        )
        .unwrap()
        .timestamp();
    for offset in -8i64..6 {
        let at = hour
            .checked_add(jiff::SignedDuration::from_hours(offset))
            .unwrap();
        hourly_partition(&logs, at, offset >= 0);
    }
    let monitor = dir.path().join("approvals.toml");
    std::fs::write(
        &monitor,
        format!(
            "name = \"approvals\"\nsystem = \"credit-scoring\"\nschedule = \"1h\"\nseverity = \"sev3\"\nthresholds = [\"dpd > 0.9\"]\n\
             [source]\npath = \"{}\"\n\
             [check]\nkind = \"fairness\"\ngroup = [\"group\"]\nlabel = \"label\"\nprediction = \"approved\"\n",
            logs.display()
        ),
    )
    .unwrap();
    assert_success(
        &server.cli(&["monitor", "add", monitor.to_str().unwrap()]),
        &["monitor add"],
    );
    let backfill = server.json(&["monitor", "backfill", "approvals"]);
    let first_biased = format!("hour={}", hour.strftime("%Y-%m-%dT%H:%M:%SZ"));
    let point = backfill["change_points"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["window"] == first_biased.as_str())
        .unwrap_or_else(|| panic!("no change point at {first_biased}: {backfill}"))
        .clone();
    assert_eq!(point["preceded_by"]["origin"], "mlflow", "{point}");
    assert_eq!(point["preceded_by"]["version_to"], "2");
    let text = server.cli(&["monitor", "backfill", "approvals"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("preceded by CH-"), "{text}");
    server.stop();
}
