//! STUB — to be implemented: user and queue look-ups.
