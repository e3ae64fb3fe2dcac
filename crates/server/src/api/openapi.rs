//! Keeps the OpenAPI document truthful about errors (D17): every error this
//! API answers is RFC 9457 `application/problem+json`, so each operation's
//! listed errors say that content type, and a `default` response covers the
//! ones no handler lists (401 and 403 from the role floor, 413 from the body
//! limit, 429 from throttling, 500). Ingest routes that answer in their
//! upstream's own format (PagerDuty) keep what they declare.

use utoipa::Modify;
use utoipa::openapi::path::Operation;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Paths whose errors are in their upstream's format, not problem details.
const UPSTREAM_FORMAT: &[&str] = &["/api/v1/ingest/pagerduty/"];

pub struct ProblemResponses;

fn problem_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

fn is_error(status: &str) -> bool {
    status.starts_with('4') || status.starts_with('5')
}

fn describe(status: &str) -> &'static str {
    match status {
        "400" => "The body or query does not parse, or has wrong types",
        "401" => "No valid credentials",
        "403" => "The caller's role or token scope does not allow this",
        "404" => "Not found",
        "409" => "Conflicts with the current state",
        "413" => "The body is larger than this route accepts",
        "422" => "Well-formed, but breaks a rule; `errors` names each field",
        "429" => "Too many attempts; see Retry-After",
        _ => "An error, as problem details",
    }
}

fn truthful(operation: &mut Operation) {
    for (status, response) in operation.responses.responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        if is_error(status) {
            if let Some(content) = response.content.shift_remove("application/json") {
                response.content.insert(PROBLEM_JSON.to_string(), content);
            }
            if response.description.is_empty() {
                response.description = describe(status).to_string();
            }
        }
    }
    operation
        .responses
        .responses
        .entry("default".to_string())
        .or_insert_with(|| {
            RefOr::T(problem_response(
                "Any other error (401, 403, 413, 429, 500 …) as problem details",
            ))
        });
}

/// Makes every `operationId` unique, as OpenAPI requires: utoipa names an
/// operation after its handler, and several modules have a `list` or `show`.
/// A name used more than once is prefixed with the operation's tag, and, if
/// that is not enough, suffixed with its method and path.
pub struct UniqueOperationIds;

fn operations(
    item: &mut utoipa::openapi::PathItem,
) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    [
        ("get", &mut item.get),
        ("put", &mut item.put),
        ("post", &mut item.post),
        ("delete", &mut item.delete),
        ("patch", &mut item.patch),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.as_mut().map(|o| (method, o)))
}

impl Modify for UniqueOperationIds {
    fn modify(&self, openapi: &mut OpenApi) {
        let mut uses: std::collections::BTreeMap<String, usize> = Default::default();
        for item in openapi.paths.paths.values_mut() {
            for (_, operation) in operations(item) {
                *uses
                    .entry(operation.operation_id.clone().unwrap_or_default())
                    .or_default() += 1;
            }
        }
        let mut taken = std::collections::BTreeSet::new();
        for (path, item) in openapi.paths.paths.iter_mut() {
            for (method, operation) in operations(item) {
                let id = operation.operation_id.clone().unwrap_or_default();
                if uses.get(&id).copied().unwrap_or(0) <= 1 {
                    taken.insert(id);
                    continue;
                }
                let tag = operation
                    .tags
                    .as_ref()
                    .and_then(|tags| tags.first())
                    .map_or("api", String::as_str);
                let mut unique = format!("{tag}_{id}");
                if taken.contains(&unique) {
                    let place: String = path
                        .chars()
                        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                        .collect();
                    unique = format!("{unique}_{method}{place}");
                }
                taken.insert(unique.clone());
                operation.operation_id = Some(unique);
            }
        }
    }
}

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            if UPSTREAM_FORMAT
                .iter()
                .any(|prefix| path.starts_with(prefix))
            {
                continue;
            }
            for (_, operation) in operations(item) {
                truthful(operation);
            }
        }
    }
}
