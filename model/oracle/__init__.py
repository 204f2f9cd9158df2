"""The per-agent Mesa oracle: the monthly rules written citizen by citizen, to check the engine."""
