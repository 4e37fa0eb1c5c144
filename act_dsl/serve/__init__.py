"""`act serve`: a task's verifier as an HTTP reward service (its own API, OpenRLHF's and NeMo Gym's protocols)."""
