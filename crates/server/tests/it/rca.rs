//! Root-cause analysis end to end through the API: a fault tree, a fishbone
//! and a 5-Whys chain on an incident, versioned, on its timeline and drawn on
//! its page; an FMEA worksheet on a system, in CSV and back.

use crate::support::TestServer;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;

const THEATRE: &str = include_str!("../../../rca/tests/fixtures/scram/models/Theatre/theatre.xml");

fn fishbone() -> serde_json::Value {
    let cause = |statement: &str, votes: u32, root: bool| {
        json!({
            "statement": statement, "evidence": [], "votes": votes, "likelihood": null,
            "chosen_as_root_cause": root, "sub_causes": []
        })
    };
    json!({
        "effect": "Group C approvals fell",
        "categories": [
            { "name": "Data", "category": "data", "causes": [cause("Upstream schema change dropped income field", 5, true)] },
            { "name": "Model", "category": "model", "causes": [cause("No fairness gate before release", 3, false)] },
        ]
    })
}

fn whys() -> serde_json::Value {
    let why = |statement: &str, causes: Vec<serde_json::Value>| json!({ "statement": statement, "category": "process", "evidence": [], "causes": causes });
    json!({
        "symptom": "Group C approvals fell",
        "whys": [why("The model scored group C lower", vec![why("A feature went missing", vec![why("Human error", vec![])])])]
    })
}

#[tokio::test]
async fn rca_artifacts_are_versioned_on_the_timeline_and_drawn_on_the_page() {
    let server = TestServer::with_incident().await;
    let put =
        |path: &'static str, body: serde_json::Value| server.api_json(Method::PUT, path, body);
    let tree = put(
        "/api/v1/incidents/INC-1/rca/fault_tree/main",
        json!({ "mef": THEATRE }),
    )
    .await;
    assert_eq!(tree.status, StatusCode::OK, "{:?}", tree.body);
    let analysis = &tree.body["derived"]["analysis"][0];
    assert!(
        analysis["probability"]["exact"].as_f64().unwrap() > 0.0,
        "{analysis}"
    );
    assert!(!analysis["minimal_cut_sets"].as_array().unwrap().is_empty());

    let first = put("/api/v1/incidents/INC-1/rca/fishbone/workshop", fishbone()).await;
    assert_eq!(first.body["version"], 1);
    let mut revised = fishbone();
    revised["effect"] = json!("Group C approvals fell by half");
    let second = put("/api/v1/incidents/INC-1/rca/fishbone/workshop", revised).await;
    assert_eq!(second.body["version"], 2);
    assert_eq!(
        second.body["derived"]["root_causes"][0]["path"][0],
        "Upstream schema change dropped income field"
    );

    let chain = put("/api/v1/incidents/INC-1/rca/five_whys/main", whys()).await;
    let findings = chain.body["derived"]["findings"].to_string();
    assert!(
        findings.contains("blame") && findings.contains("Human error"),
        "{findings}"
    );

    let timeline = server
        .api(Method::GET, "/api/v1/incidents/INC-1/timeline", None)
        .await
        .body;
    let saved: Vec<String> = timeline
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "rca_updated")
        .map(|e| {
            format!(
                "{} {} v{}",
                e["body"]["kind"].as_str().unwrap(),
                e["body"]["name"].as_str().unwrap(),
                e["body"]["version"]
            )
        })
        .collect();
    assert_eq!(
        saved,
        [
            "fault_tree main v1",
            "fishbone workshop v1",
            "fishbone workshop v2",
            "five_whys main v1"
        ]
    );

    let page = server
        .call(
            Request::builder()
                .uri("/incidents/INC-1")
                .header(
                    header::AUTHORIZATION,
                    format!("Bearer {}", server.admin_token),
                )
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let html = page.body.as_str().unwrap().to_string();
    assert_eq!(
        html.matches("<svg").count(),
        3,
        "three diagrams on the page"
    );
    let svg = server
        .api(
            Method::GET,
            "/api/v1/incidents/INC-1/rca/fishbone/workshop/svg",
            None,
        )
        .await;
    assert_eq!(svg.content_type, "image/svg+xml");
    let report = server.api(Method::GET, "/api/v1/verify", None).await.body;
    assert_eq!(report["problems"], json!([]));
}

#[tokio::test]
async fn bad_artifacts_are_refused_naming_the_place() {
    let server = TestServer::with_incident().await;
    let before = server.fingerprint_of_store();
    let broken = server
        .api_json(
            Method::PUT,
            "/api/v1/incidents/INC-1/rca/fault_tree/main",
            json!({ "mef": "<opsa-mef><define-fault-tree name=\"t\">" }),
        )
        .await;
    assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(broken.body["errors"][0]["field"], "mef");
    assert!(
        broken.body["detail"].as_str().unwrap().contains("mef:1:"),
        "{}",
        broken.body
    );
    let mut bad = fishbone();
    bad["categories"][0]["causes"][0]["votes"] = json!("many");
    let refused = server
        .api_json(
            Method::PUT,
            "/api/v1/incidents/INC-1/rca/fishbone/main",
            bad,
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.body["errors"][0]["field"],
        "categories[0].causes[0].votes"
    );
    let wrong_owner = server
        .api_json(
            Method::PUT,
            "/api/v1/incidents/INC-1/rca/fmea/main",
            json!({ "rows": [] }),
        )
        .await;
    assert_eq!(wrong_owner.status, StatusCode::NOT_FOUND);
    assert_eq!(server.fingerprint_of_store(), before, "nothing written");
}

/// One of SCRAM's shipped models, from the parity fixtures.
fn scram_model(path: &str) -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(root.join("../rca/tests/fixtures/scram/models").join(path)).unwrap()
}

#[tokio::test]
async fn event_trees_and_substitutions_are_analysed_through_the_api() {
    let server = TestServer::with_incident().await;
    let tree = server
        .api_json(
            Method::PUT,
            "/api/v1/incidents/INC-1/rca/fault_tree/event-tree",
            json!({ "mef": scram_model("EventTrees/bcd.xml") }),
        )
        .await;
    assert_eq!(tree.status, StatusCode::OK, "{}", tree.body);
    let sequences: Vec<(&str, &str, f64)> = tree.body["derived"]["analysis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|result| {
            (
                result["initiating_event"].as_str().unwrap(),
                result["top_event"].as_str().unwrap(),
                result["probability"]["exact"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(sequences.len(), 2);
    for (initiating_event, sequence, value) in sequences {
        let expected = if sequence == "Failure" { 0.406 } else { 0.594 };
        assert_eq!(initiating_event, "I");
        assert!((value - expected).abs() < 1e-12, "{sequence}: {value}");
    }
    // A model that is one event tree is drawn as that tree.
    let drawn = server
        .api(
            Method::GET,
            "/api/v1/incidents/INC-1/rca/fault_tree/event-tree/svg",
            None,
        )
        .await;
    assert_eq!(drawn.content_type, "image/svg+xml");
    let svg = drawn.body.as_str().unwrap();
    assert!(
        svg.contains("<title id=\"title\">Event tree EventTree of initiating event I</title>"),
        "{svg}"
    );

    let rewrites = json!({ "mef": scram_model("TwoTrain/nondeclarative_substitutions.xml") });
    let refused = server
        .api_json(
            Method::PUT,
            "/api/v1/incidents/INC-1/rca/fault_tree/recovery",
            rewrites.clone(),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.body["errors"][0]["field"], "approximation");
    let mut approximated = rewrites;
    approximated["approximation"] = json!("mcub");
    let saved = server
        .api_json(
            Method::PUT,
            "/api/v1/incidents/INC-1/rca/fault_tree/recovery",
            approximated,
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let result = &saved.body["derived"]["analysis"][0];
    assert!(result["probability"]["exact"].is_null());
    let bound = result["probability"]["min_cut_upper_bound"]
        .as_f64()
        .unwrap();
    assert!((bound - 0.908106).abs() < 5e-7, "SCRAM's MCUB: {bound}");
}

#[tokio::test]
async fn fmea_worksheets_live_on_systems_and_speak_csv() {
    let server = TestServer::with_incident().await;
    let row = json!({
        "item": "Scoring model", "failure_mode": "Bias against a group", "effect": "Unfair denials",
        "cause": "Unrepresentative training data", "prevention_controls": "Fairness review",
        "detection_controls": "Weekly fairness monitor", "severity": 9, "occurrence": 4, "detection": 6,
        "actions": [{ "description": "Add a fairness gate", "owner": "lee", "due": "2026-12-01" }]
    });
    let saved = server
        .api_json(
            Method::PUT,
            "/api/v1/systems/scoring/fmea/main",
            json!({ "rows": [row] }),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{:?}", saved.body);
    assert_eq!(saved.body["derived"]["rows"][0]["rpn"], 216);
    assert_eq!(saved.body["derived"]["rows"][0]["action_priority"], "H");
    let csv = server
        .call(
            Request::builder()
                .uri("/api/v1/systems/scoring/fmea/main")
                .header(
                    header::AUTHORIZATION,
                    format!("Bearer {}", server.admin_token),
                )
                .header(header::ACCEPT, "text/csv")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let text = csv.body.as_str().unwrap().to_string();
    assert!(text.contains("Bias against a group"), "{text}");
    let reimported = server
        .call(
            Request::builder()
                .method("PUT")
                .uri("/api/v1/systems/scoring/fmea/imported")
                .header(
                    header::AUTHORIZATION,
                    format!("Bearer {}", server.admin_token),
                )
                .header(header::CONTENT_TYPE, "text/csv")
                .body(Body::from(text))
                .unwrap(),
        )
        .await;
    assert_eq!(reimported.status, StatusCode::OK, "{:?}", reimported.body);
    assert_eq!(reimported.body["body"]["rows"][0]["severity"], 9);
    let events = server
        .api(Method::GET, "/api/v1/systems/scoring/events", None)
        .await
        .body;
    assert!(
        events
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "rca_updated"),
        "on the system's audit trail"
    );
}

/// An uploaded tree with a billion minimal cut sets (an AND of nine ORs of
/// ten events), whose list no machine's memory budget holds: the server
/// answers with the count and the most probable sets instead of running out
/// of memory.
#[tokio::test]
async fn a_fault_tree_too_large_to_list_is_counted_not_listed() {
    let server = TestServer::with_incident().await;
    let mut mef = String::from("<opsa-mef><define-fault-tree name=\"wide\">");
    mef += "<define-gate name=\"top\"><and>";
    for group in 0..9 {
        mef += &format!("<gate name=\"g{group}\"/>");
    }
    mef += "</and></define-gate>";
    for group in 0..9 {
        mef += &format!("<define-gate name=\"g{group}\"><or>");
        for event in 0..10 {
            mef += &format!("<basic-event name=\"e{group}{event}\"/>");
        }
        mef += "</or></define-gate>";
    }
    mef += "</define-fault-tree><model-data>";
    for group in 0..9 {
        for event in 0..10 {
            mef += &format!(
                "<define-basic-event name=\"e{group}{event}\"><float value=\"0.0{event}1\"/></define-basic-event>"
            );
        }
    }
    mef += "</model-data></opsa-mef>";
    let tree = server
        .api_json(
            Method::PUT,
            "/api/v1/incidents/INC-1/rca/fault_tree/wide",
            json!({ "mef": mef, "limit_order": 9 }),
        )
        .await;
    assert_eq!(tree.status, StatusCode::OK, "{:?}", tree.body);
    let analysis = &tree.body["derived"]["analysis"][0];
    assert_eq!(analysis["cut_sets_listed"], false, "{analysis}");
    assert_eq!(analysis["cut_set_count"]["total"], 1_000_000_000u64);
    assert!(analysis["minimal_cut_sets"].as_array().unwrap().is_empty());
    let top = analysis["most_probable_cut_sets"].as_array().unwrap();
    assert_eq!(top.len(), firebreak_rca::fta::DEFAULT_TOP_K);
    assert_eq!(top[0]["events"][8], "e89");
}
