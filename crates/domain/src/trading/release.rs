//! The part of an OCDS compiled release that the indicators read, and nothing more.
//!
//! Reading a million releases into `serde_json::Value` trees costs several times the
//! memory and time of this view, which skips every other field while parsing.

use super::lenient::{Count, Identifier, List, Number, Text, lenient_object};

lenient_object! {
    /// One contracting process, as far as the indicators are concerned.
    pub(crate) struct Release<'de> {
        ocid: Text<'de> = "ocid",
        buyer: OrganizationReference<'de> = "buyer",
        tender: Tender<'de> = "tender",
        bids: Bids<'de> = "bids",
        awards: List<Award<'de>> = "awards",
        contracts: List<Contract<'de>> = "contracts",
    }
}

lenient_object! {
    /// A reference to an organization: only its `id` matters here.
    pub(crate) struct OrganizationReference<'de> {
        id: Text<'de> = "id",
    }
}

lenient_object! {
    pub(crate) struct Tender<'de> {
        status: Text<'de> = "status",
        procurement_method: Text<'de> = "procurementMethod",
        procurement_method_details: Text<'de> = "procurementMethodDetails",
        number_of_tenderers: Count = "numberOfTenderers",
        period: Period<'de> = "tenderPeriod",
        procuring_entity: OrganizationReference<'de> = "procuringEntity",
        value: Money<'de> = "value",
        items: List<Item<'de>> = "items",
    }
}

lenient_object! {
    pub(crate) struct Period<'de> {
        start_date: Text<'de> = "startDate",
        end_date: Text<'de> = "endDate",
    }
}

lenient_object! {
    pub(crate) struct Money<'de> {
        amount: Number = "amount",
        currency: Text<'de> = "currency",
    }
}

lenient_object! {
    pub(crate) struct Bids<'de> {
        details: List<Bid<'de>> = "details",
    }
}

lenient_object! {
    pub(crate) struct Bid<'de> {
        status: Text<'de> = "status",
        date: Text<'de> = "date",
        value: Money<'de> = "value",
        tenderers: List<OrganizationReference<'de>> = "tenderers",
    }
}

lenient_object! {
    pub(crate) struct Award<'de> {
        id: Identifier<'de> = "id",
        status: Text<'de> = "status",
        date: Text<'de> = "date",
        value: Money<'de> = "value",
        suppliers: List<OrganizationReference<'de>> = "suppliers",
        items: List<Item<'de>> = "items",
    }
}

lenient_object! {
    pub(crate) struct Item<'de> {
        classification: Classification<'de> = "classification",
    }
}

lenient_object! {
    pub(crate) struct Classification<'de> {
        id: Text<'de> = "id",
    }
}

lenient_object! {
    pub(crate) struct Contract<'de> {
        award_id: Identifier<'de> = "awardID",
        status: Text<'de> = "status",
        date_signed: Text<'de> = "dateSigned",
        value: Money<'de> = "value",
        implementation: Implementation<'de> = "implementation",
        amendments: List<Amendment<'de>> = "amendments",
    }
}

lenient_object! {
    pub(crate) struct Implementation<'de> {
        transactions: List<Transaction<'de>> = "transactions",
        milestones: List<Milestone<'de>> = "milestones",
    }
}

lenient_object! {
    pub(crate) struct Transaction<'de> {
        date: Text<'de> = "date",
        value: Money<'de> = "value",
        /// OCDS 1.0's name for `value`, still common in published data.
        amount: Money<'de> = "amount",
    }
}

lenient_object! {
    pub(crate) struct Milestone<'de> {
        kind: Text<'de> = "type",
        status: Text<'de> = "status",
        date_met: Text<'de> = "dateMet",
    }
}

lenient_object! {
    pub(crate) struct Amendment<'de> {
        date: Text<'de> = "date",
        changes: List<Change<'de>> = "changes",
    }
}

lenient_object! {
    /// OCDS 1.0's record of what an amendment changed (deprecated in 1.1 but the only
    /// place a former contract value is published).
    pub(crate) struct Change<'de> {
        property: Text<'de> = "property",
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
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<FormerValue, A::Error> {
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

impl Release<'_> {
    pub(crate) fn procurement_method_details(&self) -> Option<&str> {
        self.tender.procurement_method_details.get()
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.tender.status.is("cancelled")
    }

    pub(crate) fn bid_details(&self) -> Option<&[Bid<'_>]> {
        self.bids.details.0.as_deref()
    }

    /// Bids that were submitted: pending, valid or disqualified (not invited or withdrawn).
    /// A bid without a string status is not counted, as in cardinal.
    pub(crate) fn submitted_bids(&self) -> impl Iterator<Item = &Bid<'_>> {
        self.bids
            .details
            .items()
            .iter()
            .filter(|bid| bid.status.get().is_some_and(|status| status != "invited" && status != "withdrawn"))
    }

    /// The active awards and all bids, but only once every award with a status is final
    /// (active, cancelled or unsuccessful): a pending award could still change the result.
    pub(crate) fn final_awards_and_bids(&self) -> Option<(Vec<&Award<'_>>, &[Bid<'_>])> {
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
    pub(crate) fn sole_winner(&self) -> Option<(&str, &[Bid<'_>])> {
        // As final_awards_and_bids, without collecting: this runs for most releases.
        let awards = self.awards.0.as_deref()?;
        let details = self.bid_details()?;
        let mut winner = None;
        let mut active = 0;
        for award in awards {
            match award.status.get() {
                Some("active") => {
                    active += 1;
                    winner = Some(award);
                }
                Some("cancelled" | "unsuccessful") | None => {}
                Some(_) => return None,
            }
        }
        let award = winner.filter(|_| active == 1)?;
        let [supplier] = award.suppliers.0.as_deref()? else {
            return None;
        };
        Some((supplier.id.get()?, details))
    }
}

impl Bid<'_> {
    /// The id of the bid's only tenderer; `None` for consortia and anonymous bids.
    pub(crate) fn sole_tenderer(&self) -> Option<&str> {
        match self.tenderers.0.as_deref()? {
            [only] => only.id.get(),
            _ => None,
        }
    }
}

impl Money<'_> {
    pub(crate) fn amount_in(&self) -> Option<(f64, &str)> {
        Some((self.amount.0?, self.currency.get()?))
    }
}

impl Item<'_> {
    pub(crate) fn classification_id(&self) -> Option<&str> {
        self.classification.id.get()
    }
}
