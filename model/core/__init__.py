"""The numeric core: population, network, monthly mechanisms, observation, the Mesa model."""
