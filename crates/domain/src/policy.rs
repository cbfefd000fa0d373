//! The one policy: which role may do what, on which units.
//!
//! Handlers ask [`authorize`] before they act; repositories additionally filter every
//! query by the caller's [`Scope`], so a forgotten check in a handler still cannot
//! reach another unit's records.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::field::FieldError;
use crate::org::keyed_enum;

keyed_enum! {
    /// A user's role.
    Role {
        /// 县纪委管理员 — sees and manages everything.
        CommissionAdmin => "commission_admin",
        /// 纪工委 — the units its sub-commission watches.
        SubCommissionStaff => "sub_commission_staff",
        /// 单位管理员 — one unit.
        UnitAdmin => "unit_admin",
        /// 干部 — a cadre of one unit: his own records.
        Cadre => "cadre",
        /// 监督员 — read access to the units he is assigned to.
        Supervisor => "supervisor",
    }
}

impl Role {
    /// Whether an account of this role must belong to a unit.
    #[must_use]
    pub const fn needs_unit(self) -> bool {
        matches!(self, Self::UnitAdmin | Self::Cadre)
    }
}

/// Unit ids a caller may see. `All` only for the commission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    All,
    Units(BTreeSet<i64>),
}

impl Scope {
    #[must_use]
    pub fn contains(&self, unit_id: i64) -> bool {
        match self {
            Self::All => true,
            Self::Units(units) => units.contains(&unit_id),
        }
    }

    /// The unit ids to filter by, or `None` when nothing is filtered.
    #[must_use]
    pub fn unit_ids(&self) -> Option<Vec<i64>> {
        match self {
            Self::All => None,
            Self::Units(units) => Some(units.iter().copied().collect()),
        }
    }
}

/// Who is asking: the account (or API token), its role and its unit scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    /// The name written into the audit chain: `user:<login>` or `token:<name>`.
    pub actor: String,
    pub user_id: Option<i64>,
    pub role: Role,
    pub scope: Scope,
    /// True for API tokens: machine clients may only use what the policy lets tokens do.
    pub is_token: bool,
}

impl Principal {
    /// The system itself (command line, demo builder, migrations): all units.
    #[must_use]
    pub fn system(actor: &str) -> Self {
        Self {
            actor: format!("system:{actor}"),
            user_id: None,
            role: Role::CommissionAdmin,
            scope: Scope::All,
            is_token: false,
        }
    }
}

/// What a caller wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read units, sections, positions and persons.
    ViewOrganization,
    /// Create, edit or deactivate sub-commissions and units.
    ManageUnits,
    /// Create, edit or deactivate a unit's sections, positions and persons.
    ManageUnitStaff,
    /// Create accounts, change roles, deactivate accounts.
    ManageUsers,
    /// Issue and revoke API tokens for a unit.
    ManageApiTokens,
    /// Read the audit log.
    ViewAudit,
    /// Read the county's figures.
    ViewFigures,
    /// Change one's own password.
    ChangeOwnPassword,
    /// Read a unit's powers, risk points, measures and design records.
    ViewCatalogue,
    /// Draft, edit, import and submit a unit's powers.
    EditCatalogue,
    /// Review, return, publish, abolish and merge powers (the commission's check).
    ReviewCatalogue,
    /// Record a unit's risk points, the first four finding steps, level proposals and
    /// leader evaluations, and prevention measures.
    ManageRisks,
    /// The organization's review of a risk point and its approval of levels.
    ApproveRisks,
    /// Publish a new version of the risk-level model.
    ManageRiskModel,
    /// Keep the county's creation standards (the checklist itself).
    ManageStandards,
    /// Record a unit's compliance, focus items, process optimizations and power
    /// decompositions.
    ManageDesignRecords,
    /// Read the trading centre's processes, parties, red flags and alerts (county-wide
    /// data: the centre serves every unit).
    ViewTrading,
    /// Import OCDS data and run the red-flag engine.
    ImportTrading,
    /// Acknowledge, explain, close or escalate a red-flag alert.
    HandleTradingAlerts,
    /// Keep the display screens of the service halls (两屏: 电子显示屏).
    ManageScreens,
    /// Read complaints (群众举报): the commission all, a sub-commission those about or
    /// routed to its units, a unit admin those routed to his unit.
    ViewComplaints,
    /// Accept, decline, route and close complaints: the commission and its sub-commissions.
    HandleComplaints,
    /// Reply to a complaint routed to the unit (also the unit admin).
    ReplyComplaints,
    /// Draw, import and publish a unit's flowcharts (流程图).
    ManageFlowcharts,
    /// Edit the county's working-day calendar and office hours.
    ManageCalendar,
    /// Switch supervision rules on and off and set their thresholds.
    ManageSupervisionRules,
    /// Read a unit's cases (办件) and their events.
    ViewCases,
    /// Create cases and act on them (accept, approve, return, …) in the online hall.
    HandleCases,
    /// Push events from a unit's own approval system (`POST /api/v1/events`).
    PushEvents,
    /// Read supervision alerts, rates and the console.
    ViewSupervision,
    /// Acknowledge and explain the alerts raised on the unit's cases.
    ExplainAlerts,
    /// Close or escalate alerts: the commission and its sub-commissions.
    ReviewAlerts,
}

/// What the action is done to: the county as a whole, or one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    County,
    Unit(i64),
}

/// Why the policy said no.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("this role may not do that")]
    Role,
    #[error("the unit is outside the caller's scope")]
    Scope,
}

/// Decides role × action × scope.
pub fn authorize(principal: &Principal, action: Action, target: Target) -> Result<(), Denied> {
    use Action as A;
    use Role as R;

    let role_allows = match (principal.role, action) {
        (R::CommissionAdmin, _)
        | (R::SubCommissionStaff | R::UnitAdmin | R::Supervisor | R::Cadre, A::ViewOrganization | A::ViewCatalogue)
        // A unit keeps its records and replies to the complaints routed to it.
        | (
            R::UnitAdmin,
            A::ManageUnitStaff
            | A::ManageApiTokens
            | A::EditCatalogue
            | A::ManageRisks
            | A::ManageDesignRecords
            | A::ViewComplaints
            | A::ReplyComplaints
            | A::ManageFlowcharts
            | A::ViewCases
            | A::HandleCases
            | A::PushEvents
            | A::ViewSupervision
            | A::ExplainAlerts,
        )
        // A cadre handles the cases of his unit in the online hall.
        | (R::Cadre, A::ViewCases | A::HandleCases)
        // The sub-commission checks the units it watches and handles their complaints.
        | (
            R::SubCommissionStaff,
            A::ReviewCatalogue
            | A::ApproveRisks
            | A::ViewComplaints
            | A::HandleComplaints
            | A::ReplyComplaints
            | A::ViewCases
            | A::ViewSupervision
            | A::ReviewAlerts,
        )
        // Supervisors watch the cases and alerts of the units they are assigned to.
        | (R::Supervisor, A::ViewCases | A::ViewSupervision)
        // Supervisors and sub-commissions watch the trading centre with the commission.
        | (R::SubCommissionStaff | R::Supervisor, A::ViewTrading) => true,
        (_, A::ChangeOwnPassword) => !principal.is_token,
        // The county's figures feed the commission's dashboards and machine clients:
        // an API token reads its unit's figures; its unit's admin uses the pages.
        (_, A::ViewFigures) => principal.is_token,
        _ => false,
    };
    // Tokens are for machine clients: they read and push data, never administer.
    let token_allows = !principal.is_token
        || matches!(
            action,
            A::ViewOrganization | A::ViewFigures | A::ViewCatalogue | A::PushEvents | A::ViewCases | A::ViewSupervision
        );
    if !(role_allows && token_allows) {
        return Err(Denied::Role);
    }
    match target {
        Target::County => {
            // County-wide management is the commission's; others act within their units.
            let county_wide = matches!(
                action,
                A::ManageUnits
                    | A::ManageUsers
                    | A::ViewAudit
                    | A::ManageRiskModel
                    | A::ManageStandards
                    | A::ImportTrading
                    | A::HandleTradingAlerts
                    | A::ManageScreens
                    | A::ManageCalendar
                    | A::ManageSupervisionRules
            );
            if county_wide && principal.scope != Scope::All {
                return Err(Denied::Scope);
            }
            Ok(())
        }
        Target::Unit(unit) if principal.scope.contains(unit) => Ok(()),
        Target::Unit(_) => Err(Denied::Scope),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(role: Role, units: &[i64]) -> Principal {
        Principal {
            actor: "user:t".into(),
            user_id: Some(1),
            role,
            scope: if role == Role::CommissionAdmin {
                Scope::All
            } else {
                Scope::Units(units.iter().copied().collect())
            },
            is_token: false,
        }
    }

    #[test]
    fn unit_admin_manages_only_its_unit() {
        let admin = principal(Role::UnitAdmin, &[7]);
        assert_eq!(authorize(&admin, Action::ManageUnitStaff, Target::Unit(7)), Ok(()));
        assert_eq!(authorize(&admin, Action::ManageUnitStaff, Target::Unit(8)), Err(Denied::Scope));
        assert_eq!(authorize(&admin, Action::ManageUnits, Target::County), Err(Denied::Role));
        assert_eq!(authorize(&admin, Action::ViewAudit, Target::County), Err(Denied::Role));
    }

    #[test]
    fn figures_are_for_the_commission_and_tokens() {
        let admin = principal(Role::UnitAdmin, &[7]);
        assert_eq!(authorize(&admin, Action::ViewFigures, Target::Unit(7)), Err(Denied::Role));
        let token = Principal { is_token: true, ..admin };
        assert_eq!(authorize(&token, Action::ViewFigures, Target::Unit(7)), Ok(()));
        assert_eq!(authorize(&token, Action::ViewFigures, Target::County), Ok(()));
        assert_eq!(authorize(&token, Action::ViewFigures, Target::Unit(8)), Err(Denied::Scope));
    }

    #[test]
    fn commission_admin_does_everything() {
        let admin = principal(Role::CommissionAdmin, &[]);
        for action in [Action::ManageUnits, Action::ManageUsers, Action::ViewAudit, Action::ViewFigures] {
            assert_eq!(authorize(&admin, action, Target::County), Ok(()));
            assert_eq!(authorize(&admin, action, Target::Unit(99)), Ok(()));
        }
    }

    #[test]
    fn cadres_and_supervisors_only_read() {
        for role in [Role::Cadre, Role::Supervisor, Role::SubCommissionStaff] {
            let p = principal(role, &[3]);
            assert_eq!(authorize(&p, Action::ViewOrganization, Target::Unit(3)), Ok(()));
            assert_eq!(authorize(&p, Action::ViewOrganization, Target::Unit(4)), Err(Denied::Scope));
            assert_eq!(authorize(&p, Action::ManageUnitStaff, Target::Unit(3)), Err(Denied::Role));
            assert_eq!(authorize(&p, Action::ChangeOwnPassword, Target::County), Ok(()));
        }
    }

    #[test]
    fn units_keep_their_catalogue_and_the_commission_checks_it() {
        let admin = principal(Role::UnitAdmin, &[7]);
        for action in [Action::EditCatalogue, Action::ManageRisks, Action::ManageDesignRecords] {
            assert_eq!(authorize(&admin, action, Target::Unit(7)), Ok(()));
            assert_eq!(authorize(&admin, action, Target::Unit(8)), Err(Denied::Scope));
        }
        for action in [Action::ReviewCatalogue, Action::ApproveRisks, Action::ManageRiskModel, Action::ManageStandards]
        {
            assert_eq!(authorize(&admin, action, Target::Unit(7)), Err(Denied::Role));
        }
        let watcher = principal(Role::SubCommissionStaff, &[7]);
        assert_eq!(authorize(&watcher, Action::ReviewCatalogue, Target::Unit(7)), Ok(()));
        assert_eq!(authorize(&watcher, Action::ApproveRisks, Target::Unit(8)), Err(Denied::Scope));
        assert_eq!(authorize(&watcher, Action::EditCatalogue, Target::Unit(7)), Err(Denied::Role));
        assert_eq!(authorize(&watcher, Action::ManageRiskModel, Target::County), Err(Denied::Role));
        let cadre = principal(Role::Cadre, &[7]);
        assert_eq!(authorize(&cadre, Action::ViewCatalogue, Target::Unit(7)), Ok(()));
        assert_eq!(authorize(&cadre, Action::ManageRisks, Target::Unit(7)), Err(Denied::Role));
    }

    #[test]
    fn the_trading_centre_is_watched_county_wide() {
        let watcher = principal(Role::SubCommissionStaff, &[7]);
        assert_eq!(authorize(&watcher, Action::ViewTrading, Target::County), Ok(()));
        assert_eq!(authorize(&watcher, Action::HandleTradingAlerts, Target::County), Err(Denied::Role));
        let unit_admin = principal(Role::UnitAdmin, &[7]);
        assert_eq!(authorize(&unit_admin, Action::ViewTrading, Target::County), Err(Denied::Role));
        let admin = principal(Role::CommissionAdmin, &[]);
        assert_eq!(authorize(&admin, Action::ImportTrading, Target::County), Ok(()));
        assert_eq!(authorize(&admin, Action::HandleTradingAlerts, Target::County), Ok(()));
    }

    #[test]
    fn only_the_commission_keeps_the_screens() {
        let admin = principal(Role::CommissionAdmin, &[]);
        assert_eq!(authorize(&admin, Action::ManageScreens, Target::County), Ok(()));
        for role in [Role::UnitAdmin, Role::SubCommissionStaff, Role::Supervisor, Role::Cadre] {
            let p = principal(role, &[7]);
            assert_eq!(authorize(&p, Action::ManageScreens, Target::County), Err(Denied::Role));
            assert_eq!(authorize(&p, Action::ManageScreens, Target::Unit(7)), Err(Denied::Role));
        }
    }

    #[test]
    fn complaints_are_handled_by_the_commission_and_answered_by_units() {
        let admin = principal(Role::CommissionAdmin, &[]);
        for action in [Action::ViewComplaints, Action::HandleComplaints, Action::ReplyComplaints] {
            assert_eq!(authorize(&admin, action, Target::Unit(9)), Ok(()));
        }
        let watcher = principal(Role::SubCommissionStaff, &[7]);
        assert_eq!(authorize(&watcher, Action::HandleComplaints, Target::Unit(7)), Ok(()));
        assert_eq!(authorize(&watcher, Action::HandleComplaints, Target::Unit(8)), Err(Denied::Scope));
        let unit_admin = principal(Role::UnitAdmin, &[7]);
        assert_eq!(authorize(&unit_admin, Action::ReplyComplaints, Target::Unit(7)), Ok(()));
        assert_eq!(authorize(&unit_admin, Action::ReplyComplaints, Target::Unit(8)), Err(Denied::Scope));
        assert_eq!(authorize(&unit_admin, Action::HandleComplaints, Target::Unit(7)), Err(Denied::Role));
        for role in [Role::Cadre, Role::Supervisor] {
            assert_eq!(authorize(&principal(role, &[7]), Action::ViewComplaints, Target::Unit(7)), Err(Denied::Role));
        }
        let mut token = principal(Role::UnitAdmin, &[7]);
        token.is_token = true;
        assert_eq!(authorize(&token, Action::ViewComplaints, Target::Unit(7)), Err(Denied::Role));
    }

    #[test]
    fn units_handle_cases_and_the_commission_reviews_their_alerts() {
        let unit_admin = principal(Role::UnitAdmin, &[7]);
        let cadre = principal(Role::Cadre, &[7]);
        let watcher = principal(Role::SubCommissionStaff, &[7]);
        let supervisor = principal(Role::Supervisor, &[7]);
        for action in [Action::ManageFlowcharts, Action::HandleCases, Action::PushEvents, Action::ExplainAlerts] {
            assert_eq!(authorize(&unit_admin, action, Target::Unit(7)), Ok(()));
            assert_eq!(authorize(&unit_admin, action, Target::Unit(8)), Err(Denied::Scope));
        }
        assert_eq!(authorize(&unit_admin, Action::ReviewAlerts, Target::Unit(7)), Err(Denied::Role));
        assert_eq!(authorize(&cadre, Action::HandleCases, Target::Unit(7)), Ok(()));
        assert_eq!(authorize(&cadre, Action::ManageFlowcharts, Target::Unit(7)), Err(Denied::Role));
        assert_eq!(authorize(&watcher, Action::ReviewAlerts, Target::Unit(7)), Ok(()));
        assert_eq!(authorize(&watcher, Action::ReviewAlerts, Target::Unit(8)), Err(Denied::Scope));
        assert_eq!(authorize(&watcher, Action::HandleCases, Target::Unit(7)), Err(Denied::Role));
        assert_eq!(authorize(&supervisor, Action::ViewSupervision, Target::Unit(7)), Ok(()));
        assert_eq!(authorize(&supervisor, Action::ExplainAlerts, Target::Unit(7)), Err(Denied::Role));
        for action in [Action::ManageCalendar, Action::ManageSupervisionRules] {
            assert_eq!(authorize(&principal(Role::CommissionAdmin, &[]), action, Target::County), Ok(()));
            assert_eq!(authorize(&unit_admin, action, Target::County), Err(Denied::Role));
            assert_eq!(authorize(&watcher, action, Target::County), Err(Denied::Role));
        }
    }

    #[test]
    fn tokens_never_administer() {
        let mut token = principal(Role::UnitAdmin, &[5]);
        token.is_token = true;
        assert_eq!(authorize(&token, Action::ViewOrganization, Target::Unit(5)), Ok(()));
        assert_eq!(authorize(&token, Action::PushEvents, Target::Unit(5)), Ok(()));
        assert_eq!(authorize(&token, Action::PushEvents, Target::Unit(6)), Err(Denied::Scope));
        assert_eq!(authorize(&token, Action::HandleCases, Target::Unit(5)), Err(Denied::Role));
        assert_eq!(authorize(&token, Action::ExplainAlerts, Target::Unit(5)), Err(Denied::Role));
        assert_eq!(authorize(&token, Action::ManageUnitStaff, Target::Unit(5)), Err(Denied::Role));
        assert_eq!(authorize(&token, Action::ChangeOwnPassword, Target::County), Err(Denied::Role));
    }
}
