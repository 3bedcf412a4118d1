//! Exports of released aggregates only (CSV, XLSX, HXL-tagged CSV).
