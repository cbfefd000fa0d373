//! One migration set for SQLite and PostgreSQL, written with the schema builder so
//! that neither backend gets SQL the other lacks.

use sea_orm_migration::prelude::*;

mod m0001_foundation;
mod m0002_catalogue_risk;
mod m0003_trading;
mod m0004_complaints;
mod m0005_screens;
mod m0006_supervision;
mod m0007_cases;
mod m0008_evidence_words;
mod m0009_risk_flow_step;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_foundation::Migration),
            Box::new(m0002_catalogue_risk::Migration),
            Box::new(m0003_trading::Migration),
            Box::new(m0004_complaints::Migration),
            Box::new(m0005_screens::Migration),
            Box::new(m0006_supervision::Migration),
            Box::new(m0007_cases::Migration),
            Box::new(m0008_evidence_words::Migration),
            Box::new(m0009_risk_flow_step::Migration),
        ]
    }
}
