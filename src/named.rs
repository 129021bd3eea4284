//! Enums that users write by name (`matmul`, `sigmoid`, `shuffle`, …).
//!
//! [`named_enum!`] declares such an enum once, with each variant's name, and
//! derives from that one list everything that must agree with it: `ALL`,
//! `NAMES`, `name()`, `Display`, `FromStr` and serde's (de)serialisation,
//! whose messages list the accepted names. Written by hand, these tables
//! drifted apart (a serde `expecting` string that left out a variant).

/// Declares an enum whose variants are written as the given names.
///
/// ```text
/// named_enum! {
///     /// How samples are chosen.
///     pub enum Sampling {
///         /// With replacement.
///         Random = "random",
///         /// A permutation per epoch.
///         Shuffle = "shuffle",
///     }
/// }
/// ```
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $Name:ident {
            $( $(#[$vmeta:meta])* $Variant:ident = $name:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $Name {
            $( $(#[$vmeta])* $Variant, )+
        }

        impl $Name {
            /// Every variant, in declaration order (the order tables list them).
            pub const ALL: [$Name; [$($name),+].len()] = [$($Name::$Variant),+];

            /// Every variant's name, in the order of [`Self::ALL`].
            pub const NAMES: [&'static str; [$($name),+].len()] = [$($name),+];

            /// The name used in configs, CSV files and job ids.
            pub fn name(self) -> &'static str {
                match self {
                    $( $Name::$Variant => $name, )+
                }
            }

            /// The variant written as `name`, if any.
            pub fn from_name(name: &str) -> Option<$Name> {
                match name {
                    $( $name => Some($Name::$Variant), )+
                    _ => None,
                }
            }

            /// "one of `a`, `b` or `c`": what a message says is accepted.
            pub fn expected() -> String {
                $crate::named::one_of(&Self::NAMES)
            }
        }

        impl ::std::fmt::Display for $Name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl ::std::str::FromStr for $Name {
            type Err = String;
            fn from_str(text: &str) -> Result<$Name, String> {
                $Name::from_name(text).ok_or_else(|| {
                    format!(
                        "unknown variant `{text}`{}; expected {}",
                        $crate::suggest::did_you_mean(text, $Name::NAMES),
                        $Name::expected()
                    )
                })
            }
        }

        impl ::serde::Serialize for $Name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $Name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<$Name, D::Error> {
                struct NameVisitor;
                impl ::serde::de::Visitor<'_> for NameVisitor {
                    type Value = $Name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter) -> ::std::fmt::Result {
                        f.write_str(&$Name::expected())
                    }
                    fn visit_str<E: ::serde::de::Error>(self, v: &str) -> Result<$Name, E> {
                        $Name::from_name(v).ok_or_else(|| E::unknown_variant(v, &$Name::NAMES))
                    }
                }
                d.deserialize_str(NameVisitor)
            }
        }
    };
}

/// "one of `a`, `b` or `c`" (or "`a`" for a single name).
pub fn one_of(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => format!("`{one}`"),
        [init @ .., last] => format!("one of `{}` or `{last}`", init.join("`, `")),
    }
}

#[cfg(test)]
mod tests {
    use super::one_of;

    named_enum! {
        /// A test enum.
        enum Colour {
            /// Red.
            Red = "red",
            /// Light blue.
            LightBlue = "light_blue",
        }
    }

    #[test]
    fn one_table_gives_names_parsing_and_serde() {
        assert_eq!(Colour::ALL, [Colour::Red, Colour::LightBlue]);
        assert_eq!(Colour::LightBlue.to_string(), "light_blue");
        assert_eq!("red".parse::<Colour>(), Ok(Colour::Red));
        let err = "ligth_blue".parse::<Colour>().unwrap_err();
        assert!(err.contains("did you mean `light_blue`"), "{err}");
        assert!(err.contains("one of `red` or `light_blue`"), "{err}");
        #[derive(serde::Deserialize)]
        struct T {
            #[allow(dead_code)]
            c: Colour,
        }
        let wrong_type = toml::from_str::<T>("c = 3").err().unwrap().to_string();
        assert!(
            wrong_type.contains("one of `red` or `light_blue`"),
            "{wrong_type}"
        );
        let unknown = toml::from_str::<T>("c = \"blue\"")
            .err()
            .unwrap()
            .to_string();
        assert!(unknown.contains("unknown variant `blue`"), "{unknown}");
        assert_eq!(one_of(&["a", "b", "c"]), "one of `a`, `b` or `c`");
    }
}
