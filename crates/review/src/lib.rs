//! The reviewer's engine. Not built yet: see issue 4.
