//! What every operation answers beyond its own annotations, written into the
//! document once, by rule, so that no operation can forget one:
//!
//! - every request may carry `x-baton-protocol` (a newer console than the
//!   server is refused with 422, an older one than it supports with 426);
//! - every operation but the public ones needs a bearer token (401) and may be
//!   refused to the caller's role (403);
//! - a path naming a record answers 404 when it is unknown or out of scope, and
//!   an `{id}` is an id (`validate::id`);
//! - a body may be too large (413), and any input malformed (422); a body
//!   sent as `application/octet-stream` is bytes.
//!
//! It also states two shapes the derive macros cannot: a struct with a tagged
//! enum flattened into it is, on the wire, one object per variant (so it is
//! written as a `oneOf` of those, not an `allOf` of an enum and an object), and
//! each variant of a tagged union is titled by its union and tag, so generated
//! clients name them (`IntentAddNote`, not `IntentType3`).

use serde_json::{json, Map, Value};

/// `baton_proto::validate::id`, as a pattern.
pub const ID_PATTERN: &str = "^[A-Za-z0-9_.:-]{1,100}$";

/// RFC 3339, which every time on the wire is: `format: date-time` alone is an
/// annotation in JSON Schema 2020-12, so the document says it as a pattern too.
pub const TIME_PATTERN: &str =
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})$";

/// Operations anyone may call: no token, so no 401 and no 403.
const PUBLIC: &[(&str, &str)] = &[
    ("get", "/v1/health"),
    ("post", "/v1/auth/login"),
    ("post", "/v1/auth/accept-invite"),
    ("get", "/v1/surveys/{token}"),
    ("post", "/v1/surveys/{token}"),
];

/// The shared responses, by status: (component name, description).
const RESPONSES: &[(&str, &str, &str)] = &[
    (
        "401",
        "Unauthenticated",
        "No valid bearer token: sign in (POST /v1/auth/login) or use an API key",
    ),
    ("403", "Forbidden", "The caller's role or organisation may not do this"),
    (
        "404",
        "NotFound",
        "No such record, or not visible to the caller (the same answer for both)",
    ),
    (
        "413",
        "PayloadTooLarge",
        "The request body is larger than the server takes",
    ),
    (
        "422",
        "Unprocessable",
        "Malformed input: a parameter, header or body the operation does not take, with the reason",
    ),
    (
        "426",
        "UpgradeRequired",
        "The client speaks an older protocol (`x-baton-protocol`) than the server supports: update it",
    ),
];

pub fn complete(doc: &mut Value) {
    add_components(doc);
    times_as_patterns(doc);
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else { continue };
            for (method, op) in item.iter_mut() {
                complete_operation(method, path, op);
            }
        }
    }
    if let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        let names: Vec<String> = schemas.keys().cloned().collect();
        for name in &names {
            let expanded = schemas.get(name).and_then(|s| expand_flattened(s, schemas));
            if let Some(expanded) = expanded {
                schemas.insert(name.clone(), expanded);
            }
        }
        for (name, schema) in schemas.iter_mut() {
            title_variants(name, schema);
        }
    }
}

fn add_components(doc: &mut Value) {
    let Some(components) = doc.get_mut("components").and_then(Value::as_object_mut) else {
        return;
    };
    let responses = components
        .entry("responses")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(responses) = responses.as_object_mut() {
        for (_, name, description) in RESPONSES {
            responses.insert(
                (*name).to_string(),
                json!({
                    "description": description,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}
                }),
            );
        }
    }
    let parameters = components
        .entry("parameters")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(parameters) = parameters.as_object_mut() {
        parameters.insert(
            "Protocol".into(),
            json!({
                "name": baton_proto::PROTOCOL_HEADER,
                "in": "header",
                "required": false,
                "description": "The sync protocol the client speaks; the server answers with its own in the same header.",
                "schema": {
                    "type": "integer",
                    "minimum": baton_proto::MIN_PROTOCOL_VERSION,
                    "maximum": baton_proto::PROTOCOL_VERSION
                }
            }),
        );
    }
}

fn complete_operation(method: &str, path: &str, op: &mut Value) {
    let Some(op) = op.as_object_mut() else { return };
    let public = PUBLIC.iter().any(|(m, p)| *m == method && *p == path);
    let mut statuses = vec!["422", "426"];
    if !public {
        statuses.extend(["401", "403"]);
        op.entry("security").or_insert_with(|| json!([{"bearer": []}]));
    }
    let parameters = op.entry("parameters").or_insert_with(|| json!([]));
    let mut names_record = false;
    if let Some(parameters) = parameters.as_array_mut() {
        for p in parameters.iter_mut() {
            if p.get("in").and_then(Value::as_str) != Some("path") {
                continue;
            }
            names_record = true;
            let is_id = p
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n == "id" || n.ends_with("_id"));
            if let Some(schema) = p.get_mut("schema").and_then(Value::as_object_mut) {
                if is_id && !schema.contains_key("pattern") {
                    schema.insert("pattern".into(), json!(ID_PATTERN));
                }
            }
        }
        parameters.push(json!({"$ref": "#/components/parameters/Protocol"}));
    }
    if names_record {
        statuses.push("404");
    }
    if let Some(body) = op.get_mut("requestBody") {
        statuses.push("413");
        // A file sent as it is: bytes, not a string of text.
        if let Some(schema) = body.pointer_mut("/content/application~1octet-stream/schema") {
            *schema = json!({"type": "string", "format": "binary"});
        }
    }
    let responses = op.entry("responses").or_insert_with(|| json!({}));
    if let Some(responses) = responses.as_object_mut() {
        for status in statuses {
            if responses.contains_key(status) {
                continue;
            }
            if let Some((_, name, _)) = RESPONSES.iter().find(|(s, _, _)| *s == status) {
                responses.insert(status.into(), json!({"$ref": format!("#/components/responses/{name}")}));
            }
        }
        // An event stream is a sequence of events, each a small object.
        if let Some(stream) = responses
            .get_mut("200")
            .and_then(|r| r.pointer_mut("/content/text~1event-stream"))
        {
            stream["schema"] = json!({
                "type": "object",
                "required": ["event", "data"],
                "properties": {
                    "event": {"type": "string", "enum": ["poke", "heartbeat"]},
                    "data": {"type": "string", "description": "JSON: `{\"seq\": n}`, the feed head"},
                    "id": {"type": "string"},
                    "retry": {"type": "integer"}
                }
            });
        }
    }
}

/// Gives every `format: date-time` string the RFC 3339 pattern.
fn times_as_patterns(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if map.get("format").and_then(Value::as_str) == Some("date-time") && !map.contains_key("pattern") {
                map.insert("pattern".into(), json!(TIME_PATTERN));
            }
            map.values_mut().for_each(times_as_patterns);
        }
        Value::Array(items) => items.iter_mut().for_each(times_as_patterns),
        _ => {}
    }
}

/// `allOf: [{$ref: Union}, {object}]`, where `Union` is a `oneOf` of objects
/// (a tagged enum flattened into a struct), as the `oneOf` of each variant
/// with the object's properties merged in.
fn expand_flattened(schema: &Value, all: &Map<String, Value>) -> Option<Value> {
    let parts = schema.get("allOf")?.as_array()?;
    let [first, rest] = parts.as_slice() else { return None };
    let union = first.get("$ref")?.as_str()?.strip_prefix("#/components/schemas/")?;
    let variants = all.get(union)?.get("oneOf")?.as_array()?;
    let extra = rest.as_object()?;
    let mut out = Vec::new();
    for v in variants {
        let mut v = v.as_object()?.clone();
        if v.get("type").and_then(Value::as_str) != Some("object") {
            return None;
        }
        let props = v.entry("properties").or_insert_with(|| json!({}));
        for (k, p) in extra.get("properties")?.as_object()? {
            props.as_object_mut()?.insert(k.clone(), p.clone());
        }
        let required = v.entry("required").or_insert_with(|| json!([]));
        for r in extra.get("required").and_then(Value::as_array).into_iter().flatten() {
            if !required.as_array()?.contains(r) {
                required.as_array_mut()?.push(r.clone());
            }
        }
        out.push(Value::Object(v));
    }
    let mut expanded = Map::new();
    if let Some(d) = schema.get("description") {
        expanded.insert("description".into(), d.clone());
    }
    expanded.insert("oneOf".into(), Value::Array(out));
    Some(Value::Object(expanded))
}

/// Titles each object variant of a tagged union by the union and its tag:
/// `add_note` of `Intent` is `IntentAddNote` (union first, so that no title is
/// another's title with a property name after it, which generators also make).
fn title_variants(name: &str, schema: &mut Value) {
    let Some(variants) = schema.get_mut("oneOf").and_then(Value::as_array_mut) else {
        return;
    };
    for v in variants {
        let Some(v) = v.as_object_mut() else { continue };
        if v.contains_key("title") {
            continue;
        }
        let tag = v
            .get("properties")
            .and_then(Value::as_object)
            .and_then(|p| p.values().find_map(single_enum));
        if let Some(tag) = tag {
            v.insert("title".into(), json!(format!("{name}{}", pascal(&tag))));
        }
    }
}

/// The one value of a `{type: string, enum: [x]}` property: a union's tag.
fn single_enum(p: &Value) -> Option<String> {
    match p.get("enum")?.as_array()?.as_slice() {
        [Value::String(s)] => Some(s.clone()),
        _ => None,
    }
}

fn pascal(s: &str) -> String {
    s.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flattened_union_becomes_one_object_per_variant() {
        let all: Map<String, Value> = serde_json::from_value(json!({
            "Outcome": {"oneOf": [
                {"type": "object", "required": ["outcome"], "properties": {"outcome": {"type": "string", "enum": ["applied"]}}},
                {"type": "object", "required": ["outcome", "code"], "properties": {"outcome": {"type": "string", "enum": ["rejected"]}, "code": {"type": "string"}}}
            ]}
        }))
        .expect("schemas");
        let result = json!({"allOf": [{"$ref": "#/components/schemas/Outcome"},
            {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}]});
        let mut expanded = expand_flattened(&result, &all).expect("expanded");
        title_variants("Result", &mut expanded);
        let variants = expanded["oneOf"].as_array().expect("oneOf");
        assert_eq!(variants.len(), 2);
        assert_eq!(variants[1]["required"], json!(["outcome", "code", "id"]));
        assert_eq!(variants[1]["properties"]["id"], json!({"type": "string"}));
        assert_eq!(variants[1]["title"], "ResultRejected");
    }

    #[test]
    fn every_operation_states_the_shared_answers() {
        let mut doc = json!({
            "components": {"schemas": {}},
            "paths": {
                "/v1/things/{id}": {"post": {"parameters": [{"name": "id", "in": "path", "schema": {"type": "string"}}],
                    "requestBody": {}, "responses": {"200": {}}}},
                "/v1/health": {"get": {"responses": {"200": {}}}}
            }
        });
        complete(&mut doc);
        let op = &doc["paths"]["/v1/things/{id}"]["post"];
        for s in ["401", "403", "404", "413", "422", "426"] {
            assert!(op["responses"].get(s).is_some(), "{s} on a private operation");
        }
        assert_eq!(op["parameters"][0]["schema"]["pattern"], ID_PATTERN);
        let mut time = json!({"type": ["string", "null"], "format": "date-time"});
        times_as_patterns(&mut time);
        assert_eq!(time["pattern"], TIME_PATTERN);
        let health = &doc["paths"]["/v1/health"]["get"];
        assert!(health["responses"].get("401").is_none(), "health is public");
        assert!(health.get("security").is_none());
    }
}
