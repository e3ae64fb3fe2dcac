//! The input formats through the API: their JSON Schemas served, and bodies
//! and files that lack required fields refused naming every one at once.

use crate::support::TestServer;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {problem}"))
        .iter()
        .map(|e| {
            format!(
                "{}: {}",
                e["field"].as_str().unwrap(),
                e["message"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test]
async fn every_format_is_listed_and_served_as_a_json_schema() {
    let server = TestServer::new();
    let list = server.api(Method::GET, "/api/v1/schemas", None).await;
    assert_eq!(list.status, StatusCode::OK);
    let formats = list.body.as_array().unwrap();
    assert_eq!(formats.len(), 10, "{:?}", list.body);
    for format in formats {
        let url = format["schema"].as_str().unwrap();
        let served = server.api(Method::GET, url, None).await;
        assert_eq!(served.status, StatusCode::OK, "{url}");
        assert_eq!(served.content_type, "application/schema+json", "{url}");
        assert_eq!(
            served.body["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        assert_eq!(served.body["$id"], url);
    }
    let fishbone = server
        .api(Method::GET, "/api/v1/schemas/fishbone", None)
        .await;
    assert_eq!(fishbone.body["required"], json!(["effect", "categories"]));
    let unknown = server.api(Method::GET, "/api/v1/schemas/nope", None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(
        unknown.body["detail"]
            .as_str()
            .unwrap()
            .contains("fishbone"),
        "{:?}",
        unknown.body
    );
}

#[tokio::test]
async fn an_rca_artifact_missing_fields_is_refused_naming_all_of_them() {
    let server = TestServer::with_incident().await;
    let refused = server
        .api_json(
            Method::PUT,
            "/api/v1/incidents/INC-1/rca/fishbone/workshop",
            json!({ "categories": [{ "name": "Data", "causes": [{ "statement": "s" }] }] }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        fields(&refused.body),
        [
            "effect: missing required field",
            "categories[0].category: missing required field",
            "categories[0].causes[0].evidence: missing required field",
            "categories[0].causes[0].votes: missing required field",
            "categories[0].causes[0].chosen_as_root_cause: missing required field",
            "categories[0].causes[0].sub_causes: missing required field",
        ]
    );
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .starts_with("effect: missing required field; categories[0].category: missing"),
        "{:?}",
        refused.body
    );
}

#[tokio::test]
async fn bodies_of_documented_formats_name_every_missing_field_with_400() {
    let server = TestServer::with_incident().await;
    let integration = server
        .api_json(
            Method::POST,
            "/api/v1/integrations",
            json!({ "rules": [{ "matchers": [{ "label": "service" }] }] }),
        )
        .await;
    assert_eq!(integration.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        fields(&integration.body),
        [
            "name: missing required field",
            "source: missing required field",
            "rules[0].system: missing required field",
            "rules[0].matchers[0].op: missing required field",
            "rules[0].matchers[0].value: missing required field",
        ]
    );
    let mapping = server
        .api_json(
            Method::POST,
            "/api/v1/integrations",
            json!({ "name": "tool", "source": "generic", "mapping": { "title": "/t", "summary": "t", "status": "/s" } }),
        )
        .await;
    assert_eq!(mapping.status, StatusCode::UNPROCESSABLE_ENTITY);
    let named = fields(&mapping.body);
    assert_eq!(named.len(), 2, "{named:?}");
    assert!(
        named[0].starts_with("mapping.summary: a JSON pointer"),
        "{named:?}"
    );
    assert!(
        named[1].starts_with("mapping.title: not a mappable field"),
        "{named:?}"
    );

    let assessed = server
        .api_json(Method::PUT, "/api/v1/incidents/INC-1/regulatory", json!({}))
        .await;
    assert_eq!(assessed.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        fields(&assessed.body),
        ["questionnaire: missing required field"]
    );
}

#[tokio::test]
async fn an_fmea_csv_needs_neither_rpn_nor_action_priority_and_names_every_missing_column() {
    let server = TestServer::with_incident().await;
    let put = |csv: &'static str| {
        server.call(
            Request::builder()
                .method("PUT")
                .uri("/api/v1/systems/scoring/fmea/imported")
                .header(
                    header::AUTHORIZATION,
                    format!("Bearer {}", server.admin_token),
                )
                .header(header::CONTENT_TYPE, "text/csv")
                .body(Body::from(csv))
                .unwrap(),
        )
    };
    let saved = put(
        "item,failure_mode,effect,cause,prevention_controls,detection_controls,severity,occurrence,detection\n\
         Scoring,Data drift,Wrong rejections,Units changed,Contract,PSI,8,5,6\n",
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{:?}", saved.body);
    assert_eq!(saved.body["derived"]["rows"][0]["rpn"], 240);
    let refused = put("item,effect,severity\nScoring,Wrong,8\n").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.body["detail"],
        "csv: CSV row 1 (the header): missing columns `failure_mode`, `cause`, \
         `prevention_controls`, `detection_controls`, `occurrence`, `detection`"
    );
}
