//! PLACEHOLDER: the cursor provider's raw-bytes check.

/// PLACEHOLDER.
pub fn check_bubble(_input: &[u8]) {}
