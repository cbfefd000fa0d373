//! The part of an OCDS compiled release that the indicators read, and nothing more.
//!
//! Reading a million releases into `serde_json::Value` trees costs several times the
//! memory and time of this view, which skips every other field while parsing.

use super::lenient::{Count, Identifier, List, Number, Text, lenient_object};

lenient_object! {
    /// One contracting process, as far as the indicators are concerned.
    pub(crate) struct Release {
        ocid: Text = "ocid",
        buyer: OrganizationReference = "buyer",
        tender: Tender = "tender",
        bids: Bids = "bids",
        awards: List<Award> = "awards",
        contracts: List<Contract> = "contracts",
    }
}

lenient_object! {
    /// A reference to an organization: only its `id` matters here.
    pub(crate) struct OrganizationReference {
        id: Text = "id",
    }
}

lenient_object! {
    pub(crate) struct Tender {
        status: Text = "status",
        procurement_method: Text = "procurementMethod",
        procurement_method_details: Text = "procurementMethodDetails",
        number_of_tenderers: Count = "numberOfTenderers",
        period: Period = "tenderPeriod",
        procuring_entity: OrganizationReference = "procuringEntity",
        value: Money = "value",
        items: List<Item> = "items",
    }
}

lenient_object! {
    pub(crate) struct Period {
        start_date: Text = "startDate",
        end_date: Text = "endDate",
    }
}

lenient_object! {
    pub(crate) struct Money {
        amount: Number = "amount",
        currency: Text = "currency",
    }
}

lenient_object! {
    pub(crate) struct Bids {
        details: List<Bid> = "details",
    }
}

lenient_object! {
    pub(crate) struct Bid {
        status: Text = "status",
        date: Text = "date",
        value: Money = "value",
        tenderers: List<OrganizationReference> = "tenderers",
    }
}

lenient_object! {
    pub(crate) struct Award {
        id: Identifier = "id",
        status: Text = "status",
        date: Text = "date",
        value: Money = "value",
        suppliers: List<OrganizationReference> = "suppliers",
        items: List<Item> = "items",
    }
}

lenient_object! {
    pub(crate) struct Item {
        classification: Classification = "classification",
    }
}

lenient_object! {
    pub(crate) struct Classification {
        id: Text = "id",
    }
}

lenient_object! {
    pub(crate) struct Contract {
        award_id: Identifier = "awardID",
        status: Text = "status",
        date_signed: Text = "dateSigned",
        value: Money = "value",
        implementation: Implementation = "implementation",
        amendments: List<Amendment> = "amendments",
    }
}

lenient_object! {
    pub(crate) struct Implementation {
        transactions: List<Transaction> = "transactions",
        milestones: List<Milestone> = "milestones",
    }
}

lenient_object! {
    pub(crate) struct Transaction {
        date: Text = "date",
        value: Money = "value",
        /// OCDS 1.0's name for `value`, still common in published data.
        amount: Money = "amount",
    }
}

lenient_object! {
    pub(crate) struct Milestone {
        kind: Text = "type",
        status: Text = "status",
        date_met: Text = "dateMet",
    }
}

lenient_object! {
    pub(crate) struct Amendment {
        date: Text = "date",
        changes: List<Change> = "changes",
    }
}

lenient_object! {
    /// OCDS 1.0's record of what an amendment changed (deprecated in 1.1 but the only
    /// place a former contract value is published).
    pub(crate) struct Change {
        property: Text = "property",
        former_value: FormerValue = "former_value",
    }
}

/// A former value: a bare number, or a `Value` object with an `amount`.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub(crate) struct FormerValue(pub(crate) Option<f64>);

impl<'de> serde::Deserialize<'de> for FormerValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FormerValueVisitor;
        impl<'de> serde::de::Visitor<'de> for FormerValueVisitor {
            type Value = FormerValue;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<FormerValue, E> {
                Ok(FormerValue(Some(v as f64)))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<FormerValue, E> {
                Ok(FormerValue(Some(v as f64)))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<FormerValue, E> {
                Ok(FormerValue(Some(v)))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<FormerValue, A::Error> {
                let mut amount = None;
                while let Some(key) = map.next_key::<super::lenient::Key<'de>>()? {
                    if key.as_str() == "amount" {
                        amount = map.next_value::<Number>()?.0;
                    } else {
                        map.next_value::<serde::de::IgnoredAny>()?;
                    }
                }
                Ok(FormerValue(amount))
            }
            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<FormerValue, E> {
                Ok(FormerValue(None))
            }
            fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<FormerValue, E> {
                Ok(FormerValue(None))
            }
            super::lenient::default_for_other_shapes!(unit);
            super::lenient::default_for_other_shapes!(seq);
        }
        deserializer.deserialize_any(FormerValueVisitor)
    }
}

impl Release {
    pub(crate) fn procurement_method_details(&self) -> Option<&str> {
        self.tender.procurement_method_details.get()
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.tender.status.is("cancelled")
    }

    pub(crate) fn bid_details(&self) -> Option<&[Bid]> {
        self.bids.details.0.as_deref()
    }

    /// Bids that were submitted: pending, valid or disqualified (not invited or withdrawn).
    /// A bid without a string status is not counted, as in cardinal.
    pub(crate) fn submitted_bids(&self) -> impl Iterator<Item = &Bid> {
        self.bids.details.items().iter().filter(|bid| {
            bid.status
                .get()
                .is_some_and(|status| status != "invited" && status != "withdrawn")
        })
    }

    /// The active awards and all bids, but only once every award with a status is final
    /// (active, cancelled or unsuccessful): a pending award could still change the result.
    pub(crate) fn final_awards_and_bids(&self) -> Option<(Vec<&Award>, &[Bid])> {
        let awards = self.awards.0.as_deref()?;
        let details = self.bid_details()?;
        let mut active = Vec::new();
        for award in awards {
            match award.status.get() {
                Some("active") => active.push(award),
                Some("cancelled" | "unsuccessful") | None => {}
                Some(_) => return None,
            }
        }
        Some((active, details))
    }

    /// The supplier of the only active award, when all awards are final and that award has
    /// exactly one supplier with an id.
    pub(crate) fn sole_winner(&self) -> Option<(&str, &[Bid])> {
        let (active, details) = self.final_awards_and_bids()?;
        let [award] = active.as_slice() else {
            return None;
        };
        let [supplier] = award.suppliers.0.as_deref()? else {
            return None;
        };
        Some((supplier.id.get()?, details))
    }
}

impl Bid {
    /// The id of the bid's only tenderer; `None` for consortia and anonymous bids.
    pub(crate) fn sole_tenderer(&self) -> Option<&str> {
        match self.tenderers.0.as_deref()? {
            [only] => only.id.get(),
            _ => None,
        }
    }
}

impl Money {
    pub(crate) fn amount_in(&self) -> Option<(f64, &str)> {
        Some((self.amount.0?, self.currency.get()?))
    }
}

impl Item {
    pub(crate) fn classification_id(&self) -> Option<&str> {
        self.classification.id.get()
    }
}
