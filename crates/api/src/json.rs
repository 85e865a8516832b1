//! Request bodies: malformed JSON is a 400; well-formed JSON with a wrong field is a 422 that
//! names the field (by its JSON path) in words for people: serde's own text (`invalid length 2,
//! expected struct IndividualName with 4 elements`, `expected u32`) is rewritten by [`human`].

use axum::body::Bytes;
use serde::de::DeserializeOwned;

/// Why a body could not become `T`.
#[derive(Debug)]
pub enum BodyError {
    /// Not JSON at all: answer 400.
    Malformed(String),
    /// JSON, but a field has the wrong type or value: answer 422 naming `path`.
    Field { path: String, message: String },
}

impl BodyError {
    pub fn describe(&self) -> String {
        match self {
            BodyError::Malformed(m) => m.clone(),
            BodyError::Field { path, message } if is_root(path) && message.starts_with("must ") => {
                format!("the body {message}")
            }
            BodyError::Field { path, message } if is_root(path) => message.clone(),
            BodyError::Field { path, message } if message == "is required" => {
                format!("{path} is required")
            }
            BodyError::Field { path, message } => format!("{path}: {message}"),
        }
    }
}

fn is_root(path: &str) -> bool {
    path.is_empty() || path == "."
}

/// serde's data-error text, in words for people; messages of our own pass through.
pub fn human(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("missing field `") {
        return format!("{} is required", rest.trim_end_matches('`'));
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        if field.is_empty() {
            return "an empty key is not a field this request takes".into();
        }
        return format!("{field} is not a field this request takes");
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let (value, allowed) = rest.split_once('`').unwrap_or((rest, ""));
        let allowed = allowed
            .replace(", expected one of ", "")
            .replace(", expected ", "");
        return format!("{value:?} is not one of {}", allowed.replace('`', ""));
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (got, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return format!("must be {}, not {}", kind(expected), kind(got));
    }
    if let Some(rest) = message.strip_prefix("invalid length ") {
        let expected = rest.split_once(", expected ").map_or("", |(_, e)| e);
        if expected.starts_with("struct ") {
            return "must be an object, not a list".into();
        }
        return format!("must be {}", kind(expected));
    }
    if let Some(rest) = message.strip_prefix("invalid value: ") {
        let (got, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return format!("must be {}, not {}", kind(expected), kind(got));
    }
    if message.starts_with("data did not match any variant of untagged enum") {
        return "has a value of the wrong type".into();
    }
    message.to_string()
}

/// A serde type description (`struct IndividualName`, `u32`, `a sequence`, `string "x"`) in
/// JSON's words.
fn kind(serde: &str) -> String {
    let serde = serde.trim();
    let bare = serde
        .strip_prefix("a ")
        .or_else(|| serde.strip_prefix("an "))
        .unwrap_or(serde);
    let (word, rest) = bare.split_once([' ', '`']).unwrap_or((bare, ""));
    let rest = rest.trim_matches('`').trim();
    match word {
        "struct" | "map" => "an object".into(),
        "sequence" | "tuple" | "seq" => "a list".into(),
        "boolean" | "bool" => "true or false".into(),
        "null" | "unit" | "option" => "null".into(),
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number, 0 or more".into(),
        "i8" | "i16" | "i32" | "i64" => "a whole number".into(),
        "f32" | "f64" => "a number".into(),
        // A value in words: `string "x"`, `integer `-1``, `floating point `1.5``.
        "string" | "str" | "char" => with_value("a string", rest),
        "integer" => with_value("a whole number", rest),
        "floating" => with_value("a number", rest.trim_start_matches("point").trim()),
        _ => serde.replace('`', ""),
    }
}

fn with_value(plain: &str, value: &str) -> String {
    let value = value.trim_matches('`');
    if value.is_empty() {
        plain.to_string()
    } else {
        format!("{plain} {value}")
    }
}

pub fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, BodyError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(BodyError::Malformed(
            "request body is empty; send a JSON object".into(),
        ));
    }
    // Every body is an object; serde would also fill a struct from a list, element by element.
    if let Some(first) = body.iter().find(|b| !b.is_ascii_whitespace()) {
        if *first != b'{' && serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok() {
            let got = match first {
                b'[' => "a list",
                b'"' => "a string",
                b't' | b'f' => "true or false",
                b'n' => "null",
                _ => "a number",
            };
            return Err(BodyError::Field {
                path: String::new(),
                message: format!("must be an object, not {got}"),
            });
        }
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(v) => v,
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            return match inner.classify() {
                serde_json::error::Category::Data => {
                    Err(field(path, human(&strip_position(&inner.to_string()))))
                }
                _ => Err(BodyError::Malformed(format!(
                    "malformed JSON body: {inner}"
                ))),
            };
        }
    };
    de.end()
        .map_err(|e| BodyError::Malformed(format!("malformed JSON body: {e}")))?;
    Ok(value)
}

/// A missing field's message names the parent; the path then names the field itself.
fn field(path: String, message: String) -> BodyError {
    match message.strip_suffix(" is required") {
        Some(name) if !name.contains(' ') => BodyError::Field {
            path: if is_root(&path) {
                name.to_string()
            } else {
                format!("{path}.{name}")
            },
            message: "is required".into(),
        },
        _ => BodyError::Field { path, message },
    }
}

/// serde_json appends " at line 1 column 17" to data errors; the field path says more.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    /// Found by schemathesis's stateful run: `{"": 1}` to POST /webhooks/{id}/replay answered
    /// `{"replay": " is not a field this request takes"}`.
    #[test]
    fn an_unknown_empty_key_is_named_as_such() {
        assert_eq!(
            human("unknown field `sinc`, expected `eventID` or `since`"),
            "sinc is not a field this request takes"
        );
        assert_eq!(
            human("unknown field ``, expected `eventID` or `since`"),
            "an empty key is not a field this request takes"
        );
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Outer {
        inner: Inner,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        kind: Kind,
    }
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        A,
    }

    #[test]
    fn syntax_errors_are_malformed_and_data_errors_name_the_path() {
        assert!(matches!(
            parse::<Outer>(&Bytes::from_static(b"{nope")),
            Err(BodyError::Malformed(_))
        ));
        assert!(matches!(
            parse::<Outer>(&Bytes::from_static(b"")),
            Err(BodyError::Malformed(_))
        ));
        assert!(matches!(
            parse::<Outer>(&Bytes::from_static(b"{\"inner\":{\"kind\":\"a\"}} x")),
            Err(BodyError::Malformed(_))
        ));
        match parse::<Outer>(&Bytes::from_static(b"{\"inner\":{\"kind\":\"b\"}}")) {
            Err(e @ BodyError::Field { .. }) => {
                let text = e.describe();
                assert_eq!(text, "inner.kind: \"b\" is not one of a");
            }
            other => panic!("{other:?}"),
        }
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Person {
        name: Name,
        age: Option<u32>,
        tags: Option<Vec<String>>,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Name {
        first: String,
        last: String,
        middle: Option<String>,
        suffix: Option<String>,
    }

    fn describe(body: &str) -> String {
        match parse::<Person>(&Bytes::from(body.to_string())) {
            Err(e @ BodyError::Field { .. }) => e.describe(),
            other => panic!("{body}: {other:?}"),
        }
    }

    #[test]
    fn messages_are_for_people() {
        for (body, expected) in [
            (
                r#"{"name":["a","b"]}"#,
                "name: must be an object, not a list",
            ),
            (
                r#"{"name":"Jane"}"#,
                "name: must be an object, not a string \"Jane\"",
            ),
            (r#"{"name":{"first":"a"}}"#, "name.last is required"),
            (r#"{}"#, "name is required"),
            (
                r#"{"name":{"first":1,"last":"b"}}"#,
                "name.first: must be a string, not a whole number 1",
            ),
            (
                r#"{"name":{"first":"a","last":"b"},"age":-1}"#,
                "age: must be a whole number, 0 or more, not a whole number -1",
            ),
            (
                r#"{"name":{"first":"a","last":"b"},"tags":{}}"#,
                "tags: must be a list, not an object",
            ),
            (r#"[1]"#, "the body must be an object, not a list"),
        ] {
            let text = describe(body);
            assert_eq!(text, expected, "{body}");
            for internal in ["struct", "u32", "sequence", "Name", "elements"] {
                assert!(!text.contains(internal), "{body}: {text}");
            }
        }
    }
}
