//! Route-level tests through the real router and a real SQLite file, without a
//! socket: authorization of every route, error answers, the OpenAPI document.

mod errors;
mod fuzz;
mod ingest;
mod openapi;
mod rca;
mod routes;
mod support;
mod timeline;
