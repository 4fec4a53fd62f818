//! The binding service. Not built yet: see issue 3.
