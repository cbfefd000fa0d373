//! `sunlight import ocds FILE`: the trading centre's OCDS data, in one transaction,
//! with a summary in the reader's language (Chinese by default).

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use sunlight_domain::policy::Principal;
use sunlight_store::StoreError;
use sunlight_store::trading;
use sunlight_web::error::field_message;
use sunlight_web::i18n::Lang;
use sunlight_web::import_text::{ocds_issue_line, ocds_summary_lines};

use crate::config::Config;
use crate::open_store;

/// Imports `file`; exit 1 (and nothing written) when nothing in it could be read.
pub async fn import(file: &Path, lang: &str, config: &Config) -> anyhow::Result<ExitCode> {
    let lang = Lang::from_tag(lang).unwrap_or_default();
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let Ok(text) = String::from_utf8(bytes) else {
        eprintln!("{}", lang.t("field-ocds-not-utf8"));
        return Ok(ExitCode::FAILURE);
    };
    let store = open_store(config).await?;
    let system = Principal::system("cli");
    match trading::import_ocds(&store, &system, &text).await {
        Ok(summary) => {
            for line in ocds_summary_lines(lang, &summary) {
                println!("{line}");
            }
            for issue in &summary.issues {
                println!("{}", ocds_issue_line(lang, issue));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(StoreError::Invalid(fields)) => {
            for (_, error) in fields.iter() {
                eprintln!("{}", field_message(lang, error));
            }
            Ok(ExitCode::FAILURE)
        }
        Err(e) => Err(e.into()),
    }
}
