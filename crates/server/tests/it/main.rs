//! Route-level tests through the real router and a real SQLite file, without a
//! socket: authorization of every route, error answers, the OpenAPI document.

mod abuse;
mod errors;
mod fuzz;
mod hardening;
mod in_place;
mod ingest;
mod login;
mod oncall_pages;
mod openapi;
mod pages;
mod rca;
mod routes;
mod schemas;
mod support;
mod timeline;
