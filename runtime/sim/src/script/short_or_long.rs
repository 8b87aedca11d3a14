//! Deserializing "a keyword or a mapping" with the error of whichever form
//! was written (serde's untagged enums only say that nothing matched).

/// Implements `Deserialize` for `$ty`: a string becomes `$ty::$short`
/// (through `$short_ty`'s own keywords), a mapping becomes `$ty::$long`.
macro_rules! short_or_long {
    ($ty:ident, $short:ident, $short_ty:ty, $long:ident, $long_ty:ty, $expecting:literal) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visitor;
                impl<'de> serde::de::Visitor<'de> for Visitor {
                    type Value = $ty;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<$ty, E> {
                        use serde::de::IntoDeserializer;
                        <$short_ty as serde::Deserialize>::deserialize(text.into_deserializer())
                            .map($ty::$short)
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(
                        self,
                        map: A,
                    ) -> Result<$ty, A::Error> {
                        let long = serde::de::value::MapAccessDeserializer::new(map);
                        <$long_ty as serde::Deserialize>::deserialize(long).map($ty::$long)
                    }
                }
                deserializer.deserialize_any(Visitor)
            }
        }
    };
}

pub(crate) use short_or_long;
