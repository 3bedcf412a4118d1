//! Statistical disclosure control shared by device and server: primary suppression of
//! small cells and complementary suppression over the released hierarchy.
//!
//! Owned by the aggregates work; this first commit only fixes the module's place.
