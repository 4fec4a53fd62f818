//! Bilingual labels: every enum the reviewer sees has a zh-TW and an English label.

/// A value with a Traditional Chinese and an English label.
pub trait Labelled {
    /// The Traditional Chinese (zh-TW) label, as users know it from the parent pages.
    fn zh_tw(&self) -> &'static str;
    /// The English label.
    fn en(&self) -> &'static str;
}

/// Declares a snake_case serde enum with its zh-TW and English labels and a list of all
/// its values, so that a label can never be missing for a variant.
macro_rules! labelled_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => ($wire:literal, $zh:literal, $en:literal) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 serde::Serialize, serde::Deserialize, ts_rs::TS)]
        #[serde(rename_all = "snake_case")]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[cfg_attr(feature = "openapi", schema(rename_all = "snake_case"))]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value as it appears in JSON and in storage.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            /// Parses the JSON/storage form.
            pub fn from_wire(s: &str) -> Option<$name> {
                match s { $($wire => Some($name::$variant),)+ _ => None }
            }
        }

        impl $crate::labels::Labelled for $name {
            fn zh_tw(&self) -> &'static str {
                match self { $($name::$variant => $zh),+ }
            }
            fn en(&self) -> &'static str {
                match self { $($name::$variant => $en),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use labelled_enum;
