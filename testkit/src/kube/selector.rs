//! Label and field selectors, as the API server parses them (`k8s.io/apimachinery/pkg/labels`).

use serde_json::Value;

#[derive(Debug, Default)]
pub struct LabelSelector(Vec<Requirement>);

#[derive(Debug)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

/// Split on commas that are not inside parentheses.
fn terms(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(s[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(s[start..].trim());
    out.into_iter().filter(|t| !t.is_empty()).collect()
}

fn set(values: &str) -> Result<Vec<String>, String> {
    let inner = values
        .trim()
        .strip_prefix('(')
        .and_then(|v| v.strip_suffix(')'))
        .ok_or_else(|| {
            format!("unable to parse requirement: expected a set in parentheses, found {values:?}")
        })?;
    Ok(inner
        .split(',')
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect())
}

impl LabelSelector {
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut reqs = Vec::new();
        for term in terms(s) {
            let req = if let Some(key) = term.strip_prefix('!') {
                Requirement::DoesNotExist(key.trim().to_string())
            } else if let Some((k, v)) = term.split_once("!=") {
                Requirement::NotEquals(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
                Requirement::Equals(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = term.split_once(" notin ") {
                Requirement::NotIn(k.trim().into(), set(v)?)
            } else if let Some((k, v)) = term.split_once(" in ") {
                Requirement::In(k.trim().into(), set(v)?)
            } else if term
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
            {
                Requirement::Exists(term.to_string())
            } else {
                return Err(format!("unable to parse requirement: {term:?}"));
            };
            reqs.push(req);
        }
        Ok(Self(reqs))
    }

    pub fn matches(&self, labels: &Value) -> bool {
        let get = |k: &str| labels.get(k).and_then(Value::as_str);
        self.0.iter().all(|r| match r {
            Requirement::Equals(k, v) => get(k) == Some(v),
            Requirement::NotEquals(k, v) => get(k) != Some(v),
            Requirement::In(k, vs) => get(k).is_some_and(|l| vs.iter().any(|v| v == l)),
            Requirement::NotIn(k, vs) => get(k).is_none_or(|l| vs.iter().all(|v| v != l)),
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::DoesNotExist(k) => get(k).is_none(),
        })
    }
}

/// `a.b=c`, `a.b==c`, `a.b!=c` on any dotted path of the object.
#[derive(Debug, Default)]
pub struct FieldSelector(Vec<(Vec<String>, String, bool)>);

impl FieldSelector {
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut reqs = Vec::new();
        for term in terms(s) {
            let (path, value, equal) = if let Some((k, v)) = term.split_once("!=") {
                (k, v, false)
            } else if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
                (k, v, true)
            } else {
                return Err(format!(
                    "invalid selector: '{term}'; can't understand '{term}'"
                ));
            };
            reqs.push((
                path.trim().split('.').map(str::to_string).collect(),
                value.trim().to_string(),
                equal,
            ));
        }
        Ok(Self(reqs))
    }

    pub fn matches(&self, object: &Value) -> bool {
        self.0.iter().all(|(path, value, equal)| {
            let found = path
                .iter()
                .try_fold(object, |v, p| v.get(p))
                .and_then(Value::as_str)
                .unwrap_or("");
            (found == value) == *equal
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn label_selectors_match_like_the_api_server() {
        let labels = json!({"app": "kedasbreceiver", "tier": "worker"});
        let cases = [
            ("", true),
            ("app=kedasbreceiver", true),
            ("app==kedasbreceiver", true),
            ("app=other", false),
            ("app!=other", true),
            ("app=kedasbreceiver,tier=worker", true),
            ("app=kedasbreceiver,tier=web", false),
            ("tier in (web,worker)", true),
            ("tier notin (web,worker)", false),
            ("app", true),
            ("!app", false),
            ("!missing", true),
            ("missing notin (x)", true),
        ];
        for (selector, want) in cases {
            assert_eq!(
                LabelSelector::parse(selector).unwrap().matches(&labels),
                want,
                "{selector}"
            );
        }
        assert!(LabelSelector::parse("app ~ x").is_err());
    }

    #[test]
    fn field_selectors_read_dotted_paths() {
        let ev =
            json!({"involvedObject": {"kind": "Pod", "name": "p1"}, "metadata": {"name": "e"}});
        assert!(
            FieldSelector::parse("involvedObject.kind=Pod,involvedObject.name=p1")
                .unwrap()
                .matches(&ev)
        );
        assert!(
            !FieldSelector::parse("involvedObject.name!=p1")
                .unwrap()
                .matches(&ev)
        );
        assert!(FieldSelector::parse("metadata.name").is_err());
    }
}
