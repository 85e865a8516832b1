//! Request bodies: malformed JSON is a 400; well-formed JSON with a wrong field is a 422 that
//! names the field (by its JSON path).

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
            BodyError::Field { path, message } if path.is_empty() || path == "." => message.clone(),
            BodyError::Field { path, message } => format!("{path}: {message}"),
        }
    }
}

pub fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, BodyError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(BodyError::Malformed(
            "request body is empty; send a JSON object".into(),
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(v) => v,
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            return match inner.classify() {
                serde_json::error::Category::Data => Err(BodyError::Field {
                    path,
                    message: strip_position(&inner.to_string()),
                }),
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
                assert!(
                    text.starts_with("inner.kind: unknown variant `b`"),
                    "{text}"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
