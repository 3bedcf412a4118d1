//! The glue that decrypts sealed contributions and folds them.
