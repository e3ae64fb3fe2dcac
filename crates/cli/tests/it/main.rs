//! End-to-end tests through the built `firebreak` binary: a real server on
//! loopback, a real SQLite file (and, in `postgres`, a real PostgreSQL), and
//! (in `browser`) a real headless Chromium.

mod abuse;
mod accessibility;
mod alertmanager;
mod analyze;
mod browser;
mod changes;
mod channels;
mod chromium;
mod clocks;
mod containment;
mod conversations;
mod durability;
mod evidence;
mod findings;
mod inquiries;
mod lists_browser;
mod live;
mod login;
mod monitors;
mod object_store;
mod oncall;
mod page_hooks;
mod pages;
mod paging;
mod postgres;
mod postmortem;
mod postmortem_browser;
mod prometheus;
mod rca_artifacts;
mod readme;
mod recurrence;
mod regulatory;
mod regulatory_browser;
mod response_browser;
mod roles;
mod seeded;
mod severity;
mod slack_channels;
mod support;
mod tamper;
mod tokens_page;
mod updates;
mod upstream_alerts;
mod walk;
