//! Plain forms for building the diagrammatic RCA methods a step at a time:
//! start a 5 Whys, fishbone or Swiss Cheese analysis, then add a why, a
//! cause or a hole where it belongs. Each step saves a new version of the
//! artifact through the same checks as the API; the form carries the version
//! it extends, so a step made on a stale page is refused, not lost.

use axum::extract::{Path, State};
use axum::response::Redirect;
use firebreak_core::rca::{Artifact, ArtifactKind};
use firebreak_rca::category::CauseCategory;
use firebreak_rca::fishbone::{Fishbone, FishboneCause, FishbonePreset};
use firebreak_rca::swiss_cheese::{DefenceLayer, Hole, HoleKind, SwissCheese};
use firebreak_rca::whys::{Why, WhysAnalysis};
use maud::{Markup, html};
use serde_json::Value;

use super::{CsrfForm, csrf_field};
use crate::api::incidents::incident_number;
use crate::auth::{Caller, Responder};
use crate::error::ApiError;
use crate::state::AppState;

/// The categories a why can be filed under, as the forms offer them.
const CATEGORIES: [&str; 7] = [
    "technology",
    "data",
    "model",
    "process",
    "people",
    "infrastructure",
    "governance",
];

/// The forms below the incident's diagrams: one to start each method, and
/// one to add a step to each artifact already there.
pub fn step_forms(caller: &Caller, path: &str, artifacts: &[&Artifact]) -> Markup {
    let action = format!("{path}/rca/step");
    let of_kind = |kind: ArtifactKind| {
        artifacts
            .iter()
            .copied()
            .filter(move |artifact| artifact.kind == kind)
    };
    html! {
        div.rca-steps {
            @for artifact in of_kind(ArtifactKind::FiveWhys) {
                @if let Ok(whys) = serde_json::from_value::<WhysAnalysis>(artifact.body.clone()) {
                    (add_why_form(caller, &action, artifact, &whys))
                }
            }
            @for artifact in of_kind(ArtifactKind::Fishbone) {
                @if let Ok(fishbone) = serde_json::from_value::<Fishbone>(artifact.body.clone()) {
                    (add_cause_form(caller, &action, artifact, &fishbone))
                }
            }
            @for artifact in of_kind(ArtifactKind::SwissCheese) {
                @if let Ok(model) = serde_json::from_value::<SwissCheese>(artifact.body.clone()) {
                    (add_hole_form(caller, &action, artifact, &model))
                }
            }
            details.start-method {
                summary { "Start a 5 Whys, fishbone or Swiss Cheese analysis" }
                form method="post" action=(action) data-step="start-five-whys" {
                    (csrf_field(caller))
                    input type="hidden" name="kind" value="five_whys";
                    input type="hidden" name="step" value="start";
                    (name_field())
                    label { "Symptom (what was observed) " input type="text" name="symptom" required; }
                    (why_fields())
                    button type="submit" { "Start 5 Whys" }
                }
                form method="post" action=(action) data-step="start-fishbone" {
                    (csrf_field(caller))
                    input type="hidden" name="kind" value="fishbone";
                    input type="hidden" name="step" value="start";
                    (name_field())
                    label { "Effect (the problem at the head of the fish) " input type="text" name="effect" required; }
                    label { "Categories "
                        select name="preset" {
                            option value="ai" { "AI: Data, Model, Process/Method, People, Infrastructure/Machine, Environment/Governance" }
                            option value="six_m" { "Classic 6M" }
                        }
                    }
                    button type="submit" { "Start fishbone" }
                }
                form method="post" action=(action) data-step="start-swiss-cheese" {
                    (csrf_field(caller))
                    input type="hidden" name="kind" value="swiss_cheese";
                    input type="hidden" name="step" value="start";
                    (name_field())
                    label { "Hazard (what got through the defences) " input type="text" name="hazard" required; }
                    button type="submit" { "Start Swiss Cheese" }
                }
            }
        }
    }
}

fn name_field() -> Markup {
    html! { label { "Name " input type="text" name="name" value="main" required style="min-width:8rem"; } }
}

fn evidence_field(name: &str) -> Markup {
    html! { label { "Evidence or timeline ids, comma-separated (optional) " input type="text" name=(name); } }
}

fn why_fields() -> Markup {
    html! {
        label { "Why? " input type="text" name="statement" required; }
        label { "Category "
            select name="category" { @for category in CATEGORIES { option value=(category) { (category) } } }
        }
        (evidence_field("evidence"))
    }
}

fn target_fields(caller: &Caller, artifact: &Artifact, step: &str) -> Markup {
    html! {
        (csrf_field(caller))
        input type="hidden" name="kind" value=(artifact.kind.as_str());
        input type="hidden" name="name" value=(artifact.name);
        input type="hidden" name="version" value=(artifact.version);
        input type="hidden" name="step" value=(step);
    }
}

/// A statement cut to fit an option label.
fn short(text: &str) -> String {
    const MAX: usize = 60;
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

fn path_label(path: &[usize]) -> String {
    path.iter()
        .map(|index| (index + 1).to_string())
        .collect::<Vec<_>>()
        .join(".")
}

fn add_why_form(caller: &Caller, action: &str, artifact: &Artifact, whys: &WhysAnalysis) -> Markup {
    let mut options = Vec::new();
    fn walk(whys: &[Why], path: &mut Vec<usize>, options: &mut Vec<(String, String)>) {
        for (index, why) in whys.iter().enumerate() {
            path.push(index);
            options.push((
                path_label(path),
                format!("{} {}", path_label(path), short(&why.statement)),
            ));
            walk(&why.causes, path, options);
            path.pop();
        }
    }
    walk(&whys.whys, &mut Vec::new(), &mut options);
    // A why usually answers the one written last, so the chain goes deeper
    // unless the user picks a branch.
    let deepest = options.last().map(|(value, _)| value.clone());
    html! {
        details.add-step {
            summary { "Add a why to 5 Whys " (artifact.name) }
            form method="post" action=(action) data-step="add-why" {
                (target_fields(caller, artifact, "add"))
                label { "It answers why… "
                    select name="parent" {
                        option value="" { "the symptom: " (short(&whys.symptom)) }
                        @for (value, label) in &options { option value=(value) selected[Some(value) == deepest.as_ref()] { (label) } }
                    }
                }
                (why_fields())
                button type="submit" { "Add why" }
            }
        }
    }
}

fn add_cause_form(
    caller: &Caller,
    action: &str,
    artifact: &Artifact,
    fishbone: &Fishbone,
) -> Markup {
    let mut parents = Vec::new();
    fn walk(
        causes: &[FishboneCause],
        bone: usize,
        bone_name: &str,
        path: &mut Vec<usize>,
        parents: &mut Vec<(String, String)>,
    ) {
        for (index, cause) in causes.iter().enumerate() {
            path.push(index);
            parents.push((
                format!("{bone}:{}", path_label(path)),
                format!("{bone_name} › {}", short(&cause.statement)),
            ));
            walk(&cause.sub_causes, bone, bone_name, path, parents);
            path.pop();
        }
    }
    for (bone, category) in fishbone.categories.iter().enumerate() {
        parents.push((bone.to_string(), format!("{} (on the bone)", category.name)));
        walk(
            &category.causes,
            bone,
            &category.name,
            &mut Vec::new(),
            &mut parents,
        );
    }
    html! {
        details.add-step {
            summary { "Add a cause to fishbone " (artifact.name) }
            form method="post" action=(action) data-step="add-cause" {
                (target_fields(caller, artifact, "add"))
                label { "Where "
                    select name="parent" { @for (value, label) in &parents { option value=(value) { (label) } } }
                }
                label { "Cause " input type="text" name="statement" required; }
                label { "Votes " input type="number" name="votes" min="0" value="0"; }
                (evidence_field("evidence"))
                label { input type="checkbox" name="root_cause"; " chosen as a root cause" }
                button type="submit" { "Add cause" }
            }
        }
    }
}

fn add_hole_form(
    caller: &Caller,
    action: &str,
    artifact: &Artifact,
    model: &SwissCheese,
) -> Markup {
    html! {
        details.add-step {
            summary { "Add a hole to Swiss Cheese " (artifact.name) }
            form method="post" action=(action) data-step="add-hole" {
                (target_fields(caller, artifact, "add"))
                label { "Layer "
                    select name="layer" {
                        @for (index, layer) in model.layers.iter().enumerate() { option value=(index) { (layer.name) } }
                        option value="new" { "a new layer, named below" }
                    }
                }
                label { "New layer (placed after the others) " input type="text" name="new_layer" placeholder="e.g. Canary release"; }
                label { "Hole " input type="text" name="description" required; }
                label { "Kind "
                    select name="hole_kind" {
                        option value="latent_condition" { "latent condition" }
                        option value="active_failure" { "active failure" }
                    }
                }
                (evidence_field("findings"))
                label { input type="checkbox" name="on_trajectory" checked; " on the incident's trajectory" }
                button type="submit" { "Add hole" }
            }
        }
    }
}

fn ids(form: &CsrfForm, field: &str) -> Vec<String> {
    form.get(field)
        .map(|text| {
            text.split(',')
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn category(form: &CsrfForm) -> Result<CauseCategory, ApiError> {
    let name = form.required("category")?;
    serde_json::from_value(Value::String(name.to_string()))
        .map_err(|_| ApiError::invalid("category", format!("`{name}` is not a cause category")))
}

/// "1.2.1" as indexes, checked against nothing yet.
fn parse_path(text: &str, field: &str) -> Result<Vec<usize>, ApiError> {
    text.split('.')
        .map(|part| match part.parse::<usize>() {
            Ok(number) if number >= 1 => Ok(number - 1),
            _ => Err(ApiError::invalid(
                field,
                format!("`{text}` is not a position like 1.2"),
            )),
        })
        .collect()
}

pub async fn add_step(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CsrfForm,
) -> Result<Redirect, ApiError> {
    let owner = firebreak_core::incident::public_id(incident_number(&id)?);
    let kind: ArtifactKind = serde_json::from_value(Value::String(form.required("kind")?.into()))
        .map_err(|_| ApiError::invalid("kind", "not an artifact kind"))?;
    let name = form.required("name")?.to_string();
    let starting = form.required("step")? == "start";
    let current = crate::api::rca::latest(&state, owner.clone(), kind, name.clone()).await?;
    let body = match (starting, current) {
        (true, Some(_)) => {
            return Err(ApiError::Conflict {
                message: format!(
                    "{} `{name}` already exists; add to it, or start one with another name",
                    kind.as_str()
                ),
                allowed: Vec::new(),
            });
        }
        (true, None) => start(kind, &form)?,
        (false, None) => {
            return Err(ApiError::NotFound(format!(
                "no {} `{name}` on {owner}",
                kind.as_str()
            )));
        }
        (false, Some(current)) => {
            form.check_extends(&current)?;
            add(kind, current.body, &form)?
        }
    };
    crate::api::rca::save(&state, owner.clone(), kind, name, body, caller.name()).await?;
    Ok(Redirect::to(&format!("/incidents/{owner}#rca")))
}

fn to_value(value: impl serde::Serialize) -> Result<Value, ApiError> {
    serde_json::to_value(value).map_err(|e| ApiError::Internal(e.to_string()))
}

fn from_body<T: serde::de::DeserializeOwned>(body: Value) -> Result<T, ApiError> {
    serde_json::from_value(body).map_err(|e| {
        ApiError::bad_request(
            Some("body"),
            format!("the saved artifact is not in the method's format ({e}); edit it as JSON"),
        )
    })
}

fn start(kind: ArtifactKind, form: &CsrfForm) -> Result<Value, ApiError> {
    match kind {
        ArtifactKind::FiveWhys => to_value(WhysAnalysis {
            symptom: form.required("symptom")?.to_string(),
            whys: vec![why(form)?],
        }),
        ArtifactKind::Fishbone => {
            let preset = match form.get("preset").unwrap_or("ai") {
                "ai" => FishbonePreset::Ai,
                "six_m" => FishbonePreset::SixM,
                other => {
                    return Err(ApiError::invalid(
                        "preset",
                        format!("`{other}` is not ai or six_m"),
                    ));
                }
            };
            to_value(Fishbone::new(form.required("effect")?, preset))
        }
        ArtifactKind::SwissCheese => to_value(SwissCheese {
            hazard: form.required("hazard")?.to_string(),
            layers: Vec::new(),
        }),
        other => Err(ApiError::invalid(
            "kind",
            format!(
                "{} is edited as a whole, not a step at a time",
                other.as_str()
            ),
        )),
    }
}

fn why(form: &CsrfForm) -> Result<Why, ApiError> {
    Ok(Why {
        statement: form.required("statement")?.to_string(),
        category: category(form)?,
        evidence: ids(form, "evidence"),
        causes: Vec::new(),
    })
}

/// The list of children at `path` in a tree of lists, or `None` when the
/// path leaves the tree.
fn descend<'t, T>(
    mut level: &'t mut Vec<T>,
    path: &[usize],
    children: fn(&mut T) -> &mut Vec<T>,
) -> Option<&'t mut Vec<T>> {
    for &index in path {
        level = children(level.get_mut(index)?);
    }
    Some(level)
}

fn add(kind: ArtifactKind, body: Value, form: &CsrfForm) -> Result<Value, ApiError> {
    let missing = |field: &str| ApiError::invalid(field, "no such position in the analysis");
    match kind {
        ArtifactKind::FiveWhys => {
            let mut whys: WhysAnalysis = from_body(body)?;
            let new = why(form)?;
            match form.get("parent") {
                None => whys.whys.push(new),
                Some(parent) => {
                    let path = parse_path(parent, "parent")?;
                    descend(&mut whys.whys, &path, |why| &mut why.causes)
                        .ok_or_else(|| missing("parent"))?
                        .push(new);
                }
            }
            to_value(whys)
        }
        ArtifactKind::Fishbone => {
            let mut fishbone: Fishbone = from_body(body)?;
            let parent = form.required("parent")?;
            let (bone, path) = match parent.split_once(':') {
                Some((bone, path)) => (bone, parse_path(path, "parent")?),
                None => (parent, Vec::new()),
            };
            let bone: usize = bone.parse().map_err(|_| missing("parent"))?;
            let votes = match form.get("votes") {
                None => 0,
                Some(votes) => votes.parse().map_err(|_| {
                    ApiError::invalid("votes", format!("`{votes}` is not a whole number"))
                })?,
            };
            let cause = FishboneCause {
                statement: form.required("statement")?.to_string(),
                evidence: ids(form, "evidence"),
                votes,
                likelihood: None,
                chosen_as_root_cause: form.get("root_cause").is_some(),
                sub_causes: Vec::new(),
            };
            let bone = fishbone
                .categories
                .get_mut(bone)
                .ok_or_else(|| missing("parent"))?;
            descend(&mut bone.causes, &path, |cause| &mut cause.sub_causes)
                .ok_or_else(|| missing("parent"))?
                .push(cause);
            to_value(fishbone)
        }
        ArtifactKind::SwissCheese => {
            let mut model: SwissCheese = from_body(body)?;
            let kind = match form.required("hole_kind")? {
                "latent_condition" => HoleKind::LatentCondition,
                "active_failure" => HoleKind::ActiveFailure,
                other => {
                    return Err(ApiError::invalid(
                        "hole_kind",
                        format!("`{other}` is not latent_condition or active_failure"),
                    ));
                }
            };
            let hole = Hole {
                description: form.required("description")?.to_string(),
                kind,
                findings: ids(form, "findings"),
                on_trajectory: form.get("on_trajectory").is_some(),
            };
            let layer = match form.required("layer")? {
                "new" => {
                    model.layers.push(DefenceLayer {
                        name: form.required("new_layer")?.to_string(),
                        holes: Vec::new(),
                    });
                    model.layers.len() - 1
                }
                index => index
                    .parse::<usize>()
                    .ok()
                    .filter(|&index| index < model.layers.len())
                    .ok_or_else(|| missing("layer"))?,
            };
            model.layers[layer].holes.push(hole);
            to_value(model)
        }
        other => Err(ApiError::invalid(
            "kind",
            format!(
                "{} is edited as a whole, not a step at a time",
                other.as_str()
            ),
        )),
    }
}
