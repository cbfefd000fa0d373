//! Both catalogues are complete, and every key the code names exists in both.

use std::collections::BTreeSet;
use std::path::Path;

use sunlight_web::i18n::{Lang, keys};

#[test]
fn catalogues_have_the_same_keys() {
    let zh: BTreeSet<String> = keys(Lang::Zh).into_iter().collect();
    let en: BTreeSet<String> = keys(Lang::En).into_iter().collect();
    assert_eq!(zh.difference(&en).collect::<Vec<_>>(), Vec::<&String>::new(), "missing in en");
    assert_eq!(en.difference(&zh).collect::<Vec<_>>(), Vec::<&String>::new(), "missing in zh-CN");
}

const FAMILIES: &[&str] = &[
    "nav", "page", "col", "field", "action", "empty", "help", "notice", "intro", "confirm", "heading", "figure",
    "state", "option", "role", "tier", "category", "error", "audit", "table", "login", "home", "hot",
];

fn literal_keys(text: &str) -> Vec<String> {
    text.split('"')
        .skip(1)
        .step_by(2)
        .filter(|s| {
            let mut parts = s.split('-');
            let family = parts.next().unwrap_or_default();
            FAMILIES.contains(&family)
                && s.contains('-')
                && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !s.ends_with('-')
        })
        .map(str::to_owned)
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.extend(literal_keys(&std::fs::read_to_string(&path).unwrap()));
        } else if path.extension().is_some_and(|e| e == "html") {
            // In templates only what is looked up counts; class names look like keys too.
            let text = std::fs::read_to_string(&path).unwrap();
            let looked_up: Vec<&str> = text.split("t(\"").skip(1).filter_map(|rest| rest.split('"').next()).collect();
            out.extend(literal_keys(&format!("\"{}\"", looked_up.join("\" \""))));
        }
    }
}

#[test]
fn every_key_named_in_code_and_templates_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut used = Vec::new();
    walk(&root.join("src"), &mut used);
    walk(&root.join("templates"), &mut used);
    let zh: BTreeSet<String> = keys(Lang::Zh).into_iter().collect();
    let missing: BTreeSet<&String> = used.iter().filter(|k| !zh.contains(*k)).collect();
    assert!(missing.is_empty(), "keys used but not in the catalogues: {missing:?}");
    assert!(used.len() > 100, "the scan found the keys ({})", used.len());
}

#[test]
fn every_role_tier_category_and_error_code_has_words() {
    use sunlight_domain::org::{PersonTier, UnitCategory};
    use sunlight_domain::policy::Role;
    let zh: BTreeSet<String> = keys(Lang::Zh).into_iter().collect();
    let mut wanted: Vec<String> = Vec::new();
    wanted.extend(Role::ALL.iter().map(|r| format!("role-{}", r.key().replace('_', "-"))));
    wanted.extend(PersonTier::ALL.iter().map(|t| format!("tier-{}", t.key().replace('_', "-"))));
    wanted.extend(UnitCategory::ALL.iter().map(|c| format!("category-{}", c.key().replace('_', "-"))));
    for code in [
        "required",
        "too_long",
        "control_characters",
        "code_length",
        "code_format",
        "unknown_value",
        "not_found",
        "not_in_unit",
        "already_exists",
        "login_format",
        "password_too_short",
        "wrong_password",
        "passwords_differ",
        "not_a_number",
    ] {
        wanted.push(format!("field-{}", code.replace('_', "-")));
    }
    let missing: Vec<&String> = wanted.iter().filter(|k| !zh.contains(*k)).collect();
    assert!(missing.is_empty(), "{missing:?}");
}

#[test]
fn every_finding_evidence_has_words_in_both_languages() {
    for lang in [Lang::Zh, Lang::En] {
        let have: BTreeSet<String> = keys(lang).into_iter().collect();
        let missing: Vec<String> = sunlight_domain::flow::evidence::KEYS
            .iter()
            .map(|k| format!("finding-{}", k.replace('_', "-")))
            .filter(|k| !have.contains(k))
            .collect();
        assert!(missing.is_empty(), "{lang:?}: {missing:?}");
    }
    let words = r#"{"key":"wrong_role","args":{"group":"科员","role":"分管领导"}}"#;
    assert_eq!(
        Lang::Zh.evidence(words, "english").replace(['\u{2068}', '\u{2069}'], ""),
        "以“科员”身份办理，流程图规定为“分管领导”"
    );
    assert_eq!(Lang::En.evidence("", "as stored"), "as stored", "alerts stored without words keep their English");
}

#[test]
fn every_audited_action_has_words() {
    let store = Path::new(env!("CARGO_MANIFEST_DIR")).join("../store/src");
    // Actions are `<entity>.<verb>`: the entities are the tables, plus the log-in and
    // account words the accounts module writes.
    let mut entities: BTreeSet<String> = ["auth", "token", "user"].map(String::from).into();
    for entry in std::fs::read_dir(store.join("entity")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().trim_end_matches(".rs").to_owned();
        entities.insert(name);
    }
    let mut actions = BTreeSet::new();
    let mut dirs = vec![store];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for literal in text.split('"').skip(1).step_by(2) {
                let mut parts = literal.split('.');
                let (Some(entity), Some(verb), None) = (parts.next(), parts.next(), parts.next()) else { continue };
                let word = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '_');
                if word(entity) && word(verb) && entities.contains(entity) {
                    actions.insert(literal.to_owned());
                }
            }
        }
    }
    assert!(actions.len() >= 20, "{actions:?}");
    let zh: BTreeSet<String> = keys(Lang::Zh).into_iter().collect();
    let missing: Vec<&String> =
        actions.iter().filter(|a| !zh.contains(&format!("audit-{}", a.replace(['.', '_'], "-")))).collect();
    assert!(missing.is_empty(), "audit actions without words: {missing:?}");
}
