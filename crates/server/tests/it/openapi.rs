use firebreak_server::api::ApiDoc;
use utoipa::OpenApi;

#[test]
fn the_openapi_document_is_3_1_and_pinned() {
    let document = serde_json::to_value(ApiDoc::openapi()).unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    insta::assert_json_snapshot!("openapi", document);
}
