//! Deserializers that never fail on a wrong JSON type.
//!
//! Published OCDS data is messy: an `id` is sometimes a number, a `value` sometimes a
//! string, a `tenderers` entry sometimes `null`. cardinal reads such a field as absent and
//! carries on, so the indicators here must too; a strict `#[derive(Deserialize)]` would
//! drop the whole line instead. Each type below accepts any JSON value and keeps only the
//! shape it understands.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// Answers every JSON shape a visitor does not handle itself with `Default`, consuming
/// nested arrays and objects so the parser stays in step.
macro_rules! default_for_other_shapes {
    (scalars) => {
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
    };
    (unit) => {
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
    };
    (seq) => {
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            $crate::trading::lenient::drain_seq(seq)?;
            Ok(Default::default())
        }
    };
    (map) => {
        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            $crate::trading::lenient::drain_map(map)?;
            Ok(Default::default())
        }
    };
}
pub(crate) use default_for_other_shapes;

/// Declares a struct read from a JSON object by key, each field lenient, other keys skipped.
/// Any other JSON shape reads as the struct's default.
macro_rules! lenient_object {
    ($(#[$meta:meta])* $vis:vis struct $name:ident<$a:lifetime> { $($(#[$fmeta:meta])* $field:ident : $ty:ty = $key:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Default, Clone)]
        $vis struct $name<$a> {
            $($(#[$fmeta])* pub(crate) $field: $ty,)*
        }

        impl<$a> serde::Deserialize<$a> for $name<$a> {
            fn deserialize<D: serde::Deserializer<$a>>(deserializer: D) -> Result<Self, D::Error> {
                struct ObjectVisitor<$a>(std::marker::PhantomData<&$a ()>);
                impl<$a> serde::de::Visitor<$a> for ObjectVisitor<$a> {
                    type Value = $name<$a>;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("any JSON value")
                    }
                    fn visit_map<A: serde::de::MapAccess<$a>>(self, mut map: A) -> Result<$name<$a>, A::Error> {
                        let mut out = $name::default();
                        while let Some(key) = map.next_key::<$crate::trading::lenient::Key<$a>>()? {
                            match key.as_str() {
                                $($key => out.$field = map.next_value()?,)*
                                _ => {
                                    map.next_value::<serde::de::IgnoredAny>()?;
                                }
                            }
                        }
                        Ok(out)
                    }
                    $crate::trading::lenient::default_for_other_shapes!(scalars);
                    $crate::trading::lenient::default_for_other_shapes!(unit);
                    $crate::trading::lenient::default_for_other_shapes!(seq);
                }
                deserializer.deserialize_any(ObjectVisitor(std::marker::PhantomData))
            }
        }
    };
}
pub(crate) use lenient_object;

pub(crate) fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

pub(crate) fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// An object key, borrowed from the input when it has no escapes.
pub(crate) struct Key<'de>(Cow<'de, str>);

impl Key<'_> {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// A JSON string, borrowed from the input when it has no escapes; any other value reads
/// as absent.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Text<'de>(pub(crate) Option<Cow<'de, str>>);

impl Text<'_> {
    pub(crate) fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }

    pub(crate) fn is(&self, expected: &str) -> bool {
        self.get() == Some(expected)
    }
}

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Owned(v.to_owned()))))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Owned(v))))
            }
            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Text<'de>, E> {
                Ok(Text(None))
            }
            fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Text<'de>, E> {
                Ok(Text(None))
            }
            fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Text<'de>, E> {
                Ok(Text(None))
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Text<'de>, E> {
                Ok(Text(None))
            }
            default_for_other_shapes!(unit);
            default_for_other_shapes!(seq);
            default_for_other_shapes!(map);
        }
        deserializer.deserialize_any(TextVisitor)
    }
}

/// An identifier that may be published as a string or an integer (award ids often are);
/// integers are kept in their decimal form so `awardID` 7 matches award `id` "7".
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Identifier<'de>(pub(crate) Option<Cow<'de, str>>);

impl Identifier<'_> {
    pub(crate) fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl<'de> Deserialize<'de> for Identifier<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IdentifierVisitor;
        impl<'de> Visitor<'de> for IdentifierVisitor {
            type Value = Identifier<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Identifier<'de>, E> {
                Ok(Identifier(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Identifier<'de>, E> {
                Ok(Identifier(Some(Cow::Owned(v.to_owned()))))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Identifier<'de>, E> {
                Ok(Identifier(Some(Cow::Owned(v))))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Identifier<'de>, E> {
                Ok(Identifier(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Identifier<'de>, E> {
                Ok(Identifier(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Identifier<'de>, E> {
                Ok(Identifier(None))
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Identifier<'de>, E> {
                Ok(Identifier(None))
            }
            default_for_other_shapes!(unit);
            default_for_other_shapes!(seq);
            default_for_other_shapes!(map);
        }
        deserializer.deserialize_any(IdentifierVisitor)
    }
}

/// A JSON number as `f64`; any other value reads as absent.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub(crate) struct Number(pub(crate) Option<f64>);

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NumberVisitor;
        impl<'de> Visitor<'de> for NumberVisitor {
            type Value = Number;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            #[allow(clippy::cast_precision_loss)]
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Number, E> {
                Ok(Number(Some(v as f64)))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Number, E> {
                Ok(Number(Some(v as f64)))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Number, E> {
                Ok(Number(Some(v)))
            }
            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Number, E> {
                Ok(Number(None))
            }
            fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Number, E> {
                Ok(Number(None))
            }
            default_for_other_shapes!(unit);
            default_for_other_shapes!(seq);
            default_for_other_shapes!(map);
        }
        deserializer.deserialize_any(NumberVisitor)
    }
}

/// A non-negative JSON integer; floats (even `1.0`), negatives and other values read as
/// absent, as cardinal reads `numberOfTenderers` with `as_u64`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Count(pub(crate) Option<u64>);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CountVisitor;
        impl<'de> Visitor<'de> for CountVisitor {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Count, E> {
                Ok(Count(Some(v)))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Count, E> {
                Ok(Count(u64::try_from(v).ok()))
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Count, E> {
                Ok(Count(None))
            }
            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Count, E> {
                Ok(Count(None))
            }
            fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Count, E> {
                Ok(Count(None))
            }
            default_for_other_shapes!(unit);
            default_for_other_shapes!(seq);
            default_for_other_shapes!(map);
        }
        deserializer.deserialize_any(CountVisitor)
    }
}

/// A JSON array of lenient elements; `None` when the value is not an array, because
/// several indicators treat a missing `awards` array differently from an empty one.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct List<T>(pub(crate) Option<Vec<T>>);

impl<T> Default for List<T> {
    fn default() -> Self {
        Self(None)
    }
}

impl<T> List<T> {
    pub(crate) fn items(&self) -> &[T] {
        self.0.as_deref().unwrap_or_default()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
            type Value = List<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List<T>, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(List(Some(items)))
            }
            default_for_other_shapes!(scalars);
            default_for_other_shapes!(unit);
            default_for_other_shapes!(map);
        }
        deserializer.deserialize_any(ListVisitor(std::marker::PhantomData))
    }
}
