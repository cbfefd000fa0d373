//! Languages: zh-CN by default, English by cookie or `Accept-Language`. Every UI
//! string comes from the fluent catalogues in `locales/`.

use std::borrow::Cow;
use std::collections::HashMap;
use sunlight_domain::flow::evidence::Evidence;

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid, static_loader};

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "zh-CN",
        // Isolation marks would show up as stray characters in inputs and exports.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static ZH: LanguageIdentifier = langid!("zh-CN");
static EN: LanguageIdentifier = langid!("en");

/// The language of one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

/// The cookie that remembers a chosen language.
pub const LANG_COOKIE: &str = "sunlight_lang";

impl Lang {
    #[must_use]
    pub const fn tag(self) -> &'static str {
        match self {
            Self::Zh => "zh-CN",
            Self::En => "en",
        }
    }

    #[must_use]
    pub fn from_tag(tag: &str) -> Option<Self> {
        let tag = tag.trim().to_ascii_lowercase();
        if tag.starts_with("zh") {
            Some(Self::Zh)
        } else if tag.starts_with("en") {
            Some(Self::En)
        } else {
            None
        }
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Self::Zh => &ZH,
            Self::En => &EN,
        }
    }

    /// The message `key`, or the key itself when a catalogue lacks it (a test
    /// keeps both catalogues complete).
    #[must_use]
    pub fn t(self, key: &str) -> String {
        LOCALES.try_lookup(self.id(), key).unwrap_or_else(|| key.to_owned())
    }

    /// The message `key` with arguments.
    #[must_use]
    pub fn t_args(self, key: &str, args: &[(&'static str, FluentValue<'static>)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue<'static>> =
            args.iter().map(|(k, v)| (Cow::Borrowed(*k), v.clone())).collect();
        LOCALES.try_lookup_with_args(self.id(), key, &map).unwrap_or_else(|| key.to_owned())
    }

    /// A finding's evidence in this language; `english` when the catalogue lacks it
    /// (or the finding was stored without its message: an empty key).
    #[must_use]
    pub fn said(self, words: &Evidence, english: &str) -> String {
        if words.key.is_empty() {
            return english.to_owned();
        }
        let map: HashMap<Cow<'static, str>, FluentValue<'static>> =
            words.args.iter().map(|(k, v)| (Cow::Owned(k.clone()), FluentValue::from(v.clone()))).collect();
        LOCALES
            .try_lookup_with_args(self.id(), &format!("finding-{}", words.key.replace('_', "-")), &map)
            .unwrap_or_else(|| english.to_owned())
    }

    /// [`Lang::said`] of evidence stored as JSON with an alert.
    #[must_use]
    pub fn evidence(self, words: &str, english: &str) -> String {
        serde_json::from_str::<Evidence>(words).map_or_else(|_| english.to_owned(), |w| self.said(&w, english))
    }

    /// Picks the language: the cookie first, then the browser's preference order.
    #[must_use]
    pub fn negotiate(headers: &HeaderMap) -> Self {
        if let Some(lang) = cookie(headers, LANG_COOKIE).and_then(|v| Self::from_tag(&v)) {
            return lang;
        }
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').find_map(|part| Self::from_tag(part.split(';').next().unwrap_or_default())))
            .unwrap_or_default()
    }
}

/// Every message key of a catalogue, for the completeness test.
#[must_use]
pub fn keys(lang: Lang) -> Vec<String> {
    let source = match lang {
        Lang::Zh => include_str!("../locales/zh-CN/main.ftl"),
        Lang::En => include_str!("../locales/en/main.ftl"),
    };
    source
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with(' ') && l.contains(" ="))
        .filter_map(|l| l.split(" =").next())
        .map(str::to_owned)
        .collect()
}

/// A cookie's value from the request headers.
#[must_use]
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then(|| v.to_owned())
    })
}

/// Puts the negotiated language into the request for handlers and error pages.
pub async fn detect(mut request: Request, next: Next) -> Response {
    let lang = Lang::negotiate(request.headers());
    request.extensions_mut().insert(lang);
    let mut response = next.run(request).await;
    response.extensions_mut().insert(lang);
    response
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Self>().copied().unwrap_or_default())
    }
}
