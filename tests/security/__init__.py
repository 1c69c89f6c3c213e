"""Security tests: hostile input (Hypothesis properties), the threat model of SECURITY.md."""
