//! JSON Schemas of the types Firebreak reads from files and bodies, made from
//! the same `utoipa::ToSchema` derivations the OpenAPI document uses, and the
//! check that names every missing required field at once: serde stops at the
//! first, so a value is walked against its schema before serde reads it.

use firebreak_core::FieldError;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

/// The dialect every served schema declares.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// What a missing required field is reported as.
pub const MISSING: &str = "missing required field";

/// A JSON Schema: the root and the definitions its `$ref`s point into.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    root: Value,
    defs: Map<String, Value>,
}

impl Schema {
    /// The schema of `T` as its `ToSchema` derivation describes it, with
    /// every type it refers to under `$defs`.
    pub fn of<T: ToSchema>() -> Schema {
        let mut referenced = Vec::new();
        T::schemas(&mut referenced);
        let defs = referenced
            .into_iter()
            .map(|(name, schema)| (name, to_json(&schema)))
            .collect();
        Schema::new(to_json(&T::schema()), defs)
    }

    /// A schema written out, with `$ref`s in OpenAPI's or JSON Schema's form.
    pub fn new(root: Value, defs: Map<String, Value>) -> Schema {
        let mut root = root;
        rewrite_refs(&mut root);
        let defs = defs
            .into_iter()
            .map(|(name, mut schema)| {
                rewrite_refs(&mut schema);
                (name, schema)
            })
            .collect();
        Schema { root, defs }
    }

    pub fn root(&self) -> &Value {
        &self.root
    }

    /// The same schema with `edit` applied to its root (e.g. to make a
    /// partial update's fields optional).
    pub fn map_root(mut self, edit: impl FnOnce(&mut Map<String, Value>)) -> Schema {
        if let Value::Object(root) = &mut self.root {
            edit(root);
        }
        self
    }

    /// The schema as a JSON Schema document named `id`.
    pub fn document(&self, id: &str, title: &str, description: &str) -> Value {
        let mut document = Map::new();
        document.insert("$schema".into(), json!(DIALECT));
        document.insert("$id".into(), json!(id));
        document.insert("title".into(), json!(title));
        document.insert("description".into(), json!(description));
        if let Value::Object(root) = &self.root {
            for (key, value) in root {
                document.entry(key.clone()).or_insert_with(|| value.clone());
            }
        }
        if !self.defs.is_empty() {
            document.insert("$defs".into(), Value::Object(self.defs.clone()));
        }
        Value::Object(document)
    }

    /// Every required field `value` lacks, at any depth, as serde paths
    /// (`whys[0].causes[1].category`): an object's own before its fields'.
    pub fn missing(&self, value: &Value) -> Vec<String> {
        let mut found = Vec::new();
        self.walk(&self.root, value, "", &mut found, 0);
        found
    }

    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        let mut schema = schema;
        // A chain of references ends; the bound only guards a cycle.
        for _ in 0..32 {
            match schema.get("$ref").and_then(Value::as_str) {
                Some(reference) => match reference
                    .strip_prefix("#/$defs/")
                    .and_then(|name| self.defs.get(name))
                {
                    Some(target) => schema = target,
                    None => return schema,
                },
                None => return schema,
            }
        }
        schema
    }

    fn walk(&self, schema: &Value, value: &Value, path: &str, found: &mut Vec<String>, depth: u32) {
        // Values nest no deeper than the body limit allows; schemas recurse
        // only through values, so this bound is never reached in practice.
        if depth > 256 {
            return;
        }
        let schema = self.resolve(schema);
        for part in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.walk(part, value, path, found, depth + 1);
        }
        for choice in ["oneOf", "anyOf"] {
            if let Some(branches) = schema.get(choice).and_then(Value::as_array) {
                self.walk_branches(branches, value, path, found, depth);
            }
        }
        match value {
            Value::Object(fields) => {
                for name in schema
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    if !fields.contains_key(name) {
                        found.push(join(path, name));
                    }
                }
                let properties = schema.get("properties").and_then(Value::as_object);
                let additional = schema
                    .get("additionalProperties")
                    .filter(|additional| additional.is_object());
                for (name, field) in fields {
                    if let Some(field_schema) = properties.and_then(|p| p.get(name)).or(additional)
                    {
                        self.walk(field_schema, field, &join(path, name), found, depth + 1);
                    }
                }
            }
            Value::Array(items) => {
                if let Some(item_schema) = schema.get("items").filter(|items| items.is_object()) {
                    for (index, item) in items.iter().enumerate() {
                        let path = format!("{path}[{index}]");
                        self.walk(item_schema, item, &path, found, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }

    /// A value of a choice (an optional type, a tagged or untagged enum) is
    /// held to the branches its tag selects; when none is met, to the one
    /// that knows most of the fields it has, then the one it misses least.
    fn walk_branches(
        &self,
        branches: &[Value],
        value: &Value,
        path: &str,
        found: &mut Vec<String>,
        depth: u32,
    ) {
        let Value::Object(fields) = value else {
            return;
        };
        let mut best: Option<(usize, Vec<String>)> = None;
        for branch in branches {
            let branch = self.resolve(branch);
            if !is_object_schema(branch) || !tag_agrees(branch, fields) {
                continue;
            }
            let known =
                branch
                    .get("properties")
                    .and_then(Value::as_object)
                    .map_or(0, |properties| {
                        fields
                            .keys()
                            .filter(|k| properties.contains_key(*k))
                            .count()
                    });
            let mut missing = Vec::new();
            self.walk(branch, value, path, &mut missing, depth + 1);
            let better = best.as_ref().is_none_or(|(best_known, best_missing)| {
                known > *best_known || (known == *best_known && missing.len() < best_missing.len())
            });
            if better {
                best = Some((known, missing));
            }
        }
        found.extend(best.map(|(_, missing)| missing).unwrap_or_default());
    }
}

/// Whether a value that is an object can be held to `schema`: an object
/// schema, or a further choice or combination.
fn is_object_schema(schema: &Value) -> bool {
    ["properties", "oneOf", "anyOf", "allOf"]
        .iter()
        .any(|key| schema.get(*key).is_some())
        || schema.get("required").is_some()
        || schema.get("type").is_some_and(|kind| match kind {
            Value::String(kind) => kind == "object",
            Value::Array(kinds) => kinds.iter().any(|kind| kind == "object"),
            _ => false,
        })
}

/// False when the branch fixes a property to one value (a serde tag) and the
/// value holds another there.
fn tag_agrees(branch: &Value, fields: &Map<String, Value>) -> bool {
    let Some(properties) = branch.get("properties").and_then(Value::as_object) else {
        return true;
    };
    properties.iter().all(|(name, property)| {
        let fixed = property
            .get("enum")
            .and_then(Value::as_array)
            .filter(|values| values.len() == 1)
            .map(|values| &values[0])
            .or_else(|| property.get("const"));
        match (fixed, fields.get(name)) {
            (Some(fixed), Some(actual)) => fixed == actual,
            _ => true,
        }
    })
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

fn to_json(schema: &impl serde::Serialize) -> Value {
    serde_json::to_value(schema).expect("a schema serialises")
}

/// OpenAPI's `#/components/schemas/X` becomes JSON Schema's `#/$defs/X`.
fn rewrite_refs(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if key == "$ref"
                    && let Value::String(reference) = inner
                    && let Some(name) = reference.strip_prefix("#/components/schemas/")
                {
                    *reference = format!("#/$defs/{name}");
                } else {
                    rewrite_refs(inner);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

/// Reads `value` as a `T`: every required field it lacks named at once;
/// otherwise serde's first complaint, with its path (`body` at the top).
pub fn read<T: DeserializeOwned + ToSchema>(value: &Value) -> Result<T, Vec<FieldError>> {
    read_with(&Schema::of::<T>(), value)
}

/// [`read`] against a schema of `T` edited for the place it is read.
pub fn read_with<T: DeserializeOwned>(
    schema: &Schema,
    value: &Value,
) -> Result<T, Vec<FieldError>> {
    let missing = schema.missing(value);
    if !missing.is_empty() {
        return Err(missing
            .into_iter()
            .map(|path| FieldError::new(path, MISSING))
            .collect());
    }
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        let field = if path == "." {
            "body".to_string()
        } else {
            path
        };
        vec![FieldError::new(field, error.into_inner().to_string())]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use firebreak_rca::cause_statement::CauseStatement;
    use firebreak_rca::whys::WhysAnalysis;

    fn fields(errors: Vec<FieldError>) -> Vec<String> {
        errors
            .into_iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect()
    }

    #[test]
    fn every_missing_field_is_named_at_every_depth() {
        let whys = json!({
            "whys": [
                {"statement": "s", "evidence": [], "causes": [{"statement": "t"}]},
                {"category": "data", "evidence": [], "causes": []}
            ]
        });
        let errors = read::<WhysAnalysis>(&whys).unwrap_err();
        assert_eq!(
            fields(errors),
            [
                "symptom: missing required field",
                "whys[0].category: missing required field",
                "whys[0].causes[0].category: missing required field",
                "whys[0].causes[0].evidence: missing required field",
                "whys[0].causes[0].causes: missing required field",
                "whys[1].statement: missing required field",
            ]
        );
    }

    #[test]
    fn a_tagged_choice_is_held_to_the_branch_its_tag_names() {
        let statement = json!({
            "proximate_cause": {"statement": "s", "category": "data", "supported_by": [
                {"kind": "fmea_row", "artifact": "a"},
                {"kind": "why", "chain": [0]}
            ]},
            "root_causes": []
        });
        let errors = read::<CauseStatement>(&statement).unwrap_err();
        assert_eq!(
            fields(errors),
            [
                "contributing_factors: missing required field",
                "proximate_cause.supported_by[0].row: missing required field",
                "proximate_cause.supported_by[1].artifact: missing required field",
            ]
        );
    }

    #[test]
    fn without_missing_fields_serde_speaks_with_its_path() {
        let whys = json!({"symptom": "s", "whys": [{"statement": "s", "category": 3, "evidence": [], "causes": []}]});
        let errors = fields(read::<WhysAnalysis>(&whys).unwrap_err());
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("whys[0].category: "), "{errors:?}");
        let errors = fields(read::<WhysAnalysis>(&json!("text")).unwrap_err());
        assert!(errors[0].starts_with("body: invalid type"), "{errors:?}");
    }

    #[test]
    fn documents_declare_the_dialect_and_resolve_every_reference() {
        let document = Schema::of::<WhysAnalysis>().document("urn:x", "5 Whys", "d");
        assert_eq!(document["$schema"], DIALECT);
        assert_eq!(document["required"], json!(["symptom", "whys"]));
        let text = document.to_string();
        assert!(!text.contains("#/components/"), "{text}");
        for reference in text.split("\"#/$defs/").skip(1) {
            let name = &reference[..reference.find('"').unwrap()];
            assert!(document["$defs"].get(name).is_some(), "{name} undefined");
        }
    }
}
