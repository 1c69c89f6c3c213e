"""Server faults: private database servers stopped and restarted under a stream of requests."""
