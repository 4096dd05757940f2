//! STUB — to be implemented: reqwest transport with client-credentials auth.
