use firebreak_server::api::ApiDoc;
use utoipa::OpenApi;

#[test]
fn the_openapi_document_is_3_1_and_pinned() {
    let document = serde_json::to_value(ApiDoc::openapi()).unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    insta::assert_json_snapshot!("openapi", document);
}

/// Every `$ref` in `value`, e.g. `#/components/schemas/Event`.
fn references(value: &serde_json::Value, found: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                match (key.as_str(), item) {
                    ("$ref", serde_json::Value::String(target)) => found.push(target.clone()),
                    _ => references(item, found),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| references(i, found)),
        _ => {}
    }
}

#[test]
fn every_reference_resolves_and_every_error_is_problem_json() {
    let document = serde_json::to_value(ApiDoc::openapi()).unwrap();
    let mut found = Vec::new();
    references(&document, &mut found);
    assert!(!found.is_empty());
    for target in found {
        let pointer = target.trim_start_matches('#');
        assert!(
            document.pointer(pointer).is_some(),
            "{target} is referenced but not defined"
        );
    }
    let mut ids = std::collections::BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap();
            assert!(ids.insert(id.to_string()), "operationId {id} is used twice");
            let responses = operation["responses"].as_object().unwrap();
            if path.starts_with("/api/v1/ingest/pagerduty/") {
                continue;
            }
            assert!(
                responses.contains_key("default"),
                "{method} {path} leaves errors undocumented"
            );
            for (status, response) in responses {
                let is_error = status.starts_with('4') || status.starts_with('5');
                if let Some(content) = response["content"].as_object().filter(|_| is_error) {
                    assert!(
                        content.keys().all(|k| k == "application/problem+json"),
                        "{method} {path} {status} is documented as {:?}",
                        content.keys().collect::<Vec<_>>()
                    );
                }
            }
        }
    }
}
