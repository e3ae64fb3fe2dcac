//! The post-mortem's text on the incident page: a form per section, each
//! carrying a fingerprint of the text it was opened on, so saving over a
//! section someone changed meanwhile is a conflict shown in place rather
//! than their words silently replaced. Causes are edited one per form
//! (an empty statement removes the cause) and added with a small form.

use super::answer;
use crate::api::incidents::incident_number;
use crate::api::postmortems::apply_edit;
use crate::auth::{Caller, Responder};
use crate::error::ApiError;
use crate::state::AppState;
use crate::ui::rejected::Rejected;
use crate::ui::{CsrfForm, csrf_field};
use axum::extract::{Path, State};
use axum::response::Response;
use firebreak_core::DomainError;
use firebreak_core::cause::{CauseCategory, CauseEntry};
use firebreak_core::postmortem::{PostMortem, RootCause};
use firebreak_store::DocumentKind;
use maud::{Markup, html};
use sha2::{Digest, Sha256};

/// The free-text sections, by the field path the form sends, in document order.
const TEXTS: [(&str, &str); 8] = [
    ("summary", "Summary"),
    ("impact.description", "Impact"),
    ("detection.how", "How it was detected"),
    ("response.narrative", "Response"),
    ("went_well", "What went well"),
    ("went_wrong", "What went wrong"),
    ("got_lucky", "Where we got lucky"),
    ("lessons", "Lessons"),
];

const CATEGORIES: [&str; 7] = [
    "data",
    "model",
    "technology",
    "process",
    "people",
    "infrastructure",
    "governance",
];

fn section_key(field: &str) -> String {
    format!("postmortem:section:{field}")
}

/// A short fingerprint of a section's text as the page showed it.
fn fingerprint(text: Option<&str>) -> String {
    match text {
        None => "none".to_string(),
        Some(text) => Sha256::digest(text.as_bytes())
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect(),
    }
}

fn category_value(category: &CauseCategory) -> String {
    match category {
        CauseCategory::Custom(name) => format!("custom:{name}"),
        other => serde_json::to_value(other)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
    }
}

fn parse_category(value: &str) -> Result<CauseCategory, DomainError> {
    if let Some(name) = value.strip_prefix("custom:") {
        return Ok(CauseCategory::Custom(name.to_string()));
    }
    serde_json::from_value(serde_json::Value::String(value.to_string()))
        .map_err(|_| DomainError::field("category", format!("`{value}` is not a cause category")))
}

/// The text of section `field` (`summary`, `root_causes/rc-2`,
/// `contributing_factors/0`, …); `Err` when there is no such section.
fn text_of<'a>(postmortem: &'a PostMortem, field: &str) -> Result<Option<&'a str>, DomainError> {
    let text = match field {
        "summary" => postmortem.summary.as_deref(),
        "impact.description" => postmortem.impact.description.as_deref(),
        "detection.how" => postmortem.detection.how.as_deref(),
        "response.narrative" => postmortem.response.narrative.as_deref(),
        "went_well" => postmortem.went_well.as_deref(),
        "went_wrong" => postmortem.went_wrong.as_deref(),
        "got_lucky" => postmortem.got_lucky.as_deref(),
        "lessons" => postmortem.lessons.as_deref(),
        "proximate_cause" => postmortem
            .proximate_cause
            .as_ref()
            .map(|c| c.statement.as_str()),
        _ => {
            let missing = || DomainError::Conflict {
                message: format!(
                    "the post-mortem has no {field} any more; reload the page and make the change again"
                ),
                allowed: Vec::new(),
            };
            if let Some(id) = field.strip_prefix("root_causes/") {
                let cause = postmortem.root_causes.iter().find(|c| c.id == id);
                Some(cause.ok_or_else(missing)?.statement.as_str())
            } else if let Some(index) = field.strip_prefix("contributing_factors/") {
                let cause = index
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| postmortem.contributing_factors.get(i));
                Some(cause.ok_or_else(missing)?.statement.as_str())
            } else {
                return Err(DomainError::field(
                    "field",
                    format!("`{field}` is not a post-mortem section"),
                ));
            }
        }
    };
    Ok(text)
}

/// What a section form asks for.
#[derive(Clone)]
struct SectionEdit {
    field: String,
    /// The fingerprint of the text the form was opened on; `None` to add.
    was: Option<String>,
    text: Option<String>,
    category: Option<CauseCategory>,
}

impl SectionEdit {
    /// The post-mortem with this section changed, refused if the section
    /// changed since the form was opened.
    fn apply(&self, current: &PostMortem) -> Result<PostMortem, DomainError> {
        let mut next = current.clone();
        let field = self.field.as_str();
        let needs_category = || {
            self.category
                .clone()
                .ok_or_else(|| DomainError::field("category", "choose a category"))
        };
        if let Some(list) = field.strip_suffix("/new") {
            let statement = self
                .text
                .clone()
                .ok_or_else(|| DomainError::field("statement", "write the cause"))?;
            let category = needs_category()?;
            match list {
                "root_causes" => next.root_causes.push(RootCause {
                    id: next.next_root_cause_id(),
                    statement,
                    category,
                }),
                "contributing_factors" => next.contributing_factors.push(CauseEntry {
                    statement,
                    category,
                }),
                _ => return Err(DomainError::field("field", "add a root cause or a factor")),
            }
            return Ok(next);
        }
        let before = text_of(current, field)?;
        if self.was.as_deref() != Some(fingerprint(before).as_str()) {
            return Err(DomainError::Conflict {
                message: format!(
                    "{} changed since this page was opened; your text is kept below: compare, and save again to replace it",
                    field.replace('_', " ")
                ),
                allowed: Vec::new(),
            });
        }
        let text = self.text.clone();
        match field {
            "summary" => next.summary = text,
            "impact.description" => next.impact.description = text,
            "detection.how" => next.detection.how = text,
            "response.narrative" => next.response.narrative = text,
            "went_well" => next.went_well = text,
            "went_wrong" => next.went_wrong = text,
            "got_lucky" => next.got_lucky = text,
            "lessons" => next.lessons = text,
            "proximate_cause" => {
                next.proximate_cause = match text {
                    None => None,
                    Some(statement) => Some(CauseEntry {
                        statement,
                        category: needs_category()?,
                    }),
                }
            }
            _ => {
                if let Some(id) = field.strip_prefix("root_causes/") {
                    let at = next.root_causes.iter().position(|c| c.id == id);
                    let at = at.expect("text_of found it");
                    match text {
                        None => {
                            next.root_causes.remove(at);
                        }
                        Some(statement) => {
                            let cause = &mut next.root_causes[at];
                            cause.statement = statement;
                            cause.category = needs_category()?;
                        }
                    }
                } else if let Some(index) = field.strip_prefix("contributing_factors/") {
                    let at: usize = index.parse().expect("text_of parsed it");
                    match text {
                        None => {
                            next.contributing_factors.remove(at);
                        }
                        Some(statement) => {
                            next.contributing_factors[at] = CauseEntry {
                                statement,
                                category: needs_category()?,
                            }
                        }
                    }
                }
            }
        }
        Ok(next)
    }
}

fn category_select(
    key: &str,
    current: Option<&CauseCategory>,
    rejected: Option<&Rejected>,
) -> Markup {
    let chosen = Rejected::kept(rejected, key, "category")
        .map(str::to_string)
        .or_else(|| current.map(category_value));
    let custom = current.filter(|c| matches!(c, CauseCategory::Custom(_)));
    html! {
        label { "Category "
            select name="category" {
                @if current.is_none() { option value="" { "(choose)" } }
                @for c in CATEGORIES { option value=(c) selected[chosen.as_deref() == Some(c)] { (c) } }
                @if let Some(c) = custom { @let value = category_value(c); option value=(value) selected[chosen.as_deref() == Some(value.as_str())] { (value) } }
            }
        }
    }
}

/// One section's form: its text, for causes its category, and the
/// fingerprint of the text it was opened on.
fn section_form(
    caller: &Caller,
    path: &str,
    (field, label): (&str, &str),
    text: Option<&str>,
    category: Option<Option<&CauseCategory>>,
    rejected: Option<&Rejected>,
) -> Markup {
    let key = section_key(field);
    let shown = Rejected::kept(rejected, &key, "text").or(if Rejected::is_for(rejected, &key) {
        None
    } else {
        text
    });
    html! {
        form method="post" action={ (path) "/postmortem/sections" } data-section=(field) {
            (csrf_field(caller))
            input type="hidden" name="field" value=(field);
            @if !field.ends_with("/new") { input type="hidden" name="was" value=(fingerprint(text)); }
            label { (label) " " textarea name="text" rows="3" style="width:100%" { (shown.unwrap_or_default()) } }
            @if let Some(current) = category { (category_select(&key, current, rejected)) }
            button type="submit" { "Save " (label.to_lowercase()) }
            (Rejected::messages(rejected, &key))
        }
    }
}

/// The field of every section form.
fn editable(postmortem: &PostMortem) -> Vec<String> {
    let mut fields: Vec<String> = TEXTS.iter().map(|(f, _)| f.to_string()).collect();
    fields.push("proximate_cause".into());
    fields.extend(
        postmortem
            .root_causes
            .iter()
            .map(|c| format!("root_causes/{}", c.id)),
    );
    fields.extend(
        (0..postmortem.contributing_factors.len()).map(|i| format!("contributing_factors/{i}")),
    );
    fields.extend(["root_causes/new".into(), "contributing_factors/new".into()]);
    fields
}

/// Every section of a draft, one form each.
pub(super) fn editor(
    caller: &Caller,
    path: &str,
    postmortem: &PostMortem,
    rejected: Option<&Rejected>,
) -> Markup {
    let open = editable(postmortem)
        .iter()
        .any(|f| Rejected::is_for(rejected, &section_key(f)));
    html! {
        details id="postmortem-editor" open[open] {
            summary { "Edit the sections" }
            p.muted { "Each section saves on its own; an empty section is \"to write\" again, and an empty cause is removed." }
            @for (field, label) in TEXTS {
                (section_form(caller, path, (field, label), text_of(postmortem, field).ok().flatten(), None, rejected))
            }
            h3 { "Causes" }
            (section_form(caller, path, ("proximate_cause", "Proximate cause"),
                postmortem.proximate_cause.as_ref().map(|c| c.statement.as_str()),
                Some(postmortem.proximate_cause.as_ref().map(|c| &c.category)), rejected))
            @for cause in &postmortem.root_causes {
                @let field = format!("root_causes/{}", cause.id);
                @let label = format!("Root cause {}", cause.id);
                (section_form(caller, path, (&field, &label), Some(&cause.statement), Some(Some(&cause.category)), rejected))
            }
            (section_form(caller, path, ("root_causes/new", "New root cause"), None, Some(None), rejected))
            @for (i, cause) in postmortem.contributing_factors.iter().enumerate() {
                @let field = format!("contributing_factors/{i}");
                @let label = format!("Contributing factor {}", i + 1);
                (section_form(caller, path, (&field, &label), Some(&cause.statement), Some(Some(&cause.category)), rejected))
            }
            (section_form(caller, path, ("contributing_factors/new", "New contributing factor"), None, Some(None), rejected))
        }
    }
}

pub async fn save_section(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let number = incident_number(&id)?;
    let field = form.required("field")?.to_string();
    let key = section_key(&field);
    let saved = async {
        let edit = SectionEdit {
            field,
            was: form.get("was").map(str::to_string),
            text: form.get("text").map(str::to_string),
            category: form.get("category").map(parse_category).transpose()?,
        };
        apply_edit(&state, number, caller.name(), move |current| {
            Ok(DocumentKind::encode(&edit.apply(current)?))
        })
        .await
    }
    .await;
    answer(saved, (&state, &caller, &id), key, &form).await
}

/// The messages of a refused section form when the editor is not shown
/// (the post-mortem left draft meanwhile).
pub(super) fn refusals(postmortem: &PostMortem, rejected: Option<&Rejected>) -> Markup {
    html! { @for field in editable(postmortem) { (Rejected::messages(rejected, &section_key(&field))) } }
}

#[cfg(test)]
mod tests;
