"""Reliability tests: races between concurrent calls, and database server faults."""
